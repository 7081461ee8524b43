//! Serialising a file tree to NAR, optionally copying it to a second place in the same pass
//! (how the store adds a tree: read once, hash and copy together).

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{MAGIC, NarError};
use crate::store::hash::{Hash, HashAlgo, Hasher};

const CHUNK: usize = 1 << 20;

/// Writes the NAR of `path` to `out`.
pub fn dump_path(path: &Path, out: &mut impl Write) -> Result<(), NarError> {
    Dumper::new().dump(path, out, None)
}

/// The hash of the NAR of `path` and the NAR's size, without writing it anywhere (what
/// `builtins.path` needs to name a path when nothing may be written).
pub fn hash_path(path: &Path, algo: HashAlgo) -> Result<(Hash, u64), NarError> {
    let mut h = Hasher::new(algo);
    Dumper::new().dump(path, &mut h, None)?;
    let size = h.written();
    Ok((h.finish(), size))
}

/// A NAR serialiser with a reusable read buffer.
pub struct Dumper<'f> {
    buf: Vec<u8>,
    filter: Option<Box<PathFilter<'f>>>,
}

/// Decides, for each entry below the root, whether it is part of the archive
/// (`builtins.filterSource` / `builtins.path { filter }`); a rejected directory is skipped
/// with everything under it.
pub type PathFilter<'f> = dyn FnMut(&Path, &fs::Metadata) -> bool + 'f;

impl Default for Dumper<'static> {
    fn default() -> Self {
        Self::new()
    }
}

impl Dumper<'static> {
    pub fn new() -> Self {
        Dumper {
            buf: vec![0; CHUNK],
            filter: None,
        }
    }
}

impl<'f> Dumper<'f> {
    /// A serialiser that leaves out the entries `filter` rejects.
    pub fn with_filter(filter: Box<PathFilter<'f>>) -> Self {
        Dumper {
            buf: vec![0; CHUNK],
            filter: Some(filter),
        }
    }

    /// Writes the NAR of `path` to `out`; with `copy_to`, also recreates the tree there
    /// (files get mode 0444, or 0555 when executable, directories 0555, all with
    /// modification time 1; `copy_to` must not exist yet).
    pub fn dump(
        &mut self,
        path: &Path,
        out: &mut impl Write,
        copy_to: Option<&Path>,
    ) -> Result<(), NarError> {
        write_str(out, MAGIC)?;
        self.node(path, out, copy_to)
    }

    fn node(
        &mut self,
        path: &Path,
        out: &mut impl Write,
        copy_to: Option<&Path>,
    ) -> Result<(), NarError> {
        let io_err = |source| NarError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = fs::symlink_metadata(path).map_err(io_err)?;
        write_str(out, b"(")?;
        write_str(out, b"type")?;
        let ft = meta.file_type();
        if ft.is_file() {
            write_str(out, b"regular")?;
            let executable = meta.mode() & 0o100 != 0;
            if executable {
                write_str(out, b"executable")?;
                write_str(out, b"")?;
            }
            write_str(out, b"contents")?;
            self.contents(path, meta.len(), executable, out, copy_to)?;
        } else if ft.is_symlink() {
            write_str(out, b"symlink")?;
            write_str(out, b"target")?;
            let target = fs::read_link(path).map_err(io_err)?;
            write_str(out, target.as_os_str().as_bytes())?;
            if let Some(dst) = copy_to {
                std::os::unix::fs::symlink(&target, dst).map_err(|source| NarError::Io {
                    path: dst.to_path_buf(),
                    source,
                })?;
            }
        } else if ft.is_dir() {
            write_str(out, b"directory")?;
            let mut names: Vec<std::ffi::OsString> = fs::read_dir(path)
                .map_err(io_err)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()
                .map_err(io_err)?;
            names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            if let Some(filter) = self.filter.as_mut() {
                let mut kept = Vec::with_capacity(names.len());
                for name in names {
                    let child = path.join(&name);
                    let meta = fs::symlink_metadata(&child).map_err(|source| NarError::Io {
                        path: child.clone(),
                        source,
                    })?;
                    if filter(&child, &meta) {
                        kept.push(name);
                    }
                }
                names = kept;
            }
            if let Some(dst) = copy_to {
                fs::create_dir(dst).map_err(|source| NarError::Io {
                    path: dst.to_path_buf(),
                    source,
                })?;
            }
            for name in names {
                write_str(out, b"entry")?;
                write_str(out, b"(")?;
                write_str(out, b"name")?;
                write_str(out, name.as_bytes())?;
                write_str(out, b"node")?;
                let child_dst: Option<PathBuf> = copy_to.map(|d| d.join(&name));
                self.node(&path.join(&name), out, child_dst.as_deref())?;
                write_str(out, b")")?;
            }
            if let Some(dst) = copy_to {
                fs::set_permissions(dst, fs::Permissions::from_mode(0o555))
                    .and_then(|()| fs::File::open(dst)?.set_times(canonical_times()))
                    .map_err(|source| NarError::Io {
                        path: dst.to_path_buf(),
                        source,
                    })?;
            }
        } else {
            return Err(NarError::UnsupportedFileType(path.to_path_buf()));
        }
        write_str(out, b")")
    }

