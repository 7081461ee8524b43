//! `derivationStrict` after the evaluator coerced the attributes: the fixed-output
//! attributes, the inputs the string context names, and writing the `.drv`.
//!
//! Context to inputs, as Nix 2.8 does it:
//!
//! ```text
//! /store/…-src          → inputSrcs
//! !out!/store/…-x.drv   → inputDrvs[x.drv] ∋ out
//! =/store/…-x.drv       → every path in x.drv's closure goes to inputSrcs, and each
//!                         .drv in it to inputDrvs with all of its outputs
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Glue, GlueError};
use crate::eval::ContextElem;
use crate::eval::glue::{DerivationRequest, DerivationResult};
use crate::store::derivation::{self as drv, DerivationError, DrvLoader, FsLoader};
use crate::store::{
    Derivation, FixedOutputHash, Hash, HashAlgo, IngestionMethod, StoreDir, StorePath,
};

/// Loads derivations from this evaluation's memory, then from the store directory.
pub(super) struct Loader<'a> {
    pub(super) dir: &'a StoreDir,
    pub(super) drvs: &'a HashMap<StorePath, Derivation>,
}

impl DrvLoader for Loader<'_> {
    fn load(&self, path: &StorePath) -> Result<Derivation, DerivationError> {
        if let Some(d) = self.drvs.get(path) {
            return Ok(d.clone());
        }
        FsLoader {
            dir: self.dir.clone(),
        }
        .load(path)
    }
}

/// Parses `outputHash`, `outputHashAlgo` and `outputHashMode` as Nix does.
pub(crate) fn fixed_output(
    hash: Option<&str>,
    algo: Option<&str>,
    mode: Option<&str>,
) -> Result<Option<FixedOutputHash>, GlueError> {
    let Some(hash) = hash else {
        return Ok(None);
    };
    let method = match mode.unwrap_or("flat") {
        "flat" => IngestionMethod::Flat,
        "recursive" => IngestionMethod::Recursive,
        other => {
            return Err(GlueError::Invalid(format!(
                "invalid value '{other}' for 'outputHashMode' attribute"
            )));
        }
    };
    let algo = match algo.filter(|a| !a.is_empty()) {
        Some(a) => Some(a.parse::<HashAlgo>()?),
        None => None,
    };
    let hash = Hash::parse(hash, algo)?;
    Ok(Some(FixedOutputHash { method, hash }))
}

/// Reads a string attribute from the structured-attributes JSON.
fn json_str<'a>(json: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    json.get(key).and_then(serde_json::Value::as_str)
}

