//! The `denv` binary: parse the command line, set up logging, run, exit.
//!
//! This is the only place that exits the process. The binary is multi-call: invoked as
//! `nix-instantiate` or `nix-store` (through a symlink) it behaves as that front end.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    denv::cli::init_logging();
    let code = denv::cli::main(args);
    ExitCode::from(code)
}
