//! Attribute sets: sorted runs of [`Attr`]s, with a cheap `//` for the overlay pattern.
//!
//! A set is either *flat* (one vector sorted by symbol id) or a *layer*: a few attributes
//! written over a shared, bigger set, which is what `big // { a = …; }` makes in
//! nixpkgs-style fixed points. A layer costs the size of its own attributes instead of a
//! copy of the whole set; lookups walk at most [`MAX_DEPTH`] layers, and a layer is turned
//! into a flat run the first time it is iterated (the run is then kept with it).
//!
//! Invariants: every run is sorted by symbol id with no duplicates; a layer's own
//! attributes win over its base's; `len` counts each name once.

use std::cell::OnceCell;
use std::rc::Rc;

use super::source::Pos;
use super::symbol::Symbol;
use super::value::Value;

/// How many layers may stack before `//` copies instead: bounds lookups to this many
/// binary searches while dividing the memory of a long overlay chain by about as much.
const MAX_DEPTH: u8 = 16;

/// A right-hand side of `//` at most this big (and small against the left) makes a layer.
const MAX_LAYER_LEN: usize = 16;

/// One attribute: its name, where it was defined (for `unsafeGetAttrPos`) and its value.
#[derive(Clone)]
pub struct Attr {
    /// The attribute name.
    pub name: Symbol,
    /// Where the attribute was defined, [`Pos::NONE`] if not from source.
    pub pos: Pos,
    /// The (possibly unevaluated) value.
    pub value: Value,
}

/// An attribute set.
#[derive(Clone, Default)]
pub struct Attrs {
    repr: Repr,
    /// Where the set was written ([`Pos::NONE`] for sets built by operators and builtins);
    /// errors about the set as a whole point there.
    pos: Pos,
}

#[derive(Clone)]
enum Repr {
    Flat(Vec<Attr>),
    Layer(Box<Layer>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Flat(Vec::new())
    }
}

/// `base // top` kept as such.
#[derive(Clone)]
struct Layer {
    /// The right side of `//`, sorted.
    top: Vec<Attr>,
    base: Rc<Attrs>,
    /// Layers below this one, itself included.
    depth: u8,
    len: usize,
    /// The merged run, made on first iteration.
    flat: OnceCell<Vec<Attr>>,
}

impl Attrs {
    /// The empty set.
    pub fn new() -> Attrs {
        Attrs::default()
    }

    /// Builds a set from entries in any order; on duplicate names the first one wins.
    pub fn from_unsorted(mut entries: Vec<Attr>) -> Attrs {
        entries.sort_by_key(|a| a.name);
        entries.dedup_by_key(|a| a.name);
        Attrs::flat(entries)
    }

    /// Builds a set from entries already sorted by symbol with no duplicates.
    pub(crate) fn from_sorted(entries: Vec<Attr>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs::flat(entries)
    }

    fn flat(entries: Vec<Attr>) -> Attrs {
        Attrs {
            repr: Repr::Flat(entries),
            pos: Pos::NONE,
        }
    }

    /// The same set, written at `pos`.
    pub(crate) fn at(mut self, pos: Pos) -> Attrs {
        self.pos = pos;
        self
    }

    /// Where the set was written, [`Pos::NONE`] if not from source.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// The number of attributes.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Flat(entries) => entries.len(),
            Repr::Layer(layer) => layer.len,
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn depth(&self) -> u8 {
        match &self.repr {
            Repr::Flat(_) => 0,
            Repr::Layer(layer) => layer.depth,
        }
    }

    /// The attribute named `name`.
    pub fn get_attr(&self, name: Symbol) -> Option<&Attr> {
        let mut set = self;
        loop {
            match &set.repr {
                Repr::Flat(entries) => return find(entries, name),
                Repr::Layer(layer) => {
                    if let Some(attr) = find(&layer.top, name) {
                        return Some(attr);
                    }
                    set = &layer.base;
                }
            }
        }
    }

    /// The value of the attribute named `name`.
    pub fn get(&self, name: Symbol) -> Option<&Value> {
        self.get_attr(name).map(|a| &a.value)
    }

