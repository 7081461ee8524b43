//! Closures compared with apt, then fetched, unpacked, relocated and run alone.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use denv::build::{deb, elf};
use denv::pkgs::PkgsError;
use denv::pkgs::fetch::{Fetcher, NoProgress};
use denv::pkgs::resolve::{Pinned, ResolveOptions};

use super::store_root::StoreRoot;
use super::{archive, oracle, resolve, run};

fn apt_closure(package: &str) -> Vec<(String, String)> {
    static LISTS: OnceLock<tempfile::TempDir> = OnceLock::new();
    let state = LISTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lists/partial")).unwrap();
        std::fs::create_dir_all(dir.path().join("cache/archives/partial")).unwrap();
        std::fs::write(dir.path().join("status"), "").unwrap();
        let (ok, _, stderr) = run(Command::new("apt-get")
            .args(apt_options(dir.path()))
            .arg("update"));
        assert!(
            ok,
            "apt-get update (oracle, private lists) failed: {stderr}"
        );
        dir
    });
    let out = oracle(
        "apt-get",
        &[
            apt_options(state.path())
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            vec!["-s", "install", "--no-install-recommends", package],
        ]
        .concat(),
    );
    let mut pairs: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Inst "))
        .filter_map(|l| {
            let (name, rest) = l.split_once(" (")?;
            Some((name.to_owned(), rest.split_whitespace().next()?.to_owned()))
        })
        .collect();
    pairs.sort();
    pairs
}

fn apt_options(dir: &Path) -> Vec<String> {
    let d = dir.display();
    vec![
        "-q".to_owned(),
        "-o".to_owned(),
        "APT::Sandbox::User=root".to_owned(),
        "-o".to_owned(),
        format!("Dir::State::Lists={d}/lists"),
        "-o".to_owned(),
        format!("Dir::State::status={d}/status"),
        "-o".to_owned(),
        format!("Dir::Cache={d}/cache"),
        "-o".to_owned(),
        "Dir::Cache::pkgcache=".to_owned(),
        "-o".to_owned(),
        "Dir::Cache::srcpkgcache=".to_owned(),
    ]
}

#[test]
fn archive_closures_of_hello_jq_and_ripgrep_match_apt() {
    for (package, expected) in [("hello", 4), ("jq", 6), ("ripgrep", 5)] {
        let exact = ResolveOptions {
            no_implicit: true,
            ..ResolveOptions::default()
        };
        let mut ours: Vec<(String, String)> = resolve(package, exact)
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        ours.sort();
        assert_eq!(ours, apt_closure(package), "closure of {package}");
        assert_eq!(ours.len(), expected, "closure of {package}: {ours:?}");
        // The implicit members add nothing here: libc6 is already in each closure.
        assert_eq!(resolve(package, ResolveOptions::default()).len(), expected);
    }
}

#[test]
fn archive_unknown_package_suggests_close_names() {
    let err =
        denv::pkgs::resolve(&archive().index, &["hellp"], ResolveOptions::default()).unwrap_err();
    assert!(matches!(err, PkgsError::UnknownPackage { .. }));
    assert!(
        err.to_string()
            .starts_with("unknown package `hellp`; did you mean "),
        "{err}"
    );
    assert!(err.to_string().contains("hello"), "{err}");
}

/// Fetches, verifies and unpacks a closure under `root/closure/<name>`, then relocates
/// every ELF file as if the tree lived at `runtime` (the same path, or where a chroot
/// will show it).
fn unpack_and_relocate(closure: &[Pinned], root: &Path, runtime: &Path) {
    let debs = root.join("debs");
    let downloads: Vec<_> = closure.iter().map(|p| p.download(&debs)).collect();
    Fetcher::new()
        .download_all(&downloads, 4, &NoProgress)
        .unwrap();
    let tree = root.join("closure");
    for (package, download) in closure.iter().zip(&downloads) {
        deb::unpack(&download.dest, &tree.join(&package.name)).unwrap();
    }
    let mut lib_dirs = Vec::new();
    for package in closure {
        for sub in ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"] {
            if tree.join(&package.name).join(sub).is_dir() {
                lib_dirs.push(runtime.join(&package.name).join(sub).display().to_string());
            }
        }
    }
    let loader_rel = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"]
        .iter()
        .map(|d| format!("libc6/{d}/ld-linux-x86-64.so.2"))
        .find(|rel| tree.join(rel).is_file())
        .expect("libc6 ships ld-linux-x86-64.so.2");
    let interpreter = runtime.join(loader_rel).display().to_string();
    let rpath = lib_dirs.join(":");
    let report = elf::relocate_tree(
        &tree,
        elf::Relocation {
            interpreter: &interpreter,
            rpath: &rpath,
        },
    )
    .unwrap();
    assert!(!report.edited.is_empty());
}

