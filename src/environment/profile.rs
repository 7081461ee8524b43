//! Computing a project's environment, and the seam where its packages are realised.
//!
//! [`realise_profile`] turns `[packages]` into a profile directory in the store. Until the
//! package pipeline (resolve → lock → derivations → build) is joined here it refuses a
//! project that declares packages, rather than activating without them.

use std::path::{Path, PathBuf};

use crate::build::{BuildEvent, BuildOptions, Interrupt};
use crate::config::{self, Channel, ConfigError, PackageSpec, Project, VarName};
use crate::paths::{Dirs, Overrides};
use crate::store::derivation::Derivation;
use crate::store::{Store, StorePath};

use super::glue::{self, Input, Target};
use super::lower;

use super::cache::{self, Fingerprint};
use super::model::{Environment, VarOp, project_inputs};

/// Why a project's environment could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Derivation(#[from] crate::store::derivation::DerivationError),
    #[error(transparent)]
    Realise(Box<glue::RealiseError>),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: `{package}` resolved to version {found}, which does not satisfy `{wanted}`; \
         change the requirement or pick another channel",
        file.display()
    )]
    VersionMismatch {
        file: PathBuf,
        package: String,
        wanted: String,
        found: String,
    },
    #[error("cannot write the scripts of {}: {source}", root.display())]
    Scripts {
        root: PathBuf,
        source: std::io::Error,
    },
}

/// The environment of the project at `root`: from the cache if it is current, else
/// computed and cached. Also (re)writes the project's `[scripts]` executables.
pub fn resolve(
    root: &Path,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<(Environment, Fingerprint), EnvironmentError> {
    let (env, fingerprint) = match cache::read(root) {
        Some(hit) => hit,
        None => {
            let fingerprint = Fingerprint::take(&project_inputs(root));
            let project = config::load(root)?;
            let profile = realise_profile(&project, events)?;
            let env = Environment::from_project(&project, profile);
            // A cache that cannot be written only costs speed next time.
            if let Err(err) = cache::write(&env, &fingerprint) {
                tracing::debug!("evaluation cache not written: {err}");
            }
            (env, fingerprint)
        }
    };
    env.write_scripts()
        .map_err(|source| EnvironmentError::Scripts {
            root: root.to_path_buf(),
            source,
        })?;
    Ok((env, fingerprint))
}

/// Realises the project's `[packages]` into a profile in the store; `None` when there are
/// none.
pub fn realise_profile(
    project: &Project,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<Option<PathBuf>, EnvironmentError> {
    realise_packages(
        &project.file(),
        Some(&project.root),
        &project.packages,
        &project.channels,
        events,
    )
}

/// An ad-hoc environment of `packages` (`denv shell -p`, `denv run -p`), entered from `cwd`.
pub fn adhoc(
    cwd: &Path,
    packages: &[PackageSpec],
    events: &mut dyn FnMut(BuildEvent),
) -> Result<Environment, EnvironmentError> {
    let channels = config::find_root(cwd)
        .and_then(|root| config::load(&root).ok())
        .map(|project| project.channels)
        .unwrap_or_default();
    let profile = realise_packages(cwd, None, packages, &channels, events)?;
    let vars = profile
        .iter()
        .filter_map(|profile| {
            let path = VarName::new("PATH")?;
            Some(VarOp::Prepend(path, profile.join("bin").into_os_string()))
        })
        .collect();
    Ok(Environment {
        root: cwd.to_path_buf(),
        profile,
        vars,
        enter_hook: None,
        exit_hook: None,
        scripts: Vec::new(),
        inputs: Vec::new(),
    })
}

/// Realises `packages` into one profile in the store; `None` when there are none. With a
/// project root the profile is kept from garbage collection by `<root>/.denv/profile`.
fn realise_packages(
    requested_by: &Path,
    gc_root: Option<&Path>,
    packages: &[PackageSpec],
    channels: &[Channel],
    events: &mut dyn FnMut(BuildEvent),
) -> Result<Option<PathBuf>, EnvironmentError> {
    if packages.is_empty() {
        return Ok(None);
    }
    let dirs = Dirs::resolve(Overrides::from_env());
    let store = Store::open(&dirs.store_dir())?;
    let target = Target {
        input: Input::Expr(lower::profile_expression(packages, channels)),
        attr_paths: Vec::new(),
        auto_args: Vec::new(),
        include: Vec::new(),
        nix_path: Vec::new(),
        base_dir: requested_by.to_path_buf(),
    };
    let options = BuildOptions {
        jobs: 4,
        ..BuildOptions::default()
    };
    let interrupt = Interrupt::on_signals();
    let (mut store, built) = glue::build(store, &target, false, &options, &interrupt, events)
        .map_err(|err| EnvironmentError::Realise(Box::new(err)))?;
    let Some(profile) = built.into_iter().next() else {
        return Ok(None);
    };
    check_versions(&store, &profile.drv_path, packages, requested_by)?;
    if let Some(root) = gc_root {
        let state = root.join(".denv");
        std::fs::create_dir_all(&state).map_err(|source| EnvironmentError::Read {
            path: state.clone(),
            source,
        })?;
        store.add_perm_root(&profile.path, &state.join("profile"))?;
    }
    Ok(Some(store.real_path(&profile.path)))
}

/// Fails when a package resolved to a version its `denv.toml` entry does not accept.
fn check_versions(
    store: &Store,
    drv_path: &StorePath,
    packages: &[PackageSpec],
    requested_by: &Path,
) -> Result<(), EnvironmentError> {
    let drv_file = store.real_path(drv_path);
    let text = std::fs::read_to_string(&drv_file).map_err(|source| EnvironmentError::Read {
        path: drv_file.clone(),
        source,
    })?;
    let drv = Derivation::from_aterm(store.dir(), drv_path.name(), &text)?;
    let versions = drv.env.get(lower::VERSIONS_ATTR).map_or("", String::as_str);
    for (spec, version) in packages.iter().zip(versions.split(' ')) {
        if !lower::satisfies(&spec.version, version) {
            return Err(EnvironmentError::VersionMismatch {
                file: requested_by.to_path_buf(),
                package: spec.name.as_str().to_owned(),
                wanted: spec.version.to_string(),
                found: version.to_owned(),
            });
        }
    }
    Ok(())
}
