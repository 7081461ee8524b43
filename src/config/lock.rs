//! `denv.lock`: the exact files behind a project's `[packages]`, written beside
//! `denv.toml` and meant to be committed.
//!
//! ```text
//! text ─parse (spans, known keys, types, hashes, pool paths)─► Lock ─render─► text
//! ```
//! Per requested package (keyed by its name in `denv.toml`) the lock holds what was asked
//! (`channel`, `request`), what it resolved to (`package`, `version`), the signed indexes
//! it was resolved from (`[[packages.NAME.index]]`: suite, component, the `InRelease`
//! `Date` and the SHA256 of the `Packages` index) and every `.deb` of its closure
//! (`[[packages.NAME.deb]]`, dependencies first: name, version, suite, pool `filename`
//! relative to the suite's URI, size, SHA256, and `exposed = true` on those whose programs
//! the package offers on `PATH`).
//!
//! Invariants: [`render`] is a pure function of the [`Lock`] (packages by name, indexes
//! by suite and component, debs in closure order), so the same resolution always gives
//! the same bytes; [`parse`] accepts exactly what [`render`] can write, and reports
//! anything else at `denv.lock:LINE:COL` like `denv.toml` errors.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::error::{ConfigError, Diagnostic};
use super::version::VersionReq;

/// The lock file's name, beside `denv.toml`.
pub const LOCK_FILE: &str = "denv.lock";

/// The layout this denv reads and writes.
pub const LOCK_VERSION: i64 = 1;

/// A whole lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// By the package's name in `denv.toml`.
    pub packages: BTreeMap<String, LockedPackage>,
}

/// One requested package, pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// The channel it was asked from (`default` or a `[channels]` name).
    pub channel: String,
    /// The version requirement as `denv.toml` states it (`*` for any).
    pub request: String,
    /// The Debian package it stands for (an alias such as `python` names `python3`).
    pub package: String,
    /// The version it resolved to.
    pub version: String,
    /// The signed indexes the closure was read from.
    pub indexes: Vec<IndexSnapshot>,
    /// The closure, dependencies first.
    pub debs: Vec<LockedDeb>,
}

/// One signed `Packages` index as it was when the package was resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexSnapshot {
    pub suite: String,
    pub component: String,
    /// The `Date` of the suite's `InRelease`.
    pub date: String,
    /// SHA256 of the decompressed `Packages` index, as the signed Release lists it.
    pub sha256: String,
}

/// One `.deb` of a closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedDeb {
    pub name: String,
    pub version: String,
    pub suite: String,
    /// The pool path, relative to the suite's archive URI.
    pub filename: String,
    pub size: u64,
    /// Lower-case hex SHA256 of the `.deb`.
    pub sha256: String,
    /// Whether the package's `bin/` offers this `.deb`'s programs (written only when true).
    pub exposed: bool,
}

/// The lock file of the project at `root`.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(LOCK_FILE)
}

/// Reads `<root>/denv.lock`; `Ok(None)` when there is none.
pub fn read(root: &Path) -> Result<Option<Lock>, ConfigError> {
    let path = lock_path(root);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read { path, source }),
    }
}

