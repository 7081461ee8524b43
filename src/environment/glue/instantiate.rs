//! Evaluate an expression and collect its derivations as `nix-instantiate` and
//! `nix-build` do: auto-call a top-level function with the `--arg`s, follow `-A` paths,
//! and take the derivations of the result (a derivation, a list of them, or a set whose
//! derivation-valued attributes are taken in name order, recursing into sets marked
//! `recurseForDerivations`).

use std::path::PathBuf;
use std::rc::Rc;

use super::Glue;
use super::reads::Recording;
use crate::eval::ir::Param;
use crate::eval::{
    Attrs, EvalError, EvalIo, EvalOptions, Evaluator, Origin, Pos, RealFs, SearchPathEntry, Value,
};
use crate::store::{StoreDir, StorePath};

/// Where the expression comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file (a directory means its `default.nix`).
    File(PathBuf),
    /// An expression text (`-E`).
    Expr(String),
}

/// A `--arg` (Nix expression) or `--argstr` (string) value.
#[derive(Debug, Clone)]
pub enum AutoArg {
    Expr(String),
    Str(String),
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct Target {
    pub input: Input,
    /// `-A` paths; none means the whole value.
    pub attr_paths: Vec<String>,
    pub auto_args: Vec<(String, AutoArg)>,
    /// `-I` entries (before `NIX_PATH`'s).
    pub include: Vec<String>,
    /// `NIX_PATH` entries, after the `-I` ones.
    pub nix_path: Vec<String>,
    /// Where relative paths in `-E` resolve.
    pub base_dir: PathBuf,
}

/// One derivation the expression yields, with the output it selects (`outputName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluated {
    pub drv_path: StorePath,
    pub output: String,
}

/// The result of instantiating: the derivations, and the glue holding the store.
pub struct Instantiation {
    pub derivations: Vec<Evaluated>,
    pub glue: Rc<Glue>,
    /// Every file outside the store that the evaluation read (see [`Recording`]) or that a
    /// fetched tree came from.
    pub files_read: Vec<PathBuf>,
}

/// Why instantiation failed.
#[derive(Debug, thiserror::Error)]
pub enum InstantiateError {
    /// An evaluation error, already rendered with its source lines.
    #[error("{0}")]
    Eval(String),
}

/// Makes an evaluator whose store side is `glue`.
pub fn evaluator(
    glue: Rc<Glue>,
    include: &[String],
    nix_path: &[String],
    base_dir: PathBuf,
) -> Evaluator {
    evaluator_over(Rc::new(RealFs), glue, include, nix_path, base_dir)
}

/// Makes an evaluator whose store side is `glue` and whose files come from `fs`.
fn evaluator_over(
    fs: Rc<dyn EvalIo>,
    glue: Rc<Glue>,
    include: &[String],
    nix_path: &[String],
    base_dir: PathBuf,
) -> Evaluator {
    let search_path: Vec<SearchPathEntry> = include
        .iter()
        .chain(nix_path)
        .map(|s| SearchPathEntry::parse(s))
        .collect();
    let io = crate::environment::denv::eval_io(fs, &base_dir);
    let options = EvalOptions {
        search_path,
        builtin_search_path: crate::environment::denv::builtin_search_path(),
        base_dir,
        ..EvalOptions::default()
    };
    Evaluator::new(io, glue, options)
}

/// Evaluates `target` with `glue` and returns the derivations it yields. With a writing
/// glue every `.drv` of their closure is in the store afterwards.
pub fn instantiate(
    glue: Glue,
    target: &Target,
    show_trace: bool,
) -> Result<Instantiation, InstantiateError> {
    let glue = Rc::new(glue);
    let recording = Rc::new(Recording::new(Rc::new(RealFs), glue.dir().as_path()));
    let mut ev = evaluator_over(
        recording.clone(),
        glue.clone(),
        &target.include,
        &target.nix_path,
        target.base_dir.clone(),
    );
    match collect(&mut ev, target) {
        Ok(derivations) => {
            let mut files_read = recording.files();
            files_read.extend(glue.fetched_from());
            files_read.sort();
            files_read.dedup();
            Ok(Instantiation {
                derivations,
                glue,
                files_read,
            })
        }
        Err(e) => Err(InstantiateError::Eval(ev.render_error(&e, show_trace))),
    }
}

fn collect(ev: &mut Evaluator, target: &Target) -> Result<Vec<Evaluated>, EvalError> {
    let root = match &target.input {
        Input::Expr(e) => ev.eval_source(Origin::String, e, &target.base_dir)?,
        Input::File(f) => {
            let f = if f.is_absolute() {
                f.clone()
            } else {
                target.base_dir.join(f)
            };
            ev.eval_file(&f)?
        }
    };
    let mut args = Attrs::new();
    for (name, arg) in &target.auto_args {
        let value = match arg {
            AutoArg::Str(s) => Value::string(s.as_str()),
            AutoArg::Expr(e) => ev.eval_source(Origin::String, e, &target.base_dir)?,
        };
        let sym = ev.intern(name);
        args.insert(sym, Pos::NONE, value);
    }
    let paths = if target.attr_paths.is_empty() {
        vec![String::new()]
    } else {
        target.attr_paths.clone()
    };
    let mut out = Vec::new();
    for path in paths {
        let v = select(ev, &root, &path, &args)?;
        let v = auto_call(ev, &v, &args)?;
        derivations(ev, &v, &args, &mut out)?;
    }
    Ok(out)
}

