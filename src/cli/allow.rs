//! `denv allow [PATH]`, `denv allow --list`: trust a project to change the shell.

use std::path::{Path, PathBuf};

use crate::config;
use crate::paths::{Dirs, Overrides};
use crate::shell::ShellError;
use crate::shell::trust::{Trust, TrustStore};
use crate::ui;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project directory or its denv.toml (default: the nearest one above the current
    /// directory).
    path: Option<PathBuf>,
    /// List the allowed projects instead.
    #[arg(long, conflicts_with = "path")]
    list: bool,
    /// With --list: print JSON.
    #[arg(long, requires = "list")]
    json: bool,
}

pub fn run(args: Args) -> u8 {
    let Args { path, list, json } = args;
    let trust = TrustStore::new(Dirs::resolve(Overrides::from_env()).trust_dir());
    let result = if list {
        trust.list().map(|entries| {
            let text = if json {
                let items: Vec<serde_json::Value> = entries
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "path": e.root.to_string_lossy(),
                            "trusted": e.trust == Trust::Allowed,
                        })
                    })
                    .collect();
                format!("{}\n", serde_json::Value::Array(items))
            } else {
                entries
                    .iter()
                    .map(|e| {
                        let state = if e.trust == Trust::Allowed {
                            "allowed"
                        } else {
                            "changed"
                        };
                        format!("{state}\t{}\n", e.root.display())
                    })
                    .collect()
            };
            let _ = ui::output(text.as_bytes());
        })
    } else {
        locate(path.as_deref()).and_then(|root| {
            trust.allow(&root)?;
            ui::note(&format!("allowed {}", root.display()));
            // Trusted either way; saying now what the next prompt would only hint at.
            if let Err(err) = config::load(&root) {
                ui::warning(&err.to_string());
            }
            Ok(())
        })
    };
    match result {
        Ok(()) => 0,
        Err(err) => {
            ui::error(&err);
            super::EXIT_FAILURE
        }
    }
}

/// The project a PATH argument names: a `denv.toml` file's directory, or the nearest
/// project at or above a directory (the current one by default).
pub(super) fn locate(path: Option<&Path>) -> Result<PathBuf, ShellError> {
    let cwd = std::env::current_dir().map_err(|source| ShellError::Io {
        action: "find",
        path: PathBuf::from("."),
        source,
    })?;
    let start = match path {
        Some(p) if p.is_file() => p.parent().map_or(cwd.clone(), |d| cwd.join(d)),
        Some(p) => cwd.join(p),
        None => cwd,
    };
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    config::find_root(&start).ok_or(ShellError::NoProject { dir: start })
}
