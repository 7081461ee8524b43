//! `denv completions SHELL`: print the completion script for a shell.

use clap::CommandFactory;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    shell: clap_complete::Shell,
}

pub fn run(args: Args) -> u8 {
    let Args { shell } = args;
    let mut cmd = super::Cli::command();
    clap_complete::generate(shell, &mut cmd, "denv", &mut std::io::stdout());
    0
}
