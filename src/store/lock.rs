//! Locks between processes sharing a store, all `flock(2)` file locks under
//! `<var>/locks/` (released by the kernel when a process dies, so a crash never leaves a
//! stale lock).
//!
//! - a per-path lock, held exclusively while a path is being written or replaced: a second
//!   process needing the same path waits, then finds it valid and reuses it;
//! - the GC lock: shared while adding (from the first temp file until the new path is a
//!   temp root), exclusive while collecting, so the collector never sees half an add.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::error::{StoreError, io_at};
use super::path::StorePath;

/// A held lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

fn open(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_at(path))
}

/// `flock(2)` on an open file (what `File::lock` does on Linux; called directly because
/// the crate's minimum Rust version predates that API). Retries on `EINTR`.
pub(crate) fn flock(f: &File, operation: libc::c_int) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: the descriptor belongs to `f`, which outlives the call.
        if unsafe { libc::flock(f.as_raw_fd(), operation) } == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Takes an exclusive lock on `file`, waiting for it.
pub fn exclusive(file: &Path) -> Result<Lock, StoreError> {
    let f = open(file)?;
    flock(&f, libc::LOCK_EX).map_err(io_at(file))?;
    Ok(Lock { _file: f })
}

/// Takes a shared lock on `file`, waiting for it.
pub fn shared(file: &Path) -> Result<Lock, StoreError> {
    let f = open(file)?;
    flock(&f, libc::LOCK_SH).map_err(io_at(file))?;
    Ok(Lock { _file: f })
}

/// Takes an exclusive lock if nobody holds one; `None` if it is held.
pub fn try_exclusive(file: &Path) -> Result<Option<Lock>, StoreError> {
    let f = open(file)?;
    match flock(&f, libc::LOCK_EX | libc::LOCK_NB) {
        Ok(()) => Ok(Some(Lock { _file: f })),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(io_at(file)(e)),
    }
}

/// Where the lock file of a store path lives.
pub fn path_lock_file(locks_dir: &Path, path: &StorePath) -> PathBuf {
    locks_dir.join(format!("{}.lock", path.hash_part()))
}