pub(super) fn derivation_strict(
    glue: &Glue,
    req: DerivationRequest,
) -> Result<DerivationResult, GlueError> {
    let DerivationRequest {
        name,
        env,
        args,
        outputs,
        context,
        structured_attrs,
    } = req;
    let attrs: BTreeMap<String, String> = env.into_iter().collect();
    let (env, fixed, system, builder) = match &structured_attrs {
        Some(json_text) => {
            let json: serde_json::Value = serde_json::from_str(json_text)
                .map_err(|e| GlueError::Invalid(format!("bad structured attributes: {e}")))?;
            let fixed = fixed_output(
                json_str(&json, "outputHash"),
                json_str(&json, "outputHashAlgo"),
                json_str(&json, "outputHashMode"),
            )?;
            let system = json_str(&json, "system")
                .or(attrs.get("system").map(String::as_str))
                .map(str::to_owned);
            let builder = json_str(&json, "builder")
                .or(attrs.get("builder").map(String::as_str))
                .map(str::to_owned);
            let mut env = BTreeMap::new();
            env.insert("__json".to_owned(), json_text.clone());
            (env, fixed, system, builder)
        }
        None => {
            let fixed = fixed_output(
                attrs.get("outputHash").map(String::as_str),
                attrs.get("outputHashAlgo").map(String::as_str),
                attrs.get("outputHashMode").map(String::as_str),
            )?;
            let system = attrs.get("system").cloned();
            let builder = attrs.get("builder").cloned();
            (attrs, fixed, system, builder)
        }
    };
    let missing = |what: &str| {
        GlueError::Invalid(format!(
            "required attribute '{what}' missing in derivation '{name}'"
        ))
    };
    let builder = builder.ok_or_else(|| missing("builder"))?;
    let system = system.ok_or_else(|| missing("system"))?;

    let mut memory = glue.memory.borrow_mut();
    let memory = &mut *memory;
    let loader = Loader {
        dir: &glue.dir,
        drvs: &memory.drvs,
    };
    let mut input_drvs: BTreeMap<StorePath, BTreeSet<String>> = BTreeMap::new();
    let mut input_srcs: BTreeSet<StorePath> = BTreeSet::new();
    for elem in &context {
        match elem {
            ContextElem::Plain(p) => {
                input_srcs.insert(glue.dir.parse(p)?);
            }
            ContextElem::Output { drv, output } => {
                input_drvs
                    .entry(glue.dir.parse(drv)?)
                    .or_default()
                    .insert(output.to_string());
            }
            ContextElem::AllOutputs(d) => {
                for path in drv_closure(glue, &loader, glue.dir.parse(d)?)? {
                    if path.is_derivation() {
                        let outs = loader.load(&path)?.outputs.keys().cloned().collect();
                        input_drvs.insert(path.clone(), outs);
                    }
                    input_srcs.insert(path);
                }
            }
        }
    }
    let request = drv::DerivationRequest {
        name: name.clone(),
        system,
        builder,
        args,
        env,
        outputs: outputs.clone(),
        fixed,
        input_drvs,
        input_srcs,
    };
    let inst = drv::instantiate(&glue.dir, request, &mut memory.hashes, &loader)?;
    if let Some(store) = &glue.store {
        store.borrow_mut().add_derivation(&inst)?;
    }
    let result = DerivationResult {
        drv_path: glue.dir.display(&inst.drv_path),
        outputs: outputs
            .iter()
            .filter_map(|o| {
                inst.outputs
                    .get(o)
                    .map(|p| (o.clone(), glue.dir.display(p)))
            })
            .collect(),
    };
    if !memory.drvs.contains_key(&inst.drv_path) {
        memory.order.push(inst.drv_path.clone());
    }
    memory.drvs.insert(inst.drv_path, inst.drv);
    Ok(result)
}

/// The closure of a `.drv` over its references (input sources and input derivations),
/// the `.drv` included.
fn drv_closure(
    glue: &Glue,
    loader: &Loader<'_>,
    root: StorePath,
) -> Result<BTreeSet<StorePath>, GlueError> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        if !seen.insert(p.clone()) {
            continue;
        }
        if p.is_derivation() {
            let d = loader.load(&p)?;
            todo.extend(d.references().into_iter().filter(|r| !seen.contains(r)));
        } else if let Some(store) = &glue.store
            && let Some(info) = store.borrow().query(&p)?
        {
            todo.extend(info.references.into_iter().filter(|r| !seen.contains(r)));
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::HashFormat;

    #[test]
    fn output_hash_in_every_encoding_and_mode() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sri = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        for (hash, algo) in [
            (hex, Some("sha256")),
            (sri, None),
            (sri, Some("")),
            (sri, Some("sha256")),
        ] {
            let f = fixed_output(Some(hash), algo, None)
                .expect("parse")
                .expect("fixed");
            assert_eq!(f.method, IngestionMethod::Flat);
            assert_eq!(f.hash.encode(HashFormat::Base16), hex);
        }
        let f = fixed_output(Some(sri), None, Some("recursive"))
            .expect("parse")
            .expect("fixed");
        assert_eq!(f.method, IngestionMethod::Recursive);
        assert!(
            fixed_output(None, Some("sha256"), Some("recursive"))
                .expect("none")
                .is_none()
        );
    }

    #[test]
    fn bad_output_hash_attributes_are_errors() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let err = fixed_output(Some(hex), Some("sha256"), Some("text")).expect_err("mode");
        assert!(
            err.to_string()
                .contains("invalid value 'text' for 'outputHashMode'")
        );
        assert!(fixed_output(Some(hex), None, None).is_err());
        assert!(fixed_output(Some(hex), Some("sha1"), None).is_err());
        assert!(fixed_output(Some(hex), Some("crc32"), None).is_err());
    }
}
