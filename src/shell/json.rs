//! JSON: one object, `{"VAR": "value", "GONE": null}`, for tools that apply the change
//! themselves. Hooks are shell code and are not part of it; a value that is not UTF-8
//! cannot be carried and is an error rather than a lossy string.

use std::ffi::OsStr;
use std::path::Path;

use super::{Plan, Shell, ShellError};
use crate::config::VarName;

/// The JSON renderer.
#[derive(Debug, Clone, Copy)]
pub struct Json;

fn entry(out: &mut Vec<u8>, name: &VarName, value: serde_json::Value) {
    if out.is_empty() {
        out.push(b'{');
    } else {
        out.push(b',');
    }
    let name = serde_json::Value::String(name.as_str().to_owned());
    out.extend_from_slice(format!("{name}:{value}").as_bytes());
}

impl Shell for Json {
    fn set(&self, out: &mut Vec<u8>, name: &VarName, value: &OsStr) -> Result<(), ShellError> {
        let text = value.to_str().ok_or_else(|| ShellError::NotUtf8 {
            name: name.as_str().to_owned(),
        })?;
        entry(out, name, serde_json::Value::String(text.to_owned()));
        Ok(())
    }

    fn unset(&self, out: &mut Vec<u8>, name: &VarName) -> Result<(), ShellError> {
        entry(out, name, serde_json::Value::Null);
        Ok(())
    }

    /// JSON carries final values, so a prepend is rendered by the caller as a `set`.
    fn prepend_path(
        &self,
        out: &mut Vec<u8>,
        name: &VarName,
        entry: &OsStr,
    ) -> Result<(), ShellError> {
        self.set(out, name, entry)
    }

    fn run(&self, _out: &mut Vec<u8>, _code: &str) -> Result<(), ShellError> {
        Ok(())
    }

    fn hook(&self, _exe: &Path, _stamps: Option<&Path>) -> Vec<u8> {
        Vec::new()
    }

    fn render(&self, plan: &Plan) -> Result<Vec<u8>, ShellError> {
        if plan.updates.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (name, value) in &plan.updates {
            match value {
                Some(v) => self.set(&mut out, name, v)?,
                None => self.unset(&mut out, name)?,
            }
        }
        out.extend_from_slice(b"}\n");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn renders_sets_and_unsets_as_one_object() {
        let plan = Plan {
            exit_hooks: vec!["echo bye".into()],
            updates: vec![
                (VarName::new("A").unwrap(), Some("x \"y\"\n".into())),
                (VarName::new("B").unwrap(), None),
            ],
            enter_hooks: vec![],
        };
        let out = Json.render(&plan).unwrap();
        assert_eq!(out, b"{\"A\":\"x \\\"y\\\"\\n\",\"B\":null}\n");
        let bad = Plan {
            updates: vec![(
                VarName::new("A").unwrap(),
                Some(OsStr::from_bytes(b"\xff").into()),
            )],
            ..Plan::default()
        };
        assert!(matches!(Json.render(&bad), Err(ShellError::NotUtf8 { .. })));
    }
}
