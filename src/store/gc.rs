//! The garbage collector and explicit deletion.
//!
//! Live = the closure, over references, of every root (see `roots`), where a live path
//! also keeps its deriver (`.drv`) alive — Nix's defaults (`keep-derivations = true`,
//! `keep-outputs = false`). Everything else in the store directory is deleted: dead valid
//! paths (each one leaves the database before its files go, referrers before
//! references), unregistered leftovers and stale temp names, and the partial files of
//! unfinished downloads that no process is writing. The collector holds the GC lock
//! exclusively, so no add is half-done while it runs.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use super::error::{StoreError, io_at};
use super::fsops;
use super::local::Store;
use super::lock;
use super::path::StorePath;
use super::roots;

/// What to collect.
#[derive(Debug, Clone, Copy, Default)]
pub struct GcOptions {
    /// Only report what would be deleted.
    pub dry_run: bool,
    /// Stop once this many bytes were freed.
    pub max_freed: Option<u64>,
}

/// What a collection did (or, dry, would do).
#[derive(Debug, Clone, Default)]
pub struct GcReport {
    /// Valid paths deleted, in deletion order.
    pub deleted: Vec<StorePath>,
    /// Other entries of the store directory removed (invalid leftovers, temp names).
    pub removed_invalid: Vec<PathBuf>,
    /// Bytes freed on disk.
    pub freed: u64,
}

impl Store {
    /// Roots as the collector sees them (temporary roots of live processes included).
    pub fn roots(&self) -> Result<BTreeSet<StorePath>, StoreError> {
        roots::find_roots(self.dir(), self.state_dir())
    }

    /// Makes `link` point at `path` and keeps `path` alive while `link` exists.
    pub fn add_perm_root(
        &mut self,
        path: &StorePath,
        link: &std::path::Path,
    ) -> Result<(), StoreError> {
        roots::add_perm_root(self.dir(), self.state_dir(), path, link)
    }

    /// Keeps whatever the symlink `link` points to in the store alive while `link` exists.
    pub fn add_indirect_root(&mut self, link: &std::path::Path) -> Result<(), StoreError> {
        roots::add_indirect_root(self.state_dir(), link)
    }

