//! The evaluator's store side ([`StoreGlue`]) on top of `store`: copying sources,
//! `toFile`, `derivationStrict`, `storePath` and the fetchers (`fetchGit` included).
//!
//! ```text
//!                 ┌─ ReadOnly: compute every path, write nothing (`--eval`, `denv eval`)
//! Evaluator ─► Glue
//!                 └─ Write(Store): also write sources, texts and `.drv` files
//! ```
//!
//! Invariants: in both modes a path is computed by the same code, so `--eval` and
//! instantiation agree; every derivation instantiated in this evaluation is remembered
//! (for hashDerivationModulo of its dependents and for the closure a `drvPath` context
//! pulls in), so nothing is read back from disk that this evaluation produced.

mod derivation;
mod fetch;
mod git;
mod instantiate;
mod reads;
mod realise;
mod source;

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::eval::glue::{
    AddPath, DerivationRequest, DerivationResult, FetchRequest, GitRequest, GitTree, PathFilter,
    StoreGlue,
};
use crate::eval::{Context, ContextElem, EvalError};
use crate::store::{Derivation, DrvHashes, Store, StoreDir, StorePath};

pub use instantiate::{
    AutoArg, Evaluated, Input, InstantiateError, Instantiation, Target, evaluator, instantiate,
};
pub use realise::{Built, RealiseError, build, build_recording, instantiate_into};

