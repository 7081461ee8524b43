//! Packages from the real Debian archive, end to end: apt's sources on this machine, the
//! signature chain, resolution compared with apt, unpacking and relocating real programs
//! and running them (also where only their closure is visible). Tests that need the
//! archive are named `archive_…` and fail with a clear message when it is unreachable.
//! apt, dpkg, patchelf and readelf appear here only as oracles.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use denv::build::{deb, elf};
use denv::pkgs::channel::{Channel, Need};
use denv::pkgs::fetch::{Fetcher, NoProgress};
use denv::pkgs::resolve::{Pinned, ResolveOptions};
use denv::pkgs::sources::AptConfig;
use denv::pkgs::verify::TrustedKeys;
use denv::pkgs::{Index, PkgsError, update};

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

// ---------------------------------------------------------------- ELF on host binaries

/// A copy of a host program in a temp dir.
fn host_copy(dir: &Path, program: &str) -> PathBuf {
    let dest = dir.join(Path::new(program).file_name().unwrap());
    std::fs::copy(program, &dest).unwrap();
    dest
}

/// An interpreter path longer than the original, that works: a chain of directories
/// holding a symlink to the host's loader.
fn long_loader(dir: &Path) -> PathBuf {
    let deep = dir.join("a-rather-long-directory-name-to-force-growth/and-another-level");
    std::fs::create_dir_all(&deep).unwrap();
    let link = deep.join("ld-linux-x86-64.so.2");
    std::os::unix::fs::symlink("/lib64/ld-linux-x86-64.so.2", &link).unwrap();
    link
}

#[test]
fn elf_longer_interpreter_and_rpath_match_patchelf_and_the_program_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let loader = long_loader(dir.path());
    for program in ["/usr/bin/ls", "/usr/bin/patchelf"] {
        let copy = host_copy(dir.path(), program);
        let rpath = format!(
            "{}/lib-one:{}/lib-two:/lib/x86_64-linux-gnu",
            dir.path().display(),
            dir.path().display()
        );
        let outcome = elf::edit_file(
            &copy,
            elf::Edit {
                interpreter: Some(loader.to_str().unwrap()),
                rpath: Some(&rpath),
            },
        )
        .unwrap();
        assert!(outcome.grew && outcome.interpreter_set && outcome.rpath_set);
        let copy_s = copy.to_str().unwrap();
        assert_eq!(
            oracle("patchelf", &["--print-interpreter", copy_s]).trim(),
            loader.to_str().unwrap()
        );
        assert_eq!(oracle("patchelf", &["--print-rpath", copy_s]).trim(), rpath);
        let dynamic = oracle("readelf", &["-dW", copy_s]);
        assert!(
            dynamic.contains(&format!("(RPATH)              Library rpath: [{rpath}]")),
            "{dynamic}"
        );
        assert!(!dynamic.contains("RUNPATH"), "{dynamic}");
        let segments = oracle("readelf", &["-lW", copy_s]);
        assert!(
            segments.contains(&format!(
                "[Requesting program interpreter: {}]",
                loader.display()
            )),
            "{segments}"
        );
        let (ok, stdout, stderr) = run(Command::new(&copy).arg("--version"));
        assert!(ok, "{program} after the edit: {stderr}");
        assert!(!stdout.is_empty());
        // Our own reader agrees, and a second edit (now in place) still works.
        let bytes = std::fs::read(&copy).unwrap();
        assert_eq!(
            elf::search_paths(&bytes).unwrap(),
            (Some(rpath.clone()), None)
        );
        let outcome = elf::edit_file(
            &copy,
            elf::Edit {
                interpreter: None,
                rpath: Some("/lib/x86_64-linux-gnu"),
            },
        )
        .unwrap();
        assert!(!outcome.grew);
        assert!(run(Command::new(&copy).arg("--version")).0);
    }
}

