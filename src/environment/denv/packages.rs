//! The package data behind `<denv>`: channels, their verified indexes (loaded once per
//! evaluation, fetched and verified first when never cached) and, per package, its
//! resolved closure written as a small Nix attribute set.
//!
//! Every URL and SHA256 written here comes from an index that passed the signature chain;
//! the `.deb` derivations made from them are fixed-output, so a download that does not
//! match is refused by the builder and never registered.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::Kind;
use crate::build::overrides::PackageOverrides;
use crate::paths::{Dirs, Overrides};
use crate::pkgs::aliases::Aliases;
use crate::pkgs::channel::{self, Channel, ChannelSpec, DEFAULT_CHANNEL};
use crate::pkgs::{AptConfig, Fetcher, Index, Pinned, PkgsError, Progress, ResolveOptions, update};

/// What a package file tells the Nix side about one package and its closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    /// The Debian name asked for (after aliases).
    pub pname: String,
    pub version: String,
    /// `NAME-VERSION` with only the characters a store name may hold.
    pub store_name: String,
    /// The closure, dependencies first, each pinned to a verified file.
    pub debs: Vec<Pinned>,
    /// The packages of the closure whose programs the package's `bin/` offers: the one
    /// asked for and its direct dependencies that are not Essential (see [`exposed`]).
    pub exposed: BTreeSet<String>,
}

/// This machine's channels and what has been loaded of them in one evaluation.
pub struct Packages {
    base_dir: PathBuf,
    context: Option<Rc<Context>>,
    indexes: HashMap<(Kind, String), Rc<Index>>,
    names: HashMap<(Kind, String), Rc<BTreeSet<String>>>,
}

/// What every channel lookup needs, read once.
struct Context {
    dirs: Dirs,
    apt: AptConfig,
    specs: BTreeMap<String, ChannelSpec>,
    fetcher: Fetcher,
    aliases: Aliases,
    overrides: PackageOverrides,
}

/// Shows the package layer's warnings on stderr.
struct Notices;

impl Progress for Notices {
    fn warning(&self, message: &str) {
        crate::ui::warning(message);
    }
}

