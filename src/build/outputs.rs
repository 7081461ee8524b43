//! After a builder succeeded: checking a fixed output's hash, and registering the
//! outputs together with the references found by scanning.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::{BuildError, io_at};
use crate::store::hash::Hasher;
use crate::store::refs;
use crate::store::{BuiltOutput, FixedOutputHash, HashFormat, IngestionMethod, Store, StorePath};

/// Compares a fixed output with its declared hash.
pub(super) fn check_fixed(
    drv: &str,
    fixed: &FixedOutputHash,
    out: &Path,
) -> Result<(), BuildError> {
    let mut h = Hasher::new(fixed.hash.algo());
    match fixed.method {
        IngestionMethod::Recursive => {
            crate::store::nar::dump_path(out, &mut std::io::BufWriter::new(&mut h)).map_err(
                |e| BuildError::Io {
                    path: out.to_path_buf(),
                    source: std::io::Error::other(e),
                },
            )?;
        }
        IngestionMethod::Flat => {
            let meta = fs::symlink_metadata(out).map_err(io_at(out))?;
            if !meta.is_file() {
                return Err(BuildError::Io {
                    path: out.to_path_buf(),
                    source: std::io::Error::other(
                        "the output of a flat fixed-output derivation must be a regular file",
                    ),
                });
            }
            let mut f = fs::File::open(out).map_err(io_at(out))?;
            std::io::copy(&mut f, &mut h).map_err(io_at(out))?;
        }
    }
    let got = h.finish();
    if got != fixed.hash {
        return Err(BuildError::HashMismatch {
            drv: drv.to_owned(),
            specified: fixed.hash.to_typed_string(HashFormat::Sri),
            got: got.to_typed_string(HashFormat::Sri),
        });
    }
    Ok(())
}

/// Registers the outputs a builder left at `built` (output name → location on disk) with
/// the references found by scanning, all in one store transaction: a failure (or a kill)
/// part-way leaves none of them valid. Outputs that refer to each other in a cycle are
/// refused, as Nix refuses them.
pub(super) fn register(
    store: &mut Store,
    drv_path: &StorePath,
    paths: &BTreeMap<String, StorePath>,
    built: &BTreeMap<String, PathBuf>,
    inputs: &BTreeSet<StorePath>,
) -> Result<(), BuildError> {
    let own: BTreeSet<StorePath> = paths.values().cloned().collect();
    let mut candidates = inputs.clone();
    candidates.extend(own.iter().cloned());
    let mut outputs = Vec::new();
    let mut pending: BTreeMap<StorePath, BTreeSet<StorePath>> = BTreeMap::new();
    for (name, path) in paths {
        let Some(at) = built.get(name) else { continue };
        let mut others = refs::scan(at, &own)?;
        others.remove(path);
        pending.insert(path.clone(), others);
        outputs.push(BuiltOutput {
            built: at.clone(),
            path: path.clone(),
        });
    }
    // Peel off outputs whose references to siblings are all settled; what stays is a cycle.
    while !pending.is_empty() {
        let ready: Vec<StorePath> = pending
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !pending.contains_key(d)))
            .map(|(p, _)| p.clone())
            .collect();
        if ready.is_empty() {
            return Err(BuildError::OutputCycle(store.dir().display(drv_path)));
        }
        for path in ready {
            pending.remove(&path);
        }
    }
    store.register_outputs(&outputs, &candidates, Some(drv_path))?;
    Ok(())
}

/// Removes a tree a failed build left behind, even where it is read-only.
pub(super) fn remove_tree(path: &Path) -> Result<(), BuildError> {
    Ok(crate::store::remove_tree(path)?)
}