    /// The attributes in symbol order (not name order: sort by name before showing).
    pub fn iter(&self) -> std::slice::Iter<'_, Attr> {
        self.as_slice().iter()
    }

    fn as_slice(&self) -> &[Attr] {
        match &self.repr {
            Repr::Flat(entries) => entries,
            Repr::Layer(layer) => layer.flat.get_or_init(|| layer.merged()),
        }
    }

    /// Sets `name` (replacing an existing value).
    pub fn insert(&mut self, name: Symbol, pos: Pos, value: Value) {
        let entries = self.make_flat();
        match entries.binary_search_by_key(&name, |a| a.name) {
            Ok(i) => entries[i] = Attr { name, pos, value },
            Err(i) => entries.insert(i, Attr { name, pos, value }),
        }
    }

    fn make_flat(&mut self) -> &mut Vec<Attr> {
        if let Repr::Layer(layer) = &mut self.repr {
            let flat = match layer.flat.take() {
                Some(flat) => flat,
                None => layer.merged(),
            };
            self.repr = Repr::Flat(flat);
        }
        match &mut self.repr {
            Repr::Flat(entries) => entries,
            Repr::Layer(_) => unreachable!("made flat above"),
        }
    }

    /// `left // right`: the right side wins. A small right side over a big left one is
    /// kept as a layer over `left`; otherwise the two runs are merged.
    pub fn update(left: &Rc<Attrs>, right: &Attrs) -> Attrs {
        let b = right.as_slice();
        if b.len() <= MAX_LAYER_LEN && b.len() * 8 < left.len() {
            if left.depth() < MAX_DEPTH {
                let added = b.iter().filter(|x| left.get_attr(x.name).is_none()).count();
                return Attrs {
                    repr: Repr::Layer(Box::new(Layer {
                        top: b.to_vec(),
                        base: Rc::clone(left),
                        depth: left.depth() + 1,
                        len: left.len() + added,
                        flat: OnceCell::new(),
                    })),
                    pos: Pos::NONE,
                };
            }
            let mut out = left.merged_or_borrowed().into_owned();
            patch(&mut out, b);
            return Attrs::flat(out);
        }
        let a = left.merged_or_borrowed();
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].name.cmp(&b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs::flat(out)
    }

    /// The set's run, borrowed when it exists and merged afresh (not kept) otherwise: a
    /// set that is only ever the left side of `//` never holds a run of its own.
    fn merged_or_borrowed(&self) -> std::borrow::Cow<'_, [Attr]> {
        match &self.repr {
            Repr::Flat(entries) => std::borrow::Cow::Borrowed(entries),
            Repr::Layer(layer) => match layer.flat.get() {
                Some(flat) => std::borrow::Cow::Borrowed(flat),
                None => std::borrow::Cow::Owned(layer.merged()),
            },
        }
    }

    /// The set without the given names.
    pub fn without(&self, names: &[Symbol]) -> Attrs {
        Attrs::flat(
            self.iter()
                .filter(|a| !names.contains(&a.name))
                .cloned()
                .collect(),
        )
    }
}

impl Layer {
    /// A new flat run of every attribute, without keeping runs in the layers below.
    fn merged(&self) -> Vec<Attr> {
        let mut tops = vec![self.top.as_slice()];
        let mut set: &Attrs = &self.base;
        let bottom = loop {
            match &set.repr {
                Repr::Flat(entries) => break entries.as_slice(),
                Repr::Layer(layer) => match layer.flat.get() {
                    Some(flat) => break flat.as_slice(),
                    None => {
                        tops.push(layer.top.as_slice());
                        set = &layer.base;
                    }
                },
            }
        };
        let mut out = Vec::with_capacity(self.len);
        out.extend_from_slice(bottom);
        for top in tops.iter().rev() {
            patch(&mut out, top);
        }
        out
    }
}

// A set is one vector's worth of bytes plus its position, layered or not.
const _: () = assert!(std::mem::size_of::<Attrs>() == 32);

fn find(entries: &[Attr], name: Symbol) -> Option<&Attr> {
    entries
        .binary_search_by_key(&name, |a| a.name)
        .ok()
        .map(|i| &entries[i])
}

/// Writes the sorted run `top` over the sorted run `out`, `top` winning.
fn patch(out: &mut Vec<Attr>, top: &[Attr]) {
    for attr in top {
        match out.binary_search_by_key(&attr.name, |x| x.name) {
            Ok(i) => out[i] = attr.clone(),
            Err(i) => out.insert(i, attr.clone()),
        }
    }
}
