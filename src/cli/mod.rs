//! The command line: argv → typed settings → one verb's `run`.
//!
//! One file per verb; each `run` is a short recipe calling into the domain modules. The
//! binary is multi-call: under the name `nix-instantiate` or `nix-store` it parses that
//! program's own flags instead of denv's.
//!
//! Exit codes: 0 success, 1 the user's command failed, 2 usage or configuration error.

mod build;
mod completions;
mod fetch_closure;
mod search;
mod show;
mod update;
mod eval;
mod gc;
mod instantiate;
mod nix_instantiate;
mod nix_store;
mod store;

use std::ffi::OsString;

use clap::{Parser, Subcommand};

/// The exit code for a command that ran and failed.
pub const EXIT_FAILURE: u8 = 1;
/// The exit code for a usage or configuration error.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "denv",
    version,
    about = "Developer environments with Nix semantics built in"
)]
struct Cli {
    /// More diagnostic output on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the derivations of a Nix expression and link ./result.
    Build(build::Args),
    /// Print shell completions for denv.
    Completions(completions::Args),
    /// Resolve, fetch and unpack a package closure (development and benchmarks).
    #[command(hide = true)]
    FetchClosure(fetch_closure::Args),
    /// Search the package channels by name and description.
    Search(search::Args),
    /// Show a package's versions, description and dependencies.
    Show(show::Args),
    /// Fetch and verify the package indexes of every channel.
    Update(update::Args),
    /// Inspect and manipulate the store.
    Store(store::Args),
    /// Delete store paths that no root reaches.
    Gc(gc::Args),
    /// Nix's `nix-store` command line, run against denv's store.
    #[command(disable_help_flag = true)]
    NixStore {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Evaluate a Nix expression or file and print its value.
    Eval(eval::Args),
    /// Nix's nix-instantiate (also available under that name).
    #[command(name = "nix-instantiate", disable_help_flag = true)]
    NixInstantiate {
        /// nix-instantiate's own arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

/// Runs denv with the full argv (including argv[0]) and returns the exit code.
pub fn main(args: Vec<OsString>) -> u8 {
    if store::invoked_as(&args, "nix-store") {
        return nix_store::main(args.into_iter().skip(1).collect());
    }
    let program = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned());
    if program.as_deref() == Some("nix-instantiate") {
        return nix_instantiate::main(args.into_iter().skip(1).collect());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return clap_exit(err),
    };
    let Cli {
        verbose: _,
        command,
    } = cli;
    match command {
        Command::Build(args) => build::run(args),
        Command::Completions(args) => completions::run(args),
        Command::FetchClosure(args) => fetch_closure::run(args),
        Command::Search(args) => search::run(args),
        Command::Show(args) => show::run(args),
        Command::Update(args) => update::run(args),
        Command::Store(args) => store::run(args),
        Command::Gc(args) => gc::run(args),
        Command::NixStore { args } => nix_store::main(args),
        Command::Eval(args) => eval::run(args),
        Command::NixInstantiate { args } => nix_instantiate::main(args),
    }
}

/// Prints a clap error or help text and maps it to an exit code.
fn clap_exit(err: clap::Error) -> u8 {
    let code = if err.use_stderr() { EXIT_USAGE } else { 0 };
    // Printing help to a closed pipe is not an error worth reporting.
    let _ = err.print();
    code
}

/// Sets up `tracing` for developers: `RUST_LOG` picks what is shown, on stderr.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}
