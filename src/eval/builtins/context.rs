//! Builtins on string context, and `placeholder`.

use std::rc::Rc;

use sha2::Digest;

use super::{Builtin, BuiltinResult};
use crate::eval::error::EvalError;
use crate::eval::machine::Evaluator;
use crate::eval::source::Pos;
use crate::eval::value::{Attr, Attrs, Context, ContextElem, NixString, Value};

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "getContext",
        arity: 1,
        func: get_context,
    },
    Builtin {
        name: "hasContext",
        arity: 1,
        func: has_context,
    },
    Builtin {
        name: "appendContext",
        arity: 2,
        func: append_context,
    },
    Builtin {
        name: "unsafeDiscardStringContext",
        arity: 1,
        func: discard_context,
    },
    Builtin {
        name: "unsafeDiscardOutputDependency",
        arity: 1,
        func: discard_output_dependency,
    },
    Builtin {
        name: "placeholder",
        arity: 1,
        func: placeholder,
    },
];

/// What a string's context says about one store path: used plainly, with all outputs,
/// and which outputs.
type PathContext = (bool, bool, Vec<Rc<str>>);

fn get_context(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let s = ev.force_string(&args[0])?;
    // path → (plain, all outputs, outputs)
    let mut info: std::collections::BTreeMap<Rc<str>, PathContext> =
        std::collections::BTreeMap::new();
    if let Some(ctx) = s.context() {
        for elem in ctx {
            match elem {
                ContextElem::Plain(p) => info.entry(p.clone()).or_default().0 = true,
                ContextElem::AllOutputs(d) => info.entry(d.clone()).or_default().1 = true,
                ContextElem::Output { drv, output } => {
                    info.entry(drv.clone()).or_default().2.push(output.clone());
                }
            }
        }
    }
    let mut entries = Vec::new();
    for (path, (plain, all, outputs)) in info {
        let mut fields = Vec::new();
        if plain {
            fields.push(("path", Value::Bool(true)));
        }
        if all {
            fields.push(("allOutputs", Value::Bool(true)));
        }
        if !outputs.is_empty() {
            fields.push((
                "outputs",
                Value::list(outputs.iter().map(|o| Value::string(&**o)).collect()),
            ));
        }
        let value = ev.make_attrs(fields);
        entries.push(Attr {
            name: ev.intern(&path),
            pos: Pos::NONE,
            value,
        });
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn has_context(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(Value::Bool(ev.force_string(&args[0])?.has_context()))
}

fn append_context(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let s = ev.force_string(&args[0])?;
    let spec = ev.force_attrs(&args[1])?;
    let mut ctx = s.context().cloned().unwrap_or_default();
    let store_prefix = format!("{}/", ev.store().store_dir());
    let path_sym = ev.intern("path");
    let all_sym = ev.intern("allOutputs");
    let outputs_sym = ev.intern("outputs");
    for attr in spec.iter() {
        let path: Rc<str> = ev.symbols.name_rc(attr.name);
        if !path.starts_with(&store_prefix) {
            return Err(EvalError::msg(format!(
                "context key '{path}' is not a store path"
            )));
        }
        let info = ev.force_attrs(&attr.value)?;
        if let Some(v) = info.get(path_sym)
            && ev.force_bool(&v.clone())?
        {
            ctx.insert(ContextElem::Plain(path.clone()));
        }
        if let Some(v) = info.get(all_sym)
            && ev.force_bool(&v.clone())?
        {
            if !path.ends_with(".drv") {
                return Err(EvalError::msg(format!(
                    "tried to add all-outputs context of {path}, which is not a derivation, to a string"
                )));
            }
            ctx.insert(ContextElem::AllOutputs(path.clone()));
        }
        if let Some(v) = info.get(outputs_sym) {
            let outs = ev.force_list(&v.clone())?;
            if !outs.is_empty() && !path.ends_with(".drv") {
                return Err(EvalError::msg(format!(
                    "tried to add derivation output context of {path}, which is not a derivation, to a string"
                )));
            }
            for o in outs.iter() {
                let o = ev.force_string(o)?;
                ctx.insert(ContextElem::Output {
                    drv: path.clone(),
                    output: Rc::from(&*o.to_str_lossy()),
                });
            }
        }
    }
    Ok(Value::String(NixString::with_context(s.as_bytes(), ctx)))
}

fn discard_context(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let s = ev.force_string(&args[0])?;
    Ok(Value::String(s.without_context()))
}

fn discard_output_dependency(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let s = ev.force_string(&args[0])?;
    let mut ctx = Context::new();
    if let Some(old) = s.context() {
        for elem in old {
            match elem {
                ContextElem::AllOutputs(d) => {
                    ctx.insert(ContextElem::Plain(d.clone()));
                }
                other => {
                    ctx.insert(other.clone());
                }
            }
        }
    }
    Ok(Value::String(NixString::with_context(s.as_bytes(), ctx)))
}

/// Nix's base-32 encoding (its own alphabet, least significant bits first).
pub(crate) fn nix_base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";
    if bytes.is_empty() {
        return String::new();
    }
    let len = (bytes.len() * 8 - 1) / 5 + 1;
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = u32::from(bytes[i]) >> j;
        let hi = if i + 1 < bytes.len() {
            u32::from(bytes[i + 1]) << (8 - j)
        } else {
            0
        };
        out.push(ALPHABET[((lo | hi) & 0x1f) as usize] as char);
    }
    out
}

/// The placeholder string a builder sees for an output (`builtins.placeholder`).
pub(crate) fn placeholder_for(output: &str) -> String {
    let hash = sha2::Sha256::digest(format!("nix-output:{output}").as_bytes());
    format!("/{}", nix_base32(&hash))
}

fn placeholder(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    Ok(Value::string(placeholder_for(&name.to_str_lossy())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_matches_nix() {
        assert_eq!(
            placeholder_for("out"),
            "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
        );
    }
}