/// Writes `lock` to `<root>/denv.lock` unless the file already holds exactly these bytes
/// (so an unchanged lock keeps its mtime). Returns whether the file was written.
pub fn write(root: &Path, lock: &Lock) -> Result<bool, ConfigError> {
    let path = lock_path(root);
    let text = render(lock);
    if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(false);
    }
    let failed = |source: std::io::Error| ConfigError::Write {
        path: path.clone(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(root).map_err(failed)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(failed)?;
    tmp.persist(&path).map_err(|e| failed(e.error))?;
    Ok(true)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock {
    version: Spanned<i64>,
    #[serde(default)]
    packages: BTreeMap<Spanned<String>, RawPackage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    channel: Spanned<String>,
    request: Spanned<String>,
    package: Spanned<String>,
    version: Spanned<String>,
    #[serde(default)]
    index: Vec<RawIndex>,
    deb: Vec<RawDeb>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    suite: Spanned<String>,
    component: Spanned<String>,
    date: String,
    sha256: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeb {
    name: Spanned<String>,
    version: Spanned<String>,
    suite: Spanned<String>,
    filename: Spanned<String>,
    size: u64,
    sha256: Spanned<String>,
    #[serde(default)]
    exposed: bool,
}

/// Checks one file's values and reports at their spans.
struct Checker<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Checker<'_> {
    fn error(&self, span: Range<usize>, message: String, hint: Option<String>) -> ConfigError {
        ConfigError::Invalid(Box::new(Diagnostic::new(
            self.file, self.text, span, message, hint,
        )))
    }

    fn non_empty(&self, value: Spanned<String>, what: &str) -> Result<String, ConfigError> {
        if value.get_ref().trim().is_empty() {
            return Err(self.error(value.span(), format!("{what} is empty"), None));
        }
        Ok(value.into_inner())
    }

    fn sha256(&self, value: Spanned<String>) -> Result<String, ConfigError> {
        let hash = value.get_ref();
        if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(self.error(
                value.span(),
                "`sha256` must be 64 lower-case hex digits".to_owned(),
                Some(REGENERATE.to_owned()),
            ));
        }
        Ok(value.into_inner())
    }

    fn filename(&self, value: Spanned<String>) -> Result<String, ConfigError> {
        let name = value.get_ref();
        let bad = name.is_empty()
            || name.starts_with('/')
            || name.contains("://")
            || name.split('/').any(|part| part.is_empty() || part == "..")
            || !name.ends_with(".deb");
        if bad {
            return Err(self.error(
                value.span(),
                format!("`{name}` is not a pool path of a `.deb` relative to the archive"),
                Some("a pool path looks like `pool/main/h/hello/hello_2.10-3_amd64.deb`".into()),
            ));
        }
        Ok(value.into_inner())
    }
}

const REGENERATE: &str = "run `denv update` to rewrite the lock from the archive";

/// Parses the text of the lock file at `path`.
pub fn parse(path: &Path, text: &str) -> Result<Lock, ConfigError> {
    let check = Checker { file: path, text };
    let raw: RawLock = toml::from_str(text).map_err(|e| {
        check.error(
            e.span().unwrap_or(0..0),
            format!("invalid lock file: {}", e.message().trim_end()),
            Some(REGENERATE.to_owned()),
        )
    })?;
    if *raw.version.get_ref() != LOCK_VERSION {
        return Err(check.error(
            raw.version.span(),
            format!(
                "lock file version {} is not supported (this denv reads version {LOCK_VERSION})",
                raw.version.get_ref()
            ),
            Some(REGENERATE.to_owned()),
        ));
    }
    let mut packages = BTreeMap::new();
    for (name, package) in raw.packages {
        let name_span = name.span();
        let request = package.request.get_ref().clone();
        if VersionReq::parse(&request).is_err() {
            return Err(check.error(
                package.request.span(),
                format!("`{request}` is not a version requirement"),
                None,
            ));
        }
        if package.deb.is_empty() {
            return Err(check.error(
                name_span,
                format!("package `{}` pins no `.deb`", name.get_ref()),
                Some(REGENERATE.to_owned()),
            ));
        }
        let mut indexes = package
            .index
            .into_iter()
            .map(|i| {
                Ok(IndexSnapshot {
                    suite: check.non_empty(i.suite, "`suite`")?,
                    component: check.non_empty(i.component, "`component`")?,
                    date: i.date,
                    sha256: check.sha256(i.sha256)?,
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        indexes.sort();
        let debs = package
            .deb
            .into_iter()
            .map(|d| {
                Ok(LockedDeb {
                    name: check.non_empty(d.name, "`name`")?,
                    version: check.non_empty(d.version, "`version`")?,
                    suite: check.non_empty(d.suite, "`suite`")?,
                    filename: check.filename(d.filename)?,
                    size: d.size,
                    sha256: check.sha256(d.sha256)?,
                    exposed: d.exposed,
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        packages.insert(
            name.into_inner(),
            LockedPackage {
                channel: check.non_empty(package.channel, "`channel`")?,
                request,
                package: check.non_empty(package.package, "`package`")?,
                version: check.non_empty(package.version, "`version`")?,
                indexes,
                debs,
            },
        );
    }
    Ok(Lock { packages })
}

/// The lock file's text: the same lock always gives the same bytes.
pub fn render(lock: &Lock) -> String {
    let mut out = String::new();
    out.push_str(
        "# denv.lock: the exact .deb files behind [packages] of denv.toml.\n\
         # Written by denv; commit it. `denv update` re-resolves every package.\n",
    );
    out.push_str(&format!("version = {LOCK_VERSION}\n"));
    for (name, package) in &lock.packages {
        let key = key(name);
        out.push_str(&format!("\n[packages.{key}]\n"));
        field(&mut out, "channel", &package.channel);
        field(&mut out, "request", &package.request);
        field(&mut out, "package", &package.package);
        field(&mut out, "version", &package.version);
        let mut indexes = package.indexes.clone();
        indexes.sort();
        indexes.dedup();
        for index in &indexes {
            out.push_str(&format!("\n[[packages.{key}.index]]\n"));
            field(&mut out, "suite", &index.suite);
            field(&mut out, "component", &index.component);
            field(&mut out, "date", &index.date);
            field(&mut out, "sha256", &index.sha256);
        }
        for deb in &package.debs {
            out.push_str(&format!("\n[[packages.{key}.deb]]\n"));
            field(&mut out, "name", &deb.name);
            field(&mut out, "version", &deb.version);
            field(&mut out, "suite", &deb.suite);
            field(&mut out, "filename", &deb.filename);
            out.push_str(&format!("size = {}\n", deb.size));
            field(&mut out, "sha256", &deb.sha256);
            if deb.exposed {
                out.push_str("exposed = true\n");
            }
        }
    }
    out
}

fn field(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(" = ");
    out.push_str(&quote(value));
    out.push('\n');
}

/// A bare key when TOML allows one, else a quoted key.
fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare { name.to_owned() } else { quote(name) }
}

/// A TOML basic string.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Lock {
        let deb = |name: &str, hash: char| LockedDeb {
            name: name.to_owned(),
            version: "1:2.0~rc1-3".to_owned(),
            suite: "bookworm".to_owned(),
            filename: format!("pool/main/x/{name}/{name}_2.0_amd64.deb"),
            size: 1234,
            sha256: std::iter::repeat_n(hash, 64).collect(),
            exposed: name != "libc6",
        };
        let mut lock = Lock::default();
        lock.packages.insert(
            "libstdc++6".to_owned(),
            LockedPackage {
                channel: "default".to_owned(),
                request: ">= 2, << 3".to_owned(),
                package: "libstdc++6".to_owned(),
                version: "1:2.0~rc1-3".to_owned(),
                indexes: vec![
                    IndexSnapshot {
                        suite: "bookworm-updates".to_owned(),
                        component: "main".to_owned(),
                        date: "Mon, 01 Jan 2024 00:00:00 UTC".to_owned(),
                        sha256: "b".repeat(64),
                    },
                    IndexSnapshot {
                        suite: "bookworm".to_owned(),
                        component: "main".to_owned(),
                        date: "Sat, 10 Jun 2023 08:51:32 UTC".to_owned(),
                        sha256: "a".repeat(64),
                    },
                ],
                debs: vec![deb("libc6", 'c'), deb("libstdc++6", 'd')],
            },
        );
        lock
    }

    #[test]
    fn rendering_is_stable_and_parses_back() {
        let lock = sample();
        let text = render(&lock);
        assert_eq!(text, render(&lock.clone()));
        assert!(text.contains("\n[packages.\"libstdc++6\"]\n"), "{text}");
        let bookworm = text.find("suite = \"bookworm\"\ncomponent").unwrap();
        let updates = text.find("suite = \"bookworm-updates\"").unwrap();
        assert!(bookworm < updates, "indexes are sorted:\n{text}");
        let mut expected = lock;
        for p in expected.packages.values_mut() {
            p.indexes.sort();
        }
        assert_eq!(parse(Path::new("denv.lock"), &text).unwrap(), expected);
    }

    #[test]
    fn malformed_values_are_located() {
        let text = render(&sample()).replace(&"d".repeat(64), "nothex");
        let err = parse(Path::new("/p/denv.lock"), &text)
            .unwrap_err()
            .to_string();
        let line = text.lines().position(|l| l.contains("nothex")).unwrap() + 1;
        assert!(
            err.starts_with(&format!(
                "/p/denv.lock:{line}:10: `sha256` must be 64 lower-case hex digits"
            )),
            "{err}"
        );
        assert!(err.contains("hint: run `denv update`"), "{err}");

        let err = parse(
            Path::new("/p/denv.lock"),
            "version = 1\n[packages.x]\nchanel = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("/p/denv.lock:3:1: invalid lock file: unknown field `chanel`"),
            "{err}"
        );

        let err = parse(Path::new("/p/denv.lock"), "version = 7\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/p/denv.lock:1:11: lock file version 7"),
            "{err}"
        );
    }

    #[test]
    fn pool_paths_stay_relative() {
        let text = render(&sample()).replace("pool/main/x/libc6/", "../../etc/");
        let err = parse(Path::new("denv.lock"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a pool path"), "{err}");
    }

    #[test]
    fn writing_an_unchanged_lock_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        assert!(write(dir.path(), &sample()).unwrap());
        assert!(!write(dir.path(), &sample()).unwrap());
        assert!(read(dir.path()).unwrap().is_some());
    }
}
