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
    // What the repository holds; not the state (`.denv/`, `denv.lock`) of a local run.
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() && entry.file_name() != "denv.lock" {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
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

/// A project directory inside `state` holding `denv.toml` with `toml`.
fn project_with(state: &Path, toml: &str) -> std::path::PathBuf {
    let project = state.join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("denv.toml"), toml).unwrap();
    project
}

/// `denv run -- CMD…` in `project`, which must succeed; its stdout.
fn run_ok(state: &Path, project: &Path, args: &[&str]) -> String {
    let mut argv = vec!["run", "--"];
    argv.extend_from_slice(args);
    let out = denv(state, project, &argv);
    assert!(
        out.status.success(),
        "`denv {}` failed (is the Debian archive listed in /etc/apt reachable?):\n{}",
        argv.join(" "),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The `[[packages.NAME.deb]]` entries of a lock: (name, version, filename, sha256).
fn locked_debs(lock: &str, package: &str) -> Vec<(String, String, String, String)> {
    let doc: toml::Table = lock.parse().expect("denv.lock is TOML");
    let debs = doc["packages"][package]["deb"]
        .as_array()
        .expect("a deb list");
    debs.iter()
        .map(|d| {
            let field = |k: &str| d[k].as_str().expect("a string field").to_owned();
            (
                field("name"),
                field("version"),
                field("filename"),
                field("sha256"),
            )
        })
        .collect()
}

/// The text of one `[packages.NAME]` entry of a lock, with its index and deb tables.
fn lock_entry<'a>(lock: &'a str, package: &str) -> &'a str {
    let header = format!("\n[packages.{package}]\n");
    let start = lock.find(&header).expect("the package is locked");
    let rest = &lock[start + 1..];
    let end = rest[1..].find("\n[packages.").map_or(rest.len(), |i| i + 1);
    rest[..end].trim_end()
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap();
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn archive_the_first_run_writes_denv_lock_and_a_fresh_store_rebuilds_the_same_paths_from_it() {
    let state = tempfile::tempdir().unwrap();
    let project = project_with(state.path(), "[packages]\nhello = \"*\"\n");
    assert_eq!(
        run_ok(state.path(), &project, &["hello"]),
        "Hello, world!\n"
    );
    let lock = std::fs::read_to_string(project.join("denv.lock")).expect("denv.lock written");
    assert!(
        lock.contains(
            "\n[packages.hello]\nchannel = \"default\"\nrequest = \"*\"\npackage = \"hello\"\n"
        ),
        "{lock}"
    );
    assert!(lock.contains("\n[[packages.hello.index]]\n"), "{lock}");
    // Every .deb of the closure is pinned, and its SHA256 is that of the file in the store.
    let debs = locked_debs(&lock, "hello");
    let names: Vec<&str> = debs.iter().map(|d| d.0.as_str()).collect();
    assert!(
        names.contains(&"hello") && names.contains(&"libc6"),
        "{names:?}"
    );
    let store = state.path().join("data/store");
    for (name, version, filename, sha256) in &debs {
        assert!(
            filename.starts_with("pool/") && filename.ends_with(".deb"),
            "{filename}"
        );
        let suffix = format!("-{name}-{}.deb", version.replace([':', '~'], "_"));
        let file = std::fs::read_dir(&store)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(&suffix))
            .unwrap_or_else(|| panic!("{name} {version} is in the store"));
        assert_eq!(&sha256_hex(&file), sha256, "{}", file.display());
    }
    let hello = std::fs::canonicalize(project.join(".denv/profile/bin/hello")).unwrap();

    // With the lock in place another run leaves it byte for byte as it was.
    let _ = std::fs::remove_dir_all(project.join(".denv"));
    assert_eq!(
        run_ok(state.path(), &project, &["hello"]),
        "Hello, world!\n"
    );
    assert_eq!(
        std::fs::read_to_string(project.join("denv.lock")).unwrap(),
        lock
    );

    // A new machine: no store, no index cache. The lock alone gives the same store paths,
    // and no package index is fetched.
    std::fs::remove_dir_all(state.path().join("data")).unwrap();
    std::fs::remove_dir_all(state.path().join("cache")).unwrap();
    std::fs::remove_dir_all(project.join(".denv")).unwrap();
    assert_eq!(
        run_ok(state.path(), &project, &["hello"]),
        "Hello, world!\n"
    );
    assert_eq!(
        std::fs::canonicalize(project.join(".denv/profile/bin/hello")).unwrap(),
        hello
    );
    assert_eq!(
        std::fs::read_to_string(project.join("denv.lock")).unwrap(),
        lock
    );
    assert!(
        !state.path().join("cache/debian").exists(),
        "a locked project needs no package index"
    );
}