#[test]
fn elf_runpath_becomes_rpath_on_a_shared_library_that_still_loads() {
    // Make a library with a RUNPATH using patchelf (oracle only), then convert it.
    let dir = tempfile::tempdir().unwrap();
    let lib = host_copy(dir.path(), "/lib/x86_64-linux-gnu/libz.so.1");
    let lib_s = lib.to_str().unwrap();
    oracle("patchelf", &["--set-rpath", "/x", lib_s]);
    assert!(oracle("readelf", &["-dW", lib_s]).contains("RUNPATH"));
    let long = "/lib/x86_64-linux-gnu:/a/much/longer/path/than/before/to/force/new/space";
    let outcome = elf::edit_file(
        &lib,
        elf::Edit {
            interpreter: None,
            rpath: Some(long),
        },
    )
    .unwrap();
    assert!(outcome.rpath_set);
    let dynamic = oracle("readelf", &["-dW", lib_s]);
    assert!(
        dynamic.contains(&format!("Library rpath: [{long}]")),
        "{dynamic}"
    );
    assert!(!dynamic.contains("RUNPATH"), "{dynamic}");
    // The dynamic loader can still load it (python's ctypes through the host loader).
    let (ok, _, stderr) = run(Command::new("python3").args([
        "-c",
        &format!("import ctypes; ctypes.CDLL('{lib_s}').zlibVersion"),
    ]));
    assert!(ok, "edited library does not load: {stderr}");
}

#[test]
fn elf_non_pie_executable_gets_a_longer_interpreter_and_runs() {
    // A non-PIE program built here with the host C compiler, when one is installed.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("t.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(){puts(\"non-pie ok\");return 0;}\n",
    )
    .unwrap();
    let exe = dir.path().join("t");
    let Ok(status) = Command::new("cc")
        .args([
            "-no-pie",
            "-o",
            exe.to_str().unwrap(),
            src.to_str().unwrap(),
        ])
        .status()
    else {
        panic!("the C compiler `cc` is needed for this test (apt-get install gcc)");
    };
    assert!(status.success());
    assert!(oracle("readelf", &["-hW", exe.to_str().unwrap()]).contains("EXEC"));
    let loader = long_loader(dir.path());
    elf::edit_file(
        &exe,
        elf::Edit {
            interpreter: Some(loader.to_str().unwrap()),
            rpath: Some("/lib/x86_64-linux-gnu:/some/other/long/enough/directory/name"),
        },
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&mut Command::new(&exe));
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "non-pie ok\n");
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

#[test]
fn apt_sources_of_this_machine_match_apt_indextargets() {
    let apt = AptConfig::load(Path::new("/")).unwrap();
    let mut ours: Vec<String> = apt
        .sources
        .iter()
        .flat_map(|s| {
            s.components
                .iter()
                .map(move |c| format!("{}/ {} {c}", s.uri, s.suite))
        })
        .collect();
    ours.sort();
    let listed = oracle(
        "apt-get",
        &[
            "indextargets",
            "--format",
            "$(REPO_URI) $(RELEASE) $(COMPONENT) $(ARCHITECTURE) $(CREATED_BY)",
        ],
    );
    let mut theirs: Vec<String> = listed
        .lines()
        .filter(|l| l.ends_with(" amd64 Packages"))
        .map(|l| l.trim_end_matches(" amd64 Packages").to_owned())
        .collect();
    theirs.sort();
    theirs.dedup();
    assert_eq!(ours, theirs);
}

#[test]
fn archive_inrelease_verifies_to_the_same_text_as_gpgv_and_tampering_is_refused() {
    let source = base_source();
    let url = source.dists_url("InRelease");
    let bytes = Fetcher::new().get(&url, &NoProgress).unwrap();
    let keys = TrustedKeys::load(&source.keyring).unwrap();
    let text = keys.verify_clearsigned(&bytes, &url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("InRelease");
    std::fs::write(&file, &bytes).unwrap();
    let denv::pkgs::sources::Keyring::File(keyring) = &source.keyring else {
        panic!("the machine's Debian source names its keyring with Signed-By");
    };
    let gpgv = oracle(
        "gpgv",
        &[
            "--keyring",
            keyring.to_str().unwrap(),
            "--output",
            "-",
            file.to_str().unwrap(),
        ],
    );
    // gpgv also prints the line end that precedes the signature; it is not signed.
    assert!(
        text.trim_end() == gpgv.trim_end(),
        "signed text differs from gpgv's: {} vs {} bytes",
        text.len(),
        gpgv.len()
    );
    // One changed byte in the signed text (a checksum line) breaks the signature.
    let tampered = String::from_utf8(bytes.clone())
        .unwrap()
        .replacen(
            " main/binary-amd64/Packages.xz",
            " main/binary-amd64/Packages.xy",
            1,
        )
        .into_bytes();
    assert_ne!(tampered, bytes);
    let err = update::verify_release(source, &keys, &tampered).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{url}: signature check failed: no good signature")),
        "{err}"
    );
    // A Release signed for one suite is not accepted for another.
    let other = denv::pkgs::sources::Source {
        suite: format!("{}-not-this", source.suite),
        ..source.clone()
    };
    let err = update::verify_release(&other, &keys, &bytes).unwrap_err();
    assert!(err.to_string().starts_with("suite of "), "{err}");
}

