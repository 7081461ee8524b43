//! The chain of trust from an archive keyring to a suite's index files.
//!
//! ```text
//! keyring (Signed-By) ─► InRelease clearsigned by a (sub)key ─► signed Release text
//!   ─► SHA256 + size of dists/<suite>/<component>/binary-amd64/Packages(.xz)
//!   ─► each package's Size + SHA256 (checked by the fetcher when a .deb is downloaded)
//! ```
//!
//! Debian signs with **subkeys** of the keyring's primary keys, so both primary keys and
//! subkeys with a valid binding signature are tried. Only the signed text of `InRelease`
//! is ever parsed; anything around it is discarded. Every failure is an error naming the
//! file and what did not match.

use std::collections::HashMap;
use std::io::Read;

use pgp::composed::{CleartextSignedMessage, Deserializable, SignedPublicKey};
use pgp::types::KeyDetails;

use super::error::PkgsError;
use super::fetch::hex;
use super::sources::Keyring;

/// The public keys (primary keys and bound subkeys) allowed to sign a suite.
pub struct TrustedKeys {
    keys: Vec<SignedPublicKey>,
}

impl TrustedKeys {
    /// Loads a keyring (binary or armored) or apt's global trusted keys.
    pub fn load(keyring: &Keyring) -> Result<TrustedKeys, PkgsError> {
        let mut keys = Vec::new();
        match keyring {
            Keyring::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| PkgsError::Keyring {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                read_keys(&bytes, &path.display().to_string(), &mut keys)?;
            }
            Keyring::Inline(text) => read_keys(text.as_bytes(), "inline Signed-By key", &mut keys)?,
            Keyring::AptTrusted(apt_dir) => {
                let mut files = vec![apt_dir.join("trusted.gpg")];
                if let Ok(rd) = std::fs::read_dir(apt_dir.join("trusted.gpg.d")) {
                    let mut more: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    more.sort();
                    files.extend(more);
                }
                for file in files {
                    if let Ok(bytes) = std::fs::read(&file) {
                        read_keys(&bytes, &file.display().to_string(), &mut keys)?;
                    }
                }
            }
        }
        if keys.is_empty() {
            return Err(PkgsError::Keyring {
                path: format!("{keyring:?}"),
                message: "no public keys found".to_owned(),
            });
        }
        Ok(TrustedKeys { keys })
    }

    /// Checks a clearsigned `InRelease` and returns its signed text (LF line ends).
    pub fn verify_clearsigned(&self, bytes: &[u8], url: &str) -> Result<String, PkgsError> {
        let bad = |message: String| PkgsError::BadSignature {
            url: url.to_owned(),
            message,
        };
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".to_owned()))?;
        let (message, _) = CleartextSignedMessage::from_string(text)
            .map_err(|e| bad(format!("not a clearsigned message: {e}")))?;
        for key in &self.keys {
            if message.verify(&key.primary_key).is_ok() {
                return Ok(message.signed_text().replace("\r\n", "\n"));
            }
            for sub in &key.public_subkeys {
                if sub.verify(&key.primary_key).is_ok() && message.verify(&sub.key).is_ok() {
                    return Ok(message.signed_text().replace("\r\n", "\n"));
                }
            }
        }
        let issuers: Vec<String> = message
            .signatures()
            .iter()
            .flat_map(|s| s.issuer().into_iter().map(|id| format!("{id:?}")))
            .collect();
        Err(bad(format!(
            "no good signature by a key of the keyring (signed by {})",
            if issuers.is_empty() {
                "no identifiable key".to_owned()
            } else {
                issuers.join(", ")
            }
        )))
    }

    /// The fingerprints of the primary keys (for diagnostics).
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| hex(k.primary_key.fingerprint().as_bytes()))
            .collect()
    }
}

fn read_keys(bytes: &[u8], what: &str, out: &mut Vec<SignedPublicKey>) -> Result<(), PkgsError> {
    let (iter, _) = SignedPublicKey::from_reader_many(bytes).map_err(|e| PkgsError::Keyring {
        path: what.to_owned(),
        message: e.to_string(),
    })?;
    // Keys the library cannot parse (old algorithms) are skipped, as gpgv does.
    out.extend(iter.filter_map(Result::ok));
    Ok(())
}

/// The parts of a signed `Release` text that the chain of trust uses.
#[derive(Debug, Clone, Default)]
pub struct Release {
    pub suite: Option<String>,
    pub codename: Option<String>,
    /// `Date`, as the archive wrote it (when the suite was last published).
    pub date: Option<String>,
    pub acquire_by_hash: bool,
    /// `Valid-Until` as seconds since the epoch (signed Releases can expire, so an old
    /// one cannot be replayed to hide updates).
    pub valid_until: Option<i64>,
    /// Path under `dists/<suite>/` → (size, SHA256).
    pub sha256: HashMap<String, (u64, String)>,
}

