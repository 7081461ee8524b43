//! From a project to an [`model::Environment`]: the join point between the project file,
//! packages, evaluation and the store.
//!
//! ```text
//! denv.toml ─config::load─► Project ─profile::realise─► profile path (packages)
//!                                   └─model::Environment::from_project─► Environment
//!                                        └─cache (fingerprint of every file read)
//! ```
//! [`resolve`] is the one entry point for activation: it answers from the cache when the
//! fingerprint still holds and recomputes (and re-caches) otherwise.
//!
//! [`glue`] plugs the store into the evaluator (the builtins that copy sources, write
//! `.drv` files and fetch) and offers entry points that evaluate an expression, write its
//! derivations and hand them to the builder.

pub mod cache;
pub mod codec;
pub mod denv;
pub mod glue;
pub mod lower;
pub mod model;
pub mod nixfile;
pub mod pins;
pub mod profile;
mod unknown_packages;

pub use profile::{EnvironmentError, adhoc, resolve};
