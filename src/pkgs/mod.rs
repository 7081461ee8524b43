//! Packages from signed Debian archives: channels, the chain of trust, the merged index,
//! dependency resolution, search and aliases.
//!
//! ```text
//! apt config ─sources─► AptConfig ─channel─► Channel (named list of sources)
//!   ─update (fetch + verify: keyring → InRelease → Packages → cache)─► Index
//!   ─aliases + resolve─► Vec<Pinned> (name, version, url, size, sha256, deps)
//!   ─fetch::Fetcher::download_all (size + SHA256 checked)─► .deb files
//! ```
//!
//! For a builder: `AptConfig::load("/")` → `Channel::named(name, &specs, &apt)` →
//! `update::load_or_update(cache_dir, &channel, &fetcher, &progress)` → `Aliases::resolve`
//! per requested name → `resolve(&index, &names, ResolveOptions::default())` gives each
//! package's URL, size and SHA256 (a fixed-output derivation) and its direct
//! dependencies; `Pinned::download` + `Fetcher::download` fetch and check a `.deb`;
//! `build::deb::unpack` and `build::elf::relocate_tree` turn it into a runnable tree.
//!
//! Invariants: nothing from an unverified file is used; the archive host is only ever
//! read from apt's configuration; everything here takes its directories as arguments
//! and never prints (warnings and progress go through [`fetch::Progress`]).

pub mod aliases;
pub mod channel;
pub mod deb822;
pub mod error;
pub mod fetch;
pub mod index;
pub mod relation;
pub mod resolve;
pub mod search;
pub mod sources;
pub mod update;
pub mod verify;
pub mod version;

pub use channel::{Channel, ChannelSpec, DEFAULT_CHANNEL};
pub use error::PkgsError;
pub use fetch::{Download, Fetcher, NoProgress, Progress};
pub use index::{Index, Package};
pub use resolve::{Pinned, ResolveOptions, resolve};
pub use sources::AptConfig;
