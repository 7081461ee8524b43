//! The evaluator: forcing thunks, evaluating compiled expressions, calling functions.
//!
//! ```text
//! source ─rnix─► syntax tree ─compile─► ir::Expr ─eval(env)─► Value (weak head normal form)
//! ```
//!
//! Recursion in the evaluated program is recursion of `eval`/`call` on the Rust stack,
//! which grows on the heap (`stacker`) and is bounded by [`MAX_DEPTH`]: past it evaluation
//! fails with Nix's `stack overflow (possible infinite recursion)` instead of crashing.
//! A thunk is black-holed while it is evaluated and restored if evaluation fails, so a
//! caught error (`tryEval`) leaves it re-evaluable.

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use super::error::{ErrorKind, EvalError};
use super::glue::StoreGlue;
use super::io::EvalIo;
use super::ir::{AttrKey, AttrsDef, BinOp, Expr, LambdaDef, Param, VarRef};
use super::source::{Pos, SourceMap};
use super::symbol::{Interner, Symbol};
use super::value::Slots;
use super::value::{Attr, Attrs, Closure, Env, NixString, PrimOpApp, Thunk, ThunkState, Value};

/// The deepest nesting of evaluations before reporting a stack overflow.
pub const MAX_DEPTH: usize = 300_000;
/// Stack kept free before calling deeper; below it a new stack segment is allocated.
const RED_ZONE: usize = 128 * 1024;
/// The size of each new stack segment.
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// The stack size of the thread [`run_on_eval_stack`] starts. Only the pages a deep
/// recursion touches are ever committed.
pub const EVAL_STACK_SIZE: usize = 1 << 30;

