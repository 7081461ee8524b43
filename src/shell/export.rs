//! Deciding what `denv export` does at a prompt: keep, load, switch or unload.
//!
//! ```text
//! nearest denv.toml?
//! ├─ none ───────────────► unload what is loaded (if anything)
//! ├─ allowed ─► resolve ─┬► ok: undo loaded, apply it
//! │                      └► error: keep what is loaded, report one line
//! └─ not allowed ─┬► does not parse: keep, report the error
//!                 ├► loaded project is a parent of it: keep the parent, hint `denv allow`
//!                 └► otherwise: unload, hint `denv allow`
//! ```
//! The fast path (nothing changed) is [`unchanged`], checked by the caller before any of
//! this runs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::ShellError;
use super::diff::{EnvDiff, Plan, transition};
use super::trust::{Trust, TrustStore};
use crate::environment::cache::Fingerprint;
use crate::environment::model::Environment;

/// Something the user should read on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The nearest project is not allowed (`changed`: it was, before an edit).
    Untrusted { root: PathBuf, changed: bool },
    /// The nearest project could not be loaded; whatever was loaded stays.
    Failed { root: PathBuf, message: String },
}

/// What to print: code on stdout, notices on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub plan: Plan,
    pub notices: Vec<Notice>,
}

/// The prompt's fast path: nothing can have changed since the last export, so there is
/// nothing to print. Costs the `stat`s of the loaded project's watched files.
pub fn unchanged(loaded: Option<&EnvDiff>, nearest: Option<&Path>) -> bool {
    match loaded {
        Some(loaded) => loaded.is_current_for(nearest),
        None => nearest.is_none(),
    }
}

/// How the caller reaches the rest of denv: computing an environment (trusted projects
/// only) and checking that a project file parses (untrusted ones too: no evaluation).
pub struct Sources<R, V> {
    pub resolve: R,
    pub check: V,
}

/// Decides the outcome for a shell whose environment reads through `current`, with
/// `loaded` active, standing under the project at `nearest`.
pub fn decide<R, V, E>(
    current: &dyn Fn(&str) -> Option<OsString>,
    loaded: Option<&EnvDiff>,
    nearest: Option<&Path>,
    trust: &TrustStore,
    sources: Sources<R, V>,
) -> Result<Outcome, ShellError>
where
    R: FnOnce(&Path) -> Result<(Environment, Fingerprint), E>,
    V: FnOnce(&Path) -> Result<(), E>,
    E: std::fmt::Display,
{
    let unload = |notices| Outcome {
        plan: match loaded {
            Some(_) => transition(current, loaded, None),
            None => Plan::default(),
        },
        notices,
    };
    let keep = |notices| Outcome {
        plan: Plan::default(),
        notices,
    };
    let failed = |root: &Path, err: E| Notice::Failed {
        root: root.to_path_buf(),
        message: err.to_string(),
    };
    let Some(root) = nearest else {
        return Ok(unload(vec![]));
    };
    match trust.check(root)? {
        Trust::Allowed => match (sources.resolve)(root) {
            Ok((env, fingerprint)) => {
                let watch = fingerprint.with(&trust.record_path(root));
                Ok(Outcome {
                    plan: transition(current, loaded, Some((&env, watch))),
                    notices: vec![],
                })
            }
            Err(err) => Ok(keep(vec![failed(root, err)])),
        },
        status @ (Trust::Unknown | Trust::Changed) => {
            if let Err(err) = (sources.check)(root) {
                return Ok(keep(vec![failed(root, err)]));
            }
            let notice = Notice::Untrusted {
                root: root.to_path_buf(),
                changed: status == Trust::Changed,
            };
            let parent_loaded = loaded.is_some_and(|l| root != l.root && root.starts_with(&l.root));
            Ok(if parent_loaded {
                keep(vec![notice])
            } else {
                unload(vec![notice])
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::environment::{self, EnvironmentError};
    use std::collections::BTreeMap;

    struct World {
        _dir: tempfile::TempDir,
        root: PathBuf,
        trust: TrustStore,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("child")).unwrap();
        std::fs::write(root.join("denv.toml"), "[env]\nA = \"1\"\n").unwrap();
        std::fs::write(root.join("child/denv.toml"), "[env]\nB = \"2\"\n").unwrap();
        let trust = TrustStore::new(dir.path().join("trust"));
        World {
            root,
            trust,
            _dir: dir,
        }
    }

    fn run(w: &World, vars: &BTreeMap<String, OsString>, nearest: Option<&Path>) -> Outcome {
        let loaded = vars.get("DENV_DIFF").and_then(|v| EnvDiff::decode(v));
        let current = |n: &str| vars.get(n).cloned();
        let sources = Sources {
            resolve: |root: &Path| environment::resolve(root, &mut |_| {}),
            check: |root: &Path| config::load(root).map(drop).map_err(EnvironmentError::from),
        };
        decide(&current, loaded.as_ref(), nearest, &w.trust, sources).unwrap()
    }

    fn apply(vars: &mut BTreeMap<String, OsString>, outcome: &Outcome) {
        for (name, value) in &outcome.plan.updates {
            match value {
                Some(v) => vars.insert(name.as_str().to_owned(), v.clone()),
                None => vars.remove(name.as_str()),
            };
        }
    }

    #[test]
    fn untrusted_child_keeps_the_parent_and_an_unrelated_one_unloads_it() {
        let w = world();
        w.trust.allow(&w.root).unwrap();
        let mut vars = BTreeMap::new();
        let out = run(&w, &vars, Some(&w.root));
        apply(&mut vars, &out);
        assert_eq!(vars["A"], "1");
        let child = w.root.join("child");
        let out = run(&w, &vars, Some(&child));
        assert!(out.plan.is_empty());
        assert_eq!(
            out.notices,
            [Notice::Untrusted {
                root: child,
                changed: false
            }]
        );
        let out = run(&w, &vars, None);
        apply(&mut vars, &out);
        assert!(vars.is_empty(), "{vars:?}");
    }

    #[test]
    fn a_broken_file_keeps_the_loaded_environment() {
        let w = world();
        w.trust.allow(&w.root).unwrap();
        let mut vars = BTreeMap::new();
        let out = run(&w, &vars, Some(&w.root));
        apply(&mut vars, &out);
        std::fs::write(w.root.join("denv.toml"), "[env\n").unwrap();
        w.trust.allow(&w.root).unwrap();
        let out = run(&w, &vars, Some(&w.root));
        assert!(out.plan.is_empty());
        assert!(
            matches!(&out.notices[..], [Notice::Failed { message, .. }] if message.contains("invalid TOML"))
        );
    }

    #[test]
    fn nothing_loaded_and_no_project_is_unchanged() {
        assert!(unchanged(None, None));
        assert!(!unchanged(None, Some(Path::new("/p"))));
    }
}
