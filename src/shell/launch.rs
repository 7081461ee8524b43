//! Starting programs inside an environment: `denv shell` (an interactive subshell of the
//! user's own shell) and `denv run` / `denv shell -- CMD` (one command).
//!
//! ```text
//! caller's environment ─(--pure: keep HOME USER TERM LANG DISPLAY)─► base
//!   ─► Environment::vars applied in order ─► child environment
//!   ─► CMD                                      (exit code passed through)
//!   └► $SHELL with a generated rc: user's rc, prompt marker, enter hook, exit hook on leave
//! ```
//! The generated rc files live in a temporary directory that lives as long as the child.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::environment::model::Environment;

use super::ShellError;

/// The variables `--pure` keeps from the caller.
pub const PURE_KEEP: [&str; 5] = ["HOME", "USER", "TERM", "LANG", "DISPLAY"];

/// The shells denv knows how to start interactively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interactive {
    Bash,
    Zsh,
    Fish,
}

impl Interactive {
    /// The dialect of the shell at `program` (by its file name); bash for anything else.
    pub fn of(program: &Path) -> Interactive {
        match program.file_name().and_then(OsStr::to_str) {
            Some("zsh") => Interactive::Zsh,
            Some("fish") => Interactive::Fish,
            _ => Interactive::Bash,
        }
    }
}

/// The environment a child gets: the caller's (or its pure subset) with `env` applied.
pub fn child_environment(
    env: &Environment,
    caller: impl Iterator<Item = (OsString, OsString)>,
    pure: bool,
) -> Vec<(OsString, OsString)> {
    let mut vars: Vec<(OsString, OsString)> = caller
        .filter(|(name, _)| !pure || PURE_KEEP.iter().any(|keep| name == keep))
        .collect();
    for op in &env.vars {
        let name = OsStr::new(op.name().as_str());
        let position = vars.iter().position(|(n, _)| n == name);
        let before = position.map(|i| vars[i].1.as_os_str());
        match (op.apply(before), position) {
            (Some(value), Some(i)) => vars[i].1 = value,
            (Some(value), None) => vars.push((name.to_owned(), value)),
            (None, Some(i)) => {
                vars.remove(i);
            }
            (None, None) => {}
        }
    }
    vars
}

/// A command ready to run in an environment, with whatever temporary files it needs.
pub struct Prepared {
    pub command: Command,
    /// Removed when the launch is dropped (after the child has exited).
    _scratch: Option<tempfile::TempDir>,
}

/// Prepares `program args…` to run with exactly `vars` as its environment.
pub fn command(program: &OsStr, args: &[OsString], vars: &[(OsString, OsString)]) -> Prepared {
    let mut command = Command::new(program);
    command.args(args).env_clear().envs(vars.iter().cloned());
    Prepared {
        command,
        _scratch: None,
    }
}

/// Prepares an interactive `shell` with `vars`, a prompt marker naming the project, the
/// enter hook run in it and the exit hook run when it exits.
pub fn interactive(
    shell: &Path,
    env: &Environment,
    vars: &[(OsString, OsString)],
) -> Result<Prepared, ShellError> {
    let scratch = tempfile::Builder::new()
        .prefix("denv-shell-")
        .tempdir()
        .map_err(|source| ShellError::Io {
            action: "create a temporary directory in",
            path: std::env::temp_dir(),
            source,
        })?;
    let name = env
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "denv".to_owned());
    let home = vars
        .iter()
        .find(|(n, _)| n == "HOME")
        .map(|(_, v)| PathBuf::from(v));
    let enter = env.enter_hook.as_deref().unwrap_or("");
    let exit = env.exit_hook.as_deref().unwrap_or("");
    let mut command = Command::new(shell);
    command.env_clear().envs(vars.iter().cloned());
    match Interactive::of(shell) {
        Interactive::Bash => {
            let rc = scratch.path().join("bashrc");
            let user_rc = home.map(|h| h.join(".bashrc"));
            write(&rc, &bash_rc(user_rc.as_deref(), &name, enter, exit))?;
            command.arg("--rcfile").arg(&rc).arg("-i");
        }
        Interactive::Zsh => {
            let user_dir = vars
                .iter()
                .find(|(n, _)| n == "ZDOTDIR")
                .map(|(_, v)| PathBuf::from(v))
                .or(home);
            write(
                &scratch.path().join(".zshrc"),
                &zsh_rc(user_dir.as_deref(), &name, enter, exit),
            )?;
            command.env("ZDOTDIR", scratch.path()).arg("-i");
        }
        Interactive::Fish => {
            command
                .arg("--init-command")
                .arg(fish_init(&name, enter, exit))
                .arg("-i");
        }
    }
    Ok(Prepared {
        command,
        _scratch: Some(scratch),
    })
}

