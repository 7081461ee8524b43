//! The package overrides table: what the generic relocation of a Debian package cannot
//! infer (a Perl program's module path, a server's versioned program directory, a launcher
//! that looks on the host), kept as data in `overrides.toml` and compiled in.
//!
//! ```text
//! overrides.toml ─parse + validate─► PackageOverrides
//!   closure_roots(pname)  ─► more packages for the resolver (the wrapper shell's included)
//!   for_package(pname)    ─► Adjustments, applied to the merged tree by `adjust`
//! ```
//!
//! Invariants: every path of the table is relative and stays inside the tree (no `..`, no
//! leading `/`); variable names are shell names and program names have no `/`, so a
//! wrapper script made from them needs no quoting of names; an `include` names an entry
//! of the table; only a wrapped program is given `options`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The compiled-in table.
use crate::store::{Hash, HashAlgo, HashFormat};

const TABLE: &str = include_str!("overrides.toml");

/// Why the overrides table is unusable.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    #[error("the package overrides table is invalid: {0}")]
    Parse(Box<toml::de::Error>),
    #[error("the package overrides of `{package}` include `{included}`, which has no entry")]
    UnknownInclude { package: String, included: String },
    #[error(
        "the package overrides of `{package}` give options to `{program}`, which is not in its `wrap` list"
    )]
    OptionsUnwrapped { package: String, program: String },
    #[error("the package overrides key `{0}` holds more than one `*`")]
    Pattern(String),
}

/// A path inside a package's tree; one component may hold a `*`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct TreePath(String);

impl TryFrom<String> for TreePath {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let path = Path::new(&text);
        let inside = !text.is_empty()
            && path.components().all(|c| matches!(c, Component::Normal(_)))
            && !text.ends_with('/');
        if inside {
            Ok(TreePath(text))
        } else {
            Err(format!(
                "`{text}` is not a relative path inside the package (no `..`, no leading `/`)"
            ))
        }
    }
}

impl TreePath {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The existing paths (relative to `tree`) this one names, sorted, each place once: a
    /// component with a `*` matches every entry of its directory that fits around the star.
    pub fn expand(&self, tree: &Path) -> Vec<PathBuf> {
        let mut found = vec![PathBuf::new()];
        for part in self.0.split('/') {
            let mut next = Vec::new();
            for base in &found {
                match part.split_once('*') {
                    None => next.push(base.join(part)),
                    Some((head, tail)) => {
                        let Ok(entries) = std::fs::read_dir(tree.join(base)) else {
                            continue;
                        };
                        let mut names: Vec<String> = entries
                            .filter_map(Result::ok)
                            .filter_map(|e| e.file_name().into_string().ok())
                            .filter(|n| {
                                n.len() >= head.len() + tail.len()
                                    && n.starts_with(head)
                                    && n.ends_with(tail)
                            })
                            .collect();
                        names.sort();
                        next.extend(names.into_iter().map(|n| base.join(n)));
                    }
                }
            }
            found = next;
        }
        // A match that is a link to another match (`perl/5.36 -> 5.36.0`) is one place.
        let mut seen = Vec::new();
        found.retain(|p| match std::fs::canonicalize(tree.join(p)) {
            Ok(real) if !seen.contains(&real) => {
                seen.push(real);
                true
            }
            _ => false,
        });
        found
    }
}

/// An environment variable name a shell accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct VarName(String);

impl TryFrom<String> for VarName {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let mut chars = text.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            Ok(VarName(text))
        } else {
            Err(format!("`{text}` is not a variable name"))
        }
    }
}

impl VarName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a program in a package's `bin/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct ProgramName(String);

impl TryFrom<String> for ProgramName {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.is_empty() || text.contains('/') || text == "." || text == ".." {
            Err(format!("`{text}` is not a program name"))
        } else {
            Ok(ProgramName(text))
        }
    }
}

impl ProgramName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A command-line option that takes a path: `--name`, given as `--name=PATH`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct OptionName(String);

impl TryFrom<String> for OptionName {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let plain = |c: char| !c.is_whitespace() && !c.is_control() && c != '=';
        if text.len() > 1 && text.starts_with('-') && text.chars().all(plain) {
            Ok(OptionName(text))
        } else {
            Err(format!("`{text}` is not an option name like `--basedir`"))
        }
    }
}

impl OptionName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A pattern for one argument: `*` matches any text, everything else itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct ArgPattern(String);

impl TryFrom<String> for ArgPattern {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.chars().any(|c| c != '*') {
            Ok(ArgPattern(text))
        } else {
            Err(format!("`{text}` would match every argument"))
        }
    }
}