#[test]
fn archive_a_locked_deb_the_archive_does_not_have_is_named_with_a_hint_to_denv_update() {
    let state = tempfile::tempdir().unwrap();
    let project = project_with(state.path(), "[packages]\nhello = \"*\"\n");
    run_ok(state.path(), &project, &["true"]);
    let lock_file = project.join("denv.lock");
    let lock = std::fs::read_to_string(&lock_file).unwrap();
    let (_, version, filename, _) = locked_debs(&lock, "hello")
        .into_iter()
        .find(|d| d.0 == "hello")
        .unwrap();
    let bogus = format!("{version}+gone1");
    let bogus_file = filename.replace(&version, &bogus);
    std::fs::write(&lock_file, lock.replace(&version, &bogus)).unwrap();
    let out = denv(state.path(), &project, &["run", "--", "hello"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("denv.lock pins hello {bogus} (for `hello`)")),
        "{err}"
    );
    assert!(err.contains(&bogus_file), "{err}");
    assert!(err.contains("run `denv update`"), "{err}");
    assert!(out.stdout.is_empty());

    // `denv update` re-resolves against the archive and rewrites the lock.
    let out = denv(state.path(), &project, &["update"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("denv.lock: updated"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), lock);
    assert_eq!(
        run_ok(state.path(), &project, &["hello"]),
        "Hello, world!\n"
    );
}

#[test]
fn archive_adding_a_package_locks_it_and_keeps_the_other_entries() {
    let state = tempfile::tempdir().unwrap();
    let project = project_with(state.path(), "[packages]\nhello = \"*\"\n");
    run_ok(state.path(), &project, &["true"]);
    let before = std::fs::read_to_string(project.join("denv.lock")).unwrap();
    std::fs::write(
        project.join("denv.toml"),
        "[packages]\nhello = \"*\"\njq = \"*\"\n",
    )
    .unwrap();
    assert_eq!(run_ok(state.path(), &project, &["jq", "-n", "1+1"]), "2\n");
    let after = std::fs::read_to_string(project.join("denv.lock")).unwrap();
    assert_eq!(lock_entry(&after, "hello"), lock_entry(&before, "hello"));
    let jq: Vec<String> = locked_debs(&after, "jq").into_iter().map(|d| d.0).collect();
    assert!(
        jq.contains(&"jq".to_owned()) && jq.contains(&"libjq1".to_owned()),
        "{jq:?}"
    );

    // Removing it drops its entry and gives back the first lock exactly.
    std::fs::write(project.join("denv.toml"), "[packages]\nhello = \"*\"\n").unwrap();
    run_ok(state.path(), &project, &["true"]);
    assert_eq!(
        std::fs::read_to_string(project.join("denv.lock")).unwrap(),
        before
    );
}

#[test]
fn a_malformed_lock_is_reported_at_its_line_and_column() {
    let state = tempfile::tempdir().unwrap();
    let project = project_with(state.path(), "[packages]\nhello = \"*\"\n");
    std::fs::write(
        project.join("denv.lock"),
        "version = 1\n\n[packages.hello]\nchannel = \"default\"\nrequest = *\n",
    )
    .unwrap();
    let out = denv(state.path(), &project, &["run", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let expected = format!(
        "{}:5:11: invalid lock file: ",
        project.join("denv.lock").display()
    );
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("5 | request = *\n"), "{err}");
    assert!(err.contains("hint: run `denv update`"), "{err}");
}

#[test]
fn eval_raw_writes_the_bytes_of_a_file_that_is_not_utf8() {
    let state = tempfile::tempdir().unwrap();
    let bytes = b"caf\xe9 \xff\xfe\n\xc3";
    std::fs::write(state.path().join("latin1.txt"), bytes).unwrap();
    let out = denv(
        state.path(),
        state.path(),
        &["eval", "--raw", "-E", "builtins.readFile ./latin1.txt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(out.stdout, bytes);
    assert_eq!(text(&out.stderr), "");
}
