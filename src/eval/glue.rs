//! The store side of evaluation, plugged in from outside.
//!
//! The evaluator never knows where or how a store keeps its files. Whatever needs a store
//! — copying a path into it (`"${./file}"`, `builtins.path`, `filterSource`), `toFile`,
//! `derivationStrict`, `storePath`, the fetchers — goes through [`StoreGlue`]. [`NoStore`]
//! is the glue for evaluations without a store: it knows the store directory (for
//! `builtins.storeDir`) and refuses everything else with a clear error.

use std::path::Path;

use super::error::EvalError;
use super::io::FileType;
use super::value::Context;

/// Decides for each file under a path being added whether to include it
/// (`builtins.filterSource`, `builtins.path { filter = …; }`).
pub type PathFilter<'a> = &'a mut dyn FnMut(&Path, FileType) -> Result<bool, EvalError>;

/// A request to add a path to the store.
pub struct AddPath<'a> {
    /// The path on disk.
    pub path: &'a Path,
    /// The store name (by default the path's base name).
    pub name: &'a str,
    /// Whether to add the directory tree (NAR) rather than a flat file.
    pub recursive: bool,
    /// The expected SHA-256 of the content, when the caller gave one.
    pub sha256: Option<&'a str>,
}

/// What `derivationStrict` hands to the store after evaluating the attributes.
pub struct DerivationRequest {
    /// The derivation name.
    pub name: String,
    /// The environment, sorted by name: every attribute except `args` (and except
    /// `__structuredAttrs` and nulls under `__ignoreNulls`), coerced to strings.
    pub env: Vec<(String, String)>,
    /// The builder's arguments.
    pub args: Vec<String>,
    /// The output names in declaration order (default `["out"]`).
    pub outputs: Vec<String>,
    /// The union of all the attributes' string contexts.
    pub context: Context,
    /// With `__structuredAttrs = true`: the attributes as JSON.
    pub structured_attrs: Option<String>,
}

/// What the store answers for a derivation.
pub struct DerivationResult {
    /// The `.drv` store path.
    pub drv_path: String,
    /// Output name → output store path, in the order of the request's outputs.
    pub outputs: Vec<(String, String)>,
}

/// A fetcher call (`fetchurl`, `fetchTarball`, `fetchGit`).
pub struct FetchRequest<'a> {
    /// Which builtin.
    pub fetcher: &'a str,
    /// The URL.
    pub url: &'a str,
    /// The store name, when given.
    pub name: Option<&'a str>,
    /// The expected hash, when given.
    pub sha256: Option<&'a str>,
}

/// A `builtins.fetchGit` call, its argument checked as Nix's `fetchTree` checks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GitRequest {
    /// The URL, with a scheme (`file://` added to a bare path).
    pub url: String,
    /// The store name (`source` unless given).
    pub name: String,
    /// The commit wanted, as given.
    pub rev: Option<String>,
    /// The branch or tag wanted, as given.
    pub git_ref: Option<String>,
    pub submodules: bool,
    pub shallow: bool,
    pub all_refs: bool,
    /// Expected attributes of the result, checked after fetching.
    pub nar_hash: Option<String>,
    pub last_modified: Option<u64>,
    pub rev_count: Option<u64>,
}

/// A fetched Git tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitTree {
    /// The store path of the tree.
    pub out_path: String,
    /// The commit, or none for a dirty working tree.
    pub rev: Option<String>,
    /// The number of commits reachable from it, when known.
    pub rev_count: Option<u64>,
    /// Its commit time (seconds since the epoch).
    pub last_modified: u64,
    /// The SHA-256 of its NAR, in SRI form.
    pub nar_hash: String,
}

/// The store operations evaluation may need.
pub trait StoreGlue {
    /// The store directory (`builtins.storeDir`).
    fn store_dir(&self) -> &str;
    /// Copies a path into the store and returns its store path.
    fn add_path(
        &self,
        req: AddPath<'_>,
        filter: Option<PathFilter<'_>>,
    ) -> Result<String, EvalError>;
    /// Writes a text file into the store (`builtins.toFile`).
    fn to_file(&self, name: &str, text: &[u8], context: &Context) -> Result<String, EvalError>;
    /// Writes a derivation and computes its outputs.
    fn derivation_strict(&self, req: DerivationRequest) -> Result<DerivationResult, EvalError>;
    /// Checks that a store path is valid (`builtins.storePath`).
    fn store_path(&self, path: &str) -> Result<String, EvalError>;
    /// Fetches something into the store.
    fn fetch(&self, req: FetchRequest<'_>) -> Result<String, EvalError>;
    /// Fetches a Git tree into the store (`builtins.fetchGit`).
    fn fetch_git(&self, req: &GitRequest) -> Result<GitTree, EvalError>;
}

/// The glue of an evaluation without a store.
pub struct NoStore {
    store_dir: String,
}

impl NoStore {
    /// A glue answering `store_dir` and refusing every store operation.
    pub fn new(store_dir: impl Into<String>) -> NoStore {
        NoStore {
            store_dir: store_dir.into(),
        }
    }

    fn refuse(what: &str) -> EvalError {
        EvalError::msg(format!(
            "{what} needs a Nix store, and this evaluation has none"
        ))
    }
}

impl StoreGlue for NoStore {
    fn store_dir(&self) -> &str {
        &self.store_dir
    }

    fn add_path(
        &self,
        req: AddPath<'_>,
        _filter: Option<PathFilter<'_>>,
    ) -> Result<String, EvalError> {
        Err(NoStore::refuse(&format!(
            "copying '{}' to the store",
            req.path.display()
        )))
    }

    fn to_file(&self, name: &str, _text: &[u8], _context: &Context) -> Result<String, EvalError> {
        Err(NoStore::refuse(&format!("builtins.toFile '{name}'")))
    }

    fn derivation_strict(&self, req: DerivationRequest) -> Result<DerivationResult, EvalError> {
        Err(NoStore::refuse(&format!("derivation '{}'", req.name)))
    }

    fn store_path(&self, path: &str) -> Result<String, EvalError> {
        Err(NoStore::refuse(&format!("builtins.storePath '{path}'")))
    }

    fn fetch(&self, req: FetchRequest<'_>) -> Result<String, EvalError> {
        Err(NoStore::refuse(&format!("{} '{}'", req.fetcher, req.url)))
    }

    fn fetch_git(&self, req: &GitRequest) -> Result<GitTree, EvalError> {
        Err(NoStore::refuse(&format!("fetchGit '{}'", req.url)))
    }
}
