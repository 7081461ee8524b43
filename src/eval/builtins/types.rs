//! Type predicates and `typeOf`.

use super::{Builtin, BuiltinResult};
use crate::eval::machine::Evaluator;
use crate::eval::source::Pos;
use crate::eval::value::Value;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "isAttrs",
        arity: 1,
        func: is_attrs,
    },
    Builtin {
        name: "isBool",
        arity: 1,
        func: is_bool,
    },
    Builtin {
        name: "isFloat",
        arity: 1,
        func: is_float,
    },
    Builtin {
        name: "isFunction",
        arity: 1,
        func: is_function,
    },
    Builtin {
        name: "isInt",
        arity: 1,
        func: is_int,
    },
    Builtin {
        name: "isList",
        arity: 1,
        func: is_list,
    },
    Builtin {
        name: "isNull",
        arity: 1,
        func: is_null,
    },
    Builtin {
        name: "isPath",
        arity: 1,
        func: is_path,
    },
    Builtin {
        name: "isString",
        arity: 1,
        func: is_string,
    },
    Builtin {
        name: "typeOf",
        arity: 1,
        func: type_of,
    },
];

fn check(ev: &mut Evaluator, v: &Value, f: fn(&Value) -> bool) -> BuiltinResult {
    let v = ev.force(v)?;
    Ok(Value::Bool(f(&v)))
}

fn is_attrs(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::Attrs(_)))
}

fn is_bool(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::Bool(_)))
}

fn is_float(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::Float(_)))
}

fn is_function(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], Value::is_function)
}

fn is_int(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::Int(_)))
}

fn is_list(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::List(_)))
}

fn is_null(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::Null))
}

fn is_path(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::Path(_)))
}

fn is_string(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    check(ev, &args[0], |v| matches!(v, Value::String(_)))
}

fn type_of(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let v = ev.force(&args[0])?;
    Ok(Value::string(v.type_of()))
}
