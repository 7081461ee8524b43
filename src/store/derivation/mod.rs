//! Derivations: the model, Nix's ATerm `.drv` format (printing is byte-identical to Nix,
//! parsing is strict), hashDerivationModulo, and the `derivationStrict` pipeline that turns
//! an evaluated `derivation { … }` into a `.drv` path and output paths.
//!
//! ```text
//! DerivationRequest ─instantiate─► outputs blanked ─hash_modulo─► output paths
//!        ─► filled Derivation ─to_aterm─► .drv text ─text_path─► .drv path
//! ```
//!
//! A [`Derivation`]'s maps are ordered the way Nix orders them (byte order of names and
//! paths), so printing never needs to sort.

mod aterm;
mod modulo;
mod strict;

use std::collections::{BTreeMap, BTreeSet};

pub use modulo::{DrvHashes, DrvLoader, FsLoader};
pub use strict::{DerivationRequest, Instantiated, fixed_output_from_attrs, instantiate};

use super::address::FixedOutputHash;
use super::hash::HashError;
use super::path::{PathError, StorePath};

/// One output of a derivation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivationOutput {
    /// The output's store path; `None` while it is blanked for hashing.
    pub path: Option<StorePath>,
    /// Present for a fixed-output derivation's `out`.
    pub fixed: Option<FixedOutputHash>,
}

/// A derivation as stored in a `.drv` file, plus its name (which the file does not hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    pub name: String,
    pub outputs: BTreeMap<String, DerivationOutput>,
    /// Input derivations and which of their outputs are used.
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    /// Input sources (plain store paths).
    pub input_srcs: BTreeSet<StorePath>,
    pub platform: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
}

impl Derivation {
    /// The fixed-output hash when this is a fixed-output derivation (one output `out`
    /// with a hash).
    pub fn fixed_output(&self) -> Option<&FixedOutputHash> {
        match self.outputs.iter().next() {
            Some((name, out)) if self.outputs.len() == 1 && name == "out" => out.fixed.as_ref(),
            _ => None,
        }
    }

    /// The output paths by output name (outputs still blanked are left out).
    pub fn output_paths(&self) -> BTreeMap<String, StorePath> {
        self.outputs
            .iter()
            .filter_map(|(n, o)| o.path.clone().map(|p| (n.clone(), p)))
            .collect()
    }

    /// The references a `.drv` file has: its input sources and input derivations.
    pub fn references(&self) -> BTreeSet<StorePath> {
        self.input_srcs
            .iter()
            .chain(self.input_drvs.keys())
            .cloned()
            .collect()
    }
}

/// Why a derivation could not be built, printed or read.
#[derive(Debug, thiserror::Error)]
pub enum DerivationError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("invalid derivation '{name}': {reason}")]
    Invalid { name: String, reason: String },
    #[error("cannot parse derivation '{name}' at byte {offset}: {reason}")]
    Parse {
        name: String,
        offset: usize,
        reason: String,
    },
    #[error("cannot read derivation '{path}'")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests;
