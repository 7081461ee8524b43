//! [`Environment`]: what an activated project puts into a shell.
//!
//! Variables are an ordered list of operations (set / prepend / unset), never a map of
//! final values, so the shell side can compute exactly what changed and undo it. The
//! environment also remembers the files it was computed from, which the evaluation cache
//! and the prompt hook fingerprint.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::config::{Project, VarName};

use super::codec::{Decoder, Encoder};
use super::nixfile::NixProject;

/// One change to one variable, applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarOp {
    /// Replace the value.
    Set(VarName, OsString),
    /// Put entries in front of a `:`-separated list (the user's entries stay after them).
    Prepend(VarName, OsString),
    /// Remove the variable.
    Unset(VarName),
}

impl VarOp {
    pub fn name(&self) -> &VarName {
        match self {
            VarOp::Set(n, _) | VarOp::Prepend(n, _) | VarOp::Unset(n) => n,
        }
    }

    /// The value after this operation, given the value before it.
    pub fn apply(&self, before: Option<&OsStr>) -> Option<OsString> {
        match self {
            VarOp::Set(_, v) => Some(v.clone()),
            VarOp::Unset(_) => None,
            VarOp::Prepend(_, v) => match before {
                Some(old) if !old.is_empty() => {
                    let mut joined = v.clone();
                    joined.push(":");
                    joined.push(old);
                    Some(joined)
                }
                _ => Some(v.clone()),
            },
        }
    }
}

/// A user-written command with a name: one executable in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptEntry {
    pub name: String,
    pub command: String,
}

/// An activated project, ready to be rendered into a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// The project directory.
    pub root: PathBuf,
    /// The realised profile in the store (its `bin/` goes first on `PATH`); `None` while the
    /// project declares no packages.
    pub profile: Option<PathBuf>,
    pub vars: Vec<VarOp>,
    /// Shell code run by the user's shell after activation.
    pub enter_hook: Option<String>,
    /// Shell code run by the user's shell before unloading.
    pub exit_hook: Option<String>,
    pub scripts: Vec<ScriptEntry>,
    /// Every file the environment was computed from (read or only looked for).
    pub inputs: Vec<PathBuf>,
}

/// The files a project's environment depends on, existing or not: creating `denv.nix` or
/// `denv.lock` later must invalidate the cache too.
pub fn project_inputs(root: &Path) -> Vec<PathBuf> {
    ["denv.toml", "denv.nix", "denv.lock"]
        .iter()
        .map(|f| root.join(f))
        .collect()
}

impl Environment {
    /// The environment of a validated project whose packages are realised at `profile`.
    pub fn from_project(project: &Project, profile: Option<PathBuf>) -> Self {
        let root = project.root.clone();
        let var = |name: &str| VarName::new(name).expect("a constant variable name is valid");
        let mut vars = vec![
            VarOp::Set(var("DENV_ROOT"), root.clone().into_os_string()),
            VarOp::Set(var("DENV_STATE"), root.join(".denv/state").into_os_string()),
        ];
        if let Some(profile) = &profile {
            vars.push(VarOp::Prepend(
                var("PATH"),
                profile.join("bin").into_os_string(),
            ));
        }
        if !project.scripts.is_empty() {
            vars.push(VarOp::Prepend(
                var("PATH"),
                scripts_dir(&root).into_os_string(),
            ));
        }
        for entry in &project.env {
            let value = entry.value.clone();
            vars.push(if entry.name.is_path_like() {
                VarOp::Prepend(entry.name.clone(), value)
            } else {
                VarOp::Set(entry.name.clone(), value)
            });
        }
        Environment {
            inputs: project_inputs(&root),
            root,
            profile,
            vars,
            enter_hook: project.enter_hook.clone(),
            exit_hook: project.exit_hook.clone(),
            scripts: project
                .scripts
                .iter()
                .map(|s| ScriptEntry {
                    name: s.name.as_str().to_owned(),
                    command: s.command.clone(),
                })
                .collect(),
        }
    }

