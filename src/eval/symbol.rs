//! Interned attribute and variable names.
//!
//! Every name the evaluator handles (attribute names, formals, `with` lookups) is a
//! [`Symbol`]: a small integer issued by the [`Interner`] of one evaluator. Attribute sets
//! are sorted by symbol id, so lookups are binary searches on integers; anything shown to
//! a user is sorted by the names' text instead.

use std::rc::Rc;

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

    /// The symbol for `name` if it was ever interned.
    pub fn lookup(&self, name: &str) -> Option<Symbol> {
        self.ids.get(name).copied()
    }

    /// The text of a symbol.
    pub fn name(&self, sym: Symbol) -> &str {
        &self.names[sym.0 as usize]
    }

    /// The text of a symbol as a shared string.
    pub fn name_rc(&self, sym: Symbol) -> Rc<str> {
        self.names[sym.0 as usize].clone()
    }
}
