//! The last steps of `builtin:relocate`: a package tree's `bin/` and what its entry in the
//! overrides table asks for.
//!
//! ```text
//! links     path ─► relative link to another path of the tree (replaces host launchers)
//! bin/      a link to every program of the override's `bin` dirs, then of usr/bin, sbin,
//!           usr/sbin, usr/games; the first of a name wins
//! wrappers  bin/NAME ─► a script run by the tree's shell: sets the override's variables
//!           (paths in the tree) and runs the program bin/NAME linked to, giving it the
//!           override's options after the caller's leading arguments that must stay first
//! ```
//!
//! Invariants: nothing is written outside the tree; a wrapper and the program it runs are
//! both in the tree, so a wrapped program needs nothing from the host either.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use super::overrides::{Adjustments, ArgPattern, ProgramName, TreePath};
use super::{BuildError, io_at};

/// Where programs live; `bin/` gets a link to each.
const PROGRAM_DIRS: &[&str] = &["usr/bin", "sbin", "usr/sbin", "usr/games"];

/// The tree being adjusted: where it is on disk and the store path it will have.
pub(super) struct Tree<'a> {
    pub out: &'a Path,
    pub logical: &'a str,
}

/// Applies `adjust` (when the package has overrides) and fills `bin/`.
pub(super) fn apply(
    tree: &Tree<'_>,
    adjust: Option<&Adjustments<'_>>,
    log: &mut dyn Write,
) -> Result<(), BuildError> {
    if let Some(adjust) = adjust {
        for (path, target) in adjust.links {
            relink(tree.out, path, target, log)?;
        }
    }
    let extra = extra_program_dirs(tree.out, adjust);
    let extra: Vec<&str> = extra.iter().filter_map(|dir| dir.to_str()).collect();
    expose_programs(tree.out, &extra)?;
    if let Some(adjust) = adjust {
        for program in adjust.wrap {
            wrap(tree, adjust, program, log)?;
        }
    }
    Ok(())
}

/// The override's `bin` directories that exist in the tree at `out`, patterns expanded
/// (relative to `out`, in the order the override lists them).
fn extra_program_dirs(out: &Path, adjust: Option<&Adjustments<'_>>) -> Vec<PathBuf> {
    adjust
        .map(|a| a.bin.iter().flat_map(|dir| dir.expand(out)).collect())
        .unwrap_or_default()
}

/// Makes `path` a relative link to `target` (both in the tree), replacing what was there.
fn relink(
    out: &Path,
    path: &TreePath,
    target: &TreePath,
    log: &mut dyn Write,
) -> Result<(), BuildError> {
    if !out.join(target.as_str()).exists() {
        let _ = writeln!(
            log,
            "override: not linking {}: no {}",
            path.as_str(),
            target.as_str()
        );
        return Ok(());
    }
    let link = out.join(path.as_str());
    let Some(parent) = link.parent() else {
        return Ok(());
    };
    if !parent.is_dir() {
        let _ = writeln!(log, "override: not linking {}: no directory", path.as_str());
        return Ok(());
    }
    if fs::symlink_metadata(&link).is_ok() {
        fs::remove_file(&link).map_err(io_at(&link))?;
    }
    let depth = Path::new(path.as_str())
        .components()
        .count()
        .saturating_sub(1);
    let mut relative: PathBuf = (0..depth).map(|_| "..").collect();
    relative.push(target.as_str());
    std::os::unix::fs::symlink(&relative, &link).map_err(io_at(&link))?;
    let _ = writeln!(log, "override: {} -> {}", path.as_str(), relative.display());
    Ok(())
}

/// Makes `out/bin` hold a link to every program of `extra` dirs then the usual program
/// directories (`bin/` itself may already be a directory of the tree, or a link).
pub(super) fn expose_programs(out: &Path, extra: &[&str]) -> Result<(), BuildError> {
    let bin = out.join("bin");
    match fs::symlink_metadata(&bin) {
        Ok(m) if m.file_type().is_symlink() => return Ok(()),
        Ok(_) => {}
        Err(_) => {
            fs::create_dir(&bin).map_err(io_at(&bin))?;
            fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).map_err(io_at(&bin))?;
        }
    }
    for dir in extra.iter().chain(PROGRAM_DIRS) {
        let from = out.join(dir);
        if fs::symlink_metadata(&from).map_or(true, |m| !m.is_dir()) {
            continue;
        }
        let mut names: Vec<_> = fs::read_dir(&from)
            .map_err(io_at(&from))?
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for name in names {
            let link = bin.join(&name);
            if fs::symlink_metadata(&link).is_ok() {
                continue;
            }
            let target = Path::new("..").join(dir).join(&name);
            std::os::unix::fs::symlink(&target, &link).map_err(io_at(&link))?;
        }
    }
    Ok(())
}