fn to_io(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl Packages {
    /// Channels as seen from `base_dir` (its nearest `denv.toml` may declare some).
    pub fn new(base_dir: &Path) -> Packages {
        Packages {
            base_dir: base_dir.to_path_buf(),
            context: None,
            indexes: HashMap::new(),
            names: HashMap::new(),
        }
    }

    fn context(&mut self) -> io::Result<Rc<Context>> {
        if let Some(c) = &self.context {
            return Ok(c.clone());
        }
        let dirs = Dirs::resolve(Overrides::from_env());
        let apt = AptConfig::load(Path::new("/")).map_err(to_io)?;
        let project = super::project_file(&self.base_dir);
        let specs =
            channel::declared_channels(&dirs.config_file(), project.as_deref()).map_err(to_io)?;
        let aliases = Aliases::builtin().map_err(to_io)?;
        let overrides = PackageOverrides::builtin().map_err(to_io)?;
        let context = Rc::new(Context {
            dirs,
            apt,
            specs,
            fetcher: Fetcher::new(),
            aliases,
            overrides,
        });
        self.context = Some(context.clone());
        Ok(context)
    }

    fn channel(&mut self, kind: Kind, name: &str) -> io::Result<Channel> {
        let cx = self.context()?;
        match kind {
            Kind::Declared => Channel::named(name, &cx.specs, &cx.apt).map_err(to_io),
            Kind::Suite => Channel::for_suite(name, name, &cx.apt).map_err(to_io),
        }
    }

    /// `default` and every declared channel.
    pub fn channel_names(&mut self) -> io::Result<Vec<String>> {
        let cx = self.context()?;
        let mut names = vec![DEFAULT_CHANNEL.to_owned()];
        names.extend(cx.specs.keys().filter(|k| *k != DEFAULT_CHANNEL).cloned());
        Ok(names)
    }

    /// Whether a channel directory exists (a suite always does: it is checked when used).
    pub fn channel_exists(&mut self, kind: Kind, name: &str) -> bool {
        match kind {
            Kind::Suite => !name.is_empty(),
            Kind::Declared => self
                .channel_names()
                .is_ok_and(|names| names.iter().any(|n| n == name)),
        }
    }

    /// A channel's index, from the cache or fetched and verified now.
    pub fn index(&mut self, kind: Kind, name: &str) -> io::Result<Rc<Index>> {
        let key = (kind, name.to_owned());
        if let Some(index) = self.indexes.get(&key) {
            return Ok(index.clone());
        }
        let cx = self.context()?;
        let channel = self.channel(kind, name)?;
        if !update::index_path(&cx.dirs.cache, &channel).exists() {
            crate::ui::diagnostic(&format!(
                "fetching and verifying the package index of channel `{}`…\n",
                channel.name
            ));
        }
        let index = update::load_or_update(&cx.dirs.cache, &channel, &cx.fetcher, &Notices)
            .map_err(|e| to_io(ChannelFailed(channel.name.clone(), e)))?;
        let index = Rc::new(index);
        self.indexes.insert(key, index.clone());
        Ok(index)
    }

    /// Every package name of a channel: real packages, the alias table's names, and
    /// `NAME_MAJOR` spellings of `NAME-MAJOR` packages.
    pub fn package_names(&mut self, kind: Kind, channel: &str) -> io::Result<Vec<String>> {
        Ok(self.names(kind, channel)?.iter().cloned().collect())
    }

    fn names(&mut self, kind: Kind, channel: &str) -> io::Result<Rc<BTreeSet<String>>> {
        let key = (kind, channel.to_owned());
        if let Some(names) = self.names.get(&key) {
            return Ok(names.clone());
        }
        let index = self.index(kind, channel)?;
        let cx = self.context()?;
        let mut names: BTreeSet<String> = index.candidates().map(|p| p.name().to_owned()).collect();
        let underscored: Vec<String> = names
            .iter()
            .filter_map(|n| {
                let (stem, major) = n.rsplit_once('-')?;
                (!stem.is_empty() && !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| format!("{stem}_{major}"))
            })
            .collect();
        names.extend(underscored);
        for alias in cx.aliases.names() {
            let target = cx.aliases.resolve(alias, &index);
            if index.candidate(&target).is_some() {
                names.insert(alias.to_owned());
            }
        }
        let names = Rc::new(names);
        self.names.insert(key, names.clone());
        Ok(names)
    }

    /// Whether `name` is a package (or alias) of the channel.
    pub fn has_package(&mut self, kind: Kind, channel: &str, name: &str) -> io::Result<bool> {
        Ok(self.names(kind, channel)?.contains(name))
    }

    /// Resolves `name`'s closure in a channel.
    pub fn info(&mut self, kind: Kind, channel: &str, name: &str) -> io::Result<PackageInfo> {
        let index = self.index(kind, channel)?;
        let cx = self.context()?;
        let debian = cx.aliases.resolve(name, &index);
        // What the package's overrides need in its tree (a wrapper's shell, an interpreter).
        let mut roots = vec![debian.as_str()];
        roots.extend(cx.overrides.closure_roots(&debian));
        let debs =
            crate::pkgs::resolve(&index, &roots, ResolveOptions::default()).map_err(to_io)?;
        let version = debs
            .iter()
            .find(|p| p.name == debian)
            .map(|p| p.version.clone())
            .unwrap_or_default();
        let exposed = exposed(&debs, &debian, |name| {
            index.candidate(name).map(|p| DebFacts {
                base_system: p.base_system(),
                source: p.source_package(),
                library: matches!(p.section().rsplit('/').next(), Some("libs" | "oldlibs")),
            })
        });
        Ok(PackageInfo {
            store_name: store_name(&debian, &version),
            pname: debian,
            version,
            debs,
            exposed,
        })
    }

    /// The archive URI that serves `suite` for a channel: the channel's own source for that
    /// suite, else any of apt's sources listing it, else the channel's main source (a lock
    /// made on a machine whose channel had one more companion suite).
    pub fn suite_uri(&mut self, kind: Kind, channel: &str, suite: &str) -> io::Result<String> {
        let cx = self.context()?;
        let channel = self.channel(kind, channel)?;
        channel
            .sources
            .iter()
            .map(|s| &s.source)
            .chain(cx.apt.sources.iter())
            .find(|s| s.suite == suite)
            .or_else(|| channel.sources.first().map(|s| &s.source))
            .map(|s| s.uri.clone())
            .ok_or_else(|| to_io(format!("channel `{}` has no source", channel.name)))
    }

    /// The Nix text of a package file.
    pub fn package_file(&mut self, kind: Kind, channel: &str, name: &str) -> io::Result<String> {
        Ok(render(&self.info(kind, channel, name)?))
    }
}

/// The packages of a closure whose programs a user of `requested` expects on `PATH`:
/// `requested` itself, what it depends on directly (`redis-server` needs `redis-cli` of
/// `redis-tools`), and whatever in the closure was built from the same source as one of
/// those (`python3` → `python3.11` → the interpreter in `python3.11-minimal`; a library's
/// source brings in nothing: `libpam0g` does not offer PAM's helpers) — but nothing of the
/// base system (Essential or priority required/important: `dpkg`, `tar`, `dash`, `procps`,
/// which closures carry and which must not shadow the host's).
pub fn exposed<'a>(
    debs: &[Pinned],
    requested: &str,
    lookup: impl Fn(&str) -> Option<DebFacts<'a>>,
) -> BTreeSet<String> {
    let base = |name: &str| lookup(name).is_some_and(|f| f.base_system);
    let mut names = BTreeSet::from([requested.to_owned()]);
    if let Some(root) = debs.iter().find(|d| d.name == requested) {
        names.extend(root.depends.iter().filter(|dep| !base(dep)).cloned());
    }
    let sources: BTreeSet<&str> = names
        .iter()
        .filter_map(|name| lookup(name).filter(|f| !f.library).map(|f| f.source))
        .collect();
    for deb in debs {
        if lookup(&deb.name).is_some_and(|f| !f.base_system && sources.contains(f.source)) {
            names.insert(deb.name.clone());
        }
    }
    names.retain(|name| debs.iter().any(|d| &d.name == name));
    names
}