/// Runs `f` on a thread with a stack large enough for deep Nix recursion (up to
/// [`MAX_DEPTH`] nested evaluations), so that stack segments are not allocated and freed
/// again and again at the boundary of a small stack. Evaluators are not `Send`: create
/// the evaluator inside `f`.
pub fn run_on_eval_stack<T: Send>(f: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("eval".into())
            .stack_size(EVAL_STACK_SIZE)
            .spawn_scoped(scope, f)?;
        match handle.join() {
            Ok(v) => Ok(v),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A search-path entry from `-I` or `NIX_PATH`: `prefix=path`, or just `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPathEntry {
    /// The prefix (empty for an entry without `=`).
    pub prefix: String,
    /// The directory (or URL) it maps to.
    pub path: String,
}

impl SearchPathEntry {
    /// Parses `prefix=path` or `path`.
    pub fn parse(s: &str) -> SearchPathEntry {
        match s.split_once('=') {
            Some((prefix, path)) => SearchPathEntry {
                prefix: prefix.to_string(),
                path: path.to_string(),
            },
            None => SearchPathEntry {
                prefix: String::new(),
                path: s.to_string(),
            },
        }
    }
}

/// Settings of one evaluator.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// The search path (`-I` entries first, then `NIX_PATH`).
    pub search_path: Vec<SearchPathEntry>,
    /// Searched after `search_path` and not listed in `builtins.nixPath`, as Nix's own
    /// `<nix/…>` files are: expressions built into the program.
    pub builtin_search_path: Vec<SearchPathEntry>,
    /// `builtins.currentSystem`.
    pub current_system: String,
    /// The directory relative paths in `-E` expressions resolve against.
    pub base_dir: PathBuf,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            search_path: Vec::new(),
            builtin_search_path: Vec::new(),
            current_system: default_system(),
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }
}

/// The Nix system name of the machine running the evaluator.
pub fn default_system() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// Symbols the evaluator looks up itself.
pub(crate) struct Syms {
    pub out_path: Symbol,
    pub type_: Symbol,
    pub to_string: Symbol,
    pub functor: Symbol,
    pub name: Symbol,
    pub value: Symbol,
    pub file: Symbol,
    pub line: Symbol,
    pub column: Symbol,
    pub path: Symbol,
    pub prefix: Symbol,
    pub key: Symbol,
    pub ignore_nulls: Symbol,
    pub structured_attrs: Symbol,
}

impl Syms {
    fn new(i: &mut Interner) -> Syms {
        Syms {
            out_path: i.intern("outPath"),
            type_: i.intern("type"),
            to_string: i.intern("__toString"),
            functor: i.intern("__functor"),
            name: i.intern("name"),
            value: i.intern("value"),
            file: i.intern("file"),
            line: i.intern("line"),
            column: i.intern("column"),
            path: i.intern("path"),
            prefix: i.intern("prefix"),
            key: i.intern("key"),
            ignore_nulls: i.intern("__ignoreNulls"),
            structured_attrs: i.intern("__structuredAttrs"),
        }
    }
}

/// Receives `builtins.trace` messages (the caller decides where they are shown).
pub type TraceSink = Box<dyn FnMut(&str)>;

/// A Nix evaluator: values, sources, the global scope, the import cache.
pub struct Evaluator {
    /// The names of this evaluator.
    pub symbols: Interner,
    /// Every source text evaluated so far.
    pub sources: SourceMap,
    pub(crate) io: Rc<dyn EvalIo>,
    pub(crate) store: Rc<dyn StoreGlue>,
    pub(crate) options: EvalOptions,
    pub(crate) syms: Syms,
    /// Names visible everywhere (`true`, `map`, `builtins`, `__add`, …).
    pub(crate) globals: HashMap<Symbol, Value>,
    pub(crate) import_cache: HashMap<PathBuf, Value>,
    pub(crate) store_path_cache: HashMap<String, String>,
    /// Compiled regular expressions of `match` and `split`, by pattern.
    pub(crate) regex_cache: super::regex::RegexCache,
    pub(crate) trace_sink: TraceSink,
    depth: usize,
    /// Below this stack address the next level must go through `stacker` (0: unknown).
    stack_limit: usize,
}

impl Evaluator {
    /// An evaluator reading files through `io` and using `store` for store operations.
    pub fn new(io: Rc<dyn EvalIo>, store: Rc<dyn StoreGlue>, options: EvalOptions) -> Evaluator {
        let mut symbols = Interner::default();
        let syms = Syms::new(&mut symbols);
        let mut ev = Evaluator {
            symbols,
            sources: SourceMap::default(),
            io,
            store,
            options,
            syms,
            globals: HashMap::new(),
            import_cache: HashMap::new(),
            store_path_cache: HashMap::new(),
            regex_cache: super::regex::RegexCache::default(),
            trace_sink: Box::new(|_| {}),
            depth: 0,
            stack_limit: stack_limit(),
        };
        super::builtins::install(&mut ev);
        ev
    }

    /// Sends `builtins.trace` output to `sink` (by default it is dropped).
    pub fn set_trace_sink(&mut self, sink: TraceSink) {
        self.trace_sink = sink;
    }

    /// The options this evaluator was made with.
    pub fn options(&self) -> &EvalOptions {
        &self.options
    }

    /// The file access used by this evaluator.
    pub fn io(&self) -> Rc<dyn EvalIo> {
        self.io.clone()
    }

    /// The store glue used by this evaluator.
    pub fn store(&self) -> Rc<dyn StoreGlue> {
        self.store.clone()
    }

    /// Interns a name.
    pub fn intern(&mut self, name: &str) -> Symbol {
        self.symbols.intern(name)
    }

    /// Interns the name a string's bytes spell.
    pub fn intern_bytes(&mut self, name: &[u8]) -> Symbol {
        self.symbols.intern_bytes(name)
    }

    // ----- forcing -------------------------------------------------------------------

    /// Forces a value to weak head normal form.
    pub fn force(&mut self, v: &Value) -> Result<Value, EvalError> {
        match v {
            Value::Thunk(t) => self.force_thunk(t),
            _ => Ok(v.clone()),
        }
    }

    fn force_thunk(&mut self, t: &Thunk) -> Result<Value, EvalError> {
        let state = {
            let mut cell = t.0.borrow_mut();
            match &*cell {
                ThunkState::Done(v) => return Ok(v.clone()),
                ThunkState::Blackhole => {
                    return Err(EvalError::new(ErrorKind::InfiniteRecursion));
                }
                _ => std::mem::replace(&mut *cell, ThunkState::Blackhole),
            }
        };
        let result = match &state {
            ThunkState::Pending(expr, env) => self.guard(|ev| ev.eval(expr, env)),
            ThunkState::Apply(app) => self
                .force(&app.0)
                .and_then(|f| self.call(&f, app.1.clone(), Pos::NONE)),
            ThunkState::ApplyToIndex(f, index) => self
                .force(f)
                .and_then(|f| self.call(&f, Value::Int(*index), Pos::NONE)),
            ThunkState::Native(f) => {
                let f = f.clone();
                f(self)
            }
            ThunkState::Blackhole | ThunkState::Done(_) => {
                Err(EvalError::new(ErrorKind::InfiniteRecursion))
            }
        };
        match result {
            Ok(v) => {
                *t.0.borrow_mut() = ThunkState::Done(v.clone());
                Ok(v)
            }
            Err(e) => {
                *t.0.borrow_mut() = state;
                Err(e)
            }
        }
    }

    /// Forces a value and everything inside it (lists and sets, recursively).
    pub fn force_deep(&mut self, v: &Value) -> Result<Value, EvalError> {
        let v = self.force(v)?;
        let mut seen = std::collections::HashSet::new();
        self.force_deep_inner(&v, &mut seen)?;
        Ok(v)
    }

    fn force_deep_inner(
        &mut self,
        v: &Value,
        seen: &mut std::collections::HashSet<usize>,
    ) -> Result<(), EvalError> {
        self.guard(|ev| match v {
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as usize) {
                    return Ok(());
                }
                for attr in a.iter() {
                    let inner = ev.force(&attr.value)?;
                    ev.force_deep_inner(&inner, seen)?;
                }
                Ok(())
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as usize) {
                    return Ok(());
                }
                for item in l.iter() {
                    let inner = ev.force(item)?;
                    ev.force_deep_inner(&inner, seen)?;
                }
                Ok(())
            }
            _ => Ok(()),
        })
    }

    /// Runs `f` one level deeper, growing the stack or failing cleanly when too deep.
    #[inline(always)]
    pub(crate) fn guard<T>(
        &mut self,
        f: impl FnOnce(&mut Evaluator) -> Result<T, EvalError>,
    ) -> Result<T, EvalError> {
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new(ErrorKind::StackOverflow));
        }
        self.depth += 1;
        // Comparing the stack pointer with a limit computed once is much cheaper than
        // asking `stacker` each time; only near the limit does `stacker` take over.
        let r = if stack_pointer() > self.stack_limit {
            f(self)
        } else {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || f(self))
        };
        self.depth -= 1;
        r
    }

    // ----- typed forcing helpers for builtins ----------------------------------------

    /// Forces an integer.
    pub fn force_int(&mut self, v: &Value) -> Result<i64, EvalError> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            other => Err(EvalError::type_error("an integer", &other)),
        }
    }

    /// Forces a Boolean.
    pub fn force_bool(&mut self, v: &Value) -> Result<bool, EvalError> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::type_error("a Boolean", &other)),
        }
    }

    /// Forces a number (an integer or a float) as a float.
    pub fn force_float(&mut self, v: &Value) -> Result<f64, EvalError> {
        match self.force(v)? {
            Value::Int(i) => Ok(i as f64),
            Value::Float(f) => Ok(f),
            other => Err(EvalError::type_error("a float", &other)),
        }
    }

    /// Forces a list.
    pub fn force_list(&mut self, v: &Value) -> Result<Rc<Vec<Value>>, EvalError> {
        match self.force(v)? {
            Value::List(l) => Ok(l),
            other => Err(EvalError::type_error("a list", &other)),
        }
    }

    /// Forces a set.
    pub fn force_attrs(&mut self, v: &Value) -> Result<Rc<Attrs>, EvalError> {
        match self.force(v)? {
            Value::Attrs(a) => Ok(a),
            other => Err(EvalError::type_error("a set", &other)),
        }
    }

    /// Forces a string (no coercion), keeping its context.
    pub fn force_string(&mut self, v: &Value) -> Result<NixString, EvalError> {
        match self.force(v)? {
            Value::String(s) => Ok(s),
            other => Err(EvalError::type_error("a string", &other)),
        }
    }

    /// Forces a function (a lambda, a builtin or a set with `__functor`).
    pub fn force_function(&mut self, v: &Value) -> Result<Value, EvalError> {
        let f = self.force(v)?;
        match &f {
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(f),
            Value::Attrs(a) if a.get(self.syms.functor).is_some() => Ok(f),
            other => Err(EvalError::type_error("a function", other)),
        }
    }

    // ----- evaluation ----------------------------------------------------------------

    /// Makes a (possibly already evaluated) value for `expr` in `env` without evaluating.
    pub(crate) fn thunk(&self, expr: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**expr {
            Expr::Const(v) => v.clone(),
            Expr::Var(r, _) => lookup(env, *r),
            _ => Value::Thunk(Thunk::pending(expr.clone(), env.clone())),
        }
    }

    /// Like [`Evaluator::thunk`] for a function argument: integer arithmetic on values
    /// already known (`f (n - 1)`) is done at once instead of through a thunk. Only
    /// arguments get this: a set or list printed unevaluated (`trace`) still shows the
    /// operation as unevaluated code, as in Nix.
    #[inline]
    fn arg_thunk(&self, expr: &Rc<Expr>, env: &Rc<Env>) -> Value {
        if let Expr::BinOp { op, lhs, rhs, .. } = &**expr
            && let Some(v) = eager_int_op(*op, lhs, rhs, env)
        {
            return v;
        }
        self.thunk(expr, env)
    }

    /// Like [`Evaluator::thunk`] for a binding of the frame `env` being filled: variables
    /// of that same frame may not be set yet, so they get a real thunk.
    fn thunk_in_new_frame(&self, expr: &Rc<Expr>, env: &Rc<Env>) -> Value {
        match &**expr {
            Expr::Var(r, _) if r.depth == 0 => {
                Value::Thunk(Thunk::pending(expr.clone(), env.clone()))
            }
            _ => self.thunk(expr, env),
        }
    }

    /// The values of a `let`/`rec` frame's bindings, made in order: a binding that is just
    /// an earlier sibling's name shares that sibling's value, as in Nix.
    fn frame_values<'e>(&self, exprs: impl Iterator<Item = &'e Rc<Expr>>, env: &Rc<Env>) -> Slots {
        let mut values = Slots::new();
        for e in exprs {
            let v = match &**e {
                Expr::Var(r, _) if r.depth == 0 && (r.index as usize) < values.len() => {
                    values[r.index as usize].clone()
                }
                _ => self.thunk_in_new_frame(e, env),
            };
            values.push(v);
        }
        values
    }

    /// Evaluates `expr` in `env` to weak head normal form.
    pub(crate) fn eval(&mut self, expr: &Expr, env: &Rc<Env>) -> Result<Value, EvalError> {
        match expr {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Var(r, pos) => {
                let v = lookup(env, *r);
                match v {
                    // Nix reports infinite recursion where the variable was forced.
                    Value::Thunk(t) => self.force_thunk(&t).map_err(|e| recursion_at(e, *pos)),
                    v => Ok(v),
                }
            }
            _ => self.eval_compound(expr, env),
        }
    }

    // The dispatcher stays small so that each level of Nix recursion costs little stack:
    // every arm with many locals or error formatting lives in its own function.
    fn eval_compound(&mut self, expr: &Expr, env: &Rc<Env>) -> Result<Value, EvalError> {
        match expr {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Var(r, _) => {
                let v = lookup(env, *r);
                self.force(&v)
            }
            Expr::WithVar { name, withs, pos } => self.eval_with_var(*name, withs, *pos, env),
            Expr::Select {
                expr: inner,
                path,
                default,
                pos,
            } => self.eval_select(inner, path, default.as_deref(), *pos, env),
            Expr::HasAttr { expr: inner, path } => self.eval_has_attr(inner, path, env),
            Expr::Attrs(def, pos) => self.eval_attrs(def, *pos, env),
            Expr::Let(def) => self.eval_let(def, env),
            Expr::List(items) => Ok(Value::list(
                items.iter().map(|e| self.thunk(e, env)).collect(),
            )),
            Expr::Lambda(def) => Ok(Value::Lambda(Rc::new(Closure {
                def: def.clone(),
                env: env.clone(),
            }))),
            Expr::Call { fun, args, pos } => {
                let mut f = self.eval(fun, env)?;
                for arg in args.iter() {
                    let a = self.arg_thunk(arg, env);
                    f = self.call(&f, a, *pos)?;
                }
                Ok(f)
            }
            Expr::If(parts, _) => {
                let (cond, then, els) = &**parts;
                match self.eval(cond, env)? {
                    Value::Bool(true) => self.eval(then, env),
                    Value::Bool(false) => self.eval(els, env),
                    other => Err(type_error_at("a Boolean", &other, expr.pos())),
                }
            }
            Expr::Assert {
                cond,
                body,
                text,
                pos,
            } => match self.eval(cond, env)? {
                Value::Bool(true) => self.eval(body, env),
                other => Err(assert_failed(&other, text, *pos)),
            },
            Expr::With { scope, body } => {
                let scope = self.thunk(scope, env);
                let frame = Env::new(smallvec::smallvec![scope], Some(env.clone()));
                self.eval(body, &frame)
            }
            Expr::BinOp {
                op,
                lhs,
                rhs,
                pos,
                start,
            } => self.eval_binop(*op, lhs, rhs, (*pos, *start), env),
            Expr::Not(e, _) => match self.eval(e, env)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(type_error_at("a Boolean", &other, Pos::NONE)),
            },
            // `-x` is `0 - x` in Nix, so `-0.0` is `0`.
            Expr::Neg(e, pos) => match self.eval(e, env)? {
                Value::Int(i) => super::ops::int_arith(super::ir::BinOp::Sub, 0, i)
                    .map(Value::Int)
                    .map_err(|e| e.at(*pos)),
                Value::Float(f) => Ok(Value::Float(0.0 - f)),
                other => Err(type_error_at("an integer", &other, *pos)),
            },
            Expr::Interpolate { parts, pos } => self.eval_interpolation(parts, *pos, env),
            Expr::PathInterpolate { parts, pos } => self.eval_path_interpolation(parts, *pos, env),
            Expr::SearchPath(name, pos) => self.find_search_path(name).map_err(|e| e.at(*pos)),
            Expr::CurPos(pos) => Ok(self.pos_attrs(*pos)),
        }
    }

    #[inline(never)]
    fn eval_with_var(
        &mut self,
        name: Symbol,
        withs: &[VarRef],
        pos: Pos,
        env: &Rc<Env>,
    ) -> Result<Value, EvalError> {
        for w in withs.iter() {
            let scope = lookup(env, *w);
            let attrs = self.force_attrs(&scope)?;
            if let Some(v) = attrs.get(name) {
                let v = v.clone();
                return self.force(&v);
            }
        }
        Err(EvalError::new(ErrorKind::UndefinedVar(self.symbols.name(name).to_string())).at(pos))
    }

    #[inline(never)]
    fn eval_select(
        &mut self,
        inner: &Expr,
        path: &[AttrKey],
        default: Option<&Expr>,
        pos: Pos,
        env: &Rc<Env>,
    ) -> Result<Value, EvalError> {
        let mut v = self.eval(inner, env)?;
        for key in path.iter() {
            let attrs = match v {
                Value::Attrs(a) => a,
                other => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return Err(type_error_at("a set", &other, pos));
                }
            };
            let name = self.attr_key(key, env)?;
            match attrs.get_attr(name) {
                Some(found) => {
                    let (value, at) = (found.value.clone(), found.pos);
                    v = self.force(&value).map_err(|e| recursion_at(e, at))?;
                }
                None => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return Err(self.missing_attr(name, &attrs, pos));
                }
            }
        }
        Ok(v)
    }

    #[cold]
    #[inline(never)]
    fn missing_attr(&self, name: Symbol, attrs: &Attrs, pos: Pos) -> EvalError {
        let wanted = self.symbols.name(name).to_string();
        let symbols = &self.symbols;
        EvalError::new(ErrorKind::MissingAttr(wanted.clone()))
            .at(pos)
            .suggest(&wanted, attrs.iter().map(|a| symbols.name(a.name)))
    }

    #[inline(never)]
    fn eval_has_attr(
        &mut self,
        inner: &Expr,
        path: &[AttrKey],
        env: &Rc<Env>,
    ) -> Result<Value, EvalError> {
        let mut v = self.eval(inner, env)?;
        for (i, key) in path.iter().enumerate() {
            let Value::Attrs(attrs) = v else {
                return Ok(Value::Bool(false));
            };
            let name = self.attr_key(key, env)?;
            match attrs.get(name) {
                // The last attribute is only looked up, never evaluated.
                Some(_) if i + 1 == path.len() => return Ok(Value::Bool(true)),
                Some(found) => {
                    let found = found.clone();
                    v = self.force(&found)?;
                }
                None => return Ok(Value::Bool(false)),
            }
        }
        Ok(Value::Bool(true))
    }

    #[inline(never)]
    fn eval_let(&mut self, def: &super::ir::LetDef, env: &Rc<Env>) -> Result<Value, EvalError> {
        let frame = Env::new(Slots::new(), Some(env.clone()));
        let values = self.frame_values(def.bindings.iter(), &frame);
        *frame.slots.borrow_mut() = values;
        self.eval(&def.body, &frame)
    }

    /// The name an attribute-path element stands for.
    pub(crate) fn attr_key(&mut self, key: &AttrKey, env: &Rc<Env>) -> Result<Symbol, EvalError> {
        match key {
            AttrKey::Static(s) => Ok(*s),
            AttrKey::Dynamic(e) => {
                let v = self.eval(e, env)?;
                let s = self.force_string(&v).map_err(|err| err.at(e.pos()))?;
                Ok(self.symbols.intern_bytes(s.as_bytes()))
            }
        }
    }

    fn eval_attrs(&mut self, def: &AttrsDef, pos: Pos, env: &Rc<Env>) -> Result<Value, EvalError> {
        let (scope, entries) = if def.recursive {
            let frame = Env::new(vec![Value::Null; def.statics.len()], Some(env.clone()));
            // With `__overrides`, a sibling alias must see the overridden value later.
            let overrides = self.symbols.lookup("__overrides");
            let values = if def.statics.iter().any(|b| Some(b.name) == overrides) {
                def.statics
                    .iter()
                    .map(|b| self.thunk_in_new_frame(&b.value, &frame))
                    .collect()
            } else {
                self.frame_values(def.statics.iter().map(|b| &b.value), &frame)
            };
            let entries = def
                .statics
                .iter()
                .zip(values.iter())
                .map(|(b, v)| Attr {
                    name: b.name,
                    pos: b.pos,
                    value: v.clone(),
                })
                .collect();
            *frame.slots.borrow_mut() = values;
            let entries = self.apply_overrides(def, &frame, entries)?;
            (frame, entries)
        } else {
            let entries = def
                .statics
                .iter()
                .map(|b| Attr {
                    name: b.name,
                    pos: b.pos,
                    value: self.thunk(&b.value, env),
                })
                .collect();
            (env.clone(), entries)
        };
        let mut attrs = Attrs::from_sorted(entries).at(pos);
        for d in &def.dynamics {
            let key = self.eval(&d.key, &scope)?;
            if matches!(key, Value::Null) {
                continue;
            }
            let key = self.force_string(&key).map_err(|e| e.at(d.pos))?;
            let name = self.symbols.intern_bytes(key.as_bytes());
            if let Some(prev) = attrs.get_attr(name) {
                let at = self
                    .sources
                    .locate(prev.pos)
                    .map(|l| l.display_plain())
                    .unwrap_or_default();
                return Err(EvalError::msg(format!(
                    "dynamic attribute '{}' already defined at {at}",
                    key.to_str_lossy()
                ))
                .at(d.pos));
            }
            let value = self.thunk(&d.value, &scope);
            attrs.insert(name, d.pos, value);
        }
        Ok(Value::attrs(attrs))
    }

    /// `rec { __overrides = { … }; … }`: the attributes of `__overrides` replace those of
    /// the set, in the set and in its recursive scope.
    fn apply_overrides(
        &mut self,
        def: &AttrsDef,
        frame: &Rc<Env>,
        mut entries: Vec<Attr>,
    ) -> Result<Vec<Attr>, EvalError> {
        let overrides_sym = self.symbols.intern("__overrides");
        let Some(i) = def.statics.iter().position(|b| b.name == overrides_sym) else {
            return Ok(entries);
        };
        let overrides = entries[i].value.clone();
        let overrides = self.force_attrs(&overrides)?;
        for o in overrides.iter() {
            match def.statics.iter().position(|b| b.name == o.name) {
                Some(j) => {
                    entries[j] = o.clone();
                    frame.slots.borrow_mut()[j] = o.value.clone();
                }
                None => entries.push(o.clone()),
            }
        }
        entries.sort_by_key(|a| a.name);
        Ok(entries)
    }

    /// Applies a function value to one argument.
    pub fn call(&mut self, f: &Value, arg: Value, pos: Pos) -> Result<Value, EvalError> {
        // The common case checks the stack by hand: a closure through `stacker` would add
        // a few hundred bytes to every level of Nix recursion.
        self.guard(|ev| ev.call_inner(f, arg, pos))
    }

    /// Applies a function value to several arguments in turn.
    pub fn call_many(&mut self, f: &Value, args: &[Value], pos: Pos) -> Result<Value, EvalError> {
        let mut f = self.force(f)?;
        for a in args {
            f = self.call(&f, a.clone(), pos)?;
        }
        Ok(f)
    }

    fn call_inner(&mut self, f: &Value, arg: Value, pos: Pos) -> Result<Value, EvalError> {
        match f {
            Value::Lambda(closure) => {
                let frame = self.bind_params(closure, arg, pos)?;
                match self.eval(&closure.def.body, &frame) {
                    Ok(v) => Ok(v),
                    Err(e) => Err(self.lambda_trace(e, &closure.def, pos)),
                }
            }
            _ => self.call_other(f, arg, pos),
        }
    }

    #[cold]
    #[inline(never)]
    fn lambda_trace(&self, e: EvalError, def: &LambdaDef, pos: Pos) -> EvalError {
        let what = match def.name {
            Some(n) => format!("while evaluating '{}'", self.symbols.name(n)),
            None => "while evaluating anonymous lambda".to_string(),
        };
        e.with_trace(def.pos, what)
            .with_trace(pos, "from call site")
    }

    /// Calls anything but a lambda: builtins, functors.
    #[inline(never)]
    fn call_other(&mut self, f: &Value, arg: Value, pos: Pos) -> Result<Value, EvalError> {
        match f {
            Value::PrimOp(op) => {
                if op.arity == 1 {
                    (op.func)(self, &[arg], pos).map_err(|e| e.at(pos))
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op: op.clone(),
                        args: vec![arg],
                    })))
                }
            }
            Value::PrimOpApp(app) => {
                let mut args = app.args.clone();
                args.push(arg);
                if args.len() >= app.op.arity {
                    (app.op.func)(self, &args, pos).map_err(|e| e.at(pos))
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op: app.op.clone(),
                        args,
                    })))
                }
            }
            Value::Attrs(a) if a.get(self.syms.functor).is_some() => {
                let functor = a.get(self.syms.functor).cloned().unwrap_or(Value::Null);
                let functor = self.force(&functor)?;
                let partial = self.call(&functor, f.clone(), pos)?;
                self.call(&partial, arg, pos)
            }
            Value::Thunk(t) => {
                let f = self.force_thunk(t)?;
                self.call_inner(&f, arg, pos)
            }
            other => Err(EvalError::msg(format!(
                "attempt to call something which is not a function but {}",
                other.type_desc()
            ))
            .at(pos)),
        }
    }

    fn lambda_desc(&self, def: &LambdaDef) -> String {
        let at = self
            .sources
            .locate(def.pos)
            .map(|l| l.display_plain())
            .unwrap_or_default();
        match def.name {
            Some(n) => format!("'{}' at {at}", self.symbols.name(n)),
            None => format!("anonymous function at {at}"),
        }
    }

    #[inline(never)]
    fn bind_params(
        &mut self,
        closure: &Closure,
        arg: Value,
        pos: Pos,
    ) -> Result<Rc<Env>, EvalError> {
        let def = &closure.def;
        match &def.param {
            Param::Ident(_) => Ok(Env::new(
                smallvec::smallvec![arg],
                Some(closure.env.clone()),
            )),
            Param::Pattern {
                formals,
                ellipsis,
                bind,
            } => {
                let attrs = self.force_attrs(&arg).map_err(|e| e.at(pos))?;
                let frame = Env::new(Slots::new(), Some(closure.env.clone()));
                let mut slots = Slots::with_capacity(def.slots as usize);
                let mut used = 0usize;
                for formal in formals {
                    match attrs.get(formal.name) {
                        Some(v) => {
                            used += 1;
                            slots.push(v.clone());
                        }
                        None => match &formal.default {
                            Some(d) => slots.push(self.thunk_in_new_frame(d, &frame)),
                            None => {
                                return Err(EvalError::msg(format!(
                                    "{} called without required argument '{}'",
                                    self.lambda_desc(def),
                                    self.symbols.name(formal.name)
                                ))
                                .at(pos));
                            }
                        },
                    }
                }
                if !ellipsis && used < attrs.len() {
                    for a in attrs.iter() {
                        if !formals.iter().any(|f| f.name == a.name) {
                            let wanted = self.symbols.name(a.name);
                            return Err(EvalError::msg(format!(
                                "{} called with unexpected argument '{wanted}'",
                                self.lambda_desc(def),
                            ))
                            .at(pos)
                            .suggest(wanted, formals.iter().map(|f| self.symbols.name(f.name))));
                        }
                    }
                }
                if bind.is_some() {
                    slots.push(Value::Attrs(attrs));
                }
                *frame.slots.borrow_mut() = slots;
                Ok(frame)
            }
        }
    }

    /// Calls a function the way Nix calls the top-level value of `nix-instantiate`: a set
    /// pattern gets the matching entries of `args` (all of them with `...`), a functor set
    /// is unwrapped first; any other value is returned unchanged.
    pub fn auto_call(&mut self, f: &Value, args: &Value) -> Result<Value, EvalError> {
        let f = self.force(f)?;
        if let Value::Attrs(a) = &f
            && let Some(functor) = a.get(self.syms.functor)
        {
            let functor = functor.clone();
            let inner = self.call_many(&functor, std::slice::from_ref(&f), Pos::NONE)?;
            return self.auto_call(&inner, args);
        }
        let Value::Lambda(closure) = &f else {
            return Ok(f);
        };
        let Param::Pattern {
            formals, ellipsis, ..
        } = &closure.def.param
        else {
            return Ok(f);
        };
        let args = self.force_attrs(args)?;
        let passed = if *ellipsis {
            (*args).clone()
        } else {
            let mut passed = Attrs::new();
            for formal in formals {
                match args.get_attr(formal.name) {
                    Some(a) => passed.insert(a.name, a.pos, a.value.clone()),
                    None if formal.default.is_none() => {
                        return Err(EvalError::msg(format!(
                            "cannot evaluate a function that has an argument without a value ('{}')\n\
                             Nix attempted to evaluate a function as a top level expression; in\n\
                             this case it must have its arguments supplied either by default\n\
                             values, or passed explicitly with '--arg' or '--argstr'. See\n\
                             https://nixos.org/manual/nix/stable/expressions/language-constructs.html#functions.",
                            self.symbols.name(formal.name)
                        ))
                        .at(formal.pos));
                    }
                    None => {}
                }
            }
            passed
        };
        self.call(&f, Value::attrs(passed), Pos::NONE)
    }

    /// The `file` Nix 2.8 reports for a position (`__curPos`, `unsafeGetAttrPos`, XML
    /// `path`): the file's path, or for an expression given as text the text itself.
    pub fn pos_file(&self, pos: Pos) -> Option<String> {
        let src = self.sources.source(pos)?;
        Some(match &src.origin {
            super::source::Origin::File(p) => p.display().to_string(),
            _ => src.text.to_string(),
        })
    }

    /// A set value from name/value pairs (on duplicate names the first wins).
    pub fn make_attrs(&mut self, pairs: Vec<(&str, Value)>) -> Value {
        let entries = pairs
            .into_iter()
            .map(|(name, value)| Attr {
                name: self.symbols.intern(name),
                pos: Pos::NONE,
                value,
            })
            .collect();
        Value::attrs(Attrs::from_unsorted(entries))
    }

    /// Sends a message to the trace sink (`builtins.trace`).
    pub fn emit_trace(&mut self, message: &str) {
        (self.trace_sink)(message);
    }

    /// `{ file, line, column }` for a position (`__curPos`, `unsafeGetAttrPos`).
    pub(crate) fn pos_attrs(&mut self, pos: Pos) -> Value {
        let Some(loc) = self.sources.locate(pos) else {
            return Value::Null;
        };
        let file = self.pos_file(pos).unwrap_or_default();
        let entries = vec![
            Attr {
                name: self.syms.file,
                pos: Pos::NONE,
                value: Value::string(file),
            },
            Attr {
                name: self.syms.line,
                pos: Pos::NONE,
                value: Value::Int(loc.line as i64),
            },
            Attr {
                name: self.syms.column,
                pos: Pos::NONE,
                value: Value::Int(loc.column as i64),
            },
        ];
        Value::attrs(Attrs::from_unsorted(entries))
    }
}

/// Gives an infinite-recursion error without a position the place where the value was
/// forced.
#[cold]
#[inline(never)]
fn recursion_at(e: EvalError, pos: Pos) -> EvalError {
    if matches!(e.kind, ErrorKind::InfiniteRecursion) {
        e.at(pos)
    } else {
        e
    }
}

#[cold]
#[inline(never)]
fn type_error_at(expected: &'static str, got: &Value, pos: Pos) -> EvalError {
    EvalError::type_error(expected, got).at(pos)
}

#[cold]
#[inline(never)]
fn assert_failed(cond: &Value, text: &str, pos: Pos) -> EvalError {
    match cond {
        Value::Bool(_) => EvalError::new(ErrorKind::Assert(text.to_string())).at(pos),
        other => EvalError::type_error("a Boolean", other).at(pos),
    }
}

/// An address on the current stack (a local's), for cheap stack-depth checks.
#[inline(always)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// The stack address below which less than [`RED_ZONE`] is left on this thread.
fn stack_limit() -> usize {
    match stacker::remaining_stack() {
        Some(left) => stack_pointer()
            .saturating_sub(left)
            .saturating_add(RED_ZONE),
        None => usize::MAX,
    }
}

/// The integer an operand already is: a constant, or a variable whose value is forced.
#[inline(always)]
fn known_int(e: &Expr, env: &Rc<Env>) -> Option<i64> {
    match e {
        Expr::Const(Value::Int(i)) => Some(*i),
        Expr::Var(r, _) => {
            let mut e = env;
            for _ in 0..r.depth {
                e = e.parent.as_ref()?;
            }
            let slots = e.slots.borrow();
            match slots.get(r.index as usize)? {
                Value::Int(i) => Some(*i),
                Value::Thunk(t) => match &*t.0.borrow() {
                    ThunkState::Done(Value::Int(i)) => Some(*i),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value of an integer operation whose operands are already known integers and which
/// cannot fail (no overflow, no division): computing it now is indistinguishable from
/// computing it lazily, and saves a thunk (`f (n - 1)`).
#[inline]
fn eager_int_op(op: BinOp, lhs: &Expr, rhs: &Expr, env: &Rc<Env>) -> Option<Value> {
    if !matches!(
        op,
        BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Less
            | BinOp::LessEq
            | BinOp::Greater
            | BinOp::GreaterEq
            | BinOp::Eq
            | BinOp::NotEq
    ) {
        return None;
    }
    let x = known_int(lhs, env)?;
    let y = known_int(rhs, env)?;
    Some(match op {
        BinOp::Add => Value::Int(x.checked_add(y)?),
        BinOp::Sub => Value::Int(x.checked_sub(y)?),
        BinOp::Mul => Value::Int(x.checked_mul(y)?),
        BinOp::Less => Value::Bool(x < y),
        BinOp::LessEq => Value::Bool(x <= y),
        BinOp::Greater => Value::Bool(x > y),
        BinOp::GreaterEq => Value::Bool(x >= y),
        BinOp::Eq => Value::Bool(x == y),
        _ => Value::Bool(x != y),
    })
}

/// The value in slot `r` of `env`'s frame chain.
pub(crate) fn lookup(env: &Rc<Env>, r: VarRef) -> Value {
    let mut e = env;
    for _ in 0..r.depth {
        match &e.parent {
            Some(p) => e = p,
            None => return Value::Null,
        }
    }
    e.slots
        .borrow()
        .get(r.index as usize)
        .cloned()
        .unwrap_or(Value::Null)
}