/// Why a store operation of the evaluation failed.
#[derive(Debug, thiserror::Error)]
pub enum GlueError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Derivation(#[from] crate::store::derivation::DerivationError),
    #[error(transparent)]
    Path(#[from] crate::store::path::PathError),
    #[error(transparent)]
    Hash(#[from] crate::store::hash::HashError),
    #[error(transparent)]
    Nar(#[from] crate::store::nar::NarError),
    #[error("{0}")]
    Invalid(String),
    #[error("I/O error on '{path}': {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot fetch '{url}': {reason}")]
    Fetch { url: String, reason: String },
    #[error("program 'git {command}' failed: {reason}")]
    Git { command: String, reason: String },
}

impl GlueError {
    /// The evaluation error a failed store operation becomes (an `impl From` would make
    /// `?` ambiguous inside the evaluator).
    pub fn into_eval(self) -> EvalError {
        let e = self;
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            let more = c.to_string();
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            cause = c.source();
        }
        EvalError::msg(text)
    }
}

/// Attaches a path to an I/O error.
pub(crate) fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> GlueError + '_ {
    move |source| GlueError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether the evaluation may write to the store.
pub enum Access {
    /// Compute paths only.
    ReadOnly,
    /// Write sources, texts and derivations into this store.
    Write(Store),
}

/// What this evaluation has produced so far.
#[derive(Default)]
struct Memory {
    /// Every derivation instantiated, by `.drv` path.
    drvs: HashMap<StorePath, Derivation>,
    /// Their modulo hashes.
    hashes: DrvHashes,
    /// Sources already copied: (path, name, recursive) → store path.
    sources: HashMap<(std::path::PathBuf, String, bool), StorePath>,
    /// `.drv` paths in the order they were instantiated.
    order: Vec<StorePath>,
    /// Clean Git trees fetched.
    git: git::Fetched,
    /// Files outside the evaluator's reads whose change changes a fetched tree.
    fetched_from: BTreeSet<std::path::PathBuf>,
}

/// The evaluator's store glue.
pub struct Glue {
    dir: StoreDir,
    dir_text: String,
    store: Option<RefCell<Store>>,
    memory: RefCell<Memory>,
    /// Where warnings go (a dirty Git tree).
    warn: fn(&str),
}

impl Glue {
    /// A glue that only computes paths in the store directory `dir` (which need not exist).
    pub fn read_only(dir: StoreDir) -> Glue {
        Glue {
            dir_text: dir.as_str().to_owned(),
            dir,
            store: None,
            memory: RefCell::default(),
            warn: crate::ui::warning,
        }
    }

    /// A glue that writes into `store`.
    pub fn writing(store: Store) -> Glue {
        let dir = store.dir().clone();
        Glue {
            dir_text: dir.as_str().to_owned(),
            dir,
            store: Some(RefCell::new(store)),
            memory: RefCell::default(),
            warn: crate::ui::warning,
        }
    }

    /// Makes a glue for the given access.
    pub fn new(dir: StoreDir, access: Access) -> Glue {
        match access {
            Access::ReadOnly => Glue::read_only(dir),
            Access::Write(store) => Glue::writing(store),
        }
    }

    /// The store directory.
    pub fn dir(&self) -> &StoreDir {
        &self.dir
    }

    /// The store being written, when this glue writes.
    pub fn store(&self) -> Option<&RefCell<Store>> {
        self.store.as_ref()
    }

    /// Gives the store back (after evaluation, to build).
    pub fn into_store(self) -> Option<Store> {
        self.store.map(RefCell::into_inner)
    }

    /// The derivations instantiated so far, in order.
    pub fn instantiated(&self) -> Vec<StorePath> {
        self.memory.borrow().order.clone()
    }

    /// The files a fetch depended on (a local Git repository's refs and tracked files), so
    /// that the evaluation cache notices when they change.
    pub fn fetched_from(&self) -> Vec<std::path::PathBuf> {
        self.memory.borrow().fetched_from.iter().cloned().collect()
    }

    /// A derivation this evaluation instantiated, or one read from the store directory.
    pub fn derivation(&self, path: &StorePath) -> Result<Derivation, GlueError> {
        let memory = self.memory.borrow();
        let loader = derivation::Loader {
            dir: &self.dir,
            drvs: &memory.drvs,
        };
        Ok(crate::store::derivation::DrvLoader::load(&loader, path)?)
    }

    fn parse_context_path(&self, text: &str) -> Result<StorePath, GlueError> {
        Ok(self.dir.parse(text)?)
    }

    /// The plain store paths of a context; derivation outputs are refused with `what`.
    fn plain_references(
        &self,
        context: &Context,
        name: &str,
    ) -> Result<BTreeSet<StorePath>, GlueError> {
        let mut refs = BTreeSet::new();
        for elem in context {
            match elem {
                ContextElem::Plain(p) => {
                    refs.insert(self.parse_context_path(p)?);
                }
                _ => {
                    return Err(GlueError::Invalid(format!(
                        "in 'toFile': the file '{name}' cannot refer to derivation outputs"
                    )));
                }
            }
        }
        Ok(refs)
    }
}

/// The glue for `denv eval` and `nix-instantiate --eval`: every path computed in
/// `store_dir`, nothing written (a store dir Nix would refuse gets the storeless glue).
pub fn for_evaluation(store_dir: &str) -> std::rc::Rc<dyn StoreGlue> {
    match StoreDir::new(store_dir) {
        Ok(dir) => std::rc::Rc::new(Glue::read_only(dir)),
        Err(_) => std::rc::Rc::new(crate::eval::NoStore::new(store_dir)),
    }
}

impl StoreGlue for Glue {
    fn store_dir(&self) -> &str {
        &self.dir_text
    }

    fn add_path(
        &self,
        req: AddPath<'_>,
        filter: Option<PathFilter<'_>>,
    ) -> Result<String, EvalError> {
        let path = source::add_path(self, &req, filter)?;
        Ok(self.dir.display(&path))
    }

    fn to_file(&self, name: &str, text: &[u8], context: &Context) -> Result<String, EvalError> {
        let refs = self
            .plain_references(context, name)
            .map_err(GlueError::into_eval)?;
        let path = match &self.store {
            Some(store) => store
                .borrow_mut()
                .add_text(name, text, &refs)
                .map_err(|e| GlueError::from(e).into_eval())?,
            None => crate::store::address::text_path(&self.dir, name, text, &refs)
                .map_err(|e| GlueError::from(e).into_eval())?,
        };
        Ok(self.dir.display(&path))
    }

    fn derivation_strict(&self, req: DerivationRequest) -> Result<DerivationResult, EvalError> {
        derivation::derivation_strict(self, req).map_err(GlueError::into_eval)
    }

    fn store_path(&self, path: &str) -> Result<String, EvalError> {
        let sp = self
            .dir
            .store_path_of(path)
            .map_err(|_| EvalError::msg(format!("path '{path}' is not in the Nix store")))?;
        let valid = match &self.store {
            Some(store) => store
                .borrow()
                .is_valid(&sp)
                .map_err(|e| GlueError::from(e).into_eval())?,
            None => self.dir.to_path(&sp).exists() || self.memory.borrow().drvs.contains_key(&sp),
        };
        if !valid {
            return Err(EvalError::msg(format!(
                "path '{}' is not valid",
                self.dir.display(&sp)
            )));
        }
        Ok(path.to_owned())
    }

    fn fetch(&self, req: FetchRequest<'_>) -> Result<String, EvalError> {
        let path = fetch::fetch(self, &req).map_err(GlueError::into_eval)?;
        Ok(self.dir.display(&path))
    }

    fn fetch_git(&self, req: &GitRequest) -> Result<GitTree, EvalError> {
        git::fetch_git(self, req).map_err(GlueError::into_eval)
    }
}
