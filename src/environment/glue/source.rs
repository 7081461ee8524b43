//! Copying a path from disk into the store (`"${./src}"`, `builtins.path`,
//! `filterSource`): a recursive (NAR) sha256 source path, or a flat one with
//! `recursive = false`, exactly as Nix names them.
//!
//! A filter sees every entry below the root (never the root itself, as in Nix); a
//! filtered tree is first copied to a temporary directory, so the store only ever
//! hashes and copies a finished tree.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{Glue, GlueError, io_at};
use crate::eval::glue::{AddPath, PathFilter};
use crate::eval::{EvalError, FileType};
use crate::store::address;
use crate::store::hash::Hasher;
use crate::store::{FixedOutputHash, Hash, HashAlgo, IngestionMethod, StorePath};

pub(super) fn add_path(
    glue: &Glue,
    req: &AddPath<'_>,
    filter: Option<PathFilter<'_>>,
) -> Result<StorePath, EvalError> {
    crate::store::path::check_name(req.name).map_err(|e| GlueError::from(e).into_eval())?;
    let key = (req.path.to_path_buf(), req.name.to_owned(), req.recursive);
    let cacheable = filter.is_none() && req.sha256.is_none();
    if cacheable && let Some(p) = glue.memory.borrow().sources.get(&key) {
        return Ok(p.clone());
    }
    let method = if req.recursive {
        IngestionMethod::Recursive
    } else {
        IngestionMethod::Flat
    };
    let staging;
    let filtered;
    let src: &Path = match filter {
        Some(filter) => {
            staging = tempfile::tempdir().map_err(|e| io_at(req.path)(e).into_eval())?;
            filtered = staging.path().join("copy");
            copy_filtered(req.path, &filtered, filter)?;
            &filtered
        }
        None => req.path,
    };
    let expected = match req.sha256 {
        Some(h) => {
            let hash = Hash::parse(h, Some(HashAlgo::Sha256))
                .map_err(|e| GlueError::from(e).into_eval())?;
            let fixed = FixedOutputHash { method, hash };
            Some(
                address::fixed_output_path(&glue.dir, req.name, &fixed, &BTreeSet::new(), false)
                    .map_err(|e| GlueError::from(e).into_eval())?,
            )
        }
        None => None,
    };
    let path = match &glue.store {
        Some(store) => {
            if let Some(e) = &expected
                && store
                    .borrow()
                    .is_valid(e)
                    .map_err(|e| GlueError::from(e).into_eval())?
            {
                return Ok(e.clone());
            }
            store
                .borrow_mut()
                .add_fixed(src, req.name, method, HashAlgo::Sha256)
                .map_err(|e| GlueError::from(e).into_eval())?
        }
        None => compute_path(glue, src, req.name, method).map_err(GlueError::into_eval)?,
    };
    if let Some(e) = expected
        && e != path
    {
        return Err(GlueError::Invalid(format!(
            "store path mismatch in (possibly filtered) path added from '{}'",
            req.path.display()
        ))
        .into_eval());
    }
    if cacheable {
        glue.memory.borrow_mut().sources.insert(key, path.clone());
    }
    Ok(path)
}

/// The store path `src` would get, without writing anything.
pub(crate) fn compute_path(
    glue: &Glue,
    src: &Path,
    name: &str,
    method: IngestionMethod,
) -> Result<StorePath, GlueError> {
    let hash = content_hash(src, method, HashAlgo::Sha256)?;
    let fixed = FixedOutputHash { method, hash };
    Ok(address::fixed_output_path(
        &glue.dir,
        name,
        &fixed,
        &BTreeSet::new(),
        false,
    )?)
}

/// The hash of a file's bytes (flat) or of a tree's NAR (recursive).
pub(crate) fn content_hash(
    src: &Path,
    method: IngestionMethod,
    algo: HashAlgo,
) -> Result<Hash, GlueError> {
    let mut h = Hasher::new(algo);
    match method {
        IngestionMethod::Recursive => {
            crate::store::nar::dump_path(src, &mut std::io::BufWriter::new(&mut h))?;
        }
        IngestionMethod::Flat => {
            let meta = fs::symlink_metadata(src).map_err(io_at(src))?;
            if !meta.is_file() {
                return Err(GlueError::Invalid(format!(
                    "'{}' is not a regular file, so it cannot be added flat",
                    src.display()
                )));
            }
            let mut f = fs::File::open(src).map_err(io_at(src))?;
            std::io::copy(&mut f, &mut h).map_err(io_at(src))?;
        }
    }
    Ok(h.finish())
}

fn file_type(meta: &fs::Metadata) -> FileType {
    let ft = meta.file_type();
    if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

/// Copies `src` to `dst`, keeping below the root only what `filter` accepts.
fn copy_filtered(src: &Path, dst: &Path, filter: PathFilter<'_>) -> Result<(), EvalError> {
    let meta = fs::symlink_metadata(src).map_err(|e| io_at(src)(e).into_eval())?;
    copy_node(src, dst, &meta, filter)
}

fn copy_node(
    src: &Path,
    dst: &Path,
    meta: &fs::Metadata,
    filter: &mut dyn FnMut(&Path, FileType) -> Result<bool, EvalError>,
) -> Result<(), EvalError> {
    let err = |e: std::io::Error| {
        GlueError::Io {
            path: src.to_path_buf(),
            source: e,
        }
        .into_eval()
    };
    match file_type(meta) {
        FileType::Directory => {
            fs::create_dir(dst).map_err(err)?;
            let mut names: Vec<_> = fs::read_dir(src)
                .map_err(err)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()
                .map_err(err)?;
            names.sort();
            for name in names {
                let child = src.join(&name);
                let child_meta = fs::symlink_metadata(&child).map_err(err)?;
                if filter(&child, file_type(&child_meta))? {
                    copy_node(&child, &dst.join(&name), &child_meta, filter)?;
                }
            }
        }
        FileType::Symlink => {
            let target = fs::read_link(src).map_err(err)?;
            std::os::unix::fs::symlink(target, dst).map_err(err)?;
        }
        FileType::Regular => {
            fs::copy(src, dst).map_err(err)?;
            let mode = if meta.permissions().mode() & 0o100 != 0 {
                0o755
            } else {
                0o644
            };
            fs::set_permissions(dst, fs::Permissions::from_mode(mode)).map_err(err)?;
        }
        FileType::Unknown => {
            return Err(GlueError::Invalid(format!(
                "file '{}' has an unsupported type",
                src.display()
            ))
            .into_eval());
        }
    }
    Ok(())
}
