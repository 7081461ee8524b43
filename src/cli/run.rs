//! `denv run [--pure] [-p PKG…] [--] CMD ARGS…`: run one command in the project's
//! environment (or an ad-hoc one from `-p`) and exit with its status.

use std::ffi::OsString;

use super::EXIT_USAGE;
use super::activate::{environment_for, wait_for};
use crate::shell::launch;
use crate::ui;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep only HOME, USER, TERM, LANG and DISPLAY from the calling environment.
    #[arg(long)]
    pure: bool,
    /// An ad-hoc environment with these packages instead of the project's.
    #[arg(short = 'p', long = "packages", value_name = "PKG", num_args = 1.., value_terminator = "--")]
    packages: Vec<String>,
    /// The command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<OsString>,
}

pub fn run(args: Args) -> u8 {
    let Args {
        pure,
        packages,
        command,
    } = args;
    let Some((program, rest)) = command.split_first() else {
        ui::error_message("denv run needs a command to run");
        return EXIT_USAGE;
    };
    let (env, pure) = match environment_for(&packages, pure) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let vars = launch::child_environment(&env, std::env::vars_os(), pure);
    wait_for(launch::command(program, rest, &vars))
}
