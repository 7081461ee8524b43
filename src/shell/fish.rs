//! fish: values are unquoted words in which every byte that is not plainly safe is written
//! `\xHH` (fish turns each into that byte, valid UTF-8 or not). Variables whose name ends
//! in `PATH` are fish "path variables", split on `:` by `set` itself, so a `:`-list is set
//! as one word and exported joined again.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{PromptState, Shell, ShellError, fill_hook, is_plain};
use crate::config::VarName;

const HOOK: &str = include_str!("../../shell-hooks/hook.fish");

/// The fish renderer.
#[derive(Debug, Clone, Copy)]
pub struct Fish;

/// Quotes `value` as one fish word.
pub fn quote(value: &[u8]) -> Vec<u8> {
    if value.is_empty() {
        return b"''".to_vec();
    }
    let mut out = Vec::with_capacity(value.len());
    for (i, &b) in value.iter().enumerate() {
        // `~` only expands at the start of a word, and is not in the plain set anyway.
        if is_plain(b) && !(i == 0 && b == b'-') {
            out.push(b);
        } else {
            out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        }
    }
    out
}

impl Shell for Fish {
    fn set(&self, out: &mut Vec<u8>, name: &VarName, value: &OsStr) -> Result<(), ShellError> {
        out.extend_from_slice(format!("set -gx {name} ").as_bytes());
        out.extend_from_slice(&quote(value.as_bytes()));
        out.extend_from_slice(b";\n");
        Ok(())
    }

    fn unset(&self, out: &mut Vec<u8>, name: &VarName) -> Result<(), ShellError> {
        out.extend_from_slice(format!("set -e {name};\n").as_bytes());
        Ok(())
    }

    fn prepend_path(
        &self,
        out: &mut Vec<u8>,
        name: &VarName,
        entry: &OsStr,
    ) -> Result<(), ShellError> {
        // `--path` makes it a `:`-list even when the name does not end in PATH. An empty
        // list is replaced rather than prepended to, as the POSIX shells' `${X:+:$X}` does.
        let entry = quote(entry.as_bytes());
        out.extend_from_slice(
            format!("if test -n \"${name}\"; set -gx --path --prepend {name} ").as_bytes(),
        );
        out.extend_from_slice(&entry);
        out.extend_from_slice(format!("; else; set -gx --path {name} ").as_bytes());
        out.extend_from_slice(&entry);
        out.extend_from_slice(b"; end;\n");
        Ok(())
    }

    fn run(&self, out: &mut Vec<u8>, code: &str) -> Result<(), ShellError> {
        out.extend_from_slice(b"eval ");
        out.extend_from_slice(&quote(code.as_bytes()));
        out.extend_from_slice(b";\n");
        Ok(())
    }

    fn hook(&self, exe: &Path, stamps: Option<&Path>) -> Vec<u8> {
        fill_hook(HOOK, exe, stamps, quote)
    }

    fn remember(&self, out: &mut Vec<u8>, state: &PromptState) {
        let syntax = super::PromptVarSyntax {
            scalar: |name| (format!("set -g {name} "), ";\n"),
            list: |name| (format!("set -g {name}"), ";\n"),
        };
        let names = ["__denv_root", "__denv_files", "__denv_absent"];
        super::write_prompt_state(out, state, names, &syntax, quote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots() {
        let mut out = Vec::new();
        let x = VarName::new("X").unwrap();
        Fish.set(&mut out, &x, OsStr::from_bytes(b"a b'$\xff"))
            .unwrap();
        Fish.set(&mut out, &x, OsStr::new("")).unwrap();
        Fish.set(&mut out, &x, OsStr::new("-n")).unwrap();
        Fish.unset(&mut out, &x).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "set -gx X a\\x20b\\x27\\x24\\xff;\nset -gx X '';\nset -gx X \\x2dn;\nset -e X;\n"
        );
    }
}
