//! Printing values exactly as `nix-instantiate --eval` does.
//!
//! Unevaluated values print as `<CODE>`, functions as `<LAMBDA>`, `<PRIMOP>` and
//! `<PRIMOP-APP>`; a non-empty set or list met a second time prints as `«repeated»`;
//! attributes are sorted by name; floats use C++'s default stream format (`%g`, six
//! significant digits).

use std::collections::HashSet;
use std::io::Write;
use std::rc::Rc;

use super::error::EvalError;
use super::machine::Evaluator;
use super::source::restore_cow;
use super::value::Value;

/// A byte string as a Nix string literal, appended to `out`: quoted, with `"`, `\`,
/// newlines, tabs and `${` escaped; every other byte as it is (Nix prints bytes that are
/// not UTF-8 raw).
pub fn escape_bytes(s: &[u8], out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'$' if s.get(i + 1) == Some(&b'{') => out.extend_from_slice(b"\\$"),
            b => out.push(b),
        }
    }
    out.push(b'"');
}

/// A string as a Nix string literal: quoted, with `"`, `\`, newlines, tabs and `${`
/// escaped.
pub fn escape_string(s: &str) -> String {
    let mut out = Vec::new();
    escape_bytes(s.as_bytes(), &mut out);
    // Escaping UTF-8 text only adds ASCII, so this never replaces anything.
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a float as C++'s `std::ostream << double` does by default (`%g`).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    const P: i32 = 6;
    let sci = format!("{:.*e}", (P - 1) as usize, f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..P).contains(&exp) {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (P - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{f:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Whether an attribute name prints without quotes.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    name != "if" && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
}

/// An attribute name as Nix prints it.
pub fn show_attr_name(name: &str) -> String {
    if is_plain_name(name) {
        name.to_string()
    } else {
        escape_string(name)
    }
}

impl Evaluator {
    /// Prints a value as `nix-instantiate --eval [--strict]` does (without the newline).
    /// With `strict`, everything is forced first, so errors come before any output.
    /// The result is bytes: strings print as the bytes they hold.
    pub fn print_value(&mut self, v: &Value, strict: bool) -> Result<Vec<u8>, EvalError> {
        let v = if strict {
            self.force_deep(v)?
        } else {
            self.force(v)?
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.print_into(&v, &mut out, &mut seen);
        Ok(out)
    }

    fn print_into(&self, v: &Value, out: &mut Vec<u8>, seen: &mut HashSet<usize>) {
        match v {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.extend_from_slice(format_float(*f).as_bytes()),
            Value::String(s) => escape_bytes(s.as_bytes(), out),
            Value::Path(p) => out.extend_from_slice(p.as_bytes()),
            Value::Attrs(a) => {
                if !a.is_empty() && !seen.insert(Rc::as_ptr(a) as usize) {
                    out.extend_from_slice("«repeated»".as_bytes());
                    return;
                }
                out.extend_from_slice(b"{ ");
                let mut names: Vec<_> = a
                    .iter()
                    .map(|attr| (self.symbols.name(attr.name), &attr.value))
                    .collect();
                names.sort_by(|x, y| x.0.cmp(y.0));
                for (name, value) in names {
                    if is_plain_name(name) {
                        out.extend_from_slice(name.as_bytes());
                    } else {
                        escape_bytes(&restore_cow(name), out);
                    }
                    out.extend_from_slice(b" = ");
                    self.print_into(value, out, seen);
                    out.extend_from_slice(b"; ");
                }
                out.push(b'}');
            }
            Value::List(l) => {
                if !l.is_empty() && !seen.insert(Rc::as_ptr(l) as usize) {
                    out.extend_from_slice("«repeated»".as_bytes());
                    return;
                }
                out.extend_from_slice(b"[ ");
                for item in l.iter() {
                    self.print_into(item, out, seen);
                    out.push(b' ');
                }
                out.push(b']');
            }
            Value::Lambda(_) => out.extend_from_slice(b"<LAMBDA>"),
            Value::PrimOp(_) => out.extend_from_slice(b"<PRIMOP>"),
            Value::PrimOpApp(_) => out.extend_from_slice(b"<PRIMOP-APP>"),
            Value::Thunk(t) => match t.value() {
                Some(v) => self.print_into(&v, out, seen),
                None => out.extend_from_slice(b"<CODE>"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_cpp_streams() {
        let cases = [
            (1.0e-5, "1e-05"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.000123456789, "0.000123457"),
            (1.0e100, "1e+100"),
            (100.0, "100"),
            (1.0e15, "1e+15"),
            (2.5, "2.5"),
            (0.0001, "0.0001"),
            (999999.5, "1e+06"),
            (0.1, "0.1"),
            (10.0 / 3.0, "3.33333"),
        ];
        for (f, s) in cases {
            assert_eq!(format_float(f), s, "{f}");
        }
    }

    #[test]
    fn attribute_names_are_quoted_like_nix_2_8() {
        assert_eq!(show_attr_name("a-b'"), "a-b'");
        assert_eq!(show_attr_name("if"), "\"if\"");
        assert_eq!(show_attr_name("with"), "with");
        assert_eq!(show_attr_name("1a"), "\"1a\"");
        assert_eq!(show_attr_name(""), "\"\"");
    }
}
