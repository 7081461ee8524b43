//! Realising derivations: the pure pieces the builder runs on Debian packages.
//!
//! `deb` unpacks a `.deb`'s data archive into a directory (no maintainer scripts);
//! `elf` rewrites an ELF file's interpreter and library search path so a binary from the
//! archive runs from the store with nothing from `/usr`.

pub mod deb;
pub mod elf;
