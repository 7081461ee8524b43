//! Packages from the real Debian archive, end to end: apt's sources on this machine, the
//! signature chain, resolution compared with apt, unpacking and relocating real programs
//! and running them (also where only their closure is visible). Tests that need the
//! archive are named `archive_…` and fail with a clear message when it is unreachable.
//! apt, dpkg, patchelf and readelf appear here only as oracles.

mod channels;
mod closures;
mod elf_edit;
#[path = "../support/store_root.rs"]
mod store_root;
mod trust;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use denv::pkgs::channel::{Channel, Need};
use denv::pkgs::fetch::{Fetcher, NoProgress};
use denv::pkgs::resolve::{Pinned, ResolveOptions};
use denv::pkgs::sources::AptConfig;
use denv::pkgs::{Index, update};

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn oracle(program: &str, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(Command::new(program).args(args));
    assert!(ok, "{program} {args:?} failed: {stderr}");
    stdout
}

// ---------------------------------------------------------------- the real archive

/// The default channel of this machine, fetched and verified once per test run.
struct Archive {
    apt: AptConfig,
    channel: Channel,
    index: Index,
    _cache: tempfile::TempDir,
}

fn archive() -> &'static Archive {
    static ARCHIVE: OnceLock<Archive> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let apt = AptConfig::load(Path::new("/")).expect("apt configuration is readable");
        let channel = Channel::from_apt(&apt).expect("apt lists a Debian source");
        let cache = tempfile::tempdir().unwrap();
        let index = update::update(cache.path(), &channel, &Fetcher::new(), &NoProgress)
            .unwrap_or_else(|e| {
                panic!(
                    "the Debian archive listed in /etc/apt is unreachable or unverifiable \
                     (these archive_ tests need it): {e}"
                )
            });
        Archive {
            apt,
            channel,
            index,
            _cache: cache,
        }
    })
}

/// The channel's own (required) suite.
fn base_source() -> &'static denv::pkgs::sources::Source {
    &archive()
        .channel
        .sources
        .iter()
        .find(|s| s.need == Need::Required)
        .expect("a required source")
        .source
}

fn resolve(package: &str, options: ResolveOptions) -> Vec<Pinned> {
    denv::pkgs::resolve(&archive().index, &[package], options)
        .unwrap_or_else(|e| panic!("resolving {package}: {e}"))
}

/// Collects warnings.
#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<String>>);
impl denv::pkgs::Progress for Warnings {
    fn warning(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }
}