/// Where a tree names the programs of `bin/` that a profile offers, one per line.
pub(super) const OFFERED_PROGRAMS: &str = "nix-support/programs";

/// Writes [`OFFERED_PROGRAMS`]: the names in `bin/` that the `exposed` input trees ship in
/// their program directories (or `bin/`), plus every program of the override's `bin` dirs.
/// The rest of `bin/` (the closure's base system, say) stays usable inside the tree but
/// is not put on a user's `PATH`.
pub(super) fn name_offered_programs(
    tree: &Tree<'_>,
    adjust: Option<&Adjustments<'_>>,
    exposed: &[PathBuf],
    log: &mut dyn Write,
) -> Result<(), BuildError> {
    let extra: Vec<PathBuf> = extra_program_dirs(tree.out, adjust)
        .iter()
        .map(|dir| tree.out.join(dir))
        .collect();
    let shipped = exposed.iter().flat_map(|input| {
        PROGRAM_DIRS
            .iter()
            .chain(&["bin"])
            .map(move |dir| input.join(dir))
    });
    let mut names = std::collections::BTreeSet::new();
    for dir in extra.into_iter().chain(shipped) {
        match fs::read_dir(&dir) {
            Ok(entries) => names.extend(entries.filter_map(Result::ok).map(|e| e.file_name())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_at(&dir)(err)),
        }
    }
    let bin = tree.out.join("bin");
    let mut list = Vec::new();
    for name in &names {
        let bytes = std::os::unix::ffi::OsStrExt::as_bytes(name.as_os_str());
        if !bytes.contains(&b'\n') && fs::symlink_metadata(bin.join(name)).is_ok() {
            list.extend_from_slice(bytes);
            list.push(b'\n');
        }
    }
    let path = tree.out.join(OFFERED_PROGRAMS);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_at(dir))?;
    }
    fs::write(&path, &list).map_err(io_at(&path))?;
    let _ = writeln!(
        log,
        "{} of bin/'s programs offered on PATH",
        list.iter().filter(|b| **b == b'\n').count()
    );
    Ok(())
}

/// Replaces the link `bin/PROGRAM` by a wrapper script that runs what it linked to.
fn wrap(
    tree: &Tree<'_>,
    adjust: &Adjustments<'_>,
    program: &ProgramName,
    log: &mut dyn Write,
) -> Result<(), BuildError> {
    let link = tree.out.join("bin").join(program.as_str());
    let Ok(target) = fs::read_link(&link) else {
        let _ = writeln!(log, "override: no program bin/{} to wrap", program.as_str());
        return Ok(());
    };
    let Some(inside) = normalise(&Path::new("bin").join(target)) else {
        let _ = writeln!(
            log,
            "override: bin/{} leads out of the tree",
            program.as_str()
        );
        return Ok(());
    };
    if !tree.out.join(adjust.shell.as_str()).is_file() {
        let _ = writeln!(
            log,
            "override: no {} to run wrappers",
            adjust.shell.as_str()
        );
        return Ok(());
    }
    let in_store = |rel: &Path| format!("{}/{}", tree.logical, rel.display());
    let mut script = format!(
        "#!{}/{}\n# Sets what {} needs to run from the store, then runs it.\n",
        tree.logical,
        adjust.shell.as_str(),
        program.as_str()
    );
    for (name, dirs) in adjust.prefix() {
        let value: Vec<String> = dirs
            .iter()
            .flat_map(|d| d.expand(tree.out))
            .map(|p| in_store(&p))
            .collect();
        if value.is_empty() {
            let _ = writeln!(log, "override: no directory for {}", name.as_str());
            continue;
        }
        let name = name.as_str();
        script.push_str(&format!(
            "{name}={}\"${{{name}:+:${name}}}\"\nexport {name}\n",
            quote(&value.join(":"))
        ));
    }
    for (name, path) in adjust.set() {
        let Some(found) = path.expand(tree.out).into_iter().next() else {
            let _ = writeln!(log, "override: no {} for {}", path.as_str(), name.as_str());
            continue;
        };
        let name = name.as_str();
        script.push_str(&format!(
            "{name}={}\nexport {name}\n",
            quote(&in_store(&found))
        ));
    }
    if let Some(options) = adjust.options(program) {
        let given: Vec<String> = options
            .iter()
            .filter_map(|(option, path)| {
                let found = path.expand(tree.out).into_iter().next();
                if found.is_none() {
                    let _ = writeln!(
                        log,
                        "override: no {} for {}",
                        path.as_str(),
                        option.as_str()
                    );
                }
                let found = found?;
                Some(quote(&format!("{}={}", option.as_str(), in_store(&found))))
            })
            .collect();
        script.push_str(&options_before_arguments(&given.join(" "), adjust.first));
    }
    script.push_str(&format!("exec {} \"$@\"\n", quote(&in_store(&inside))));
    fs::remove_file(&link).map_err(io_at(&link))?;
    fs::write(&link, script).map_err(io_at(&link))?;
    fs::set_permissions(&link, fs::Permissions::from_mode(0o555)).map_err(io_at(&link))?;
    let _ = writeln!(log, "override: bin/{} wrapped", program.as_str());
    Ok(())
}

