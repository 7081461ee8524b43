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

/// Removes the stamps in `dir` of shells that have exited (each stamp is named by its
/// shell's process id). A stamp of a reused id is harmless: the new shell has none of the
/// variables the check compares, so its first prompt runs `denv export` and stamps anew.
pub fn prune_stamps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        if pid > 0 && !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn process_exists(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists; it sends nothing.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_of_exited_shells_are_pruned_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut exited = std::process::Command::new("true").spawn().unwrap();
        let exited_pid = exited.id();
        exited.wait().unwrap();
        let live = dir.path().join(std::process::id().to_string());
        let dead = dir.path().join(exited_pid.to_string());
        let other = dir.path().join("notes");
        for path in [&live, &dead, &other] {
            std::fs::write(path, "").unwrap();
        }
        prune_stamps(dir.path());
        assert!(live.exists(), "a live shell's stamp was removed");
        assert!(!dead.exists(), "an exited shell's stamp was kept");
        assert!(other.exists(), "a file that is no stamp was removed");
    }
}
