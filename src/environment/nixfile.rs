//! `denv.nix`: a project's optional Nix front end, beside its `denv.toml`.
//!
//! ```text
//! denv.nix ─nix/project/call.nix─► { packages; activation = toJSON { keys, env, scripts, hooks } }
//!   packages    ─► the profile derivation's `paths`, after `[packages]` of denv.toml
//!   activation  ─► the profile derivation's `denvActivation` attribute
//!               ─[`NixProject::from_json`]─► variables, scripts and hooks, checked here
//! ```
//! The activation data travels inside the profile derivation, so one evaluation yields both
//! the packages and the variables, and the evaluation cache keeps them together. What
//! `denv.nix` sets comes after what `denv.toml` sets: a variable set in both ends with the
//! `denv.nix` value (or both entries, for a `PATH`-like list); hooks run `denv.toml`'s first.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config::{Diagnostic, ScriptName, VarName};

/// The project's Nix file, beside `denv.toml`.
pub const NIX_FILE: &str = "denv.nix";

/// The profile derivation's attribute holding `denv.nix`'s activation data (JSON).
pub const ACTIVATION_ATTR: &str = "denvActivation";

/// The Nix function that calls a project's `denv.nix`.
const CALL: &str = include_str!("../../nix/project/call.nix");

/// What `denv.nix` may set.
const KNOWN_KEYS: &[&str] = &["packages", "env", "scripts", "hooks"];

/// What `denv.nix` adds to the project, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NixProject {
    pub env: Vec<(VarName, OsString)>,
    pub scripts: Vec<(ScriptName, String)>,
    pub enter_hook: Option<String>,
    pub exit_hook: Option<String>,
}

/// Why `denv.nix` was refused after it evaluated.
#[derive(Debug, thiserror::Error)]
pub enum NixFileError {
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    #[error("{}: {message}", file.display())]
    Unlocated { file: PathBuf, message: String },
    #[error("the activation data of {} is malformed: {reason}", file.display())]
    Malformed { file: PathBuf, reason: String },
}

/// `<root>/denv.nix` when it exists.
pub fn find(root: &Path) -> Option<PathBuf> {
    let file = root.join(NIX_FILE);
    file.is_file().then_some(file)
}

/// A Nix expression, with `denv` (the `<denv>` set) in scope, giving
/// `{ packages, activation }` for `file`.
pub fn call_expression(file: &Path, root: &Path) -> String {
    let quote = |p: &Path| super::lower::nix_string(&p.to_string_lossy());
    format!(
        "(\n{CALL}) {{ inherit denv; file = /. + {}; root = {}; }}",
        quote(file),
        quote(root)
    )
}

#[derive(serde::Deserialize)]
struct RawActivation {
    keys: Vec<RawKey>,
    env: BTreeMap<String, String>,
    scripts: BTreeMap<String, String>,
    hooks: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
struct RawKey {
    name: String,
    pos: Option<RawPos>,
}

#[derive(serde::Deserialize)]
struct RawPos {
    file: String,
    line: usize,
    column: usize,
}

impl NixProject {
    /// Validates the activation data `denv.nix` (at `file`) evaluated to.
    pub fn from_json(file: &Path, json: &str) -> Result<NixProject, NixFileError> {
        let raw: RawActivation =
            serde_json::from_str(json).map_err(|e| NixFileError::Malformed {
                file: file.to_path_buf(),
                reason: e.to_string(),
            })?;
        let key_pos = |name: &str| raw.keys.iter().find(|k| k.name == name);
        for key in &raw.keys {
            if !KNOWN_KEYS.contains(&key.name.as_str()) {
                let hint = match crate::config::suggest(&key.name, KNOWN_KEYS) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("denv.nix may set: {}", KNOWN_KEYS.join(", ")),
                };
                return Err(located(
                    file,
                    key,
                    format!("unknown attribute `{}`", key.name),
                    Some(hint),
                ));
            }
        }
        let mut project = NixProject::default();
        for (name, value) in raw.env {
            let Some(var) = VarName::new(&name) else {
                let message = format!("`env.{name}` is not a valid variable name");
                return Err(located_at_key(file, key_pos("env"), message));
            };
            project.env.push((var, OsString::from(value)));
        }
        for (name, command) in raw.scripts {
            let Some(script) = ScriptName::new(&name) else {
                let message = format!(
                    "`scripts.{name}` is not a valid command name (letters, digits, `_-.+`)"
                );
                return Err(located_at_key(file, key_pos("scripts"), message));
            };
            project.scripts.push((script, command));
        }
        for (name, code) in raw.hooks {
            match name.as_str() {
                "enter" => project.enter_hook = Some(code),
                "exit" => project.exit_hook = Some(code),
                _ => {
                    let hint = crate::config::suggest(&name, &["enter", "exit"])
                        .map(|near| format!("did you mean `{near}`?"));
                    let message = format!("unknown hook `{name}` (hooks are `enter` and `exit`)");
                    return Err(match key_pos("hooks") {
                        Some(key) => located(file, key, message, hint),
                        None => NixFileError::Unlocated {
                            file: file.to_path_buf(),
                            message,
                        },
                    });
                }
            }
        }
        Ok(project)
    }
}

