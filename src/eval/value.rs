//! Runtime values of the Nix language.
//!
//! A [`Value`] is cheap to clone: every compound value sits behind an `Rc`. Laziness lives
//! in [`Thunk`]s, which are updated in place once forced; a thunk under evaluation is a
//! black hole, and forcing it again is `infinite recursion encountered`. Strings carry
//! their [`Context`] (the store paths they refer to) from the moment they are built.
//!
//! Invariants: an [`Attrs`] is sorted by symbol id with no duplicates; a forced value is
//! never `Value::Thunk`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

pub use super::attrs::{Attr, Attrs};
use super::error::EvalError;
use super::ir::{Expr, LambdaDef};
use super::machine::Evaluator;
use super::source::Pos;

/// One element of a string's context: what a string built from store paths depends on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContextElem {
    /// A plain store path (a source or an output path used as a string).
    Plain(Rc<str>),
    /// A derivation and all its outputs (`=DRVPATH`, from `drvPath`).
    AllOutputs(Rc<str>),
    /// One output of a derivation (`!OUTPUT!DRVPATH`).
    Output {
        /// The `.drv` store path.
        drv: Rc<str>,
        /// The output name.
        output: Rc<str>,
    },
}

impl ContextElem {
    /// The encoding Nix uses in `builtins.getContext` keys and in error messages.
    pub fn encode(&self) -> String {
        match self {
            ContextElem::Plain(p) => p.to_string(),
            ContextElem::AllOutputs(d) => format!("={d}"),
            ContextElem::Output { drv, output } => format!("!{output}!{drv}"),
        }
    }

    /// Parses Nix's encoding (see [`ContextElem::encode`]).
    pub fn decode(s: &str) -> ContextElem {
        if let Some(drv) = s.strip_prefix('=') {
            return ContextElem::AllOutputs(Rc::from(drv));
        }
        if let Some(rest) = s.strip_prefix('!')
            && let Some((output, drv)) = rest.split_once('!')
        {
            return ContextElem::Output {
                drv: Rc::from(drv),
                output: Rc::from(output),
            };
        }
        ContextElem::Plain(Rc::from(s))
    }
}

/// The set of context elements of a string.
pub type Context = BTreeSet<ContextElem>;

/// A Nix string: bytes plus context, behind one pointer so that a [`Value`] stays small.
///
/// Nix strings are byte strings: they need not be UTF-8 (`readFile` of any file, a
/// `substring` that cuts a multibyte character). Lengths and offsets count bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct NixString(Rc<StringData>);

#[derive(Debug, PartialEq)]
struct StringData {
    text: Box<[u8]>,
    context: Option<Context>,
}

impl NixString {
    /// A string without context.
    pub fn plain(text: impl Into<Vec<u8>>) -> NixString {
        NixString(Rc::new(StringData {
            text: text.into().into_boxed_slice(),
            context: None,
        }))
    }

    /// A string with the given context (an empty context is stored as none).
    pub fn with_context(text: impl Into<Vec<u8>>, context: Context) -> NixString {
        NixString(Rc::new(StringData {
            text: text.into().into_boxed_slice(),
            context: if context.is_empty() {
                None
            } else {
                Some(context)
            },
        }))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0.text
    }

    /// The text as UTF-8, with bytes that are not UTF-8 replaced by U+FFFD: for names
    /// (attributes, files, environment variables) and messages, never for string values.
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0.text)
    }

    /// The text if it is UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0.text).ok()
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.text.len()
    }

    /// Whether the string has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.text.is_empty()
    }

    /// The context, empty for most strings.
    pub fn context(&self) -> Option<&Context> {
        self.0.context.as_ref()
    }

    /// Whether the string has any context.
    pub fn has_context(&self) -> bool {
        self.0.context.is_some()
    }

    /// Adds this string's context to `into`.
    pub fn merge_context_into(&self, into: &mut Context) {
        if let Some(ctx) = &self.0.context {
            into.extend(ctx.iter().cloned());
        }
    }

    /// The same text without context.
    pub fn without_context(&self) -> NixString {
        if self.0.context.is_none() {
            return self.clone();
        }
        NixString::plain(self.as_bytes())
    }
}

impl fmt::Display for NixString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str_lossy())
    }
}

/// Builds a string piece by piece, collecting the pieces' context.
#[derive(Default)]
pub struct StringBuilder {
    text: Vec<u8>,
    context: Context,
}

impl StringBuilder {
    /// An empty builder.
    pub fn new() -> StringBuilder {
        StringBuilder::default()
    }

    /// Appends text without context.
    pub fn push_str(&mut self, s: &str) {
        self.text.extend_from_slice(s.as_bytes());
    }

    /// Appends bytes without context.
    pub fn push_bytes(&mut self, s: &[u8]) {
        self.text.extend_from_slice(s);
    }

    /// Appends a string with its context.
    pub fn push(&mut self, s: &NixString) {
        self.text.extend_from_slice(s.as_bytes());
        s.merge_context_into(&mut self.context);
    }

    /// Adds a context element.
    pub fn add_context(&mut self, elem: ContextElem) {
        self.context.insert(elem);
    }

