//! Arithmetic and bit builtins.

use super::{Builtin, BuiltinResult};
use crate::eval::ir::BinOp;
use crate::eval::machine::Evaluator;
use crate::eval::source::Pos;
use crate::eval::value::Value;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "add",
        arity: 2,
        func: add,
    },
    Builtin {
        name: "sub",
        arity: 2,
        func: sub,
    },
    Builtin {
        name: "mul",
        arity: 2,
        func: mul,
    },
    Builtin {
        name: "div",
        arity: 2,
        func: div,
    },
    Builtin {
        name: "lessThan",
        arity: 2,
        func: less_than,
    },
    Builtin {
        name: "bitAnd",
        arity: 2,
        func: bit_and,
    },
    Builtin {
        name: "bitOr",
        arity: 2,
        func: bit_or,
    },
    Builtin {
        name: "bitXor",
        arity: 2,
        func: bit_xor,
    },
    Builtin {
        name: "ceil",
        arity: 1,
        func: ceil,
    },
    Builtin {
        name: "floor",
        arity: 1,
        func: floor,
    },
];

fn numbers(ev: &mut Evaluator, args: &[Value]) -> Result<(Value, Value), crate::eval::EvalError> {
    let a = ev.force(&args[0])?;
    let b = ev.force(&args[1])?;
    for v in [&a, &b] {
        if !matches!(v, Value::Int(_) | Value::Float(_)) {
            return Err(crate::eval::EvalError::type_error("an integer", v));
        }
    }
    Ok((a, b))
}

fn add(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let (a, b) = numbers(ev, args)?;
    ev.add(a, b, pos)
}

fn sub(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let (a, b) = numbers(ev, args)?;
    ev.binop_values(BinOp::Sub, a, b, pos)
}

fn mul(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let (a, b) = numbers(ev, args)?;
    ev.binop_values(BinOp::Mul, a, b, pos)
}

fn div(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let (a, b) = numbers(ev, args)?;
    ev.binop_values(BinOp::Div, a, b, pos)
}

fn less_than(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Bool(ev.less_than(&args[0], &args[1])?))
}

fn bit_and(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Int(
        ev.force_int(&args[0])? & ev.force_int(&args[1])?,
    ))
}

fn bit_or(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Int(
        ev.force_int(&args[0])? | ev.force_int(&args[1])?,
    ))
}

fn bit_xor(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Int(
        ev.force_int(&args[0])? ^ ev.force_int(&args[1])?,
    ))
}

fn ceil(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Int(ev.force_float(&args[0])?.ceil() as i64))
}

fn floor(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Int(ev.force_float(&args[0])?.floor() as i64))
}
