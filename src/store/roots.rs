//! Garbage-collector roots.
//!
//! - Permanent roots: symlinks under `<var>/gcroots/` pointing into the store, or pointing
//!   at a link elsewhere (an *indirect* root such as a project's `.denv/profile` or an
//!   `--out-link` result) which in turn points into the store. Indirect roots live in
//!   `gcroots/auto/` and are removed once the link they name is gone.
//! - Temporary roots: `<var>/temproots/<pid>`, one store path per line, locked by its
//!   process for as long as it lives; a file whose lock can be taken is stale.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::error::{StoreError, io_at};
use super::hash::{Hash, HashAlgo};
use super::lock;
use super::nixbase32;
use super::path::{StoreDir, StorePath};

/// This process's temporary roots file, locked while it is open.
pub struct TempRoots {
    file: File,
}

impl TempRoots {
    pub fn create(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(std::process::id().to_string());
        let file = fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .map_err(io_at(&path))?;
        super::lock::flock(&file, libc::LOCK_EX).map_err(io_at(&path))?;
        // A previous process with our pid is dead (we hold its lock now): start afresh.
        file.set_len(0).map_err(io_at(&path))?;
        Ok(TempRoots { file })
    }

    pub fn add(&mut self, path: &StorePath) -> Result<(), StoreError> {
        let line = format!("{}\n", path.base_name());
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| StoreError::Io {
                path: PathBuf::from("temproots"),
                source: e,
            })
    }
}

/// Makes `link` (outside the store) an indirect root: the collector keeps whatever it
/// points to for as long as it exists.
pub fn add_indirect_root(var: &Path, link: &Path) -> Result<(), StoreError> {
    let link = absolute(link)?;
    let h = Hash::digest(HashAlgo::Sha256, link.as_os_str().as_bytes());
    let name = nixbase32::encode(&h.compress(20));
    let root = var.join("gcroots").join("auto").join(name);
    replace_symlink(&link, &root)
}

/// Points `link` at `path` (atomically replacing what was there) and registers it as an
/// indirect root: what `--out-link` and a project's `.denv/` links do.
pub fn add_perm_root(
    dir: &StoreDir,
    var: &Path,
    path: &StorePath,
    link: &Path,
) -> Result<(), StoreError> {
    replace_symlink(&dir.to_path(path), link)?;
    add_indirect_root(var, link)
}

fn absolute(p: &Path) -> Result<PathBuf, StoreError> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir().map_err(io_at(p))?.join(p))
    }
}

fn replace_symlink(target: &Path, link: &Path) -> Result<(), StoreError> {
    let tmp = link.with_file_name(format!(
        ".{}.tmp-{}",
        link.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).map_err(io_at(&tmp))?;
    fs::rename(&tmp, link).map_err(io_at(link))
}

/// Every root: permanent (direct and indirect, pruning indirect ones whose link is gone)
/// and the temporary roots of live processes (deleting stale files). Call it while holding
/// the exclusive GC lock.
pub fn find_roots(dir: &StoreDir, var: &Path) -> Result<BTreeSet<StorePath>, StoreError> {
    let mut roots = BTreeSet::new();
    scan_gcroots(dir, &var.join("gcroots"), &mut roots)?;
    let temp_dir = var.join("temproots");
    for entry in fs::read_dir(&temp_dir).map_err(io_at(&temp_dir))? {
        let file = entry.map_err(io_at(&temp_dir))?.path();
        match lock::try_exclusive(&file)? {
            Some(_stale) => {
                fs::remove_file(&file).map_err(io_at(&file))?;
            }
            None => {
                let mut text = String::new();
                File::open(&file)
                    .and_then(|mut f| f.read_to_string(&mut text))
                    .map_err(io_at(&file))?;
                // Only complete lines count; a partial last line is still being written.
                for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
                    if let Ok(p) = StorePath::from_base_name(line.trim_end()) {
                        roots.insert(p);
                    }
                }
            }
        }
    }
    Ok(roots)
}

fn scan_gcroots(
    dir: &StoreDir,
    folder: &Path,
    roots: &mut BTreeSet<StorePath>,
) -> Result<(), StoreError> {
    let entries = match fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_at(folder)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_at(folder))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(io_at(&path))?;
        if ft.is_dir() {
            scan_gcroots(dir, &path, roots)?;
        } else if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(io_at(&path))?;
            if let Some(p) = in_store(dir, &target) {
                roots.insert(p);
                continue;
            }
            // Indirect: the target is a link outside the store that should point into it.
            match fs::read_link(&target) {
                Ok(t2) => {
                    let t2 = if t2.is_absolute() {
                        t2
                    } else {
                        target.parent().map(|d| d.join(&t2)).unwrap_or(t2)
                    };
                    if let Some(p) = in_store(dir, &t2) {
                        roots.insert(p);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    fs::remove_file(&path).map_err(io_at(&path))?;
                }
                Err(_) => {}
            }
        }
    }
    Ok(())
}

fn in_store(dir: &StoreDir, target: &Path) -> Option<StorePath> {
    dir.store_path_of(target.to_str()?).ok()
}
