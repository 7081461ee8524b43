//! Builtins about files and paths, and the ones that hand paths to the store glue
//! (`path`, `filterSource`, `toFile`, `storePath`, the fetchers; `fetchGit` has its
//! own module).

use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::rc::Rc;

use super::{Builtin, BuiltinResult};
use crate::eval::error::{ErrorKind, EvalError};
use crate::eval::glue::{AddPath, FetchRequest};
use crate::eval::io::FileType;
use crate::eval::machine::{Evaluator, SearchPathEntry};
use crate::eval::ops::{Coercion, canon_path};
use crate::eval::source::Pos;
use crate::eval::value::{Attr, Attrs, Context, ContextElem, NixString, StringBuilder, Value};

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "readFile",
        arity: 1,
        func: read_file,
    },
    Builtin {
        name: "readDir",
        arity: 1,
        func: read_dir,
    },
    Builtin {
        name: "pathExists",
        arity: 1,
        func: path_exists,
    },
    Builtin {
        name: "getEnv",
        arity: 1,
        func: get_env,
    },
    Builtin {
        name: "baseNameOf",
        arity: 1,
        func: base_name_of,
    },
    Builtin {
        name: "dirOf",
        arity: 1,
        func: dir_of,
    },
    Builtin {
        name: "toPath",
        arity: 1,
        func: to_path,
    },
    Builtin {
        name: "findFile",
        arity: 2,
        func: find_file,
    },
    Builtin {
        name: "path",
        arity: 1,
        func: path,
    },
    Builtin {
        name: "filterSource",
        arity: 2,
        func: filter_source,
    },
    Builtin {
        name: "toFile",
        arity: 2,
        func: to_file,
    },
    Builtin {
        name: "storePath",
        arity: 1,
        func: store_path,
    },
    Builtin {
        name: "fetchurl",
        arity: 1,
        func: fetchurl,
    },
    Builtin {
        name: "fetchTarball",
        arity: 1,
        func: fetch_tarball,
    },
    Builtin {
        name: "fetchGit",
        arity: 1,
        func: super::fetch_git::fetch_git,
    },
    Builtin {
        name: "fetchMercurial",
        arity: 1,
        func: fetch_mercurial,
    },
    Builtin {
        name: "fetchTree",
        arity: 1,
        func: fetch_tree,
    },
];

fn io_error(what: &str, path: &str, e: &std::io::Error) -> EvalError {
    EvalError::new(ErrorKind::Io(format!(
        "{what} '{path}': {}",
        crate::eval::io_reason(e)
    )))
}

fn read_file(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let path = ev.coerce_to_path(&args[0])?;
    let bytes = ev
        .io()
        .read_file(Path::new(&path))
        .map_err(|e| io_error("opening file", &path, &e))?;
    Ok(Value::string(bytes))
}

fn read_dir(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let path = ev.coerce_to_path(&args[0])?;
    let entries = ev
        .io()
        .read_dir(Path::new(&path))
        .map_err(|e| io_error("opening directory", &path, &e))?;
    let attrs = entries
        .into_iter()
        .map(|(name, ft)| Attr {
            name: ev.intern(&name),
            pos: Pos::NONE,
            value: Value::string(ft.as_str()),
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(attrs)))
}

fn path_exists(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let path = ev.coerce_to_path(&args[0])?;
    Ok(Value::Bool(ev.io().path_exists(Path::new(&path))))
}

fn get_env(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    let value = std::env::var_os(std::ffi::OsStr::from_bytes(name.as_bytes()))
        .map(|v| v.into_vec())
        .unwrap_or_default();
    Ok(Value::string(value))
}

/// Nix's `baseNameOf` on bytes: the part after the last `/`, ignoring one trailing `/`.
fn base_name_bytes(s: &[u8]) -> &[u8] {
    let s = s.strip_suffix(b"/").unwrap_or(s);
    match s.iter().rposition(|&b| b == b'/') {
        Some(i) => &s[i + 1..],
        None => s,
    }
}

