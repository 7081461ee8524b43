//! `denv.toml`: finding it, reading it, and editing it without losing comments.
//!
//! The file goes through a pipeline of types, each made only by the stage before it:
//!
//! ```text
//! text ─raw::parse─► RawProject ─project::validate─► Project      (read-only, for activation)
//!   (spans, known keys,   (names, versions,
//!    value types)          [env] expansion)
//! text ─edit::ProjectFile::open─► ProjectFile ─add/remove_package─► save (comments kept)
//! denv.lock ─lock::parse─► Lock ─lock::render─► denv.lock   (pins, written by environment)
//! ```
//!
//! Errors point at `denv.toml:LINE:COL` with the line, a caret and a hint. This module
//! touches no store, evaluator or process.

mod edit;
mod error;
pub mod lock;
mod project;
mod raw;
mod version;

use std::path::{Path, PathBuf};

pub use edit::ProjectFile;
pub use error::{ConfigError, Diagnostic, edit_distance, suggest};
pub use lock::{LOCK_FILE, Lock, LockedDeb, LockedPackage};
pub use project::{
    Channel, EnvEntry, PROJECT_FILE, PackageName, PackageSpec, Project, Script, ScriptName,
    VarName, expand,
};
pub use version::{DebVersion, Relation, VersionReq};

/// The nearest directory at or above `start` that holds a `denv.toml`.
///
/// Costs one `stat` per directory level: this runs on every prompt.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let mut candidate = start.join(PROJECT_FILE);
    loop {
        if candidate.is_file() {
            candidate.pop();
            return Some(candidate);
        }
        candidate.pop();
        if !candidate.pop() {
            return None;
        }
        candidate.push(PROJECT_FILE);
    }
}

/// Reads and validates `<root>/denv.toml`.
pub fn load(root: &Path) -> Result<Project, ConfigError> {
    let path = root.join(PROJECT_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    from_text(&path, &text)
}

/// Validates `text` as the content of `path` (whose directory is the project root).
pub fn from_text(path: &Path, text: &str) -> Result<Project, ConfigError> {
    let root = path.parent().unwrap_or(Path::new("."));
    let src = raw::Source { file: path, text };
    let raw = raw::parse(path, text)?;
    project::validate(&src, root, raw)
}

/// A diagnostic at the key of package `name` in the project file at `path`; `None` when the
/// file cannot be read or no longer lists the package.
pub fn at_package_key(
    path: &Path,
    name: &str,
    message: String,
    hint: Option<String>,
) -> Option<Diagnostic> {
    let text = std::fs::read_to_string(path).ok()?;
    let raw = raw::parse(path, &text).ok()?;
    let (key, _) = raw.packages.iter().find(|(key, _)| key.value == name)?;
    Some(Diagnostic::new(
        path,
        &text,
        key.span.clone(),
        message,
        hint,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Project, String> {
        from_text(Path::new("/p/denv.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn loads_every_section() {
        let project = load_text(
            r#"
[packages]
go = "1.19"
jq = { version = ">= 1.6, << 2", channel = "sid" }

[channels]
sid = { suite = "sid" }

[env]
GOPATH = "$DENV_STATE/go"
BIN = "${GOPATH}/bin"
PATH = "$BIN"
PORT = 5432
PRICE = "$$5 and $HOME"

[scripts]
hello = "echo hello"

[hooks]
enter = "echo in"
exit = "echo out"

[options]
pure = true

[services.postgres]
port = 5433

[processes.web]
command = "serve"
"#,
        )
        .unwrap();
        assert_eq!(project.packages.len(), 2);
        assert_eq!(project.packages[1].channel.as_deref(), Some("sid"));
        let env: Vec<(&str, &str)> = project
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.to_str().unwrap()))
            .collect();
        assert_eq!(
            env,
            [
                ("GOPATH", "/p/.denv/state/go"),
                ("BIN", "/p/.denv/state/go/bin"),
                ("PATH", "/p/.denv/state/go/bin"),
                ("PORT", "5432"),
                ("PRICE", "$5 and $HOME"),
            ]
        );
        assert_eq!(project.scripts[0].name.as_str(), "hello");
        assert_eq!(project.enter_hook.as_deref(), Some("echo in"));
        assert!(project.pure);
        assert_eq!(
            project.services["postgres"]["port"].as_integer(),
            Some(5433)
        );
        assert!(project.processes.contains_key("web"));
    }

    #[test]
    fn unknown_key_suggests_the_nearest() {
        let err = load_text("[env]\nA = \"1\"\n\n[pakages]\ngo = \"*\"\n").unwrap_err();
        assert_eq!(
            err,
            "/p/denv.toml:4:2: unknown key `pakages`\n  |\n4 | [pakages]\n  |  ^^^^^^^\n  = hint: did you mean `packages`?"
        );
    }

    #[test]
    fn wrong_type_is_named() {
        let err = load_text("[scripts]\nbuild = 3\n").unwrap_err();
        assert_eq!(
            err,
            "/p/denv.toml:2:9: [scripts] `build` must be a string, found an integer\n  |\n2 | build = 3\n  |         ^"
        );
    }

    #[test]
    fn bad_version_points_at_the_value() {
        let err = load_text("[packages]\ngo = \"> 1.2\"\n").unwrap_err();
        assert!(
            err.starts_with("/p/denv.toml:2:6: invalid version for `go`"),
            "{err}"
        );
        assert!(err.contains("  |      ^^^^^^^\n"), "{err}");
    }

    #[test]
    fn unknown_channel_is_rejected() {
        let err =
            load_text("[packages]\ngo = { version = \"*\", channel = \"sid\" }\n").unwrap_err();
        assert!(err.contains("unknown channel `sid`"), "{err}");
    }

    #[test]
    fn a_channel_uri_is_kept_and_checked() {
        let project = load_text(
            "[channels]\nnear = { suite = \"trixie\", uri = \"http://127.0.0.1:3142/debian\" }\n",
        )
        .unwrap();
        assert_eq!(
            project.channels[0].uri.as_deref(),
            Some("http://127.0.0.1:3142/debian")
        );
        let err =
            load_text("[channels]\nnear = { suite = \"trixie\", uri = \"ftp://x/debian\" }\n")
                .unwrap_err();
        assert!(
            err.starts_with("/p/denv.toml:2:34: the uri of channel `near` is not an http(s) URL"),
            "{err}"
        );
        let err = load_text("[channels]\nnear = { suite = \"trixie\", ur = \"http://x\" }\n")
            .unwrap_err();
        assert!(err.contains("did you mean `uri`?"), "{err}");
    }

    #[test]
    fn invalid_toml_is_located() {
        let err = load_text("[env]\nA = \"unterminated\n").unwrap_err();
        assert!(err.starts_with("/p/denv.toml:2:"), "{err}");
        assert!(err.contains("invalid TOML"), "{err}");
    }

    #[test]
    fn a_package_key_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(PROJECT_FILE);
        std::fs::write(&file, "[packages]\nhello = \"*\"\njqq = \"*\"\n").unwrap();
        let diag = at_package_key(&file, "jqq", "unknown".into(), None).unwrap();
        assert_eq!((diag.line, diag.column), (3, 1));
        assert!(at_package_key(&file, "nope", "unknown".into(), None).is_none());
    }

    #[test]
    fn find_root_walks_upward() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(find_root(&nested), None.or(find_root(dir.path())));
        std::fs::write(dir.path().join("a/denv.toml"), "").unwrap();
        assert_eq!(find_root(&nested), Some(dir.path().join("a")));
    }
}
