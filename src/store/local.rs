//! The store on disk: a directory of read-only paths, with its database, locks and roots
//! in `<store>/../var/denv/`.
//!
//! Adding a path (every write goes this way):
//!
//! ```text
//! GC lock (shared) ─► write STORE/.tmp-PID-N (read-only, mtime 1) while hashing its NAR
//!   ─► compute the path ─► path lock ─► valid already? drop the temp, reuse
//!   ─► rename into place (exchanging atomically with an invalid leftover) ─► syncfs
//!   ─► temp root ─► register in one DB transaction ─► unlock
//! ```
//!
//! A `kill -9` at any point leaves either nothing valid (a `.tmp-*` name or an unregistered
//! path, both invalid and collected or replaced later) or a complete valid path.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::address::{self, FixedOutputHash, IngestionMethod};
use super::db::{Db, PathInfo};
use super::derivation::Instantiated;
use super::error::{StoreError, io_at};
use super::fsops;
use super::hash::{HashAlgo, Hasher};
use super::lock::{self, Lock};
use super::nar::{self, Dumper};
use super::path::{StoreDir, StorePath};
use super::refs;
use super::roots::TempRoots;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// An open store.
pub struct Store {
    dir: StoreDir,
    var: PathBuf,
    pub(crate) db: Db,
    temp_roots: Option<TempRoots>,
}