/// Nix's `dirOf` on bytes.
fn dir_name_bytes(s: &[u8]) -> &[u8] {
    match s.iter().rposition(|&b| b == b'/') {
        None => b".",
        Some(0) => b"/",
        Some(i) => &s[..i],
    }
}

/// [`base_name_bytes`] on text (cutting at `/` keeps it UTF-8).
fn base_name(s: &str) -> String {
    String::from_utf8_lossy(base_name_bytes(s.as_bytes())).into_owned()
}

/// [`dir_name_bytes`] on text.
fn dir_name(s: &str) -> String {
    String::from_utf8_lossy(dir_name_bytes(s.as_bytes())).into_owned()
}

fn base_name_of(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let s = ev.coerce_to_string(&args[0], Coercion::PLAIN)?;
    let mut ctx = Context::new();
    s.merge_context_into(&mut ctx);
    Ok(Value::String(NixString::with_context(
        base_name_bytes(s.as_bytes()),
        ctx,
    )))
}

fn dir_of(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let v = ev.force(&args[0])?;
    if let Value::Path(p) = &v {
        return Ok(Value::Path(Rc::new(dir_name(p))));
    }
    let s = ev.coerce_to_string(&v, Coercion::PLAIN)?;
    let mut ctx = Context::new();
    s.merge_context_into(&mut ctx);
    Ok(Value::String(NixString::with_context(
        dir_name_bytes(s.as_bytes()),
        ctx,
    )))
}

fn to_path(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let p = ev.coerce_to_path(&args[0])?;
    Ok(Value::string(canon_path(&p)))
}

fn find_file(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let list = ev.force_list(&args[0])?;
    let name = ev.force_string(&args[1])?;
    let (prefix_sym, path_sym) = (ev.syms.prefix, ev.syms.path);
    let mut entries = Vec::new();
    for item in list.iter() {
        let a = ev.force_attrs(item)?;
        let prefix = match a.get(prefix_sym) {
            Some(p) => ev.force_string(&p.clone())?.to_str_lossy().into_owned(),
            None => String::new(),
        };
        let Some(path) = a.get(path_sym) else {
            return Err(EvalError::msg("attribute 'path' missing"));
        };
        let path = ev.coerce_to_string(&path.clone(), Coercion::PLAIN)?;
        entries.push(SearchPathEntry {
            prefix,
            path: path.to_str_lossy().into_owned(),
        });
    }
    let saved = std::mem::replace(&mut ev.options.search_path, entries);
    let result = ev.find_search_path(&name.to_str_lossy());
    ev.options.search_path = saved;
    result
}

fn store_string(path: String) -> Value {
    let mut sb = StringBuilder::new();
    sb.push_str(&path);
    sb.add_context(ContextElem::Plain(Rc::from(path.as_str())));
    Value::String(sb.finish())
}

/// Adds `path` to the store, asking the Nix `filter` (if any) about every file.
fn add_filtered(
    ev: &mut Evaluator,
    path: &str,
    name: &str,
    filter: Option<Value>,
    recursive: bool,
    sha256: Option<&str>,
    pos: Pos,
) -> Result<String, EvalError> {
    let store = ev.store();
    let req = AddPath {
        path: Path::new(path),
        name,
        recursive,
        sha256,
    };
    match filter {
        None => store.add_path(req, None),
        Some(f) => {
            let mut ask = |p: &Path, ft: FileType| -> Result<bool, EvalError> {
                let args = [
                    Value::string(p.to_string_lossy().into_owned()),
                    Value::string(ft.as_str()),
                ];
                let r = ev.call_many(&f, &args, pos)?;
                ev.force_bool(&r)
            };
            store.add_path(req, Some(&mut ask))
        }
    }
}