/// Runs `program` (relative to the closure tree) where only the tree `root/closure` is
/// visible, at `/closure`; `None` when this kernel gives no mount namespace.
fn run_in_chroot(root: &Path, program: &str, args: &[&str]) -> Option<(bool, String, String)> {
    let jail = StoreRoot::bare()?.bind(&root.join("closure"), Path::new("/closure"), false);
    let out = jail.output(&Path::new("/closure").join(program), args);
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn closure_runs(package: &str, program: &str, args: &[&str], expect: impl Fn(&str) -> bool) {
    let closure = resolve(package, ResolveOptions::default());
    // Relocated in place and run from the host.
    let here = tempfile::tempdir().unwrap();
    unpack_and_relocate(&closure, here.path(), &here.path().join("closure"));
    let exe = here.path().join("closure").join(program);
    let bytes = std::fs::read(&exe).unwrap();
    let interp = elf::interpreter(&bytes).unwrap().unwrap();
    assert!(
        interp.starts_with(here.path().to_str().unwrap()),
        "{interp}"
    );
    let (ok, stdout, stderr) = run(Command::new(&exe).args(args));
    assert!(
        ok && expect(&stdout),
        "{program}: stdout {stdout:?}, stderr {stderr}"
    );
    // Relocated for `/closure` and run where only that tree exists.
    let jail = tempfile::tempdir().unwrap();
    unpack_and_relocate(&closure, jail.path(), Path::new("/closure"));
    let Some((ok, stdout, stderr)) = run_in_chroot(jail.path(), program, args) else {
        return;
    };
    assert!(
        ok && expect(&stdout),
        "{program} in a chroot: stdout {stdout:?}, stderr {stderr}"
    );
}

#[test]
fn archive_hello_closure_unpacked_and_relocated_runs_alone() {
    closure_runs("hello", "hello/usr/bin/hello", &[], |out| {
        out == "Hello, world!\n"
    });
}

#[test]
fn archive_jq_closure_unpacked_and_relocated_runs_alone() {
    closure_runs(
        "jq",
        "jq/usr/bin/jq",
        &["-n", "-c", "{\"a\":[1,2]}|.a"],
        |out| out == "[1,2]\n",
    );
}

#[test]
fn archive_ripgrep_closure_unpacked_and_relocated_runs_alone() {
    closure_runs(
        "ripgrep",
        "ripgrep/usr/bin/rg",
        &["--pcre2-version"],
        |out| out.starts_with("PCRE2 ") && out.contains("is available"),
    );
}

#[test]
fn archive_unrelocated_hello_does_not_run_in_the_chroot() {
    let closure = resolve("hello", ResolveOptions::default());
    let jail = tempfile::tempdir().unwrap();
    let debs = jail.path().join("debs");
    let downloads: Vec<_> = closure.iter().map(|p| p.download(&debs)).collect();
    Fetcher::new()
        .download_all(&downloads, 4, &NoProgress)
        .unwrap();
    for (package, download) in closure.iter().zip(&downloads) {
        deb::unpack(
            &download.dest,
            &jail.path().join("closure").join(&package.name),
        )
        .unwrap();
    }
    let Some((ok, _, stderr)) = run_in_chroot(jail.path(), "hello/usr/bin/hello", &[]) else {
        return;
    };
    assert!(
        !ok,
        "without relocation hello must not find a loader in the chroot"
    );
    // It failed for the reason meant: the program is there, its loader is not.
    assert!(stderr.contains("No such file or directory"), "{stderr}");
    let _ = &archive().apt;
}
