//! `denv store …`: inspect and manipulate denv's content-addressed store.

pub(super) mod ops;

pub(super) use ops::finish;

use std::path::PathBuf;

/// `denv gc` shares the store commands' printing.
pub fn ops_gc(
    store: Option<&std::path::Path>,
    options: crate::store::GcOptions,
) -> ops::Result<()> {
    ops::gc(store, options)
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store directory (default: `DENV_STORE`, `NIX_STORE_DIR`, or the data dir's).
    #[arg(long, global = true, value_name = "DIR")]
    store: Option<PathBuf>,
    #[command(subcommand)]
    command: StoreCommand,
}

#[derive(Debug, clap::Subcommand)]
enum StoreCommand {
    /// Add files or directories to the store (as `nix-store --add`); prints their paths.
    Add {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Store path name (default: the file's own name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Write the NAR serialisation of a path to stdout (as `nix-store --dump`).
    Dump {
        /// The file or directory to serialise (need not be in the store).
        path: PathBuf,
    },
    /// Print the hash of the NAR serialisation of paths (as `nix hash path`): what a
    /// recursive fixed-output derivation or `narHash` names. Nothing is written.
    Hash {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The hash algorithm: md5, sha1, sha256 or sha512.
        #[arg(long = "type", default_value = "sha256", value_parser = parse_algo)]
        algo: crate::store::HashAlgo,
        /// How to print the hash.
        #[arg(long, value_enum, default_value = "sri")]
        format: PrintedHash,
    },
    /// Recreate a file tree at PATH from a NAR read on stdin (as `nix-store --restore`).
    Restore {
        /// Where to create the tree; must not exist.
        path: PathBuf,
    },
    /// Show what the store knows about paths.
    PathInfo {
        #[arg(required = true)]
        paths: Vec<String>,
        /// Print JSON (like `nix path-info --json`).
        #[arg(long)]
        json: bool,
        /// Include the closure of each path.
        #[arg(short, long)]
        recursive: bool,
    },
    /// Print the paths a store path refers to.
    References { path: String },
    /// Print the valid paths that refer to a store path.
    Referrers { path: String },
    /// Check that valid paths have the contents that were registered.
    Verify {
        /// Paths to check (default: all).
        paths: Vec<String>,
        /// Remove damaged paths that nothing refers to, so they can be recreated.
        #[arg(long)]
        repair: bool,
    },
    /// Delete paths that no root reaches and nothing else refers to.
    Delete {
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Print the build log of a derivation or of a path built from one.
    Log { path: String },
    /// Write paths in `nix-store --export` format to stdout.
    Export {
        #[arg(required = true)]
        paths: Vec<String>,
        /// Export the closure of the paths.
        #[arg(short, long)]
        recursive: bool,
    },
    /// Add the paths of a `nix-store --export` stream read on stdin.
    Import,
    /// List the files inside a store path.
    Ls {
        path: String,
        /// Include sizes and symlink targets.
        #[arg(short, long)]
        long: bool,
    },
}

/// The encodings `denv store hash` prints.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PrintedHash {
    /// `sha256-<base64>`
    Sri,
    Base16,
    /// Nix's own base32
    Nix32,
    Base64,
}

impl From<PrintedHash> for crate::store::HashFormat {
    fn from(format: PrintedHash) -> Self {
        match format {
            PrintedHash::Sri => Self::Sri,
            PrintedHash::Base16 => Self::Base16,
            PrintedHash::Nix32 => Self::Nix32,
            PrintedHash::Base64 => Self::Base64,
        }
    }
}

fn parse_algo(text: &str) -> std::result::Result<crate::store::HashAlgo, String> {
    text.parse::<crate::store::HashAlgo>()
        .map_err(|e| e.to_string())
}

pub fn run(args: Args) -> u8 {
    let Args { store, command } = args;
    let store = store.as_deref();
    let result = match command {
        StoreCommand::Add { paths, name } => ops::add(store, &paths, name.as_deref()),
        StoreCommand::Dump { path } => ops::dump(&path),
        StoreCommand::Hash {
            paths,
            algo,
            format,
        } => ops::hash(&paths, algo, format.into()),
        StoreCommand::Restore { path } => ops::restore(&path),
        StoreCommand::PathInfo {
            paths,
            json,
            recursive,
        } => ops::path_info(store, &paths, json, recursive),
        StoreCommand::References { path } => ops::references(store, &path),
        StoreCommand::Referrers { path } => ops::referrers(store, &path),
        StoreCommand::Verify { paths, repair } => ops::verify(store, &paths, repair),
        StoreCommand::Delete { paths } => ops::delete(store, &paths),
        StoreCommand::Log { path } => ops::log(store, &path),
        StoreCommand::Export { paths, recursive } => ops::export(store, &paths, recursive),
        StoreCommand::Import => ops::import(store),
        StoreCommand::Ls { path, long } => ops::ls(store, &path, long),
    };
    finish(result)
}
