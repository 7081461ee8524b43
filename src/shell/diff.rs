//! [`EnvDiff`]: what an activation changed, kept in the `DENV_DIFF` variable, and
//! [`transition`]: the variable updates that move a shell from what is loaded to what
//! should be.
//!
//! Undoing is exact: a replaced or removed variable gets its previous value back (or is
//! unset again); a `:`-list that was prepended to loses only the entries denv added, so
//! entries the user added meanwhile stay. `DENV_DIFF` also carries the fingerprint of the
//! files the loaded environment came from, which is all the prompt's fast path reads.
//!
//! ```text
//! DENV_DIFF = base64url( "D1" │ root │ fingerprint │ changes │ exit hook )
//! ```

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::config::VarName;
use crate::environment::cache::Fingerprint;
use crate::environment::codec::{Decoder, Encoder};
use crate::environment::model::{Environment, VarOp, list_entries};

/// The variable holding the encoded [`EnvDiff`] of the loaded project.
pub const DIFF_VAR: &str = "DENV_DIFF";
/// The variable holding the loaded project's directory (for prompts and scripts).
pub const DIR_VAR: &str = "DENV_DIR";

const FORMAT: &[u8] = b"D1";

/// How to undo one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// Set, unset or overwritten: restore `previous` (`None`: unset).
    Replaced {
        name: VarName,
        previous: Option<OsString>,
    },
    /// Only prepended to: remove `added` (one occurrence each); if nothing remains and the
    /// variable did not exist before, unset it.
    Prepended {
        name: VarName,
        added: Vec<OsString>,
        existed: bool,
    },
}

/// What the loaded activation changed, and what it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvDiff {
    pub root: PathBuf,
    pub watch: Fingerprint,
    changes: Vec<Change>,
    exit_hook: Option<String>,
}

impl EnvDiff {
    /// Decodes a `DENV_DIFF` value; anything unreadable counts as nothing loaded.
    pub fn decode(value: &OsStr) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value.as_bytes()).ok()?;
        let mut d = Decoder::new(bytes.strip_prefix(FORMAT)?);
        let root = d.path()?;
        let watch = Fingerprint::decode(&mut d)?;
        let mut changes = Vec::new();
        for _ in 0..d.count()? {
            let tag = d.u64()?;
            let name = VarName::new(&d.string()?)?;
            changes.push(match tag {
                0 => Change::Replaced {
                    name,
                    previous: d.opt_os()?,
                },
                1 => {
                    let existed = d.u64()? == 1;
                    let mut added = Vec::new();
                    for _ in 0..d.count()? {
                        added.push(d.os()?);
                    }
                    Change::Prepended {
                        name,
                        added,
                        existed,
                    }
                }
                _ => return None,
            });
        }
        let exit_hook = match d.opt_os()? {
            None => None,
            Some(s) => Some(s.into_string().ok()?),
        };
        d.is_empty().then_some(EnvDiff {
            root,
            watch,
            changes,
            exit_hook,
        })
    }

    /// The `DENV_DIFF` value: URL-safe base64, so it is safe in any shell and environment.
    pub fn encode(&self) -> OsString {
        let mut e = Encoder::default();
        e.bytes.extend_from_slice(FORMAT);
        e.os(self.root.as_os_str());
        self.watch.encode(&mut e);
        e.u64(self.changes.len() as u64);
        for change in &self.changes {
            match change {
                Change::Replaced { name, previous } => {
                    e.u64(0);
                    e.os(OsStr::new(name.as_str()));
                    e.opt_os(previous.as_deref());
                }
                Change::Prepended {
                    name,
                    added,
                    existed,
                } => {
                    e.u64(1);
                    e.os(OsStr::new(name.as_str()));
                    e.u64(u64::from(*existed));
                    e.u64(added.len() as u64);
                    for entry in added {
                        e.os(entry);
                    }
                }
            }
        }
        e.opt_os(self.exit_hook.as_deref().map(OsStr::new));
        OsString::from(URL_SAFE_NO_PAD.encode(&e.bytes))
    }

    /// The prompt's fast path: the nearest project is the loaded one and none of the files
    /// it came from (nor its trust record) changed.
    pub fn is_current_for(&self, nearest: Option<&Path>) -> bool {
        nearest == Some(self.root.as_path()) && self.watch.is_current()
    }
}

