//! The filesystem operations the store's atomicity rests on: rename without replacing, atomic
//! exchange of two names, flushing a whole filesystem, and making a tree read-only with
//! Nix's canonical timestamp (1 second past the epoch).

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::error::{StoreError, io_at};

fn c_path(path: &Path) -> Result<CString, StoreError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| StoreError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("path contains NUL"),
    })
}

fn rename2(from: &Path, to: &Path, flags: libc::c_uint) -> std::io::Result<()> {
    let from_c = CString::new(from.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let to_c = CString::new(to.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: both arguments are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from_c.as_ptr(),
            libc::AT_FDCWD,
            to_c.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Moves `temp` to `dest` atomically. If something (an invalid leftover) is already at
/// `dest`, the two are exchanged in one step and the old tree, now at `temp`, is removed:
/// at no moment is `dest` missing or half-written.
pub fn install(temp: &Path, dest: &Path) -> Result<(), StoreError> {
    match rename2(temp, dest, libc::RENAME_NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            rename2(temp, dest, libc::RENAME_EXCHANGE).map_err(io_at(dest))?;
            remove_tree(temp)
        }
        Err(e) => Err(io_at(dest)(e)),
    }
}

/// Flushes everything written to the filesystem holding `dir` (data, inodes and renames)
/// in one call, instead of one `fsync` per file.
pub fn sync_filesystem(dir: &Path) -> Result<(), StoreError> {
    let f = fs::File::open(dir).map_err(io_at(dir))?;
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the duration of the call.
    let rc = unsafe { libc::syncfs(f.as_raw_fd()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io_at(dir)(std::io::Error::last_os_error()))
    }
}

/// Removes a tree even when its directories are read-only.
pub fn remove_tree(path: &Path) -> Result<(), StoreError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_at(path)(e)),
    };
    if meta.is_dir() {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(io_at(path))?;
        for entry in fs::read_dir(path).map_err(io_at(path))? {
            let entry = entry.map_err(io_at(path))?;
            remove_tree(&entry.path())?;
        }
        fs::remove_dir(path).map_err(io_at(path))
    } else {
        fs::remove_file(path).map_err(io_at(path))
    }
}

/// Makes a tree read-only (0444, or 0555 when the owner may execute; directories 0555)
/// with modification time 1, as Nix leaves store paths. Refuses anything that is not a
/// regular file, directory or symlink.
pub fn canonicalise(path: &Path) -> Result<(), StoreError> {
    let meta = fs::symlink_metadata(path).map_err(io_at(path))?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        return set_link_time(path);
    }
    let mode = if ft.is_dir() {
        for entry in fs::read_dir(path).map_err(io_at(path))? {
            canonicalise(&entry.map_err(io_at(path))?.path())?;
        }
        0o555
    } else if ft.is_file() {
        if meta.mode() & 0o100 != 0 {
            0o555
        } else {
            0o444
        }
    } else {
        return Err(StoreError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("not a regular file, directory or symlink"),
        });
    };
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_at(path))?;
    set_link_time(path)
}

fn set_link_time(path: &Path) -> Result<(), StoreError> {
    let c = c_path(path)?;
    let one = libc::timespec {
        tv_sec: 1,
        tv_nsec: 0,
    };
    let times = [one, one];
    // SAFETY: `c` is a valid C string and `times` holds two timespecs, as required.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io_at(path)(std::io::Error::last_os_error()))
    }
}

/// Bytes a tree occupies on disk (allocated blocks), for reporting what a deletion frees.
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return 0;
    };
    let mut total = meta.blocks() * 512;
    if meta.is_dir() {
        if let Ok(entries) = fs::read_dir(path) {
            for e in entries.flatten() {
                total += disk_usage(&e.path());
            }
        }
    }
    total
}
