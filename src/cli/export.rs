//! `denv export bash|zsh|fish|json`: print the shell code that brings the current shell to
//! the environment of the nearest allowed project (usually nothing). Run by the prompt hook.
//!
//! This is the hot path: when the loaded project's fingerprint still holds it returns after
//! a few `stat`s, before resolving any directory, parsing any file or opening anything.
//! (The hook usually does not even get here: see [`crate::shell::prompt`].)

use std::path::Path;

use crate::environment::{self, EnvironmentError};
use crate::paths::{Dirs, Overrides};
use crate::shell::diff::{DIFF_VAR, EnvDiff};
use crate::shell::export::{Notice, Sources, decide, unchanged};
use crate::shell::trust::TrustStore;
use crate::shell::{PromptState, ShellKind};
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
    /// Also when nothing changed, print the hook's record of the loaded environment (the
    /// prompt hook asks for it when its shell has none, e.g. a shell started inside an
    /// activated one), so that its next prompts need no process.
    #[arg(long, hide = true)]
    remember: bool,
}

pub fn run(args: Args) -> u8 {
    let Args {
        shell,
        quiet,
        remember,
    } = args;
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
        if let Some(loaded) = loaded.as_ref().filter(|_| remember) {
            let exe = std::env::current_exe().ok();
            let mut code = Vec::new();
            shell
                .renderer()
                .remember(&mut code, &PromptState::of(Some(loaded), exe.as_deref()));
            if let Err(err) = ui::output(&code) {
                ui::error(&err);
                return super::EXIT_FAILURE;
            }
        }
        return 0;
    }
    let trust = TrustStore::new(Dirs::resolve(Overrides::from_env()).trust_dir());
    let sources = Sources {
        resolve: |root: &Path| {
            let mut shown = super::build::Shown::new();
            environment::resolve(root, &mut |e| shown.event(e))
        },
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
    let renderer = shell.renderer();
    let rendered = renderer.render(&outcome.plan).map(|mut code| {
        // The hook's fast path learns what to watch whenever the loaded environment changes.
        let exe = std::env::current_exe().ok();
        if let Some(state) = PromptState::after(&outcome.plan, exe.as_deref()) {
            renderer.remember(&mut code, &state);
        }
        code
    });
    match rendered {
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