#[test]
fn archive_packages_index_is_checked_against_the_signed_release_and_tampering_is_refused() {
    let source = base_source();
    let fetcher = Fetcher::new();
    let keys = TrustedKeys::load(&source.keyring).unwrap();
    let in_release = fetcher
        .get(&source.dists_url("InRelease"), &NoProgress)
        .unwrap();
    let release = update::verify_release(source, &keys, &in_release).unwrap();
    let path = "main/binary-amd64/Packages.xz";
    let url = source.dists_url(path);
    let bytes = fetcher.get(&url, &NoProgress).unwrap();
    let plain = update::check_packages(&release, path, &bytes, &url).unwrap();
    assert!(
        String::from_utf8(plain)
            .unwrap()
            .contains("\nPackage: hello\n")
    );
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x55;
    let err = update::check_packages(&release, path, &tampered, &url).unwrap_err();
    assert_eq!(
        err.to_string().split(": expected").next().unwrap(),
        format!("SHA256 of {url} does not match")
    );
    let err = update::check_packages(&release, path, &bytes[..middle], &url).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("size of {url} does not match")),
        "{err}"
    );
}

/// apt's own choice for a fresh system (empty dpkg status), as (name, version) pairs.
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

fn resolve(package: &str, options: ResolveOptions) -> Vec<Pinned> {
    denv::pkgs::resolve(&archive().index, &[package], options)
        .unwrap_or_else(|e| panic!("resolving {package}: {e}"))
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

#[test]
fn archive_tampered_deb_is_refused() {
    let hello = resolve("hello", ResolveOptions::default())
        .into_iter()
        .find(|p| p.name == "hello")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new();
    let mut wrong_hash = hello.download(dir.path());
    let flipped = if wrong_hash.sha256.starts_with('0') {
        "1"
    } else {
        "0"
    };
    wrong_hash.sha256.replace_range(..1, flipped);
    let err = fetcher.download(&wrong_hash, &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("SHA256 of {} does not match", hello.url)),
        "{err}"
    );
    assert!(
        !wrong_hash.dest.exists(),
        "a refused .deb is not left in place"
    );
    let mut wrong_size = hello.download(dir.path());
    wrong_size.size -= 1;
    let err = fetcher.download(&wrong_size, &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("size of {}", hello.url)),
        "{err}"
    );
    // A good download that is later modified on disk is fetched again, not trusted.
    let good = hello.download(dir.path());
    fetcher.download(&good, &NoProgress).unwrap();
    let mut bytes = std::fs::read(&good.dest).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&good.dest, &bytes).unwrap();
    fetcher.download(&good, &NoProgress).unwrap();
    let (size, sha) = denv::pkgs::fetch::file_sha256(&good.dest).unwrap();
    assert_eq!((size, sha), (hello.size, hello.sha256.clone()));
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

/// Runs `program` (relative to the closure tree) with only `root` visible, plus /dev and
/// /proc, in a private mount namespace.
fn run_in_chroot(root: &Path, program: &str, args: &[&str]) -> (bool, String, String) {
    let r = root.display();
    let script = format!(
        "set -e; mkdir -p {r}/dev {r}/proc; mount --rbind /dev {r}/dev; \
         mount -t proc proc {r}/proc; exec chroot {r} \"$@\""
    );
    run(Command::new("unshare")
        .args(["--mount", "--fork", "sh", "-c", &script, "sh"])
        .arg(Path::new("/closure").join(program))
        .args(args))
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
    let (ok, stdout, stderr) = run_in_chroot(jail.path(), program, args);
    assert!(
        ok && expect(&stdout),
        "{program} in a chroot: stdout {stdout:?}, stderr {stderr}"
    );
    // Nothing from the host leaks in: the chroot has no /usr, no /lib.
    assert!(!jail.path().join("usr").exists() && !jail.path().join("lib").exists());
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
    let (ok, _, _) = run_in_chroot(jail.path(), "hello/usr/bin/hello", &[]);
    assert!(
        !ok,
        "without relocation hello must not find a loader in the chroot"
    );
    let _ = &archive().apt;
}

