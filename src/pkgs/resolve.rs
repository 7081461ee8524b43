//! Dependency resolution: the runtime closure of some packages, chosen the way apt does
//! for a fresh system with `--no-install-recommends`.
//!
//! Rules:
//! - Each package is taken at its candidate (highest) version in the channel; there is no
//!   backtracking, exactly like apt's default resolver.
//! - `Pre-Depends` and `Depends` are followed; `Recommends`/`Suggests` are not.
//! - In `a | b`, an alternative already chosen satisfies the group; otherwise the first
//!   alternative whose candidate satisfies the version constraint is taken.
//! - A name with no real package that satisfies the constraint is looked up among
//!   `Provides` (versioned provides satisfy versioned dependencies); among several
//!   providers an already chosen one wins, then the first in index order.
//! - Multi-arch qualifiers (`:any`, `:native`, `:amd64`) name the same package here: only
//!   `amd64` and `all` packages exist in the index.
//! - Implicit members, since Debian packages do not declare dependencies on Essential
//!   packages: `libc6` is in every closure (its `ld-linux-x86-64.so.2` is the interpreter
//!   every relocated binary is pointed at), and `dash` (`/bin/sh`) is added when the caller
//!   asks for a shell or when the closure holds an `Architecture: all` package (such
//!   packages ship scripts, not binaries). For implicit members only `Pre-Depends` are
//!   followed: dash's `Depends` serve its maintainer scripts, which denv never runs.
//!
//! The result lists dependencies before the packages that need them.

use std::collections::{BTreeMap, HashMap};

use super::error::PkgsError;
use super::index::{Index, IndexSource, Package};
use super::relation::{self, Relation};

/// The package whose loader every relocated binary uses.
pub const LOADER_PACKAGE: &str = "libc6";
/// The package that provides `/bin/sh`.
pub const SHELL_PACKAGE: &str = "dash";

/// Options for [`resolve`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ResolveOptions {
    /// Always add the shell package (the closure is known to hold shell scripts).
    pub with_shell: bool,
    /// Add no implicit members at all (to compare with apt's own closure).
    pub no_implicit: bool,
}

/// One package of a resolved closure, pinned to an exact file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pinned {
    pub name: String,
    pub version: String,
    pub architecture: String,
    /// The suite it comes from.
    pub suite: String,
    /// Where to download the `.deb`.
    pub url: String,
    /// The pool path, relative to the URI of the suite it comes from.
    pub filename: String,
    pub size: u64,
    /// Lower-case hex SHA256 of the `.deb`.
    pub sha256: String,
    /// Names of the closure members this package depends on directly.
    pub depends: Vec<String>,
    /// Whether the caller asked for it (rather than it being a dependency).
    pub requested: bool,
    /// The signed index it was read from.
    #[serde(skip)]
    pub index: IndexSource,
}

impl Pinned {
    /// The download of this package's `.deb` into `dir` (named by its hash, so two
    /// versions never collide), checked against the size and SHA256 of the signed index.
    pub fn download(&self, dir: &std::path::Path) -> super::fetch::Download {
        super::fetch::Download {
            url: self.url.clone(),
            dest: dir.join(format!(
                "{}-{}_{}_{}.deb",
                self.sha256.get(..12).unwrap_or(&self.sha256),
                self.name,
                self.version.replace(':', "%3a"),
                self.architecture
            )),
            size: self.size,
            sha256: self.sha256.clone(),
        }
    }
}

