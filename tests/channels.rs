//! `<denv>` end to end against the real Debian archive listed in apt's configuration:
//! `denv build -E 'with import <denv> {}; pkgs.NAME'` prints one store path whose `bin/`
//! programs run, also where only the store (plus /dev and /proc) is visible; a `.deb`
//! whose bytes do not match the signed index is refused and not registered; evaluation
//! alone works read-only. Every test runs with its own store, data, cache and config
//! directories; tests named `archive_…` need the archive and say so when it is unreachable.
//! No version or hash of the live archive is written down here.

#[path = "support/store_root.rs"]
mod store_root;

use std::path::{Path, PathBuf};
use std::process::Command;

use store_root::StoreRoot;

/// Fresh denv directories for one test.
struct Sandbox {
    root: tempfile::TempDir,
}

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().expect("a temporary directory");
        for sub in ["store", "data", "cache", "config", "work"] {
            std::fs::create_dir_all(root.path().join(sub)).expect("a test directory");
        }
        Sandbox { root }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.root.path().join(sub)
    }

    fn store(&self) -> PathBuf {
        self.path("store")
    }

    fn denv(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_denv"))
            .args(args)
            .current_dir(self.path("work"))
            .env_remove("NIX_PATH")
            .env_remove("NIX_STORE_DIR")
            .env("DENV_STORE", self.store())
            .env("DENV_DATA_DIR", self.path("data"))
            .env("DENV_CACHE_DIR", self.path("cache"))
            .env("DENV_CONFIG_DIR", self.path("config"))
            .output()
            .expect("denv runs");
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Fetches the default channel's index, or fails the test saying the archive is needed.
    fn require_archive(&self) {
        let out = self.denv(&["update"]);
        assert!(
            out.ok,
            "the Debian archive listed in /etc/apt is unreachable or unverifiable \
             (archive_ tests need it): {}",
            out.stderr
        );
    }

    /// `denv build -E EXPR` in the work directory; returns the one store path printed.
    fn build(&self, expr: &str) -> PathBuf {
        let out = self.denv(&["build", "-E", expr]);
        assert!(out.ok, "denv build -E '{expr}' failed:\n{}", out.stderr);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one store path expected: {:?}", out.stdout);
        let path = PathBuf::from(lines[0]);
        assert_eq!(
            path.parent(),
            Some(self.store().as_path()),
            "{} is not in the store",
            path.display()
        );
        path
    }
}

