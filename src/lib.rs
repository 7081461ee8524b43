//! denv: developer environments with Nix's semantics built in.
//!
//! ```text
//! denv.toml ─config─► Project ─pkgs─► pinned packages
//!   ─environment─► Nix expression ─eval─► derivations ─store/build─► profile
//!   ─► Environment ─shell─► activated shell      ─supervisor─► services
//! ```
//!
//! Module boundaries are those of `DESIGN.md`: `environment` is the only module that joins
//! config, packages, evaluation, store and builds; `eval`, `store` and `supervisor` import
//! no siblings; `paths` and `net` (the HTTP client) are leaves anyone may import; `ui`
//! only renders.

pub mod build;
pub mod cli;
pub mod config;
pub mod environment;
pub mod eval;
pub mod net;
pub mod paths;
pub mod pkgs;
pub mod shell;
pub mod store;
pub mod ui;