    /// Adds what `denv.nix` sets, after what `denv.toml` set: its variables (prepended to
    /// `PATH`-like lists, replacing others), its scripts, and its hooks after the file's.
    pub fn add_nix(&mut self, nix: &NixProject) {
        if self.scripts.is_empty() && !nix.scripts.is_empty() {
            let path = VarName::new("PATH").expect("a constant variable name is valid");
            self.vars.push(VarOp::Prepend(
                path,
                scripts_dir(&self.root).into_os_string(),
            ));
        }
        for (name, value) in &nix.env {
            self.vars.push(if name.is_path_like() {
                VarOp::Prepend(name.clone(), value.clone())
            } else {
                VarOp::Set(name.clone(), value.clone())
            });
        }
        for (name, command) in &nix.scripts {
            self.scripts.retain(|s| s.name != name.as_str());
            self.scripts.push(ScriptEntry {
                name: name.as_str().to_owned(),
                command: command.clone(),
            });
        }
        let join = |first: &Option<String>, second: &Option<String>| match (first, second) {
            (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        self.enter_hook = join(&self.enter_hook, &nix.enter_hook);
        self.exit_hook = join(&self.exit_hook, &nix.exit_hook);
    }

    /// Writes each script as an executable `#!/bin/sh` file in `<root>/.denv/bin` and
    /// removes ones no longer declared.
    pub fn write_scripts(&self) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let bin = scripts_dir(&self.root);
        if self.scripts.is_empty() && !bin.exists() {
            return Ok(());
        }
        ensure_state_dir(&self.root)?;
        std::fs::create_dir_all(&bin)?;
        for entry in std::fs::read_dir(&bin)? {
            let entry = entry?;
            let name = entry.file_name();
            if !self.scripts.iter().any(|s| OsStr::new(&s.name) == name) {
                std::fs::remove_file(entry.path())?;
            }
        }
        for script in &self.scripts {
            let path = bin.join(&script.name);
            let body = format!(
                "#!/bin/sh\n# `{}` from the project's scripts (regenerated on activation)\n{}\n",
                script.name, script.command
            );
            if std::fs::read(&path).ok().as_deref() != Some(body.as_bytes()) {
                let tmp = bin.join(format!(".{}.tmp", script.name));
                std::fs::write(&tmp, &body)?;
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
                std::fs::rename(&tmp, &path)?;
            }
        }
        Ok(())
    }

    pub(super) fn encode(&self, e: &mut Encoder) {
        e.os(self.root.as_os_str());
        e.opt_os(self.profile.as_deref().map(Path::as_os_str));
        e.u64(self.vars.len() as u64);
        for op in &self.vars {
            let (tag, value) = match op {
                VarOp::Set(_, v) => (0, Some(v.as_os_str())),
                VarOp::Prepend(_, v) => (1, Some(v.as_os_str())),
                VarOp::Unset(_) => (2, None),
            };
            e.u64(tag);
            e.os(OsStr::new(op.name().as_str()));
            e.opt_os(value);
        }
        e.opt_os(self.enter_hook.as_deref().map(OsStr::new));
        e.opt_os(self.exit_hook.as_deref().map(OsStr::new));
        e.u64(self.scripts.len() as u64);
        for s in &self.scripts {
            e.os(OsStr::new(&s.name));
            e.os(OsStr::new(&s.command));
        }
        e.u64(self.inputs.len() as u64);
        for input in &self.inputs {
            e.os(input.as_os_str());
        }
    }

    pub(super) fn decode(d: &mut Decoder<'_>) -> Option<Self> {
        let root = d.path()?;
        let profile = d.opt_os()?.map(PathBuf::from);
        let mut vars = Vec::new();
        for _ in 0..d.count()? {
            let tag = d.u64()?;
            let name = VarName::new(&d.string()?)?;
            let value = d.opt_os()?;
            vars.push(match (tag, value) {
                (0, Some(v)) => VarOp::Set(name, v),
                (1, Some(v)) => VarOp::Prepend(name, v),
                (2, None) => VarOp::Unset(name),
                _ => return None,
            });
        }
        let text = |o: Option<OsString>| match o {
            None => Some(None),
            Some(s) => s.into_string().ok().map(Some),
        };
        let enter_hook = text(d.opt_os()?)?;
        let exit_hook = text(d.opt_os()?)?;
        let mut scripts = Vec::new();
        for _ in 0..d.count()? {
            scripts.push(ScriptEntry {
                name: d.string()?,
                command: d.string()?,
            });
        }
        let mut inputs = Vec::new();
        for _ in 0..d.count()? {
            inputs.push(d.path()?);
        }
        Some(Environment {
            root,
            profile,
            vars,
            enter_hook,
            exit_hook,
            scripts,
            inputs,
        })
    }
}

/// Creates `<root>/.denv` with a `.gitignore` that keeps all of it out of version control.
pub fn ensure_state_dir(root: &Path) -> std::io::Result<PathBuf> {
    let state = root.join(".denv");
    std::fs::create_dir_all(&state)?;
    let ignore = state.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(ignore, "*\n")?;
    }
    Ok(state)
}

