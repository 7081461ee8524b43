//! The store against real Nix: store paths, NAR bytes, `.drv` files and output paths must
//! equal what `nix-store` and `nix-instantiate` produce in the same run, and denv's own
//! store must survive crashes, concurrency and garbage collection.

#[path = "store/disk.rs"]
mod disk;
#[path = "store/fetch_git.rs"]
mod fetch_git;
#[path = "store/oracle.rs"]
mod oracle;
#[path = "store/outputs.rs"]
mod outputs;
#[path = "store/paths_vs_nix.rs"]
mod paths_vs_nix;
