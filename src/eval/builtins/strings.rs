//! Builtins of the `strings` family: regular expressions (`match`, `split`),
//! `replaceStrings`, `substring`, `stringLength`, `concatStringsSep` and the version
//! helpers (`splitVersion`, `compareVersions`, `parseDrvName`).
//!
//! Nix strings are byte strings and these builtins count and cut bytes: a `substring` in
//! the middle of `é` gives one byte of it, `.` in a regex matches one byte. Context
//! follows Nix: `replaceStrings` keeps the subject's context plus the
//! context of each replacement actually used, `substring` keeps the whole context,
//! `concatStringsSep` unites the separator's and every element's, and the results of
//! `match`/`split` carry none.

use std::rc::Rc;

use super::super::error::EvalError;
use super::super::machine::Evaluator;
use super::super::ops::Coercion;
use super::super::regex::{Captures, Regex, RegexError};
use super::super::source::Pos;
use super::super::symbol::Symbol;
use super::super::value::{Attr, Attrs, Context, NixString, Value};
use super::super::versions;
use super::Builtin;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "match",
        arity: 2,
        func: match_,
    },
    Builtin {
        name: "split",
        arity: 2,
        func: split,
    },
    Builtin {
        name: "replaceStrings",
        arity: 3,
        func: replace_strings,
    },
    Builtin {
        name: "substring",
        arity: 3,
        func: substring,
    },
    Builtin {
        name: "stringLength",
        arity: 1,
        func: string_length,
    },
    Builtin {
        name: "concatStringsSep",
        arity: 2,
        func: concat_strings_sep,
    },
    Builtin {
        name: "splitVersion",
        arity: 1,
        func: split_version,
    },
    Builtin {
        name: "compareVersions",
        arity: 2,
        func: compare_versions,
    },
    Builtin {
        name: "parseDrvName",
        arity: 1,
        func: parse_drv_name,
    },
];

/// Forces a string that must not refer to the store (Nix's `forceStringNoCtx`).
pub(crate) fn force_bytes_no_context(
    ev: &mut Evaluator,
    v: &Value,
) -> Result<NixString, EvalError> {
    let s = ev.force_string(v)?;
    if let Some(first) = s.context().and_then(|c| c.iter().next()) {
        return Err(EvalError::msg(format!(
            "the string '{s}' is not allowed to refer to a store path (such as '{}')",
            first.encode()
        )));
    }
    Ok(s)
}

/// [`force_bytes_no_context`] for names (hash algorithms, formats): bytes that are not
/// UTF-8 become U+FFFD.
pub(crate) fn force_string_no_context(ev: &mut Evaluator, v: &Value) -> Result<String, EvalError> {
    Ok(force_bytes_no_context(ev, v)?.to_str_lossy().into_owned())
}

fn byte_slice(bytes: &[u8], span: std::ops::Range<usize>) -> Value {
    Value::string(&bytes[span])
}

fn compile(ev: &mut Evaluator, pattern: &NixString) -> Result<Rc<Regex>, EvalError> {
    ev.regex_cache.get(pattern.as_bytes()).map_err(|e| {
        EvalError::msg(match e {
            RegexError::TooLarge => {
                format!("memory limit exceeded by regular expression '{pattern}'")
            }
            RegexError::Invalid(_) => format!("invalid regular expression '{pattern}'"),
        })
    })
}

/// The list of a match's groups: strings, or null for groups that took no part.
fn groups_list(subject: &[u8], captures: &Captures) -> Value {
    let items = captures
        .iter()
        .skip(1)
        .map(|group| match group {
            Some(span) => byte_slice(subject, span.clone()),
            None => Value::Null,
        })
        .collect();
    Value::list(items)
}

/// `match REGEX STRING`: the groups if the regex matches the whole string, else null.
fn match_(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let pattern = force_bytes_no_context(ev, &args[0])?;
    let regex = compile(ev, &pattern)?;
    let subject = ev.force_string(&args[1])?;
    let bytes = subject.as_bytes();
    Ok(match regex.full_match(bytes) {
        Some(captures) => groups_list(bytes, &captures),
        None => Value::Null,
    })
}