/// Where `[scripts]` become executables (until they move into the profile).
pub fn scripts_dir(root: &Path) -> PathBuf {
    root.join(".denv").join("bin")
}

/// Splits a `:`-separated list value into its entries, as bytes.
pub fn list_entries(value: &OsStr) -> impl Iterator<Item = &OsStr> {
    value
        .as_bytes()
        .split(|b| *b == b':')
        .map(OsStr::from_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn project() -> Project {
        config::from_text(
            Path::new("/p/denv.toml"),
            "[env]\nPATH = \"$DENV_ROOT/tools\"\nMODE = \"dev\"\n[scripts]\nhi = \"echo hi\"\n[hooks]\nenter = \"echo in\"\n",
        )
        .unwrap()
    }

    #[test]
    fn path_like_variables_prepend_and_others_set() {
        let env = Environment::from_project(&project(), None);
        let path = VarName::new("PATH").unwrap();
        let mode = VarName::new("MODE").unwrap();
        assert_eq!(
            env.vars[2..],
            [
                VarOp::Prepend(path.clone(), "/p/.denv/bin".into()),
                VarOp::Prepend(path, "/p/tools".into()),
                VarOp::Set(mode, "dev".into()),
            ]
        );
        assert_eq!(env.enter_hook.as_deref(), Some("echo in"));
    }

    #[test]
    fn prepend_joins_with_a_colon_only_onto_a_non_empty_value() {
        let op = VarOp::Prepend(VarName::new("PATH").unwrap(), "/a".into());
        assert_eq!(
            op.apply(Some(OsStr::new("/usr/bin"))),
            Some("/a:/usr/bin".into())
        );
        assert_eq!(op.apply(Some(OsStr::new(""))), Some("/a".into()));
        assert_eq!(op.apply(None), Some("/a".into()));
    }

    #[test]
    fn encoding_round_trips() {
        let env = Environment::from_project(&project(), Some("/store/abc-profile".into()));
        let mut e = Encoder::default();
        env.encode(&mut e);
        let back = Environment::decode(&mut Decoder::new(&e.bytes)).unwrap();
        assert_eq!(back, env);
    }

    #[test]
    fn scripts_are_written_executable_and_stale_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut project = project();
        project.root = dir.path().to_path_buf();
        let env = Environment::from_project(&project, None);
        std::fs::create_dir_all(scripts_dir(dir.path())).unwrap();
        std::fs::write(scripts_dir(dir.path()).join("old"), "").unwrap();
        env.write_scripts().unwrap();
        let out = std::process::Command::new(scripts_dir(dir.path()).join("hi"))
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"hi\n");
        assert!(!scripts_dir(dir.path()).join("old").exists());
    }
}
