//! The example projects load, and their errors read as documented.

use std::path::Path;

const DENV: &str = env!("CARGO_BIN_EXE_denv");

#[test]
fn every_example_project_validates() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(examples).unwrap() {
        let root = entry.unwrap().path();
        if root.join("denv.toml").is_file() {
            if let Err(err) = denv::config::load(&root) {
                panic!("{}: {err}", root.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 2);
}

#[test]
fn the_tasks_example_exports_its_variables_once_allowed() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tasks/denv.toml");
    std::fs::copy(source, work.path().join("denv.toml")).unwrap();
    let denv = |args: &[&str]| {
        std::process::Command::new(DENV)
            .args(args)
            .current_dir(work.path())
            .env("DENV_DATA_DIR", data.path())
            .env_remove("DENV_DIFF")
            .output()
            .unwrap()
    };
    let refused = denv(&["export", "json"]);
    assert!(refused.status.success());
    assert_eq!(refused.stdout, b"");
    let root = std::fs::canonicalize(work.path()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        format!(
            "denv: {}/denv.toml is not allowed; run `denv allow` to trust it\n",
            root.display()
        )
    );
    assert!(denv(&["allow"]).status.success());
    let out = denv(&["export", "json"]);
    assert!(out.status.success());
    assert_eq!(out.stderr, b"");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let state = format!("{}/.denv/state", root.display());
    assert_eq!(json["PROJECT_NAME"], "tasks");
    assert_eq!(json["REPORT"], format!("{state}/data/report.txt"));
    assert_eq!(json["DENV_DIR"], root.display().to_string());
    assert!(root.join(".denv/bin/greet").is_file());
}

#[test]
fn a_config_error_points_at_the_line() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("denv.toml"),
        "[env]\nA = \"1\"\n[scirpts]\n",
    )
    .unwrap();
    let out = std::process::Command::new(DENV)
        .args(["export", "bash"])
        .current_dir(work.path())
        .env("DENV_DATA_DIR", data.path())
        .env_remove("DENV_DIFF")
        .output()
        .unwrap();
    let root = std::fs::canonicalize(work.path()).unwrap();
    assert_eq!(out.stdout, b"");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "denv: {}/denv.toml:3:2: unknown key `scirpts`; did you mean `scripts`? (environment left as it was)\n",
            root.display()
        )
    );
}

/// Runs denv in `dir` with its data under `data`; returns (exit code, stdout, stderr).
fn denv_in(dir: &Path, data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(DENV)
        .args(args)
        .current_dir(dir)
        .env("DENV_DATA_DIR", data)
        .env_remove("DENV_DIFF")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn allow_list_and_deny() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(work.path()).unwrap();
    let r = root.display();
    std::fs::create_dir_all(root.join("a/deep")).unwrap();
    std::fs::write(root.join("a/denv.toml"), "").unwrap();
    let data = data.path();

    assert_eq!(
        denv_in(&root, data, &["allow"]),
        (
            1,
            String::new(),
            format!("error: no denv.toml in {r} or any directory above it\n")
        )
    );
    assert_eq!(
        denv_in(&root.join("a/deep"), data, &["allow"]),
        (0, String::new(), format!("denv: allowed {r}/a\n"))
    );
    assert_eq!(
        denv_in(&root, data, &["allow", "--list"]),
        (0, format!("allowed\t{r}/a\n"), String::new())
    );
    std::fs::write(root.join("a/denv.toml"), "[env]\nX = \"1\"\n").unwrap();
    assert_eq!(
        denv_in(&root, data, &["allow", "--list", "--json"]),
        (
            0,
            format!("[{{\"path\":\"{r}/a\",\"trusted\":false}}]\n"),
            String::new()
        )
    );
    assert_eq!(
        denv_in(&root, data, &["deny", "a/denv.toml"]),
        (0, String::new(), format!("denv: denied {r}/a\n"))
    );
    assert_eq!(
        denv_in(&root, data, &["allow", "--list"]),
        (0, String::new(), String::new())
    );
}
