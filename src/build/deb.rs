//! Unpacking a `.deb` into a directory, in denv's own code.
//!
//! A `.deb` is an `ar` archive: `debian-binary` (`2.0`), `control.tar.*`, then
//! `data.tar.{xz,zst,gz}` (or an uncompressed `data.tar`). Only the data archive is
//! unpacked: maintainer scripts are never read or run. Regular files keep their `rwx`
//! bits (setuid/setgid are dropped), symlinks are created exactly as recorded (absolute
//! ones are left for relocation to fix), and an entry that would land outside the
//! destination (`../`, or through a symlink) makes the whole unpack fail.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// What went wrong unpacking a `.deb`.
#[derive(Debug, thiserror::Error)]
pub enum DebError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{deb}: not a Debian package: {reason}")]
    NotADeb { deb: String, reason: String },
    #[error("{deb}: unsupported data archive `{member}`")]
    UnsupportedCompression { deb: String, member: String },
    #[error("{deb}: entry `{entry}` would be written outside the destination")]
    Traversal { deb: String, entry: String },
    #[error("{deb}: corrupt data archive: {message}")]
    Corrupt { deb: String, message: String },
}

/// Counts of what was unpacked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unpacked {
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub bytes: u64,
}

/// Unpacks the data archive of the `.deb` at `deb` into `dest` (created if missing).
pub fn unpack(deb: &Path, dest: &Path) -> Result<Unpacked, DebError> {
    let file = std::fs::File::open(deb).map_err(|source| DebError::Io {
        path: deb.to_path_buf(),
        source,
    })?;
    unpack_reader(
        std::io::BufReader::new(file),
        &deb.display().to_string(),
        dest,
    )
}

/// Unpacks a `.deb` read from `reader`; `name` is used in error messages.
pub fn unpack_reader(reader: impl Read, name: &str, dest: &Path) -> Result<Unpacked, DebError> {
    let not_deb = |reason: &str| DebError::NotADeb {
        deb: name.to_owned(),
        reason: reason.to_owned(),
    };
    std::fs::create_dir_all(dest).map_err(|source| DebError::Io {
        path: dest.to_path_buf(),
        source,
    })?;
    let mut archive = ar::Archive::new(reader);
    let mut seen_version = false;
    while let Some(entry) = archive.next_entry() {
        let mut entry = entry.map_err(|e| not_deb(&e.to_string()))?;
        let member = String::from_utf8_lossy(entry.header().identifier())
            .trim_end_matches('/')
            .to_owned();
        if member == "debian-binary" {
            let mut version = String::new();
            entry
                .read_to_string(&mut version)
                .map_err(|e| not_deb(&e.to_string()))?;
            if !version.starts_with("2.") {
                return Err(not_deb(&format!("format version `{}`", version.trim())));
            }
            seen_version = true;
            continue;
        }
        if !member.starts_with("data.tar") {
            continue;
        }
        if !seen_version {
            return Err(not_deb("`debian-binary` is not the first member"));
        }
        let stream: Box<dyn Read + '_> = match member.as_str() {
            "data.tar" => Box::new(entry),
            "data.tar.xz" => Box::new(xz2::read::XzDecoder::new(entry)),
            "data.tar.gz" => Box::new(flate2::read::GzDecoder::new(entry)),
            "data.tar.zst" => {
                Box::new(ruzstd::decoding::StreamingDecoder::new(entry).map_err(|e| {
                    DebError::Corrupt {
                        deb: name.to_owned(),
                        message: e.to_string(),
                    }
                })?)
            }
            _ => {
                return Err(DebError::UnsupportedCompression {
                    deb: name.to_owned(),
                    member,
                });
            }
        };
        return unpack_tar(stream, name, dest);
    }
    Err(not_deb("no data.tar member"))
}