/// What the shell must do, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Code run while the old environment is still loaded.
    pub exit_hooks: Vec<String>,
    /// Final values: `None` unsets.
    pub updates: Vec<(VarName, Option<OsString>)>,
    /// Code run once the new environment is loaded.
    pub enter_hooks: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.exit_hooks.is_empty() && self.updates.is_empty() && self.enter_hooks.is_empty()
    }
}

/// The variables as the shell will hold them, layered over its current environment.
struct Overlay<'a> {
    current: &'a dyn Fn(&str) -> Option<OsString>,
    changed: BTreeMap<VarName, Option<OsString>>,
}

impl Overlay<'_> {
    fn get(&self, name: &VarName) -> Option<OsString> {
        match self.changed.get(name) {
            Some(v) => v.clone(),
            None => (self.current)(name.as_str()),
        }
    }

    fn put(&mut self, name: &VarName, value: Option<OsString>) {
        self.changed.insert(name.clone(), value);
    }
}

/// Moves from `loaded` (undone) to `target` (applied; its diff records `watch`).
/// `current` reads the shell's environment as it is now.
pub fn transition(
    current: &dyn Fn(&str) -> Option<OsString>,
    loaded: Option<&EnvDiff>,
    target: Option<(&Environment, Fingerprint)>,
) -> Plan {
    let mut overlay = Overlay {
        current,
        changed: BTreeMap::new(),
    };
    let mut plan = Plan::default();
    if let Some(loaded) = loaded {
        plan.exit_hooks.extend(loaded.exit_hook.clone());
        for change in &loaded.changes {
            let (name, value) = undo(change, &overlay);
            overlay.put(name, value);
        }
    }
    let var = |n: &str| VarName::new(n).expect("a constant variable name is valid");
    match target {
        Some((env, watch)) => {
            let changes = apply(env, &mut overlay);
            let diff = EnvDiff {
                root: env.root.clone(),
                watch,
                changes,
                exit_hook: env.exit_hook.clone(),
            };
            overlay.put(&var(DIFF_VAR), Some(diff.encode()));
            overlay.put(&var(DIR_VAR), Some(env.root.clone().into_os_string()));
            plan.enter_hooks.extend(env.enter_hook.clone());
        }
        None => {
            overlay.put(&var(DIFF_VAR), None);
            overlay.put(&var(DIR_VAR), None);
        }
    }
    plan.updates = overlay
        .changed
        .into_iter()
        .filter(|(name, value)| current(name.as_str()) != *value)
        .collect();
    plan
}

fn undo<'c>(change: &'c Change, overlay: &Overlay<'_>) -> (&'c VarName, Option<OsString>) {
    match change {
        Change::Replaced { name, previous } => (name, previous.clone()),
        Change::Prepended {
            name,
            added,
            existed,
        } => {
            let Some(now) = overlay.get(name) else {
                // The user removed the variable; leave it removed.
                return (name, None);
            };
            let mut entries: Vec<&OsStr> = list_entries(&now).collect();
            for entry in added {
                if let Some(at) = entries.iter().position(|e| *e == entry.as_os_str()) {
                    entries.remove(at);
                }
            }
            if entries.is_empty() && !*existed {
                return (name, None);
            }
            (name, Some(join(&entries)))
        }
    }
}

