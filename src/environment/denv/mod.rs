//! The built-in `<denv>` package set: `import <denv> { }` gives `{ pkgs, lib }`.
//!
//! ```text
//! -I / NIX_PATH entries ─► then `denv=ROOT` ([`builtin_search_path`], not in nixPath)
//! ROOT/default.nix, ROOT/lib.nix          compiled-in Nix code (`nix/denv/*.nix`)
//! ROOT/channels/                          `default` + the declared channels
//! ROOT/channels/C/       ─readDir─►       every package name (and alias) of channel C
//! ROOT/channels/C/NAME   ─import─►        NAME's closure, resolved now: { debs = [ … ]; }
//! ROOT/suites/S/…                         the same for any suite S of apt's archives
//! ```
//!
//! [`DenvIo`] wraps the evaluator's real-filesystem [`EvalIo`] and serves these virtual
//! files; everything outside `ROOT` goes to the wrapped one. Invariants: a channel's index
//! is loaded (fetched and verified first if it was never cached) only when a file under
//! its directory is read; a package file is generated from the verified index only, so
//! every URL and SHA256 in it comes from the signed chain; the user's `-I`/`NIX_PATH`
//! entries come first, so `-I denv=…` replaces the built-in set.

mod packages;

use std::cell::RefCell;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::eval::{EvalIo, FileType, SearchPathEntry};

pub use packages::{DebAttrs, PackageInfo, Packages, render_attrs, store_name};

/// Where the virtual `<denv>` tree appears to the evaluator. No real file is read here.
pub const ROOT: &str = "/(denv)";

/// The compiled-in Nix files, by name under [`ROOT`].
const NIX_FILES: &[(&str, &str)] = &[
    ("default.nix", include_str!("../../../nix/denv/default.nix")),
    ("lib.nix", include_str!("../../../nix/denv/lib.nix")),
];

/// The `denv=ROOT` entry, searched after the user's `-I` and `NIX_PATH` entries (see
/// `EvalOptions::builtin_search_path`): `-I denv=…` still replaces the built-in set.
pub fn builtin_search_path() -> Vec<SearchPathEntry> {
    vec![SearchPathEntry {
        prefix: "denv".to_owned(),
        path: ROOT.to_owned(),
    }]
}

/// Wraps `inner` so that `<denv>` is served; packages are looked up on this machine's
/// channels (apt's sources, `[channels]` of the user's config and of the nearest
/// `denv.toml` above `base_dir`).
pub fn eval_io(inner: Rc<dyn EvalIo>, base_dir: &Path) -> Rc<dyn EvalIo> {
    Rc::new(DenvIo {
        inner,
        packages: RefCell::new(Packages::new(base_dir)),
    })
}

/// An [`EvalIo`] serving the virtual `<denv>` tree over another one.
pub struct DenvIo {
    inner: Rc<dyn EvalIo>,
    packages: RefCell<Packages>,
}

/// A path under [`ROOT`], parsed.
#[derive(Debug, PartialEq, Eq)]
enum Virtual<'a> {
    Root,
    NixFile(&'static str),
    ChannelsDir,
    SuitesDir,
    /// A channel's directory: (is it a suite, its name).
    Channel(Kind, &'a str),
    /// A package file in a channel.
    Package(Kind, &'a str, &'a str),
    Missing,
}

/// How a channel directory names its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A declared channel (or `default`).
    Declared,
    /// A suite of apt's archives.
    Suite,
}

fn parse(path: &Path) -> Option<Virtual<'_>> {
    let rest = path.strip_prefix(ROOT).ok()?;
    let parts: Vec<&str> = rest
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let kind = |d: &str| match d {
        "channels" => Some(Kind::Declared),
        "suites" => Some(Kind::Suite),
        _ => None,
    };
    Some(match parts.as_slice() {
        [] => Virtual::Root,
        [name] => match NIX_FILES.iter().find(|(n, _)| n == name) {
            Some((n, _)) => Virtual::NixFile(n),
            None if *name == "channels" => Virtual::ChannelsDir,
            None if *name == "suites" => Virtual::SuitesDir,
            None => Virtual::Missing,
        },
        [dir, channel] => match kind(dir) {
            Some(k) => Virtual::Channel(k, channel),
            None => Virtual::Missing,
        },
        [dir, channel, package] => match kind(dir) {
            Some(k) => Virtual::Package(k, channel, package),
            None => Virtual::Missing,
        },
        _ => Virtual::Missing,
    })
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file in <denv>", path.display()),
    )
}

