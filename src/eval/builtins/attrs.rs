//! Builtins on attribute sets.

use super::{Builtin, BuiltinResult};
use crate::eval::error::{ErrorKind, EvalError};
use crate::eval::machine::Evaluator;
use crate::eval::source::Pos;
use crate::eval::value::{Attr, Attrs, Thunk, Value};

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "attrNames",
        arity: 1,
        func: attr_names,
    },
    Builtin {
        name: "attrValues",
        arity: 1,
        func: attr_values,
    },
    Builtin {
        name: "getAttr",
        arity: 2,
        func: get_attr,
    },
    Builtin {
        name: "hasAttr",
        arity: 2,
        func: has_attr,
    },
    Builtin {
        name: "removeAttrs",
        arity: 2,
        func: remove_attrs,
    },
    Builtin {
        name: "intersectAttrs",
        arity: 2,
        func: intersect_attrs,
    },
    Builtin {
        name: "listToAttrs",
        arity: 1,
        func: list_to_attrs,
    },
    Builtin {
        name: "mapAttrs",
        arity: 2,
        func: map_attrs,
    },
    Builtin {
        name: "catAttrs",
        arity: 2,
        func: cat_attrs,
    },
    Builtin {
        name: "zipAttrsWith",
        arity: 2,
        func: zip_attrs_with,
    },
    Builtin {
        name: "genericClosure",
        arity: 1,
        func: generic_closure,
    },
    Builtin {
        name: "functionArgs",
        arity: 1,
        func: function_args,
    },
    Builtin {
        name: "unsafeGetAttrPos",
        arity: 2,
        func: unsafe_get_attr_pos,
    },
];

/// The attributes of a set sorted by name, as Nix lists them.
pub(crate) fn sorted_by_name<'a>(ev: &Evaluator, a: &'a Attrs) -> Vec<&'a Attr> {
    let mut v: Vec<&Attr> = a.iter().collect();
    v.sort_by(|x, y| ev.symbols.name(x.name).cmp(ev.symbols.name(y.name)));
    v
}

fn attr_names(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let a = ev.force_attrs(&args[0])?;
    let names = sorted_by_name(ev, &a)
        .into_iter()
        .map(|attr| Value::string(ev.symbols.name_bytes(attr.name)))
        .collect();
    Ok(Value::list(names))
}

fn attr_values(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let a = ev.force_attrs(&args[0])?;
    let values = sorted_by_name(ev, &a)
        .into_iter()
        .map(|attr| attr.value.clone())
        .collect();
    Ok(Value::list(values))
}

fn get_attr(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    let sym = ev.intern_bytes(name.as_bytes());
    match a.get(sym) {
        Some(v) => ev.force(&v.clone()),
        None => Err(EvalError::msg(format!(
            "attribute '{}' missing for call to 'getAttr'",
            name.to_str_lossy()
        ))
        .at(a.pos())),
    }
}

fn has_attr(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    let sym = ev.intern_bytes(name.as_bytes());
    Ok(Value::Bool(a.get(sym).is_some()))
}

fn remove_attrs(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let a = ev.force_attrs(&args[0])?;
    let names = ev.force_list(&args[1])?;
    let mut syms = Vec::with_capacity(names.len());
    for n in names.iter() {
        let s = ev.force_string(n)?;
        syms.push(ev.intern_bytes(s.as_bytes()));
    }
    Ok(Value::attrs(a.without(&syms)))
}