// ---------------------------------------------------------------- versions, channels, cache

#[test]
fn archive_version_order_matches_dpkg_compare_versions() {
    use denv::pkgs::version::Version;
    let mut versions: Vec<String> = [
        "1.0",
        "1.0-1",
        "1.0~rc1",
        "1.0~~",
        "1.0+b1",
        "1:0.9",
        "0:1.0",
        "1.0a",
        "1.0.0",
        "1.00",
        "2.36-9+deb12u1",
        "2.36-9+deb12u10",
        "1.0-1~bpo1",
        "10",
        "9.99",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Plus every version of a sample of real packages with several versions.
    let index = &archive().index;
    versions.extend(
        index
            .candidates()
            .filter(|p| index.versions(p.name()).len() > 1)
            .take(40)
            .flat_map(|p| {
                index
                    .versions(p.name())
                    .into_iter()
                    .map(|v| v.version().to_owned())
            }),
    );
    versions.extend(index.candidates().take(40).map(|p| p.version().to_owned()));
    let mut checked = 0;
    for pair in versions.windows(2).chain(versions.chunks(2)) {
        let (a, b) = (&pair[0], pair.get(1).unwrap_or(&pair[0]));
        let ours = Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap());
        let less = Command::new("dpkg")
            .args(["--compare-versions", a, "lt", b])
            .status()
            .unwrap()
            .success();
        let equal = Command::new("dpkg")
            .args(["--compare-versions", a, "eq", b])
            .status()
            .unwrap()
            .success();
        let theirs = if less {
            std::cmp::Ordering::Less
        } else if equal {
            std::cmp::Ordering::Equal
        } else {
            std::cmp::Ordering::Greater
        };
        assert_eq!(ours, theirs, "{a} vs {b}");
        checked += 1;
    }
    assert!(checked > 100);
}

/// Collects warnings.
#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<String>>);
impl denv::pkgs::Progress for Warnings {
    fn warning(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }
}

#[test]
fn archive_named_channel_is_the_suite_family_on_the_machines_archives() {
    let apt = &archive().apt;
    let cache = tempfile::tempdir().unwrap();
    let warnings = Warnings::default();
    let trixie = Channel::for_suite("t", "trixie", apt).unwrap();
    let index = update::update(cache.path(), &trixie, &Fetcher::new(), &warnings).unwrap();
    let suites: Vec<&str> = index.sources().iter().map(|s| s.suite.as_str()).collect();
    assert_eq!(suites, ["trixie", "trixie-updates", "trixie-security"]);
    // The security suite comes from the URI the machine lists for its own security suite.
    let security_uri = apt
        .sources
        .iter()
        .find(|s| s.suite.ends_with("-security"))
        .map(|s| s.uri.clone())
        .expect("the machine lists a security suite");
    assert_eq!(index.sources()[2].uri, security_uri);
    assert!(warnings.0.lock().unwrap().is_empty());
    let newer = index.candidate("hello").unwrap().parsed_version().unwrap();
    let older = archive()
        .index
        .candidate("hello")
        .unwrap()
        .parsed_version()
        .unwrap();
    assert!(newer >= older);
    // Offline: the cached index is what later loads use.
    let cached = update::load_cached(cache.path(), &trixie).unwrap();
    assert_eq!(cached.len(), index.len());
    let never = Channel::for_suite("sid", "sid", apt).unwrap();
    let err = update::load_cached(cache.path(), &never).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no index for channel `sid` in the cache; run `denv update` (with network access) first"
    );
}

