//! Language toolchains from the Debian archive run from the store: Python finds its own
//! standard library there, Go from two suites builds and runs a module side by side on one
//! host, a JDK compiles and runs a class and Ruby loads its library and gems, each also
//! in a root that holds only the store. These tests need the Debian archive that the machine's apt configuration lists
//! (bookworm and trixie suites on it).

#[path = "support/store_root.rs"]
mod store_root;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use store_root::StoreRoot;

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

/// The arguments of `denv run -- sh -c SCRIPT [ARG…]`.
fn run_sh<'a>(script_and_args: &[&'a str]) -> Vec<&'a str> {
    [&["run", "--", "sh", "-c"][..], script_and_args].concat()
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
    if let Some(root) = StoreRoot::new(&store) {
        let out = root.output(&profile.join("bin/python3"), &["-c", PYTHON_CHECK]);
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
            &run_sh(&[
                "export GOCACHE=\"$PWD/.gocache\" GOFLAGS=-mod=mod CGO_ENABLED=0 && \
                 command -v go && go env GOROOT && go build -o hello . && ./hello",
            ]),
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

    // Again where only the store and the project exist: `go` (dynamically linked) finds
    // its libc and its GOROOT in the store.
    for (dir, version, goroot) in [(&old, "go1.19", &builds[0]), (&new, "go1.24", &builds[1])] {
        std::fs::remove_file(dir.join("hello")).unwrap();
        let Some(root) = StoreRoot::new(&store) else {
            return;
        };
        let root = root.writable(dir);
        let go = std::fs::read_link(dir.join(".denv/profile"))
            .unwrap()
            .join("bin/go");
        let in_project = |program: &Path, args: &[&str]| {
            root.command(program)
                .args(args)
                .current_dir(dir)
                .env("GOCACHE", dir.join(".gocache-alone"))
                .env("GOPATH", dir.join(".gopath"))
                .env("GOFLAGS", "-mod=mod")
                .env("CGO_ENABLED", "0")
                .output()
        };
        let env = in_project(&go, &["env", "GOROOT"]);
        let what = format!("`go env GOROOT` with {version} in a root holding only the store");
        assert_eq!(expect_success(&env, &what).trim(), goroot.as_str());
        let build = in_project(&go, &["build", "-o", "hello", "."]);
        expect_success(
            &build,
            &format!("`go build` with {version} in a root holding only the store"),
        );
        let run = in_project(&dir.join("hello"), &[]);
        let stdout = expect_success(&run, &format!("the program {version} built alone"));
        assert!(
            stdout.starts_with(&format!("built by {version}")),
            "{stdout}"
        );
    }
}

const HELLO_JAVA: &str = r#"public class Hello {
    public static void main(String[] args) {
        System.out.println(System.getProperty("java.home"));
        System.out.println("hello from java " + Runtime.version().feature());
    }
}
"#;

#[test]
fn archive_java_compiles_and_runs_a_class_with_the_stores_jdk() {
    let state = tempfile::tempdir().unwrap();
    let store = state.path().join("data/store");
    // Debian puts `java` and `javac` on PATH only through update-alternatives at
    // installation; the package's own JVM directory must be offered instead, ahead of
    // any host JDK.
    let dir = project(
        state.path(),
        "java",
        "[packages]\ndefault-jdk-headless = \"*\"\n",
    );
    std::fs::write(dir.join("Hello.java"), HELLO_JAVA).unwrap();
    let out = denv(
        state.path(),
        &dir,
        &run_sh(&["command -v java && command -v javac && javac Hello.java && java Hello"]),
    );
    let stdout = expect_success(&out, "`javac` and `java` from default-jdk-headless");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for line in &lines[..3] {
        assert!(
            Path::new(line).starts_with(&store),
            "not in the store: {stdout}"
        );
    }
    assert!(lines[3].starts_with("hello from java "), "{stdout}");

    // Again where only the store and the project exist.
    let Some(root) = StoreRoot::new(&store) else {
        return;
    };
    let root = root.writable(&dir);
    let java = std::fs::read_link(dir.join(".denv/profile"))
        .unwrap()
        .join("bin/java");
    let alone = root
        .command(&java)
        .args(["-cp", dir.to_str().unwrap(), "Hello"])
        .output();
    assert_eq!(
        expect_success(&alone, "`java` in a root holding only the store"),
        format!("{}\n{}\n", lines[2], lines[3])
    );
}

const RUBY_CHECK: &str = "require 'json'; require 'openssl'; \
    puts RbConfig.ruby, JSON.generate([1]), OpenSSL::OPENSSL_LIBRARY_VERSION, Gem.path.first";

#[test]
fn archive_ruby_loads_its_library_and_gems_from_the_store() {
    let state = tempfile::tempdir().unwrap();
    let store = state.path().join("data/store");
    let dir = project(state.path(), "rb", "[packages]\nruby = \"*\"\n");
    let out = denv(
        state.path(),
        &dir,
        &run_sh(&["ruby -e \"$0\" && gem list json", RUBY_CHECK]),
    );
    let stdout = expect_success(&out, "`ruby` and `gem` from the store");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 5, "{stdout}");
    assert!(Path::new(lines[0]).starts_with(&store), "{stdout}");
    assert_eq!(lines[1], "[1]", "{stdout}");
    assert!(lines[2].starts_with("OpenSSL 3."), "{stdout}");
    assert!(
        Path::new(lines[3]).starts_with(&store),
        "Gem.path: {stdout}"
    );
    assert!(
        lines[4..].iter().any(|l| l.starts_with("json (")),
        "gem lists no json: {stdout}"
    );

    // Again where only the store exists.
    let Some(root) = StoreRoot::new(&store) else {
        return;
    };
    let ruby = std::fs::read_link(dir.join(".denv/profile"))
        .unwrap()
        .join("bin/ruby");
    let alone = root.output(&ruby, &["-e", RUBY_CHECK]);
    let alone = expect_success(&alone, "`ruby` in a root holding only the store");
    assert_eq!(alone.lines().collect::<Vec<_>>(), lines[..4]);
}
