//! `denv store …`: inspect and manipulate denv's content-addressed store.

use std::io::Write;
use std::path::PathBuf;

use crate::store::nar;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Debug, clap::Subcommand)]
enum StoreCommand {
    /// Write the NAR serialisation of a path to stdout (as `nix-store --dump`).
    Dump {
        /// The file or directory to serialise (need not be in the store).
        path: PathBuf,
    },
    /// Recreate a file tree at PATH from a NAR read on stdin (as `nix-store --restore`).
    Restore {
        /// Where to create the tree; must not exist.
        path: PathBuf,
    },
}

pub fn run(args: Args) -> u8 {
    let Args { command } = args;
    let result = match command {
        StoreCommand::Dump { path } => dump(&path),
        StoreCommand::Restore { path } => restore(&path),
    };
    super::finish(result)
}

fn dump(path: &std::path::Path) -> Result<(), nar::NarError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    nar::dump_path(path, &mut out)?;
    out.flush().map_err(nar::NarError::Stream)
}

fn restore(path: &std::path::Path) -> Result<(), nar::NarError> {
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 20, stdin.lock());
    nar::restore(&mut input, path, nar::RestoreOptions::default())
}
