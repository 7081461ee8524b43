//! Finding references: which candidate store paths a tree mentions, by scanning file
//! contents and symlink targets for their 32-character hash parts (as Nix does: a hash part
//! can be found anywhere, even inside longer strings).
//!
//! The scan checks each 32-byte window only when all its bytes are nixbase32 digits,
//! jumping past any byte that is not, so most input is skipped without a lookup.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::error::{StoreError, io_at};
use super::nixbase32;
use super::path::{HASH_PART_LEN, StorePath};

/// Scans a tree for the hash parts of `candidates`.
pub fn scan(
    root: &Path,
    candidates: &BTreeSet<StorePath>,
) -> Result<BTreeSet<StorePath>, StoreError> {
    let mut by_hash: HashMap<[u8; HASH_PART_LEN], &StorePath> = HashMap::new();
    for c in candidates {
        let mut key = [0u8; HASH_PART_LEN];
        key.copy_from_slice(c.hash_part().as_bytes());
        by_hash.insert(key, c);
    }
    let mut found: BTreeSet<&StorePath> = BTreeSet::new();
    if by_hash.is_empty() {
        return Ok(BTreeSet::new());
    }
    let mut scanner = Scanner {
        by_hash: &by_hash,
        found: &mut found,
        buf: vec![0; 1 << 20],
    };
    scanner.walk(root)?;
    Ok(found.into_iter().cloned().collect())
}

struct Scanner<'a, 'b> {
    by_hash: &'a HashMap<[u8; HASH_PART_LEN], &'b StorePath>,
    found: &'a mut BTreeSet<&'b StorePath>,
    buf: Vec<u8>,
}

impl Scanner<'_, '_> {
    fn walk(&mut self, path: &Path) -> Result<(), StoreError> {
        let meta = fs::symlink_metadata(path).map_err(io_at(path))?;
        if meta.is_symlink() {
            let target = fs::read_link(path).map_err(io_at(path))?;
            self.search(target.as_os_str().as_bytes());
        } else if meta.is_dir() {
            for entry in fs::read_dir(path).map_err(io_at(path))? {
                let entry = entry.map_err(io_at(path))?;
                self.walk(&entry.path())?;
            }
        } else if meta.is_file() {
            let mut file = fs::File::open(path).map_err(io_at(path))?;
            // Keep the last HASH_PART_LEN - 1 bytes so hashes across chunk borders match.
            let keep = HASH_PART_LEN - 1;
            let mut filled = 0usize;
            loop {
                let n = file.read(&mut self.buf[filled..]).map_err(io_at(path))?;
                if n == 0 {
                    break;
                }
                let end = filled + n;
                let chunk = std::mem::take(&mut self.buf);
                self.search(&chunk[..end]);
                self.buf = chunk;
                let tail = end.min(keep);
                self.buf.copy_within(end - tail..end, 0);
                filled = tail;
            }
        }
        Ok(())
    }

    fn search(&mut self, data: &[u8]) {
        let mut i = 0;
        while i + HASH_PART_LEN <= data.len() {
            let window = &data[i..i + HASH_PART_LEN];
            match window.iter().rposition(|&c| !nixbase32::is_digit(c)) {
                Some(j) => i += j + 1,
                None => {
                    let mut key = [0u8; HASH_PART_LEN];
                    key.copy_from_slice(window);
                    if let Some(p) = self.by_hash.get(&key) {
                        self.found.insert(*p);
                    }
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hashes_in_files_symlinks_and_across_chunks() {
        let a = StorePath::from_base_name("z45ailnkm27lnvhimqkhy08f6sh5m17d-a").unwrap();
        let b = StorePath::from_base_name("r3f9l9f32qpzwmdgizjpbwn3ff2n6ny7-b").unwrap();
        let c = StorePath::from_base_name("fvchbymk0m4jvldpb9m5hy0bjy2lf30k-c").unwrap();
        let cands: BTreeSet<_> = [a.clone(), b.clone(), c.clone()].into();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("t");
        fs::create_dir(&root).unwrap();
        // `a` straddles the 1 MiB read boundary.
        let mut big = vec![b'.'; (1 << 20) - 10];
        big.extend_from_slice(b"/x/z45ailnkm27lnvhimqkhy08f6sh5m17d-a/bin");
        fs::write(root.join("big"), big).unwrap();
        std::os::unix::fs::symlink("/s/r3f9l9f32qpzwmdgizjpbwn3ff2n6ny7-b", root.join("l"))
            .unwrap();
        fs::write(root.join("near"), b"xfvchbymk0m4jvldpb9m5hy0bjy2lf30").unwrap();
        assert_eq!(scan(&root, &cands).unwrap(), [a, b].into());
    }
}
