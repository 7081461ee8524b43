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
