//! Downloads that survive interruptions: the bytes received so far stay in a partial
//! file, named after what is expected (the SHA256 when known, else the URL), and the next
//! attempt — a retry after a dropped connection, or a later run after denv was killed —
//! asks only for the rest with `Range: bytes=N-`.
//!
//! ```text
//! partial file (locked) ─has N bytes─► GET with Range: bytes=N- ─206 from N─► append
//!                                         │ 200 (range ignored)  ─► truncate, write from 0
//!                                         │ connection dropped   ─► retry from the new N
//!                                         ▼
//!                   complete ─► size and SHA256 checked ─► the caller moves it into place
//!                                 │ mismatch ─► partial file deleted, error
//! ```
//!
//! Invariants: a partial file is only ever written by the process holding its lock (a
//! second process downloading the same file uses a private temporary file instead); the
//! file handed back has the expected size and SHA256 (when they were given); a mismatch
//! never leaves its bytes behind to be resumed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// What the downloaded file must be.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// Its size in bytes.
    pub size: Option<u64>,
    /// Its SHA256, lower-case hex.
    pub sha256: Option<String>,
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("'{url}' is not on the server (HTTP 404)")]
    NotFound { url: String },
    #[error("cannot download '{url}': {reason}")]
    Http { url: String, reason: String },
    #[error(
        "{what} mismatch in the download of '{url}': expected {expected}, got {actual}; the downloaded bytes were discarded"
    )]
    Mismatch {
        url: String,
        what: &'static str,
        expected: String,
        actual: String,
    },
    #[error("cannot write '{path}' while downloading")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Attempts in a row that may fail without receiving a byte before the download fails.
const ATTEMPTS: u32 = 4;

/// How far a download has come: bytes on disk (resumed ones included) and the total when
/// known. Called after every chunk.
pub type OnProgress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// A complete, checked download in a partial file, still locked against other writers
/// until it is moved into place.
#[derive(Debug)]
pub struct Finished {
    pub path: PathBuf,
    /// Held so no other process writes to the file before it is moved.
    _file: File,
    /// A private file (the shared one was busy) is removed when dropped unmoved.
    private: bool,
}

impl Finished {
    /// Moves the file to `dest` (copying across file systems).
    pub fn persist(self, dest: &Path) -> Result<(), FetchError> {
        let io_err = |source| FetchError::Io {
            path: dest.to_path_buf(),
            source,
        };
        if fs::rename(&self.path, dest).is_err() {
            fs::copy(&self.path, dest).map_err(io_err)?;
            let _ = fs::remove_file(&self.path);
        }
        Ok(())
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        if self.private {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Where the partial file of a download lives in `dir`: named by the expected SHA256 when
/// known (so every URL of the same file shares it), else by a hash of the URL.
pub fn partial_path(dir: &Path, url: &str, sha256: Option<&str>) -> PathBuf {
    match sha256 {
        Some(hash) => dir.join(format!("{}.part", hash.to_ascii_lowercase())),
        None => dir.join(format!("url-{}.part", hex(&Sha256::digest(url.as_bytes())))),
    }
}

/// Downloads `url` into the partial file `partial`, continuing from what it holds, and
/// checks the result against `expected`.
pub fn fetch(
    agent: &ureq::Agent,
    url: &str,
    partial: &Path,
    expected: &Expected,
    progress: OnProgress<'_>,
) -> Result<Finished, FetchError> {
    let io_at = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FetchError::Io { path, source }
    };
    let dir = partial.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_at(dir))?;
    let (mut file, path, private) = match open_locked(partial).map_err(io_at(partial))? {
        Some(file) => (file, partial.to_path_buf(), false),
        None => {
            let (file, path) = tempfile::Builder::new()
                .suffix(".part")
                .tempfile_in(dir)
                .map_err(io_at(dir))?
                .keep()
                .map_err(|e| io_at(dir)(e.error))?;
            (file, path, true)
        }
    };
    let result = download_into(agent, url, &mut file, &path, expected, progress);
    if let Err(e) = result {
        // Bytes that fail the check must not be resumed; others are kept for next time.
        if private || matches!(e, FetchError::Mismatch { .. }) {
            let _ = fs::remove_file(&path);
        }
        return Err(e);
    }
    Ok(Finished {
        path,
        _file: file,
        private,
    })
}

/// Opens (creating) and locks the shared partial file; `None` when another process holds
/// it.
fn open_locked(path: &Path) -> io::Result<Option<File>> {
    use std::os::unix::fs::MetadataExt;
    for _ in 0..3 {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match crate::store::lock::flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        }
        // The previous holder may have moved the file away between our open and lock.
        let same =
            fs::metadata(path).is_ok_and(|m| m.ino() == file.metadata().map_or(0, |f| f.ino()));
        if same {
            return Ok(Some(file));
        }
    }
    Ok(None)
}

