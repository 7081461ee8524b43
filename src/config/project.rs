//! The validated stage: [`RawProject`] → [`Project`], each name and version checked, `[env]`
//! expanded.
//!
//! Expansion in `[env]` values: `$DENV_ROOT` (the project directory), `$DENV_STATE`
//! (`<root>/.denv/state`) and names defined earlier in the same table, written `$X` or
//! `${X}`. Every other `$` stays as written and `$$` is one literal `$`, so a value can
//! never pick up the user's environment by accident.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::raw::{Entry, RawProject, Source};
use super::version::VersionReq;

/// The project file's name.
pub const PROJECT_FILE: &str = "denv.toml";

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VarName(String);

impl VarName {
    pub fn new(name: &str) -> Option<Self> {
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then(|| VarName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the variable holds a `:`-separated search list that activation prepends to.
    pub fn is_path_like(&self) -> bool {
        const LISTS: &[&str] = &[
            "PATH",
            "MANPATH",
            "INFOPATH",
            "XDG_DATA_DIRS",
            "XDG_CONFIG_DIRS",
            "PKG_CONFIG_PATH",
            "LD_LIBRARY_PATH",
            "LIBRARY_PATH",
            "CPATH",
            "C_INCLUDE_PATH",
            "CPLUS_INCLUDE_PATH",
            "ACLOCAL_PATH",
            "CMAKE_PREFIX_PATH",
            "PYTHONPATH",
            "PERL5LIB",
            "NODE_PATH",
            "CLASSPATH",
            "GI_TYPELIB_PATH",
            "TERMINFO_DIRS",
        ];
        LISTS.contains(&self.0.as_str())
    }
}

impl fmt::Display for VarName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Debian package name: lower-case letters, digits, `+`, `-`, `.`; at least two long,
/// starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName(String);

impl PackageName {
    pub fn new(name: &str) -> Option<Self> {
        let ok = name.len() >= 2
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
        ok.then(|| PackageName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name usable as a file name in a `bin/` directory and as a command word.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScriptName(String);

impl ScriptName {
    pub fn new(name: &str) -> Option<Self> {
        let ok = !name.is_empty()
            && !name.starts_with(['-', '.'])
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.+".contains(c));
        ok.then(|| ScriptName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A requested package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    pub name: PackageName,
    pub version: VersionReq,
    /// A channel declared in `[channels]`; `None` is the default channel.
    pub channel: Option<String>,
}

/// A named set of Debian sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub suite: String,
    pub components: Vec<String>,
    /// Where to fetch the archive from instead of apt's URI (`http://` or `https://`).
    pub uri: Option<String>,
}

/// One `[env]` entry after expansion. The value is bytes: the project directory it may
/// contain need not be UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub name: VarName,
    pub value: OsString,
}

/// One `[scripts]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub name: ScriptName,
    pub command: String,
}

/// A validated `denv.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The directory holding `denv.toml`.
    pub root: PathBuf,
    pub packages: Vec<PackageSpec>,
    pub env: Vec<EnvEntry>,
    pub scripts: Vec<Script>,
    pub enter_hook: Option<String>,
    pub exit_hook: Option<String>,
    pub channels: Vec<Channel>,
    pub pure: bool,
    /// `[services.NAME]` tables, kept as written for the service modules.
    pub services: BTreeMap<String, toml::Table>,
    /// `[processes.NAME]` tables, kept as written for the supervisor.
    pub processes: BTreeMap<String, toml::Table>,
}

impl Project {
    /// `<root>/.denv`: per-project state, never committed.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".denv")
    }

    /// The path of the project file.
    pub fn file(&self) -> PathBuf {
        self.root.join(PROJECT_FILE)
    }
}

/// Checks a parsed file and expands `[env]`.
pub(super) fn validate(
    src: &Source<'_>,
    root: &Path,
    raw: RawProject,
) -> Result<Project, ConfigError> {
    let mut channels = Vec::new();
    for (name, c) in &raw.channels {
        if let Some(uri) = &c.uri
            && !(uri.value.starts_with("http://") || uri.value.starts_with("https://"))
        {
            return Err(src.error(
                uri.span.clone(),
                format!("the uri of channel `{}` is not an http(s) URL", name.value),
                Some("write the archive's root, e.g. \"http://mirror.example/debian\"".into()),
            ));
        }
        channels.push(Channel {
            name: name.value.clone(),
            suite: c.suite.value.clone(),
            components: c.components.iter().map(|s| s.value.clone()).collect(),
            uri: c.uri.as_ref().map(|u| u.value.clone()),
        });
    }
    let mut packages = Vec::new();
    for (name, spec) in &raw.packages {
        let package = PackageName::new(&name.value).ok_or_else(|| {
            src.error(
                name.span.clone(),
                format!("`{}` is not a valid package name", name.value),
                Some("package names use lower-case letters, digits, `+`, `-` and `.`".into()),
            )
        })?;
        let version = VersionReq::parse(&spec.version.value).map_err(|why| {
            src.error(
                spec.version.span.clone(),
                format!("invalid version for `{}`: {why}", name.value),
                Some(
                    "write \"*\", a prefix like \"1.19\", \"= 2.10-3\" or \">= 2.10, << 3\"".into(),
                ),
            )
        })?;
        if let Some(channel) = &spec.channel
            && !channels.iter().any(|c| c.name == channel.value)
        {
            let hint = format!(
                "declare it: [channels] {} = {{ suite = \"…\" }}",
                channel.value
            );
            return Err(src.error(
                channel.span.clone(),
                format!("unknown channel `{}`", channel.value),
                Some(hint),
            ));
        }
        packages.push(PackageSpec {
            name: package,
            version,
            channel: spec.channel.as_ref().map(|c| c.value.clone()),
        });
    }
    let mut scripts = Vec::new();
    for (name, command) in &raw.scripts {
        let name = ScriptName::new(&name.value).ok_or_else(|| {
            src.error(
                name.span.clone(),
                format!("`{}` cannot be a command name", name.value),
                Some("use letters, digits, `_`, `-`, `.` and `+`".into()),
            )
        })?;
        scripts.push(Script {
            name,
            command: command.value.clone(),
        });
    }
    let env = expand_env(src, root, &raw.env)?;
    let (services, processes) = kept_tables(src.text);
    Ok(Project {
        root: root.to_path_buf(),
        packages,
        env,
        scripts,
        enter_hook: raw.enter_hook.map(|h| h.value),
        exit_hook: raw.exit_hook.map(|h| h.value),
        channels,
        pure: raw.pure.unwrap_or(false),
        services,
        processes,
    })
}

/// Variables denv itself sets to track what it loaded; a project may not define them.
const RESERVED: &[&str] = &["DENV_DIR", "DENV_DIFF"];

fn expand_env(src: &Source<'_>, root: &Path, raw: &[Entry]) -> Result<Vec<EnvEntry>, ConfigError> {
    let mut known: Vec<(String, OsString)> = vec![
        ("DENV_ROOT".into(), root.as_os_str().to_owned()),
        (
            "DENV_STATE".into(),
            root.join(".denv/state").into_os_string(),
        ),
    ];
    let mut out = Vec::new();
    for (name, value) in raw {
        let var = VarName::new(&name.value)
            .filter(|v| !RESERVED.contains(&v.as_str()))
            .ok_or_else(|| {
                src.error(
                    name.span.clone(),
                    format!("`{}` cannot be an environment variable name", name.value),
                    Some("use letters, digits and `_`, not starting with a digit (DENV_DIR and DENV_DIFF are reserved)".into()),
                )
            })?;
        let expanded = expand(&value.value, &known);
        known.push((name.value.clone(), expanded.clone()));
        out.push(EnvEntry {
            name: var,
            value: expanded,
        });
    }
    Ok(out)
}

/// Expands `$NAME`/`${NAME}` for names in `known` (latest definition wins); keeps
/// every other `$` as written; `$$` is one `$`.
pub fn expand(value: &str, known: &[(String, OsString)]) -> OsString {
    let lookup = |name: &str| {
        known
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_os_str())
    };
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out: Vec<u8> = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push(b'$');
            rest = tail;
            continue;
        }
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after.find(|c| !is_name_char(c)).unwrap_or(after.len());
            (&after[..end], end)
        };
        match lookup(name).filter(|_| !name.is_empty()) {
            Some(v) => {
                out.extend_from_slice(v.as_bytes());
                rest = &after[consumed..];
            }
            None => {
                out.push(b'$');
                rest = after;
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    OsString::from_vec(out)
}

fn kept_tables(text: &str) -> (BTreeMap<String, toml::Table>, BTreeMap<String, toml::Table>) {
    // The raw stage already checked that these are tables of tables.
    let whole: toml::Table = toml::from_str(text).unwrap_or_default();
    let pick = |key: &str| -> BTreeMap<String, toml::Table> {
        match whole.get(key) {
            Some(toml::Value::Table(t)) => t
                .iter()
                .filter_map(|(k, v)| v.as_table().map(|t| (k.clone(), t.clone())))
                .collect(),
            _ => BTreeMap::new(),
        }
    };
    (pick("services"), pick("processes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn known() -> Vec<(String, OsString)> {
        vec![
            ("DENV_ROOT".into(), "/p".into()),
            ("A".into(), "1".into()),
            ("RAW".into(), OsStr::from_bytes(b"\xff").into()),
        ]
    }

    #[test]
    fn expands_only_known_names() {
        assert_eq!(expand("$DENV_ROOT/bin", &known()), "/p/bin");
        assert_eq!(expand("${A}x$A", &known()), "1x1");
        assert_eq!(expand("$HOME/$USER", &known()), "$HOME/$USER");
        assert_eq!(expand("${HOME}", &known()), "${HOME}");
        assert_eq!(expand("x$RAW", &known()).as_bytes(), b"x\xff");
    }

    #[test]
    fn double_dollar_is_one_literal_dollar() {
        assert_eq!(expand("$$A", &known()), "$A");
        assert_eq!(expand("cost: 5$", &known()), "cost: 5$");
        assert_eq!(expand("${A", &known()), "${A");
        assert_eq!(expand("$", &known()), "$");
    }

    #[test]
    fn names_are_checked() {
        assert!(VarName::new("GOPATH").is_some());
        assert!(VarName::new("1X").is_none());
        assert!(VarName::new("A=B").is_none());
        assert!(PackageName::new("g++").is_some());
        assert!(PackageName::new("Go").is_none());
        assert!(ScriptName::new("../x").is_none());
    }
}
