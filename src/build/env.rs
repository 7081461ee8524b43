//! A builder's environment, as Nix 2.8 sets it up: nothing of denv's own environment,
//! only the derivation's variables (minus `passAsFile` ones, which become files named
//! `.attr-<hash>` in the build directory and `<name>Path` variables) and Nix's standard
//! variables. With `__structuredAttrs` the attributes arrive as `.attrs.json` and
//! `.attrs.sh` instead.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::{BuildError, io_at};
use crate::store::{Derivation, Hash, HashAlgo, HashFormat, StoreDir};

/// The variables Nix always sets.
pub(super) fn standard(dir: &StoreDir, build_top: &str, cores: usize) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".into(), "/path-not-set".into());
    env.insert("HOME".into(), "/homeless-shelter".into());
    env.insert("NIX_STORE".into(), dir.as_str().into());
    env.insert("NIX_BUILD_CORES".into(), cores.to_string());
    env.insert("NIX_LOG_FD".into(), "2".into());
    env.insert("TERM".into(), "xterm-256color".into());
    for var in ["NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"] {
        env.insert(var.into(), build_top.into());
    }
    env
}

/// The full environment of `drv`'s builder. Files it needs are written to `tmp_dir`
/// (the build directory as seen from outside); `build_top` is the same directory as the
/// builder sees it.
pub(super) fn builder_env(
    dir: &StoreDir,
    drv: &Derivation,
    tmp_dir: &Path,
    build_top: &str,
    cores: usize,
) -> Result<BTreeMap<String, String>, BuildError> {
    let mut env = BTreeMap::new();
    match drv.env.get("__json") {
        Some(json) => write_structured(drv, json, tmp_dir)?,
        None => {
            let pass_as_file: Vec<&str> = drv
                .env
                .get("passAsFile")
                .map(|s| s.split_whitespace().collect())
                .unwrap_or_default();
            for (name, value) in &drv.env {
                if pass_as_file.contains(&name.as_str()) {
                    let hash = Hash::digest(HashAlgo::Sha256, name.as_bytes());
                    let file = format!(".attr-{}", hash.encode(HashFormat::Nix32));
                    let on_disk = tmp_dir.join(&file);
                    fs::write(&on_disk, value).map_err(io_at(&on_disk))?;
                    env.insert(format!("{name}Path"), format!("{build_top}/{file}"));
                } else {
                    env.insert(name.clone(), value.clone());
                }
            }
        }
    }
    env.extend(standard(dir, build_top, cores));
    Ok(env)
}

/// `.attrs.json` (the attributes with `outputs` mapped to their paths) and `.attrs.sh`
/// (the same as bash declarations).
fn write_structured(drv: &Derivation, json: &str, tmp_dir: &Path) -> Result<(), BuildError> {
    let bad = |e: serde_json::Error| BuildError::Io {
        path: tmp_dir.join(".attrs.json"),
        source: std::io::Error::other(e),
    };
    let mut attrs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).map_err(bad)?;
    let outputs: serde_json::Map<String, serde_json::Value> = drv
        .env
        .iter()
        .filter(|(k, _)| drv.outputs.contains_key(*k))
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    attrs.insert("outputs".into(), serde_json::Value::Object(outputs));
    let file = tmp_dir.join(".attrs.json");
    let text = serde_json::to_string(&attrs).map_err(bad)?;
    fs::write(&file, text).map_err(io_at(&file))?;
    let mut sh = String::new();
    for (k, v) in &attrs {
        if !is_shell_name(k) {
            continue;
        }
        match v {
            serde_json::Value::Object(map) => {
                let items: Option<Vec<String>> = map
                    .iter()
                    .map(|(ik, iv)| scalar(iv).map(|s| format!("[{}]={}", quote(ik), s)))
                    .collect();
                if let Some(items) = items {
                    sh.push_str(&format!("declare -A {k}=({} )\n", space_prefixed(&items)));
                }
            }
            serde_json::Value::Array(list) => {
                let items: Option<Vec<String>> = list.iter().map(scalar).collect();
                if let Some(items) = items {
                    sh.push_str(&format!("declare -a {k}=({} )\n", space_prefixed(&items)));
                }
            }
            other => {
                if let Some(s) = scalar(other) {
                    sh.push_str(&format!("declare {k}={s}\n"));
                }
            }
        }
    }
    let file = tmp_dir.join(".attrs.sh");
    fs::write(&file, sh).map_err(io_at(&file))?;
    Ok(())
}

fn space_prefixed(items: &[String]) -> String {
    items.iter().map(|i| format!(" {i}")).collect()
}

fn is_shell_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A JSON scalar as a bash word; `None` for values bash cannot hold.
fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(quote(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(true) => Some("1".into()),
        serde_json::Value::Bool(false) | serde_json::Value::Null => Some("''".into()),
        _ => None,
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
