//! Hashes as Nix prints and parses them: md5, sha1, sha256, sha512 in base16, nixbase32,
//! base64 and SRI, plus the XOR fold that turns a sha256 into a store path's 160-bit hash
//! part, and a [`Hasher`] that is also an `io::Write` so a NAR can be hashed while it streams.
//!
//! A [`Hash`](struct@Hash) always holds exactly the digest length of its algorithm.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::Digest;

use super::nixbase32;

/// A hash algorithm Nix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgo {
    /// The digest length in bytes.
    pub const fn size(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// The name Nix uses (`sha256`).
    pub const fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashAlgo {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, HashError> {
        match s {
            "md5" => Ok(HashAlgo::Md5),
            "sha1" => Ok(HashAlgo::Sha1),
            "sha256" => Ok(HashAlgo::Sha256),
            "sha512" => Ok(HashAlgo::Sha512),
            _ => Err(HashError::UnknownAlgo(s.to_owned())),
        }
    }
}

/// How a hash is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFormat {
    Base16,
    Nix32,
    Base64,
    /// `sha256-<base64>`, as in Subresource Integrity.
    Sri,
}

/// Why a hash could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("unknown hash algorithm '{0}'")]
    UnknownAlgo(String),
    #[error("hash '{0}' does not say which algorithm it uses")]
    MissingAlgo(String),
    #[error("hash '{hash}' is not a valid {algo} hash in base16, nixbase32, base64 or SRI form")]
    BadEncoding { hash: String, algo: HashAlgo },
    #[error("hash '{hash}' is a {found} hash, but {expected} was expected")]
    AlgoMismatch {
        hash: String,
        found: HashAlgo,
        expected: HashAlgo,
    },
}

/// A digest together with its algorithm.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    algo: HashAlgo,
    bytes: Vec<u8>,
}

impl Hash {
    /// Wraps raw digest bytes; `None` if the length does not match the algorithm.
    pub fn from_bytes(algo: HashAlgo, bytes: &[u8]) -> Option<Self> {
        (bytes.len() == algo.size()).then(|| Hash {
            algo,
            bytes: bytes.to_vec(),
        })
    }

    /// Hashes a byte string.
    pub fn digest(algo: HashAlgo, data: &[u8]) -> Self {
        let mut h = Hasher::new(algo);
        h.update(data);
        h.finish()
    }

    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The digest alone in a format (`"1b2m2y8..."`); SRI includes the algorithm anyway.
    pub fn encode(&self, format: HashFormat) -> String {
        match format {
            HashFormat::Base16 => hex(&self.bytes),
            HashFormat::Nix32 => nixbase32::encode(&self.bytes),
            HashFormat::Base64 => BASE64.encode(&self.bytes),
            HashFormat::Sri => format!("{}-{}", self.algo, BASE64.encode(&self.bytes)),
        }
    }

    /// `algo:digest` in a format (SRI has its own prefix and no `algo:`).
    pub fn to_typed_string(&self, format: HashFormat) -> String {
        match format {
            HashFormat::Sri => self.encode(format),
            _ => format!("{}:{}", self.algo, self.encode(format)),
        }
    }

    /// Parses a hash in any of Nix's forms: `algo:digest`, `algo-base64` (SRI), or a bare
    /// digest when `algo` is given. The digest encoding is recognised by its length.
    pub fn parse(text: &str, algo: Option<HashAlgo>) -> Result<Self, HashError> {
        let (found, digest, sri) = if let Some((a, rest)) = text.split_once(':') {
            (Some(a.parse::<HashAlgo>()?), rest, false)
        } else if let Some((a, rest)) = text
            .split_once('-')
            .filter(|(a, _)| a.parse::<HashAlgo>().is_ok())
        {
            (Some(a.parse::<HashAlgo>()?), rest, true)
        } else {
            (None, text, false)
        };
        let algo = match (found, algo) {
            (Some(f), Some(e)) if f != e => {
                return Err(HashError::AlgoMismatch {
                    hash: text.to_owned(),
                    found: f,
                    expected: e,
                });
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => return Err(HashError::MissingAlgo(text.to_owned())),
        };
        let bad = || HashError::BadEncoding {
            hash: text.to_owned(),
            algo,
        };
        let size = algo.size();
        let bytes = if sri {
            decode_base64(digest, size).ok_or_else(bad)?
        } else if digest.len() == size * 2 {
            unhex(digest).ok_or_else(bad)?
        } else if digest.len() == nixbase32::encoded_len(size) {
            nixbase32::decode(digest.as_bytes(), size).ok_or_else(bad)?
        } else {
            decode_base64(digest, size).ok_or_else(bad)?
        };
        Ok(Hash { algo, bytes })
    }

    /// Folds the digest into `size` bytes by XOR, as Nix does for store-path hash parts.
    pub fn compress(&self, size: usize) -> Vec<u8> {
        compress(&self.bytes, size)
    }
}

/// Folds `bytes` into `size` bytes: byte `i` is XORed into position `i % size`.
pub fn compress(bytes: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    for (i, b) in bytes.iter().enumerate() {
        out[i % size] ^= b;
    }
    out
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_typed_string(HashFormat::Base16))
    }
}

