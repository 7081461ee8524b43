//! Activation in the user's shell: rendering an [`Environment`](crate::environment::model::Environment)
//! change as shell code, undoing it exactly, the prompt hook, and the trust database.
//!
//! ```text
//! prompt ─► denv export SHELL ─► fast path: DENV_DIFF's fingerprint still holds → print nothing
//!                             └► slow path: trust? ─► environment::resolve ─► diff::transition
//!                                   ─► Plan {exit hooks, variable updates, enter hooks}
//!                                   ─► Shell::render ─► eval'd by the shell
//! ```
//! Each renderer knows only its own quoting and is exact for every byte a variable can
//! hold (anything but NUL, valid UTF-8 or not). What activation changed travels in the
//! `DENV_DIFF` variable, so whichever denv process runs next knows what to undo.

pub mod bash;
pub mod diff;
pub mod export;
pub mod fish;
pub mod json;
pub mod launch;
pub mod prompt;
pub mod trust;
pub mod zsh;

use std::ffi::OsStr;
use std::path::Path;

use crate::config::VarName;

pub use diff::{EnvDiff, Plan};
pub use prompt::PromptState;

/// What can go wrong while rendering or recording an activation.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("`{name}` holds bytes that are not UTF-8, which JSON cannot carry")]
    NotUtf8 { name: String },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("no denv.toml in {} or any directory above it", dir.display())]
    NoProject { dir: std::path::PathBuf },
}

/// One shell dialect. Every method appends code that the shell will `eval`.
pub trait Shell {
    /// Sets and exports `name` to exactly `value`.
    fn set(&self, out: &mut Vec<u8>, name: &VarName, value: &OsStr) -> Result<(), ShellError>;
    /// Removes `name` from the environment.
    fn unset(&self, out: &mut Vec<u8>, name: &VarName) -> Result<(), ShellError>;
    /// Puts `entry` in front of the `:`-list in `name` as the shell holds it when the code
    /// runs (no stray `:` when the list is empty or unset).
    fn prepend_path(
        &self,
        out: &mut Vec<u8>,
        name: &VarName,
        entry: &OsStr,
    ) -> Result<(), ShellError>;
    /// Runs user-written shell code (an enter or exit hook) in the shell itself.
    fn run(&self, out: &mut Vec<u8>, code: &str) -> Result<(), ShellError>;
    /// The code to `eval` in an rc file: a prompt hook that calls `<exe> export SHELL`
    /// unless nothing changed, writing its stamps in `stamps` (none: always call it).
    fn hook(&self, exe: &Path, stamps: Option<&Path>) -> Vec<u8>;
    /// Records `state` in the shell's own (unexported) variables for the hook.
    fn remember(&self, _out: &mut Vec<u8>, _state: &PromptState) {}

    /// The code for a whole plan: exit hooks (while the old environment is still loaded),
    /// then the variable updates, then enter hooks.
    fn render(&self, plan: &Plan) -> Result<Vec<u8>, ShellError> {
        let mut out = Vec::new();
        for code in &plan.exit_hooks {
            self.run(&mut out, code)?;
        }
        for (name, value) in &plan.updates {
            match value {
                Some(value) => self.set(&mut out, name, value)?,
                None => self.unset(&mut out, name)?,
            }
        }
        for code in &plan.enter_hooks {
            self.run(&mut out, code)?;
        }
        Ok(out)
    }
}

/// The shells denv can render for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    Json,
}

impl ShellKind {
    pub fn renderer(self) -> &'static dyn Shell {
        match self {
            ShellKind::Bash => &bash::Bash,
            ShellKind::Zsh => &zsh::Zsh,
            ShellKind::Fish => &fish::Fish,
            ShellKind::Json => &json::Json,
        }
    }
}

/// Fills a hook template: `@DENV@` becomes the path of the denv executable and `@STAMPS@`
/// the directory of the prompt stamps (an empty word when there is none), each quoted.
fn fill_hook(
    template: &str,
    exe: &Path,
    stamps: Option<&Path>,
    quote: fn(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let quoted_exe = quote(exe.as_os_str().as_bytes());
    let quoted_stamps = quote(stamps.map_or(&b""[..], |s| s.as_os_str().as_bytes()));
    let mut out = Vec::with_capacity(template.len() + quoted_exe.len());
    for (i, piece) in template.split("@DENV@").enumerate() {
        if i > 0 {
            out.extend_from_slice(&quoted_exe);
        }
        for (j, part) in piece.split("@STAMPS@").enumerate() {
            if j > 0 {
                out.extend_from_slice(&quoted_stamps);
            }
            out.extend_from_slice(part.as_bytes());
        }
    }
    out
}

/// How a shell assigns the hook's variables: the text before and after a value (`NAME=`,
/// `;`) and before and after a list of quoted words (`NAME=(`, ` );`).
struct PromptVarSyntax<'a> {
    scalar: fn(&str) -> (String, &'a str),
    list: fn(&str) -> (String, &'a str),
}

/// Writes `state` as the shell variables the hook reads (`names`: the root's, the present
/// files', the absent files'), each word quoted with `quote`.
fn write_prompt_state(
    out: &mut Vec<u8>,
    state: &PromptState,
    names: [&str; 3],
    syntax: &PromptVarSyntax<'_>,
    quote: fn(&[u8]) -> Vec<u8>,
) {
    use std::os::unix::ffi::OsStrExt;
    let [root_name, files_name, absent_name] = names;
    let (before, after) = (syntax.scalar)(root_name);
    out.extend_from_slice(before.as_bytes());
    let root = state
        .root
        .as_deref()
        .map_or(&b""[..], |r| r.as_os_str().as_bytes());
    out.extend_from_slice(&quote(root));
    out.extend_from_slice(after.as_bytes());
    for (name, paths) in [(files_name, &state.files), (absent_name, &state.absent)] {
        let (before, after) = (syntax.list)(name);
        out.extend_from_slice(before.as_bytes());
        for path in paths {
            out.push(b' ');
            out.extend_from_slice(&quote(path.as_os_str().as_bytes()));
        }
        out.extend_from_slice(after.as_bytes());
    }
}

/// Bytes that need no quoting in any of the POSIX-like shells or fish.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-./,:@+=".contains(&b)
}