/// Shell code that puts `given` (quoted words) before the caller's arguments, after those
/// leading arguments that match `first` (a program may insist that `--no-defaults` comes
/// before anything else). The loop rotates each argument once through `"$@"`.
fn options_before_arguments(given: &str, first: &[ArgPattern]) -> String {
    if given.is_empty() {
        return String::new();
    }
    if first.is_empty() {
        return format!("set -- {given} \"$@\"\n");
    }
    let patterns: Vec<String> = first
        .iter()
        .map(|p| {
            p.pieces()
                .map(|piece| {
                    if piece.is_empty() {
                        String::new()
                    } else {
                        quote(piece)
                    }
                })
                .collect::<Vec<_>>()
                .join("*")
        })
        .collect();
    format!(
        "denv_leading=1\n\
         for denv_arg do\n\
         \x20 shift\n\
         \x20 if [ -n \"$denv_leading\" ]; then\n\
         \x20   case $denv_arg in\n\
         \x20     {}) set -- \"$@\" \"$denv_arg\"; continue ;;\n\
         \x20   esac\n\
         \x20   denv_leading=\n\
         \x20   set -- \"$@\" {given}\n\
         \x20 fi\n\
         \x20 set -- \"$@\" \"$denv_arg\"\n\
         done\n\
         if [ -n \"$denv_leading\" ]; then set -- \"$@\" {given}; fi\n\
         unset denv_leading denv_arg\n",
        patterns.join("|")
    )
}

/// `path` with `.` and `..` resolved lexically; `None` when it climbs above its start.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