fn path(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let a = ev.force_attrs(&args[0])?;
    let get = |ev: &mut Evaluator, name: &str| {
        let sym = ev.intern(name);
        a.get(sym).cloned()
    };
    let Some(p) = get(ev, "path") else {
        return Err(EvalError::msg("attribute 'path' missing"));
    };
    let p = ev.coerce_to_path(&p)?;
    let name = match get(ev, "name") {
        Some(n) => ev.force_string(&n)?.to_str_lossy().into_owned(),
        None => base_name(&p),
    };
    let recursive = match get(ev, "recursive") {
        Some(r) => ev.force_bool(&r)?,
        None => true,
    };
    let sha256 = match get(ev, "sha256") {
        Some(h) => Some(ev.force_string(&h)?.to_str_lossy().into_owned()),
        None => None,
    };
    let filter = match get(ev, "filter") {
        Some(f) => Some(ev.force_function(&f)?),
        None => None,
    };
    let out = add_filtered(ev, &p, &name, filter, recursive, sha256.as_deref(), pos)?;
    Ok(store_string(out))
}

fn filter_source(ev: &mut Evaluator, args: &[Value], pos: Pos) -> BuiltinResult {
    let f = ev.force_function(&args[0])?;
    let p = ev.coerce_to_path(&args[1])?;
    let name = base_name(&p);
    let out = add_filtered(ev, &p, &name, Some(f), true, None, pos)?;
    Ok(store_string(out))
}

fn to_file(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let name = ev.force_string(&args[0])?;
    let text = ev.force_string(&args[1])?;
    let ctx = text.context().cloned().unwrap_or_default();
    let out = ev
        .store()
        .to_file(&name.to_str_lossy(), text.as_bytes(), &ctx)?;
    Ok(store_string(out))
}

fn store_path(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let p = ev.coerce_to_path(&args[0])?;
    let out = ev.store().store_path(&canon_path(&p))?;
    Ok(store_string(out))
}

/// Reads `url`, `name` and `sha256` from a fetcher argument (a URL string or a set).
fn fetch_args(
    ev: &mut Evaluator,
    v: &Value,
) -> Result<(String, Option<String>, Option<String>), EvalError> {
    let v = ev.force(v)?;
    match &v {
        Value::Attrs(a) => {
            let mut get = |name: &str| -> Result<Option<String>, EvalError> {
                let sym = ev.intern(name);
                match a.get(sym) {
                    Some(x) => Ok(Some(
                        ev.coerce_to_string(&x.clone(), Coercion::PLAIN)?
                            .to_str_lossy()
                            .into_owned(),
                    )),
                    None => Ok(None),
                }
            };
            let url = get("url")?.ok_or_else(|| EvalError::msg("attribute 'url' missing"))?;
            let name = get("name")?;
            let sha256 = get("sha256")?;
            Ok((url, name, sha256))
        }
        _ => {
            let url = ev.coerce_to_string(&v, Coercion::PLAIN)?;
            Ok((url.to_str_lossy().into_owned(), None, None))
        }
    }
}

fn fetch(ev: &mut Evaluator, fetcher: &str, arg: &Value) -> Result<String, EvalError> {
    let (url, name, sha256) = fetch_args(ev, arg)?;
    ev.store().fetch(FetchRequest {
        fetcher,
        url: &url,
        name: name.as_deref(),
        sha256: sha256.as_deref(),
    })
}

fn fetchurl(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(store_string(fetch(ev, "fetchurl", &args[0])?))
}

fn fetch_tarball(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    Ok(store_string(fetch(ev, "fetchTarball", &args[0])?))
}

fn tree_result(ev: &mut Evaluator, out: String) -> Value {
    let out_path = store_string(out);
    ev.make_attrs(vec![("outPath", out_path)])
}

fn fetch_mercurial(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let out = fetch(ev, "fetchMercurial", &args[0])?;
    Ok(tree_result(ev, out))
}

fn fetch_tree(ev: &mut Evaluator, args: &[Value], _: Pos) -> BuiltinResult {
    let out = fetch(ev, "fetchTree", &args[0])?;
    Ok(tree_result(ev, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_dir_names_follow_nix() {
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(base_name("x"), "x");
        assert_eq!(dir_name("/a/b/"), "/a/b");
        assert_eq!(dir_name("a"), ".");
        assert_eq!(dir_name("/"), "/");
        assert_eq!(dir_name("/a"), "/");
    }
}
