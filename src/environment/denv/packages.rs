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
        Ok(PackageInfo {
            store_name: store_name(&debian, &version),
            pname: debian,
            version,
            debs,
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
            "    {{ pname = {}; version = {}; suite = {}; storeName = {}; url = {}; sha256 = {}; size = {}; }}\n",
            nix_string(&deb.name),
            nix_string(&deb.version),
            nix_string(&deb.suite),
            nix_string(&store_name(&deb.name, &deb.version)),
            nix_string(&deb.url),
            nix_string(&deb.sha256),
            deb.size
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
    fn nix_strings_escape_interpolation_and_quotes() {
        assert_eq!(nix_string("a\"b\\c${d}$e"), "\"a\\\"b\\\\c\\${d}$e\"");
    }
}