/// What [`exposed`] needs to know of a package from its index.
#[derive(Debug, Clone, Copy)]
pub struct DebFacts<'a> {
    /// Essential, or of priority `required` or `important`.
    pub base_system: bool,
    /// The source package it was built from.
    pub source: &'a str,
    /// In a library section (`libs`, `oldlibs`).
    pub library: bool,
}

/// An index could not be loaded for a channel.
#[derive(Debug, thiserror::Error)]
#[error("channel `{0}`: {1}")]
struct ChannelFailed(String, #[source] PkgsError);

/// `NAME-VERSION` with every character a store name may not hold replaced by `_`
/// (Debian versions may hold `:` and `~`).
pub fn store_name(name: &str, version: &str) -> String {
    let raw = if version.is_empty() {
        name.to_owned()
    } else {
        format!("{name}-{version}")
    };
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+-._?=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A Nix string literal.
fn nix_string(s: &str) -> String {
    crate::eval::print::escape_string(s)
}

/// What the Nix side needs of one `.deb` (see `fetchDeb` in `nix/denv/lib.nix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebAttrs {
    pub name: String,
    pub version: String,
    pub suite: String,
    pub url: String,
    pub sha256: String,
    pub size: u64,
    /// Whether the package's `bin/` offers this `.deb`'s programs.
    pub exposed: bool,
}

/// The Nix attribute set the package set's code reads (see `nix/denv/lib.nix`).
pub fn render(info: &PackageInfo) -> String {
    let debs: Vec<DebAttrs> = info
        .debs
        .iter()
        .map(|deb| DebAttrs {
            name: deb.name.clone(),
            version: deb.version.clone(),
            suite: deb.suite.clone(),
            url: deb.url.clone(),
            sha256: deb.sha256.clone(),
            size: deb.size,
            exposed: info.exposed.contains(&deb.name),
        })
        .collect();
    render_attrs(&info.pname, &info.version, &debs)
}

/// The attribute set of package `pname` at `version` whose closure is `debs`.
pub fn render_attrs(pname: &str, version: &str, debs: &[DebAttrs]) -> String {
    let mut out = String::new();
    out.push_str("{\n");
    out.push_str(&format!("  pname = {};\n", nix_string(pname)));
    out.push_str(&format!("  version = {};\n", nix_string(version)));
    out.push_str(&format!(
        "  storeName = {};\n",
        nix_string(&store_name(pname, version))
    ));
    out.push_str("  debs = [\n");
    for deb in debs {
        out.push_str(&format!(
            "    {{ pname = {}; version = {}; suite = {}; storeName = {}; url = {}; sha256 = {}; size = {}; exposed = {}; }}\n",
            nix_string(&deb.name),
            nix_string(&deb.version),
            nix_string(&deb.suite),
            nix_string(&store_name(&deb.name, &deb.version)),
            nix_string(&deb.url),
            nix_string(&deb.sha256),
            deb.size,
            deb.exposed
        ));
    }
    out.push_str("  ];\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_names_hold_only_allowed_characters() {
        assert_eq!(store_name("hello", "2.10-3"), "hello-2.10-3");
        assert_eq!(
            store_name("libstdc++6", "1:12.2~rc1"),
            "libstdc++6-1_12.2_rc1"
        );
    }

    #[test]
    fn a_package_offers_its_own_programs_its_direct_dependencies_and_their_siblings() {
        // name, source, base system, direct dependencies
        let facts: &[(&str, &str, bool, &[&str])] = &[
            (
                "python3",
                "python3-defaults",
                false,
                &["python3.11", "python3-minimal", "tar", "libc6"],
            ),
            (
                "python3-minimal",
                "python3-defaults",
                false,
                &["python3.11-minimal", "dpkg"],
            ),
            (
                "python3.11",
                "python3.11",
                false,
                &["python3.11-minimal", "media-types"],
            ),
            ("python3.11-minimal", "python3.11", false, &["libc6"]),
            ("media-types", "media-types", false, &[]),
            ("debconf", "debconf", false, &[]),
            ("dpkg", "dpkg", true, &["tar"]),
            ("tar", "tar", true, &["libc6"]),
            ("libc6", "glibc", false, &[]),
            ("libc-bin", "glibc", false, &[]),
        ];
        let debs: Vec<Pinned> = facts
            .iter()
            .map(|(name, _, _, depends)| Pinned {
                name: (*name).to_owned(),
                version: "1".to_owned(),
                architecture: "amd64".to_owned(),
                suite: "s".to_owned(),
                url: String::new(),
                filename: String::new(),
                size: 0,
                sha256: String::new(),
                depends: depends.iter().map(|d| (*d).to_owned()).collect(),
                requested: *name == "python3",
                index: Default::default(),
            })
            .collect();
        let lookup = |name: &str| {
            facts
                .iter()
                .find(|f| f.0 == name)
                .map(|&(name, source, base_system, _)| DebFacts {
                    base_system,
                    source,
                    library: name.starts_with("lib"),
                })
        };
        let offered: Vec<String> = exposed(&debs, "python3", lookup).into_iter().collect();
        assert_eq!(
            offered,
            [
                "libc6",
                "python3",
                "python3-minimal",
                "python3.11",
                "python3.11-minimal"
            ]
        );
        // A base-system package asked for by name is offered all the same.
        let tar: Vec<String> = exposed(&debs, "tar", lookup).into_iter().collect();
        assert_eq!(tar, ["libc6", "tar"]);
    }

    #[test]
    fn nix_strings_escape_interpolation_and_quotes() {
        assert_eq!(nix_string("a\"b\\c${d}$e"), "\"a\\\"b\\\\c\\${d}$e\"");
    }
}
