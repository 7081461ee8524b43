//! Builtins of the `serde` family — `fromJSON`, `toJSON`, `fromTOML`, `toXML` — and the
//! printers behind `nix-instantiate --eval --json` / `--xml` ([`to_json`], [`to_xml`]).
//!
//! Output follows Nix byte for byte:
//! - JSON: object keys sorted bytewise; a set with `__toString` is that string, a set with
//!   `outPath` is its `outPath`; a path is copied to the store (through the store glue)
//!   and becomes its store path; strings escape `"`, `\`, `\b \f \n \r \t` and other
//!   control characters as `\u001f`; floats print as current Nix prints them (shortest
//!   round trip, `1.0`, `1e+20`, non-finite as `null`); no trailing newline.
//! - XML: Nix's `<expr>` document with two-space indentation; attributes of a tag in
//!   name order; derivations as `<derivation>` with `<repeated />` after the first
//!   occurrence of a `drvPath`; builtins and unforced values as `<unevaluated />`.
//! - JSON input: integers that fit 64 bits are ints (unsigned ones wrap, as in Nix),
//!   other numbers are floats; a repeated key keeps its last value.
//! - TOML input: tables, arrays of tables, dotted keys; dates and times are refused as
//!   in Nix 2.8.

use std::io::Write as _;

use super::super::source::restore_cow;

use super::super::error::EvalError;
use super::super::machine::Evaluator;
use super::super::ops::Coercion;
use super::super::source::Pos;
use super::super::value::{Attr, Attrs, Context, ContextElem, NixString, Value};
use super::Builtin;

mod json;
mod xml;

pub use xml::to_xml;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "toJSON",
        arity: 1,
        func: to_json_builtin,
    },
    Builtin {
        name: "fromJSON",
        arity: 1,
        func: from_json,
    },
    Builtin {
        name: "fromTOML",
        arity: 1,
        func: from_toml,
    },
    Builtin {
        name: "toXML",
        arity: 1,
        func: xml::to_xml_builtin,
    },
];

// ---------------------------------------------------------------------------------
// JSON output
// ---------------------------------------------------------------------------------

/// `value` as JSON, as `nix-instantiate --eval --json` prints it (no trailing newline).
/// Without `strict`, a value not computed yet is an error, as in Nix.
/// Bytes: strings are written as the bytes they hold, as Nix does.
pub fn to_json(ev: &mut Evaluator, value: &Value, strict: bool) -> Result<Vec<u8>, EvalError> {
    let mut out = Vec::new();
    let mut context = Context::new();
    write_json(ev, value, strict, &mut out, &mut context)?;
    Ok(out)
}

fn to_json_builtin(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let mut out = Vec::new();
    let mut context = Context::new();
    write_json(ev, &args[0], true, &mut out, &mut context)?;
    Ok(Value::String(NixString::with_context(out, context)))
}

/// The value itself if it is computed, forcing it only when `strict`.
pub(super) fn resolve(
    ev: &mut Evaluator,
    value: &Value,
    strict: bool,
) -> Result<Option<Value>, EvalError> {
    match value {
        Value::Thunk(thunk) => match thunk.value() {
            Some(v) => Ok(Some(v)),
            None if strict => ev.force(value).map(Some),
            None => Ok(None),
        },
        other => Ok(Some(other.clone())),
    }
}

/// The attributes of a set sorted by name, as Nix lists them in JSON and XML.
pub(super) fn sorted_by_name(ev: &Evaluator, attrs: &Attrs) -> Vec<(String, Attr)> {
    let mut named: Vec<(String, Attr)> = attrs
        .iter()
        .map(|a| (ev.symbols.name(a.name).to_owned(), a.clone()))
        .collect();
    named.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    named
}

fn write_json(
    ev: &mut Evaluator,
    value: &Value,
    strict: bool,
    out: &mut Vec<u8>,
    context: &mut Context,
) -> Result<(), EvalError> {
    let Some(value) = resolve(ev, value, strict)? else {
        return Err(EvalError::msg("cannot convert a thunk to JSON"));
    };
    match &value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.extend_from_slice(json_float(*f).as_bytes()),
        Value::String(s) => {
            s.merge_context_into(context);
            json_string(s.as_bytes(), out);
        }
        Value::Path(p) => {
            let store_path = ev.copy_path_to_store(p)?;
            context.insert(ContextElem::Plain(store_path.as_str().into()));
            json_string(store_path.as_bytes(), out);
        }
        Value::Attrs(attrs) => {
            let to_string = ev.intern("__toString");
            if attrs.get(to_string).is_some() {
                let s = ev.coerce_to_string(&value, Coercion::PLAIN)?;
                s.merge_context_into(context);
                json_string(s.as_bytes(), out);
                return Ok(());
            }
            let out_path = ev.intern("outPath");
            if let Some(inner) = attrs.get(out_path) {
                let inner = inner.clone();
                return ev.guard(|ev| write_json(ev, &inner, strict, out, context));
            }
            out.push(b'{');
            for (n, (name, attr)) in sorted_by_name(ev, attrs).into_iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                json_string(&restore_cow(&name), out);
                out.push(b':');
                ev.guard(|ev| write_json(ev, &attr.value, strict, out, context))
                    .map_err(|e| {
                        e.with_trace(attr.pos, format!("while evaluating attribute '{name}'"))
                    })?;
            }
            out.push(b'}');
        }
        Value::List(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                ev.guard(|ev| write_json(ev, item, strict, out, context))?;
            }
            out.push(b']');
        }
        Value::Lambda(closure) => {
            return Err(EvalError::msg("cannot convert a function to JSON").at(closure.def.pos));
        }
        Value::PrimOp(_) | Value::PrimOpApp(_) => {
            return Err(EvalError::msg(format!(
                "cannot convert {} to JSON",
                value.type_desc()
            )));
        }
        Value::Thunk(_) => return Err(EvalError::msg("cannot convert a thunk to JSON")),
    }
    Ok(())
}

