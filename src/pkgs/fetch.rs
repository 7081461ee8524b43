//! HTTP downloads for archive files, with progress reported through [`Progress`].
//!
//! Everything fetched here is untrusted until a caller checks it against the chain of
//! trust; [`Fetcher::download`] checks size and SHA256 (see [`crate::net::resume`], which
//! also continues an interrupted download) and only moves the file into place when both
//! match, so a partial or tampered file never appears under its final name. Parallel
//! downloads use plain threads.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::PkgsError;
use crate::net::resume;

/// Receives what the fetcher is doing; the UI draws it. Every method has a no-op default.
pub trait Progress: Sync {
    /// A download started; `total` is its size when known.
    fn started(&self, _url: &str, _total: Option<u64>) {}
    /// `bytes` more bytes of `url` arrived.
    fn advanced(&self, _url: &str, _bytes: u64) {}
    /// A download finished (successfully or not).
    fn finished(&self, _url: &str) {}
    /// Something was skipped or degraded; shown once as a warning.
    fn warning(&self, _message: &str) {}
}

/// How many times a failed connection is retried.
const RETRIES: u32 = 3;

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// One file to download and check.
#[derive(Debug, Clone)]
pub struct Download {
    pub url: String,
    pub dest: PathBuf,
    pub size: u64,
    /// Lower-case hex SHA256.
    pub sha256: String,
}

/// An HTTP client shared by all downloads of one command.
#[derive(Clone)]
pub struct Fetcher {
    agent: ureq::Agent,
    /// Where unfinished downloads keep their bytes; `None`: beside each destination.
    partial_dir: Option<PathBuf>,
}

impl Default for Fetcher {
    fn default() -> Self {
        Fetcher::new()
    }
}

impl Fetcher {
    pub fn new() -> Fetcher {
        let agent = crate::net::client();
        Fetcher {
            agent,
            partial_dir: None,
        }
    }

    /// Keeps the bytes of unfinished downloads in `dir`, where a later run finds them.
    pub fn resuming_in(self, dir: PathBuf) -> Fetcher {
        Fetcher {
            partial_dir: Some(dir),
            ..self
        }
    }