/// Nix's default rendering: `sha256:<nixbase32>`.
impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_typed_string(HashFormat::Nix32))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(*pair.get(1)?)?))
        .collect()
}

fn decode_base64(text: &str, size: usize) -> Option<Vec<u8>> {
    BASE64.decode(text).ok().filter(|b| b.len() == size)
}

enum State {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

/// An incremental hash that is also a writer, so NAR serialisation can stream into it.
pub struct Hasher {
    state: State,
    written: u64,
}

impl Hasher {
    pub fn new(algo: HashAlgo) -> Self {
        let state = match algo {
            HashAlgo::Md5 => State::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => State::Sha1(sha1::Sha1::new()),
            HashAlgo::Sha256 => State::Sha256(sha2::Sha256::new()),
            HashAlgo::Sha512 => State::Sha512(sha2::Sha512::new()),
        };
        Hasher { state, written: 0 }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.written += data.len() as u64;
        match &mut self.state {
            State::Md5(h) => h.update(data),
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
            State::Sha512(h) => h.update(data),
        }
    }

    /// How many bytes went in so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn finish(self) -> Hash {
        let (algo, bytes) = match self.state {
            State::Md5(h) => (HashAlgo::Md5, h.finalize().to_vec()),
            State::Sha1(h) => (HashAlgo::Sha1, h.finalize().to_vec()),
            State::Sha256(h) => (HashAlgo::Sha256, h.finalize().to_vec()),
            State::Sha512(h) => (HashAlgo::Sha512, h.finalize().to_vec()),
        };
        Hash { algo, bytes }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO_SHA256: &str = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    #[test]
    fn parses_every_form_and_prints_every_form() {
        let h = Hash::digest(HashAlgo::Sha256, b"hello world");
        assert_eq!(h.encode(HashFormat::Base16), HELLO_SHA256);
        for format in [
            HashFormat::Base16,
            HashFormat::Nix32,
            HashFormat::Base64,
            HashFormat::Sri,
        ] {
            let typed = h.to_typed_string(format);
            assert_eq!(Hash::parse(&typed, None), Ok(h.clone()), "{typed}");
            assert_eq!(
                Hash::parse(&h.encode(format), Some(HashAlgo::Sha256)),
                Ok(h.clone())
            );
        }
        assert_eq!(
            h.encode(HashFormat::Sri),
            "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
        );
    }

    #[test]
    fn rejects_wrong_algorithm_and_length() {
        assert!(matches!(
            Hash::parse(&format!("sha1:{HELLO_SHA256}"), None),
            Err(HashError::BadEncoding { .. })
        ));
        assert!(matches!(
            Hash::parse(&format!("sha256:{HELLO_SHA256}"), Some(HashAlgo::Sha512)),
            Err(HashError::AlgoMismatch { .. })
        ));
        assert!(matches!(
            Hash::parse(HELLO_SHA256, None),
            Err(HashError::MissingAlgo(_))
        ));
        assert!(Hash::parse("sha256:zz", None).is_err());
    }

    #[test]
    fn compress_folds_by_xor() {
        assert_eq!(compress(&[1, 2, 3, 4, 5], 2), vec![1 ^ 3 ^ 5, 2 ^ 4]);
    }
}