    /// The live set: roots, closed over references and derivers.
    fn live(&self, roots: BTreeSet<StorePath>) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut live = BTreeSet::new();
        let mut todo: Vec<StorePath> = roots.into_iter().collect();
        while let Some(p) = todo.pop() {
            if live.contains(&p) {
                continue;
            }
            let Some(info) = self.query(&p)? else {
                continue;
            };
            live.insert(p);
            todo.extend(info.references);
            if let Some(d) = info.deriver {
                todo.push(d);
            }
        }
        Ok(live)
    }

    /// Deletes everything no root reaches.
    pub fn collect_garbage(&mut self, options: GcOptions) -> Result<GcReport, StoreError> {
        let gc_lock = self.state_dir().join("gc.lock");
        let _gc = lock::exclusive(&gc_lock)?;
        let live = self.live(self.roots()?)?;
        let valid = self.all_valid()?;
        let dead: BTreeSet<StorePath> = valid.difference(&live).cloned().collect();
        let mut report = GcReport::default();
        self.remove_invalid_entries(&valid, options.dry_run, &mut report)?;
        self.remove_partial_downloads(options.dry_run, &mut report)?;
        let order = self.referrers_first(&dead)?;
        self.delete_in_order(order, options, &mut report)?;
        Ok(report)
    }

    /// Deletes specific paths (`store delete`): refused when one is reachable from a root
    /// or referenced by a path that is not being deleted too.
    pub fn delete_paths(&mut self, paths: &BTreeSet<StorePath>) -> Result<GcReport, StoreError> {
        let gc_lock = self.state_dir().join("gc.lock");
        let _gc = lock::exclusive(&gc_lock)?;
        let live = self.live(self.roots()?)?;
        for p in paths {
            if !self.is_valid(p)? {
                return Err(StoreError::NotValid(self.dir().display(p)));
            }
            if live.contains(p) {
                return Err(StoreError::Rooted(self.dir().display(p)));
            }
            if let Some(r) = self
                .referrers(p)?
                .into_iter()
                .find(|r| !paths.contains(r) && r != p)
            {
                return Err(StoreError::StillReferenced {
                    path: self.dir().display(p),
                    referrer: self.dir().display(&r),
                });
            }
        }
        let order = self.referrers_first(paths)?;
        let mut report = GcReport::default();
        self.delete_in_order(order, GcOptions::default(), &mut report)?;
        Ok(report)
    }

    fn delete_in_order(
        &mut self,
        order: Vec<StorePath>,
        options: GcOptions,
        report: &mut GcReport,
    ) -> Result<(), StoreError> {
        for p in order {
            if options.max_freed.is_some_and(|max| report.freed >= max) {
                break;
            }
            let real = self.real_path(&p);
            report.freed += fsops::disk_usage(&real);
            if !options.dry_run {
                let _lock = self.lock_path(&p)?;
                self.db.invalidate(&BTreeSet::from([p.clone()]))?;
                fsops::remove_tree(&real)?;
            }
            report.deleted.push(p);
        }
        Ok(())
    }

    /// Orders `set` so that every path comes after all its referrers within the set.
    fn referrers_first(&self, set: &BTreeSet<StorePath>) -> Result<Vec<StorePath>, StoreError> {
        let mut refs: BTreeMap<&StorePath, BTreeSet<StorePath>> = BTreeMap::new();
        let mut pending_referrers: BTreeMap<StorePath, usize> =
            set.iter().map(|p| (p.clone(), 0)).collect();
        for p in set {
            let r: BTreeSet<StorePath> = self
                .info(p)?
                .references
                .into_iter()
                .filter(|r| r != p && set.contains(r))
                .collect();
            for x in &r {
                if let Some(n) = pending_referrers.get_mut(x) {
                    *n += 1;
                }
            }
            refs.insert(p, r);
        }
        let mut ready: Vec<StorePath> = pending_referrers
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(p, _)| p.clone())
            .collect();
        let mut order = Vec::with_capacity(set.len());
        while let Some(p) = ready.pop() {
            for r in refs.get(&p).into_iter().flatten() {
                if let Some(n) = pending_referrers.get_mut(r) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push(r.clone());
                    }
                }
            }
            order.push(p);
        }
        Ok(order)
    }

    /// Removes store-directory entries that are not valid paths, unless a writer holds
    /// their lock.
    fn remove_invalid_entries(
        &mut self,
        valid: &BTreeSet<StorePath>,
        dry_run: bool,
        report: &mut GcReport,
    ) -> Result<(), StoreError> {
        let dir = self.dir().as_path().to_path_buf();
        let locks = self.state_dir().join("locks");
        for entry in fs::read_dir(&dir).map_err(io_at(&dir))? {
            let entry = entry.map_err(io_at(&dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let as_path = StorePath::from_base_name(&name).ok();
            if as_path.as_ref().is_some_and(|p| valid.contains(p)) {
                continue;
            }
            let _guard = match &as_path {
                Some(p) => match lock::try_exclusive(&lock::path_lock_file(&locks, p))? {
                    Some(g) => Some(g),
                    None => continue,
                },
                None => None,
            };
            let real = entry.path();
            report.freed += fsops::disk_usage(&real);
            if !dry_run {
                fsops::remove_tree(&real)?;
            }
            report.removed_invalid.push(real);
        }
        Ok(())
    }

    /// Removes the partial files of downloads no process is writing (a writer holds an
    /// `flock` on its file).
    fn remove_partial_downloads(
        &self,
        dry_run: bool,
        report: &mut GcReport,
    ) -> Result<(), StoreError> {
        let dir = self.partial_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_at(&dir)(e)),
        };
        for entry in entries {
            let path = entry.map_err(io_at(&dir))?.path();
            let Ok(file) = fs::File::open(&path) else {
                continue;
            };
            if lock::flock(&file, libc::LOCK_EX | libc::LOCK_NB).is_err() {
                continue;
            }
            report.freed += fsops::disk_usage(&path);
            if !dry_run {
                fs::remove_file(&path).map_err(io_at(&path))?;
            }
            report.removed_invalid.push(path);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_removes_partial_downloads_no_process_is_writing() {
        let root = tempfile::tempdir().unwrap();
        let mut store = Store::open(&root.path().join("store")).unwrap();
        let dir = store.partial_dir();
        fs::create_dir_all(&dir).unwrap();
        let (idle, busy) = (dir.join("idle.part"), dir.join("busy.part"));
        fs::write(&idle, b"half").unwrap();
        fs::write(&busy, b"half").unwrap();
        let writer = fs::OpenOptions::new().write(true).open(&busy).unwrap();
        lock::flock(&writer, libc::LOCK_EX).unwrap();
        let report = store.collect_garbage(GcOptions::default()).unwrap();
        assert!(!idle.exists());
        assert!(busy.exists());
        assert!(report.removed_invalid.contains(&idle));
    }
}
