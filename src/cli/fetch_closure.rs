//! `denv fetch-closure PKG… --dir DIR` (hidden, for development and benchmarks): resolve
//! packages, download their verified `.deb`s into `DIR/debs` and unpack each into
//! `DIR/tree/<package>`. The store integration will replace this with derivations.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::build::{deb, elf};
use crate::pkgs::aliases::Aliases;
use crate::pkgs::{DEFAULT_CHANNEL, PkgsError, ResolveOptions};

use super::update::{Context, fail};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Packages (Debian names or aliases).
    #[arg(required = true)]
    packages: Vec<String>,
    /// Where to put `debs/` and `tree/`.
    #[arg(long)]
    dir: PathBuf,
    /// The channel to resolve in.
    #[arg(long)]
    channel: Option<String>,
    /// Parallel downloads and unpackers.
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// Also point every program at the closure's loader and libraries.
    #[arg(long)]
    relocate: bool,
}

/// Relocates every package root of a closure unpacked under `tree`.
fn relocate_closure(tree: &std::path::Path, roots: &[PathBuf]) -> Result<(), PkgsError> {
    let bad = |message: String| PkgsError::Malformed {
        what: "relocation".to_owned(),
        message,
    };
    let loader = elf::find_loader(&tree.join(crate::pkgs::resolve::LOADER_PACKAGE))
        .ok_or_else(|| bad("the closure has no ld-linux-x86-64.so.2".to_owned()))?;
    let rpath: Vec<String> = elf::library_dirs(roots)
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    let rpath = rpath.join(":");
    let interpreter = loader.display().to_string();
    for root in roots {
        elf::relocate_tree(
            root,
            elf::Relocation {
                interpreter: &interpreter,
                rpath: &rpath,
            },
        )
        .map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

pub fn run(args: Args) -> u8 {
    let Args {
        packages,
        dir,
        channel,
        jobs,
        relocate,
    } = args;
    let result = (|| {
        let start = Instant::now();
        let context = Context::load()?;
        let name = channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
        let channel = context.channels(Some(name))?.remove(0);
        let index = context.index(&channel)?;
        let aliases = Aliases::builtin().map_err(|e| PkgsError::Malformed {
            what: "alias table".to_owned(),
            message: e.to_string(),
        })?;
        let names: Vec<String> = packages
            .iter()
            .map(|p| aliases.resolve(p, &index))
            .collect();
        let requests: Vec<&str> = names.iter().map(String::as_str).collect();
        let closure = crate::pkgs::resolve(&index, &requests, ResolveOptions::default())?;
        let resolved = start.elapsed();
        // Biggest first: the largest archive is the longest download and unpack.
        let mut closure = closure;
        closure.sort_by_key(|p| std::cmp::Reverse(p.size));
        let downloads: Vec<_> = closure
            .iter()
            .map(|p| p.download(&dir.join("debs")))
            .collect();
        let items: Vec<(PathBuf, PathBuf)> = closure
            .iter()
            .zip(&downloads)
            .map(|(p, d)| (d.dest.clone(), dir.join("tree").join(&p.name)))
            .collect();
        // Each archive is unpacked as soon as it has been downloaded and checked.
        let (tx, rx) = std::sync::mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let (fetched, unpacked) = std::thread::scope(|scope| {
            let unpacker = scope.spawn(|| deb::unpack_as_ready(&items, jobs, rx));
            let fetched =
                context
                    .fetcher
                    .download_all_then(&downloads, jobs, &context.progress, &|i| {
                        if let Ok(tx) = tx.lock() {
                            let _ = tx.send(i);
                        }
                    });
            drop(tx);
            let unpacked = unpacker.join();
            (fetched, unpacked)
        });
        fetched?;
        let fetched = start.elapsed();
        let unpacked = unpacked
            .unwrap_or_else(|_| {
                Err(deb::DebError::Corrupt {
                    deb: "(all)".to_owned(),
                    message: "an unpacking thread panicked".to_owned(),
                })
            })
            .map_err(|e| PkgsError::Malformed {
                what: "package archive".to_owned(),
                message: e.to_string(),
            })?;
        if relocate {
            let roots: Vec<PathBuf> = items.iter().map(|(_, dest)| dest.clone()).collect();
            relocate_closure(&dir.join("tree"), &roots)?;
        }
        let bytes: u64 = closure.iter().map(|p| p.size).sum();
        let files: usize = unpacked.iter().map(|u| u.files).sum();
        let _ = writeln!(
            std::io::stdout().lock(),
            "{} packages, {bytes} bytes downloaded, {files} files unpacked; \
             resolve {:.3}s, fetch and unpack {:.3}s, total {:.3}s",
            closure.len(),
            resolved.as_secs_f64(),
            (fetched - resolved).as_secs_f64(),
            start.elapsed().as_secs_f64()
        );
        Ok(())
    })();
    match result {
        Ok(()) => 0,
        Err(err) => fail(&err),
    }
}
