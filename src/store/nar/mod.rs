//! NAR, the Nix ARchive: a canonical serialisation of a file tree that Nix hashes to name
//! store paths. Byte-identical to `nix-store --dump`.
//!
//! ```text
//! nar      = str("nix-archive-1") node
//! node     = str("(") str("type") ( regular | symlink | directory ) str(")")
//! regular  = str("regular") [ str("executable") str("") ] str("contents") str(BYTES)
//! symlink  = str("symlink") str("target") str(TARGET)
//! directory= str("directory") { str("entry") str("(") str("name") str(NAME)
//!                               str("node") node str(")") }      -- names strictly sorted
//! str(s)   = u64le(len s) s zero-padding-to-8
//! ```
//!
//! Only the user-execute bit is recorded; times, owners and other modes are not.

mod dump;
mod restore;

pub use dump::{Dumper, PathFilter, dump_path, hash_path};
pub use restore::{RestoreOptions, restore, skip};

/// The archive's first string.
pub const MAGIC: &[u8] = b"nix-archive-1";

/// Why a NAR could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum NarError {
    #[error("I/O error on '{path}'")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("I/O error in the archive stream")]
    Stream(#[source] std::io::Error),
    #[error("'{0}' is neither a regular file, a directory nor a symbolic link")]
    UnsupportedFileType(std::path::PathBuf),
    #[error("not a valid NAR: {0}")]
    Malformed(String),
}

/// Length of `len` bytes rounded up to a multiple of 8.
pub(crate) const fn padded(len: u64) -> u64 {
    (len + 7) & !7
}

#[cfg(test)]
mod tests;
