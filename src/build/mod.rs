//! The builder: realises `.drv` closures in the store.
//!
//! ```text
//! goals ─plan─► derivations whose outputs are missing, with their dependency edges
//!   ─schedule─► up to N jobs at once, each after its inputs:
//!        lock outputs ─► still missing? ─► job: temp build dir, scrubbed env, own process
//!        group (sandboxed in namespaces when the kernel allows) or a builtin builder
//!        ─► outputs present? fixed-output hash right? ─► register (references scanned)
//! ```
//!
//! Invariants: nothing is registered for a failed build (its partial outputs are deleted
//! or left invalid, never valid); an output path is only written while this process holds
//! its store lock, so two processes realising the same closure build each path once; every
//! builder dies with the build (Ctrl-C, a failure elsewhere) because it runs in its own
//! process group that is killed as a whole.
//!
//! `deb` unpacks a `.deb`'s data archive into a directory (no maintainer scripts) and
//! `elf` rewrites an ELF file's interpreter and library search path, so that a binary from
//! the archive runs from the store with nothing from `/usr`; `overrides` holds, as data,
//! what a package needs beyond that (a Perl module path, a server's program directory).

mod adjust;
mod builtin_deb;
mod builtins;
pub mod deb;
pub mod download;
pub mod elf;
mod env;
mod interrupt;
mod job;
mod outputs;
pub mod overrides;
mod plan;
mod profile;
mod relocate;
mod sandbox;
mod schedule;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use interrupt::Interrupt;
pub use schedule::realise;

use crate::store::StorePath;

/// What to realise: a derivation and the outputs wanted (empty means all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub drv: StorePath,
    pub outputs: BTreeSet<String>,
}

/// Whether builders run in namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxMode {
    /// Sandbox when the kernel allows it, otherwise warn once and build without.
    Auto,
    /// Never sandbox.
    Off,
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Derivations built at the same time.
    pub jobs: usize,
    /// `NIX_BUILD_CORES` for each builder.
    pub cores: usize,
    pub sandbox: SandboxMode,
    /// Host paths visible inside the sandbox (Nix's `sandbox-paths`).
    pub sandbox_paths: Vec<PathBuf>,
    /// Log lines quoted when a build fails.
    pub log_tail: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        BuildOptions {
            jobs: 1,
            cores,
            sandbox: SandboxMode::Auto,
            sandbox_paths: ["/bin", "/lib", "/lib64", "/usr"]
                .iter()
                .map(PathBuf::from)
                .collect(),
            log_tail: 10,
        }
    }
}

/// What the builder reports while it works.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// The plan: how many derivations will be built, and which of them are downloads
    /// (`builtin:fetchurl`), with their size when the derivation states it.
    Planned {
        builds: usize,
        downloads: Vec<(String, Option<u64>)>,
    },
    /// A builder started.
    Started { drv: String },
    /// A download's bytes so far (resumed ones included) and its total when known.
    Downloading {
        drv: String,
        done: u64,
        total: Option<u64>,
    },
    /// One line of a builder's output.
    Log { drv: String, line: String },
    /// A derivation's outputs are registered.
    Built { drv: String },
    /// Another process built it meanwhile.
    BuiltElsewhere { drv: String },
    /// Something the user should know (printed as a warning).
    Warning(String),
}

/// The realised outputs: `.drv` → output name → output path.
pub type Realised = BTreeMap<StorePath, BTreeMap<String, StorePath>>;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Derivation(#[from] crate::store::derivation::DerivationError),
    #[error("builder for '{drv}' {status};\nlast {} log lines:\n{}\nFor full logs, run 'denv store log {drv}'.", .tail.len(), tail_text(.tail))]
    Failed {
        drv: String,
        status: String,
        tail: Vec<String>,
    },
    #[error(
        "hash mismatch in fixed-output derivation '{drv}':\n  specified: {specified}\n     got:    {got}"
    )]
    HashMismatch {
        drv: String,
        specified: String,
        got: String,
    },
    #[error("builder for '{drv}' failed to produce output path for output '{output}' at '{path}'")]
    MissingOutput {
        drv: String,
        output: String,
        path: String,
    },
    #[error("derivation '{drv}' wants output '{output}', which it does not have")]
    NoSuchOutput { drv: String, output: String },
    #[error("cycle detected in the references of the outputs of '{0}'")]
    OutputCycle(String),
    #[error("unsupported builtin builder '{builder}' of '{drv}'")]
    UnknownBuiltin { drv: String, builder: String },
    #[error("builtin:fetchurl of '{drv}' failed")]
    Download {
        drv: String,
        #[source]
        source: download::DownloadError,
    },
    #[error("cannot start the builder of '{drv}'")]
    Spawn {
        drv: String,
        #[source]
        source: std::io::Error,
    },
    #[error("I/O error on '{path}'")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("derivation '{drv}' is for system '{system}', but this machine builds '{host}'")]
    WrongSystem {
        drv: String,
        system: String,
        host: String,
    },
    #[error("build interrupted")]
    Interrupted,
    #[error(transparent)]
    Overrides(#[from] overrides::OverrideError),
}

fn tail_text(tail: &[String]) -> String {
    tail.iter()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Attaches a path to an I/O error.
pub(crate) fn io_at(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    }
}
