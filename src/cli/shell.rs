//! `denv shell [--pure] [-p PKG…] [-- CMD ARGS…]`: an interactive subshell of the user's
//! shell in the project's environment (or an ad-hoc one from `-p`), or one command in it.

use std::ffi::OsString;
use std::path::PathBuf;

use super::EXIT_FAILURE;
use super::activate::environment_for;
use crate::shell::launch;
use crate::ui;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep only HOME, USER, TERM, LANG and DISPLAY from the calling environment.
    #[arg(long)]
    pure: bool,
    /// An ad-hoc environment with these packages instead of the project's.
    #[arg(short = 'p', long = "packages", value_name = "PKG", num_args = 1..)]
    packages: Vec<String>,
    /// Run this command in the environment instead of a shell, and exit with its status.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<OsString>,
}

pub fn run(args: Args) -> u8 {
    let Args {
        pure,
        packages,
        command,
    } = args;
    let (env, pure) = match environment_for(&packages, pure) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let vars = launch::child_environment(&env, std::env::vars_os(), pure);
    let prepared = match command.split_first() {
        Some((program, rest)) => launch::command(program, rest, &vars),
        None => {
            let shell = std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("bash"));
            match launch::interactive(&shell, &env, &vars) {
                Ok(prepared) => prepared,
                Err(err) => {
                    ui::error(&err);
                    return EXIT_FAILURE;
                }
            }
        }
    };
    super::activate::wait_for(prepared)
}
