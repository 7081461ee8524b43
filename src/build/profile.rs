//! `builtin:profile`: the tree an environment activates.
//!
//! The derivation's `paths` attribute lists package outputs (space-separated, in the order
//! the project declares them). The profile's `bin/` holds a symlink for every program in
//! each package's `bin/` (only those it names in `nix-support/programs`, when it does); where two packages ship a program of the same name, the one
//! declared first wins, as on a `PATH` holding both. The links point into the packages'
//! store paths, so the profile references exactly what it exposes.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::adjust::OFFERED_PROGRAMS;
use super::builtins::BuiltinContext;
use super::{BuildError, io_at};

/// The directories of a package whose entries the profile exposes.
const LINKED_DIRS: &[&str] = &["bin"];

/// Builds the profile tree at the `out` output.
pub(crate) fn build(cx: &BuiltinContext<'_>, log: &mut dyn Write) -> Result<(), BuildError> {
    let out = cx.output("out")?;
    let paths = cx.env.get("paths").map(String::as_str).unwrap_or("");
    for dir in LINKED_DIRS {
        std::fs::create_dir_all(out.join(dir)).map_err(io_at(out))?;
    }
    for package in paths.split_whitespace() {
        let package = Path::new(package);
        let offered = offered_programs(package)?;
        for dir in LINKED_DIRS {
            link_entries(&package.join(dir), &out.join(dir), offered.as_ref(), log)?;
        }
    }
    Ok(())
}

/// The names a package offers on `PATH` when it names them (a Debian package tree does:
/// its closure's base system stays inside it); `None` offers every entry.
fn offered_programs(package: &Path) -> Result<Option<BTreeSet<OsString>>, BuildError> {
    let list = package.join(OFFERED_PROGRAMS);
    match std::fs::read(&list) {
        Ok(bytes) => Ok(Some(
            bytes
                .split(|b| *b == b'\n')
                .filter(|name| !name.is_empty())
                .map(|name| OsStr::from_bytes(name).to_owned())
                .collect(),
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(io_at(&list)(err)),
    }
}

/// Links every entry of `from` (of `only`, when given) into `to` unless `to` already has
/// one of that name.
fn link_entries(
    from: &Path,
    to: &Path,
    only: Option<&BTreeSet<OsString>>,
    log: &mut dyn Write,
) -> Result<(), BuildError> {
    let entries = match std::fs::read_dir(from) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io_at(from)(err)),
    };
    let mut names: Vec<_> = entries
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(io_at(from))?;
    names.retain(|name| only.is_none_or(|only| only.contains(name)));
    names.sort();
    for name in names {
        let link = to.join(&name);
        if std::fs::symlink_metadata(&link).is_ok() {
            let _ = writeln!(
                log,
                "profile: {} is shadowed by an earlier package",
                from.join(&name).display()
            );
            continue;
        }
        std::os::unix::fs::symlink(from.join(&name), &link).map_err(io_at(&link))?;
    }
    Ok(())
}
