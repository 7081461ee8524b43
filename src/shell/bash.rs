//! bash: values are written as `$'…'` (ANSI-C quoting) with every byte outside printable
//! ASCII as `\xHH`, so the code is plain ASCII whatever the locale and exact for any byte.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{PromptState, Shell, ShellError, fill_hook, is_plain};
use crate::config::VarName;

const HOOK: &str = concat!(
    include_str!("../../shell-hooks/hook.bash"),
    include_str!("../../shell-hooks/unchanged.sh")
);

/// The bash renderer.
#[derive(Debug, Clone, Copy)]
pub struct Bash;

/// Quotes `value` as one bash word. Also valid for zsh, whose `$'…'` has the same escapes.
pub fn quote(value: &[u8]) -> Vec<u8> {
    if !value.is_empty() && value.iter().all(|b| is_plain(*b)) {
        return value.to_vec();
    }
    let mut out = Vec::with_capacity(value.len() + 3);
    out.extend_from_slice(b"$'");
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\'' => out.extend_from_slice(b"\\'"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'\'');
    out
}

impl Shell for Bash {
    fn set(&self, out: &mut Vec<u8>, name: &VarName, value: &OsStr) -> Result<(), ShellError> {
        out.extend_from_slice(format!("export {name}=").as_bytes());
        out.extend_from_slice(&quote(value.as_bytes()));
        out.extend_from_slice(b";\n");
        Ok(())
    }

    fn unset(&self, out: &mut Vec<u8>, name: &VarName) -> Result<(), ShellError> {
        out.extend_from_slice(format!("unset {name};\n").as_bytes());
        Ok(())
    }

    fn prepend_path(
        &self,
        out: &mut Vec<u8>,
        name: &VarName,
        entry: &OsStr,
    ) -> Result<(), ShellError> {
        out.extend_from_slice(format!("export {name}=").as_bytes());
        out.extend_from_slice(&quote(entry.as_bytes()));
        out.extend_from_slice(format!("\"${{{name}:+:${name}}}\";\n").as_bytes());
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
            scalar: |name| (format!("{name}="), ";\n"),
            list: |name| (format!("{name}=("), " );\n"),
        };
        let names = ["_denv_root", "_denv_files", "_denv_absent"];
        super::write_prompt_state(out, state, names, &syntax, quote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(value: &[u8]) -> String {
        let mut out = Vec::new();
        let name = VarName::new("X").unwrap();
        Bash.set(&mut out, &name, OsStr::from_bytes(value)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshots() {
        assert_eq!(set(b"/usr/bin"), "export X=/usr/bin;\n");
        assert_eq!(set(b""), "export X=$'';\n");
        assert_eq!(set(b"a b"), "export X=$'a b';\n");
        assert_eq!(set(b"it's $HOME\\n"), "export X=$'it\\'s $HOME\\\\n';\n");
        assert_eq!(
            set(b"l1\nl2\t\xff\xc3\xa9"),
            "export X=$'l1\\x0al2\\x09\\xff\\xc3\\xa9';\n"
        );
        let mut out = Vec::new();
        let path = VarName::new("PATH").unwrap();
        Bash.prepend_path(&mut out, &path, OsStr::new("/p/bin"))
            .unwrap();
        Bash.unset(&mut out, &path).unwrap();
        Bash.run(&mut out, "echo 'hi'").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "export PATH=/p/bin\"${PATH:+:$PATH}\";\nunset PATH;\neval $'echo \\'hi\\'';\n"
        );
    }
}