/// Calls a function whose parameter is a set pattern with the matching auto arguments.
fn auto_call(ev: &mut Evaluator, v: &Value, args: &Attrs) -> Result<Value, EvalError> {
    let v = ev.force(v)?;
    let Value::Lambda(closure) = &v else {
        return Ok(v);
    };
    let Param::Pattern {
        formals, ellipsis, ..
    } = &closure.def.param
    else {
        return Ok(v);
    };
    let mut given = Attrs::new();
    for attr in args.iter() {
        if *ellipsis || formals.iter().any(|f| f.name == attr.name) {
            given.insert(attr.name, Pos::NONE, attr.value.clone());
        }
    }
    let result = ev.call(&v, Value::attrs(given), Pos::NONE)?;
    ev.force(&result)
}

fn select(ev: &mut Evaluator, root: &Value, path: &str, args: &Attrs) -> Result<Value, EvalError> {
    let mut v = ev.force(root)?;
    if path.is_empty() {
        return Ok(v);
    }
    for part in path.split('.') {
        v = auto_call(ev, &v, args)?;
        v = match &v {
            Value::List(items) if part.parse::<usize>().is_ok() => {
                let i = part.parse::<usize>().unwrap_or(usize::MAX);
                let item = items.get(i).cloned().ok_or_else(|| {
                    EvalError::msg(format!(
                        "list index {i} in selection path '{path}' is out of range"
                    ))
                })?;
                ev.force(&item)?
            }
            Value::Attrs(a) => {
                let sym = ev.intern(part);
                let found = a.get(sym).cloned().ok_or_else(|| {
                    EvalError::msg(format!(
                        "attribute '{part}' in selection path '{path}' not found"
                    ))
                })?;
                ev.force(&found)?
            }
            other => {
                return Err(EvalError::msg(format!(
                    "the expression selected by the selection path '{path}' should be a set but is {}",
                    other.type_desc()
                )));
            }
        };
    }
    Ok(v)
}

fn string_attr(ev: &mut Evaluator, a: &Attrs, name: &str) -> Result<Option<Value>, EvalError> {
    let sym = ev.intern(name);
    match a.get(sym).cloned() {
        Some(v) => Ok(Some(ev.force(&v)?)),
        None => Ok(None),
    }
}

/// The derivation an attribute set stands for, if it is one.
fn as_derivation(ev: &mut Evaluator, a: &Attrs) -> Result<Option<Evaluated>, EvalError> {
    if !ev.is_derivation(a)? {
        return Ok(None);
    }
    let Some(drv) = string_attr(ev, a, "drvPath")? else {
        return Err(EvalError::msg("derivation lacks a 'drvPath' attribute"));
    };
    let drv = ev.force_string(&drv)?;
    let dir = StoreDir::new(ev.store().store_dir()).map_err(|e| EvalError::msg(e.to_string()))?;
    let drv_path = dir
        .parse(&drv.to_str_lossy())
        .map_err(|e| EvalError::msg(e.to_string()))?;
    let output = match string_attr(ev, a, "outputName")? {
        Some(v) => ev.force_string(&v)?.to_str_lossy().into_owned(),
        None => {
            return Err(EvalError::msg(format!(
                "derivation '{}' lacks an 'outputName' attribute",
                drv.to_str_lossy()
            )));
        }
    };
    Ok(Some(Evaluated { drv_path, output }))
}

/// Nix's `getDerivations`: a derivation, or the derivations among a set's attributes
/// (in name order; a set-valued attribute only with `recurseForDerivations = true`) or
/// a list's elements.
fn derivations(
    ev: &mut Evaluator,
    v: &Value,
    args: &Attrs,
    out: &mut Vec<Evaluated>,
) -> Result<(), EvalError> {
    let v = auto_call(ev, v, args)?;
    match &v {
        Value::Attrs(a) => {
            if let Some(d) = as_derivation(ev, a)? {
                out.push(d);
                return Ok(());
            }
            let mut entries: Vec<(String, Value)> = a
                .iter()
                .map(|attr| (ev.symbols.name(attr.name).to_owned(), attr.value.clone()))
                .collect();
            entries.sort_by(|x, y| x.0.cmp(&y.0));
            for (_, value) in entries {
                let value = ev.force(&value)?;
                if let Value::Attrs(inner) = &value {
                    if let Some(d) = as_derivation(ev, inner)? {
                        out.push(d);
                    } else if let Some(Value::Bool(true)) =
                        string_attr(ev, inner, "recurseForDerivations")?
                    {
                        derivations(ev, &value, args, out)?;
                    }
                }
            }
            Ok(())
        }
        Value::List(items) => {
            for item in items.iter() {
                let item = ev.force(item)?;
                match &item {
                    Value::Attrs(inner) => match as_derivation(ev, inner)? {
                        Some(d) => out.push(d),
                        None => derivations(ev, &item, args, out)?,
                    },
                    _ => derivations(ev, &item, args, out)?,
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
