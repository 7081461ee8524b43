//! Builtins: derivation.

use super::Builtin;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[];
