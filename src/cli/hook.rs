//! `denv hook bash|zsh|fish`: print the prompt hook to `eval` in a shell's rc file.

use crate::paths::{Dirs, Overrides};
use crate::shell::ShellKind;
use crate::ui;

/// The shells that have a prompt hook.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum HookShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell whose rc file will evaluate the hook.
    shell: HookShell,
}

pub fn run(args: Args) -> u8 {
    let Args { shell } = args;
    let kind = match shell {
        HookShell::Bash => ShellKind::Bash,
        HookShell::Zsh => ShellKind::Zsh,
        HookShell::Fish => ShellKind::Fish,
    };
    // The hook calls denv by absolute path, so it works whatever PATH becomes.
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            ui::error(&err);
            return super::EXIT_FAILURE;
        }
    };
    // Each shell writes a stamp here before it runs `denv export`; without the directory
    // the hook still works, only without its process-free fast path.
    let stamps = Dirs::resolve(Overrides::from_env()).cache.join("prompt");
    let stamps = std::fs::create_dir_all(&stamps).ok().map(|()| stamps);
    if let Some(dir) = &stamps {
        crate::shell::prompt::prune_stamps(dir);
    }
    match ui::output(&kind.renderer().hook(&exe, stamps.as_deref())) {
        Ok(()) => 0,
        Err(err) => {
            ui::error(&err);
            super::EXIT_FAILURE
        }
    }
}