fn apply(env: &Environment, overlay: &mut Overlay<'_>) -> Vec<Change> {
    /// Per variable, in order of first touch: its value before, and the entries prepended
    /// (`None` once a set or unset made the record a plain restore).
    struct Touch {
        name: VarName,
        original: Option<OsString>,
        prepended: Option<Vec<OsString>>,
    }
    let mut touched: Vec<Touch> = Vec::new();
    for op in &env.vars {
        let name = op.name();
        let before = overlay.get(name);
        let at = match touched.iter().position(|t| &t.name == name) {
            Some(at) => at,
            None => {
                touched.push(Touch {
                    name: name.clone(),
                    original: before.clone(),
                    prepended: Some(Vec::new()),
                });
                touched.len() - 1
            }
        };
        let touch = &mut touched[at];
        match op {
            VarOp::Prepend(_, value) => {
                if let Some(added) = &mut touch.prepended {
                    added.extend(list_entries(value).map(OsStr::to_os_string));
                }
            }
            VarOp::Set(..) | VarOp::Unset(_) => touch.prepended = None,
        }
        overlay.put(name, op.apply(before.as_deref()));
    }
    touched
        .into_iter()
        .map(|t| match t.prepended {
            Some(added) => Change::Prepended {
                name: t.name,
                added,
                existed: t.original.is_some(),
            },
            None => Change::Replaced {
                name: t.name,
                previous: t.original,
            },
        })
        .collect()
}

