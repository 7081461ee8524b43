//! Pinning a project's `[packages]` through `denv.lock`.
//!
//! ```text
//! [packages] + denv.lock ─pin─► Lock: each entry kept when it still answers its request
//!     (same channel, same version requirement, suites of that channel), else resolved now
//! Lock ─fetch_missing─► each pinned .deb not yet in the store, fetched by its pool path,
//!     checked against its size and SHA256, added as the fixed output `fetchDeb` names
//! Lock ─package_expression─► `denv.lib.mkPackage { … }`: no resolver, no index
//! ```
//! Invariants: a kept entry is never resolved again, so the same lock and store dir give
//! the same store paths on any machine and on any later day (a `.deb`'s store path depends
//! only on its name, version and SHA256, never on the mirror it came from); entries of
//! packages no longer requested are dropped.

use std::collections::BTreeMap;
use std::path::Path;

use super::denv::{Kind, PackageInfo, Packages};
use super::lower;
use super::profile::EnvironmentError;
use crate::config::lock::{IndexSnapshot, LockedDeb};
use crate::config::{Lock, LockedPackage, PackageSpec, Project};
use crate::pkgs::channel::DEFAULT_CHANNEL;
use crate::pkgs::{Download, Fetcher, PkgsError, Progress};
use crate::store::{FixedOutputHash, Hash, HashAlgo, IngestionMethod, Store, StorePath};

/// Which lock entries to resolve again even though they still answer their request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Only entries whose request changed (or that are missing).
    Changed,
    /// Every entry (`denv update`).
    All,
    /// Every entry of one channel (`denv update --channel C`).
    Channel(String),
}

/// The lock for `project`'s packages: `old`'s entries where they still answer the request
/// (unless `refresh` says otherwise), the others resolved from the channels now.
pub fn pin(
    project: &Project,
    channels: &mut Packages,
    old: Option<&Lock>,
    refresh: &Refresh,
) -> Result<Lock, EnvironmentError> {
    let mut packages = BTreeMap::new();
    for spec in &project.packages {
        let name = spec.name.as_str();
        let channel = spec.channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
        let forced = match refresh {
            Refresh::Changed => false,
            Refresh::All => true,
            Refresh::Channel(c) => c == channel,
        };
        let kept = old
            .and_then(|lock| lock.packages.get(name))
            .filter(|entry| !forced && answers(entry, spec, project));
        let entry = match kept {
            Some(entry) => entry.clone(),
            None => resolve(project, channels, spec)?,
        };
        packages.insert(name.to_owned(), entry);
    }
    Ok(Lock { packages })
}

