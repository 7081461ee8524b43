//! Operators, equality, ordering and string coercion, with Nix 2.8's exact rules.
//!
//! `a + b` follows Nix's `ExprConcatStrings`: the first operand's type decides between
//! arithmetic, string and path concatenation. Integer arithmetic wraps on overflow, as
//! Nix 2.8 does. Coercion to a string comes in two strengths: interpolation (strings,
//! paths, sets with `__toString`/`outPath`) and `toString` (also numbers, Booleans, null
//! and lists).

use std::rc::Rc;

use super::error::{ErrorKind, EvalError};
use super::glue::AddPath;
use super::ir::{BinOp, Expr};
use super::machine::Evaluator;
use super::source::Pos;
use super::value::{Attrs, ContextElem, NixString, StringBuilder, Value};

/// How far a value may be coerced to a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coercion {
    /// Also numbers, Booleans, null and lists (`toString`), not only strings and paths.
    pub more: bool,
    /// Copy paths into the store (interpolation) rather than using them as they are.
    pub copy_to_store: bool,
}

impl Coercion {
    /// String interpolation: paths are copied to the store.
    pub const INTERPOLATE: Coercion = Coercion {
        more: false,
        copy_to_store: true,
    };
    /// `builtins.toString`.
    pub const TO_STRING: Coercion = Coercion {
        more: true,
        copy_to_store: false,
    };
    /// Strings and paths only, paths kept as they are.
    pub const PLAIN: Coercion = Coercion {
        more: false,
        copy_to_store: false,
    };
}

/// Nix's canonical form of an absolute path: no `.`, `..`, empty or trailing components.
pub fn canon_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        "/".to_string()
    } else {
        let mut s = String::with_capacity(path.len());
        for p in parts {
            s.push('/');
            s.push_str(p);
        }
        s
    }
}

/// Whether `a + b` with this left operand is a string concatenation that coerces it.
fn needs_coercion(a: &Value) -> bool {
    !matches!(
        a,
        Value::Int(_) | Value::Float(_) | Value::String(_) | Value::Path(_)
    )
}

/// Formats a float the way `builtins.toString` does (C's `%f`).
pub fn float_to_string(f: f64) -> String {
    format!("{f:.6}")
}

