//! zsh: the same `$'…'` quoting as bash (zsh reads `\xHH` as one byte too); the hook uses
//! zsh's `precmd` and `chpwd` function arrays.

use std::ffi::OsStr;
use std::path::Path;

use super::bash::{Bash, quote};
use super::{PromptState, Shell, ShellError, fill_hook};
use crate::config::VarName;

const HOOK: &str = concat!(
    include_str!("../../shell-hooks/hook.zsh"),
    include_str!("../../shell-hooks/unchanged.sh")
);

/// The zsh renderer.
#[derive(Debug, Clone, Copy)]
pub struct Zsh;

/// Variables and hooks are written exactly as for bash; only the prompt hook differs.
impl Shell for Zsh {
    fn set(&self, out: &mut Vec<u8>, name: &VarName, value: &OsStr) -> Result<(), ShellError> {
        Bash.set(out, name, value)
    }

    fn unset(&self, out: &mut Vec<u8>, name: &VarName) -> Result<(), ShellError> {
        Bash.unset(out, name)
    }

    fn prepend_path(
        &self,
        out: &mut Vec<u8>,
        name: &VarName,
        entry: &OsStr,
    ) -> Result<(), ShellError> {
        Bash.prepend_path(out, name, entry)
    }

    fn run(&self, out: &mut Vec<u8>, code: &str) -> Result<(), ShellError> {
        Bash.run(out, code)
    }

    fn hook(&self, exe: &Path, stamps: Option<&Path>) -> Vec<u8> {
        fill_hook(HOOK, exe, stamps, quote)
    }

    fn remember(&self, out: &mut Vec<u8>, state: &PromptState) {
        Bash.remember(out, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        let x = VarName::new("X").unwrap();
        Zsh.set(&mut out, &x, OsStr::from_bytes(b"a'b\x1b"))
            .unwrap();
        Zsh.unset(&mut out, &x).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "export X=$'a\\'b\\x1b';\nunset X;\n"
        );
    }
}