/// `text` as one word for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_exposed_in_bin_override_dirs_first() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for sub in ["usr/bin", "usr/games", "usr/lib/pg/bin"] {
            fs::create_dir_all(out.join(sub)).unwrap();
        }
        for file in [
            "usr/bin/hello",
            "usr/bin/psql",
            "usr/games/cowsay",
            "usr/lib/pg/bin/psql",
        ] {
            fs::write(out.join(file), "").unwrap();
        }
        expose_programs(out, &["usr/lib/pg/bin"]).unwrap();
        let link = |name: &str| fs::read_link(out.join("bin").join(name)).unwrap();
        assert_eq!(link("hello"), PathBuf::from("../usr/bin/hello"));
        assert_eq!(link("cowsay"), PathBuf::from("../usr/games/cowsay"));
        assert_eq!(link("psql"), PathBuf::from("../usr/lib/pg/bin/psql"));
    }

    #[test]
    fn a_wrapper_sets_its_variables_and_runs_the_program_under_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let logical = out.to_str().unwrap();
        for sub in [
            "bin",
            "usr/games",
            "usr/share/cows",
            "usr/bin",
            "usr/lib/pg",
        ] {
            fs::create_dir_all(out.join(sub)).unwrap();
        }
        fs::copy("/bin/dash", out.join("bin/dash")).unwrap();
        let show = out.join("usr/games/show");
        fs::write(
            &show,
            format!("#!{logical}/bin/dash\necho \"$0 $COWPATH $GOROOT\"\n"),
        )
        .unwrap();
        fs::set_permissions(&show, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(out.join("usr/lib/pg/psql"), "").unwrap();
        std::os::unix::fs::symlink("../share/launcher", out.join("usr/bin/psql")).unwrap();
        let table = super::super::overrides::PackageOverrides::parse(
            "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n\
             [packages.x]\nbin = [\"usr/games\"]\nwrap = [\"show\"]\n\
             links = { \"usr/bin/psql\" = \"usr/lib/pg/psql\" }\n\
             prefix = { COWPATH = [\"usr/share/cows\", \"usr/share/none\"] }\n\
             set = { GOROOT = \"usr/lib/pg\" }\n",
        )
        .unwrap();
        let adjust = table.for_package("x").unwrap();
        let tree = Tree { out, logical };
        apply(&tree, Some(&adjust), &mut Vec::new()).unwrap();
        assert_eq!(
            fs::read_link(out.join("usr/bin/psql")).unwrap(),
            PathBuf::from("../../usr/lib/pg/psql")
        );
        let run = run_fresh(
            std::process::Command::new(out.join("bin/show"))
                .env_clear()
                .env("COWPATH", "/mine")
                .env("GOROOT", "/theirs"),
        );
        assert_eq!(
            String::from_utf8_lossy(&run.stdout),
            format!(
                "{logical}/usr/games/show {logical}/usr/share/cows:/mine {logical}/usr/lib/pg\n"
            )
        );
    }

    /// Runs a program just written. Another test thread forking while it was open for
    /// writing can hold it open a moment longer: exec then fails with ETXTBSY, so try again.
    fn run_fresh(cmd: &mut std::process::Command) -> std::process::Output {
        (0..50)
            .find_map(|_| match cmd.output() {
                Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                }
                other => Some(other.unwrap()),
            })
            .expect("the wrapper runs")
    }

    #[test]
    fn a_wrappers_options_come_after_the_arguments_that_must_stay_first() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let logical = out.to_str().unwrap();
        for sub in ["bin", "usr/sbin", "usr/share"] {
            fs::create_dir_all(out.join(sub)).unwrap();
        }
        fs::copy("/bin/dash", out.join("bin/dash")).unwrap();
        let server = out.join("usr/sbin/server");
        fs::write(
            &server,
            format!("#!{logical}/bin/dash\nprintf '%s\\n' \"$@\"\n"),
        )
        .unwrap();
        fs::set_permissions(&server, fs::Permissions::from_mode(0o755)).unwrap();
        let table = super::super::overrides::PackageOverrides::parse(
            "[wrapper]\npackage = \"dash\"\nshell = \"bin/dash\"\n\
             [packages.x]\nwrap = [\"server\"]\n\
             first = [\"--no-defaults\", \"--defaults-file=*\"]\n\
             options.server = { \"--basedir\" = \"usr\", \"--none\" = \"usr/none\" }\n",
        )
        .unwrap();
        let adjust = table.for_package("x").unwrap();
        apply(&Tree { out, logical }, Some(&adjust), &mut Vec::new()).unwrap();
        let basedir = format!("--basedir={logical}/usr");
        for (given, expected) in [
            (vec![], vec![basedir.as_str()]),
            (vec!["--no-defaults"], vec!["--no-defaults", &basedir]),
            (
                vec![
                    "--defaults-file=a b",
                    "--no-defaults",
                    "--port",
                    "--no-defaults",
                ],
                vec![
                    "--defaults-file=a b",
                    "--no-defaults",
                    &basedir,
                    "--port",
                    "--no-defaults",
                ],
            ),
            (
                vec!["x*", "--basedir=/mine"],
                vec![&basedir, "x*", "--basedir=/mine"],
            ),
        ] {
            let run = run_fresh(
                std::process::Command::new(out.join("bin/server"))
                    .args(&given)
                    .env_clear(),
            );
            let shown = String::from_utf8_lossy(&run.stdout);
            let expected: String = expected.iter().map(|a| format!("{a}\n")).collect();
            assert_eq!(shown, expected, "{given:?}");
        }
    }

    #[test]
    fn paths_are_normalised_without_leaving_the_start() {
        assert_eq!(
            normalise(Path::new("bin/../usr/games/./cowsay")),
            Some(PathBuf::from("usr/games/cowsay"))
        );
        assert_eq!(normalise(Path::new("bin/../../etc")), None);
        assert_eq!(normalise(Path::new("/etc")), None);
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("a'b"), r"'a'\''b'");
    }
}
