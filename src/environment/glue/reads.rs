//! Which files an evaluation read: the evaluation cache fingerprints them, so editing a file
//! that `denv.nix` imports (or one it reads with `builtins.readFile`) re-evaluates on the next
//! prompt.
//!
//! [`Recording`] wraps the real filesystem below `<denv>`'s virtual tree and notes every file
//! read and every directory listed, except those in the store, whose contents never change.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::eval::{EvalIo, FileType};

/// An [`EvalIo`] that remembers what was read through it.
pub struct Recording {
    inner: std::rc::Rc<dyn EvalIo>,
    /// Paths below this directory are not recorded.
    store_dir: PathBuf,
    read: RefCell<BTreeSet<PathBuf>>,
}

impl Recording {
    pub fn new(inner: std::rc::Rc<dyn EvalIo>, store_dir: &Path) -> Recording {
        Recording {
            inner,
            store_dir: store_dir.to_path_buf(),
            read: RefCell::new(BTreeSet::new()),
        }
    }

    /// Every file read and directory listed so far, sorted.
    pub fn files(&self) -> Vec<PathBuf> {
        self.read.borrow().iter().cloned().collect()
    }

    fn note(&self, path: &Path) {
        if !path.starts_with(&self.store_dir) {
            self.read.borrow_mut().insert(path.to_path_buf());
        }
    }
}

impl EvalIo for Recording {
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.note(path);
        self.inner.read_file(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        self.note(path);
        self.inner.read_dir(path)
    }

    fn path_exists(&self, path: &Path) -> bool {
        self.inner.path_exists(path)
    }

    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        self.inner.file_type(path)
    }

    fn file_type_follow(&self, path: &Path) -> io::Result<FileType> {
        self.inner.file_type_follow(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::RealFs;

    #[test]
    fn records_reads_outside_the_store_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        std::fs::write(store.join("a"), "x").unwrap();
        std::fs::write(dir.path().join("b.nix"), "1").unwrap();
        let io = Recording::new(std::rc::Rc::new(RealFs), &store);
        io.read_file(&store.join("a")).unwrap();
        io.read_file(&dir.path().join("b.nix")).unwrap();
        io.read_dir(dir.path()).unwrap();
        assert_eq!(
            io.files(),
            vec![dir.path().to_path_buf(), dir.path().join("b.nix")]
        );
    }
}
