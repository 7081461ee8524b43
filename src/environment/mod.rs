//! The join point of denv: `denv.toml` → Nix expression → derivations → realised profile.
//!
//! [`glue`] plugs the store into the evaluator (the builtins that copy sources, write
//! `.drv` files and fetch) and offers [`glue::instantiate`]-style entry points that
//! evaluate an expression, write its derivations and hand them to the builder.

pub mod denv;
pub mod glue;
