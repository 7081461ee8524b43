//! `builtin:relocate`: merges the unpacked packages of a closure (the derivation's
//! `closure` attribute, dependencies first) into one tree at `out` and makes it run from
//! there with nothing from `/usr`.
//!
//! ```text
//! each input tree ─merge─► out   directories made, files hard-linked (copied across
//!                                devices), symlinks recreated; the first package wins a
//!                                clash; absolute symlinks made relative inside out
//! ELF files   ─► interpreter = out's ld-linux-x86-64.so.2 (programs only), DT_RPATH =
//!                out's lib dirs + the file's own entries moved into out
//! #! scripts  ─► an interpreter that out holds is named by its path in out (or the
//!                program the package's overrides name for it)
//! out/bin     ─► links to the programs of usr/bin, sbin, usr/sbin, usr/games, and what
//!                the package's entry in the overrides table adds (see `adjust`)
//! out/nix-support/programs
//!             ─► the names of bin/ a profile offers: those the `exposed` inputs ship and
//!                the override's dirs hold (written only when `exposed` is given)
//! ```
//!
//! The derivation's `pname` attribute (the Debian package asked for) selects the entry of
//! the overrides table.
//!
//! Invariants: an edited file is always a fresh copy (an edit never reaches the inode an
//! input shares); nothing is written outside `out` (a path whose parent resolves outside
//! it is skipped); the result refers only to itself, so it needs no input at run time and
//! `denv gc` keeps exactly what it needs.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use super::adjust::{self, Tree};
use super::builtin_deb::input_on_disk;
use super::builtins::BuiltinContext;
use super::elf;
use super::overrides::{PackageOverrides, TreePath};
use super::{BuildError, io_at};

/// Where the loader may sit in a merged tree, most specific first.
const LOADER_DIRS: &[&str] = &[
    "lib/x86_64-linux-gnu",
    "usr/lib/x86_64-linux-gnu",
    "lib64",
    "usr/lib64",
];
const LOADER: &str = "ld-linux-x86-64.so.2";
/// The library directories put on every RPATH (those that exist).
const LIB_DIRS: &[&str] = &[
    "lib/x86_64-linux-gnu",
    "usr/lib/x86_64-linux-gnu",
    "lib",
    "usr/lib",
];

/// Runs `builtin:relocate`.
pub(super) fn relocate(cx: &BuiltinContext<'_>, log: &mut dyn Write) -> Result<(), BuildError> {
    let out = cx.output("out")?.clone();
    let logical = cx.attr("out")?.to_owned();
    let overrides = PackageOverrides::builtin()?;
    let adjustments = cx
        .env
        .get("pname")
        .and_then(|pname| overrides.for_package(pname));
    let no_shebangs = std::collections::BTreeMap::new();
    fs::create_dir_all(&out).map_err(io_at(&out))?;
    let mut merge = Merge {
        out: out.clone(),
        log,
        clashes: 0,
    };
    for input in cx.attr("closure")?.split_whitespace() {
        let tree = input_on_disk(cx, input)?;
        merge.tree(&tree, &out)?;
    }
    let clashes = merge.clashes;
    let log = merge.log;
    if clashes > 0 {
        let _ = writeln!(
            log,
            "{clashes} paths shipped by more than one package: first kept"
        );
    }
    let loader = LOADER_DIRS
        .iter()
        .map(|d| format!("{d}/{LOADER}"))
        .find(|rel| fs::symlink_metadata(out.join(rel)).is_ok_and(|m| m.is_file()));
    let lib_dirs: Vec<&str> = LIB_DIRS
        .iter()
        .copied()
        .filter(|d| out.join(d).is_dir())
        .collect();
    let edits = Edits {
        out: &out,
        logical: &logical,
        interpreter: loader.map(|rel| format!("{logical}/{rel}")),
        lib_dirs: lib_dirs.iter().map(|d| format!("{logical}/{d}")).collect(),
        shebangs: adjustments.as_ref().map_or(&no_shebangs, |a| a.shebangs),
    };
    let mut counts = Counts::default();
    edits.walk(&out, &mut counts, log)?;
    let _ = writeln!(
        log,
        "{} ELF files relocated, {} scripts retargeted",
        counts.elf, counts.scripts
    );
    let tree = Tree {
        out: &out,
        logical: &logical,
    };
    adjust::apply(&tree, adjustments.as_ref(), log)?;
    if let Some(exposed) = cx.env.get("exposed") {
        let inputs = exposed
            .split_whitespace()
            .map(|input| input_on_disk(cx, input))
            .collect::<Result<Vec<_>, _>>()?;
        adjust::name_offered_programs(&tree, adjustments.as_ref(), &inputs, log)?;
    }
    Ok(())
}

