//! Computing a project's environment, and the seam where its packages are realised.
//!
//! [`realise_profile`] turns `[packages]` into a profile directory in the store. Until the
//! package pipeline (resolve → lock → derivations → build) is joined here it refuses a
//! project that declares packages, rather than activating without them.

use std::path::{Path, PathBuf};

use crate::config::{self, ConfigError, PackageSpec, Project, VarName};

use super::cache::{self, Fingerprint};
use super::model::{Environment, VarOp, project_inputs};

/// Why a project's environment could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "{} declares packages ({}), and this denv cannot install packages yet",
        file.display(), names.join(", ")
    )]
    PackagesUnsupported { file: PathBuf, names: Vec<String> },
    #[error("cannot write the scripts of {}: {source}", root.display())]
    Scripts {
        root: PathBuf,
        source: std::io::Error,
    },
}

/// The environment of the project at `root`: from the cache if it is current, else
/// computed and cached. Also (re)writes the project's `[scripts]` executables.
pub fn resolve(root: &Path) -> Result<(Environment, Fingerprint), EnvironmentError> {
    let (env, fingerprint) = match cache::read(root) {
        Some(hit) => hit,
        None => {
            let fingerprint = Fingerprint::take(&project_inputs(root));
            let project = config::load(root)?;
            let profile = realise_profile(&project)?;
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
pub fn realise_profile(project: &Project) -> Result<Option<PathBuf>, EnvironmentError> {
    realise_packages(&project.file(), &project.packages)
}

/// An ad-hoc environment of `packages` (`denv shell -p`, `denv run -p`), entered from `cwd`.
pub fn adhoc(cwd: &Path, packages: &[PackageSpec]) -> Result<Environment, EnvironmentError> {
    let profile = realise_packages(cwd, packages)?;
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

/// Realises `packages` into one profile in the store; `None` when there are none.
fn realise_packages(
    requested_by: &Path,
    packages: &[PackageSpec],
) -> Result<Option<PathBuf>, EnvironmentError> {
    if packages.is_empty() {
        return Ok(None);
    }
    Err(EnvironmentError::PackagesUnsupported {
        file: requested_by.to_path_buf(),
        names: packages
            .iter()
            .map(|p| p.name.as_str().to_owned())
            .collect(),
    })
}
