//! `builtins.fetchGit`: the argument read as Nix's `fetchTree` reads it (a URL, or a set
//! whose attributes are strings, paths, Booleans or integers), the tree fetched through
//! the store glue, and the attributes Nix returns built from the glue's answer.
//!
//! ```text
//! "url" | { url; rev?; ref?; submodules?; shallow?; allRefs?; name?; … }
//!   ─► GitRequest ─glue─► GitTree ─► { outPath; rev; shortRev; revCount; lastModified;
//!                                      lastModifiedDate; narHash; submodules; }
//! ```

use std::collections::BTreeMap;

use super::BuiltinResult;
use crate::eval::error::EvalError;
use crate::eval::glue::{GitRequest, GitTree};
use crate::eval::machine::Evaluator;
use crate::eval::ops::Coercion;
use crate::eval::source::Pos;
use crate::eval::value::{ContextElem, StringBuilder, Value};

/// The attributes a Git input may have.
const KNOWN: &[&str] = &[
    "url",
    "ref",
    "rev",
    "shallow",
    "submodules",
    "lastModified",
    "revCount",
    "narHash",
    "allRefs",
    "name",
];

/// An input attribute's value.
enum Attr {
    Str(String),
    Bool(bool),
    Int(u64),
}

pub(super) fn fetch_git(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let req = request(ev, &args[0])?;
    let tree = ev.store().fetch_git(&req)?;
    Ok(result(ev, &req, tree))
}

fn request(ev: &mut Evaluator, arg: &Value) -> Result<GitRequest, EvalError> {
    let arg = ev.force(arg)?;
    let mut attrs: BTreeMap<String, Attr> = BTreeMap::new();
    match &arg {
        Value::Attrs(set) => {
            for attr in set.iter() {
                let name = ev.symbols.name(attr.name).to_owned();
                if name == "type" {
                    return Err(EvalError::msg("unexpected attribute 'type'"));
                }
                let value = ev.force(&attr.value)?;
                let value = match &value {
                    Value::String(_) | Value::Path(_) => {
                        let s = ev.coerce_to_string(&value, Coercion::PLAIN)?;
                        let s = s.to_str_lossy().into_owned();
                        Attr::Str(if name == "url" { fix_url(&s) } else { s })
                    }
                    Value::Bool(b) => Attr::Bool(*b),
                    // Nix keeps the integer's bits as an unsigned number.
                    Value::Int(i) => Attr::Int(u64::from_ne_bytes(i.to_ne_bytes())),
                    other => {
                        return Err(EvalError::msg(format!(
                            "fetchTree argument '{name}' is {} while a string, Boolean or integer is expected",
                            other.type_desc()
                        )));
                    }
                };
                attrs.insert(name, value);
            }
        }
        _ => {
            let url = ev.coerce_to_string(&arg, Coercion::PLAIN)?;
            attrs.insert("url".into(), Attr::Str(fix_url(&url.to_str_lossy())));
        }
    }
    if let Some(unknown) = attrs.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(EvalError::msg(format!(
            "unsupported Git input attribute '{unknown}'"
        )));
    }
    Ok(GitRequest {
        url: string(&attrs, "url")?
            .ok_or_else(|| EvalError::msg("input attribute 'url' is missing"))?,
        name: string(&attrs, "name")?.unwrap_or_else(|| "source".into()),
        rev: string(&attrs, "rev")?,
        git_ref: string(&attrs, "ref")?,
        submodules: boolean(&attrs, "submodules")?,
        shallow: boolean(&attrs, "shallow")?,
        all_refs: boolean(&attrs, "allRefs")?,
        nar_hash: string(&attrs, "narHash")?,
        last_modified: integer(&attrs, "lastModified")?,
        rev_count: integer(&attrs, "revCount")?,
    })
}

/// Nix's `fixURIForGit`: `user@host:path` means SSH, a URL without a scheme is a file.
fn fix_url(url: &str) -> String {
    // `([^/]*)@(.*):(.*)`, matched greedily.
    let before_slash = url.find('/').unwrap_or(url.len());
    if !url.starts_with('/')
        && let Some(at) = url[..before_slash].rfind('@')
        && let Some((host, path)) = url[at + 1..].rsplit_once(':')
    {
        return format!("ssh://{}@{host}/{path}", &url[..at]);
    }
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("file://{url}")
    }
}

