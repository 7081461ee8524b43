//! Refreshing a channel: fetch and verify every source's `InRelease` and `Packages`, then
//! save the merged [`Index`] in the cache, where it is used offline until the next update.
//!
//! ```text
//! for each source (in parallel):
//!   InRelease ─keyring─► Release ─check suite─► Packages.xz (by-hash when offered)
//!   ─size+SHA256 from Release─► decompressed Packages
//! merge (source order kept) ─► <cache>/debian/<channel key>.idx
//! ```
//!
//! An extra (third-party) source that cannot be fetched or verified is skipped with a
//! warning; a Debian companion suite (`-updates`, `-security`) is skipped only when the
//! archive says it does not exist (HTTP 404); anything else is an error.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::channel::{Channel, ChannelSource, Need};
use super::error::PkgsError;
use super::fetch::{Fetcher, Progress};
use super::index::{Index, IndexSource};
use super::sources::{ARCH, Source};
use super::verify::{self, Release, TrustedKeys};

/// Where a channel's index lives in the cache.
pub fn index_path(cache_dir: &Path, channel: &Channel) -> PathBuf {
    cache_dir
        .join("debian")
        .join(format!("{}.idx", channel.cache_key()))
}

/// Loads a channel's cached index; errors with a hint to `denv update` when absent.
pub fn load_cached(cache_dir: &Path, channel: &Channel) -> Result<Index, PkgsError> {
    Index::load(&index_path(cache_dir, channel))?.ok_or_else(|| PkgsError::NotCached {
        channel: channel.name.clone(),
    })
}

/// The cached index, or a freshly fetched one when there is none yet.
pub fn load_or_update(
    cache_dir: &Path,
    channel: &Channel,
    fetcher: &Fetcher,
    progress: &dyn Progress,
) -> Result<Index, PkgsError> {
    match Index::load(&index_path(cache_dir, channel))? {
        Some(index) => Ok(index),
        None => update(cache_dir, channel, fetcher, progress),
    }
}

/// Fetches, verifies and caches a channel's index.
pub fn update(
    cache_dir: &Path,
    channel: &Channel,
    fetcher: &Fetcher,
    progress: &dyn Progress,
) -> Result<Index, PkgsError> {
    let results: Vec<Result<SourceIndexes, PkgsError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = channel
            .sources
            .iter()
            .map(|s| scope.spawn(move || fetch_source(&s.source, fetcher, progress)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(PkgsError::Malformed {
                        what: "index download".to_owned(),
                        message: "a download thread panicked".to_owned(),
                    })
                })
            })
            .collect()
    });
    let mut texts: Vec<(IndexSource, String)> = Vec::new();
    for (ChannelSource { source, need }, result) in channel.sources.iter().zip(results) {
        match result {
            Ok(SourceIndexes { date, parts }) => {
                for (component, text) in parts {
                    texts.push((
                        IndexSource {
                            uri: source.uri.clone(),
                            suite: source.suite.clone(),
                            packages_sha256: super::fetch::hex(&Sha256::digest(text.as_bytes())),
                            component,
                            date: date.clone(),
                        },
                        text,
                    ));
                }
            }
            Err(err) => match (need, &err) {
                (Need::Extra, _) | (Need::MayBeAbsent, PkgsError::NotFound { .. }) => {
                    progress.warning(&format!(
                        "skipping source `{} {}` of channel `{}`: {err}",
                        source.uri, source.suite, channel.name
                    ));
                }
                _ => return Err(err),
            },
        }
    }
    let borrowed: Vec<(IndexSource, &str)> =
        texts.iter().map(|(s, t)| (s.clone(), t.as_str())).collect();
    let index = Index::from_packages(&borrowed)?;
    index.save(&index_path(cache_dir, channel))?;
    Ok(index)
}

/// What one source's verified indexes hold.
#[derive(Debug)]
pub struct SourceIndexes {
    /// The `Date` of its signed `InRelease` (empty when the archive omits it).
    pub date: String,
    /// (component, decompressed `Packages` text) pairs.
    pub parts: Vec<(String, String)>,
}

/// Fetches and verifies one source: its `InRelease`, then each component's `Packages`.
pub fn fetch_source(
    source: &Source,
    fetcher: &Fetcher,
    progress: &dyn Progress,
) -> Result<SourceIndexes, PkgsError> {
    let keys = TrustedKeys::load(&source.keyring)?;
    let url = source.dists_url("InRelease");
    let signed = fetcher.get(&url, progress)?;
    let release = verify_release(source, &keys, &signed)?;
    let mut out = Vec::new();
    for component in &source.components {
        let bytes = fetch_packages(source, &release, component, fetcher, progress)?;
        let text = String::from_utf8(bytes).map_err(|_| PkgsError::Malformed {
            what: format!("{} {}/{component} Packages", source.uri, source.suite),
            message: "not UTF-8".to_owned(),
        })?;
        out.push((component.clone(), text));
    }
    Ok(SourceIndexes {
        date: release.date.clone().unwrap_or_default(),
        parts: out,
    })
}

/// Verifies an `InRelease`'s signature, suite and freshness and parses its signed text.
pub fn verify_release(
    source: &Source,
    keys: &TrustedKeys,
    in_release: &[u8],
) -> Result<Release, PkgsError> {
    let url = source.dists_url("InRelease");
    let text = keys.verify_clearsigned(in_release, &url)?;
    let release = Release::parse(&text);
    release.check_suite(&source.suite, &url)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    release.check_fresh(now, &url)?;
    Ok(release)
}

/// Fetches a component's `Packages` index (the best compression the Release lists),
/// checks it against the signed Release and returns it decompressed.
pub fn fetch_packages(
    source: &Source,
    release: &Release,
    component: &str,
    fetcher: &Fetcher,
    progress: &dyn Progress,
) -> Result<Vec<u8>, PkgsError> {
    let base = format!("{component}/binary-{ARCH}/Packages");
    let Some(path) = [".xz", ".gz", ""]
        .iter()
        .map(|ext| format!("{base}{ext}"))
        .find(|p| release.sha256.contains_key(p))
    else {
        return Err(PkgsError::NotListed {
            url: source.dists_url("InRelease"),
            path: base,
        });
    };
    let url = match (release.acquire_by_hash, release.sha256.get(&path)) {
        (true, Some((_, sha))) => {
            source.dists_url(&format!("{component}/binary-{ARCH}/by-hash/SHA256/{sha}"))
        }
        _ => source.dists_url(&path),
    };
    let bytes = fetcher.get(&url, progress)?;
    check_packages(release, &path, &bytes, &url)
}

/// Checks fetched `Packages` bytes against the Release entry for `path` (and, when listed,
/// the uncompressed hash too) and returns the decompressed text.
pub fn check_packages(
    release: &Release,
    path: &str,
    bytes: &[u8],
    url: &str,
) -> Result<Vec<u8>, PkgsError> {
    verify::check_index(release, path, bytes, url)?;
    let plain = verify::decompress(path, bytes)?;
    let plain_path = path
        .trim_end_matches(".xz")
        .trim_end_matches(".gz")
        .to_owned();
    if plain_path != path && release.sha256.contains_key(&plain_path) {
        verify::check_index(
            release,
            &plain_path,
            &plain,
            &format!("{url} (decompressed)"),
        )?;
    }
    Ok(plain)
}
