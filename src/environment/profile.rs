//! Computing a project's environment, and the seam where its packages are realised.
//!
//! [`realise_profile`] turns `[packages]` (and `denv.nix`, when there is one) into a profile
//! directory in the store, through one evaluation of the lowered expression and one build.
//! It is the one place a project's environment is realised, so it is where `denv.lock` is
//! read, completed for changed requests ([`super::pins`]) and written after a good build.
//! A package name that no channel has is reported at its line in `denv.toml`, with the
//! nearest names the channel does have.

use std::path::{Path, PathBuf};

use crate::build::{BuildEvent, BuildOptions, Interrupt};
use crate::config::{self, Channel, ConfigError, Lock, PackageSpec, Project, VarName};
use crate::paths::{Dirs, Overrides};
use crate::store::derivation::Derivation;
use crate::store::{Store, StorePath};

use super::denv::Packages;
use super::glue::{self, Input, Target};
use super::lower::{self, NixFile, Selected};
use super::nixfile::{self, NixProject};
use super::pins::{self, Refresh};
use super::unknown_packages;

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
    #[error(transparent)]
    NixFile(#[from] super::nixfile::NixFileError),
    #[error("{0}")]
    UnknownPackage(Box<config::Diagnostic>),
    #[error("cannot write the scripts of {}: {source}", root.display())]
    Scripts {
        root: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot pin `{package}` from channel `{channel}`: {message}")]
    Resolve {
        package: String,
        channel: String,
        message: String,
    },
    #[error(
        "denv.lock pins {deb} {version} (for `{package}`), but the archive no longer has \
         {filename} ({url}: HTTP 404); run `denv update` to re-resolve against the current archive"
    )]
    LockedDebGone {
        package: String,
        deb: String,
        version: String,
        filename: String,
        url: String,
    },
    #[error("cannot fetch a package pinned by denv.lock: {0}")]
    Fetch(Box<crate::pkgs::PkgsError>),
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
            let inputs = project_inputs(root);
            let mut fingerprint = Fingerprint::take(&inputs);
            let project = config::load(root)?;
            let realised = realise_profile(&project, events)?;
            if realised.lock_written {
                // Written by this computation: its new stamp is what the cache expects.
                fingerprint = fingerprint.restamp(&config::lock::lock_path(root));
            }
            let mut env = Environment::from_project(&project, realised.profile);
            if let Some(nix) = &realised.nix {
                env.add_nix(nix);
            }
            for file in realised.files_read.iter().filter(|f| !inputs.contains(f)) {
                fingerprint = fingerprint.with(file);
                env.inputs.push(file.clone());
            }
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

/// What realising a project gave.
#[derive(Debug, Default)]
pub struct Realised {
    /// The profile in the store; `None` when the project has no packages and no `denv.nix`.
    pub profile: Option<PathBuf>,
    /// What `denv.nix` adds, when there is one.
    pub nix: Option<NixProject>,
    /// Every file outside the store that the evaluation read.
    pub files_read: Vec<PathBuf>,
    /// Whether `denv.lock` was (re)written.
    pub lock_written: bool,
}