fn run(program: &Path, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    Output {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `program` in a root holding only the store (see `StoreRoot`), with each file of
/// `extra` at the root's top; `None` when this kernel gives no mount namespace.
fn run_in_store_only(
    store: &Path,
    program: &Path,
    args: &[&str],
    extra: &[(&str, &str)],
) -> Option<Output> {
    let mut root = StoreRoot::new(store)?;
    for (name, text) in extra {
        root = root.file(&format!("/{name}"), text);
    }
    let out = root.output(program, args);
    Some(Output {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Builds `pkgs.NAME`, then runs `bin/PROGRAM ARGS` from the host and from a jail that
/// holds only the store; both must print `expect`.
fn package_runs(name: &str, program: &str, args: &[&str], extra: &[(&str, &str)], expect: &str) {
    let sb = Sandbox::new();
    sb.require_archive();
    let out = sb.build(&format!("with import <denv> {{}}; pkgs.{name}"));
    let exe = out.join("bin").join(program);
    if extra.is_empty() {
        let host = run(&exe, args);
        assert!(
            host.ok && host.stdout == expect,
            "{program}: stdout {:?}, stderr {}",
            host.stdout,
            host.stderr
        );
    }
    let Some(alone) = run_in_store_only(&sb.store(), &exe, args, extra) else {
        return;
    };
    assert!(
        alone.ok && alone.stdout == expect,
        "{program} with only the store visible: stdout {:?}, stderr {}",
        alone.stdout,
        alone.stderr
    );
}

#[test]
fn archive_hello_builds_to_one_store_path_and_runs() {
    let sb = Sandbox::new();
    sb.require_archive();
    let out = sb.build("with import <denv> {}; pkgs.hello");
    let hello = run(&out.join("bin/hello"), &[]);
    assert!(hello.ok, "{}", hello.stderr);
    assert_eq!(hello.stdout, "Hello, world!\n");
    // nix-build's result link is a root: garbage collection keeps everything hello needs.
    assert_eq!(
        std::fs::read_link(sb.path("work/result")).expect("./result"),
        out
    );
    let gc = sb.denv(&["gc"]);
    assert!(gc.ok, "denv gc failed: {}", gc.stderr);
    let again = run(&out.join("bin/hello"), &[]);
    assert_eq!(
        again.stdout, "Hello, world!\n",
        "after gc: {}",
        again.stderr
    );
    // A second build is a no-op that prints the same path.
    assert_eq!(sb.build("with import <denv> {}; pkgs.hello"), out);
}

#[test]
fn archive_hello_runs_with_only_the_store_visible() {
    package_runs("hello", "hello", &[], &[], "Hello, world!\n");
}

#[test]
fn archive_jq_runs_with_only_the_store_visible() {
    package_runs("jq", "jq", &["-n", "1+1"], &[], "2\n");
}

#[test]
fn archive_ripgrep_finds_a_line_with_only_the_store_visible() {
    let sb = Sandbox::new();
    sb.require_archive();
    let out = sb.build("with import <denv> {}; pkgs.ripgrep");
    let rg = out.join("bin/rg");
    let file = sb.path("work/haystack.txt");
    std::fs::write(&file, "hay\nneedle here\nmore hay\n").unwrap();
    let host = run(&rg, &["needle", file.to_str().unwrap()]);
    assert_eq!(host.stdout, "needle here\n", "{}", host.stderr);
    let Some(alone) = run_in_store_only(
        &sb.store(),
        &rg,
        &["needle", "/haystack.txt"],
        &[("haystack.txt", "hay\nneedle here\nmore hay\n")],
    ) else {
        return;
    };
    assert_eq!(alone.stdout, "needle here\n", "{}", alone.stderr);
}

#[test]
fn archive_build_of_a_file_using_denv_and_an_alias() {
    let sb = Sandbox::new();
    sb.require_archive();
    std::fs::write(
        sb.path("work/default.nix"),
        "let denv = import <denv> { }; in denv.pkgs.rg\n",
    )
    .unwrap();
    let out = sb.denv(&["build"]);
    assert!(out.ok, "{}", out.stderr);
    let path = PathBuf::from(out.stdout.trim_end());
    let rg = run(&path.join("bin/rg"), &["--version"]);
    assert!(rg.stdout.starts_with("ripgrep "), "{}", rg.stderr);
}

/// Rewrites one hex digit of `package`'s SHA256 in the cached index (same length, so the
/// cache file stays well-formed): the index now disagrees with the archive's bytes. The
/// cache holds the verified field values; the SHA256 is the first run of 64 hex digits
/// after the package's file name.
fn tamper_with_cached_sha256(cache: &Path, package: &str) {
    let dir = cache.join("debian");
    let mut done = false;
    for entry in std::fs::read_dir(&dir).expect("the index cache") {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let file = format!("/{package}_");
        let Some(at) = find(&bytes, file.as_bytes(), 0) else {
            continue;
        };
        let deb = find(&bytes, b".deb", at).expect("the file name ends in .deb");
        let sha = (deb + 4..bytes.len() - 64)
            .find(|&i| bytes[i..i + 64].iter().all(u8::is_ascii_hexdigit))
            .expect("a SHA256 after the file name");
        bytes[sha] = if bytes[sha] == b'0' { b'1' } else { b'0' };
        std::fs::write(&path, bytes).unwrap();
        done = true;
    }
    assert!(done, "{package} is in no cached index");
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[test]
fn archive_deb_not_matching_the_signed_index_is_refused_and_not_registered() {
    let sb = Sandbox::new();
    sb.require_archive();
    tamper_with_cached_sha256(&sb.path("cache"), "hello");
    let out = sb.denv(&["build", "-E", "with import <denv> {}; pkgs.hello"]);
    assert!(!out.ok, "a tampered build must fail: {}", out.stdout);
    assert!(out.stdout.is_empty(), "nothing is printed: {}", out.stdout);
    assert!(
        out.stderr.contains("hash mismatch") && out.stderr.contains("hello"),
        "the error names the mismatch and the package: {}",
        out.stderr
    );
    let hello_debs: Vec<String> = std::fs::read_dir(sb.store())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("-hello-") && !n.ends_with(".drv"))
        .collect();
    assert!(
        hello_debs.is_empty(),
        "nothing of hello is in the store: {hello_debs:?}"
    );
    let listed = sb.denv(&["store", "ls"]);
    assert!(
        !listed
            .stdout
            .lines()
            .any(|l| l.contains("-hello-") && !l.ends_with(".drv")),
        "nothing of hello is registered: {}",
        listed.stdout
    );
}

#[test]
fn archive_eval_of_a_package_name_is_read_only() {
    let sb = Sandbox::new();
    sb.require_archive();
    std::fs::remove_dir(sb.store()).unwrap();
    let out = sb.denv(&[
        "eval",
        "--strict",
        "-E",
        "(import <denv> {}).pkgs.hello.name",
    ]);
    assert!(out.ok, "{}", out.stderr);
    let name = out.stdout.trim_end();
    assert!(
        name.starts_with("\"hello-") && name.ends_with('"') && name.len() > 9,
        "{name}"
    );
    assert!(!sb.store().exists(), "evaluation wrote to the store");
}

#[test]
fn archive_unknown_package_is_a_missing_attribute() {
    let sb = Sandbox::new();
    sb.require_archive();
    let out = sb.denv(&[
        "eval",
        "-E",
        "(import <denv> {}).pkgs ? no-such-package-here",
    ]);
    assert!(out.ok, "{}", out.stderr);
    assert_eq!(out.stdout, "false\n");
    let out = sb.denv(&["eval", "-E", "(import <denv> {}).pkgs ? hello"]);
    assert_eq!(out.stdout, "true\n", "{}", out.stderr);
}

#[test]
fn archive_named_channels_resolve_in_their_own_suite() {
    let sb = Sandbox::new();
    sb.require_archive();
    std::fs::write(
        sb.path("config/config.toml"),
        "[channels]\ntesting = { suite = \"trixie\" }\n",
    )
    .unwrap();
    let suites = |expr: &str| {
        let out = sb.denv(&[
            "eval",
            "--strict",
            "-E",
            &format!("map (d: d.suite) ({expr}).debs"),
        ]);
        assert!(out.ok, "{expr}: {}", out.stderr);
        out.stdout
    };
    let declared = suites("(import <denv> {}).pkgs.testing.hello");
    let names: Vec<&str> = declared.split('"').skip(1).step_by(2).collect();
    assert!(
        !names.is_empty() && names.iter().all(|s| s.starts_with("trixie")),
        "{declared}"
    );
    let by_argument = suites("(import <denv> { channels.t = \"trixie\"; }).pkgs.t.hello");
    assert_eq!(by_argument, declared);
}

#[test]
fn archive_cowsay_runs_with_only_the_store_visible() {
    // A Perl script: its wrapper runs the store's dash, which runs the store's perl with
    // PERL5LIB and COWPATH in the store.
    let moo = " _____\n< moo >\n -----\n        \\   ^__^\n         \\  (oo)\\_______\n            \
               (__)\\       )\\/\\\n                ||----w |\n                ||     ||\n";
    package_runs("cowsay", "cowsay", &["moo"], &[], moo);
}