fn intersect_attrs(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let a = ev.force_attrs(&args[0])?;
    let b = ev.force_attrs(&args[1])?;
    let entries = b
        .iter()
        .filter(|attr| a.get(attr.name).is_some())
        .cloned()
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn list_to_attrs(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let list = ev.force_list(&args[0])?;
    let (name_sym, value_sym) = (ev.syms.name, ev.syms.value);
    let mut entries = Vec::with_capacity(list.len());
    for item in list.iter() {
        let item = ev.force_attrs(item)?;
        let Some(name) = item.get(name_sym) else {
            return Err(
                EvalError::msg("attribute 'name' missing for call to 'listToAttrs'").at(item.pos()),
            );
        };
        let name = ev.force_string(&name.clone())?;
        let Some(value) = item.get_attr(value_sym) else {
            return Err(
                EvalError::msg("attribute 'value' missing for call to 'listToAttrs'")
                    .at(item.pos()),
            );
        };
        entries.push(Attr {
            name: ev.intern_bytes(name.as_bytes()),
            pos: value.pos,
            value: value.value.clone(),
        });
    }
    // Stable sort keeps the first of equal names first, and from_unsorted keeps it.
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn map_attrs(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let f = args[0].clone();
    let a = ev.force_attrs(&args[1])?;
    let entries = a
        .iter()
        .map(|attr| {
            let name = Value::string(ev.symbols.name_bytes(attr.name));
            let partial = Value::Thunk(Thunk::apply(f.clone(), name));
            Attr {
                name: attr.name,
                pos: attr.pos,
                value: Value::Thunk(Thunk::apply(partial, attr.value.clone())),
            }
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn cat_attrs(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    let sym = ev.intern_bytes(name.as_bytes());
    let list = ev.force_list(&args[1])?;
    let mut out = Vec::new();
    for item in list.iter() {
        let a = ev.force_attrs(item)?;
        if let Some(v) = a.get(sym) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn zip_attrs_with(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let f = args[0].clone();
    let list = ev.force_list(&args[1])?;
    let mut collected: Vec<(crate::eval::symbol::Symbol, Vec<Value>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for item in list.iter() {
        let a = ev.force_attrs(item)?;
        for attr in a.iter() {
            let i = *index.entry(attr.name).or_insert_with(|| {
                collected.push((attr.name, Vec::new()));
                collected.len() - 1
            });
            collected[i].1.push(attr.value.clone());
        }
    }
    let entries = collected
        .into_iter()
        .map(|(name, values)| {
            let n = Value::string(ev.symbols.name_bytes(name));
            let partial = Value::Thunk(Thunk::apply(f.clone(), n));
            Attr {
                name,
                pos: Pos::NONE,
                value: Value::Thunk(Thunk::apply(partial, Value::list(values))),
            }
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn generic_closure(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let a = ev.force_attrs(&args[0])?;
    let start_sym = ev.intern("startSet");
    let op_sym = ev.intern("operator");
    let start = a
        .get(start_sym)
        .cloned()
        .ok_or_else(|| EvalError::msg("attribute 'startSet' required"))?;
    let op = a
        .get(op_sym)
        .cloned()
        .ok_or_else(|| EvalError::msg("attribute 'operator' required"))?;
    let mut queue: std::collections::VecDeque<Value> =
        ev.force_list(&start)?.iter().cloned().collect();
    let mut done: Vec<Value> = Vec::new();
    let mut seen_keys: Vec<Value> = Vec::new();
    let key_sym = ev.syms.key;
    while let Some(item) = queue.pop_front() {
        let attrs = ev.force_attrs(&item)?;
        let Some(key) = attrs.get(key_sym) else {
            return Err(EvalError::msg("attribute 'key' required"));
        };
        let key = ev.force(&key.clone())?;
        let mut found = false;
        for k in &seen_keys {
            if ev.equal(k, &key)? {
                found = true;
                break;
            }
        }
        if found {
            continue;
        }
        seen_keys.push(key);
        done.push(item.clone());
        let next = ev.call_many(&op, &[item], pos)?;
        let next = ev.force_list(&next)?;
        queue.extend(next.iter().cloned());
    }
    Ok(Value::list(done))
}

fn function_args(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    match ev.force(&args[0])? {
        Value::Lambda(c) => match &c.def.param {
            crate::eval::ir::Param::Ident(_) => Ok(Value::attrs(Attrs::new())),
            crate::eval::ir::Param::Pattern { formals, .. } => {
                let entries = formals
                    .iter()
                    .map(|f| Attr {
                        name: f.name,
                        pos: Pos::NONE,
                        value: Value::Bool(f.default.is_some()),
                    })
                    .collect();
                Ok(Value::attrs(Attrs::from_unsorted(entries)))
            }
        },
        Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::attrs(Attrs::new())),
        other => Err(EvalError::new(ErrorKind::Type {
            expected: "a function",
            got: other.type_desc(),
        })),
    }
}

fn unsafe_get_attr_pos(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    let sym = ev.intern_bytes(name.as_bytes());
    match a.get_attr(sym) {
        Some(attr) => Ok(ev.pos_attrs(attr.pos)),
        None => Ok(Value::Null),
    }
}