struct Merge<'a> {
    out: PathBuf,
    log: &'a mut dyn Write,
    clashes: usize,
}

impl Merge<'_> {
    /// Merges the directory `src` into `dest` (a directory inside `out`).
    fn tree(&mut self, src: &Path, dest: &Path) -> Result<(), BuildError> {
        let mut entries: Vec<_> = fs::read_dir(src)
            .map_err(io_at(src))?
            .collect::<Result<_, _>>()
            .map_err(io_at(src))?;
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            let from = entry.path();
            let to = dest.join(entry.file_name());
            let kind = entry.file_type().map_err(io_at(&from))?;
            if kind.is_dir() {
                match fs::symlink_metadata(&to) {
                    Err(_) => {
                        fs::create_dir(&to).map_err(io_at(&to))?;
                        fs::set_permissions(&to, fs::Permissions::from_mode(0o755))
                            .map_err(io_at(&to))?;
                    }
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        // A symlink from an earlier package: follow it only when it leads
                        // to a directory inside out.
                        if !self.inside(&to) {
                            self.clash(&to);
                            continue;
                        }
                    }
                }
                self.tree(&from, &to)?;
            } else if fs::symlink_metadata(&to).is_ok() {
                self.clash(&to);
            } else if kind.is_symlink() {
                let target = fs::read_link(&from).map_err(io_at(&from))?;
                let target = self.inward(&to, &target);
                std::os::unix::fs::symlink(&target, &to).map_err(io_at(&to))?;
            } else if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(io_at(&to))?;
            }
        }
        Ok(())
    }

    fn clash(&mut self, path: &Path) {
        self.clashes += 1;
        let _ = writeln!(self.log, "kept the first of several '{}'", path.display());
    }

    /// Whether `path` resolves to a directory inside `out`.
    fn inside(&self, path: &Path) -> bool {
        match (fs::canonicalize(path), fs::canonicalize(&self.out)) {
            (Ok(p), Ok(root)) => p.starts_with(root) && p.is_dir(),
            _ => false,
        }
    }

    /// An absolute symlink target made relative to the link, so it stays inside out.
    fn inward(&self, link: &Path, target: &Path) -> PathBuf {
        if !target.is_absolute() {
            return target.to_path_buf();
        }
        let rel_link = link.strip_prefix(&self.out).unwrap_or(link);
        let depth = rel_link.components().count().saturating_sub(1);
        let mut out = PathBuf::new();
        for _ in 0..depth {
            out.push("..");
        }
        for c in target.components() {
            if let Component::Normal(s) = c {
                out.push(s);
            }
        }
        if out.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            out
        }
    }
}

#[derive(Default)]
struct Counts {
    elf: usize,
    scripts: usize,
}

struct Edits<'a> {
    out: &'a Path,
    logical: &'a str,
    interpreter: Option<String>,
    lib_dirs: Vec<String>,
    /// Interpreters the package's overrides replace.
    shebangs: &'a std::collections::BTreeMap<String, TreePath>,
}

