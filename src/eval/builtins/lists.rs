//! Builtins on lists.

use super::{Builtin, BuiltinResult};
use crate::eval::error::EvalError;
use crate::eval::machine::Evaluator;
use crate::eval::source::Pos;
use crate::eval::value::{Thunk, Value};
use std::rc::Rc;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "head",
        arity: 1,
        func: head,
    },
    Builtin {
        name: "tail",
        arity: 1,
        func: tail,
    },
    Builtin {
        name: "elem",
        arity: 2,
        func: elem,
    },
    Builtin {
        name: "elemAt",
        arity: 2,
        func: elem_at,
    },
    Builtin {
        name: "length",
        arity: 1,
        func: length,
    },
    Builtin {
        name: "filter",
        arity: 2,
        func: filter,
    },
    Builtin {
        name: "map",
        arity: 2,
        func: map,
    },
    Builtin {
        name: "foldl'",
        arity: 3,
        func: foldl_strict,
    },
    Builtin {
        name: "genList",
        arity: 2,
        func: gen_list,
    },
    Builtin {
        name: "concatLists",
        arity: 1,
        func: concat_lists,
    },
    Builtin {
        name: "concatMap",
        arity: 2,
        func: concat_map,
    },
    Builtin {
        name: "sort",
        arity: 2,
        func: sort,
    },
    Builtin {
        name: "partition",
        arity: 2,
        func: partition,
    },
    Builtin {
        name: "groupBy",
        arity: 2,
        func: group_by,
    },
    Builtin {
        name: "all",
        arity: 2,
        func: all,
    },
    Builtin {
        name: "any",
        arity: 2,
        func: any,
    },
];

fn index(ev: &mut Evaluator, list: &Value, i: i64) -> BuiltinResult {
    let list = ev.force_list(list)?;
    match usize::try_from(i).ok().and_then(|i| list.get(i)) {
        Some(v) => ev.force(&v.clone()),
        None => Err(EvalError::msg(format!("list index {i} is out of bounds"))),
    }
}

fn head(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    index(ev, &args[0], 0)
}

fn tail(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let list = ev.force_list(&args[0])?;
    if list.is_empty() {
        return Err(EvalError::msg("'tail' called on an empty list"));
    }
    Ok(Value::list(list[1..].to_vec()))
}

fn elem(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let list = ev.force_list(&args[1])?;
    for item in list.iter() {
        if ev.equal(&args[0], item)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn elem_at(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let i = ev.force_int(&args[1])?;
    index(ev, &args[0], i)
}

fn length(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Int(ev.force_list(&args[0])?.len() as i64))
}

fn call_bool(ev: &mut Evaluator, f: &Value, x: &Value, pos: Pos) -> Result<bool, EvalError> {
    let r = ev.call(f, x.clone(), pos)?;
    ev.force_bool(&r)
}

fn filter(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let mut out = Vec::new();
    let mut all = true;
    for item in list.iter() {
        if call_bool(ev, &f, item, pos)? {
            out.push(item.clone());
        } else {
            all = false;
        }
    }
    if all {
        return Ok(Value::List(list));
    }
    Ok(Value::list(out))
}

fn map(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let list = ev.force_list(&args[1])?;
    let f = &args[0];
    Ok(Value::list(
        list.iter()
            .map(|x| Value::Thunk(Thunk::apply(f.clone(), x.clone())))
            .collect(),
    ))
}

fn foldl_strict(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let list = ev.force_list(&args[2])?;
    let mut acc = args[1].clone();
    if list.is_empty() {
        return ev.force(&acc);
    }
    let f = ev.force_function(&args[0])?;
    for item in list.iter() {
        let partial = ev.call(&f, acc, pos)?;
        acc = ev.call(&partial, item.clone(), pos)?;
    }
    Ok(acc)
}

fn gen_list(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let n = ev.force_int(&args[1])?;
    if n < 0 {
        return Err(EvalError::msg(format!("cannot create list of size {n}")));
    }
    let f = Rc::new(args[0].clone());
    Ok(Value::list(
        (0..n)
            .map(|i| Value::Thunk(Thunk::apply_to_index(f.clone(), i)))
            .collect(),
    ))
}

fn concat_lists(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let lists = ev.force_list(&args[0])?;
    let mut out = Vec::new();
    for l in lists.iter() {
        out.extend(ev.force_list(l)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn concat_map(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let mut out = Vec::new();
    for item in list.iter() {
        let r = ev.call(&f, item.clone(), pos)?;
        out.extend(ev.force_list(&r)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn sort(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let mut items: Vec<Value> = Vec::with_capacity(list.len());
    for item in list.iter() {
        items.push(ev.force(item)?);
    }
    // A stable merge sort driven by the Nix comparator; the first error stops it.
    let mut buf = items.clone();
    merge_sort(ev, &f, &mut items, &mut buf, pos)?;
    Ok(Value::list(items))
}

fn less(ev: &mut Evaluator, f: &Value, a: &Value, b: &Value, pos: Pos) -> Result<bool, EvalError> {
    if let (Value::Int(x), Value::PrimOp(op)) = (a, f)
        && op.name == "lessThan"
        && let Value::Int(y) = b
    {
        return Ok(x < y);
    }
    let partial = ev.call(f, a.clone(), pos)?;
    let r = ev.call(&partial, b.clone(), pos)?;
    ev.force_bool(&r)
}

fn merge_sort(
    ev: &mut Evaluator,
    f: &Value,
    items: &mut [Value],
    buf: &mut [Value],
    pos: Pos,
) -> Result<(), EvalError> {
    let n = items.len();
    if n <= 16 {
        // Insertion sort: stable, and few comparator calls on small runs.
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(ev, f, &items[j], &items[j - 1], pos)? {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
        return Ok(());
    }
    let mid = n / 2;
    {
        let (l, r) = items.split_at_mut(mid);
        let (bl, br) = buf.split_at_mut(mid);
        merge_sort(ev, f, l, bl, pos)?;
        merge_sort(ev, f, r, br, pos)?;
    }
    buf[..n].clone_from_slice(items);
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if less(ev, f, &buf[j], &buf[i], pos)? {
            items[k] = buf[j].clone();
            j += 1;
        } else {
            items[k] = buf[i].clone();
            i += 1;
        }
        k += 1;
    }
    while i < mid {
        items[k] = buf[i].clone();
        i += 1;
        k += 1;
    }
    while j < n {
        items[k] = buf[j].clone();
        j += 1;
        k += 1;
    }
    Ok(())
}

fn partition(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for item in list.iter() {
        if call_bool(ev, &f, item, pos)? {
            right.push(item.clone());
        } else {
            wrong.push(item.clone());
        }
    }
    Ok(ev.make_attrs(vec![
        ("right", Value::list(right)),
        ("wrong", Value::list(wrong)),
    ]))
}

fn group_by(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for item in list.iter() {
        let k = ev.call(&f, item.clone(), pos)?;
        let k = ev.force_string(&k)?;
        let name = crate::eval::source::decode(k.as_bytes()).0.into_owned();
        let i = *index.entry(name.clone()).or_insert_with(|| {
            groups.push((name, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(item.clone());
    }
    let pairs: Vec<(String, Value)> = groups
        .into_iter()
        .map(|(k, v)| (k, Value::list(v)))
        .collect();
    Ok(ev.make_attrs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()))
}

fn all(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    for item in list.iter() {
        if !call_bool(ev, &f, item, pos)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let list = ev.force_list(&args[1])?;
    for item in list.iter() {
        if call_bool(ev, &f, item, pos)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}
