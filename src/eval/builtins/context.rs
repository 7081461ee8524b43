//! Builtins: context.

use super::Builtin;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[];
