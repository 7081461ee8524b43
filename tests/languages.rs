//! Language toolchains from the Debian archive run from the store: Python finds its own
//! standard library there, and Go from two suites builds and runs a module side by side
//! on one host. These tests need the Debian archive that the machine's apt configuration
//! lists (bookworm and trixie suites on it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DENV: &str = env!("CARGO_BIN_EXE_denv");

/// `denv ARGS` in `cwd` with every denv directory inside `state`.
fn denv(state: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(DENV)
        .args(args)
        .current_dir(cwd)
        .env("DENV_DATA_DIR", state.join("data"))
        .env("DENV_CACHE_DIR", state.join("cache"))
        .env("DENV_CONFIG_DIR", state.join("config"))
        .env("HOME", state.join("home"))
        .env_remove("DENV_STORE")
        .env_remove("NIX_STORE_DIR")
        .env_remove("GOROOT")
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .output()
        .expect("denv runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A project directory holding `denv_toml`.
fn project(state: &Path, name: &str, denv_toml: &str) -> PathBuf {
    let dir = state.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("denv.toml"), denv_toml).unwrap();
    dir
}

fn expect_success(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed (is the Debian archive listed in /etc/apt reachable?):\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs `program ARGS` in a private mount namespace whose root holds only `store` (at its
/// own path), `/dev`, `/proc` and an empty `/tmp`: nothing of the host's `/usr`, `/lib` or
/// `/etc` is there to fall back on. `None` when this kernel gives no mount namespace.
fn in_store_only_root(store: &Path, program: &Path, args: &[&str]) -> Option<Output> {
    let script = r#"set -e
store=$1; shift
root=$(mktemp -d)
mkdir -p "$root$store" "$root/dev" "$root/proc" "$root/tmp"
mount --bind "$store" "$root$store"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
exec env -i HOME=/tmp PATH=/nonexistent "$(command -v chroot)" "$root" "$@"
"#;
    let probe = Command::new("unshare")
        .args(["--mount", "true"])
        .output()
        .ok()?;
    if !probe.status.success() {
        eprintln!("skipping the store-only check: no mount namespace here");
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["--mount", "sh", "-c", script, "sh"])
            .arg(store)
            .arg(program)
            .args(args)
            .output()
            .expect("unshare runs"),
    )
}

const PYTHON_CHECK: &str = "import ssl, sqlite3, sys; print(sys.prefix); print(ssl.OPENSSL_VERSION); print(sqlite3.sqlite_version)";

#[test]
fn archive_python3_finds_ssl_sqlite3_and_its_prefix_in_the_store() {
    let state = tempfile::tempdir().unwrap();
    let store = state.path().join("data/store");
    let dir = project(state.path(), "py", "[packages]\npython3 = \"*\"\n");
    let out = denv(
        state.path(),
        &dir,
        &["run", "--", "python3", "-c", PYTHON_CHECK],
    );
    let stdout = expect_success(&out, "`denv run -- python3`");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        Path::new(lines[0]).starts_with(&store),
        "sys.prefix is not in the store: {stdout}"
    );
    assert!(lines[1].starts_with("OpenSSL 3."), "{stdout}");
    assert!(lines[2].starts_with("3."), "{stdout}");

    // Again where only the store exists: the interpreter, its stdlib and its libraries
    // are all there.
    let profile = std::fs::read_link(dir.join(".denv/profile")).unwrap();
    if let Some(out) =
        in_store_only_root(&store, &profile.join("bin/python3"), &["-c", PYTHON_CHECK])
    {
        assert_eq!(
            expect_success(&out, "python3 in a root holding only the store"),
            stdout
        );
    }
}

const MAIN_GO: &str = r#"package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Println("built by", runtime.Version()) }
"#;

/// A project using `golang-go` from `channel` (none: the default), with a small module.
fn go_project(state: &Path, name: &str, channel: Option<&str>) -> PathBuf {
    let toml = match channel {
        None => "[packages]\ngolang-go = \"*\"\n".to_string(),
        Some(suite) => format!(
            "[packages]\ngolang-go = {{ version = \"*\", channel = \"{suite}\" }}\n\n\
             [channels]\n{suite} = {{ suite = \"{suite}\" }}\n"
        ),
    };
    let dir = project(state, name, &toml);
    std::fs::write(dir.join("main.go"), MAIN_GO).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.19\n").unwrap();
    dir
}

#[test]
fn archive_go_from_bookworm_and_trixie_build_and_run_side_by_side() {
    let state = tempfile::tempdir().unwrap();
    let store = state.path().join("data/store");
    let old = go_project(state.path(), "old", None);
    let new = go_project(state.path(), "new", Some("trixie"));
    let mut builds = Vec::new();
    for (dir, version) in [(&old, "go1.19"), (&new, "go1.24")] {
        let out = denv(
            state.path(),
            dir,
            &[
                "run",
                "--",
                "sh",
                "-c",
                "export GOCACHE=\"$PWD/.gocache\" GOFLAGS=-mod=mod CGO_ENABLED=0 && \
                 command -v go && go env GOROOT && go build -o hello . && ./hello",
            ],
        );
        let stdout = expect_success(&out, &format!("`go build` with {version}"));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        assert!(Path::new(lines[0]).starts_with(&store), "{stdout}");
        assert!(Path::new(lines[1]).starts_with(&store), "GOROOT: {stdout}");
        assert!(
            lines[2].starts_with(&format!("built by {version}")),
            "{stdout}"
        );
        builds.push(lines[1].to_string());
    }
    assert_ne!(builds[0], builds[1], "both projects use one GOROOT");
}