struct Resolver<'a> {
    index: &'a Index,
    chosen: BTreeMap<&'a str, Package<'a>>,
    order: Vec<&'a str>,
    edges: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Resolver<'a> {
    /// A chosen package satisfying `rel`, if any.
    fn satisfied_by_chosen(&self, rel: &Relation<'_>) -> Option<&'a str> {
        if let Some(p) = self.chosen.get(rel.name) {
            if rel.accepts(Some(p.version())) {
                return Some(p.name());
            }
        }
        self.index
            .providers(rel.name)
            .into_iter()
            .find(|(p, v)| {
                self.chosen.get(p.name()).is_some_and(|c| c.id() == p.id()) && rel.accepts(*v)
            })
            .map(|(p, _)| p.name())
    }

    /// The package that would satisfy `rel`, or why none does.
    fn pick(&self, rel: &Relation<'_>) -> Result<Package<'a>, String> {
        let real = self.index.candidate(rel.name);
        if let Some(p) = real {
            if rel.accepts(Some(p.version())) {
                return Ok(p);
            }
        }
        let providers: Vec<_> = self
            .index
            .providers(rel.name)
            .into_iter()
            .filter(|(p, v)| {
                rel.accepts(*v)
                    && self
                        .index
                        .candidate(p.name())
                        .is_some_and(|c| c.id() == p.id())
            })
            .collect();
        if let Some((p, _)) = providers
            .iter()
            .find(|(p, _)| self.chosen.contains_key(p.name()))
            .or(providers.first())
        {
            return Ok(*p);
        }
        Err(match real {
            Some(p) => format!(
                "{rel} is wanted but the channel has {} {}",
                p.name(),
                p.version()
            ),
            None if self.index.providers(rel.name).is_empty() => {
                format!("{} is not in the channel", rel.name)
            }
            None => format!("no provider of {} satisfies {rel}", rel.name),
        })
    }

    fn add(&mut self, package: Package<'a>, full: bool) -> Result<(), PkgsError> {
        if self.chosen.contains_key(package.name()) {
            return Ok(());
        }
        self.chosen.insert(package.name(), package);
        let mut queue = vec![(package, full)];
        while let Some((p, full)) = queue.pop() {
            let mut fields = vec![p.pre_depends()];
            if full {
                fields.push(p.depends());
            }
            let mut edges = Vec::new();
            for field in fields {
                for group in relation::parse(field) {
                    if let Some(name) = group.iter().find_map(|r| self.satisfied_by_chosen(r)) {
                        edges.push(name);
                        continue;
                    }
                    let mut reasons = Vec::new();
                    let mut picked = None;
                    for rel in &group {
                        match self.pick(rel) {
                            Ok(found) => {
                                picked = Some(found);
                                break;
                            }
                            Err(reason) => reasons.push(reason),
                        }
                    }
                    let Some(found) = picked else {
                        return Err(PkgsError::Unsatisfiable {
                            package: format!("{} {}", p.name(), p.version()),
                            reason: format!(
                                "its dependency `{}` cannot be satisfied: {}",
                                group
                                    .iter()
                                    .map(|r| r.to_string())
                                    .collect::<Vec<_>>()
                                    .join(" | "),
                                reasons.join("; ")
                            ),
                        });
                    };
                    edges.push(found.name());
                    if !self.chosen.contains_key(found.name()) {
                        self.chosen.insert(found.name(), found);
                        queue.push((found, true));
                    }
                }
            }
            edges.sort_unstable();
            edges.dedup();
            edges.retain(|e| *e != p.name());
            self.edges.insert(p.name(), edges);
        }
        Ok(())
    }

    /// Dependencies first (depth-first post-order; cycles are broken where found).
    fn ordered(&self) -> Vec<&'a str> {
        let mut done: HashMap<&str, bool> = HashMap::new();
        let mut out = Vec::new();
        for root in &self.order {
            let mut stack: Vec<(&'a str, usize)> = vec![(root, 0)];
            while let Some((name, i)) = stack.pop() {
                if i == 0 {
                    if done.contains_key(name) {
                        continue;
                    }
                    done.insert(name, false);
                }
                let deps = self.edges.get(name).map(Vec::as_slice).unwrap_or_default();
                if let Some(dep) = deps.get(i) {
                    stack.push((name, i + 1));
                    if !done.contains_key(dep) {
                        stack.push((dep, 0));
                    }
                } else {
                    done.insert(name, true);
                    out.push(name);
                }
            }
        }
        out
    }
}

/// Resolves the closure of `requests` (Debian package names, aliases already applied).
pub fn resolve(
    index: &Index,
    requests: &[&str],
    options: ResolveOptions,
) -> Result<Vec<Pinned>, PkgsError> {
    let mut resolver = Resolver {
        index,
        chosen: BTreeMap::new(),
        order: Vec::new(),
        edges: HashMap::new(),
    };
    for request in requests {
        let rel = Relation {
            name: request,
            arch_qualifier: None,
            constraint: None,
        };
        let package = match index.candidate(request) {
            Some(p) => p,
            None => resolver.pick(&rel).map_err(|_| PkgsError::UnknownPackage {
                name: (*request).to_owned(),
                hint: suggestion(index, request),
            })?,
        };
        resolver.add(package, true)?;
        resolver.order.push(package.name());
    }
    if !options.no_implicit {
        let wants_shell =
            options.with_shell || resolver.chosen.values().any(|p| p.architecture() == "all");
        let mut implicit = vec![LOADER_PACKAGE];
        if wants_shell {
            implicit.push(SHELL_PACKAGE);
        }
        for name in implicit {
            if let Some(p) = index.candidate(name) {
                resolver.add(p, name == LOADER_PACKAGE)?;
                resolver.order.push(p.name());
            }
        }
    }
    let requested: Vec<&str> = requests.to_vec();
    Ok(resolver
        .ordered()
        .into_iter()
        .filter_map(|name| resolver.chosen.get(name))
        .map(|p| Pinned {
            name: p.name().to_owned(),
            version: p.version().to_owned(),
            architecture: p.architecture().to_owned(),
            suite: p.source().suite.clone(),
            url: p.url(),
            filename: p.filename().trim_start_matches('/').to_owned(),
            size: p.size(),
            sha256: p.sha256().to_ascii_lowercase(),
            depends: resolver
                .edges
                .get(p.name())
                .map(|e| e.iter().map(|s| (*s).to_owned()).collect())
                .unwrap_or_default(),
            requested: requested.contains(&p.name()),
            index: p.source().clone(),
        })
        .collect())
}

/// `; did you mean …?` for a misspelt name: names within two edits, else search hits.
pub fn suggestion(index: &Index, name: &str) -> String {
    let mut close: Vec<(usize, &str)> = index
        .candidates()
        .map(|p| p.name())
        .filter(|n| n.len().abs_diff(name.len()) <= 2)
        .filter_map(|n| {
            let d = edit_distance(n, name);
            (d <= 2).then_some((d, n))
        })
        .collect();
    close.sort();
    let mut names: Vec<&str> = close.iter().take(3).map(|(_, n)| *n).collect();
    if names.is_empty() {
        names = super::search::search(index, name, 3)
            .iter()
            .map(|h| h.name())
            .collect();
    }
    if names.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", names.join(", "))
    }
}