impl ArgPattern {
    /// The literal pieces between the stars, in order (empty pieces included).
    pub fn pieces(&self) -> std::str::Split<'_, char> {
        self.0.split('*')
    }
}

/// The shell that runs wrapper scripts.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WrapperShell {
    /// Its Debian package.
    package: String,
    /// Where it sits in a tree.
    shell: TreePath,
}

/// One package's entry (see `overrides.toml` for what each key means).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageOverride {
    #[serde(default)]
    closure: Vec<String>,
    #[serde(default)]
    bin: Vec<TreePath>,
    #[serde(default)]
    shebangs: BTreeMap<String, TreePath>,
    #[serde(default)]
    links: BTreeMap<TreePath, TreePath>,
    #[serde(default)]
    wrap: Vec<ProgramName>,
    #[serde(default)]
    prefix: BTreeMap<VarName, Vec<TreePath>>,
    #[serde(default)]
    set: BTreeMap<VarName, TreePath>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    options: BTreeMap<ProgramName, BTreeMap<OptionName, TreePath>>,
    #[serde(default)]
    first: Vec<ArgPattern>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    wrapper: WrapperShell,
    #[serde(default)]
    packages: BTreeMap<String, PackageOverride>,
}

/// The validated overrides table.
#[derive(Debug)]
pub struct PackageOverrides {
    wrapper: WrapperShell,
    packages: BTreeMap<String, PackageOverride>,
    /// The table as written, for [`PackageOverrides::revision`].
    text: toml::Table,
}

/// The revision of what `builtin:relocate` does to every tree. Raise it whenever a change
/// to the relocation code changes the trees it makes, so that no store keeps a tree made
/// by the old code under the path the new code would build.
pub const RELOCATION_REVISION: u32 = 3;

/// What to change in one package's tree after relocation.
#[derive(Debug, Clone, Copy)]
pub struct Adjustments<'a> {
    /// Program directories exposed in `bin/` before the usual ones.
    pub bin: &'a [TreePath],
    /// `#!` interpreter → its replacement in the tree.
    pub shebangs: &'a BTreeMap<String, TreePath>,
    /// Path → the path it becomes a link to.
    pub links: &'a BTreeMap<TreePath, TreePath>,
    /// Programs of `bin/` that get a wrapper.
    pub wrap: &'a [ProgramName],
    /// The shell wrapper scripts run under.
    pub shell: &'a TreePath,
    /// Arguments of the caller that stay before the options a wrapper adds.
    pub first: &'a [ArgPattern],
    entry: &'a PackageOverride,
    table: &'a BTreeMap<String, PackageOverride>,
}

impl<'a> Adjustments<'a> {
    /// The package's entry, then the entries it includes.
    fn entries(&self) -> impl Iterator<Item = &'a PackageOverride> + use<'a> {
        let table = self.table;
        std::iter::once(self.entry).chain(
            self.entry
                .include
                .iter()
                .filter_map(move |name| table.get(name)),
        )
    }

    /// Variable → directories to prepend, the package's own first, then its includes'.
    pub fn prefix(&self) -> BTreeMap<&'a VarName, Vec<&'a TreePath>> {
        let mut vars: BTreeMap<&VarName, Vec<&TreePath>> = BTreeMap::new();
        for entry in self.entries() {
            for (name, dirs) in &entry.prefix {
                vars.entry(name).or_default().extend(dirs);
            }
        }
        vars
    }

    /// Option → path, given by `program`'s wrapper before the caller's arguments.
    pub fn options(&self, program: &ProgramName) -> Option<&'a BTreeMap<OptionName, TreePath>> {
        self.entry.options.get(program)
    }

    /// Variable → the path it is set to; the package's own value wins over an include's.
    pub fn set(&self) -> BTreeMap<&'a VarName, &'a TreePath> {
        let mut vars = BTreeMap::new();
        for entry in self.entries() {
            for (name, path) in &entry.set {
                vars.entry(name).or_insert(path);
            }
        }
        vars
    }
}

impl PackageOverrides {
    /// The table compiled into denv.
    pub fn builtin() -> Result<PackageOverrides, OverrideError> {
        PackageOverrides::parse(TABLE)
    }

