//! The compiled form of a Nix expression.
//!
//! The rnix syntax tree is compiled once into this tree, in which every variable bound by
//! `let`, `rec` or a lambda is a [`VarRef`] (frames up, slot index): no name lookups at
//! run time except for variables that only a `with` can bind. Attribute names are
//! [`Symbol`]s, constants are ready-made [`Value`]s, and nested attribute paths
//! (`a.b = 1; a.c = 2;`) are already merged into nested set definitions.
//!
//! Children that become thunks sit behind `Rc` so that making a thunk is a refcount bump.

use std::rc::Rc;

use super::source::Pos;
use super::symbol::Symbol;
use super::value::Value;

/// A statically resolved variable: `depth` frames up, slot `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarRef {
    /// How many parent links to follow.
    pub depth: u32,
    /// The slot in that frame.
    pub index: u32,
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `>`
    Greater,
    /// `>=`
    GreaterEq,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `->`
    Implies,
    /// `++`
    Concat,
    /// `//`
    Update,
}

/// One element of an attribute path in `e.a.b`, `e ? a.b` or a dynamic binding.
pub enum AttrKey {
    /// A name known at compile time.
    Static(Symbol),
    /// `${e}` or `"…${e}…"`.
    Dynamic(Expr),
}

/// The value of an attribute in a set or `let` definition.
pub struct Binding {
    /// The name.
    pub name: Symbol,
    /// Where the name was written.
    pub pos: Pos,
    /// The expression, compiled in the scope where it is evaluated.
    pub value: Rc<Expr>,
}

/// A binding whose name is computed at run time.
pub struct DynBinding {
    /// The name expression.
    pub key: Expr,
    /// The value.
    pub value: Rc<Expr>,
    /// Where the binding was written.
    pub pos: Pos,
}

/// The body of `{ … }` or `rec { … }`.
pub struct AttrsDef {
    /// Bindings with static names, sorted by symbol. In a `rec` set the bindings' slots in
    /// the new frame are their positions in this vector.
    pub statics: Vec<Binding>,
    /// Bindings with dynamic names, in source order.
    pub dynamics: Vec<DynBinding>,
    /// Whether the set is `rec` (its bindings see each other through a new frame).
    pub recursive: bool,
}

/// The body of `let … in …`.
pub struct LetDef {
    /// The bindings; binding `i` lives in slot `i` of the new frame.
    pub bindings: Vec<Rc<Expr>>,
    /// The body, compiled inside the new frame.
    pub body: Expr,
}

/// A formal argument of a pattern lambda.
pub struct Formal {
    /// The name.
    pub name: Symbol,
    /// The default, compiled inside the lambda's frame.
    pub default: Option<Rc<Expr>>,
    /// Where the formal is written.
    pub pos: Pos,
}

/// The parameter of a lambda.
pub enum Param {
    /// `x: …` (slot 0).
    Ident(Symbol),
    /// `{ a, b ? d, … } @ x: …`: formal `i` is slot `i`, the `@` name the slot after them.
    Pattern {
        /// The formals, sorted by name.
        formals: Vec<Formal>,
        /// Whether `...` was given.
        ellipsis: bool,
        /// The `@` name.
        bind: Option<Symbol>,
    },
}

/// A compiled lambda.
pub struct LambdaDef {
    /// The name it is bound to (for messages), if any.
    pub name: Option<Symbol>,
    /// Where the lambda starts.
    pub pos: Pos,
    /// The parameter.
    pub param: Param,
    /// How many slots its frame has.
    pub slots: u32,
    /// The body, compiled inside the frame.
    pub body: Expr,
}

/// A compiled expression.
pub enum Expr {
    /// A literal or a builtin constant.
    Const(Value),
    /// A statically bound variable and where it was written.
    Var(VarRef, Pos),
    /// A variable only a `with` can bind: the `with` frames, innermost first.
    WithVar {
        /// The name.
        name: Symbol,
        /// The frames of the enclosing `with`s (slot 0 holds the scope value).
        withs: Box<[VarRef]>,
        /// Where the variable was written.
        pos: Pos,
    },
    /// `e.a.b` and `e.a.b or d`.
    Select {
        /// The set expression.
        expr: Box<Expr>,
        /// The path.
        path: Box<[AttrKey]>,
        /// The `or` default.
        default: Option<Box<Expr>>,
        /// The position (of the whole selection).
        pos: Pos,
    },
    /// `e ? a.b`.
    HasAttr {
        /// The set expression.
        expr: Box<Expr>,
        /// The path.
        path: Box<[AttrKey]>,
    },
    /// `{ … }` / `rec { … }`.
    Attrs(Box<AttrsDef>, Pos),
    /// `let … in …`.
    Let(Box<LetDef>),
    /// `[ … ]`.
    List(Box<[Rc<Expr>]>),
    /// A lambda.
    Lambda(Rc<LambdaDef>),
    /// `f a b …`.
    Call {
        /// The function.
        fun: Box<Expr>,
        /// The arguments.
        args: Box<[Rc<Expr>]>,
        /// Where the call is.
        pos: Pos,
    },
    /// `if c then a else b`.
    If(Box<(Expr, Expr, Expr)>, Pos),
    /// `assert c; body`.
    Assert {
        /// The condition.
        cond: Box<Expr>,
        /// The body.
        body: Box<Expr>,
        /// The condition as Nix prints it in the message.
        text: Rc<str>,
        /// Where the assert is.
        pos: Pos,
    },
    /// `with e; body` (the body is compiled inside a one-slot frame holding `e`).
    With {
        /// The scope expression.
        scope: Rc<Expr>,
        /// The body.
        body: Box<Expr>,
    },
    /// A binary operator.
    BinOp {
        /// Which.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
        /// Where Nix reports errors of this operator.
        pos: Pos,
        /// Where the operator expression (and so its left operand) starts.
        start: Pos,
    },
    /// `!e`.
    Not(Box<Expr>, Pos),
    /// `-e`.
    Neg(Box<Expr>, Pos),
    /// A string with interpolations.
    Interpolate {
        /// The parts, each with the position errors about it are reported at.
        parts: Box<[(Pos, Expr)]>,
        /// Where the string starts.
        pos: Pos,
    },
    /// A path with interpolations (the first part is the literal prefix, already made
    /// absolute).
    PathInterpolate {
        /// The parts, each with the position errors about it are reported at.
        parts: Box<[(Pos, Expr)]>,
        /// Where the path starts.
        pos: Pos,
    },
    /// `<name>`.
    SearchPath(Rc<str>, Pos),
    /// `__curPos`.
    CurPos(Pos),
}

impl Expr {
    /// The position Nix reports for errors in this expression, if it has one.
    pub fn pos(&self) -> Pos {
        match self {
            Expr::WithVar { pos, .. }
            | Expr::Select { pos, .. }
            | Expr::Call { pos, .. }
            | Expr::Assert { pos, .. }
            | Expr::BinOp { pos, .. }
            | Expr::Interpolate { pos, .. }
            | Expr::PathInterpolate { pos, .. } => *pos,
            Expr::Attrs(_, pos)
            | Expr::If(_, pos)
            | Expr::Not(_, pos)
            | Expr::Neg(_, pos)
            | Expr::SearchPath(_, pos)
            | Expr::CurPos(pos) => *pos,
            Expr::Lambda(def) => def.pos,
            Expr::Var(_, pos) => *pos,
            _ => Pos::NONE,
        }
    }
}