impl Store {
    /// Opens (creating if needed) the store at `dir`; its state goes to `dir/../var/denv`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        let dir = fs::canonicalize(dir).map_err(io_at(dir))?;
        let store_dir = StoreDir::from_path(&dir)?;
        let parent = dir
            .parent()
            .ok_or_else(|| StoreError::NoParent(dir.clone()))?;
        let var = parent.join("var").join("denv");
        for sub in ["locks", "gcroots/auto", "temproots"] {
            let d = var.join(sub);
            fs::create_dir_all(&d).map_err(io_at(&d))?;
        }
        let db = Db::open(&var.join("db.sqlite"))?;
        Ok(Store {
            dir: store_dir,
            var,
            db,
            temp_roots: None,
        })
    }

    pub fn dir(&self) -> &StoreDir {
        &self.dir
    }

    /// `<store>/../var/denv`: database, locks, roots.
    pub fn state_dir(&self) -> &Path {
        &self.var
    }

    /// Where unfinished downloads keep their bytes until they are complete and checked
    /// (beside the store, never in it; `denv gc` removes the ones no process is writing).
    pub fn partial_dir(&self) -> PathBuf {
        self.var.join("partial")
    }

    /// Where the build log of derivation `drv` is kept.
    pub fn log_file(&self, drv: &StorePath) -> PathBuf {
        self.var.join("log").join(drv.base_name())
    }

    pub fn real_path(&self, path: &StorePath) -> PathBuf {
        self.dir.to_path(path)
    }

    pub fn is_valid(&self, path: &StorePath) -> Result<bool, StoreError> {
        self.db.is_valid(path)
    }

    pub fn query(&self, path: &StorePath) -> Result<Option<PathInfo>, StoreError> {
        self.db.info(path)
    }

    /// Like [`Store::query`] but an invalid path is an error.
    pub fn info(&self, path: &StorePath) -> Result<PathInfo, StoreError> {
        self.db
            .info(path)?
            .ok_or_else(|| StoreError::NotValid(self.dir.display(path)))
    }

    pub fn referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        self.db.referrers(path)
    }

    pub fn all_valid(&self) -> Result<BTreeSet<StorePath>, StoreError> {
        self.db.all()
    }

    /// Valid paths registered with `drv` as their deriver.
    pub fn outputs_of(&self, drv: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        self.db.outputs_of(drv)
    }

    /// The closure of `paths` over references (the paths themselves included).
    pub fn closure(
        &self,
        paths: impl IntoIterator<Item = StorePath>,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<StorePath> = paths.into_iter().collect();
        while let Some(p) = todo.pop() {
            if !seen.insert(p.clone()) {
                continue;
            }
            let info = self.info(&p)?;
            todo.extend(info.references.into_iter().filter(|r| !seen.contains(r)));
        }
        Ok(seen)
    }

    /// Parses a path given on a command line: a full store path, or a path inside one
    /// (symlinks such as `result` are followed to the store).
    pub fn parse_user_path(&self, text: &str) -> Result<StorePath, StoreError> {
        if let Ok(p) = self.dir.store_path_of(text) {
            return Ok(p);
        }
        let resolved = fs::canonicalize(text).map_err(io_at(text))?;
        let resolved = resolved
            .to_str()
            .ok_or_else(|| StoreError::NotValid(text.into()))?;
        Ok(self.dir.store_path_of(resolved)?)
    }

    /// Adds a file or tree as `nix-store --add` does (recursive sha256, `source` type).
    pub fn add_path(&mut self, src: &Path, name: &str) -> Result<StorePath, StoreError> {
        self.add_fixed(src, name, IngestionMethod::Recursive, HashAlgo::Sha256)
    }

    /// Adds content as `nix-store --add-fixed [--recursive] ALGO` does.
    pub fn add_fixed(
        &mut self,
        src: &Path,
        name: &str,
        method: IngestionMethod,
        algo: HashAlgo,
    ) -> Result<StorePath, StoreError> {
        let gc = self.gc_shared()?;
        let temp = self.temp_name();
        let result = self.add_fixed_via(Dumper::new(), &temp, src, name, method, algo);
        if result.is_err() {
            let _ = fsops::remove_tree(&temp);
        }
        drop(gc);
        result
    }

    /// Adds a tree as `builtins.path { filter }` / `builtins.filterSource` do: recursive
    /// sha256 of the NAR of the entries `filter` keeps.
    pub fn add_path_filtered(
        &mut self,
        src: &Path,
        name: &str,
        filter: Box<nar::PathFilter<'_>>,
    ) -> Result<StorePath, StoreError> {
        let gc = self.gc_shared()?;
        let temp = self.temp_name();
        let dumper = Dumper::with_filter(filter);
        let result = self.add_fixed_via(
            dumper,
            &temp,
            src,
            name,
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
        );
        if result.is_err() {
            let _ = fsops::remove_tree(&temp);
        }
        drop(gc);
        result
    }

    fn add_fixed_via(
        &mut self,
        mut dumper: Dumper<'_>,
        temp: &Path,
        src: &Path,
        name: &str,
        method: IngestionMethod,
        algo: HashAlgo,
    ) -> Result<StorePath, StoreError> {
        let mut nar_hasher = Hasher::new(HashAlgo::Sha256);
        let content_hash = if method == IngestionMethod::Recursive && algo != HashAlgo::Sha256 {
            let mut other = Hasher::new(algo);
            dumper.dump(src, &mut Tee(&mut nar_hasher, &mut other), Some(temp))?;
            Some(other.finish())
        } else {
            dumper.dump(src, &mut nar_hasher, Some(temp))?;
            None
        };
        let nar_size = nar_hasher.written();
        let nar_hash = nar_hasher.finish();
        let hash = match (method, content_hash) {
            (IngestionMethod::Recursive, Some(h)) => h,
            (IngestionMethod::Recursive, None) => nar_hash.clone(),
            (IngestionMethod::Flat, _) => {
                let meta = fs::symlink_metadata(temp).map_err(io_at(temp))?;
                if !meta.is_file() {
                    return Err(StoreError::Io {
                        path: src.to_path_buf(),
                        source: std::io::Error::other("flat hashing needs a regular file"),
                    });
                }
                let mut h = Hasher::new(algo);
                std::io::copy(&mut fs::File::open(temp).map_err(io_at(temp))?, &mut h)
                    .map_err(io_at(temp))?;
                h.finish()
            }
        };
        let fixed = FixedOutputHash { method, hash };
        let path = address::fixed_output_path(&self.dir, name, &fixed, &BTreeSet::new(), false)?;
        let info = PathInfo {
            path: path.clone(),
            nar_hash,
            nar_size,
            references: BTreeSet::new(),
            deriver: None,
            registration_time: now(),
        };
        self.install_and_register(temp, info)?;
        Ok(path)
    }

    /// Adds a text file (`builtins.toFile`) with the given references.
    pub fn add_text(
        &mut self,
        name: &str,
        contents: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StoreError> {
        let path = address::text_path(&self.dir, name, contents, references)?;
        // Under the GC lock, so the collector cannot take the path between the validity
        // check and the temp root.
        let gc = self.gc_shared()?;
        if self.db.is_valid(&path)? {
            self.add_temp_root(&path)?;
            return Ok(path);
        }
        let temp = self.temp_name();
        let result = (|| {
            let mut f = fs::File::create_new(&temp).map_err(io_at(&temp))?;
            f.write_all(contents).map_err(io_at(&temp))?;
            drop(f);
            fsops::canonicalise(&temp)?;
            let mut h = Hasher::new(HashAlgo::Sha256);
            nar::dump_path(&temp, &mut h)?;
            let info = PathInfo {
                path: path.clone(),
                nar_size: h.written(),
                nar_hash: h.finish(),
                references: references.clone(),
                deriver: None,
                registration_time: now(),
            };
            self.install_and_register(&temp, info)
        })();
        if result.is_err() {
            let _ = fsops::remove_tree(&temp);
        }
        drop(gc);
        result.map(|()| path)
    }

    /// Writes an instantiated derivation's `.drv` file.
    pub fn add_derivation(&mut self, drv: &Instantiated) -> Result<StorePath, StoreError> {
        let name = format!("{}.drv", drv.drv.name);
        let path = self.add_text(&name, drv.aterm.as_bytes(), &drv.references())?;
        debug_assert_eq!(path, drv.drv_path);
        Ok(path)
    }

    /// Locks a path for writing it (a builder about to produce an output). Wait for the
    /// lock, then check [`Store::is_valid`]: another process may have produced it.
    pub fn lock_path(&self, path: &StorePath) -> Result<Lock, StoreError> {
        lock::exclusive(&lock::path_lock_file(&self.var.join("locks"), path))
    }

    /// A fresh temporary name inside the store directory (never a valid store path).
    pub fn temp_name(&self) -> PathBuf {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        self.dir
            .as_path()
            .join(format!(".tmp-{}-{nanos}-{n}", std::process::id()))
    }

    /// Registers a tree a builder produced at `built` (a temp name in the store directory,
    /// or the output path itself) as `path`: [`Store::register_outputs`] of one output.
    pub fn register_built(
        &mut self,
        built: &Path,
        path: &StorePath,
        candidates: &BTreeSet<StorePath>,
        deriver: Option<&StorePath>,
    ) -> Result<PathInfo, StoreError> {
        let output = BuiltOutput {
            built: built.to_path_buf(),
            path: path.clone(),
        };
        let mut infos =
            self.register_outputs(std::slice::from_ref(&output), candidates, deriver)?;
        infos
            .pop()
            .ok_or_else(|| StoreError::NotValid(self.dir.display(path)))
    }

    /// Registers every output of one build together: each tree is made read-only with
    /// mtime 1, scanned for references among `candidates` (and the outputs themselves),
    /// hashed and moved into place, and only then are all of them registered in one
    /// database transaction. Either every output becomes valid or none does: a failure (or
    /// a kill) before the commit leaves only invalid trees, which the next build replaces.
    /// The caller holds the outputs' locks and the shared GC lock ([`Store::gc_shared`]).
    pub fn register_outputs(
        &mut self,
        outputs: &[BuiltOutput],
        candidates: &BTreeSet<StorePath>,
        deriver: Option<&StorePath>,
    ) -> Result<Vec<PathInfo>, StoreError> {
        let mut candidates = candidates.clone();
        candidates.extend(outputs.iter().map(|o| o.path.clone()));
        let mut infos = Vec::with_capacity(outputs.len());
        for output in outputs {
            infos.push(describe_built(
                &output.built,
                &output.path,
                &candidates,
                deriver,
            )?);
        }
        for output in outputs {
            let dest = self.real_path(&output.path);
            if output.built != dest {
                fsops::install(&output.built, &dest)?;
            }
        }
        fsops::sync_filesystem(self.dir.as_path())?;
        for info in &infos {
            self.add_temp_root(&info.path)?;
        }
        self.db.register(&infos)?;
        tracing::debug!(count = infos.len(), "outputs registered together");
        Ok(infos)
    }

    /// Takes the shared GC lock: hold it from writing a temp name until the new path is a
    /// temp root, so the collector never deletes work in progress.
    pub fn gc_shared(&self) -> Result<Lock, StoreError> {
        lock::shared(&self.var.join("gc.lock"))
    }

    /// Under the path's lock: reuse a valid path, or install `temp` and register `info`.
    fn install_and_register(&mut self, temp: &Path, info: PathInfo) -> Result<(), StoreError> {
        let _lock = self.lock_path(&info.path)?;
        if self.db.is_valid(&info.path)? {
            tracing::debug!(path = %info.path, "already valid, reusing it");
            fsops::remove_tree(temp)?;
            return self.add_temp_root(&info.path);
        }
        self.place(temp, &info)
    }

    /// Moves a finished temp tree into place, flushes, roots and registers it.
    pub(crate) fn place(&mut self, temp: &Path, info: &PathInfo) -> Result<(), StoreError> {
        let dest = self.real_path(&info.path);
        fsops::install(temp, &dest)?;
        fsops::sync_filesystem(self.dir.as_path())?;
        self.add_temp_root(&info.path)?;
        self.db.register(std::slice::from_ref(info))?;
        tracing::debug!(path = %info.path, "installed and registered");
        Ok(())
    }

    /// Protects `path` from the collector for as long as this process lives.
    pub fn add_temp_root(&mut self, path: &StorePath) -> Result<(), StoreError> {
        if self.temp_roots.is_none() {
            self.temp_roots = Some(TempRoots::create(&self.var.join("temproots"))?);
        }
        match self.temp_roots.as_mut() {
            Some(t) => t.add(path),
            None => Ok(()),
        }
    }
}

/// One output a builder produced: where its tree is on disk (a temp name in the store
/// directory, or the output path itself) and the store path it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltOutput {
    pub built: PathBuf,
    pub path: StorePath,
}

/// Canonicalises a built tree and computes what registering it records.
fn describe_built(
    built: &Path,
    path: &StorePath,
    candidates: &BTreeSet<StorePath>,
    deriver: Option<&StorePath>,
) -> Result<PathInfo, StoreError> {
    fsops::canonicalise(built)?;
    let references = refs::scan(built, candidates)?;
    let mut h = Hasher::new(HashAlgo::Sha256);
    nar::dump_path(
        built,
        &mut std::io::BufWriter::with_capacity(1 << 16, &mut h),
    )?;
    Ok(PathInfo {
        path: path.clone(),
        nar_size: h.written(),
        nar_hash: h.finish(),
        references,
        deriver: deriver.cloned(),
        registration_time: now(),
    })
}

/// Seconds since the epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Writes to two hashers at once.
struct Tee<'a>(&'a mut Hasher, &'a mut Hasher);

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        self.1.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
