//! Planning: which derivations of the goals' closure must be built, and after what.
//!
//! A derivation is built when one of its outputs is missing; then the inputs it uses must
//! exist first, so the walk descends into them. A derivation whose outputs are all valid
//! is not descended into: its inputs may have been collected long ago.

use std::collections::{BTreeMap, BTreeSet};

use super::{BuildError, Goal};
use crate::store::derivation::{DrvLoader, FsLoader};
use crate::store::{Derivation, Store, StorePath};

/// One derivation to build.
pub(super) struct Node {
    pub drv: Derivation,
    /// Derivations of this plan that must be built first.
    pub deps: BTreeSet<StorePath>,
}

/// Everything to build.
pub(super) struct Plan {
    pub nodes: BTreeMap<StorePath, Node>,
    /// Every derivation met, built or not (for reporting the goals' outputs).
    pub known: BTreeMap<StorePath, Derivation>,
}

impl Plan {
    pub fn new(store: &Store, goals: &[Goal]) -> Result<Plan, BuildError> {
        let mut plan = Plan {
            nodes: BTreeMap::new(),
            known: BTreeMap::new(),
        };
        let loader = FsLoader {
            dir: store.dir().clone(),
        };
        let mut visiting = BTreeSet::new();
        for goal in goals {
            plan.visit(store, &loader, &goal.drv, &mut visiting)?;
            let drv = &plan.known[&goal.drv];
            for o in &goal.outputs {
                if !drv.outputs.contains_key(o) {
                    return Err(BuildError::NoSuchOutput {
                        drv: store.dir().display(&goal.drv),
                        output: o.clone(),
                    });
                }
            }
        }
        Ok(plan)
    }

    /// Returns whether `path` needs building.
    fn visit(
        &mut self,
        store: &Store,
        loader: &FsLoader,
        path: &StorePath,
        visiting: &mut BTreeSet<StorePath>,
    ) -> Result<bool, BuildError> {
        if self.nodes.contains_key(path) {
            return Ok(true);
        }
        if self.known.contains_key(path) {
            return Ok(false);
        }
        if !store.is_valid(path)? {
            return Err(crate::store::StoreError::NotValid(store.dir().display(path)).into());
        }
        let drv = loader.load(path)?;
        let mut missing = false;
        for out in drv.outputs.values() {
            match &out.path {
                Some(p) if store.is_valid(p)? => {}
                _ => missing = true,
            }
        }
        self.known.insert(path.clone(), drv.clone());
        if !missing {
            return Ok(false);
        }
        visiting.insert(path.clone());
        let mut deps = BTreeSet::new();
        for input in drv.input_drvs.keys() {
            if visiting.contains(input) {
                continue;
            }
            if self.visit(store, loader, input, visiting)? {
                deps.insert(input.clone());
            }
        }
        visiting.remove(path);
        self.nodes.insert(path.clone(), Node { drv, deps });
        Ok(true)
    }
}