fn unpack_tar(stream: impl Read, name: &str, dest: &Path) -> Result<Unpacked, DebError> {
    let corrupt = |e: std::io::Error| DebError::Corrupt {
        deb: name.to_owned(),
        message: e.to_string(),
    };
    let mut tar = tar::Archive::new(stream);
    tar.set_preserve_permissions(false);
    tar.set_preserve_mtime(true);
    tar.set_overwrite(true);
    let mut stats = Unpacked::default();
    for entry in tar.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let path = entry.path().map_err(corrupt)?.into_owned();
        let traversal = || DebError::Traversal {
            deb: name.to_owned(),
            entry: path.display().to_string(),
        };
        if path.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        }) {
            return Err(traversal());
        }
        if path.components().all(|c| matches!(c, Component::CurDir)) {
            continue;
        }
        let kind = entry.header().entry_type();
        if kind.is_hard_link() {
            let target = entry.link_name().map_err(corrupt)?.unwrap_or_default();
            if target
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
            {
                return Err(traversal());
            }
        }
        // Nothing is written through a symlink unpacked earlier: it could point anywhere.
        let mut ancestor = dest.to_path_buf();
        let parents: Vec<_> = path.components().collect();
        for part in &parents[..parents.len().saturating_sub(1)] {
            ancestor.push(part);
            if std::fs::symlink_metadata(&ancestor).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(traversal());
            }
        }
        let size = entry.header().size().unwrap_or(0);
        // `unpack_in` refuses entries that would land outside `dest` (also through
        // symlinks already unpacked) by returning false.
        let inside = entry.unpack_in(dest).map_err(|e| DebError::Io {
            path: dest.join(&path),
            source: e,
        })?;
        if !inside {
            return Err(traversal());
        }
        if kind.is_dir() {
            stats.dirs += 1;
        } else if kind.is_symlink() {
            stats.symlinks += 1;
        } else {
            stats.files += 1;
            stats.bytes += size;
        }
    }
    Ok(stats)
}

/// Unpacks several `.deb`s, each into its own destination, with up to `jobs` threads.
/// Returns the results in input order; the first error wins.
pub fn unpack_all(items: &[(PathBuf, PathBuf)], jobs: usize) -> Result<Vec<Unpacked>, DebError> {
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..items.len() {
        let _ = tx.send(i);
    }
    drop(tx);
    unpack_as_ready(items, jobs, rx)
}

