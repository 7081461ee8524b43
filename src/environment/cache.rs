//! The evaluation cache: `<root>/.denv/env.cache`, one small binary file holding the last
//! computed [`Environment`] and the [`Fingerprint`] of every file that computation read.
//!
//! ```text
//! "denv-env-cache\n" │ fingerprint (denv version, per file: path + stamp) │ environment
//! ```
//! A cache entry is valid when every recorded file still has the same stamp (mtime, size,
//! inode; a missing file stamps as missing) and the denv version matches. Checking costs one
//! read and a few `stat`s; nothing is parsed beyond this file.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::codec::{Decoder, Encoder};
use super::model::{Environment, ensure_state_dir};

const MAGIC: &[u8] = b"denv-env-cache\n";

/// The identity of a file's content as far as a `stat` can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub mtime_sec: i64,
    pub mtime_nsec: i64,
    pub size: u64,
    pub inode: u64,
}

impl Stamp {
    /// The stamp of `path`, or `None` if it does not exist.
    pub fn of(path: &Path) -> Option<Self> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            mtime_sec: m.mtime(),
            mtime_nsec: m.mtime_nsec(),
            size: m.size(),
            inode: m.ino(),
        })
    }
}

/// The stamps of a set of files plus the denv version that read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    version: String,
    files: Vec<(PathBuf, Option<Stamp>)>,
}

impl Fingerprint {
    /// Stamps `paths` now. Take it *before* reading the files, so that an edit racing with
    /// the read shows up as a stale fingerprint next time rather than being missed.
    pub fn take(paths: &[PathBuf]) -> Self {
        Fingerprint {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            files: paths.iter().map(|p| (p.clone(), Stamp::of(p))).collect(),
        }
    }

    /// This fingerprint plus the stamp of one more file, taken now.
    pub fn with(mut self, path: &Path) -> Self {
        self.files.push((path.to_path_buf(), Stamp::of(path)));
        self
    }

    /// This fingerprint with `path`'s stamp taken again now (for a file the computation
    /// itself wrote, such as `denv.lock`).
    pub fn restamp(mut self, path: &Path) -> Self {
        let stamp = Stamp::of(path);
        match self.files.iter_mut().find(|(p, _)| p == path) {
            Some(entry) => entry.1 = stamp,
            None => self.files.push((path.to_path_buf(), stamp)),
        }
        self
    }

    /// Whether every file still has its recorded stamp and the version is this denv's.
    pub fn is_current(&self) -> bool {
        self.version == env!("CARGO_PKG_VERSION")
            && self
                .files
                .iter()
                .all(|(path, stamp)| Stamp::of(path) == *stamp)
    }

    /// Each file with whether it existed when stamped.
    pub fn files(&self) -> impl Iterator<Item = (&Path, bool)> {
        self.files.iter().map(|(p, s)| (p.as_path(), s.is_some()))
    }

    pub fn encode(&self, e: &mut Encoder) {
        e.bytes(self.version.as_bytes());
        e.u64(self.files.len() as u64);
        for (path, stamp) in &self.files {
            e.os(path.as_os_str());
            match stamp {
                None => e.u64(0),
                Some(s) => {
                    e.u64(1);
                    e.i64(s.mtime_sec);
                    e.i64(s.mtime_nsec);
                    e.u64(s.size);
                    e.u64(s.inode);
                }
            }
        }
    }

    pub fn decode(d: &mut Decoder<'_>) -> Option<Self> {
        let version = d.string()?;
        let mut files = Vec::new();
        for _ in 0..d.count()? {
            let path = d.path()?;
            let stamp = match d.u64()? {
                0 => None,
                1 => Some(Stamp {
                    mtime_sec: d.i64()?,
                    mtime_nsec: d.i64()?,
                    size: d.u64()?,
                    inode: d.u64()?,
                }),
                _ => return None,
            };
            files.push((path, stamp));
        }
        Some(Fingerprint { version, files })
    }
}

/// The cache file of the project at `root`.
pub fn cache_file(root: &Path) -> PathBuf {
    root.join(".denv").join("env.cache")
}

/// The cached environment of `root`, if there is one and it is still current.
pub fn read(root: &Path) -> Option<(Environment, Fingerprint)> {
    let bytes = std::fs::read(cache_file(root)).ok()?;
    let body = bytes.strip_prefix(MAGIC)?;
    let mut d = Decoder::new(body);
    let fingerprint = Fingerprint::decode(&mut d)?;
    if !fingerprint.is_current() {
        return None;
    }
    let env = Environment::decode(&mut d)?;
    (d.is_empty() && env.root == root).then_some((env, fingerprint))
}

/// Stores `env`, computed from files stamped by `fingerprint`. Written through a temporary
/// file and a rename, so a reader never sees half a cache.
pub fn write(env: &Environment, fingerprint: &Fingerprint) -> std::io::Result<()> {
    let dir = ensure_state_dir(&env.root)?;
    let path = cache_file(&env.root);
    let mut e = Encoder::default();
    e.bytes.extend_from_slice(MAGIC);
    fingerprint.encode(&mut e);
    env.encode(&mut e);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    std::io::Write::write_all(&mut tmp, &e.bytes)?;
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::environment::model::project_inputs;

    #[test]
    fn cache_is_valid_until_an_input_changes_or_appears() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("denv.toml"), "[env]\nA = \"1\"\n").unwrap();
        let inputs = project_inputs(root);
        let fingerprint = Fingerprint::take(&inputs);
        let project = config::load(root).unwrap();
        let env = Environment::from_project(&project, None);
        write(&env, &fingerprint).unwrap();
        assert_eq!(read(root).map(|(e, _)| e), Some(env));

        std::fs::write(root.join("denv.nix"), "{}").unwrap();
        assert!(read(root).is_none(), "a new denv.nix invalidates");
        std::fs::remove_file(root.join("denv.nix")).unwrap();
        assert!(read(root).is_some());

        std::fs::write(root.join("denv.toml"), "[env]\nA = \"22\"\n").unwrap();
        assert!(read(root).is_none(), "an edit invalidates");
    }

    #[test]
    fn a_corrupt_cache_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".denv")).unwrap();
        std::fs::write(cache_file(dir.path()), b"denv-env-cache\n\xff\xff").unwrap();
        assert!(read(dir.path()).is_none());
    }
}
