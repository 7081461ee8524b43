//! The `denv` binary: parse the command line, set up logging, run, exit.
//!
//! This is the only place that exits the process. The binary is multi-call: invoked as
//! `nix-instantiate` or `nix-store` (through a symlink) it behaves as that front end.

use std::process::ExitCode;

// The evaluator allocates many small, short-lived objects; mimalloc is markedly faster at
// that than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    denv::cli::init_logging();
    let code = denv::cli::main(args);
    ExitCode::from(code)
}
