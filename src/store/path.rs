//! Store directories and store paths, validated by construction.
//!
//! A [`StorePath`] is the base name `HASH-NAME` (32 nixbase32 characters, a dash, and a
//! name of at most 211 characters from Nix's set, not starting with a dot). It does not
//! carry its directory: a [`StoreDir`] prints and parses full paths, so the same path can
//! be computed for `/nix/store` and for denv's own store.

use std::fmt;
use std::path::{Path, PathBuf};

use super::nixbase32;

/// Length of a store path's hash part in characters (160 bits in nixbase32).
pub const HASH_PART_LEN: usize = 32;
/// Longest name Nix accepts.
pub const MAX_NAME_LEN: usize = 211;

/// Why a string is not a store path or a store path name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("store path name is empty")]
    EmptyName,
    #[error("store path name '{0}' is longer than 211 characters")]
    NameTooLong(String),
    #[error("store path name '{0}' starts with a period")]
    LeadingDot(String),
    #[error("store path name '{name}' contains the forbidden character {bad:?}")]
    BadNameChar { name: String, bad: char },
    #[error("'{0}' is not a store path: its hash part is not 32 nixbase32 characters")]
    BadHashPart(String),
    #[error("path '{path}' is not in the store directory '{dir}'")]
    NotInStore { path: String, dir: String },
    #[error("store directory '{0}' must be an absolute path without a trailing slash")]
    BadStoreDir(String),
}

/// Checks a name against Nix's rules for the part after `HASH-`.
pub fn check_name(name: &str) -> Result<(), PathError> {
    if name.is_empty() {
        return Err(PathError::EmptyName);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(PathError::NameTooLong(name.to_owned()));
    }
    if name.starts_with('.') {
        return Err(PathError::LeadingDot(name.to_owned()));
    }
    if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
    {
        return Err(PathError::BadNameChar {
            name: name.to_owned(),
            bad,
        });
    }
    Ok(())
}

/// A store path's base name, `HASH-NAME`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorePath {
    base: String,
}

impl StorePath {
    /// Parses a base name `HASH-NAME`.
    pub fn from_base_name(base: &str) -> Result<Self, PathError> {
        let bytes = base.as_bytes();
        if bytes.len() < HASH_PART_LEN + 2
            || bytes[HASH_PART_LEN] != b'-'
            || !bytes[..HASH_PART_LEN]
                .iter()
                .all(|&c| nixbase32::is_digit(c))
        {
            return Err(PathError::BadHashPart(base.to_owned()));
        }
        check_name(&base[HASH_PART_LEN + 1..])?;
        Ok(StorePath {
            base: base.to_owned(),
        })
    }

    /// Builds a path from its 20-byte hash and a name.
    pub fn from_hash(hash: &[u8; 20], name: &str) -> Result<Self, PathError> {
        check_name(name)?;
        Ok(StorePath {
            base: format!("{}-{}", nixbase32::encode(hash), name),
        })
    }

    /// `HASH-NAME`.
    pub fn base_name(&self) -> &str {
        &self.base
    }

    /// The 32-character hash part.
    pub fn hash_part(&self) -> &str {
        &self.base[..HASH_PART_LEN]
    }

    /// The name after the dash.
    pub fn name(&self) -> &str {
        &self.base[HASH_PART_LEN + 1..]
    }

    /// Whether this is a derivation (`.drv`) path.
    pub fn is_derivation(&self) -> bool {
        self.base.ends_with(".drv")
    }
}

impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({})", self.base)
    }
}

/// The directory a store lives in, e.g. `/nix/store`: part of every path's fingerprint.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoreDir {
    dir: String,
}

impl StoreDir {
    /// Accepts an absolute, normalised path (no trailing slash, no `.`/`..`, no `//`).
    pub fn new(dir: &str) -> Result<Self, PathError> {
        let ok = dir.starts_with('/')
            && dir.len() > 1
            && !dir.ends_with('/')
            && dir[1..]
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..");
        if ok {
            Ok(StoreDir {
                dir: dir.to_owned(),
            })
        } else {
            Err(PathError::BadStoreDir(dir.to_owned()))
        }
    }

    /// Like [`StoreDir::new`] for a filesystem path (which must be UTF-8).
    pub fn from_path(dir: &Path) -> Result<Self, PathError> {
        let text = dir
            .to_str()
            .ok_or_else(|| PathError::BadStoreDir(dir.to_string_lossy().into_owned()))?;
        StoreDir::new(text.trim_end_matches('/'))
    }

    pub fn as_str(&self) -> &str {
        &self.dir
    }

    pub fn as_path(&self) -> &Path {
        Path::new(&self.dir)
    }

    /// The full path `STOREDIR/HASH-NAME` as text.
    pub fn display(&self, path: &StorePath) -> String {
        format!("{}/{}", self.dir, path.base)
    }

    /// The full path on the filesystem.
    pub fn to_path(&self, path: &StorePath) -> PathBuf {
        Path::new(&self.dir).join(&path.base)
    }

    /// Parses a full store path `STOREDIR/HASH-NAME` (nothing after the name).
    pub fn parse(&self, full: &str) -> Result<StorePath, PathError> {
        let base = full
            .strip_prefix(&self.dir)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|b| !b.contains('/'))
            .ok_or_else(|| PathError::NotInStore {
                path: full.to_owned(),
                dir: self.dir.clone(),
            })?;
        StorePath::from_base_name(base)
    }

    /// The store path a filesystem path lies in (`STOREDIR/HASH-NAME/sub/dir` → the path).
    pub fn store_path_of(&self, full: &str) -> Result<StorePath, PathError> {
        let rest = full
            .strip_prefix(&self.dir)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(|| PathError::NotInStore {
                path: full.to_owned(),
                dir: self.dir.clone(),
            })?;
        StorePath::from_base_name(rest.split('/').next().unwrap_or(rest))
    }
}

impl fmt::Display for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir)
    }
}

impl fmt::Debug for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreDir({})", self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_nix_rules() {
        assert!(check_name("hello-2.12.1").is_ok());
        assert!(check_name("a+b-c._?=").is_ok());
        assert_eq!(check_name(""), Err(PathError::EmptyName));
        assert!(matches!(
            check_name(".hidden"),
            Err(PathError::LeadingDot(_))
        ));
        assert!(matches!(
            check_name("with space"),
            Err(PathError::BadNameChar { bad: ' ', .. })
        ));
        assert!(check_name(&"x".repeat(211)).is_ok());
        assert!(matches!(
            check_name(&"x".repeat(212)),
            Err(PathError::NameTooLong(_))
        ));
    }

    #[test]
    fn parses_and_prints_full_paths() {
        let dir = StoreDir::new("/nix/store").unwrap();
        let full = "/nix/store/z45ailnkm27lnvhimqkhy08f6sh5m17d-hello.txt";
        let p = dir.parse(full).unwrap();
        assert_eq!(p.hash_part(), "z45ailnkm27lnvhimqkhy08f6sh5m17d");
        assert_eq!(p.name(), "hello.txt");
        assert_eq!(dir.display(&p), full);
        assert!(
            dir.parse("/nix/store/z45ailnkm27lnvhimqkhy08f6sh5m17e-x")
                .is_err()
        );
        assert!(
            dir.parse("/other/z45ailnkm27lnvhimqkhy08f6sh5m17d-x")
                .is_err()
        );
        assert_eq!(dir.store_path_of(&format!("{full}/bin/sh")).unwrap(), p);
        assert!(StoreDir::new("/nix/store/").is_err());
        assert!(StoreDir::new("relative").is_err());
    }
}