    /// Parses and validates a table.
    pub fn parse(text: &str) -> Result<PackageOverrides, OverrideError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| OverrideError::Parse(Box::new(e)))?;
        let text: toml::Table =
            toml::from_str(text).map_err(|e| OverrideError::Parse(Box::new(e)))?;
        for (package, entry) in &raw.packages {
            if package.matches('*').count() > 1 {
                return Err(OverrideError::Pattern(package.clone()));
            }
            if let Some(missing) = entry
                .include
                .iter()
                .find(|name| !raw.packages.contains_key(*name))
            {
                return Err(OverrideError::UnknownInclude {
                    package: package.clone(),
                    included: missing.clone(),
                });
            }
            if let Some(program) = entry.options.keys().find(|p| !entry.wrap.contains(p)) {
                return Err(OverrideError::OptionsUnwrapped {
                    package: package.clone(),
                    program: program.as_str().to_owned(),
                });
            }
        }
        Ok(PackageOverrides {
            wrapper: raw.wrapper,
            packages: raw.packages,
            text,
        })
    }

    /// `pname`'s entry and its key: the entry named `pname`, else the first (in key order)
    /// whose key is a pattern matching it (`openjdk-*-jdk` for every JDK version).
    fn entry(&self, pname: &str) -> Option<(&str, &PackageOverride)> {
        if let Some((key, entry)) = self.packages.get_key_value(pname) {
            return Some((key, entry));
        }
        self.packages
            .iter()
            .find(|(key, _)| key.contains('*') && name_matches(key, pname))
            .map(|(key, entry)| (key.as_str(), entry))
    }

    /// What `pname`'s tree is made by: [`RELOCATION_REVISION`], then, when the package has
    /// an entry, a digest of that entry, the entries it includes and the wrapper shell. A
    /// package's derivation carries it, so a change to either gives the package a new
    /// store path and leaves every other package's alone.
    pub fn revision(&self, pname: &str) -> String {
        let Some((key, entry)) = self.entry(pname) else {
            return RELOCATION_REVISION.to_string();
        };
        let packages = self.text.get("packages").and_then(toml::Value::as_table);
        let mut parts = toml::Table::new();
        for name in std::iter::once(key).chain(entry.include.iter().map(String::as_str)) {
            if let Some(value) = packages.and_then(|p| p.get(name)) {
                parts.insert(name.to_owned(), value.clone());
            }
        }
        if !entry.wrap.is_empty() {
            if let Some(wrapper) = self.text.get("wrapper") {
                parts.insert("wrapper".to_owned(), wrapper.clone());
            }
        }
        let digest = Hash::digest(
            HashAlgo::Sha256,
            toml::Value::Table(parts).to_string().as_bytes(),
        )
        .encode(HashFormat::Nix32);
        format!("{RELOCATION_REVISION}-{}", &digest[..12])
    }

    /// Packages to resolve together with `pname` so that its overrides find what they
    /// need in the tree.
    pub fn closure_roots(&self, pname: &str) -> Vec<&str> {
        let Some((_, entry)) = self.entry(pname) else {
            return Vec::new();
        };
        let mut roots: Vec<&str> = entry.closure.iter().map(String::as_str).collect();
        if !entry.wrap.is_empty() && !roots.contains(&self.wrapper.package.as_str()) {
            roots.push(&self.wrapper.package);
        }
        roots
    }

    /// The changes `pname`'s tree gets, if it has an entry.
    pub fn for_package(&self, pname: &str) -> Option<Adjustments<'_>> {
        let (_, entry) = self.entry(pname)?;
        Some(Adjustments {
            bin: &entry.bin,
            shebangs: &entry.shebangs,
            links: &entry.links,
            wrap: &entry.wrap,
            shell: &self.wrapper.shell,
            first: &entry.first,
            entry,
            table: &self.packages,
        })
    }
}

