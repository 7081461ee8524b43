//! `derivationStrict`: from the evaluated attributes of `derivation { … }` to a filled
//! [`Derivation`], its `.drv` path and its output paths, exactly as Nix computes them.

use std::collections::{BTreeMap, BTreeSet};

use super::{Derivation, DerivationError, DerivationOutput, DrvHashes, DrvLoader};
use crate::store::address::{self, FixedOutputHash, IngestionMethod};
use crate::store::hash::{Hash, HashAlgo};
use crate::store::path::{StoreDir, StorePath, check_name};

/// What the evaluator knows after coercing a derivation's attributes to strings.
#[derive(Debug, Clone)]
pub struct DerivationRequest {
    /// The `name` attribute.
    pub name: String,
    /// The `system` attribute.
    pub system: String,
    /// The `builder` attribute, coerced to a string.
    pub builder: String,
    /// The `args` attribute.
    pub args: Vec<String>,
    /// Every attribute except `args` (and `__ignoreNulls`), coerced to strings as Nix
    /// does, including `name`, `builder`, `system` and `outputs` if given. Entries named
    /// after outputs are overwritten with the output paths.
    pub env: BTreeMap<String, String>,
    /// Output names in declaration order (`["out"]` when `outputs` is absent).
    pub outputs: Vec<String>,
    /// `outputHash` / `outputHashAlgo` / `outputHashMode` when given.
    pub fixed: Option<FixedOutputHash>,
    /// Derivations referenced by the string context, with the outputs used.
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    /// Plain store paths referenced by the string context.
    pub input_srcs: BTreeSet<StorePath>,
}

/// Reads `outputHash`, `outputHashAlgo` and `outputHashMode` as Nix's `derivationStrict`
/// does: the hash may be SRI, `algo:digest` or a bare digest (then `algo` must name the
/// algorithm); the mode is `flat` (the default) or `recursive`. An empty `algo` counts as
/// absent.
pub fn fixed_output_from_attrs(
    drv_name: &str,
    hash: &str,
    algo: Option<&str>,
    mode: Option<&str>,
) -> Result<FixedOutputHash, DerivationError> {
    let method = match mode.unwrap_or("flat") {
        "flat" => IngestionMethod::Flat,
        "recursive" => IngestionMethod::Recursive,
        other => {
            return Err(DerivationError::Invalid {
                name: drv_name.to_owned(),
                reason: format!("invalid value '{other}' for 'outputHashMode' attribute"),
            });
        }
    };
    let algo = match algo.filter(|a| !a.is_empty()) {
        Some(a) => Some(a.parse::<HashAlgo>()?),
        None => None,
    };
    Ok(FixedOutputHash {
        method,
        hash: Hash::parse(hash, algo)?,
    })
}

/// A derivation ready to be written to the store.
#[derive(Debug, Clone)]
pub struct Instantiated {
    pub drv: Derivation,
    /// Where the `.drv` file goes.
    pub drv_path: StorePath,
    /// The `.drv` file's exact bytes.
    pub aterm: String,
    /// Output name → output path.
    pub outputs: BTreeMap<String, StorePath>,
}

impl Instantiated {
    /// The `.drv` file's references (input sources and input derivations).
    pub fn references(&self) -> BTreeSet<StorePath> {
        self.drv.references()
    }
}

/// Fills in output paths, computes the `.drv` path and records its modulo hash in
/// `hashes` (so derivations depending on it need not read it back).
pub fn instantiate(
    dir: &StoreDir,
    request: DerivationRequest,
    hashes: &mut DrvHashes,
    loader: &dyn DrvLoader,
) -> Result<Instantiated, DerivationError> {
    let DerivationRequest {
        name,
        system,
        builder,
        args,
        mut env,
        outputs: output_names,
        fixed,
        input_drvs,
        input_srcs,
    } = request;
    let invalid = |reason: String| DerivationError::Invalid {
        name: name.clone(),
        reason,
    };
    check_name(&name)?;
    if name.ends_with(".drv") {
        return Err(invalid(
            "derivation names are not allowed to end in '.drv'".into(),
        ));
    }
    if output_names.is_empty() {
        return Err(invalid("derivation must have at least one output".into()));
    }
    let mut seen = BTreeSet::new();
    for o in &output_names {
        if o == "drv" {
            return Err(invalid("invalid derivation output name 'drv'".into()));
        }
        if !seen.insert(o.clone()) {
            return Err(invalid(format!("duplicate derivation output '{o}'")));
        }
        check_name(&address::output_path_name(&name, o))?;
    }
    let mut drv = Derivation {
        name: name.clone(),
        outputs: BTreeMap::new(),
        input_drvs,
        input_srcs,
        platform: system,
        builder,
        args,
        env: BTreeMap::new(),
    };
    if let Some(fixed) = fixed {
        if output_names.len() != 1 || output_names[0] != "out" {
            return Err(invalid(
                "multiple outputs are not supported in fixed-output derivations".into(),
            ));
        }
        let path = address::fixed_output_path(dir, &name, &fixed, &BTreeSet::new(), false)?;
        env.insert("out".into(), dir.display(&path));
        drv.outputs.insert(
            "out".into(),
            DerivationOutput {
                path: Some(path),
                fixed: Some(fixed),
            },
        );
        drv.env = env;
    } else {
        for o in &output_names {
            env.insert(o.clone(), String::new());
            drv.outputs.insert(
                o.clone(),
                DerivationOutput {
                    path: None,
                    fixed: None,
                },
            );
        }
        drv.env = env;
        let modulo = hashes.hash_modulo(dir, &drv, true, loader)?;
        for o in &output_names {
            let path = address::output_path(dir, &name, o, &modulo)?;
            drv.env.insert(o.clone(), dir.display(&path));
            drv.outputs.insert(
                o.clone(),
                DerivationOutput {
                    path: Some(path),
                    fixed: None,
                },
            );
        }
    }
    let aterm = drv.to_aterm(dir, false, None);
    let drv_path = address::text_path(
        dir,
        &format!("{name}.drv"),
        aterm.as_bytes(),
        &drv.references(),
    )?;
    let own = hashes.hash_modulo(dir, &drv, false, loader)?;
    hashes.insert(drv_path.clone(), own);
    let outputs = drv.output_paths();
    Ok(Instantiated {
        drv,
        drv_path,
        aterm,
        outputs,
    })
}
