//! Downloading one URL to a file: `file://` is read from disk, `http(s)://` goes through
//! an HTTP client. Used by `builtin:fetchurl` (resumably, see [`crate::net::resume`]) and
//! by the evaluator's fetchers.

use std::fs;
use std::io;
use std::path::Path;

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("unsupported URL scheme in '{0}' (only file://, http:// and https:// are known)")]
    Scheme(String),
    #[error("cannot download '{url}': {reason}")]
    Http { url: String, reason: String },
    #[error("cannot write '{path}' while downloading '{url}'")]
    Write {
        url: String,
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Fetch(#[from] crate::net::resume::FetchError),
    #[error("cannot read '{url}'")]
    Read {
        url: String,
        #[source]
        source: io::Error,
    },
}

/// Downloads `url` into a new file at `dest` with `http`.
pub fn download(http: &ureq::Agent, url: &str, dest: &Path) -> Result<(), DownloadError> {
    let write_err = |source| DownloadError::Write {
        url: url.to_owned(),
        path: dest.to_path_buf(),
        source,
    };
    let mut out = fs::File::create_new(dest).map_err(write_err)?;
    if let Some(path) = url.strip_prefix("file://") {
        let mut src = fs::File::open(path).map_err(|source| DownloadError::Read {
            url: url.to_owned(),
            source,
        })?;
        io::copy(&mut src, &mut out).map_err(|source| DownloadError::Read {
            url: url.to_owned(),
            source,
        })?;
    } else if url.starts_with("http://") || url.starts_with("https://") {
        let response = http.get(url).call().map_err(|e| DownloadError::Http {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(DownloadError::Http {
                url: url.to_owned(),
                reason: format!("http status: {}", status.as_u16()),
            });
        }
        let mut reader = response.into_body().into_reader();
        io::copy(&mut reader, &mut out).map_err(|e| DownloadError::Http {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    } else {
        return Err(DownloadError::Scheme(url.to_owned()));
    }
    out.sync_all().map_err(write_err)?;
    Ok(())
}

/// Downloads `url` to `dest` through a partial file in `partial_dir` that survives an
/// interruption, checking it against `expected` before it is moved to `dest`; `file://`
/// URLs are copied as they are.
pub fn download_resumable(
    http: &ureq::Agent,
    url: &str,
    dest: &Path,
    partial_dir: &Path,
    expected: &crate::net::resume::Expected,
    progress: crate::net::resume::OnProgress<'_>,
) -> Result<(), DownloadError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return download(http, url, dest);
    }
    let partial = crate::net::resume::partial_path(partial_dir, url, expected.sha256.as_deref());
    let finished = crate::net::resume::fetch(http, url, &partial, expected, progress)?;
    finished.persist(dest)?;
    Ok(())
}

/// The last path component of a URL (Nix's `baseNameOf`), the default store name of a
/// fetched file.
pub fn base_name(url: &str) -> &str {
    let trimmed = url.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Unpacks a tarball (plain, gzip or xz, recognised by its first bytes) into `dest`.
pub fn unpack_tarball(file: &Path, dest: &Path) -> Result<(), io::Error> {
    let mut magic = [0u8; 6];
    let n = io::Read::read(&mut fs::File::open(file)?, &mut magic)?;
    let f = io::BufReader::new(fs::File::open(file)?);
    let reader: Box<dyn io::Read> = if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(f))
    } else if n >= 6 && magic == [0xfd, b'7', b'z', b'X', b'Z', 0] {
        Box::new(xz2::read::XzDecoder::new(f))
    } else {
        Box::new(f)
    };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(false);
    archive.unpack(dest)
}
