//! Builtins of the `serde` family (see the registration notes in `builtins/mod.rs`).

use super::Builtin;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[];