/// Levenshtein distance over bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Index {
        let source = IndexSource {
            uri: "http://a.example/d".to_owned(),
            suite: "s".to_owned(),
            ..IndexSource::default()
        };
        Index::from_packages(&[(source, text)]).unwrap()
    }

    const ARCHIVE: &str = "\
Package: app\nVersion: 1\nArchitecture: amd64\nDepends: libc6 (>= 2), missing | alt, mail-transport-agent, py:any (>= 3)\n\n\
Package: libc6\nVersion: 2.36\nArchitecture: amd64\n\n\
Package: alt\nVersion: 1\nArchitecture: amd64\nDepends: app\n\n\
Package: exim\nVersion: 4\nArchitecture: amd64\nProvides: mail-transport-agent\n\n\
Package: py\nVersion: 3.11\nArchitecture: amd64\nMulti-Arch: allowed\n\n\
Package: old\nVersion: 1\nArchitecture: amd64\nDepends: libc6 (>= 3)\n\n\
Package: script\nVersion: 1\nArchitecture: all\n\n\
Package: dash\nVersion: 0.5\nArchitecture: amd64\nPre-Depends: libc6\nDepends: dpkg\n";

    fn names(closure: &[Pinned]) -> Vec<&str> {
        closure.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn alternatives_virtuals_qualifiers_and_cycles_resolve_dependencies_first() {
        let index = index(ARCHIVE);
        let closure = resolve(&index, &["app"], ResolveOptions::default()).unwrap();
        assert_eq!(names(&closure), ["alt", "exim", "libc6", "py", "app"]);
        let app = closure.iter().find(|p| p.name == "app").unwrap();
        assert!(app.requested);
        assert_eq!(app.depends, ["alt", "exim", "libc6", "py"]);
    }

    #[test]
    fn unsatisfiable_version_names_the_dependency_and_the_candidate() {
        let index = index(ARCHIVE);
        let err = resolve(&index, &["old"], ResolveOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot install old 1: its dependency `libc6 (>= 3)` cannot be satisfied: \
             libc6 (>= 3) is wanted but the channel has libc6 2.36"
        );
        let err = resolve(&index, &["nope"], ResolveOptions::default()).unwrap_err();
        assert_eq!(err.to_string(), "unknown package `nope`");
    }

    #[test]
    fn scripts_get_a_shell_with_only_its_pre_depends() {
        let index = index(ARCHIVE);
        let closure = resolve(&index, &["script"], ResolveOptions::default()).unwrap();
        assert_eq!(names(&closure), ["script", "libc6", "dash"]);
        let closure = resolve(
            &index,
            &["script"],
            ResolveOptions {
                no_implicit: true,
                ..ResolveOptions::default()
            },
        )
        .unwrap();
        assert_eq!(names(&closure), ["script"]);
    }
}
