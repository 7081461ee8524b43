//! The trust database: which projects the user allowed to change their shell.
//!
//! A record is one file, `<trust dir>/<sha256 of the project path>`, holding the SHA-256
//! of the project's `denv.toml` and `denv.nix` at the time of `denv allow`, then the path.
//! Any edit to those files changes the hash, so the project is untrusted again until the
//! user re-allows it. The record file's own stamp is part of the activation fingerprint,
//! which is how `denv allow` and `denv deny` reach shells already open.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::ShellError;

/// Whether a project may activate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Allowed,
    /// Never allowed, or denied.
    Unknown,
    /// Allowed once, but its files changed since.
    Changed,
}

/// One allowed project, for `denv allow --list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    pub root: PathBuf,
    pub trust: Trust,
}

/// The trust records under one directory.
#[derive(Debug, Clone)]
pub struct TrustStore {
    dir: PathBuf,
}

/// The files whose content a trust record covers.
const TRUSTED_FILES: &[&str] = &["denv.toml", "denv.nix"];

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ShellError {
    let path = path.to_path_buf();
    move |source| ShellError::Io {
        action,
        path,
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TrustStore {
    pub fn new(dir: PathBuf) -> Self {
        TrustStore { dir }
    }

    /// The record file for the project at `root` (it may not exist).
    pub fn record_path(&self, root: &Path) -> PathBuf {
        self.dir
            .join(hex(&Sha256::digest(root.as_os_str().as_bytes())))
    }

    /// The hash of the project files' content as they are now.
    pub fn content_hash(root: &Path) -> Result<String, ShellError> {
        let mut hasher = Sha256::new();
        for name in TRUSTED_FILES {
            let path = root.join(name);
            hasher.update(name.as_bytes());
            match std::fs::read(&path) {
                Ok(bytes) => {
                    hasher.update([1]);
                    hasher.update((bytes.len() as u64).to_le_bytes());
                    hasher.update(&bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => hasher.update([0]),
                Err(e) => return Err(io("read", &path)(e)),
            }
        }
        Ok(hex(&hasher.finalize()))
    }

    fn read_record(path: &Path) -> Result<Option<(String, PathBuf)>, ShellError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("read", path)(e)),
        };
        let Some(newline) = bytes.iter().position(|b| *b == b'\n') else {
            return Ok(None);
        };
        let hash = String::from_utf8_lossy(&bytes[..newline]).into_owned();
        let root = PathBuf::from(std::ffi::OsStr::from_bytes(&bytes[newline + 1..]));
        Ok(Some((hash, root)))
    }

    /// Whether the project at `root` is allowed as its files are now.
    pub fn check(&self, root: &Path) -> Result<Trust, ShellError> {
        let Some((hash, _)) = Self::read_record(&self.record_path(root))? else {
            return Ok(Trust::Unknown);
        };
        Ok(if hash == Self::content_hash(root)? {
            Trust::Allowed
        } else {
            Trust::Changed
        })
    }

    /// Trusts the project at `root` as its files are now. Rewrites nothing if that is
    /// already recorded, so open shells do not reload for nothing.
    pub fn allow(&self, root: &Path) -> Result<(), ShellError> {
        if !root.join("denv.toml").is_file() {
            return Err(ShellError::NoProject {
                dir: root.to_path_buf(),
            });
        }
        let hash = Self::content_hash(root)?;
        let path = self.record_path(root);
        if Self::read_record(&path)?.is_some_and(|(h, r)| h == hash && r == root) {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir).map_err(io("create", &self.dir))?;
        let mut body = format!("{hash}\n").into_bytes();
        body.extend_from_slice(root.as_os_str().as_bytes());
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(io("write", &self.dir))?;
        std::io::Write::write_all(&mut tmp, &body).map_err(io("write", &path))?;
        tmp.persist(&path)
            .map_err(|e| io("write", &path)(e.error))?;
        Ok(())
    }

    /// Forgets the project at `root`; `false` if it was not allowed.
    pub fn deny(&self, root: &Path) -> Result<bool, ShellError> {
        let path = self.record_path(root);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io("remove", &path)(e)),
        }
    }

    /// Every recorded project, sorted by path, with whether it is still trusted.
    pub fn list(&self) -> Result<Vec<TrustEntry>, ShellError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("read", &self.dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io("read", &self.dir))?;
            if let Some((_, root)) = Self::read_record(&entry.path())? {
                let trust = self.check(&root)?;
                out.push(TrustEntry { root, trust });
            }
        }
        out.sort_by(|a, b| a.root.cmp(&b.root));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_is_undone_by_an_edit_and_by_deny() {
        let data = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        let store = TrustStore::new(data.path().join("trust"));
        std::fs::write(root.join("denv.toml"), "[env]\nA = \"1\"\n").unwrap();
        assert_eq!(store.check(root).unwrap(), Trust::Unknown);
        store.allow(root).unwrap();
        assert_eq!(store.check(root).unwrap(), Trust::Allowed);
        std::fs::write(root.join("denv.nix"), "{ }").unwrap();
        assert_eq!(store.check(root).unwrap(), Trust::Changed);
        store.allow(root).unwrap();
        assert_eq!(
            store.list().unwrap(),
            [TrustEntry {
                root: root.to_path_buf(),
                trust: Trust::Allowed
            }]
        );
        assert!(store.deny(root).unwrap());
        assert!(!store.deny(root).unwrap());
        assert_eq!(store.check(root).unwrap(), Trust::Unknown);
    }

    #[test]
    fn allow_needs_a_project_file() {
        let data = tempfile::tempdir().unwrap();
        let store = TrustStore::new(data.path().to_path_buf());
        assert!(matches!(
            store.allow(data.path()),
            Err(ShellError::NoProject { .. })
        ));
    }
}