/// `split REGEX STRING`: the text between successive matches, alternating with the
/// lists of each match's groups.
fn split(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let pattern = force_bytes_no_context(ev, &args[0])?;
    let regex = compile(ev, &pattern)?;
    let subject = ev.force_string(&args[1])?;
    let bytes = subject.as_bytes();
    let matches = regex.find_all(bytes);
    if matches.is_empty() {
        // Nix 2.8 answers with the subject's text, without its context.
        return Ok(Value::list(vec![Value::string(subject.as_bytes())]));
    }
    let mut items = Vec::with_capacity(matches.len() * 2 + 1);
    let mut previous_end = 0;
    for captures in &matches {
        let whole = captures[0].clone().unwrap_or(previous_end..previous_end);
        items.push(byte_slice(bytes, previous_end..whole.start));
        items.push(groups_list(bytes, captures));
        previous_end = whole.end;
    }
    items.push(byte_slice(bytes, previous_end..bytes.len()));
    Ok(Value::list(items))
}

/// `replaceStrings FROM TO STRING`: one left-to-right pass; at each position the first
/// `from` that matches wins, and an empty `from` matches between every two bytes.
fn replace_strings(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let from_list = ev.force_list(&args[0])?;
    let to_list = ev.force_list(&args[1])?;
    if from_list.len() != to_list.len() {
        return Err(EvalError::msg(
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
        ));
    }
    let mut from = Vec::with_capacity(from_list.len());
    for item in from_list.iter() {
        from.push(ev.force_string(item)?.as_bytes().to_vec());
    }
    // Replacements are forced only when used, as current Nix does.
    let mut to: Vec<Option<NixString>> = vec![None; to_list.len()];
    let subject = ev.force_string(&args[2])?;
    let mut context = Context::new();
    subject.merge_context_into(&mut context);
    let s = subject.as_bytes();
    let mut out = Vec::with_capacity(s.len());
    let mut p = 0;
    while p <= s.len() {
        let found = from.iter().position(|f| s[p..].starts_with(f));
        match found {
            Some(i) => {
                if to[i].is_none() {
                    to[i] = Some(ev.force_string(&to_list[i])?);
                }
                if let Some(replacement) = &to[i] {
                    out.extend_from_slice(replacement.as_bytes());
                    replacement.merge_context_into(&mut context);
                }
                if from[i].is_empty() {
                    if let Some(&b) = s.get(p) {
                        out.push(b);
                    }
                    p += 1;
                } else {
                    p += from[i].len();
                }
            }
            None => {
                if let Some(&b) = s.get(p) {
                    out.push(b);
                }
                p += 1;
            }
        }
    }
    Ok(Value::String(NixString::with_context(out, context)))
}

/// `substring START LEN STRING`: bytes from `START`, at most `LEN` of them (all the
/// rest when `LEN` is negative); the context is kept.
fn substring(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let start = ev.force_int(&args[0])?;
    if start < 0 {
        return Err(EvalError::msg("negative start position in 'substring'"));
    }
    let len = ev.force_int(&args[1])?;
    let s = ev.coerce_to_string(&args[2], Coercion::INTERPOLATE)?;
    let bytes = s.as_bytes();
    let begin = usize::try_from(start)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let end = match usize::try_from(len) {
        Ok(len) => begin.saturating_add(len).min(bytes.len()),
        Err(_) => bytes.len(),
    };
    if begin == 0 && end == bytes.len() {
        return Ok(Value::String(s));
    }
    let context = s.context().cloned().unwrap_or_default();
    Ok(Value::String(NixString::with_context(
        &bytes[begin..end],
        context,
    )))
}

/// `stringLength STRING`: the length in bytes.
fn string_length(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let s = ev.coerce_to_string(&args[0], Coercion::INTERPOLATE)?;
    let len =
        i64::try_from(s.len()).map_err(|_| EvalError::msg("string too long for 'stringLength'"))?;
    Ok(Value::Int(len))
}