fn located_at_key(file: &Path, key: Option<&RawKey>, message: String) -> NixFileError {
    match key {
        Some(key) => located(file, key, message, None),
        None => NixFileError::Unlocated {
            file: file.to_path_buf(),
            message,
        },
    }
}

/// An error at the place `key` was defined (when Nix knows it and the file can be read).
fn located(file: &Path, key: &RawKey, message: String, hint: Option<String>) -> NixFileError {
    let Some(pos) = &key.pos else {
        return NixFileError::Unlocated {
            file: file.to_path_buf(),
            message,
        };
    };
    let source = Path::new(&pos.file);
    let Ok(text) = std::fs::read_to_string(source) else {
        return NixFileError::Unlocated {
            file: source.to_path_buf(),
            message: format!("{}:{}: {message}", pos.line, pos.column),
        };
    };
    let start = offset_of(&text, pos.line, pos.column);
    let span = start..start + key.name.len();
    NixFileError::Invalid(Box::new(Diagnostic::new(
        source, &text, span, message, hint,
    )))
}

/// The byte offset of a 1-based line and character column in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(keys: &str, env: &str, scripts: &str, hooks: &str) -> String {
        format!(
            r#"{{"keys":[{keys}],"env":{{{env}}},"scripts":{{{scripts}}},"hooks":{{{hooks}}}}}"#
        )
    }

    #[test]
    fn variables_scripts_and_hooks_are_taken() {
        let text = json(
            r#"{"name":"env","pos":null},{"name":"hooks","pos":null},{"name":"scripts","pos":null}"#,
            r#""FOO":"1","PATH":"/x/bin""#,
            r#""serve":"run it""#,
            r#""enter":"echo in","exit":"echo out""#,
        );
        let project = NixProject::from_json(Path::new("/p/denv.nix"), &text).unwrap();
        assert_eq!(project.env.len(), 2);
        assert_eq!(project.env[0].0.as_str(), "FOO");
        assert_eq!(project.scripts[0].0.as_str(), "serve");
        assert_eq!(project.enter_hook.as_deref(), Some("echo in"));
        assert_eq!(project.exit_hook.as_deref(), Some("echo out"));
    }

    #[test]
    fn an_unknown_attribute_is_located_with_a_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("denv.nix");
        std::fs::write(&file, "{ pkgs, ... }:\n{\n  pakages = [ ];\n}\n").unwrap();
        let key = format!(
            r#"{{"name":"pakages","pos":{{"file":"{}","line":3,"column":3}}}}"#,
            file.display()
        );
        let err = NixProject::from_json(&file, &json(&key, "", "", "")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:3:3: unknown attribute `pakages`\n  |\n3 |   pakages = [ ];\n  |   ^^^^^^^\n  = hint: did you mean `packages`?",
                file.display()
            )
        );
    }

    #[test]
    fn a_bad_variable_name_is_refused() {
        let text = json(r#"{"name":"env","pos":null}"#, r#""1X":"a""#, "", "");
        let err = NixProject::from_json(Path::new("/p/denv.nix"), &text).unwrap_err();
        assert!(
            err.to_string()
                .contains("`env.1X` is not a valid variable name")
        );
    }

    #[test]
    fn offsets_count_characters_within_the_line() {
        assert_eq!(offset_of("ab\nçd = 1\n", 2, 2), 5);
        assert_eq!(offset_of("x", 1, 1), 0);
    }
}