/// Whether a lock entry was made for this request.
fn answers(entry: &LockedPackage, spec: &PackageSpec, project: &Project) -> bool {
    let channel = spec.channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
    if entry.channel != channel || entry.request != spec.version.to_string() {
        return false;
    }
    // A declared channel pointed at another suite is another request.
    match project.channels.iter().find(|c| c.name == channel) {
        Some(declared) => entry.debs.iter().all(|deb| {
            deb.suite == declared.suite
                || deb
                    .suite
                    .strip_prefix(declared.suite.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
        }),
        None => true,
    }
}

/// Resolves one request and checks its version requirement.
fn resolve(
    project: &Project,
    channels: &mut Packages,
    spec: &PackageSpec,
) -> Result<LockedPackage, EnvironmentError> {
    let name = spec.name.as_str();
    let channel = spec.channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
    let info = match channels.info(Kind::Declared, channel, name) {
        Ok(info) => info,
        Err(err) => {
            super::unknown_packages::check(&project.file(), std::slice::from_ref(spec))?;
            return Err(EnvironmentError::Resolve {
                package: name.to_owned(),
                channel: channel.to_owned(),
                message: err.to_string(),
            });
        }
    };
    if !lower::satisfies(&spec.version, &info.version) {
        return Err(EnvironmentError::VersionMismatch {
            file: project.file(),
            package: name.to_owned(),
            wanted: spec.version.to_string(),
            found: info.version,
        });
    }
    Ok(locked(channel, &spec.version.to_string(), info))
}

/// A resolved closure as a lock entry.
fn locked(channel: &str, request: &str, info: PackageInfo) -> LockedPackage {
    let mut indexes: Vec<IndexSnapshot> = info
        .debs
        .iter()
        .map(|deb| IndexSnapshot {
            suite: deb.index.suite.clone(),
            component: deb.index.component.clone(),
            date: deb.index.date.clone(),
            sha256: deb.index.packages_sha256.clone(),
        })
        .collect();
    indexes.sort();
    indexes.dedup();
    let exposed = info.exposed;
    LockedPackage {
        channel: channel.to_owned(),
        request: request.to_owned(),
        package: info.pname,
        version: info.version,
        indexes,
        debs: info
            .debs
            .into_iter()
            .map(|deb| LockedDeb {
                exposed: exposed.contains(&deb.name),
                name: deb.name,
                version: deb.version,
                suite: deb.suite,
                filename: deb.filename,
                size: deb.size,
                sha256: deb.sha256,
            })
            .collect(),
    }
}

/// The download URL of a pinned `.deb` on this machine's archive for its suite.
pub fn deb_url(
    channels: &mut Packages,
    channel: &str,
    deb: &LockedDeb,
) -> Result<String, EnvironmentError> {
    let uri = channels
        .suite_uri(Kind::Declared, channel, &deb.suite)
        .map_err(|err| EnvironmentError::Resolve {
            package: deb.name.clone(),
            channel: channel.to_owned(),
            message: err.to_string(),
        })?;
    Ok(format!("{}/{}", uri.trim_end_matches('/'), deb.filename))
}

/// The Nix expression of a locked package: its closure exactly as pinned.
pub fn package_expression(
    channels: &mut Packages,
    entry: &LockedPackage,
) -> Result<String, EnvironmentError> {
    let debs = entry
        .debs
        .iter()
        .map(|deb| {
            Ok(super::denv::DebAttrs {
                name: deb.name.clone(),
                version: deb.version.clone(),
                suite: deb.suite.clone(),
                url: deb_url(channels, &entry.channel, deb)?,
                sha256: deb.sha256.clone(),
                size: deb.size,
                exposed: deb.exposed,
            })
        })
        .collect::<Result<Vec<_>, EnvironmentError>>()?;
    Ok(format!(
        "denv.lib.mkPackage {}",
        super::denv::render_attrs(
            &entry.package,
            &entry.version,
            &channels
                .relocation_revision(&entry.package)
                .map_err(|err| EnvironmentError::Resolve {
                    package: entry.package.clone(),
                    channel: entry.channel.clone(),
                    message: err.to_string(),
                })?,
            &debs
        )
    ))
}

/// The store path `fetchDeb` gives a pinned `.deb` (fixed output: name and SHA256 only).
fn deb_store_path(store: &Store, deb: &LockedDeb) -> Option<StorePath> {
    let hash = Hash::parse(&deb.sha256, Some(HashAlgo::Sha256)).ok()?;
    let fixed = FixedOutputHash {
        method: IngestionMethod::Flat,
        hash,
    };
    crate::store::address::fixed_output_path(
        store.dir(),
        &deb_store_name(deb),
        &fixed,
        &Default::default(),
        false,
    )
    .ok()
}

fn deb_store_name(deb: &LockedDeb) -> String {
    format!("{}.deb", super::denv::store_name(&deb.name, &deb.version))
}

/// Shows the pinned downloads' progress and the package layer's warnings.
struct Shown(std::sync::Mutex<crate::ui::progress::BuildView>);

impl Shown {
    fn with(&self, f: impl FnOnce(&mut crate::ui::progress::BuildView)) {
        if let Ok(mut view) = self.0.lock() {
            f(&mut view);
        }
    }
}

impl Progress for Shown {
    fn advanced(&self, url: &str, bytes: u64) {
        self.with(|v| v.advance(url, bytes));
    }
    fn finished(&self, url: &str) {
        self.with(|v| v.fetched(url));
    }
    fn warning(&self, message: &str) {
        self.with(|v| v.warning(message));
    }
}

/// Fetches every pinned `.deb` that is not in the store yet, by its pinned pool path,
/// checks it against its size and SHA256 and adds it where `fetchDeb` puts it. A file the
/// archive no longer has fails naming the package, version and file.
pub fn fetch_missing(
    store: &mut Store,
    channels: &mut Packages,
    lock: &Lock,
) -> Result<(), EnvironmentError> {
    let mut wanted: BTreeMap<&str, (&LockedPackage, &LockedDeb)> = BTreeMap::new();
    for entry in lock.packages.values() {
        for deb in &entry.debs {
            let Some(path) = deb_store_path(store, deb) else {
                continue;
            };
            if !store.is_valid(&path)? {
                wanted.entry(deb.sha256.as_str()).or_insert((entry, deb));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let dir = tempfile::tempdir().map_err(|source| EnvironmentError::Read {
        path: std::env::temp_dir(),
        source,
    })?;
    let mut items = Vec::new();
    let mut pins = Vec::new();
    for (entry, deb) in wanted.values() {
        items.push(Download {
            url: deb_url(channels, &entry.channel, deb)?,
            dest: dir.path().join(&deb.sha256),
            size: deb.size,
            sha256: deb.sha256.clone(),
        });
        pins.push((*entry, *deb));
    }
    crate::ui::diagnostic(&format!(
        "fetching {} .deb file{} pinned by denv.lock…\n",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    ));
    let mut view = crate::ui::progress::BuildView::stderr();
    let planned: Vec<(String, Option<u64>)> = items
        .iter()
        .map(|i| (i.url.clone(), Some(i.size)))
        .collect();
    view.planned(&planned);
    let shown = Shown(std::sync::Mutex::new(view));
    let fetcher = Fetcher::new().resuming_in(store.partial_dir());
    let fetched = fetcher.download_all(&items, 4, &shown);
    drop(shown);
    if let Err(err) = fetched {
        let failed = match &err {
            PkgsError::NotFound { url } | PkgsError::Fetch { url, .. } => {
                items.iter().position(|item| &item.url == url)
            }
            _ => None,
        };
        return Err(match (failed, err) {
            (Some(i), PkgsError::NotFound { url }) => EnvironmentError::LockedDebGone {
                package: pins[i].0.package.clone(),
                deb: pins[i].1.name.clone(),
                version: pins[i].1.version.clone(),
                filename: pins[i].1.filename.clone(),
                url,
            },
            (_, err) => EnvironmentError::Fetch(Box::new(err)),
        });
    }
    for (item, (_, deb)) in items.iter().zip(&pins) {
        store.add_fixed(
            &item.dest,
            &deb_store_name(deb),
            IngestionMethod::Flat,
            HashAlgo::Sha256,
        )?;
    }
    Ok(())
}

/// Re-pins the project at `root` (its lock's entries selected by `refresh`) and writes
/// `denv.lock`; returns whether the file changed.
pub fn relock(root: &Path, refresh: &Refresh) -> Result<bool, EnvironmentError> {
    let project = crate::config::load(root)?;
    let old = crate::config::lock::read(root)?;
    if old.is_none() && project.packages.is_empty() {
        return Ok(false);
    }
    let mut channels = Packages::new(root);
    let lock = pin(&project, &mut channels, old.as_ref(), refresh)?;
    Ok(crate::config::lock::write(root, &lock)?)
}
