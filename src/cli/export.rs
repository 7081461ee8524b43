//! `denv export bash|zsh|fish|json`: print the shell code that brings the current shell to
//! the environment of the nearest allowed project (usually nothing). Run by the prompt hook.
//!
//! This is the hot path: when the loaded project's fingerprint still holds it returns after
//! a few `stat`s, before resolving any directory, parsing any file or opening anything.

use std::path::Path;

use crate::environment::{self, EnvironmentError};
use crate::paths::{Dirs, Overrides};
use crate::shell::ShellKind;
use crate::shell::diff::{DIFF_VAR, EnvDiff};
use crate::shell::export::{Notice, Sources, decide, unchanged};
use crate::shell::trust::TrustStore;
use crate::{config, ui};

/// The dialects `export` can print.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportShell {
    Bash,
    Zsh,
    Fish,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to print code for.
    shell: ExportShell,
    /// Print no notices on stderr (the hook's on-`cd` call: the prompt's call that follows
    /// reports them once).
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> u8 {
    let Args { shell, quiet } = args;
    let shell = match shell {
        ExportShell::Bash => ShellKind::Bash,
        ExportShell::Zsh => ShellKind::Zsh,
        ExportShell::Fish => ShellKind::Fish,
        ExportShell::Json => ShellKind::Json,
    };
    // A deleted working directory: nothing sensible to change until the user moves.
    let Ok(cwd) = std::env::current_dir() else {
        return 0;
    };
    let nearest = config::find_root(&cwd);
    let loaded = std::env::var_os(DIFF_VAR).and_then(|v| EnvDiff::decode(&v));
    if unchanged(loaded.as_ref(), nearest.as_deref()) {
        return 0;
    }
    let trust = TrustStore::new(Dirs::resolve(Overrides::from_env()).trust_dir());
    let sources = Sources {
        resolve: |root: &Path| environment::resolve(root, &mut super::build::show_event),
        check: |root: &Path| config::load(root).map(drop).map_err(EnvironmentError::from),
    };
    let current = |name: &str| std::env::var_os(name);
    let outcome = match decide(
        &current,
        loaded.as_ref(),
        nearest.as_deref(),
        &trust,
        sources,
    ) {
        Ok(outcome) => outcome,
        Err(err) => {
            ui::error(&err);
            return super::EXIT_FAILURE;
        }
    };
    for notice in outcome.notices.iter().filter(|_| !quiet) {
        ui::note(&notice_text(notice));
    }
    match shell.renderer().render(&outcome.plan) {
        Ok(code) => match ui::output(&code) {
            Ok(()) => 0,
            Err(err) => {
                ui::error(&err);
                super::EXIT_FAILURE
            }
        },
        Err(err) => {
            ui::error(&err);
            super::EXIT_FAILURE
        }
    }
}

/// One line per notice: the prompt is no place for a paragraph.
fn notice_text(notice: &Notice) -> String {
    match notice {
        Notice::Untrusted { root, changed } => {
            let file = root.join(config::PROJECT_FILE);
            let why = if *changed {
                "changed since it was allowed"
            } else {
                "is not allowed"
            };
            format!("{} {why}; run `denv allow` to trust it", file.display())
        }
        Notice::Failed { message, .. } => {
            let first = message.lines().next().unwrap_or_default();
            let hint = message
                .lines()
                .find_map(|l| l.split_once("= hint: ").map(|(_, h)| format!("; {h}")))
                .unwrap_or_default();
            format!("{first}{hint} (environment left as it was)")
        }
    }
}