#[test]
fn archive_unreachable_or_unverifiable_extra_sources_are_skipped_with_one_warning() {
    let base = base_source().clone();
    let mut channel = Channel::from_apt(&archive().apt).unwrap();
    channel.sources.retain(|s| s.need == Need::Required);
    let wrong_keys = tempfile::tempdir().unwrap();
    // A keyring holding some other key: the archive's signature cannot verify with it.
    let (ok, _, stderr) = run(Command::new("gpg").args([
        "--batch",
        "--homedir",
        wrong_keys.path().to_str().unwrap(),
        "--passphrase",
        "",
        "--quick-gen-key",
        "someone@example.invalid",
        "ed25519",
        "sign",
        "never",
    ]));
    assert!(ok, "gpg (test oracle) could not make a key: {stderr}");
    let keyring = wrong_keys.path().join("other.gpg");
    let exported = Command::new("gpg")
        .args([
            "--batch",
            "--homedir",
            wrong_keys.path().to_str().unwrap(),
            "--export",
        ])
        .output()
        .unwrap();
    std::fs::write(&keyring, exported.stdout).unwrap();
    let unverifiable = denv::pkgs::sources::Source {
        keyring: denv::pkgs::sources::Keyring::File(keyring.clone()),
        ..base.clone()
    };
    let unreachable = denv::pkgs::sources::Source {
        uri: "http://127.0.0.1:9/apt".to_owned(),
        suite: "nodistro".to_owned(),
        ..base.clone()
    };
    for source in [unverifiable.clone(), unreachable] {
        channel.sources.push(denv::pkgs::channel::ChannelSource {
            source,
            need: Need::Extra,
        });
    }
    let cache = tempfile::tempdir().unwrap();
    let warnings = Warnings::default();
    let index = update::update(cache.path(), &channel, &Fetcher::new(), &warnings).unwrap();
    assert!(index.candidate("hello").is_some());
    let warnings = warnings.0.into_inner().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("signature check failed"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("http://127.0.0.1:9/apt"),
        "{warnings:?}"
    );
    // The same unverifiable source as the channel's own suite is a hard error.
    let strict = Channel {
        name: "strict".to_owned(),
        sources: vec![denv::pkgs::channel::ChannelSource {
            source: unverifiable,
            need: Need::Required,
        }],
    };
    let err = update::update(cache.path(), &strict, &Fetcher::new(), &NoProgress).unwrap_err();
    assert!(matches!(err, PkgsError::BadSignature { .. }), "{err}");
}

// ---------------------------------------------------------------- the verbs

fn denv(cache: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_denv"))
        .args(args)
        .env("DENV_CACHE_DIR", cache)
        .env("DENV_CONFIG_DIR", cache.join("config"))
        .current_dir(cache)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn archive_search_show_and_update_verbs() {
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = denv(cache.path(), &["update"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("channel default: "), "{stdout}");
    let (code, stdout, _) = denv(cache.path(), &["search", "jq", "--limit", "3"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 3);
    assert!(stdout.starts_with("jq "), "{stdout}");
    let (code, stdout, _) = denv(cache.path(), &["search", "jq", "--json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows[0]["name"], "jq");
    assert_eq!(rows[0]["match"], "exact-name");
    let (code, stdout, _) = denv(cache.path(), &["show", "hello"]);
    assert_eq!(code, 0);
    let candidate = archive().index.candidate("hello").unwrap();
    assert!(stdout.starts_with("hello (channel default)\n"), "{stdout}");
    assert!(
        stdout.contains(&format!("  version {} [amd64]", candidate.version())),
        "{stdout}"
    );
    // An alias resolves to the channel's default major version, read from the index.
    let (code, stdout, _) = denv(cache.path(), &["show", "postgresql", "--json"]);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let package = shown[0]["package"].as_str().unwrap();
    assert!(package.starts_with("postgresql-") && package[11..].parse::<u32>().is_ok());
    let (code, _, stderr) = denv(cache.path(), &["show", "hellp"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: unknown package `hellp`; did you mean hello"),
        "{stderr}"
    );
    // A named channel from the user's config.
    std::fs::create_dir_all(cache.path().join("config")).unwrap();
    std::fs::write(
        cache.path().join("config/config.toml"),
        "[channels]\ntrixie = { suite = \"trixie\" }\n",
    )
    .unwrap();
    let (code, stdout, stderr) = denv(
        cache.path(),
        &["search", "hello", "--channel", "trixie", "--limit", "1"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("hello "), "{stdout}");
    let (code, _, stderr) = denv(cache.path(), &["search", "x", "--channel", "nope"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: unknown channel `nope` (known: default, trixie)\n"
    );
}
