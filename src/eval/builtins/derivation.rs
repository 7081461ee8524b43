//! `derivationStrict` and `derivation`.
//!
//! `derivationStrict` turns the attributes into the strings a builder sees (paths copied to
//! the store, context collected) and hands them to the store glue, which writes the `.drv`
//! and computes the output paths. `derivation` is the Nix wrapper in `derivation.nix`,
//! compiled the first time it is used.

use std::rc::Rc;

use super::{Builtin, BuiltinResult};
use crate::eval::error::EvalError;
use crate::eval::glue::DerivationRequest;
use crate::eval::machine::Evaluator;
use crate::eval::ops::Coercion;
use crate::eval::source::{Origin, Pos};
use crate::eval::value::{Context, ContextElem, NixString, Thunk, Value};

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[Builtin {
    name: "derivationStrict",
    arity: 1,
    func: derivation_strict,
}];

/// The Nix source of `derivation`.
const DERIVATION_NIX: &str = include_str!("derivation.nix");

/// `derivation`, as a value compiled from [`DERIVATION_NIX`] when first forced.
pub(super) fn derivation_value() -> Value {
    Value::Thunk(Thunk::native(Rc::new(|ev: &mut Evaluator| {
        let dir = std::path::PathBuf::from("/");
        ev.eval_source(
            Origin::File(std::path::PathBuf::from("<nix/derivation.nix>")),
            DERIVATION_NIX,
            &dir,
        )
    })))
}

fn derivation_strict(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let attrs = ev.force_attrs(&args[0])?;
    let Some(name_v) = attrs.get(ev.syms.name) else {
        return Err(EvalError::msg("required attribute 'name' missing"));
    };
    let name = ev.force_string(&name_v.clone())?;
    let drv_name = name.to_str_lossy().into_owned();
    let ignore_nulls = match attrs.get(ev.syms.ignore_nulls) {
        Some(v) => ev.force_bool(&v.clone())?,
        None => false,
    };
    let structured = match attrs.get(ev.syms.structured_attrs) {
        Some(v) => ev.force_bool(&v.clone())?,
        None => false,
    };
    if structured {
        return Err(EvalError::msg(format!(
            "derivation '{drv_name}' uses __structuredAttrs, which denv does not support yet"
        )));
    }
    let mut sorted: Vec<_> = attrs.iter().collect();
    sorted.sort_by(|a, b| ev.symbols.name(a.name).cmp(ev.symbols.name(b.name)));
    let mut context = Context::new();
    let mut env = Vec::new();
    let mut drv_args = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    for attr in sorted {
        let key = ev.symbols.name(attr.name).to_string();
        if key == "__ignoreNulls" || key == "__structuredAttrs" {
            continue;
        }
        let value = ev.force(&attr.value)?;
        if ignore_nulls && matches!(value, Value::Null) {
            continue;
        }
        let ctx_msg =
            || format!("while evaluating the attribute '{key}' of the derivation '{drv_name}'");
        if key == "args" {
            let list = ev.force_list(&value)?;
            for item in list.iter() {
                let s = ev
                    .coerce_to_string(
                        item,
                        Coercion {
                            more: true,
                            copy_to_store: true,
                        },
                    )
                    .map_err(|e| e.with_trace(attr.pos, ctx_msg()))?;
                s.merge_context_into(&mut context);
                drv_args.push(s.to_str_lossy().into_owned());
            }
            continue;
        }
        let s = ev
            .coerce_to_string(
                &value,
                Coercion {
                    more: true,
                    copy_to_store: true,
                },
            )
            .map_err(|e| e.with_trace(attr.pos, ctx_msg()))?;
        s.merge_context_into(&mut context);
        if key == "outputs" {
            let list = ev.force_list(&value)?;
            for o in list.iter() {
                let o = ev.force_string(o)?.to_str_lossy().into_owned();
                if o == "drv" {
                    return Err(EvalError::msg(format!(
                        "invalid derivation output name 'drv' in derivation '{drv_name}'"
                    )));
                }
                if outputs.contains(&o) {
                    return Err(EvalError::msg(format!(
                        "duplicate derivation output '{o}', in derivation '{drv_name}'"
                    )));
                }
                outputs.push(o);
            }
            if outputs.is_empty() {
                return Err(EvalError::msg(format!(
                    "derivation '{drv_name}' does not have any outputs"
                )));
            }
        }
        env.push((key, s.to_str_lossy().into_owned()));
    }
    if outputs.is_empty() {
        outputs.push("out".to_string());
    }
    let result = ev.store().derivation_strict(DerivationRequest {
        name: drv_name,
        env,
        args: drv_args,
        outputs,
        context,
        structured_attrs: None,
    })?;
    let drv: Rc<str> = Rc::from(result.drv_path.as_str());
    let mut pairs: Vec<(String, Value)> = Vec::new();
    let mut ctx = Context::new();
    ctx.insert(ContextElem::AllOutputs(drv.clone()));
    pairs.push((
        "drvPath".to_string(),
        Value::String(NixString::with_context(&*drv, ctx)),
    ));
    for (out_name, out_path) in result.outputs {
        let mut ctx = Context::new();
        ctx.insert(ContextElem::Output {
            drv: drv.clone(),
            output: Rc::from(out_name.as_str()),
        });
        pairs.push((
            out_name,
            Value::String(NixString::with_context(out_path, ctx)),
        ));
    }
    Ok(ev.make_attrs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()))
}
