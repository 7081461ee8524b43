//! Compiling rnix syntax trees into [`ir::Expr`](super::ir::Expr).
//!
//! This is where Nix's parse-time checks happen, with Nix's messages: duplicate
//! attributes (also across nested paths such as `a.b = 1; a = { c = 2; };`), duplicate
//! formals, undefined variables outside any `with`. Variables are resolved to frame slots
//! here; globals (builtins) become constants, since no `with` can shadow them.
//!
//! Each scope on the compiler's stack is exactly one runtime frame: a lambda's
//! parameters, a `let`, a `rec` set, or a `with` (one slot holding the scope value).

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use super::error::{ErrorKind, EvalError};
use super::indent;
use super::ir::{
    AttrKey, AttrsDef, BinOp, Binding, DynBinding, Expr, Formal, LambdaDef, LetDef, Param, VarRef,
};
use super::ops::canon_path;
use super::show::show_expr;
use super::source::{self, Pos, SourceMap};
use super::symbol::{Interner, Symbol};
use super::value::{NixString, Value};

enum Scope {
    Frame(HashMap<Symbol, u32>),
    With,
}

/// Compiles one parsed source.
pub(crate) struct Compiler<'a> {
    pub symbols: &'a mut Interner,
    pub globals: &'a HashMap<Symbol, Value>,
    pub sources: &'a SourceMap,
    /// The position of the source's first byte.
    pub base: Pos,
    /// The directory relative paths resolve against.
    pub dir: &'a Path,
    scopes: Vec<Scope>,
}

/// A set definition being assembled from bindings (before nested paths are merged).
struct Pending {
    recursive: bool,
    statics: Vec<PendingStatic>,
    index: HashMap<Symbol, usize>,
    dynamics: Vec<PendingDyn>,
}

struct PendingStatic {
    name: Symbol,
    pos: Pos,
    value: PVal,
}

struct PendingDyn {
    key: ast::Attr,
    value: PVal,
    pos: Pos,
}

enum PVal {
    Expr(ast::Expr),
    Nested(Box<Pending>),
    Inherit {
        name: Symbol,
        pos: Pos,
    },
    InheritFrom {
        from: ast::Expr,
        name: Symbol,
        pos: Pos,
    },
}

impl Pending {
    fn new(recursive: bool) -> Pending {
        Pending {
            recursive,
            statics: Vec::new(),
            index: HashMap::new(),
            dynamics: Vec::new(),
        }
    }
}