/// The download loop: ask for what is missing until the file is complete.
fn download_into(
    agent: &ureq::Agent,
    url: &str,
    file: &mut File,
    path: &Path,
    expected: &Expected,
    progress: OnProgress<'_>,
) -> Result<(), FetchError> {
    let io_err = |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut have = file.metadata().map_err(io_err)?.len();
    if expected.size.is_some_and(|size| have > size) {
        have = 0;
    }
    let mut hash = Sha256::new();
    if have > 0 {
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let copied = io::copy(&mut (&mut *file).take(have), &mut hash).map_err(io_err)?;
        have = copied;
    }
    file.set_len(have).map_err(io_err)?;
    file.seek(SeekFrom::Start(have)).map_err(io_err)?;
    let mut total = expected.size;
    let mut failures = 0;
    loop {
        if total.is_some_and(|t| have >= t) {
            break;
        }
        progress(have, total);
        match attempt(
            agent, url, file, path, &mut have, &mut hash, &mut total, expected, progress,
        ) {
            Ok(Attempt::Complete) => break,
            Ok(Attempt::Again) => failures = 0,
            Err(Failure::Final(e)) => return Err(e),
            Err(Failure::Transient { reason, progressed }) => {
                failures = if progressed { 0 } else { failures + 1 };
                if failures >= ATTEMPTS {
                    return Err(FetchError::Http {
                        url: url.to_owned(),
                        reason,
                    });
                }
                tracing::debug!("resuming {url} at {have} bytes after: {reason}");
                std::thread::sleep(Duration::from_millis(200 * u64::from(failures)));
            }
        }
    }
    progress(have, total.or(Some(have)));
    file.sync_all().map_err(io_err)?;
    let mismatch = |what, expected: String, actual: String| FetchError::Mismatch {
        url: url.to_owned(),
        what,
        expected,
        actual,
    };
    if let Some(size) = expected.size
        && size != have
    {
        return Err(mismatch("size", size.to_string(), have.to_string()));
    }
    let got = hex(&hash.finalize());
    if let Some(sha256) = &expected.sha256
        && !sha256.eq_ignore_ascii_case(&got)
    {
        return Err(mismatch(
            "hash",
            format!("sha256:{sha256}"),
            format!("sha256:{got}"),
        ));
    }
    Ok(())
}

enum Attempt {
    /// The server sent the whole rest.
    Complete,
    /// Something changed (a restart from zero); ask again at once.
    Again,
}

enum Failure {
    Final(FetchError),
    Transient { reason: String, progressed: bool },
}

/// One request for the bytes from `have` on.
#[expect(clippy::too_many_arguments, reason = "the state of one download loop")]
fn attempt(
    agent: &ureq::Agent,
    url: &str,
    file: &mut File,
    path: &Path,
    have: &mut u64,
    hash: &mut Sha256,
    total: &mut Option<u64>,
    expected: &Expected,
    progress: OnProgress<'_>,
) -> Result<Attempt, Failure> {
    let io_err = |source| {
        Failure::Final(FetchError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let transient = |reason: String, progressed| Failure::Transient { reason, progressed };
    let mut request = agent.get(url);
    if *have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let response = request
        .call()
        .map_err(|e| transient(e.to_string(), false))?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let length: Option<u64> = header("content-length").and_then(|v| v.trim().parse().ok());
    match status {
        206 => {
            let range = header("content-range").and_then(|v| content_range(&v));
            match range {
                Some((start, whole)) if start == *have => {
                    *total = whole.or(*total);
                }
                // A range we did not ask for: start over.
                _ => {
                    restart(file, have, hash).map_err(io_err)?;
                    return Ok(Attempt::Again);
                }
            }
        }
        200 => {
            // The server ignored the range (or none was asked): the body is the whole file.
            if *have > 0 {
                tracing::debug!("{url}: the server ignored the range, restarting from zero");
                restart(file, have, hash).map_err(io_err)?;
            }
            *total = length.or(*total);
        }
        416 if *have > 0 => {
            restart(file, have, hash).map_err(io_err)?;
            return Ok(Attempt::Again);
        }
        404 => {
            return Err(Failure::Final(FetchError::NotFound {
                url: url.to_owned(),
            }));
        }
        500..=599 => return Err(transient(format!("HTTP status {status}"), false)),
        _ => {
            return Err(Failure::Final(FetchError::Http {
                url: url.to_owned(),
                reason: format!("HTTP status {status}"),
            }));
        }
    }
    let start = *have;
    let mut reader = response.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return Err(transient(e.to_string(), *have > start)),
        };
        let chunk = &buf[..n];
        if let Some(limit) = expected.size.or(*total)
            && *have + n as u64 > limit
        {
            let _ = file.set_len(0);
            return Err(Failure::Final(FetchError::Mismatch {
                url: url.to_owned(),
                what: "size",
                expected: limit.to_string(),
                actual: format!("more than {limit}"),
            }));
        }
        file.write_all(chunk).map_err(io_err)?;
        hash.update(chunk);
        *have += n as u64;
        progress(*have, *total);
    }
    match *total {
        Some(t) if *have < t => Err(transient(
            format!("the connection closed after {have} of {t} bytes"),
            *have > start,
        )),
        _ => Ok(Attempt::Complete),
    }
}

/// Forgets the bytes received so far.
fn restart(file: &mut File, have: &mut u64, hash: &mut Sha256) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    *have = 0;
    *hash = Sha256::new();
    Ok(())
}

/// `bytes START-END/TOTAL` → (START, TOTAL when not `*`).
fn content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, whole) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let start = start.trim().parse().ok()?;
    let whole = whole.trim().parse().ok();
    Some((start, whole))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_reads_start_and_total() {
        assert_eq!(content_range("bytes 100-999/1000"), Some((100, Some(1000))));
        assert_eq!(content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(content_range("items 1-2/3"), None);
    }

    #[test]
    fn partial_files_are_named_by_hash_or_url() {
        let dir = Path::new("/p");
        assert_eq!(
            partial_path(dir, "http://x/a.deb", Some("ABC")),
            Path::new("/p/abc.part")
        );
        let by_url = partial_path(dir, "http://x/a.deb", None);
        assert!(
            by_url.to_string_lossy().starts_with("/p/url-"),
            "{}",
            by_url.display()
        );
        assert_ne!(by_url, partial_path(dir, "http://x/b.deb", None));
    }
}