impl Evaluator {
    pub(crate) fn eval_binop(
        &mut self,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        (pos, start): (Pos, Pos),
        env: &Rc<super::value::Env>,
    ) -> Result<Value, EvalError> {
        match op {
            BinOp::And => {
                if !self.eval_bool(lhs, env, pos)? {
                    return Ok(Value::Bool(false));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env, pos)?))
            }
            BinOp::Or => {
                if self.eval_bool(lhs, env, pos)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env, pos)?))
            }
            BinOp::Implies => {
                if !self.eval_bool(lhs, env, pos)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env, pos)?))
            }
            _ => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    let (x, y) = (*x, *y);
                    match op {
                        BinOp::Add | BinOp::Sub | BinOp::Mul => {
                            return int_arith(op, x, y).map(Value::Int).map_err(|e| e.at(pos));
                        }
                        BinOp::Less => return Ok(Value::Bool(x < y)),
                        BinOp::LessEq => return Ok(Value::Bool(x <= y)),
                        BinOp::Greater => return Ok(Value::Bool(x > y)),
                        BinOp::GreaterEq => return Ok(Value::Bool(x >= y)),
                        BinOp::Eq => return Ok(Value::Bool(x == y)),
                        BinOp::NotEq => return Ok(Value::Bool(x != y)),
                        _ => {}
                    }
                }
                if op == BinOp::Add && needs_coercion(&a) {
                    return self.concat_coerced(a, b, pos, start);
                }
                self.binop_slow(op, a, b, pos)
            }
        }
    }

    /// `a + b` where `a` must be coerced to a string: Nix coerces each operand at its own
    /// position (`true + 1` fails at `true`).
    #[inline(never)]
    fn concat_coerced(
        &mut self,
        a: Value,
        b: Value,
        pos: Pos,
        start: Pos,
    ) -> Result<Value, EvalError> {
        let mut sb = StringBuilder::new();
        let x = self
            .coerce_to_string(&a, Coercion::INTERPOLATE)
            .map_err(|e| e.at(start))?;
        sb.push(&x);
        let y = self
            .coerce_to_string(&b, Coercion::INTERPOLATE)
            .map_err(|e| e.at(pos))?;
        sb.push(&y);
        Ok(Value::String(sb.finish()))
    }

    #[inline(never)]
    fn binop_slow(&mut self, op: BinOp, a: Value, b: Value, pos: Pos) -> Result<Value, EvalError> {
        let r = self.binop_values(op, a, b, pos);
        // Nix 2.8 reports these operators' own errors without a position.
        if matches!(
            op,
            BinOp::Update | BinOp::Less | BinOp::LessEq | BinOp::Greater | BinOp::GreaterEq
        ) {
            r
        } else {
            r.map_err(|e| e.at(pos))
        }
    }

    fn eval_bool(
        &mut self,
        e: &Expr,
        env: &Rc<super::value::Env>,
        pos: Pos,
    ) -> Result<bool, EvalError> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::type_error("a Boolean", &other).at(pos)),
        }
    }

    /// Applies a (non-short-circuiting) binary operator to two forced values.
    pub(crate) fn binop_values(
        &mut self,
        op: BinOp,
        a: Value,
        b: Value,
        pos: Pos,
    ) -> Result<Value, EvalError> {
        match op {
            BinOp::Add => self.add(a, b, pos),
            BinOp::Sub | BinOp::Mul | BinOp::Div => arith(op, &a, &b),
            BinOp::Eq => Ok(Value::Bool(self.equal(&a, &b)?)),
            BinOp::NotEq => Ok(Value::Bool(!self.equal(&a, &b)?)),
            BinOp::Less => Ok(Value::Bool(self.less_than(&a, &b)?)),
            BinOp::Greater => Ok(Value::Bool(self.less_than(&b, &a)?)),
            BinOp::LessEq => Ok(Value::Bool(!self.less_than(&b, &a)?)),
            BinOp::GreaterEq => Ok(Value::Bool(!self.less_than(&a, &b)?)),
            BinOp::Concat => {
                let l = match a {
                    Value::List(l) => l,
                    other => return Err(EvalError::type_error("a list", &other)),
                };
                let r = match b {
                    Value::List(r) => r,
                    other => return Err(EvalError::type_error("a list", &other)),
                };
                if r.is_empty() {
                    return Ok(Value::List(l));
                }
                if l.is_empty() {
                    return Ok(Value::List(r));
                }
                let mut out = Vec::with_capacity(l.len() + r.len());
                out.extend(l.iter().cloned());
                out.extend(r.iter().cloned());
                Ok(Value::list(out))
            }
            BinOp::Update => {
                let l = match a {
                    Value::Attrs(l) => l,
                    other => return Err(EvalError::type_error("a set", &other)),
                };
                let r = match b {
                    Value::Attrs(r) => r,
                    other => return Err(EvalError::type_error("a set", &other)),
                };
                if r.is_empty() {
                    return Ok(Value::Attrs(l));
                }
                if l.is_empty() {
                    return Ok(Value::Attrs(r));
                }
                Ok(Value::attrs(Attrs::update(&l, &r)))
            }
            BinOp::And | BinOp::Or | BinOp::Implies => {
                let x = match a {
                    Value::Bool(x) => x,
                    other => return Err(EvalError::type_error("a Boolean", &other)),
                };
                let y = match b {
                    Value::Bool(y) => y,
                    other => return Err(EvalError::type_error("a Boolean", &other)),
                };
                Ok(Value::Bool(match op {
                    BinOp::And => x && y,
                    BinOp::Or => x || y,
                    _ => !x || y,
                }))
            }
        }
    }

    /// `a + b`.
    pub(crate) fn add(&mut self, a: Value, b: Value, _pos: Pos) -> Result<Value, EvalError> {
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => return int_arith(BinOp::Add, *x, *y).map(Value::Int),
            (Value::Int(x), Value::Float(y)) => return Ok(Value::Float(*x as f64 + y)),
            (Value::Float(x), Value::Int(y)) => return Ok(Value::Float(x + *y as f64)),
            (Value::Float(x), Value::Float(y)) => return Ok(Value::Float(x + y)),
            (Value::Int(_), other) => {
                return Err(EvalError::msg(format!(
                    "cannot add {} to an integer",
                    other.type_desc()
                )));
            }
            (Value::Float(_), other) => {
                return Err(EvalError::msg(format!(
                    "cannot add {} to a float",
                    other.type_desc()
                )));
            }
            (Value::String(x), Value::String(y)) => {
                if y.is_empty() && !y.has_context() {
                    return Ok(a.clone());
                }
                let mut sb = StringBuilder::new();
                sb.push(x);
                sb.push(y);
                return Ok(Value::String(sb.finish()));
            }
            _ => {}
        }
        match &a {
            Value::Path(p) => {
                let tail = self.coerce_to_string(&b, Coercion::PLAIN)?;
                if tail.has_context() {
                    return Err(EvalError::msg(
                        "a string that refers to a store path cannot be appended to a path",
                    ));
                }
                let joined = format!("{}{}", p, tail.to_str_lossy());
                Ok(Value::Path(Rc::from(canon_path(&joined))))
            }
            _ => {
                let mut sb = StringBuilder::new();
                let x = self.coerce_to_string(&a, Coercion::INTERPOLATE)?;
                sb.push(&x);
                let y = self.coerce_to_string(&b, Coercion::INTERPOLATE)?;
                sb.push(&y);
                Ok(Value::String(sb.finish()))
            }
        }
    }

    /// Nix's `==`.
    pub fn equal(&mut self, a: &Value, b: &Value) -> Result<bool, EvalError> {
        let fa = self.force(a)?;
        let fb = self.force(b)?;
        // Like Nix: both sides are forced first, then one shared value equals itself
        // (even a function).
        if let (Value::Thunk(x), Value::Thunk(y)) = (a, b)
            && Rc::ptr_eq(&x.0, &y.0)
        {
            return Ok(true);
        }
        self.guard(|ev| ev.equal_forced(&fa, &fb))
    }

    fn equal_forced(&mut self, a: &Value, b: &Value) -> Result<bool, EvalError> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if self.is_derivation(x)?
                    && self.is_derivation(y)?
                    && let (Some(p), Some(q)) =
                        (x.get(self.syms.out_path), y.get(self.syms.out_path))
                {
                    let (p, q) = (p.clone(), q.clone());
                    return self.equal(&p, &q);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if p.name != q.name || !self.equal(&p.value, &q.value)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// Whether a set is a derivation (`type = "derivation"`).
    pub fn is_derivation(&mut self, a: &Attrs) -> Result<bool, EvalError> {
        match a.get(self.syms.type_) {
            Some(t) => {
                let t = t.clone();
                Ok(matches!(self.force(&t)?, Value::String(s) if s.as_bytes() == b"derivation"))
            }
            None => Ok(false),
        }
    }

    /// Nix's `<` (`builtins.lessThan`).
    pub fn less_than(&mut self, a: &Value, b: &Value) -> Result<bool, EvalError> {
        let a = self.force(a)?;
        let b = self.force(b)?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x < y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) < *y,
            (Value::Float(x), Value::Int(y)) => *x < (*y as f64),
            (Value::Float(x), Value::Float(y)) => x < y,
            (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
            (Value::Path(x), Value::Path(y)) => x < y,
            (Value::List(x), Value::List(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q)? {
                        return self.guard(|ev| ev.less_than(p, q));
                    }
                }
                x.len() < y.len()
            }
            _ => {
                return Err(EvalError::msg(format!(
                    "cannot compare {} with {}",
                    a.type_desc(),
                    b.type_desc()
                )));
            }
        })
    }

    /// Coerces a value to a string as interpolation or `toString` does.
    pub fn coerce_to_string(&mut self, v: &Value, how: Coercion) -> Result<NixString, EvalError> {
        let v = self.force(v)?;
        match &v {
            Value::String(s) => Ok(s.clone()),
            Value::Path(p) => {
                if how.copy_to_store {
                    let store_path = self.copy_path_to_store(p)?;
                    let mut sb = StringBuilder::new();
                    sb.push_str(&store_path);
                    sb.add_context(ContextElem::Plain(Rc::from(store_path.as_str())));
                    Ok(sb.finish())
                } else {
                    Ok(NixString::plain(p.as_str()))
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(self.syms.to_string) {
                    let f = f.clone();
                    let r = self.call_many(&f, std::slice::from_ref(&v), Pos::NONE)?;
                    return self.coerce_to_string(&r, how);
                }
                if let Some(p) = a.get(self.syms.out_path) {
                    let p = p.clone();
                    return self.coerce_to_string(&p, how);
                }
                Err(EvalError::msg("cannot coerce a set to a string"))
            }
            _ if how.more => match &v {
                Value::Bool(true) => Ok(NixString::plain("1")),
                Value::Bool(false) | Value::Null => Ok(NixString::plain("")),
                Value::Int(i) => Ok(NixString::plain(i.to_string())),
                Value::Float(f) => Ok(NixString::plain(float_to_string(*f))),
                Value::List(items) => {
                    let mut sb = StringBuilder::new();
                    for (n, item) in items.iter().enumerate() {
                        let s = self.guard(|ev| ev.coerce_to_string(item, how))?;
                        sb.push(&s);
                        if n + 1 < items.len() {
                            let forced = self.force(item)?;
                            if !matches!(&forced, Value::List(l) if l.is_empty()) {
                                sb.push_str(" ");
                            }
                        }
                    }
                    Ok(sb.finish())
                }
                other => Err(EvalError::msg(format!(
                    "cannot coerce {} to a string",
                    other.type_desc()
                ))),
            },
            other => Err(EvalError::msg(format!(
                "cannot coerce {} to a string",
                other.type_desc()
            ))),
        }
    }

    /// Copies a path into the store through the glue (once per path and evaluation).
    pub fn copy_path_to_store(&mut self, path: &str) -> Result<String, EvalError> {
        if let Some(done) = self.store_path_cache.get(path) {
            return Ok(done.clone());
        }
        let p = std::path::Path::new(path);
        if !self.io.path_exists(p) {
            return Err(EvalError::new(ErrorKind::Io(format!(
                "getting status of '{path}': No such file or directory"
            ))));
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let store = self.store.clone();
        let result = store.add_path(
            AddPath {
                path: p,
                name: &name,
                recursive: true,
                sha256: None,
            },
            None,
        )?;
        self.store_path_cache
            .insert(path.to_string(), result.clone());
        Ok(result)
    }

    /// Coerces to a path: a path value, or a string holding an absolute path.
    pub fn coerce_to_path(&mut self, v: &Value) -> Result<String, EvalError> {
        let s = self.coerce_to_string(v, Coercion::PLAIN)?;
        if !s.as_bytes().starts_with(b"/") {
            return Err(EvalError::msg(format!(
                "string '{s}' doesn't represent an absolute path"
            )));
        }
        Ok(s.to_str_lossy().into_owned())
    }

    pub(crate) fn eval_interpolation(
        &mut self,
        parts: &[(Pos, Expr)],
        _pos: Pos,
        env: &Rc<super::value::Env>,
    ) -> Result<Value, EvalError> {
        let mut sb = StringBuilder::new();
        for (part_pos, part) in parts {
            let v = self.eval(part, env)?;
            let s = self
                .coerce_to_string(&v, Coercion::INTERPOLATE)
                .map_err(|e| e.at(*part_pos))?;
            sb.push(&s);
        }
        Ok(Value::String(sb.finish()))
    }

    pub(crate) fn eval_path_interpolation(
        &mut self,
        parts: &[(Pos, Expr)],
        pos: Pos,
        env: &Rc<super::value::Env>,
    ) -> Result<Value, EvalError> {
        let mut out = String::new();
        for (part_pos, part) in parts {
            let v = self.eval(part, env)?;
            let s = self
                .coerce_to_string(&v, Coercion::PLAIN)
                .map_err(|e| e.at(*part_pos))?;
            if s.has_context() {
                return Err(EvalError::msg(
                    "a string that refers to a store path cannot be appended to a path",
                )
                .at(pos));
            }
            out.push_str(&s.to_str_lossy());
        }
        Ok(Value::Path(Rc::from(canon_path(&out))))
    }

    /// Resolves `<name>` (or `<name/sub/path>`) against the search path.
    pub fn find_search_path(&mut self, name: &str) -> Result<Value, EvalError> {
        let builtin = &self.options.builtin_search_path;
        for entry in self.options.search_path.iter().chain(builtin) {
            let candidate = if entry.prefix.is_empty() {
                format!("{}/{}", entry.path, name)
            } else if name == entry.prefix {
                entry.path.clone()
            } else if let Some(rest) = name.strip_prefix(&format!("{}/", entry.prefix)) {
                format!("{}/{}", entry.path, rest)
            } else {
                continue;
            };
            let candidate = canon_path(&candidate);
            if self.io.path_exists(std::path::Path::new(&candidate)) {
                return Ok(Value::Path(Rc::from(candidate)));
            }
        }
        Err(EvalError::new(ErrorKind::NotInSearchPath(name.to_string())))
    }
}

fn arith(op: BinOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_arith(op, *x, *y).map(Value::Int),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let x = num(a);
            let y = num(b);
            Ok(Value::Float(match op {
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                _ => {
                    if y == 0.0 {
                        return Err(EvalError::msg("division by zero"));
                    }
                    x / y
                }
            }))
        }
        (Value::Int(_) | Value::Float(_), other) | (other, _) => {
            Err(EvalError::new(ErrorKind::Type {
                expected: "an integer",
                got: other.type_desc(),
            }))
        }
    }
}

/// Integer `+`, `-`, `*`, `/`: overflow is an error, as in current Nix (2.8 wrapped).
pub(crate) fn int_arith(op: BinOp, x: i64, y: i64) -> Result<i64, EvalError> {
    let (r, verb, sym) = match op {
        BinOp::Add => (x.checked_add(y), "adding", '+'),
        BinOp::Sub => (x.checked_sub(y), "subtracting", '-'),
        BinOp::Mul => (x.checked_mul(y), "multiplying", '*'),
        _ => {
            if y == 0 {
                return Err(EvalError::msg("division by zero"));
            }
            (x.checked_div(y), "dividing", '/')
        }
    };
    r.ok_or_else(|| EvalError::msg(format!("integer overflow in {verb} {x} {sym} {y}")))
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}
