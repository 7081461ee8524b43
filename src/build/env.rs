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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::store::DerivationOutput;

    fn drv(env: &[(&str, &str)]) -> Derivation {
        let mut outputs = BTreeMap::new();
        outputs.insert(
            "out".to_owned(),
            DerivationOutput {
                path: None,
                fixed: None,
            },
        );
        Derivation {
            name: "t".into(),
            outputs,
            input_drvs: BTreeMap::new(),
            input_srcs: BTreeSet::new(),
            platform: "x86_64-linux".into(),
            builder: "/bin/sh".into(),
            args: Vec::new(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn pass_as_file_writes_the_value_under_nix_file_name() {
        let dir = StoreDir::new("/nix/store").expect("dir");
        let tmp = tempfile::tempdir().expect("tmp");
        let d = drv(&[("big", "contents"), ("passAsFile", "big"), ("out", "/o")]);
        let env = builder_env(&dir, &d, tmp.path(), "/build", 3).expect("env");
        // The file name Nix 2.8 uses for `big` (seen in a real build's environment).
        let file = ".attr-1lak0mvllw8rv9i9ygkglvhqsq19qi9ynl4bi7gbf69ab5nzw89a";
        assert_eq!(env["bigPath"], format!("/build/{file}"));
        assert!(!env.contains_key("big"));
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(file)).expect("file"),
            "contents"
        );
        assert_eq!(env["NIX_BUILD_CORES"], "3");
        assert_eq!(env["out"], "/o");
    }

    #[test]
    fn structured_attrs_become_json_and_shell_files() {
        let dir = StoreDir::new("/nix/store").expect("dir");
        let tmp = tempfile::tempdir().expect("tmp");
        let d = drv(&[
            (
                "__json",
                r#"{"a":"it's","n":3,"l":["x","y"],"m":{"k":"v"},"deep":[{"x":1}]}"#,
            ),
            ("out", "/nix/store/o"),
        ]);
        let env = builder_env(&dir, &d, tmp.path(), "/build", 1).expect("env");
        assert!(!env.contains_key("__json") && !env.contains_key("a"));
        let json = std::fs::read_to_string(tmp.path().join(".attrs.json")).expect("json");
        assert!(
            json.contains(r#""outputs":{"out":"/nix/store/o"}"#),
            "{json}"
        );
        let sh = std::fs::read_to_string(tmp.path().join(".attrs.sh")).expect("sh");
        assert_eq!(
            sh,
            "declare a='it'\\''s'\ndeclare -a l=( 'x' 'y' )\ndeclare -A m=( ['k']='v' )\ndeclare n=3\ndeclare -A outputs=( ['out']='/nix/store/o' )\n"
        );
    }
}