fn string(attrs: &BTreeMap<String, Attr>, name: &str) -> Result<Option<String>, EvalError> {
    match attrs.get(name) {
        None => Ok(None),
        Some(Attr::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(EvalError::msg(format!(
            "input attribute '{name}' is not a string {}",
            to_json(attrs)
        ))),
    }
}

fn boolean(attrs: &BTreeMap<String, Attr>, name: &str) -> Result<bool, EvalError> {
    match attrs.get(name) {
        None => Ok(false),
        Some(Attr::Bool(b)) => Ok(*b),
        Some(_) => Err(EvalError::msg(format!(
            "input attribute '{name}' is not a Boolean"
        ))),
    }
}

fn integer(attrs: &BTreeMap<String, Attr>, name: &str) -> Result<Option<u64>, EvalError> {
    match attrs.get(name) {
        None => Ok(None),
        Some(Attr::Int(i)) => Ok(Some(*i)),
        Some(_) => Err(EvalError::msg(format!(
            "input attribute '{name}' is not an integer"
        ))),
    }
}

/// A JSON string literal of a text.
fn json_text(s: &str) -> String {
    let mut out = Vec::new();
    super::serde::json_string(s.as_bytes(), &mut out);
    // Escaping UTF-8 text only adds ASCII, so this never replaces anything.
    String::from_utf8_lossy(&out).into_owned()
}

/// The input's attributes as JSON (with its type), as Nix shows them in errors.
fn to_json(attrs: &BTreeMap<String, Attr>) -> String {
    let mut all: Vec<(&str, String)> = attrs
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Attr::Str(s) => json_text(s),
                Attr::Bool(b) => b.to_string(),
                Attr::Int(i) => i.to_string(),
            };
            (k.as_str(), value)
        })
        .collect();
    all.push(("type", "\"git\"".into()));
    all.sort();
    let fields: Vec<String> = all
        .into_iter()
        .map(|(k, v)| format!("{}:{v}", json_text(k)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// The set Nix returns; a dirty tree has the all-zero revision and a count of 0.
fn result(ev: &mut Evaluator, req: &GitRequest, tree: GitTree) -> Value {
    let mut out = StringBuilder::new();
    out.push_str(&tree.out_path);
    out.add_context(ContextElem::Plain(std::rc::Rc::from(
        tree.out_path.as_str(),
    )));
    let rev = tree.rev.unwrap_or_else(|| "0".repeat(40));
    let short_rev = rev.get(..7).unwrap_or(&rev).to_owned();
    let last_modified = i64::try_from(tree.last_modified).unwrap_or(i64::MAX);
    ev.make_attrs(vec![
        ("outPath", Value::String(out.finish())),
        ("narHash", Value::string(tree.nar_hash)),
        ("submodules", Value::Bool(req.submodules)),
        ("shortRev", Value::string(short_rev)),
        ("rev", Value::string(rev)),
        (
            "revCount",
            Value::Int(
                tree.rev_count
                    .map_or(0, |c| i64::try_from(c).unwrap_or(i64::MAX)),
            ),
        ),
        ("lastModified", Value::Int(last_modified)),
        ("lastModifiedDate", Value::string(date(last_modified))),
    ])
}

/// `%Y%m%d%H%M%S` in UTC.
fn date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y%m%d%H%M%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_the_scheme_nix_gives_them() {
        assert_eq!(fix_url("/tmp/repo"), "file:///tmp/repo");
        assert_eq!(fix_url("file:///tmp/repo"), "file:///tmp/repo");
        assert_eq!(
            fix_url("git@example.org:owner/repo"),
            "ssh://git@example.org/owner/repo"
        );
        assert_eq!(fix_url("/a@b:c"), "file:///a@b:c");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(date(1_609_556_645), "20210102030405");
        assert_eq!(date(0), "19700101000000");
    }
}
