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

pub mod address;
pub mod derivation;
pub mod hash;
pub mod nar;
pub mod nixbase32;
pub mod path;

pub use address::{FixedOutputHash, IngestionMethod};
pub use derivation::{Derivation, DerivationOutput, DerivationRequest, DrvHashes, Instantiated};
pub use hash::{Hash, HashAlgo, HashFormat};
pub use path::{StoreDir, StorePath};