    fn contents(
        &mut self,
        path: &Path,
        expected: u64,
        executable: bool,
        out: &mut impl Write,
        copy_to: Option<&Path>,
    ) -> Result<(), NarError> {
        let io_err = |source| NarError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = fs::File::open(path).map_err(io_err)?;
        let mut copy = match copy_to {
            Some(dst) => Some(fs::File::create_new(dst).map_err(|source| NarError::Io {
                path: dst.to_path_buf(),
                source,
            })?),
            None => None,
        };
        out.write_all(&expected.to_le_bytes())
            .map_err(NarError::Stream)?;
        // Read exactly the size `lstat` reported: no extra read to find the end.
        let mut total = 0u64;
        while total < expected {
            let want = (expected - total).min(self.buf.len() as u64) as usize;
            let n = match file.read(&mut self.buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(e)),
            };
            total += n as u64;
            out.write_all(&self.buf[..n]).map_err(NarError::Stream)?;
            if let (Some(c), Some(dst)) = (copy.as_mut(), copy_to) {
                c.write_all(&self.buf[..n]).map_err(|source| NarError::Io {
                    path: dst.to_path_buf(),
                    source,
                })?;
            }
        }
        if total != expected {
            return Err(io_err(io::Error::other("file shrank while being archived")));
        }
        write_padding(out, expected)?;
        if let (Some(c), Some(dst)) = (copy, copy_to) {
            start_writeback(&c);
            let mode = if executable { 0o555 } else { 0o444 };
            c.set_permissions(fs::Permissions::from_mode(mode))
                .and_then(|()| c.set_times(canonical_times()))
                .map_err(|source| NarError::Io {
                    path: dst.to_path_buf(),
                    source,
                })?;
        }
        Ok(())
    }
}

/// Asks the kernel to start writing a copied file to disk now, so the store's final
/// `syncfs` finds little left to flush. Only a hint: failure changes nothing.
fn start_writeback(f: &fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor belongs to `f`, which outlives the call.
    unsafe {
        libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// Store contents carry modification time 1 (one second past the epoch), as in Nix.
fn canonical_times() -> fs::FileTimes {
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1);
    fs::FileTimes::new().set_accessed(t).set_modified(t)
}

/// Writes one NAR string: length, bytes, zero padding.
pub(crate) fn write_str(out: &mut impl Write, s: &[u8]) -> Result<(), NarError> {
    out.write_all(&(s.len() as u64).to_le_bytes())
        .and_then(|()| out.write_all(s))
        .map_err(NarError::Stream)?;
    write_padding(out, s.len() as u64)
}

fn write_padding(out: &mut impl Write, len: u64) -> Result<(), NarError> {
    let pad = (super::padded(len) - len) as usize;
    out.write_all(&[0u8; 8][..pad]).map_err(NarError::Stream)
}
