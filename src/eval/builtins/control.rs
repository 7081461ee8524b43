//! Control builtins: forcing, errors, tracing, importing, `toString`.

use std::path::Path;

use super::{Builtin, BuiltinResult};
use crate::eval::error::{ErrorKind, EvalError};
use crate::eval::machine::Evaluator;
use crate::eval::ops::Coercion;
use crate::eval::source::Pos;
use crate::eval::value::Value;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "seq",
        arity: 2,
        func: seq,
    },
    Builtin {
        name: "deepSeq",
        arity: 2,
        func: deep_seq,
    },
    Builtin {
        name: "tryEval",
        arity: 1,
        func: try_eval,
    },
    Builtin {
        name: "throw",
        arity: 1,
        func: throw,
    },
    Builtin {
        name: "abort",
        arity: 1,
        func: abort,
    },
    Builtin {
        name: "trace",
        arity: 2,
        func: trace,
    },
    Builtin {
        name: "addErrorContext",
        arity: 2,
        func: add_error_context,
    },
    Builtin {
        name: "import",
        arity: 1,
        func: import,
    },
    Builtin {
        name: "scopedImport",
        arity: 2,
        func: scoped_import,
    },
    Builtin {
        name: "toString",
        arity: 1,
        func: to_string,
    },
];

fn seq(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    ev.force(&args[0])?;
    ev.force(&args[1])
}

fn deep_seq(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    ev.force_deep(&args[0])?;
    ev.force(&args[1])
}

fn try_eval(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    match ev.force(&args[0]) {
        Ok(v) => Ok(ev.make_attrs(vec![("success", Value::Bool(true)), ("value", v)])),
        Err(e) if e.is_catchable() => Ok(ev.make_attrs(vec![
            ("success", Value::Bool(false)),
            ("value", Value::Bool(false)),
        ])),
        Err(e) => Err(e),
    }
}

fn throw(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let msg = ev.coerce_to_string(&args[0], Coercion::PLAIN)?;
    Err(EvalError::new(ErrorKind::Throw(
        msg.to_str_lossy().into_owned(),
    )))
}

fn abort(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let msg = ev.coerce_to_string(&args[0], Coercion::PLAIN)?;
    Err(EvalError::new(ErrorKind::Abort(
        msg.to_str_lossy().into_owned(),
    )))
}

fn trace(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let v = ev.force(&args[0])?;
    let text = match &v {
        Value::String(s) => s.to_str_lossy().into_owned(),
        other => String::from_utf8_lossy(&ev.print_value(other, false)?).into_owned(),
    };
    ev.emit_trace(&text);
    ev.force(&args[1])
}

fn add_error_context(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    match ev.force(&args[1]) {
        Ok(v) => Ok(v),
        Err(e) => {
            let ctx = ev
                .coerce_to_string(&args[0], Coercion::PLAIN)
                .map(|s| s.to_str_lossy().into_owned())
                .unwrap_or_default();
            Err(e.with_trace(Pos::NONE, ctx))
        }
    }
}

fn import(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let path = ev.coerce_to_path(&args[0])?;
    ev.import_path(Path::new(&path))
}

fn scoped_import(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    ev.force_attrs(&args[0])?;
    let path = ev.coerce_to_path(&args[1])?;
    ev.scoped_import(args[0].clone(), Path::new(&path))
}

fn to_string(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::String(
        ev.coerce_to_string(&args[0], Coercion::TO_STRING)?,
    ))
}
