//! `nix-store --export` / `--import` streams, compatible with real Nix both ways.
//!
//! ```text
//! stream = { u64(1) path-entry } u64(0)
//! entry  = NAR u64(0x4558494e) str(STOREPATH) u64(n) n×str(REF) str(DERIVER|"") u64(0)
//! ```
//!
//! Paths are written references first. Import restores each NAR under a temp name while
//! hashing it, then installs and registers it like any other add.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use super::db::PathInfo;
use super::error::StoreError;
use super::fsops;
use super::hash::{HashAlgo, HashFormat, Hasher};
use super::local::{Store, now};
use super::nar::{self, RestoreOptions};
use super::path::StorePath;

const EXPORT_MAGIC: u64 = 0x4558_494e;

fn stream_err(e: std::io::Error) -> StoreError {
    StoreError::BadExport(e.to_string())
}

impl Store {
    /// Orders `paths` so that references come before their referrers.
    pub fn topo_sort(&self, paths: &BTreeSet<StorePath>) -> Result<Vec<StorePath>, StoreError> {
        let mut refs: BTreeMap<StorePath, BTreeSet<StorePath>> = BTreeMap::new();
        for p in paths {
            refs.insert(p.clone(), self.info(p)?.references);
        }
        let mut done = BTreeSet::new();
        let mut order = Vec::new();
        for p in paths {
            visit(p, &refs, &mut done, &mut order);
        }
        Ok(order)
    }

    /// Writes `paths` (not their closure) in export format.
    pub fn export(
        &self,
        paths: &BTreeSet<StorePath>,
        out: &mut impl Write,
    ) -> Result<(), StoreError> {
        for p in self.topo_sort(paths)? {
            let info = self.info(&p)?;
            out.write_all(&1u64.to_le_bytes()).map_err(stream_err)?;
            let mut tee = HashTee {
                inner: &mut *out,
                hasher: Hasher::new(HashAlgo::Sha256),
            };
            nar::dump_path(&self.real_path(&p), &mut tee)?;
            let got = tee.hasher.finish();
            if got != info.nar_hash {
                return Err(StoreError::Corrupt {
                    path: self.dir().display(&p),
                    reason: format!(
                        "contents hash to {} but {} was registered",
                        got.to_typed_string(HashFormat::Nix32),
                        info.nar_hash.to_typed_string(HashFormat::Nix32)
                    ),
                });
            }
            write_u64(out, EXPORT_MAGIC)?;
            write_str(out, self.dir().display(&p).as_bytes())?;
            write_u64(out, info.references.len() as u64)?;
            for r in &info.references {
                write_str(out, self.dir().display(r).as_bytes())?;
            }
            let deriver = info
                .deriver
                .as_ref()
                .map(|d| self.dir().display(d))
                .unwrap_or_default();
            write_str(out, deriver.as_bytes())?;
            write_u64(out, 0)?;
        }
        write_u64(out, 0)
    }

    /// Reads an export stream and adds every path in it; returns them in stream order.
    pub fn import(&mut self, input: &mut impl Read) -> Result<Vec<StorePath>, StoreError> {
        let mut imported = Vec::new();
        loop {
            match read_u64(input)? {
                0 => break,
                1 => {}
                n => return Err(StoreError::BadExport(format!("unexpected marker {n}"))),
            }
            let gc = self.gc_shared()?;
            let temp = self.temp_name();
            let result = self.import_one(input, &temp);
            if result.is_err() {
                let _ = fsops::remove_tree(&temp);
            }
            drop(gc);
            imported.push(result?);
        }
        Ok(imported)
    }

    fn import_one(
        &mut self,
        input: &mut impl Read,
        temp: &std::path::Path,
    ) -> Result<StorePath, StoreError> {
        let mut reader = HashReader {
            inner: &mut *input,
            hasher: Hasher::new(HashAlgo::Sha256),
        };
        nar::restore(&mut reader, temp, RestoreOptions { read_only: true })?;
        let nar_size = reader.hasher.written();
        let nar_hash = reader.hasher.finish();
        fsops::canonicalise(temp)?;
        if read_u64(input)? != EXPORT_MAGIC {
            return Err(StoreError::BadExport("missing export magic".into()));
        }
        let path = self.dir().parse(&read_str(input)?)?;
        let n = read_u64(input)?;
        let mut references = BTreeSet::new();
        for _ in 0..n {
            references.insert(self.dir().parse(&read_str(input)?)?);
        }
        let deriver = read_str(input)?;
        let deriver = if deriver.is_empty() {
            None
        } else {
            Some(self.dir().parse(&deriver)?)
        };
        if read_u64(input)? == 1 {
            read_str(input)?;
        }
        let _lock = self.lock_path(&path)?;
        if self.is_valid(&path)? {
            fsops::remove_tree(temp)?;
            self.add_temp_root(&path)?;
            return Ok(path);
        }
        if let Some(missing) = references
            .iter()
            .find(|r| **r != path && !self.is_valid(r).unwrap_or(false))
        {
            return Err(StoreError::MissingReference {
                path: self.dir().display(&path),
                reference: self.dir().display(missing),
            });
        }
        let info = PathInfo {
            path: path.clone(),
            nar_hash,
            nar_size,
            references,
            deriver,
            registration_time: now(),
        };
        self.place(temp, &info)?;
        Ok(path)
    }
}

fn visit(
    p: &StorePath,
    refs: &BTreeMap<StorePath, BTreeSet<StorePath>>,
    done: &mut BTreeSet<StorePath>,
    order: &mut Vec<StorePath>,
) {
    if !done.insert(p.clone()) {
        return;
    }
    if let Some(rs) = refs.get(p) {
        for r in rs {
            if r != p && refs.contains_key(r) {
                visit(r, refs, done, order);
            }
        }
    }
    order.push(p.clone());
}

struct HashTee<'a, W: Write> {
    inner: &'a mut W,
    hasher: Hasher,
}

impl<W: Write> Write for HashTee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct HashReader<'a, R: Read> {
    inner: &'a mut R,
    hasher: Hasher,
}

impl<R: Read> Read for HashReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn write_u64(out: &mut impl Write, n: u64) -> Result<(), StoreError> {
    out.write_all(&n.to_le_bytes()).map_err(stream_err)
}

fn write_str(out: &mut impl Write, s: &[u8]) -> Result<(), StoreError> {
    write_u64(out, s.len() as u64)?;
    out.write_all(s).map_err(stream_err)?;
    let pad = (8 - s.len() % 8) % 8;
    out.write_all(&[0u8; 8][..pad]).map_err(stream_err)
}

fn read_u64(input: &mut impl Read) -> Result<u64, StoreError> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b).map_err(stream_err)?;
    Ok(u64::from_le_bytes(b))
}

fn read_str(input: &mut impl Read) -> Result<String, StoreError> {
    let len = read_u64(input)?;
    if len > 4096 {
        return Err(StoreError::BadExport(format!("string of {len} bytes")));
    }
    let mut s = vec![0u8; len as usize];
    input.read_exact(&mut s).map_err(stream_err)?;
    let pad = (8 - len as usize % 8) % 8;
    let mut p = [0u8; 8];
    input.read_exact(&mut p[..pad]).map_err(stream_err)?;
    String::from_utf8(s).map_err(|_| StoreError::BadExport("string is not UTF-8".into()))
}
