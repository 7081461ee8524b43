//! The store's error type: what went wrong, with the path it went wrong on.

use std::path::PathBuf;

use super::derivation::DerivationError;
use super::hash::HashError;
use super::nar::NarError;
use super::path::PathError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("I/O error on '{path}'")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("store database error")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Nar(#[from] NarError),
    #[error(transparent)]
    Derivation(#[from] DerivationError),
    #[error("path '{0}' is not valid in the store")]
    NotValid(String),
    #[error("cannot delete '{path}': it is still referenced by '{referrer}'")]
    StillReferenced { path: String, referrer: String },
    #[error("cannot delete '{0}': it is reachable from a garbage-collector root")]
    Rooted(String),
    #[error("'{path}' refers to '{reference}', which is not valid in the store")]
    MissingReference { path: String, reference: String },
    #[error("not a valid export stream: {0}")]
    BadExport(String),
    #[error("the store directory '{0}' has no parent directory for its database")]
    NoParent(PathBuf),
    #[error("corrupt database entry for '{path}': {reason}")]
    Corrupt { path: String, reason: String },
}

/// Attaches a path to an `io::Error`.
pub(crate) fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { path, source }
}
