//! denv's content-addressed store: Nix's algorithms (nixbase32, hashes, NAR, store-path
//! computation, derivations) and the on-disk store with its database of valid paths,
//! per-path locks, GC roots and garbage collector.
//!
//! ```text
//! pure:     nixbase32 ─ hash ─ path ─ nar ─ address ─ derivation      (no I/O but NAR's)
//! on disk:  Store { dir, db } ─ add / register (temp → read-only → fsync → rename → DB)
//!                             ─ locks, roots, gc, export/import
//! ```
//!
//! Invariant: a path is valid only when the database says so, and the database says so only
//! after its complete, read-only contents were renamed into place. This module imports no
//! sibling module except `paths`.
//!
//! How the rest of denv uses it:
//! - the evaluator's glue computes paths without touching disk ([`address`],
//!   [`derivation::instantiate`] with a [`DrvHashes`] memo) and writes them with
//!   [`Store::add_path`], [`Store::add_fixed`], [`Store::add_text`],
//!   [`Store::add_derivation`];
//! - the builder takes [`Store::gc_shared`] and [`Store::lock_path`] for an output, checks
//!   [`Store::is_valid`] again, builds under [`Store::temp_name`], then
//!   [`Store::register_built`] (references scanned, deriver recorded) and
//!   [`Store::add_perm_root`] for `--out-link`; logs go to [`Store::log_file`];
//! - environments root their profiles with [`Store::add_perm_root`] /
//!   [`Store::add_indirect_root`]; `denv gc` calls [`Store::collect_garbage`].

pub mod address;
mod db;
pub mod derivation;
mod error;
mod export;
mod fsops;
mod gc;
pub mod hash;
mod local;
pub mod lock;
pub mod nar;
pub mod nixbase32;
pub mod path;
pub mod refs;
mod roots;
mod verify;

pub use address::{FixedOutputHash, IngestionMethod};
pub use derivation::{Derivation, DerivationOutput, DerivationRequest, DrvHashes, Instantiated};
pub use fsops::remove_tree;
pub use hash::{Hash, HashAlgo, HashFormat};
pub use path::{StoreDir, StorePath};

pub use db::PathInfo;
pub use error::StoreError;
pub use gc::{GcOptions, GcReport};
pub use local::{BuiltOutput, Store};
pub use lock::Lock;
pub use verify::Damage;
