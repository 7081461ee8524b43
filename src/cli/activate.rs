//! What `denv shell` and `denv run` share: choosing the environment (the nearest project or
//! an ad-hoc package list), computing it, and waiting for the child.

use std::os::unix::process::ExitStatusExt;

use super::{EXIT_FAILURE, EXIT_USAGE};
use crate::config::{self, PackageName, PackageSpec, VersionReq};
use crate::environment::{self, model::Environment};
use crate::shell::launch::Prepared;
use crate::ui;

/// Whose environment to enter.
pub enum Target {
    /// The project whose `denv.toml` is nearest above the working directory.
    Project,
    /// An environment of just these packages (`-p`).
    Packages(Vec<PackageSpec>),
}

impl Target {
    /// `Project` when no packages are named, else the named packages (any version).
    pub fn from_packages(names: &[String]) -> Result<Target, String> {
        if names.is_empty() {
            return Ok(Target::Project);
        }
        names
            .iter()
            .map(|name| {
                PackageName::new(name)
                    .map(|name| PackageSpec {
                        name,
                        version: VersionReq::Any,
                        channel: None,
                    })
                    .ok_or_else(|| format!("`{name}` is not a valid package name"))
            })
            .collect::<Result<_, _>>()
            .map(Target::Packages)
    }
}

/// The environment for `-p` packages (or the project when there are none) and whether it
/// is pure; on failure the error is reported and the exit code returned.
pub fn environment_for(packages: &[String], pure: bool) -> Result<(Environment, bool), u8> {
    let target = Target::from_packages(packages).map_err(|message| {
        ui::error_message(&message);
        EXIT_USAGE
    })?;
    prepare_environment(target, pure)
}

/// The environment to enter and whether it is pure (the flag, or the project's
/// `[options] pure`). On failure the error is reported and the exit code returned.
pub fn prepare_environment(target: Target, pure: bool) -> Result<(Environment, bool), u8> {
    let cwd = std::env::current_dir().map_err(|err| {
        ui::error(&err);
        EXIT_FAILURE
    })?;
    let mut shown = super::build::Shown::new();
    match target {
        Target::Packages(packages) => environment::adhoc(&cwd, &packages, &mut |e| shown.event(e))
            .map(|env| (env, pure))
            .map_err(|err| {
                ui::error(&err);
                EXIT_FAILURE
            }),
        Target::Project => {
            let Some(root) = config::find_root(&cwd) else {
                ui::error_message(&format!(
                    "no denv.toml in {} or any directory above it; run `denv init` or use `-p PKG`",
                    cwd.display()
                ));
                return Err(EXIT_USAGE);
            };
            let pure = pure || config::load(&root).map(|p| p.pure).unwrap_or(false);
            environment::resolve(&root, &mut |e| shown.event(e))
                .map(|(env, _)| (env, pure))
                .map_err(|err| {
                    ui::error(&err);
                    EXIT_USAGE
                })
        }
    }
}

/// Runs the prepared child and maps its end to an exit code (128 + signal when killed).
pub fn wait_for(mut prepared: Prepared) -> u8 {
    let program = prepared.command.get_program().to_owned();
    match prepared.command.status() {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => u8::try_from(code).unwrap_or(EXIT_FAILURE),
            (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(EXIT_FAILURE),
            (None, None) => EXIT_FAILURE,
        },
        Err(err) => {
            ui::error_message(&format!("cannot run {}: {err}", program.to_string_lossy()));
            127
        }
    }
}
