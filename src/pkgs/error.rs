//! The errors of the `pkgs` module: each names the file, URL or package involved and what
//! did not match, so a broken trust chain reads as exactly which link broke.

use std::path::PathBuf;

use super::channel::ChannelError;
use super::sources::AptConfigError;

#[derive(Debug, thiserror::Error)]
pub enum PkgsError {
    #[error(transparent)]
    AptConfig(#[from] AptConfigError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("cannot fetch {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{url} does not exist on the archive (HTTP 404)")]
    NotFound { url: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read keyring {path}: {message}")]
    Keyring { path: String, message: String },
    #[error("{url}: signature check failed: {message}")]
    BadSignature { url: String, message: String },
    #[error("{what} does not match: expected {expected}, got {actual}")]
    Mismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error(
        "{url} expired on {until} (Valid-Until); the archive or a mirror in between serves an outdated suite"
    )]
    Expired { url: String, until: String },
    #[error("{url}: the signed Release lists no checksum for {path}")]
    NotListed { url: String, path: String },
    #[error("{what}: cannot decompress: {message}")]
    Decompress { what: String, message: String },
    #[error("malformed {what}: {message}")]
    Malformed { what: String, message: String },
    #[error(
        "no index for channel `{channel}` in the cache; run `denv update` (with network access) first"
    )]
    NotCached { channel: String },
    #[error("unknown package `{name}`{hint}")]
    UnknownPackage { name: String, hint: String },
    #[error("cannot install {package}: {reason}")]
    Unsatisfiable { package: String, reason: String },
}

impl PkgsError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> PkgsError {
        let path = path.into();
        move |source| PkgsError::Io { path, source }
    }
}
