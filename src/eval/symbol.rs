//! Interned attribute and variable names.
//!
//! Every name the evaluator handles (attribute names, formals, `with` lookups) is a
//! [`Symbol`]: a small integer issued by the [`Interner`] of one evaluator. Attribute sets
//! are sorted by symbol id, so lookups are binary searches on integers; anything shown to
//! a user is sorted by the names' text instead.
//!
//! Names are text. A name built from a string with bytes that are not UTF-8 holds them
//! as the characters [`source::decode`] maps them to (as the parser sees them in a
//! source file), and [`Interner::name_bytes`] gives the bytes back, so such names
//! round-trip through `attrNames`, printing and JSON.

use std::borrow::Cow;
use std::rc::Rc;

use super::source;

/// An interned name; only meaningful together with the interner that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol(u32);

/// Issues symbols and maps them back to their text.
#[derive(Default)]
pub struct Interner {
    names: Vec<Rc<str>>,
    ids: rustc_hash::FxHashMap<Rc<str>, Symbol>,
}

impl Interner {
    /// The symbol for `name`, issuing a new one the first time.
    pub fn intern(&mut self, name: &str) -> Symbol {
        if let Some(sym) = self.ids.get(name) {
            return *sym;
        }
        let sym = Symbol(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        let text: Rc<str> = Rc::from(name);
        self.names.push(text.clone());
        self.ids.insert(text, sym);
        sym
    }

    /// The symbol for the name a string's bytes spell.
    pub fn intern_bytes(&mut self, name: &[u8]) -> Symbol {
        match std::str::from_utf8(name) {
            Ok(text) => self.intern(text),
            Err(_) => self.intern(&source::decode(name).0),
        }
    }

    /// The symbol for `name` if it was ever interned.
    pub fn lookup(&self, name: &str) -> Option<Symbol> {
        self.ids.get(name).copied()
    }

    /// The text of a symbol.
    pub fn name(&self, sym: Symbol) -> &str {
        &self.names[sym.0 as usize]
    }

    /// The bytes of a symbol's name (see the module notes).
    pub fn name_bytes(&self, sym: Symbol) -> Cow<'_, [u8]> {
        source::restore_cow(self.name(sym))
    }

    /// The text of a symbol as a shared string.
    pub fn name_rc(&self, sym: Symbol) -> Rc<str> {
        self.names[sym.0 as usize].clone()
    }
}
