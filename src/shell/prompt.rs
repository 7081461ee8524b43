//! What the prompt hook keeps in the shell so that an unchanged prompt runs no process.
//!
//! ```text
//! denv export (environment loaded, switched or unloaded)
//!   └► PromptState {root, files, absent} rendered as the shell's own variables
//! next prompt, in the shell itself (no process):
//!   nearest denv.toml above $PWD == root, DENV_DIFF as denv left it,
//!   every file older than the stamp written before that export, every absent file absent
//!   └► nothing to do; otherwise the hook writes a new stamp and runs `denv export`
//! ```
//!
//! The files are those of the loaded environment's fingerprint (the very ones `denv
//! export` compares), their directories (a rename or a new file changes a directory's
//! time) and the denv executable. "Older than the stamp" is strict, so an edit in the
//! same clock tick as the stamp counts as a change: the shell may run denv needlessly,
//! never skip it wrongly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::diff::{DIFF_VAR, EnvDiff, Plan};

/// The shell-side record of the environment `denv export` just left loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptState {
    /// The loaded project's root; `None` once nothing is loaded.
    pub root: Option<PathBuf>,
    /// Paths that existed, each of which must stay older than the stamp.
    pub files: Vec<PathBuf>,
    /// Paths that did not exist and must still not.
    pub absent: Vec<PathBuf>,
}

impl PromptState {
    /// The state a plan leaves, when it loads, switches or unloads an environment (`None`
    /// when it leaves `DENV_DIFF` alone). `exe` is the denv executable the hook runs.
    pub fn after(plan: &Plan, exe: Option<&Path>) -> Option<PromptState> {
        let (_, value) = plan
            .updates
            .iter()
            .find(|(name, _)| name.as_str() == DIFF_VAR)?;
        let diff = value.as_deref().and_then(EnvDiff::decode);
        Some(PromptState::of(diff.as_ref(), exe))
    }

    /// The state for the environment `diff` records (`None`: nothing loaded).
    pub fn of(diff: Option<&EnvDiff>, exe: Option<&Path>) -> PromptState {
        let Some(diff) = diff else {
            return PromptState::default();
        };
        let mut files = BTreeSet::new();
        let mut absent = BTreeSet::new();
        for (path, exists) in diff.watch.files() {
            if exists {
                files.insert(path.to_path_buf());
            } else {
                absent.insert(path.to_path_buf());
            }
            if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
                files.insert(dir.to_path_buf());
            }
        }
        files.extend(exe.map(Path::to_path_buf));
        PromptState {
            root: Some(diff.root.clone()),
            files: files.into_iter().collect(),
            absent: absent.into_iter().collect(),
        }
    }
}