impl Release {
    /// Parses the signed text of an `InRelease`.
    pub fn parse(text: &str) -> Release {
        let mut release = Release::default();
        let Some(stanza) = super::deb822::stanzas(text).next() else {
            return release;
        };
        release.suite = stanza.get("Suite").map(str::to_owned);
        release.codename = stanza.get("Codename").map(str::to_owned);
        release.date = stanza.get("Date").map(str::to_owned);
        release.valid_until = stanza
            .get("Valid-Until")
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(&v.replace("UTC", "+0000")).ok())
            .map(|t| t.timestamp());
        release.acquire_by_hash = stanza
            .get("Acquire-By-Hash")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        if let Some(list) = stanza.get("SHA256") {
            for line in list.lines() {
                let mut words = line.split_whitespace();
                if let (Some(hash), Some(size), Some(path)) =
                    (words.next(), words.next(), words.next())
                {
                    if let Ok(size) = size.parse() {
                        release
                            .sha256
                            .insert(path.to_owned(), (size, hash.to_ascii_lowercase()));
                    }
                }
            }
        }
        release
    }

    /// Checks that the Release describes the suite that was asked for (a signed Release
    /// of another suite must not be substituted).
    pub fn check_suite(&self, suite: &str, url: &str) -> Result<(), PkgsError> {
        if self.suite.as_deref() == Some(suite) || self.codename.as_deref() == Some(suite) {
            return Ok(());
        }
        Err(PkgsError::Mismatch {
            what: format!("suite of {url}"),
            expected: suite.to_owned(),
            actual: format!(
                "Suite {} / Codename {}",
                self.suite.as_deref().unwrap_or("(none)"),
                self.codename.as_deref().unwrap_or("(none)")
            ),
        })
    }
}

impl Release {
    /// Refuses a Release whose `Valid-Until` is before `now` (seconds since the epoch).
    pub fn check_fresh(&self, now: i64, url: &str) -> Result<(), PkgsError> {
        match self.valid_until {
            Some(until) if until < now => Err(PkgsError::Expired {
                url: url.to_owned(),
                until: chrono::DateTime::from_timestamp(until, 0)
                    .map(|t| t.to_rfc2822())
                    .unwrap_or_else(|| until.to_string()),
            }),
            _ => Ok(()),
        }
    }
}

/// Checks index bytes against the signed Release entry for `path` and returns them.
pub fn check_index(
    release: &Release,
    path: &str,
    bytes: &[u8],
    url: &str,
) -> Result<(), PkgsError> {
    let Some((size, sha)) = release.sha256.get(path) else {
        return Err(PkgsError::NotListed {
            url: url.to_owned(),
            path: path.to_owned(),
        });
    };
    use sha2::Digest;
    let actual = hex(&sha2::Sha256::digest(bytes));
    super::fetch::check_size_and_hash(url, *size, sha, bytes.len() as u64, &actual)
}

/// Decompresses an index by its file extension (`.xz`, `.gz`, or none).
pub fn decompress(path: &str, bytes: &[u8]) -> Result<Vec<u8>, PkgsError> {
    let mut out = Vec::with_capacity(bytes.len() * 6);
    let err = |e: std::io::Error| PkgsError::Decompress {
        what: path.to_owned(),
        message: e.to_string(),
    };
    if path.ends_with(".xz") {
        xz2::read::XzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(err)?;
    } else if path.ends_with(".gz") {
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(err)?;
    } else {
        out.extend_from_slice(bytes);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_sha256_lines_are_read_by_path() {
        let text = "Suite: stable\nCodename: bookworm\nAcquire-By-Hash: yes\nSHA256:\n \
                    ABCD 12 main/binary-amd64/Packages\n ef01 3 main/binary-amd64/Packages.xz\n";
        let release = Release::parse(text);
        assert!(release.acquire_by_hash);
        assert_eq!(
            release.sha256.get("main/binary-amd64/Packages"),
            Some(&(12, "abcd".to_owned()))
        );
        assert!(release.check_suite("bookworm", "u").is_ok());
        assert!(release.check_suite("trixie", "u").is_err());
        assert_eq!(release.valid_until, None);
    }

    #[test]
    fn an_expired_release_is_refused() {
        let release = Release::parse("Suite: s\nValid-Until: Sat, 11 Jul 2026 10:16:37 UTC\n");
        let until = release.valid_until.unwrap();
        assert!(release.check_fresh(until - 1, "u").is_ok());
        let err = release
            .check_fresh(until + 1, "http://x/InRelease")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "http://x/InRelease expired on Sat, 11 Jul 2026 10:16:37 +0000 (Valid-Until); \
             the archive or a mirror in between serves an outdated suite"
        );
    }

    #[test]
    fn index_with_wrong_hash_is_refused_naming_the_url() {
        let release = Release::parse("SHA256:\n 00 3 p\n");
        let err = check_index(&release, "p", b"abc", "http://x/p").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("SHA256 of http://x/p does not match"),
            "{err}"
        );
        let err = check_index(&release, "q", b"abc", "http://x/q").unwrap_err();
        assert!(err.to_string().contains("lists no checksum for q"), "{err}");
    }
}
