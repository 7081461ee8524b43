//! Running real Nix against a throwaway store, and denv against its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary Nix store (`NIX_STORE_DIR`, `NIX_STATE_DIR`, `NIX_LOG_DIR` inside a temp dir).
pub struct NixStore {
    pub root: tempfile::TempDir,
}

impl NixStore {
    pub fn new() -> Self {
        NixStore {
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn store_dir(&self) -> PathBuf {
        self.root.path().join("store")
    }

    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("NIX_STORE_DIR", self.store_dir())
            .env("NIX_STATE_DIR", self.root.path().join("state"))
            .env("NIX_LOG_DIR", self.root.path().join("log"))
            .env_remove("NIX_REMOTE")
            .env_remove("DENV_STORE");
        c
    }

    /// Runs a Nix program and returns its trimmed stdout; panics with stderr on failure.
    pub fn run(&self, program: &str, args: &[&str]) -> String {
        stdout_of(self.command(program).args(args).output().expect("run nix"))
    }
}

pub fn stdout_of(out: Output) -> String {
    assert!(
        out.status.success(),
        "command failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim_end()
        .to_owned()
}

/// The denv binary with its store at `store` (and its data dir beside it).
pub fn denv(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_denv"));
    c.env("DENV_STORE", store)
        .env("DENV_DATA_DIR", store.with_file_name("data"))
        .env_remove("NIX_STORE_DIR");
    c
}
