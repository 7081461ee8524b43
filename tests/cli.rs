//! The README's promises, as a newcomer would try them: the bundled example runs its
//! script with programs from the store, and `denv run -p` gives an ad-hoc environment.
//! These tests need the Debian archive that the machine's apt configuration lists.

use std::path::Path;
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
        .env_remove("DENV_STORE")
        .env_remove("NIX_STORE_DIR")
        .output()
        .expect("denv runs")
}

fn copy_example(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn archive_the_bundled_example_runs_its_script_from_the_store() {
    let state = tempfile::tempdir().unwrap();
    let project = state.path().join("hello");
    copy_example("hello", &project);
    let out = denv(state.path(), &project, &["run", "--", "greet"]);
    assert!(
        out.status.success(),
        "`denv run -- greet` failed (is the Debian archive listed in /etc/apt reachable?):\n{}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout),
        "Hello from a denv environment!\nhello and jq\n"
    );
    // The programs come from the store, and the project keeps its profile alive.
    let out = denv(
        state.path(),
        &project,
        &["run", "--", "sh", "-c", "command -v hello"],
    );
    let store = state.path().join("data/store");
    assert!(
        text(&out.stdout).starts_with(&format!("{}/", store.display())),
        "{}",
        text(&out.stdout)
    );
    let profile = std::fs::read_link(project.join(".denv/profile")).unwrap();
    assert!(profile.starts_with(&store), "{}", profile.display());
    // A command's exit status is passed through.
    let out = denv(state.path(), &project, &["run", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn archive_an_unsatisfied_version_names_the_package_and_both_versions() {
    let state = tempfile::tempdir().unwrap();
    let project = state.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("denv.toml"),
        "[packages]\nhello = \">= 999\"\n",
    )
    .unwrap();
    let out = denv(state.path(), &project, &["run", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("`hello` resolved to version"), "{err}");
    assert!(err.contains("does not satisfy `>= 999`"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn archive_an_unknown_package_points_at_its_line_and_suggests_close_names() {
    let state = tempfile::tempdir().unwrap();
    let project = state.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("denv.toml"),
        "# tools\n[packages]\nhello = \"*\"\njqq = \"*\"\n",
    )
    .unwrap();
    let out = denv(state.path(), &project, &["run", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("denv.toml:4:1: unknown package `jqq`"),
        "{err}"
    );
    assert!(err.contains("did you mean `jq`"), "{err}");
    assert!(!project.join(".denv/profile").exists());
}

#[test]
fn archive_denv_nix_adds_packages_variables_and_scripts_and_is_reread_after_an_edit() {
    let state = tempfile::tempdir().unwrap();
    let project = state.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("denv.toml"),
        "[packages]\njq = \"*\"\n[env]\nFROM_TOML = \"t\"\n",
    )
    .unwrap();
    let nix = |greeting: &str| {
        format!(
            "{{ pkgs, lib, root, ... }}: {{\n  packages = [ pkgs.hello ];\n  \
             env.FROM_NIX = \"n-${{lib.optionalString true \"yes\"}}\";\n  \
             env.WHERE = \"${{toString root}}/x\";\n  \
             scripts.hi = \"hello -g {greeting}\";\n}}\n"
        )
    };
    std::fs::write(project.join("denv.nix"), nix("first")).unwrap();
    let run = |cmd: &str| {
        let out = denv(state.path(), &project, &["run", "--", "sh", "-c", cmd]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(
        run("echo $FROM_TOML $FROM_NIX $WHERE; hi; jq -n 1+1"),
        format!("t n-yes {}/x\nfirst\n2\n", project.display())
    );
    std::fs::write(project.join("denv.nix"), nix("second")).unwrap();
    assert_eq!(run("hi"), "second\n");

    // A misspelt attribute points into denv.nix with a suggestion.
    std::fs::write(
        project.join("denv.nix"),
        "{ pkgs, ... }: {\n  packages = [ pkgs.hello ];\n  envv.FOO = \"1\";\n}\n",
    )
    .unwrap();
    let out = denv(state.path(), &project, &["run", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("denv.nix:3:3: unknown attribute `envv`"),
        "{err}"
    );
    assert!(err.contains("did you mean `env`?"), "{err}");
}

#[test]
fn archive_adhoc_packages_with_pure_keep_the_host_path_out() {
    let state = tempfile::tempdir().unwrap();
    let out = denv(
        state.path(),
        state.path(),
        &[
            "run", "--pure", "-p", "hello", "--", "hello", "-g", "ad hoc",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ad hoc\n");
    // With --pure the caller's PATH is gone: a host program is not found.
    let out = denv(
        state.path(),
        state.path(),
        &["run", "--pure", "-p", "hello", "--", "ls"],
    );
    assert_eq!(out.status.code(), Some(127));
}

#[test]
fn nix_store_realise_builds_what_nix_instantiate_wrote() {
    let state = tempfile::tempdir().unwrap();
    let expr = r#"derivation { name = "greeting"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo hello > $out" ]; }"#;
    let out = denv(state.path(), state.path(), &["nix-instantiate", "-E", expr]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drv = text(&out.stdout).trim().to_owned();
    assert!(drv.ends_with("-greeting.drv"), "{drv}");
    let out = denv(
        state.path(),
        state.path(),
        &["nix-store", "--realise", &drv],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = text(&out.stdout);
    let lines: Vec<&str> = path.lines().collect();
    assert_eq!(lines.len(), 1, "{path}");
    assert!(lines[0].ends_with("-greeting"), "{path}");
    assert_eq!(std::fs::read_to_string(lines[0]).unwrap(), "hello\n");
    // Realising again builds nothing and prints the same path.
    let again = denv(state.path(), state.path(), &["nix-store", "-r", &drv]);
    assert_eq!(text(&again.stdout), path);
    assert!(
        !text(&again.stderr).contains("building"),
        "{}",
        text(&again.stderr)
    );
}
