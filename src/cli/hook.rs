//! `denv hook bash|zsh|fish`: print the prompt hook to `eval` in a shell's rc file.

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
    match ui::output(&kind.renderer().hook(&exe)) {
        Ok(()) => 0,
        Err(err) => {
            ui::error(&err);
            super::EXIT_FAILURE
        }
    }
}