impl Edits<'_> {
    fn walk(&self, dir: &Path, counts: &mut Counts, log: &mut dyn Write) -> Result<(), BuildError> {
        for entry in fs::read_dir(dir).map_err(io_at(dir))? {
            let entry = entry.map_err(io_at(dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io_at(&path))?;
            if kind.is_dir() {
                self.walk(&path, counts, log)?;
            } else if kind.is_file() {
                let mut head = [0u8; 4];
                let n = fs::File::open(&path)
                    .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                    .map_err(io_at(&path))?;
                if n == 4 && elf::is_elf(&head) {
                    self.elf(&path, counts, log)?;
                } else if n >= 3 && head.starts_with(b"#!/") {
                    self.script(&path, counts)?;
                }
            }
        }
        Ok(())
    }

    fn elf(&self, path: &Path, counts: &mut Counts, log: &mut dyn Write) -> Result<(), BuildError> {
        let bytes = fs::read(path).map_err(io_at(path))?;
        let facts = (
            elf::interpreter(&bytes),
            elf::soname(&bytes),
            elf::search_paths(&bytes),
        );
        let (interp, soname, (rpath, runpath)) = match facts {
            (Ok(i), Ok(s), Ok(p)) => (i, s, p),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                let _ = writeln!(log, "left alone: {}: {e}", path.display());
                return Ok(());
            }
        };
        if soname.as_deref().is_some_and(|s| s.starts_with("ld-linux")) {
            return Ok(());
        }
        let is_program = interp.is_some() && soname.is_none();
        let dynamic = rpath.is_some() || runpath.is_some() || soname.is_some() || interp.is_some();
        if !dynamic {
            return Ok(());
        }
        let mut dirs = self.lib_dirs.clone();
        for entry in rpath
            .iter()
            .chain(runpath.iter())
            .flat_map(|p| p.split(':'))
        {
            let moved = if entry.starts_with('/') {
                format!("{}{entry}", self.logical)
            } else {
                entry.to_owned()
            };
            if !entry.is_empty() && !dirs.contains(&moved) {
                dirs.push(moved);
            }
        }
        let rpath = dirs.join(":");
        let edit = elf::Edit {
            interpreter: if is_program {
                self.interpreter.as_deref()
            } else {
                None
            },
            rpath: Some(&rpath),
        };
        let (new, _) = match elf::edit(&bytes, edit) {
            Ok(r) => r,
            Err(elf::ElfError::NotDynamic(_) | elf::ElfError::NoInterpreter(_)) => return Ok(()),
            Err(e) => {
                return Err(BuildError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(e.to_string()),
                });
            }
        };
        if new != bytes {
            replace(path, &new)?;
        }
        counts.elf += 1;
        Ok(())
    }

    /// `#!/usr/bin/perl` → `#!OUT/usr/bin/perl` when out holds that interpreter, or
    /// `#!OUT/REPLACEMENT` when the overrides name one that out holds.
    fn script(&self, path: &Path, counts: &mut Counts) -> Result<(), BuildError> {
        let bytes = fs::read(path).map_err(io_at(path))?;
        let line_end = bytes
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(bytes.len());
        let line = String::from_utf8_lossy(&bytes[2..line_end]).into_owned();
        let interp = line.trim_start().split([' ', '\t']).next().unwrap_or("");
        let replacement = self
            .shebangs
            .get(interp)
            .map(TreePath::as_str)
            .filter(|rel| self.out.join(rel).exists());
        let Some(rel) = replacement.or_else(|| interp.strip_prefix('/')) else {
            return Ok(());
        };
        if rel.is_empty() || !self.out.join(rel).exists() {
            return Ok(());
        }
        let new_line = line.replacen(interp, &format!("{}/{rel}", self.logical), 1);
        let mut new = Vec::with_capacity(bytes.len() + self.logical.len());
        new.extend_from_slice(b"#!");
        new.extend_from_slice(new_line.as_bytes());
        new.extend_from_slice(&bytes[line_end..]);
        replace(path, &new)?;
        counts.scripts += 1;
        Ok(())
    }
}

/// Writes `bytes` as a new file at `path` with the old one's permissions (a fresh inode,
/// so a hard-linked input is never changed).
fn replace(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    let mode = fs::symlink_metadata(path)
        .map_err(io_at(path))?
        .permissions()
        .mode();
    let dir = path.parent().unwrap_or(Path::new("/"));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_at(dir))?;
    tmp.write_all(bytes).map_err(io_at(path))?;
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(mode & 0o777))
        .map_err(io_at(path))?;
    tmp.persist(path).map_err(|e| BuildError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_symlinks_point_inside_the_tree() {
        let mut sink = Vec::new();
        let merge = Merge {
            out: PathBuf::from("/s/out"),
            log: &mut sink,
            clashes: 0,
        };
        assert_eq!(
            merge.inward(
                Path::new("/s/out/lib64/ld-linux-x86-64.so.2"),
                Path::new("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
            ),
            PathBuf::from("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        );
        assert_eq!(
            merge.inward(Path::new("/s/out/a"), Path::new("b/c")),
            PathBuf::from("b/c")
        );
    }
}