fn join(entries: &[&OsStr]) -> OsString {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        out.extend_from_slice(e.as_bytes());
    }
    OsString::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use std::collections::BTreeMap;

    type Vars = BTreeMap<String, OsString>;

    fn env_of(root: &str, toml: &str) -> Environment {
        let project = config::from_text(&Path::new(root).join("denv.toml"), toml).unwrap();
        Environment::from_project(&project, None)
    }

    /// Runs a transition against `vars` and applies its updates, as the shell would.
    fn step(vars: &mut Vars, target: Option<&Environment>) -> Plan {
        let loaded = vars.get(DIFF_VAR).and_then(|v| EnvDiff::decode(v));
        let snapshot = vars.clone();
        let current = move |n: &str| snapshot.get(n).cloned();
        let plan = transition(
            &current,
            loaded.as_ref(),
            target.map(|e| (e, Fingerprint::take(&e.inputs))),
        );
        for (name, value) in &plan.updates {
            match value {
                Some(v) => vars.insert(name.as_str().to_owned(), v.clone()),
                None => vars.remove(name.as_str()),
            };
        }
        plan
    }

    fn start() -> Vars {
        [
            ("PATH", OsString::from_vec(b"/usr/bin:/b\xffin".to_vec())),
            ("MODE", OsString::from("user")),
            ("ODD", OsString::from_vec(b"\xff\n'".to_vec())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    const PROJECT: &str = "[env]\nPATH = \"$DENV_ROOT/bin\"\nMODE = \"dev\"\nNEW = \"x\"\nODD = \"y\"\n[hooks]\nenter = \"echo in\"\nexit = \"echo out\"\n";

    #[test]
    fn activation_then_unload_restores_exactly() {
        let mut vars = start();
        let env = env_of("/p", PROJECT);
        let plan = step(&mut vars, Some(&env));
        assert_eq!(plan.enter_hooks, ["echo in"]);
        assert_eq!(vars["PATH"].as_bytes(), b"/p/bin:/usr/bin:/b\xffin");
        assert_eq!(vars["MODE"], "dev");
        assert_eq!(vars["NEW"], "x");
        assert_eq!(vars["DENV_DIR"], "/p");
        let plan = step(&mut vars, None);
        assert_eq!(plan.exit_hooks, ["echo out"]);
        assert_eq!(vars, start());
    }

    #[test]
    fn entries_the_user_added_to_a_list_survive_unload() {
        let mut vars = start();
        step(&mut vars, Some(&env_of("/p", PROJECT)));
        let path = vars["PATH"].clone();
        let mut mine = OsString::from("/home/me/bin:");
        mine.push(&path);
        vars.insert("PATH".into(), mine);
        step(&mut vars, None);
        assert_eq!(vars["PATH"].as_bytes(), b"/home/me/bin:/usr/bin:/b\xffin");
    }

    #[test]
    fn a_list_that_did_not_exist_is_unset_again() {
        let mut vars = start();
        step(
            &mut vars,
            Some(&env_of("/p", "[env]\nMANPATH = \"/p/man\"\n")),
        );
        assert_eq!(vars["MANPATH"], "/p/man");
        step(&mut vars, None);
        assert_eq!(vars, start());
    }

    #[test]
    fn switching_projects_undoes_the_first_before_applying_the_second() {
        let mut vars = start();
        step(
            &mut vars,
            Some(&env_of("/a", "[env]\nA = \"1\"\nPATH = \"/a/bin\"\n")),
        );
        let plan = step(
            &mut vars,
            Some(&env_of("/b", "[env]\nB = \"2\"\nPATH = \"/b/bin\"\n")),
        );
        assert!(
            plan.updates
                .iter()
                .any(|(n, v)| n.as_str() == "A" && v.is_none())
        );
        assert!(!vars.contains_key("A"));
        assert_eq!(vars["B"], "2");
        assert_eq!(vars["PATH"].as_bytes(), b"/b/bin:/usr/bin:/b\xffin");
        step(&mut vars, None);
        assert_eq!(vars, start());
    }

    #[test]
    fn unchanged_variables_are_not_rendered() {
        let mut vars = start();
        vars.insert("MODE".into(), "dev".into());
        let before = vars.clone();
        let plan = step(&mut vars, Some(&env_of("/p", "[env]\nMODE = \"dev\"\n")));
        assert!(!plan.updates.iter().any(|(n, _)| n.as_str() == "MODE"));
        step(&mut vars, None);
        assert_eq!(vars, before);
    }

    #[test]
    fn diff_round_trips_through_its_variable() {
        let mut vars = start();
        step(&mut vars, Some(&env_of("/p", PROJECT)));
        let diff = EnvDiff::decode(&vars[DIFF_VAR]).unwrap();
        assert_eq!(EnvDiff::decode(&diff.encode()), Some(diff));
        assert!(
            vars[DIFF_VAR]
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_graphic())
        );
        assert_eq!(EnvDiff::decode(OsStr::new("garbage")), None);
    }

    fn bytes() -> impl proptest::strategy::Strategy<Value = OsString> {
        use proptest::prelude::*;
        prop::collection::vec(prop_oneof![1u8..=255, Just(b':')], 0..6).prop_map(OsString::from_vec)
    }

    proptest::proptest! {
        /// Whatever the starting values and the operations, loading, switching and unloading leaves
        /// every variable exactly as it was.
        #[test]
        fn unload_restores_any_start_after_any_ops(
            start in proptest::collection::vec(proptest::option::of(bytes()), 4),
            ops in proptest::collection::vec((0usize..4, 0u8..3, bytes()), 0..8),
            other in proptest::collection::vec((0usize..4, 0u8..3, bytes()), 0..8),
        ) {
            let names = ["PATH", "MANPATH", "X", "Y"];
            let mut vars: Vars = names
                .iter()
                .zip(&start)
                .filter_map(|(n, v)| v.clone().map(|v| ((*n).to_owned(), v)))
                .collect();
            let original = vars.clone();
            let to_env = |root: &str, ops: Vec<(usize, u8, OsString)>| {
                let mut env = env_of(root, "");
                env.vars = ops
                    .into_iter()
                    .map(|(i, kind, value)| {
                        let name = VarName::new(names[i]).unwrap();
                        match kind {
                            0 => VarOp::Set(name, value),
                            1 => VarOp::Prepend(name, value),
                            _ => VarOp::Unset(name),
                        }
                    })
                    .collect::<Vec<_>>();
                env
            };
            // Load one project, switch to another, leave: back where we started.
            step(&mut vars, Some(&to_env("/a", ops)));
            step(&mut vars, Some(&to_env("/b", other)));
            step(&mut vars, None);
            proptest::prop_assert_eq!(vars, original);
        }
    }
}