    /// The finished string.
    pub fn finish(self) -> NixString {
        NixString::with_context(self.text, self.context)
    }
}

/// A function value: a lambda closed over its environment.
pub struct Closure {
    /// The compiled lambda.
    pub def: Rc<LambdaDef>,
    /// The environment it was created in.
    pub env: Rc<Env>,
}

/// The Rust side of a builtin: receives exactly `arity` unforced arguments.
pub type BuiltinFn = fn(&mut Evaluator, &[Value], Pos) -> Result<Value, EvalError>;

/// A builtin function.
pub struct PrimOp {
    /// The name without `__` (as in `builtins.NAME`).
    pub name: &'static str,
    /// How many arguments it takes before running.
    pub arity: usize,
    /// The implementation.
    pub func: BuiltinFn,
}

/// A builtin applied to fewer arguments than its arity.
pub struct PrimOpApp {
    /// The builtin.
    pub op: Rc<PrimOp>,
    /// The arguments so far.
    pub args: Vec<Value>,
}

/// The slots of a frame: most frames (lambdas, `with`) have one or two, kept inline.
pub(crate) type Slots = smallvec::SmallVec<[Value; 2]>;

/// A runtime environment frame: the slots of one scope plus its parent.
pub struct Env {
    pub(crate) slots: RefCell<Slots>,
    pub(crate) parent: Option<Rc<Env>>,
}

impl Env {
    /// A frame holding `slots`.
    pub(crate) fn new(slots: impl Into<Slots>, parent: Option<Rc<Env>>) -> Rc<Env> {
        let slots = slots.into();
        Rc::new(Env {
            slots: RefCell::new(slots),
            parent,
        })
    }
}

/// A lazily computed value from Rust code (used by builtins such as `derivation`).
pub type NativeThunk = Rc<dyn Fn(&mut Evaluator) -> Result<Value, EvalError>>;

pub(crate) enum ThunkState {
    /// An expression waiting to be evaluated in an environment.
    Pending(Rc<Expr>, Rc<Env>),
    /// A function application waiting to happen (`map f xs` elements).
    /// (Boxed: it is the largest state and rarely used, so every thunk stays small.)
    Apply(Box<(Value, Value)>),
    /// `f i` for a `genList` element: the function is shared by the whole list, so an
    /// element costs no allocation beyond its thunk.
    ApplyToIndex(Rc<Value>, i64),
    /// Rust code waiting to run.
    Native(NativeThunk),
    /// Under evaluation: forcing it again is infinite recursion.
    Blackhole,
    /// Evaluated.
    Done(Value),
}

/// A suspended computation, shared and updated in place once forced.
#[derive(Clone)]
pub struct Thunk(pub(crate) Rc<RefCell<ThunkState>>);

impl Thunk {
    pub(crate) fn pending(expr: Rc<Expr>, env: Rc<Env>) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Pending(expr, env))))
    }

    /// A thunk that applies `f` to `arg` when forced.
    pub fn apply(f: Value, arg: Value) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Apply(Box::new((f, arg))))))
    }

    /// A thunk that applies the shared `f` to the integer `index` when forced.
    pub fn apply_to_index(f: Rc<Value>, index: i64) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::ApplyToIndex(f, index))))
    }

    /// A thunk that runs `f` when forced.
    pub fn native(f: NativeThunk) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Native(f))))
    }

    /// The value if already forced.
    pub fn value(&self) -> Option<Value> {
        match &*self.0.borrow() {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }
}

/// A Nix value (possibly an unevaluated thunk).
#[derive(Clone)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A string with context.
    String(NixString),
    /// An absolute, normalised path.
    Path(Rc<String>),
    /// An attribute set.
    Attrs(Rc<Attrs>),
    /// A list.
    List(Rc<Vec<Value>>),
    /// A lambda.
    Lambda(Rc<Closure>),
    /// A builtin.
    PrimOp(Rc<PrimOp>),
    /// A partially applied builtin.
    PrimOpApp(Rc<PrimOpApp>),
    /// A value not computed yet.
    Thunk(Thunk),
}

// Every value is one word of payload plus a tag: keep it that way (sets and frames are
// arrays of values).
const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    /// A string value without context.
    pub fn string(s: impl Into<Vec<u8>>) -> Value {
        Value::String(NixString::plain(s))
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    /// An attribute-set value.
    pub fn attrs(attrs: Attrs) -> Value {
        Value::Attrs(Rc::new(attrs))
    }

    /// The type name Nix uses in messages ("an integer", "a set", …).
    pub fn type_desc(&self) -> String {
        let s = match self {
            Value::String(s) if s.has_context() => "a string with context",
            Value::PrimOp(op) => return format!("the built-in function '{}'", op.name),
            Value::PrimOpApp(app) => {
                return format!("the partially applied built-in function '{}'", app.op.name);
            }
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::Thunk(_) => "a thunk",
        };
        s.to_string()
    }

    /// The name `builtins.typeOf` returns.
    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }

    /// Whether this is a function of any kind.
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }
}

impl From<NixString> for Value {
    fn from(s: NixString) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