fn write(path: &Path, text: &str) -> Result<(), ShellError> {
    std::fs::write(path, text).map_err(|source| ShellError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

/// Quotes `text` as one single-quoted word for POSIX shells (bash, zsh).
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Quotes `text` as one single-quoted word for fish.
fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', r"\\").replace('\'', r"\'"))
}

fn bash_rc(user_rc: Option<&Path>, name: &str, enter: &str, exit: &str) -> String {
    let mut rc = String::new();
    if let Some(user_rc) = user_rc {
        let quoted = sh_quote(&user_rc.to_string_lossy());
        rc.push_str(&format!("[ -f {quoted} ] && . {quoted}\n"));
    }
    rc.push_str(&format!(
        "PS1={}\"$PS1\"\n",
        sh_quote(&format!("({name}) "))
    ));
    if !exit.is_empty() {
        rc.push_str(&format!("trap {} EXIT\n", sh_quote(exit)));
    }
    if !enter.is_empty() {
        rc.push_str(enter);
        rc.push('\n');
    }
    rc
}

fn zsh_rc(user_dir: Option<&Path>, name: &str, enter: &str, exit: &str) -> String {
    let mut rc = String::new();
    match user_dir {
        Some(dir) => {
            let quoted = sh_quote(&dir.to_string_lossy());
            rc.push_str(&format!("ZDOTDIR={quoted}\n"));
            rc.push_str("[ -f \"$ZDOTDIR/.zshrc\" ] && . \"$ZDOTDIR/.zshrc\"\n");
        }
        None => rc.push_str("unset ZDOTDIR\n"),
    }
    rc.push_str(&format!(
        "PS1={}\"$PS1\"\n",
        sh_quote(&format!("({name}) "))
    ));
    if !exit.is_empty() {
        rc.push_str(&format!(
            "zshexit_functions+=(__denv_exit)\n__denv_exit() {{\n{exit}\n}}\n"
        ));
    }
    if !enter.is_empty() {
        rc.push_str(enter);
        rc.push('\n');
    }
    rc
}

fn fish_init(name: &str, enter: &str, exit: &str) -> String {
    let mut init = String::new();
    init.push_str("functions --copy fish_prompt __denv_user_prompt 2>/dev/null\n");
    init.push_str(&format!(
        "function fish_prompt; printf '%s' {}; __denv_user_prompt; end\n",
        fish_quote(&format!("({name}) "))
    ));
    if !exit.is_empty() {
        init.push_str(&format!(
            "function __denv_exit --on-event fish_exit; eval {}; end\n",
            fish_quote(exit)
        ));
    }
    if !enter.is_empty() {
        init.push_str(&format!("eval {}\n", fish_quote(enter)));
    }
    init
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::VarName;
    use crate::environment::model::VarOp;

    fn env_with(vars: Vec<VarOp>) -> Environment {
        Environment {
            root: PathBuf::from("/p/app"),
            profile: None,
            vars,
            enter_hook: None,
            exit_hook: None,
            scripts: Vec::new(),
            inputs: Vec::new(),
        }
    }

    fn name(n: &str) -> VarName {
        VarName::new(n).expect("valid name")
    }

    #[test]
    fn child_environment_applies_ops_in_order_over_the_caller() {
        let env = env_with(vec![
            VarOp::Prepend(name("PATH"), "/store/bin".into()),
            VarOp::Set(name("GREETING"), "hi there".into()),
            VarOp::Unset(name("DROP")),
        ]);
        let caller = vec![
            ("PATH".into(), "/usr/bin".into()),
            ("DROP".into(), "x".into()),
            ("KEEP".into(), "y".into()),
        ];
        let vars = child_environment(&env, caller.into_iter(), false);
        let get = |n: &str| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(get("PATH"), Some("/store/bin:/usr/bin".into()));
        assert_eq!(get("GREETING"), Some("hi there".into()));
        assert_eq!(get("DROP"), None);
        assert_eq!(get("KEEP"), Some("y".into()));
    }

    #[test]
    fn pure_keeps_only_the_listed_caller_variables() {
        let env = env_with(vec![VarOp::Prepend(name("PATH"), "/store/bin".into())]);
        let caller = vec![
            ("PATH".into(), "/usr/bin".into()),
            ("HOME".into(), "/home/u".into()),
            ("SECRET".into(), "s".into()),
        ];
        let vars = child_environment(&env, caller.into_iter(), true);
        let names: Vec<_> = vars.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(names, vec![OsString::from("HOME"), OsString::from("PATH")]);
        assert_eq!(vars[1].1, OsString::from("/store/bin"));
    }

    #[test]
    fn rc_files_quote_the_project_name_and_hooks() {
        let rc = bash_rc(None, "it's", "echo in", "echo 'out'");
        assert!(rc.contains(r"PS1='(it'\''s) '"), "{rc}");
        assert!(rc.contains(r"trap 'echo '\''out'\''' EXIT"), "{rc}");
        let fish = fish_init("a", "", "echo 'bye'");
        assert!(fish.contains(r"eval 'echo \'bye\''"), "{fish}");
    }
}