/// Whether `name` matches `pattern`, where one `*` stands for any text (not empty).
fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        Some((head, tail)) => {
            name.len() > head.len() + tail.len() && name.starts_with(head) && name.ends_with(tail)
        }
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_is_valid() {
        let table = PackageOverrides::builtin().expect("overrides.toml parses");
        assert_eq!(table.closure_roots("cowsay"), ["perl", "dash"]);
        assert!(table.closure_roots("hello").is_empty());
        assert_eq!(
            table.closure_roots("mariadb-server"),
            ["coreutils", "sed", "dash"]
        );
        let cowsay = table.for_package("cowsay").expect("cowsay has an entry");
        let prefix = cowsay.prefix();
        let names: Vec<&str> = prefix.keys().map(|v| v.as_str()).collect();
        assert_eq!(names, ["COWPATH", "PERL5LIB"]);
        assert_eq!(cowsay.shell.as_str(), "bin/dash");
    }

    #[test]
    fn a_pattern_key_serves_every_package_it_matches_and_an_exact_key_wins() {
        let table = PackageOverrides::parse(
            "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n\
             [packages.\"openjdk-*-jdk\"]\nbin = [\"usr/lib/jvm/*/bin\"]\n\
             [packages.openjdk-8-jdk]\nbin = [\"usr/lib/jvm/old/bin\"]\n",
        )
        .unwrap();
        let bin = |pname: &str| {
            table.for_package(pname).map(|a| {
                a.bin
                    .iter()
                    .map(|b| b.as_str().to_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(bin("openjdk-17-jdk").unwrap(), ["usr/lib/jvm/*/bin"]);
        assert_eq!(bin("openjdk-21-jdk").unwrap(), ["usr/lib/jvm/*/bin"]);
        assert_eq!(bin("openjdk-8-jdk").unwrap(), ["usr/lib/jvm/old/bin"]);
        assert!(bin("openjdk--jdk").is_none() && bin("openjdk-17-jdk-headless").is_none());
        assert_eq!(
            table.revision("openjdk-17-jdk"),
            table.revision("openjdk-21-jdk")
        );
        assert_ne!(
            table.revision("openjdk-17-jdk"),
            table.revision("openjdk-8-jdk")
        );
        let two = PackageOverrides::parse(
            "[wrapper]\npackage = \"d\"\nshell = \"bin/d\"\n[packages.\"a*b*\"]\n",
        );
        assert!(matches!(two, Err(OverrideError::Pattern(_))));
    }

    #[test]
    fn a_revision_changes_with_the_entries_a_package_uses_and_no_others() {
        let table = |cowsay_path: &str| {
            PackageOverrides::parse(&format!(
                "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n\
                 [packages.perl]\nwrap = [\"perl\"]\n\
                 [packages.cowsay]\nwrap = [\"cowsay\"]\ninclude = [\"perl\"]\n\
                 [packages.cowsay.prefix]\nCOWPATH = [\"{cowsay_path}\"]\n\
                 [packages.redis-server]\nbin = [\"usr/bin\"]\n"
            ))
            .unwrap()
        };
        let (before, after) = (table("usr/share/cows"), table("usr/share/cowsay/cows"));
        assert_eq!(before.revision("hello"), RELOCATION_REVISION.to_string());
        assert_ne!(before.revision("cowsay"), after.revision("cowsay"));
        assert_eq!(before.revision("perl"), after.revision("perl"));
        assert_eq!(
            before.revision("redis-server"),
            after.revision("redis-server")
        );
        assert_ne!(before.revision("perl"), before.revision("redis-server"));
        assert_eq!(
            before.revision("cowsay"),
            table("usr/share/cows").revision("cowsay")
        );
    }

    #[test]
    fn paths_leaving_the_tree_and_bad_names_are_refused() {
        for bad in [
            r#"bin = ["../etc"]"#,
            r#"bin = ["/usr/bin"]"#,
            r#"wrap = ["a/b"]"#,
            r#"prefix = { "A-B" = ["x"] }"#,
            r#"colour = "red""#,
            r#"wrap = ["d"]
options.d = { "basedir" = "usr" }"#,
            r#"wrap = ["d"]
options.d = { "--a=b" = "usr" }"#,
            r#"first = ["**"]"#,
        ] {
            let text = format!(
                "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n[packages.x]\n{bad}\n"
            );
            assert!(PackageOverrides::parse(&text).is_err(), "accepted: {bad}");
        }
        let text = "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n\
                    [packages.x]\ninclude = [\"nope\"]\n";
        let err = PackageOverrides::parse(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the package overrides of `x` include `nope`, which has no entry"
        );
        let text = "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n\
                    [packages.x]\noptions.d = { \"--basedir\" = \"usr\" }\n";
        let err = PackageOverrides::parse(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the package overrides of `x` give options to `d`, which is not in its `wrap` list"
        );
    }

    #[test]
    fn a_star_matches_the_names_of_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        for sub in [
            "usr/share/perl/5.36.0",
            "usr/share/perl/5.38",
            "usr/share/perl/x",
        ] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::os::unix::fs::symlink("5.36.0", dir.path().join("usr/share/perl/5.36")).unwrap();
        let path = TreePath::try_from("usr/share/perl/5.*".to_owned()).unwrap();
        assert_eq!(
            path.expand(dir.path()),
            [
                PathBuf::from("usr/share/perl/5.36"),
                PathBuf::from("usr/share/perl/5.38")
            ]
        );
        let missing = TreePath::try_from("usr/lib/nothing".to_owned()).unwrap();
        assert!(missing.expand(dir.path()).is_empty());
    }
}