    fn open(&self, url: &str) -> Result<(Box<dyn Read + Send>, Option<u64>), PkgsError> {
        // Transient failures (name lookup, connection reset) are retried a few times.
        let mut attempt = 0;
        let response = loop {
            match self.agent.get(url).call() {
                Ok(response) => break response,
                Err(e) if attempt < RETRIES => {
                    tracing::debug!("retrying {url} after: {e}");
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(300 * u64::from(attempt)));
                }
                Err(e) => {
                    return Err(PkgsError::Fetch {
                        url: url.to_owned(),
                        message: e.to_string(),
                    });
                }
            }
        };
        let status = response.status().as_u16();
        if status == 404 {
            return Err(PkgsError::NotFound {
                url: url.to_owned(),
            });
        }
        if status != 200 {
            return Err(PkgsError::Fetch {
                url: url.to_owned(),
                message: format!("HTTP status {status}"),
            });
        }
        let total = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Ok((Box::new(response.into_body().into_reader()), total))
    }

    /// Fetches a whole (small or index-sized) file into memory.
    pub fn get(&self, url: &str, progress: &dyn Progress) -> Result<Vec<u8>, PkgsError> {
        let (mut reader, total) = self.open(url)?;
        progress.started(url, total);
        let mut out = Vec::with_capacity(total.unwrap_or(0).min(1 << 28) as usize);
        let mut buf = vec![0u8; 1 << 16];
        let result = loop {
            match reader.read(&mut buf) {
                Ok(0) => break Ok(out),
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    progress.advanced(url, n as u64);
                }
                Err(e) => {
                    break Err(PkgsError::Fetch {
                        url: url.to_owned(),
                        message: e.to_string(),
                    });
                }
            }
        };
        progress.finished(url);
        result
    }

    /// Downloads one file to `dest`, checking its size and SHA256; a file already at
    /// `dest` with the right hash is kept. The bytes go first to a partial file (in the
    /// fetcher's partial directory, else beside `dest`) that an interrupted download
    /// resumes from.
    pub fn download(&self, item: &Download, progress: &dyn Progress) -> Result<(), PkgsError> {
        if file_sha256(&item.dest)
            .is_ok_and(|(size, hash)| size == item.size && hash == item.sha256)
        {
            return Ok(());
        }
        let parent = item.dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(PkgsError::io(parent))?;
        let dir = self.partial_dir.as_deref().unwrap_or(parent);
        let partial = resume::partial_path(dir, &item.url, Some(&item.sha256));
        let expected = resume::Expected {
            size: Some(item.size),
            sha256: Some(item.sha256.clone()),
        };
        progress.started(&item.url, Some(item.size));
        let mut shown = 0u64;
        let mut report = |done: u64, _total: Option<u64>| {
            if done > shown {
                progress.advanced(&item.url, done - shown);
                shown = done;
            }
        };
        let result = resume::fetch(&self.agent, &item.url, &partial, &expected, &mut report)
            .and_then(|finished| finished.persist(&item.dest));
        progress.finished(&item.url);
        result.map_err(|e| match e {
            resume::FetchError::NotFound { url } => PkgsError::NotFound { url },
            resume::FetchError::Http { url, reason } => PkgsError::Fetch {
                url,
                message: reason,
            },
            resume::FetchError::Mismatch {
                url,
                what,
                expected,
                actual,
            } => {
                // Worded as the index checks word theirs: `SHA256 of URL does not match`.
                let what = if what == "hash" { "SHA256" } else { what };
                let bare = |value: String| match value.strip_prefix("sha256:") {
                    Some(hex) => hex.to_owned(),
                    None => value,
                };
                PkgsError::Mismatch {
                    what: format!("{what} of {url}"),
                    expected: bare(expected),
                    actual: bare(actual),
                }
            }
            resume::FetchError::Io { path, source } => PkgsError::Io { path, source },
        })
    }

    /// Downloads every item with up to `jobs` threads; the first error is returned after
    /// the running downloads end.
    pub fn download_all(
        &self,
        items: &[Download],
        jobs: usize,
        progress: &dyn Progress,
    ) -> Result<(), PkgsError> {
        self.download_all_then(items, jobs, progress, &|_| {})
    }

    /// Like [`Fetcher::download_all`], calling `done(i)` as soon as item `i` is in place
    /// and checked, so a caller can start using it while the others still download.
    /// Items are started in the given order.
    pub fn download_all_then(
        &self,
        items: &[Download],
        jobs: usize,
        progress: &dyn Progress,
        done: &(dyn Fn(usize) + Sync),
    ) -> Result<(), PkgsError> {
        let next = AtomicUsize::new(0);
        let first_error: Mutex<Option<PkgsError>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..jobs.clamp(1, 16).min(items.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else { return };
                        if first_error.lock().map(|e| e.is_some()).unwrap_or(true) {
                            return;
                        }
                        match self.download(item, progress) {
                            Ok(()) => done(index),
                            Err(e) => {
                                if let Ok(mut slot) = first_error.lock() {
                                    slot.get_or_insert(e);
                                }
                                return;
                            }
                        }
                    }
                });
            }
        });
        match first_error.into_inner() {
            Ok(Some(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The size and SHA256 of a file on disk.
pub fn file_sha256(path: &Path) -> Result<(u64, String), PkgsError> {
    let mut file = std::fs::File::open(path).map_err(PkgsError::io(path))?;
    let mut hash = Sha256::new();
    let size = std::io::copy(&mut file, &mut hash).map_err(PkgsError::io(path))?;
    Ok((size, hex(&hash.finalize())))
}

/// Compares a size and hash with the expected ones, naming `what` on a mismatch.
pub fn check_size_and_hash(
    what: &str,
    expected_size: u64,
    expected_sha256: &str,
    size: u64,
    sha256: &str,
) -> Result<(), PkgsError> {
    if size != expected_size {
        return Err(PkgsError::Mismatch {
            what: format!("size of {what}"),
            expected: expected_size.to_string(),
            actual: size.to_string(),
        });
    }
    if !sha256.eq_ignore_ascii_case(expected_sha256) {
        return Err(PkgsError::Mismatch {
            what: format!("SHA256 of {what}"),
            expected: expected_sha256.to_owned(),
            actual: sha256.to_owned(),
        });
    }
    Ok(())
}