/// A JSON string literal of `s`, escaped as Nix escapes it: only `"`, `\\` and control
/// characters; every other byte (UTF-8 or not) as it is.
pub(super) fn json_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b if b < 0x20 => {
                let _ = write!(out, "\\u{b:04x}");
            }
            b => out.push(b),
        }
    }
    out.push(b'"');
}

/// A float as Nix 2.8's JSON writer prints it: like its plain printer (C++'s `%g`),
/// so `1.0` is `1` and infinity is `inf`.
fn json_float(f: f64) -> String {
    super::super::print::format_float(f)
}

// ---------------------------------------------------------------------------------
// JSON input
// ---------------------------------------------------------------------------------

fn from_json(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let text = ev.force_string(&args[0])?;
    json::parse(text.as_bytes(), |key| ev.intern(key)).map_err(|e| EvalError::msg(e.to_string()))
}

// ---------------------------------------------------------------------------------
// TOML input
// ---------------------------------------------------------------------------------

fn from_toml(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let text = ev.force_string(&args[0])?;
    let table: toml::Table = text.to_str_lossy().parse().map_err(|e: toml::de::Error| {
        EvalError::msg(format!("while parsing a TOML string: {}", e.message()))
    })?;
    toml_to_value(ev, toml::Value::Table(table))
        .map_err(|e| EvalError::msg(format!("while parsing a TOML string: {e}")))
}

fn toml_to_value(ev: &mut Evaluator, toml: toml::Value) -> Result<Value, &'static str> {
    Ok(match toml {
        toml::Value::String(s) => Value::string(json::until_nul(s)),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(_) => return Err("Dates and times are not supported"),
        toml::Value::Array(items) => Value::list(
            items
                .into_iter()
                .map(|i| toml_to_value(ev, i))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => {
            let mut entries = Vec::with_capacity(table.len());
            for (key, item) in table {
                entries.push(Attr {
                    name: ev.intern(&key),
                    pos: Pos::NONE,
                    value: toml_to_value(ev, item)?,
                });
            }
            Value::attrs(Attrs::from_unsorted(entries))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_nix_json_does() {
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (1.5e10, "1.5e+10"),
            (1.0e-7, "1e-07"),
            (123456789.0, "1.23457e+08"),
            (1.0 / 3.0, "0.333333"),
            (1.0e300, "1e+300"),
            (f64::INFINITY, "inf"),
        ];
        for (f, expected) in cases {
            assert_eq!(json_float(f), expected, "{f:e}");
        }
    }

    #[test]
    fn strings_escape_control_characters() {
        let mut out = Vec::new();
        json_string("a\"\\\n\t\r\u{1}\u{1f}\u{8}\u{c}é/".as_bytes(), &mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            r#""a\"\\\n\t\r\u0001\u001f\u0008\u000cé/""#
        );
    }

    #[test]
    fn strings_keep_bytes_that_are_not_utf8() {
        let mut out = Vec::new();
        json_string(b"a\xff\xc3", &mut out);
        assert_eq!(out, b"\"a\xff\xc3\"");
    }

    fn eval(expr: &str) -> Result<String, String> {
        use super::super::super::{EvalOptions, NoStore, Origin, RealFs};
        let mut ev = Evaluator::new(
            std::rc::Rc::new(RealFs),
            std::rc::Rc::new(NoStore::new("/nix/store")),
            EvalOptions::default(),
        );
        ev.eval_source(Origin::String, expr, std::path::Path::new("/"))
            .and_then(|v| ev.print_value(&v, true))
            .map(|out| String::from_utf8_lossy(&out).into_owned())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn to_json_writes_floats_and_escapes_as_nix_2_8() {
        assert_eq!(
            eval(r#"builtins.toJSON [ 1.0 0.1 (builtins.fromJSON "\"\\b\\f\"") ]"#),
            Ok(r#""[1,0.1,\"\\u0008\\u000c\"]""#.to_owned())
        );
    }

    #[test]
    fn to_json_refuses_functions() {
        assert_eq!(
            eval("builtins.toJSON { f = x: x; }"),
            Err("cannot convert a function to JSON".to_owned())
        );
    }

    #[test]
    fn from_toml_refuses_dates() {
        assert_eq!(
            eval(r#"builtins.fromTOML "a = 1979-05-27""#),
            Err("while parsing a TOML string: Dates and times are not supported".to_owned())
        );
    }

    #[test]
    fn from_json_handles_deep_nesting() {
        let depth = 10_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let expr = format!(r#"builtins.length (builtins.fromJSON "{text}")"#);
        assert_eq!(eval(&expr), Ok("1".to_owned()));
    }
}