/// Unpacks `items[i]` for each index received from `ready` (e.g. as downloads finish),
/// with up to `jobs` threads, until the sender is dropped. Every item must be sent once.
pub fn unpack_as_ready(
    items: &[(PathBuf, PathBuf)],
    jobs: usize,
    ready: std::sync::mpsc::Receiver<usize>,
) -> Result<Vec<Unpacked>, DebError> {
    let ready = std::sync::Mutex::new(ready);
    let results: std::sync::Mutex<Vec<Option<Result<Unpacked, DebError>>>> =
        std::sync::Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, 32).min(items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let next = match ready.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(i) = next else { return };
                    let Some((deb, dest)) = items.get(i) else {
                        continue;
                    };
                    let result = unpack(deb, dest);
                    if let Ok(mut slots) = results.lock() {
                        slots[i] = Some(result);
                    }
                }
            });
        }
    });
    let slots = results.into_inner().unwrap_or_default();
    slots
        .into_iter()
        .zip(items)
        .map(|(slot, (deb, _))| {
            slot.unwrap_or_else(|| {
                Err(DebError::Corrupt {
                    deb: deb.display().to_string(),
                    message: "was never unpacked".to_owned(),
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a `.deb` in memory whose data archive holds the given tar entries.
    fn deb_with(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
        deb_compressed(entries, "gz")
    }

    fn deb_compressed(
        entries: &[(&str, tar::EntryType, &[u8], Option<&str>)],
        compression: &str,
    ) -> Vec<u8> {
        let mut tar_bytes = Vec::new();
        {
            let mut builder = tar::Builder::new(&mut tar_bytes);
            for (path, kind, data, link) in entries {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(*kind);
                header.set_size(data.len() as u64);
                header.set_mode(0o755);
                // Write the raw name so `..` survives (the builder would reject it).
                let name = header.as_old_mut().name.as_mut();
                name[..path.len()].copy_from_slice(path.as_bytes());
                if let Some(link) = link {
                    header.set_link_name(link).unwrap();
                }
                header.set_cksum();
                builder.append(&header, *data).unwrap();
            }
            builder.finish().unwrap();
        }
        let data = match compression {
            "gz" => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                std::io::Write::write_all(&mut gz, &tar_bytes).unwrap();
                gz.finish().unwrap()
            }
            "xz" => {
                let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
                std::io::Write::write_all(&mut xz, &tar_bytes).unwrap();
                xz.finish().unwrap()
            }
            "zst" => ruzstd::encoding::compress_to_vec(
                &tar_bytes[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
            _ => tar_bytes,
        };
        let member = if compression.is_empty() {
            "data.tar".to_owned()
        } else {
            format!("data.tar.{compression}")
        };
        let mut out = Vec::new();
        {
            let mut ar = ar::Builder::new(&mut out);
            ar.append(
                &ar::Header::new(b"debian-binary".to_vec(), 4),
                &b"2.0\n"[..],
            )
            .unwrap();
            ar.append(
                &ar::Header::new(member.into_bytes(), data.len() as u64),
                &data[..],
            )
            .unwrap();
        }
        out
    }

    #[test]
    fn files_modes_and_absolute_symlinks_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let deb = deb_with(&[
            ("./usr/bin/", tar::EntryType::Directory, b"", None),
            (
                "./usr/bin/tool",
                tar::EntryType::Regular,
                b"#!/bin/sh\n",
                None,
            ),
            (
                "./usr/bin/abs",
                tar::EntryType::Symlink,
                b"",
                Some("/etc/x"),
            ),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let stats = unpack_reader(&deb[..], "t.deb", dir.path()).unwrap();
        assert_eq!((stats.files, stats.dirs, stats.symlinks), (1, 1, 1));
        let tool = dir.path().join("usr/bin/tool");
        assert_eq!(std::fs::read(&tool).unwrap(), b"#!/bin/sh\n");
        assert_eq!(
            std::fs::metadata(&tool).unwrap().permissions().mode() & 0o777,
            0o755
        );
        let link = std::fs::read_link(dir.path().join("usr/bin/abs")).unwrap();
        assert_eq!(link, Path::new("/etc/x"));
    }

    #[test]
    fn every_data_compression_debian_uses_unpacks() {
        for compression in ["xz", "zst", "gz", ""] {
            let deb = deb_compressed(
                &[("./usr/share/doc/x", tar::EntryType::Regular, b"text", None)],
                compression,
            );
            let dir = tempfile::tempdir().unwrap();
            unpack_reader(&deb[..], "t.deb", dir.path())
                .unwrap_or_else(|e| panic!("data.tar.{compression}: {e}"));
            let got = std::fs::read(dir.path().join("usr/share/doc/x")).unwrap();
            assert_eq!(got, b"text", "data.tar.{compression}");
        }
        let deb = deb_compressed(&[], "bz2");
        let dir = tempfile::tempdir().unwrap();
        let err = unpack_reader(&deb[..], "t.deb", dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.deb: unsupported data archive `data.tar.bz2`"
        );
    }

    #[test]
    fn parent_dir_entries_are_refused() {
        let deb = deb_with(&[("./../escape", tar::EntryType::Regular, b"x", None)]);
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("d");
        let err = unpack_reader(&deb[..], "evil.deb", &inner).unwrap_err();
        assert_eq!(
            err.to_string(),
            "evil.deb: entry `./../escape` would be written outside the destination"
        );
        assert!(!dir.path().join("escape").exists());
    }

    #[test]
    fn writing_through_a_symlink_out_of_the_tree_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().to_str().unwrap().to_owned();
        let deb = deb_with(&[
            ("./link", tar::EntryType::Symlink, b"", Some(&target)),
            ("./link/owned", tar::EntryType::Regular, b"x", None),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let err = unpack_reader(&deb[..], "evil.deb", dir.path()).unwrap_err();
        assert!(matches!(err, DebError::Traversal { .. }), "{err}");
        assert!(!outside.path().join("owned").exists());
    }

    #[test]
    fn a_non_deb_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = unpack_reader(&b"hello"[..], "x.deb", dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("x.deb: not a Debian package"),
            "{err}"
        );
    }
}
