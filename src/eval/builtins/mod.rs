//! The `builtins` set and the globally visible names.
//!
//! # Registering a builtin
//!
//! Each file of this folder owns one family of builtins and exports a table:
//!
//! ```ignore
//! pub(super) const BUILTINS: &[Builtin] = &[
//!     Builtin { name: "stringLength", arity: 1, func: string_length },
//! ];
//!
//! fn string_length(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
//!     let s = ev.coerce_to_string(&args[0], Coercion::INTERPOLATE)?;
//!     Ok(Value::Int(s.len() as i64))
//! }
//! ```
//!
//! [`install`] concatenates the tables listed in [`TABLES`]. A function receives exactly
//! `arity` *unforced* arguments (force them with [`Evaluator::force`] and the typed
//! helpers `force_int`, `force_string`, `force_list`, `force_attrs`, …; call Nix functions
//! with [`Evaluator::call`] / [`Evaluator::call_many`]). Errors without a position get the
//! position of the call. Every builtin is reachable as `builtins.NAME` and as the global
//! `__NAME`; the names in [`TOP_LEVEL`] are also plain globals, as in Nix 2.8.

mod attrs;
mod context;
mod control;
mod derivation;
mod fetch_git;
mod files;
pub mod hash;
mod lists;
mod math;
pub mod serde;
pub mod strings;
mod types;

use std::rc::Rc;

use super::error::EvalError;
use super::machine::Evaluator;
use super::source::Pos;
use super::value::{Attr, Attrs, BuiltinFn, PrimOp, Value};

/// The registration of one builtin function.
pub struct Builtin {
    /// The name in `builtins` (without `__`).
    pub name: &'static str,
    /// The number of arguments.
    pub arity: usize,
    /// The implementation.
    pub func: BuiltinFn,
}

/// Every table of builtins.
const TABLES: &[&[Builtin]] = &[
    attrs::BUILTINS,
    context::BUILTINS,
    control::BUILTINS,
    derivation::BUILTINS,
    files::BUILTINS,
    hash::BUILTINS,
    lists::BUILTINS,
    math::BUILTINS,
    serde::BUILTINS,
    strings::BUILTINS,
    types::BUILTINS,
];

/// Builtins that are also visible without `builtins.` (Nix 2.8).
const TOP_LEVEL: &[&str] = &[
    "abort",
    "baseNameOf",
    "derivation",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
];

/// Fills the evaluator's globals and its `builtins` set.
pub(crate) fn install(ev: &mut Evaluator) {
    let mut entries: Vec<Attr> = Vec::new();
    for table in TABLES {
        for b in table.iter() {
            let value = Value::PrimOp(Rc::new(PrimOp {
                name: b.name,
                arity: b.arity,
                func: b.func,
            }));
            let sym = ev.symbols.intern(b.name);
            entries.push(Attr {
                name: sym,
                pos: Pos::NONE,
                value,
            });
        }
    }
    for (name, value) in constants(ev) {
        let sym = ev.symbols.intern(name);
        entries.push(Attr {
            name: sym,
            pos: Pos::NONE,
            value,
        });
    }
    // `builtins.builtins` is the set itself: close the loop through a thunk.
    let cell = Rc::new(std::cell::RefCell::new(Value::Null));
    let cell2 = cell.clone();
    let builtins_sym = ev.symbols.intern("builtins");
    entries.push(Attr {
        name: builtins_sym,
        pos: Pos::NONE,
        value: Value::Thunk(super::value::Thunk::native(Rc::new(move |_| {
            Ok(cell2.borrow().clone())
        }))),
    });
    let attrs = Attrs::from_unsorted(entries);
    for attr in attrs.iter() {
        let name = ev.symbols.name(attr.name).to_string();
        let global = ev.symbols.intern(&format!("__{name}"));
        ev.globals.insert(global, attr.value.clone());
        if TOP_LEVEL.contains(&name.as_str())
            || matches!(name.as_str(), "true" | "false" | "null" | "builtins")
        {
            ev.globals.insert(attr.name, attr.value.clone());
        }
    }
    let value = Value::attrs(attrs);
    *cell.borrow_mut() = value.clone();
    ev.globals.insert(builtins_sym, value);
}

/// The non-function members of `builtins`.
fn constants(ev: &mut Evaluator) -> Vec<(&'static str, Value)> {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let search_path = ev.options.search_path.clone();
    let path_sym = ev.syms.path;
    let prefix_sym = ev.syms.prefix;
    let nix_path = search_path
        .iter()
        .map(|e| {
            Value::attrs(Attrs::from_unsorted(vec![
                Attr {
                    name: path_sym,
                    pos: Pos::NONE,
                    value: Value::string(e.path.as_str()),
                },
                Attr {
                    name: prefix_sym,
                    pos: Pos::NONE,
                    value: Value::string(e.prefix.as_str()),
                },
            ]))
        })
        .collect();
    vec![
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
        ("null", Value::Null),
        (
            "currentSystem",
            Value::string(ev.options.current_system.as_str()),
        ),
        ("currentTime", Value::Int(time)),
        ("nixVersion", Value::string(NIX_VERSION)),
        ("langVersion", Value::Int(LANG_VERSION)),
        ("storeDir", Value::string(ev.store.store_dir())),
        ("nixPath", Value::list(nix_path)),
        ("derivation", derivation::derivation_value()),
    ]
}

/// The Nix version denv's evaluator implements (`builtins.nixVersion`).
pub const NIX_VERSION: &str = "2.8.0";
/// The language version (`builtins.langVersion`).
pub const LANG_VERSION: i64 = 6;

/// Shorthand for the result type of builtins.
pub type BuiltinResult = Result<Value, EvalError>;
