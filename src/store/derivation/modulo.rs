//! hashDerivationModulo: the hash that names a derivation's outputs.
//!
//! A fixed-output derivation hashes to `sha256("fixed:out:[r:]ALGO:HEX:OUTPATH")`, so
//! changing how it is fetched does not change anything downstream. Any other derivation
//! hashes its ATerm with each input derivation's path replaced by that input's own modulo
//! hash (inputs with equal hashes merge their output sets). Results are memoised per
//! `.drv` path in [`DrvHashes`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Derivation, DerivationError};
use crate::store::hash::{Hash, HashAlgo, HashFormat};
use crate::store::path::{StoreDir, StorePath};

/// Where input derivations not yet memoised are read from.
pub trait DrvLoader {
    fn load(&self, path: &StorePath) -> Result<Derivation, DerivationError>;
}

/// Reads `.drv` files from the store directory on disk.
pub struct FsLoader {
    pub dir: StoreDir,
}

impl DrvLoader for FsLoader {
    fn load(&self, path: &StorePath) -> Result<Derivation, DerivationError> {
        let file = self.dir.to_path(path);
        let text = std::fs::read_to_string(&file).map_err(|source| DerivationError::Read {
            path: file.clone(),
            source,
        })?;
        let name = path.name().strip_suffix(".drv").unwrap_or(path.name());
        Derivation::from_aterm(&self.dir, name, &text)
    }
}

/// Memoised modulo hashes of `.drv` paths (unmasked, as used for inputs).
#[derive(Debug, Default, Clone)]
pub struct DrvHashes {
    memo: HashMap<StorePath, Hash>,
}

impl DrvHashes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the modulo hash of a derivation written at `path`.
    pub fn insert(&mut self, path: StorePath, hash: Hash) {
        self.memo.insert(path, hash);
    }

    /// The memoised hash of a `.drv` path, if known.
    pub fn get(&self, path: &StorePath) -> Option<&Hash> {
        self.memo.get(path)
    }

    /// hashDerivationModulo of `drv`; `mask_outputs` blanks its own output paths (used
    /// while computing them).
    pub fn hash_modulo(
        &mut self,
        dir: &StoreDir,
        drv: &Derivation,
        mask_outputs: bool,
        loader: &dyn DrvLoader,
    ) -> Result<Hash, DerivationError> {
        if let Some(fixed) = drv.fixed_output() {
            let path = drv
                .outputs
                .get("out")
                .and_then(|o| o.path.as_ref())
                .ok_or_else(|| DerivationError::Invalid {
                    name: drv.name.clone(),
                    reason: "fixed output has no path".into(),
                })?;
            let text = format!(
                "fixed:out:{}:{}:{}",
                fixed.method_algo(),
                fixed.hash.encode(HashFormat::Base16),
                dir.display(path)
            );
            return Ok(Hash::digest(HashAlgo::Sha256, text.as_bytes()));
        }
        let mut inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, outs) in &drv.input_drvs {
            let h = self.input_hash(dir, path, loader)?;
            inputs
                .entry(h.encode(HashFormat::Base16))
                .or_default()
                .extend(outs.iter().cloned());
        }
        let text = drv.to_aterm(dir, mask_outputs, Some(&inputs));
        Ok(Hash::digest(HashAlgo::Sha256, text.as_bytes()))
    }

    fn input_hash(
        &mut self,
        dir: &StoreDir,
        path: &StorePath,
        loader: &dyn DrvLoader,
    ) -> Result<Hash, DerivationError> {
        if let Some(h) = self.memo.get(path) {
            return Ok(h.clone());
        }
        let drv = loader.load(path)?;
        let h = self.hash_modulo(dir, &drv, false, loader)?;
        self.memo.insert(path.clone(), h.clone());
        Ok(h)
    }
}
