//! Evaluate, instantiate and build in one call: what `denv build` and the environment
//! lowering use.

use std::path::PathBuf;

use super::Glue;
use super::instantiate::{InstantiateError, Target, instantiate};
use crate::build::{BuildError, BuildEvent, BuildOptions, Goal, Interrupt};
use crate::store::{Store, StorePath};

/// One built output, in the order `nix-build` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub drv_path: StorePath,
    /// The output the expression selected (`outputName`).
    pub output: String,
    pub path: StorePath,
}

/// Why evaluating and building failed.
#[derive(Debug, thiserror::Error)]
pub enum RealiseError {
    #[error(transparent)]
    Instantiate(#[from] InstantiateError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the evaluation still holds the store")]
    StoreInUse,
}

/// Writes the `.drv` closure of `target`'s derivations into `store` and returns the
/// derivations with the output each selects, and the store back.
pub fn instantiate_into(
    store: Store,
    target: &Target,
    show_trace: bool,
) -> Result<(Store, Vec<super::Evaluated>), RealiseError> {
    let (store, derivations, _) = instantiate_recording(store, target, show_trace)?;
    Ok((store, derivations))
}

/// [`instantiate_into`], also returning every file outside the store the evaluation read.
fn instantiate_recording(
    store: Store,
    target: &Target,
    show_trace: bool,
) -> Result<(Store, Vec<super::Evaluated>, Vec<PathBuf>), RealiseError> {
    let inst = instantiate(Glue::writing(store), target, show_trace)?;
    let derivations = inst.derivations;
    let glue = std::rc::Rc::try_unwrap(inst.glue).map_err(|_| RealiseError::StoreInUse)?;
    let store = glue.into_store().ok_or(RealiseError::StoreInUse)?;
    Ok((store, derivations, inst.files_read))
}

/// Evaluates `target`, writes its derivations and builds the selected outputs.
pub fn build(
    store: Store,
    target: &Target,
    show_trace: bool,
    opts: &BuildOptions,
    interrupt: &Interrupt,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<(Store, Vec<Built>), RealiseError> {
    let (store, built, _) = build_recording(store, target, show_trace, opts, interrupt, events)?;
    Ok((store, built))
}

/// [`build`], also returning every file outside the store the evaluation read.
pub fn build_recording(
    store: Store,
    target: &Target,
    show_trace: bool,
    opts: &BuildOptions,
    interrupt: &Interrupt,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<(Store, Vec<Built>, Vec<PathBuf>), RealiseError> {
    let (mut store, derivations, files_read) = instantiate_recording(store, target, show_trace)?;
    let goals: Vec<Goal> = derivations
        .iter()
        .map(|d| Goal {
            drv: d.drv_path.clone(),
            outputs: [d.output.clone()].into_iter().collect(),
        })
        .collect();
    let realised = crate::build::realise(&mut store, &goals, opts, interrupt, events)?;
    let mut built = Vec::new();
    for d in derivations {
        if let Some(path) = realised.get(&d.drv_path).and_then(|o| o.get(&d.output)) {
            built.push(Built {
                drv_path: d.drv_path.clone(),
                output: d.output.clone(),
                path: path.clone(),
            });
        }
    }
    Ok((store, built, files_read))
}