impl<'a> Compiler<'a> {
    pub fn new(
        symbols: &'a mut Interner,
        globals: &'a HashMap<Symbol, Value>,
        sources: &'a SourceMap,
        base: Pos,
        dir: &'a Path,
    ) -> Compiler<'a> {
        Compiler {
            symbols,
            globals,
            sources,
            base,
            dir,
            scopes: Vec::new(),
        }
    }

    /// Compiles with an outermost frame binding `names` to slots 0.. (for `scopedImport`,
    /// whose names shadow the builtins).
    pub fn with_outer_frame(mut self, names: &[Symbol]) -> Compiler<'a> {
        let slots = names
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i as u32))
            .collect();
        self.scopes.push(Scope::Frame(slots));
        self
    }

    fn pos_of(&self, node: &rowan::SyntaxNode<rnix::NixLanguage>) -> Pos {
        Pos(self.base.0 + u32::from(node.text_range().start()))
    }

    fn err(&self, pos: Pos, msg: String) -> EvalError {
        EvalError::new(ErrorKind::Parse(msg)).at(pos)
    }

    fn located(&self, pos: Pos) -> String {
        self.sources
            .locate(pos)
            .map(|l| l.display_plain())
            .unwrap_or_default()
    }

    /// Compiles an expression.
    pub fn expr(&mut self, e: &ast::Expr) -> Result<Expr, EvalError> {
        let pos = self.pos_of(e.syntax());
        Ok(match e {
            ast::Expr::Apply(a) => {
                let mut args = Vec::new();
                let mut cur = ast::Expr::Apply(a.clone());
                while let ast::Expr::Apply(app) = &cur {
                    let arg = self.child(app.argument())?;
                    args.push(arg);
                    let next = app
                        .lambda()
                        .ok_or_else(|| self.err(pos, "syntax error".into()))?;
                    cur = next;
                }
                args.reverse();
                let fun = self.expr(&cur)?;
                let args = args
                    .iter()
                    .map(|a| self.expr(a).map(Rc::new))
                    .collect::<Result<Vec<_>, _>>()?;
                Expr::Call {
                    fun: Box::new(fun),
                    args: args.into(),
                    pos,
                }
            }
            ast::Expr::Assert(a) => {
                let cond = self.child(a.condition())?;
                let text = show_expr(&cond);
                Expr::Assert {
                    cond: Box::new(self.expr(&cond)?),
                    body: Box::new(self.child_expr(a.body(), pos)?),
                    text: Rc::from(text),
                    pos,
                }
            }
            ast::Expr::Error(_) => return Err(self.err(pos, "syntax error".into())),
            ast::Expr::IfElse(i) => {
                let c = self.child_expr(i.condition(), pos)?;
                let t = self.child_expr(i.body(), pos)?;
                let f = self.child_expr(i.else_body(), pos)?;
                Expr::If(Box::new((c, t, f)), pos)
            }
            ast::Expr::Select(s) => {
                let inner = self.child_expr(s.expr(), pos)?;
                let path = self.attrpath(s.attrpath())?;
                let default = match s.default_expr() {
                    Some(d) => Some(Box::new(self.expr(&d)?)),
                    None => None,
                };
                Expr::Select {
                    expr: Box::new(inner),
                    path: path.into(),
                    default,
                    pos,
                }
            }
            ast::Expr::Str(s) => self.string(s, pos)?,
            ast::Expr::PathAbs(p) => self.path(p.parts(), pos, PathKind::Abs)?,
            ast::Expr::PathRel(p) => self.path(p.parts(), pos, PathKind::Rel)?,
            ast::Expr::PathHome(p) => self.path(p.parts(), pos, PathKind::Home)?,
            ast::Expr::PathSearch(p) => {
                let text = p
                    .content()
                    .map(|c| c.text().to_string())
                    .unwrap_or_default();
                let name = text.trim_start_matches('<').trim_end_matches('>');
                Expr::SearchPath(Rc::from(name), pos)
            }
            ast::Expr::Literal(l) => match l.kind() {
                ast::LiteralKind::Integer(i) => match i.value() {
                    Ok(v) => Expr::Const(Value::Int(v)),
                    Err(_) => {
                        return Err(
                            self.err(pos, format!("invalid integer '{}'", i.syntax().text()))
                        );
                    }
                },
                ast::LiteralKind::Float(f) => match f.value() {
                    // Like C's strtod, Nix rejects floats out of range (ERANGE).
                    Ok(v) if v.is_finite() && (v == 0.0 || v.is_normal()) => {
                        Expr::Const(Value::Float(v))
                    }
                    _ => {
                        return Err(self.err(pos, format!("invalid float '{}'", f.syntax().text())));
                    }
                },
                ast::LiteralKind::Uri(u) => Expr::Const(Value::string(u.syntax().text())),
            },
            ast::Expr::Lambda(l) => Expr::Lambda(Rc::new(self.lambda(l, None)?)),
            ast::Expr::LegacyLet(l) => {
                let mut pending = Pending::new(true);
                self.collect_entries(l, &mut pending)?;
                let body_sym = self.symbols.intern("body");
                let def = self.finish_attrs(pending, pos)?;
                Expr::Select {
                    expr: Box::new(def),
                    path: vec![AttrKey::Static(body_sym)].into(),
                    default: None,
                    pos,
                }
            }
            ast::Expr::LetIn(l) => {
                let mut pending = Pending::new(true);
                self.collect_entries(l, &mut pending)?;
                if let Some(d) = pending.dynamics.first() {
                    return Err(self.err(d.pos, "dynamic attributes not allowed in let".into()));
                }
                let mut slots = HashMap::new();
                for (i, s) in pending.statics.iter().enumerate() {
                    slots.insert(s.name, i as u32);
                }
                self.scopes.push(Scope::Frame(slots));
                let result = (|| {
                    let mut bindings = Vec::new();
                    for s in pending.statics {
                        bindings.push(Rc::new(self.pval(s.value, s.name, true)?));
                    }
                    let body = self.child_expr(l.body(), pos)?;
                    Ok(Expr::Let(Box::new(LetDef { bindings, body })))
                })();
                self.scopes.pop();
                result?
            }
            ast::Expr::List(l) => {
                let items = l
                    .items()
                    .map(|i| self.expr(&i).map(Rc::new))
                    .collect::<Result<Vec<_>, _>>()?;
                Expr::List(items.into())
            }
            ast::Expr::BinOp(b) => {
                let lhs = self.child(b.lhs())?;
                let rhs = self.child(b.rhs())?;
                let op = match b.operator() {
                    Some(ast::BinOpKind::Concat) => BinOp::Concat,
                    Some(ast::BinOpKind::Update) => BinOp::Update,
                    Some(ast::BinOpKind::Add) => BinOp::Add,
                    Some(ast::BinOpKind::Sub) => BinOp::Sub,
                    Some(ast::BinOpKind::Mul) => BinOp::Mul,
                    Some(ast::BinOpKind::Div) => BinOp::Div,
                    Some(ast::BinOpKind::And) => BinOp::And,
                    Some(ast::BinOpKind::Equal) => BinOp::Eq,
                    Some(ast::BinOpKind::Implication) => BinOp::Implies,
                    Some(ast::BinOpKind::Less) => BinOp::Less,
                    Some(ast::BinOpKind::LessOrEq) => BinOp::LessEq,
                    Some(ast::BinOpKind::More) => BinOp::Greater,
                    Some(ast::BinOpKind::MoreOrEq) => BinOp::GreaterEq,
                    Some(ast::BinOpKind::NotEqual) => BinOp::NotEq,
                    Some(ast::BinOpKind::Or) => BinOp::Or,
                    _ => return Err(self.err(pos, "syntax error, unexpected operator".into())),
                };
                // Nix reports `+` errors at the right operand, the others at the operator
                // expression.
                let op_pos = if op == BinOp::Add {
                    self.pos_of(rhs.syntax())
                } else {
                    pos
                };
                Expr::BinOp {
                    op,
                    lhs: Box::new(self.expr(&lhs)?),
                    rhs: Box::new(self.expr(&rhs)?),
                    pos: op_pos,
                    start: pos,
                }
            }
            ast::Expr::Paren(p) => self.child_expr(p.expr(), pos)?,
            ast::Expr::Root(r) => self.child_expr(r.expr(), pos)?,
            ast::Expr::AttrSet(s) => {
                let mut pending = Pending::new(s.rec_token().is_some());
                self.collect_entries(s, &mut pending)?;
                self.finish_attrs(pending, pos)?
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.child_expr(u.expr(), pos)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Expr::Not(Box::new(inner), pos),
                    _ => Expr::Neg(Box::new(inner), pos),
                }
            }
            ast::Expr::Ident(i) => {
                let name = ident_text(i);
                let sym = self.symbols.intern(&name);
                self.resolve(sym, pos, 0)?
            }
            ast::Expr::With(w) => {
                let scope = self.child_expr(w.namespace(), pos)?;
                self.scopes.push(Scope::With);
                let body = self.child_expr(w.body(), pos);
                self.scopes.pop();
                Expr::With {
                    scope: Rc::new(scope),
                    body: Box::new(body?),
                }
            }
            ast::Expr::HasAttr(h) => {
                let inner = self.child_expr(h.expr(), pos)?;
                let path = self.attrpath(h.attrpath())?;
                Expr::HasAttr {
                    expr: Box::new(inner),
                    path: path.into(),
                }
            }
            ast::Expr::CurPos(_) => Expr::CurPos(pos),
        })
    }

    fn child(&self, e: Option<ast::Expr>) -> Result<ast::Expr, EvalError> {
        e.ok_or_else(|| self.err(self.base, "syntax error, unexpected end of file".into()))
    }

    fn child_expr(&mut self, e: Option<ast::Expr>, pos: Pos) -> Result<Expr, EvalError> {
        match e {
            Some(e) => self.expr(&e),
            None => Err(self.err(pos, "syntax error, unexpected end of file".into())),
        }
    }

    /// Resolves a variable, skipping the `skip` innermost scopes.
    fn resolve(&mut self, name: Symbol, pos: Pos, skip: usize) -> Result<Expr, EvalError> {
        let mut withs = Vec::new();
        for (i, scope) in self.scopes.iter().rev().enumerate() {
            let depth = i as u32;
            if i >= skip {
                match scope {
                    Scope::Frame(slots) => {
                        if let Some(index) = slots.get(&name) {
                            return Ok(Expr::Var(
                                VarRef {
                                    depth,
                                    index: *index,
                                },
                                pos,
                            ));
                        }
                    }
                    Scope::With => withs.push(VarRef { depth, index: 0 }),
                }
            }
        }
        if let Some(v) = self.globals.get(&name) {
            return Ok(Expr::Const(v.clone()));
        }
        if withs.is_empty() {
            return Err(EvalError::new(ErrorKind::UndefinedVar(
                self.symbols.name(name).to_string(),
            ))
            .at(pos));
        }
        Ok(Expr::WithVar {
            name,
            withs: withs.into(),
            pos,
        })
    }

    fn attrpath(&mut self, path: Option<ast::Attrpath>) -> Result<Vec<AttrKey>, EvalError> {
        let Some(path) = path else {
            return Ok(Vec::new());
        };
        path.attrs().map(|a| self.attr_key(&a)).collect()
    }

    /// A name that is static if it can be known at compile time.
    fn static_name(&mut self, attr: &ast::Attr) -> Option<Symbol> {
        match attr {
            ast::Attr::Ident(i) => Some(self.symbols.intern(&ident_text(i))),
            ast::Attr::Str(s) => self.literal_string(s).map(|t| self.symbols.intern(&t)),
            ast::Attr::Dynamic(d) => match d.expr() {
                Some(ast::Expr::Str(s)) => self.literal_string(&s).map(|t| self.symbols.intern(&t)),
                _ => None,
            },
        }
    }

    fn literal_string(&self, s: &ast::Str) -> Option<String> {
        let mut out = String::new();
        for part in self.string_parts(s) {
            match part {
                InterpolPart::Literal(t) => out.push_str(&t),
                InterpolPart::Interpolation(_) => return None,
            }
        }
        Some(out)
    }

    fn attr_key(&mut self, attr: &ast::Attr) -> Result<AttrKey, EvalError> {
        if let Some(sym) = self.static_name(attr) {
            return Ok(AttrKey::Static(sym));
        }
        Ok(AttrKey::Dynamic(self.dynamic_key(attr)?))
    }

    fn dynamic_key(&mut self, attr: &ast::Attr) -> Result<Expr, EvalError> {
        let pos = self.pos_of(attr.syntax());
        match attr {
            ast::Attr::Ident(i) => Ok(Expr::Const(Value::string(ident_text(i)))),
            ast::Attr::Str(s) => self.string(s, pos),
            ast::Attr::Dynamic(d) => self.child_expr(d.expr(), pos),
        }
    }

    /// The parts of a string literal: text (escapes resolved, indentation stripped) and
    /// interpolations.
    fn string_parts(&self, s: &ast::Str) -> Vec<InterpolPart<String>> {
        let indented = s
            .syntax()
            .children_with_tokens()
            .next()
            .is_some_and(|t| t.as_token().is_some_and(|t| t.text() == "''"));
        if !indented {
            return s.normalized_parts();
        }
        let mut pieces = Vec::new();
        for (n, part) in s.parts().enumerate() {
            match part {
                InterpolPart::Literal(t) => {
                    let mut raw = t.syntax().text();
                    // Nix's lexer takes spaces and one newline right after `''` as part
                    // of the opening quote.
                    if n == 0
                        && let Some(i) = raw.find('\n')
                        && raw[..i].bytes().all(|b| b == b' ')
                    {
                        raw = &raw[i + 1..];
                    }
                    indent::lex_raw(raw, &mut pieces)
                }
                InterpolPart::Interpolation(i) => pieces.push(indent::Piece::Interp(i)),
            }
        }
        indent::strip_indentation(pieces)
            .into_iter()
            .map(|p| match p {
                indent::Piece::Text(t, _) => InterpolPart::Literal(t),
                indent::Piece::Interp(i) => InterpolPart::Interpolation(i),
            })
            .collect()
    }

    /// The bytes of a literal's text: itself, unless the source held bytes that are not
    /// UTF-8, which [`source::decode`] mapped to characters.
    fn literal_bytes(&self, text: String) -> Vec<u8> {
        match self.sources.source(self.base) {
            Some(src) if src.raw_bytes => source::restore(&text),
            _ => text.into_bytes(),
        }
    }

    fn string(&mut self, s: &ast::Str, pos: Pos) -> Result<Expr, EvalError> {
        let mut parts = Vec::new();
        for part in self.string_parts(s) {
            match part {
                InterpolPart::Literal(t) => {
                    if !t.is_empty() {
                        parts.push((pos, Expr::Const(Value::string(self.literal_bytes(t)))));
                    }
                }
                InterpolPart::Interpolation(i) => {
                    let ipos = self.pos_of(i.syntax());
                    let e = self.child_expr(i.expr(), ipos)?;
                    parts.push((ipos, e));
                }
            }
        }
        if parts.is_empty() {
            return Ok(Expr::Const(Value::String(NixString::plain(""))));
        }
        if parts.len() == 1
            && let (_, Expr::Const(Value::String(_))) = &parts[0]
            && let Some((_, e)) = parts.pop()
        {
            return Ok(e);
        }
        Ok(Expr::Interpolate {
            parts: parts.into(),
            pos,
        })
    }

    fn path(
        &mut self,
        parts: Vec<InterpolPart<ast::PathContent>>,
        pos: Pos,
        kind: PathKind,
    ) -> Result<Expr, EvalError> {
        let mut out: Vec<(Pos, Expr)> = Vec::new();
        for (n, part) in parts.into_iter().enumerate() {
            match part {
                InterpolPart::Literal(lit) => {
                    let text = lit.text();
                    let text = if n == 0 {
                        match kind {
                            PathKind::Abs => text.to_string(),
                            PathKind::Rel => format!("{}/{}", self.dir.display(), text),
                            PathKind::Home => {
                                let home = std::env::var_os("HOME")
                                    .map(|h| h.to_string_lossy().into_owned())
                                    .unwrap_or_default();
                                format!("{}{}", home, text.trim_start_matches('~'))
                            }
                        }
                    } else {
                        text.to_string()
                    };
                    out.push((pos, Expr::Const(Value::string(text))));
                }
                InterpolPart::Interpolation(i) => {
                    let ipos = self.pos_of(i.syntax());
                    let e = self.child_expr(i.expr(), ipos)?;
                    out.push((ipos, e));
                }
            }
        }
        if out.len() == 1
            && let (_, Expr::Const(Value::String(s))) = &out[0]
        {
            let canon = canon_path(&s.to_str_lossy());
            return Ok(Expr::Const(Value::Path(Rc::from(canon))));
        }
        Ok(Expr::PathInterpolate {
            parts: out.into(),
            pos,
        })
    }

    fn lambda(&mut self, l: &ast::Lambda, name: Option<Symbol>) -> Result<LambdaDef, EvalError> {
        let pos = self.pos_of(l.syntax());
        let param = l
            .param()
            .ok_or_else(|| self.err(pos, "syntax error".into()))?;
        match param {
            ast::Param::IdentParam(ip) => {
                let id = ip
                    .ident()
                    .ok_or_else(|| self.err(pos, "syntax error".into()))?;
                let sym = self.symbols.intern(&ident_text(&id));
                let mut slots = HashMap::new();
                slots.insert(sym, 0);
                self.scopes.push(Scope::Frame(slots));
                let body = self.child_expr(l.body(), pos);
                self.scopes.pop();
                Ok(LambdaDef {
                    name,
                    pos,
                    param: Param::Ident(sym),
                    slots: 1,
                    body: body?,
                })
            }
            ast::Param::Pattern(p) => {
                let mut names: Vec<(Symbol, Pos, Option<ast::Expr>)> = Vec::new();
                for entry in p.pat_entries() {
                    let id = entry
                        .ident()
                        .ok_or_else(|| self.err(pos, "syntax error".into()))?;
                    let epos = self.pos_of(id.syntax());
                    let sym = self.symbols.intern(&ident_text(&id));
                    if names.iter().any(|(n, _, _)| *n == sym) {
                        return Err(self.err(
                            epos,
                            format!(
                                "duplicate formal function argument '{}'",
                                self.symbols.name(sym)
                            ),
                        ));
                    }
                    names.push((sym, epos, entry.default()));
                }
                let bind = match p.pat_bind().and_then(|b| b.ident()) {
                    Some(id) => {
                        let sym = self.symbols.intern(&ident_text(&id));
                        if names.iter().any(|(n, _, _)| *n == sym) {
                            return Err(self.err(
                                self.pos_of(id.syntax()),
                                format!(
                                    "duplicate formal function argument '{}'",
                                    self.symbols.name(sym)
                                ),
                            ));
                        }
                        Some(sym)
                    }
                    None => None,
                };
                names.sort_by(|a, b| self.symbols.name(a.0).cmp(self.symbols.name(b.0)));
                let mut slots = HashMap::new();
                for (i, (n, _, _)) in names.iter().enumerate() {
                    slots.insert(*n, i as u32);
                }
                if let Some(b) = bind {
                    slots.insert(b, names.len() as u32);
                }
                let nslots = names.len() as u32 + u32::from(bind.is_some());
                self.scopes.push(Scope::Frame(slots));
                let result = (|| {
                    let mut formals = Vec::new();
                    for (sym, fpos, default) in names {
                        let default = match default {
                            Some(d) => Some(Rc::new(self.expr(&d)?)),
                            None => None,
                        };
                        formals.push(Formal {
                            name: sym,
                            default,
                            pos: fpos,
                        });
                    }
                    let body = self.child_expr(l.body(), pos)?;
                    Ok(LambdaDef {
                        name,
                        pos,
                        param: Param::Pattern {
                            formals,
                            ellipsis: p.ellipsis_token().is_some(),
                            bind,
                        },
                        slots: nslots,
                        body,
                    })
                })();
                self.scopes.pop();
                result
            }
        }
    }

    /// Adds the entries of a set/let to `pending`, merging nested paths and checking for
    /// duplicates.
    fn collect_entries(
        &mut self,
        node: &impl HasEntry,
        pending: &mut Pending,
    ) -> Result<(), EvalError> {
        for entry in node.entries() {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    // Nix evaluates inherited names at the byte before `inherit`.
                    let inherit_pos = Pos(self.pos_of(inh.syntax()).0.saturating_sub(1));
                    // Nix places every name of one `inherit` one byte before the first.
                    let mut first = None;
                    for attr in inh.attrs() {
                        let apos = *first.get_or_insert_with(|| {
                            Pos(self.pos_of(attr.syntax()).0.saturating_sub(1))
                        });
                        let Some(name) = self.static_name(&attr) else {
                            let at = Pos(self.pos_of(attr.syntax()).0.saturating_sub(1));
                            return Err(
                                self.err(at, "dynamic attributes not allowed in inherit".into())
                            );
                        };
                        let value = match &from {
                            Some(f) => PVal::InheritFrom {
                                from: f.clone(),
                                name,
                                pos: inherit_pos,
                            },
                            None => PVal::Inherit {
                                name,
                                pos: inherit_pos,
                            },
                        };
                        self.add_static(pending, &[name], apos, value)?;
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let apos = av
                        .attrpath()
                        .map(|p| self.pos_of(p.syntax()))
                        .unwrap_or(self.base);
                    let value = av
                        .value()
                        .ok_or_else(|| self.err(apos, "syntax error".into()))?;
                    let attrs: Vec<ast::Attr> = av
                        .attrpath()
                        .map(|p| p.attrs().collect())
                        .unwrap_or_default();
                    let full = attrs
                        .iter()
                        .map(|a| match self.static_name(a) {
                            Some(sym) => self.symbols.name(sym).to_string(),
                            None => "\"${...}\"".to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".");
                    self.add_path(pending, &attrs, apos, value, &full)?;
                }
            }
        }
        Ok(())
    }

    fn add_path(
        &mut self,
        pending: &mut Pending,
        attrs: &[ast::Attr],
        pos: Pos,
        value: ast::Expr,
        full: &str,
    ) -> Result<(), EvalError> {
        let Some((first, rest)) = attrs.split_first() else {
            return Err(self.err(pos, "syntax error".into()));
        };
        match self.static_name(first) {
            Some(name) => {
                if rest.is_empty() {
                    let value = match &value {
                        ast::Expr::AttrSet(s) => {
                            let mut nested = Pending::new(s.rec_token().is_some());
                            self.collect_entries(s, &mut nested)?;
                            PVal::Nested(Box::new(nested))
                        }
                        _ => PVal::Expr(value),
                    };
                    if let Some(&i) = pending.index.get(&name) {
                        let prev_pos = pending.statics[i].pos;
                        let mergeable = matches!(pending.statics[i].value, PVal::Nested(_))
                            && matches!(value, PVal::Nested(_));
                        if mergeable
                            && let PVal::Nested(new) = value
                            && let PVal::Nested(old) = &mut pending.statics[i].value
                        {
                            for s in new.statics {
                                if let Some(&j) = old.index.get(&s.name) {
                                    return Err(self.dup(
                                        self.symbols.name(s.name).to_string(),
                                        old.statics[j].pos,
                                        s.pos,
                                    ));
                                }
                                old.index.insert(s.name, old.statics.len());
                                old.statics.push(s);
                            }
                            old.dynamics.extend(new.dynamics);
                            return Ok(());
                        }
                        return Err(self.dup(full.to_string(), prev_pos, pos));
                    }
                    pending.index.insert(name, pending.statics.len());
                    pending.statics.push(PendingStatic { name, pos, value });
                    Ok(())
                } else {
                    let i = match pending.index.get(&name) {
                        Some(&i) => {
                            if !matches!(pending.statics[i].value, PVal::Nested(_)) {
                                return Err(self.dup(
                                    full.to_string(),
                                    pending.statics[i].pos,
                                    pos,
                                ));
                            }
                            i
                        }
                        None => {
                            pending.index.insert(name, pending.statics.len());
                            pending.statics.push(PendingStatic {
                                name,
                                pos,
                                value: PVal::Nested(Box::new(Pending::new(false))),
                            });
                            pending.statics.len() - 1
                        }
                    };
                    let PVal::Nested(nested) = &mut pending.statics[i].value else {
                        return Err(self.err(pos, "syntax error".into()));
                    };
                    self.add_path(nested, rest, pos, value, full)
                }
            }
            None => {
                let value = if rest.is_empty() {
                    PVal::Expr(value)
                } else {
                    let mut nested = Pending::new(false);
                    self.add_path(&mut nested, rest, pos, value, full)?;
                    PVal::Nested(Box::new(nested))
                };
                pending.dynamics.push(PendingDyn {
                    key: first.clone(),
                    value,
                    pos,
                });
                Ok(())
            }
        }
    }

    fn add_static(
        &mut self,
        pending: &mut Pending,
        path: &[Symbol],
        pos: Pos,
        value: PVal,
    ) -> Result<(), EvalError> {
        let name = path[0];
        if let Some(&i) = pending.index.get(&name) {
            return Err(self.dup(
                self.symbols.name(name).to_string(),
                pending.statics[i].pos,
                pos,
            ));
        }
        pending.index.insert(name, pending.statics.len());
        pending.statics.push(PendingStatic { name, pos, value });
        Ok(())
    }

    fn dup(&self, shown: String, prev: Pos, pos: Pos) -> EvalError {
        self.err(
            pos,
            format!(
                "attribute '{shown}' already defined at {}",
                self.located(prev)
            ),
        )
    }

    /// Turns an assembled set into IR, compiling its values in the right scope.
    fn finish_attrs(&mut self, mut pending: Pending, pos: Pos) -> Result<Expr, EvalError> {
        pending.statics.sort_by_key(|s| s.name);
        let recursive = pending.recursive;
        if recursive {
            let mut slots = HashMap::new();
            for (i, s) in pending.statics.iter().enumerate() {
                slots.insert(s.name, i as u32);
            }
            self.scopes.push(Scope::Frame(slots));
        }
        let result = (|| {
            let mut statics = Vec::with_capacity(pending.statics.len());
            for s in pending.statics {
                let value = self.pval(s.value, s.name, recursive)?;
                statics.push(Binding {
                    name: s.name,
                    pos: s.pos,
                    value: Rc::new(value),
                });
            }
            let mut dynamics = Vec::new();
            for d in pending.dynamics {
                let key = self.dynamic_key(&d.key)?;
                let anonymous = self.symbols.intern("");
                let value = self.pval(d.value, anonymous, false)?;
                dynamics.push(DynBinding {
                    key,
                    value: Rc::new(value),
                    pos: d.pos,
                });
            }
            Ok(Expr::Attrs(
                Box::new(AttrsDef {
                    statics,
                    dynamics,
                    recursive,
                }),
                pos,
            ))
        })();
        if recursive {
            self.scopes.pop();
        }
        result
    }

    /// Compiles a binding's value. `in_frame`: the binding belongs to the innermost frame
    /// (`rec`/`let`), so a plain `inherit` must look past that frame.
    fn pval(&mut self, v: PVal, name: Symbol, in_frame: bool) -> Result<Expr, EvalError> {
        match v {
            PVal::Expr(ast::Expr::Lambda(l)) => {
                Ok(Expr::Lambda(Rc::new(self.lambda(&l, Some(name))?)))
            }
            PVal::Expr(e) => self.expr(&e),
            PVal::Nested(p) => {
                let pos = p.statics.first().map(|s| s.pos).unwrap_or(Pos::NONE);
                self.finish_attrs(*p, pos)
            }
            PVal::Inherit { name, pos } => self.resolve(name, pos, usize::from(in_frame)),
            PVal::InheritFrom { from, name, pos } => {
                let from = self.expr(&from)?;
                Ok(Expr::Select {
                    expr: Box::new(from),
                    path: vec![AttrKey::Static(name)].into(),
                    default: None,
                    pos,
                })
            }
        }
    }
}

#[derive(Clone, Copy)]
enum PathKind {
    Abs,
    Rel,
    Home,
}

/// The text of an identifier (also `or` used as a name).
pub(crate) fn ident_text(i: &ast::Ident) -> String {
    i.syntax().text().to_string()
}