/// `concatStringsSep SEP LIST`: the elements coerced to strings, joined by `SEP`.
fn concat_strings_sep(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let sep = ev.force_string(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let mut context = Context::new();
    sep.merge_context_into(&mut context);
    let mut out = Vec::new();
    for (n, item) in list.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(sep.as_bytes());
        }
        let s = ev.coerce_to_string(item, Coercion::INTERPOLATE)?;
        out.extend_from_slice(s.as_bytes());
        s.merge_context_into(&mut context);
    }
    Ok(Value::String(NixString::with_context(out, context)))
}

/// `splitVersion STRING`: the version's components.
fn split_version(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let version = force_bytes_no_context(ev, &args[0])?;
    let items = versions::split_version(version.as_bytes())
        .into_iter()
        .map(Value::string)
        .collect();
    Ok(Value::list(items))
}

/// `compareVersions A B`: -1, 0 or 1.
fn compare_versions(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let a = force_bytes_no_context(ev, &args[0])?;
    let b = force_bytes_no_context(ev, &args[1])?;
    Ok(Value::Int(
        match versions::compare_versions(a.as_bytes(), b.as_bytes()) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        },
    ))
}

/// `parseDrvName STRING`: `{ name; version; }`.
fn parse_drv_name(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let full = force_bytes_no_context(ev, &args[0])?;
    let parsed = versions::parse_drv_name(full.as_bytes());
    let name = parsed.name.to_vec();
    let version = parsed.version.to_vec();
    let entry = |sym: Symbol, text: Vec<u8>| Attr {
        name: sym,
        pos: Pos::NONE,
        value: Value::string(text),
    };
    let name_sym = ev.intern("name");
    let version_sym = ev.intern("version");
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        entry(name_sym, name),
        entry(version_sym, version),
    ])))
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::super::super::{EvalOptions, Evaluator, NoStore, Origin, RealFs};

    /// Evaluates `expr` strictly and prints the value as `nix-instantiate --eval` does.
    fn eval(expr: &str) -> Result<Vec<u8>, String> {
        let mut ev = Evaluator::new(
            Rc::new(RealFs),
            Rc::new(NoStore::new("/nix/store")),
            EvalOptions::default(),
        );
        let dir = std::path::Path::new("/");
        ev.eval_source(Origin::String, expr, dir)
            .and_then(|v| ev.print_value(&v, true))
            .map_err(|e| e.to_string())
    }

    // Behaviour of current Nix that Nix 2.8 (the fixture oracle) does not share.

    #[test]
    fn replace_strings_forces_only_the_replacements_it_uses() {
        assert_eq!(
            eval(r#"builtins.replaceStrings [ "a" "b" ] [ (throw "unused") "B" ] "bcd""#),
            Ok(br#""Bcd""#.to_vec())
        );
        assert_eq!(
            eval(r#"builtins.replaceStrings [ "a" ] [ (throw "used") ] "abc""#),
            Err("used".to_owned())
        );
    }

    #[test]
    fn regex_errors_name_the_pattern() {
        assert_eq!(
            eval(r#"builtins.match "a{1000}{1000}" """#),
            Err("memory limit exceeded by regular expression 'a{1000}{1000}'".to_owned())
        );
        assert_eq!(
            eval(r#"builtins.split "[[:nope:]]" "x""#),
            Err("invalid regular expression '[[:nope:]]'".to_owned())
        );
    }

    #[test]
    fn cut_multibyte_characters_stay_single_bytes() {
        assert_eq!(
            eval(r#"builtins.substring 1 1 "é""#),
            Ok(b"\"\xa9\"".to_vec())
        );
        assert_eq!(
            eval(r#"builtins.match "(.)(.)" "é""#),
            Ok(b"[ \"\xc3\" \"\xa9\" ]".to_vec())
        );
        assert_eq!(
            eval(r#"with builtins; stringLength (substring 0 1 "é" + substring 1 1 "é")"#),
            Ok(b"2".to_vec())
        );
    }

    #[test]
    fn substring_takes_64_bit_lengths() {
        assert_eq!(
            eval(r#"builtins.substring 1 4294967296 "hello""#),
            Ok(br#""ello""#.to_vec())
        );
    }
}