impl DenvIo {
    fn kind_of(&self, path: &Path, v: &Virtual<'_>) -> io::Result<FileType> {
        match v {
            Virtual::Root | Virtual::ChannelsDir | Virtual::SuitesDir => Ok(FileType::Directory),
            Virtual::NixFile(_) => Ok(FileType::Regular),
            Virtual::Channel(kind, name) => {
                if self.packages.borrow_mut().channel_exists(*kind, name) {
                    Ok(FileType::Directory)
                } else {
                    Err(not_found(path))
                }
            }
            Virtual::Package(kind, channel, name) => {
                if self
                    .packages
                    .borrow_mut()
                    .has_package(*kind, channel, name)?
                {
                    Ok(FileType::Regular)
                } else {
                    Err(not_found(path))
                }
            }
            Virtual::Missing => Err(not_found(path)),
        }
    }
}

impl EvalIo for DenvIo {
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let Some(v) = parse(path) else {
            return self.inner.read_file(path);
        };
        match v {
            Virtual::NixFile(name) => NIX_FILES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| text.as_bytes().to_vec())
                .ok_or_else(|| not_found(path)),
            Virtual::Package(kind, channel, name) => self
                .packages
                .borrow_mut()
                .package_file(kind, channel, name)
                .map(String::into_bytes),
            Virtual::Missing => Err(not_found(path)),
            _ => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{}: is a directory", path.display()),
            )),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        let Some(v) = parse(path) else {
            return self.inner.read_dir(path);
        };
        let dirs = |names: Vec<String>| {
            names
                .into_iter()
                .map(|n| (n, FileType::Directory))
                .collect()
        };
        match v {
            Virtual::Root => {
                let mut out: Vec<(String, FileType)> = NIX_FILES
                    .iter()
                    .map(|(n, _)| ((*n).to_owned(), FileType::Regular))
                    .collect();
                out.push(("channels".to_owned(), FileType::Directory));
                out.push(("suites".to_owned(), FileType::Directory));
                Ok(out)
            }
            Virtual::ChannelsDir => Ok(dirs(self.packages.borrow_mut().channel_names()?)),
            Virtual::SuitesDir => Ok(Vec::new()),
            Virtual::Channel(kind, name) => Ok(self
                .packages
                .borrow_mut()
                .package_names(kind, name)?
                .into_iter()
                .map(|n| (n, FileType::Regular))
                .collect()),
            Virtual::NixFile(_) | Virtual::Package(..) => Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{}: not a directory", path.display()),
            )),
            Virtual::Missing => Err(not_found(path)),
        }
    }

    fn path_exists(&self, path: &Path) -> bool {
        match parse(path) {
            None => self.inner.path_exists(path),
            Some(v) => self.kind_of(path, &v).is_ok(),
        }
    }

    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        match parse(path) {
            None => self.inner.file_type(path),
            Some(v) => self.kind_of(path, &v),
        }
    }

    fn file_type_follow(&self, path: &Path) -> io::Result<FileType> {
        match parse(path) {
            None => self.inner.file_type_follow(path),
            Some(v) => self.kind_of(path, &v),
        }
    }
}

/// The base directory for finding a project's `denv.toml` (the nearest one above it).
pub fn project_file(base_dir: &Path) -> Option<PathBuf> {
    let mut dir = base_dir.to_path_buf();
    loop {
        let candidate = dir.join("denv.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_paths_parse() {
        assert_eq!(parse(Path::new("/(denv)")), Some(Virtual::Root));
        assert_eq!(
            parse(Path::new("/(denv)/default.nix")),
            Some(Virtual::NixFile("default.nix"))
        );
        assert_eq!(
            parse(Path::new("/(denv)/channels/default/libstdc++6")),
            Some(Virtual::Package(Kind::Declared, "default", "libstdc++6"))
        );
        assert_eq!(
            parse(Path::new("/(denv)/suites/trixie")),
            Some(Virtual::Channel(Kind::Suite, "trixie"))
        );
        assert_eq!(parse(Path::new("/(denv)/x/y/z/w")), Some(Virtual::Missing));
        assert_eq!(parse(Path::new("/etc/hosts")), None);
    }

    #[test]
    fn builtin_entry_maps_denv_to_the_root() {
        let entries = builtin_search_path();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            (entries[0].prefix.as_str(), entries[0].path.as_str()),
            ("denv", ROOT)
        );
    }
}