/// Realises the project's `[packages]` and `denv.nix` into a profile in the store.
pub fn realise_profile(
    project: &Project,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<Realised, EnvironmentError> {
    let nix_file = nixfile::find(&project.root);
    let nix = nix_file.as_deref().map(|file| NixFile {
        file,
        root: &project.root,
    });
    let old_lock = config::lock::read(&project.root)?;
    let mut channels = Packages::new(&project.root);
    let lock = pins::pin(project, &mut channels, old_lock.as_ref(), &Refresh::Changed)?;
    let selected = project
        .packages
        .iter()
        .filter_map(|spec| lock.packages.get(spec.name.as_str()))
        .map(|entry| pins::package_expression(&mut channels, entry).map(Selected::Pinned))
        .collect::<Result<Vec<_>, _>>()?;
    let pinned = Pinned {
        lock: &lock,
        channels: &mut channels,
    };
    let realised = realise_packages(
        &project.file(),
        Some(&project.root),
        &selected,
        &project.packages,
        &project.channels,
        nix,
        Some(pinned),
        events,
    )?;
    // Written once the build succeeded, so a lock always names files that were fetched.
    let lock_written = if old_lock.is_some() || !project.packages.is_empty() {
        config::lock::write(&project.root, &lock)?
    } else {
        false
    };
    let Some(realised) = realised else {
        return Ok(Realised {
            lock_written,
            ..Realised::default()
        });
    };
    let nix = match (&nix_file, &realised.activation) {
        (Some(file), Some(json)) => Some(NixProject::from_json(file, json)?),
        _ => None,
    };
    Ok(Realised {
        profile: Some(realised.profile),
        nix,
        files_read: realised.files_read,
        lock_written,
    })
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
    let selected: Vec<Selected<'_>> = packages.iter().map(Selected::FromChannel).collect();
    let profile = realise_packages(
        cwd, None, &selected, packages, &channels, None, None, events,
    )?
    .map(|realised| realised.profile);
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

/// A built profile, with what its evaluation read and `denv.nix`'s activation data.
struct BuiltProfile {
    profile: PathBuf,
    activation: Option<String>,
    files_read: Vec<PathBuf>,
}

/// Pinned packages and the channels that serve their files.
struct Pinned<'a> {
    lock: &'a Lock,
    channels: &'a mut Packages,
}

/// Realises `selected` (the lowered `packages`) and `denv.nix`'s packages into one profile
/// in the store; `None` when there is nothing to build. Pinned `.deb`s missing from the
/// store are fetched first. With a project root the profile is kept from garbage
/// collection by `<root>/.denv/profile`.
#[expect(
    clippy::too_many_arguments,
    reason = "one recipe shared by projects and ad-hoc environments"
)]
fn realise_packages(
    requested_by: &Path,
    gc_root: Option<&Path>,
    selected: &[Selected<'_>],
    packages: &[PackageSpec],
    channels: &[Channel],
    nix: Option<NixFile<'_>>,
    pinned: Option<Pinned<'_>>,
    events: &mut dyn FnMut(BuildEvent),
) -> Result<Option<BuiltProfile>, EnvironmentError> {
    if packages.is_empty() && nix.is_none() {
        return Ok(None);
    }
    let dirs = Dirs::resolve(Overrides::from_env());
    let mut store = Store::open(&dirs.store_dir())?;
    if let Some(pinned) = pinned {
        pins::fetch_missing(&mut store, pinned.channels, pinned.lock)?;
    }
    let target = Target {
        input: Input::Expr(lower::profile_expression(selected, channels, nix)),
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
    let (mut store, built, files_read) =
        match glue::build_recording(store, &target, false, &options, &interrupt, events) {
            Ok(done) => done,
            Err(err) => {
                if gc_root.is_some() {
                    unknown_packages::check(requested_by, packages)?;
                }
                return Err(EnvironmentError::Realise(Box::new(err)));
            }
        };
    let Some(profile) = built.into_iter().next() else {
        return Ok(None);
    };
    let drv = read_derivation(&store, &profile.drv_path)?;
    check_versions(&drv, packages, requested_by)?;
    let activation = drv.env.get(nixfile::ACTIVATION_ATTR).cloned();
    if let Some(root) = gc_root {
        let state = root.join(".denv");
        std::fs::create_dir_all(&state).map_err(|source| EnvironmentError::Read {
            path: state.clone(),
            source,
        })?;
        store.add_perm_root(&profile.path, &state.join("profile"))?;
    }
    Ok(Some(BuiltProfile {
        profile: store.real_path(&profile.path),
        activation,
        files_read,
    }))
}

/// The derivation at `drv_path`, read back from the store.
fn read_derivation(store: &Store, drv_path: &StorePath) -> Result<Derivation, EnvironmentError> {
    let drv_file = store.real_path(drv_path);
    let text = std::fs::read_to_string(&drv_file).map_err(|source| EnvironmentError::Read {
        path: drv_file.clone(),
        source,
    })?;
    Ok(Derivation::from_aterm(store.dir(), drv_path.name(), &text)?)
}

/// Fails when a package resolved to a version its `denv.toml` entry does not accept.
fn check_versions(
    drv: &Derivation,
    packages: &[PackageSpec],
    requested_by: &Path,
) -> Result<(), EnvironmentError> {
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
