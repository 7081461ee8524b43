//! Printing values exactly as `nix-instantiate --eval` does.
//!
//! Unevaluated values print as `<CODE>`, functions as `<LAMBDA>`, `<PRIMOP>` and
//! `<PRIMOP-APP>`; a non-empty set or list met a second time prints as `«repeated»`;
//! attributes are sorted by name; floats use C++'s default stream format (`%g`, six
//! significant digits).

use std::collections::HashSet;
use std::fmt::Write;
use std::rc::Rc;

use super::error::EvalError;
use super::machine::Evaluator;
use super::value::Value;

/// A string as a Nix string literal: quoted, with `"`, `\`, newlines, tabs and `${`
/// escaped.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
    pub fn print_value(&mut self, v: &Value, strict: bool) -> Result<String, EvalError> {
        let v = if strict {
            self.force_deep(v)?
        } else {
            self.force(v)?
        };
        let mut out = String::new();
        let mut seen = HashSet::new();
        self.print_into(&v, &mut out, &mut seen);
        Ok(out)
    }

    fn print_into(&self, v: &Value, out: &mut String, seen: &mut HashSet<usize>) {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&format_float(*f)),
            Value::String(s) => out.push_str(&escape_string(s.as_str())),
            Value::Path(p) => out.push_str(p),
            Value::Attrs(a) => {
                if !a.is_empty() && !seen.insert(Rc::as_ptr(a) as usize) {
                    out.push_str("«repeated»");
                    return;
                }
                out.push_str("{ ");
                let mut names: Vec<_> = a
                    .iter()
                    .map(|attr| (self.symbols.name(attr.name), &attr.value))
                    .collect();
                names.sort_by(|x, y| x.0.cmp(y.0));
                for (name, value) in names {
                    out.push_str(&show_attr_name(name));
                    out.push_str(" = ");
                    self.print_into(value, out, seen);
                    out.push_str("; ");
                }
                out.push('}');
            }
            Value::List(l) => {
                if !l.is_empty() && !seen.insert(Rc::as_ptr(l) as usize) {
                    out.push_str("«repeated»");
                    return;
                }
                out.push_str("[ ");
                for item in l.iter() {
                    self.print_into(item, out, seen);
                    out.push(' ');
                }
                out.push(']');
            }
            Value::Lambda(_) => out.push_str("<LAMBDA>"),
            Value::PrimOp(_) => out.push_str("<PRIMOP>"),
            Value::PrimOpApp(_) => out.push_str("<PRIMOP-APP>"),
            Value::Thunk(t) => match t.value() {
                Some(v) => self.print_into(&v, out, seen),
                None => out.push_str("<CODE>"),
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
