//! Builtins of the `hash` family: `hashString`, `hashFile` and `convertHash`, with the
//! hash encodings Nix prints and parses.
//!
//! Encodings, all of the raw digest bytes:
//! - base16: lowercase hex (upper case accepted when parsing);
//! - nix32: Nix's base-32, alphabet `0123456789abcdfghijklmnpqrsvwxyz` (no `e o t u`),
//!   read in reverse bit order: the last character holds the lowest five bits of the
//!   first byte, so `(len * 8 - 1) / 5 + 1` characters and no padding;
//! - base64: standard alphabet with padding;
//! - SRI: `ALGO-` followed by base64.
//!
//! The evaluator does not depend on the store, so the base-32 codec here is a private
//! copy of the one the store owns.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::super::error::EvalError;
use super::super::machine::Evaluator;
use super::super::source::Pos;
use super::super::value::Value;
use super::Builtin;
use super::strings::force_string_no_context;

/// The builtins of this family.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "hashString",
        arity: 2,
        func: hash_string,
    },
    Builtin {
        name: "hashFile",
        arity: 2,
        func: hash_file,
    },
    Builtin {
        name: "convertHash",
        arity: 1,
        func: convert_hash,
    },
];

/// A hash algorithm Nix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgo {
    /// The algorithm named `name` (`md5`, `sha1`, `sha256`, `sha512`).
    pub fn parse(name: &str) -> Option<HashAlgo> {
        Some(match name {
            "md5" => HashAlgo::Md5,
            "sha1" => HashAlgo::Sha1,
            "sha256" => HashAlgo::Sha256,
            "sha512" => HashAlgo::Sha512,
            _ => return None,
        })
    }

    /// The name Nix prints.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// The digest size in bytes.
    pub fn size(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Hash {
        let bytes = match self {
            HashAlgo::Md5 => Md5::digest(data).to_vec(),
            HashAlgo::Sha1 => Sha1::digest(data).to_vec(),
            HashAlgo::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgo::Sha512 => Sha512::digest(data).to_vec(),
        };
        Hash { algo: self, bytes }
    }
}

/// How a hash is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFormat {
    Base16,
    Nix32,
    Base64,
    Sri,
}

impl HashFormat {
    /// The format named `name` (`base32` is the old name of `nix32`).
    pub fn parse(name: &str) -> Option<HashFormat> {
        Some(match name {
            "base16" => HashFormat::Base16,
            "nix32" | "base32" => HashFormat::Nix32,
            "base64" => HashFormat::Base64,
            "sri" => HashFormat::Sri,
            _ => return None,
        })
    }
}

/// Why a hash string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("unknown hash algorithm '{0}', expect 'md5', 'sha1', 'sha256', or 'sha512'")]
    UnknownAlgo(String),
    #[error("hash '{0}' does not include a type, nor is the type otherwise known from context")]
    NoAlgo(String),
    #[error("hash '{hash}' should have type '{expected}'")]
    AlgoMismatch {
        hash: String,
        expected: &'static str,
    },
    #[error("invalid base-16 hash '{0}'")]
    Base16(String),
    #[error("invalid base-32 hash '{0}'")]
    Nix32(String),
    #[error("invalid {kind} hash '{hash}'")]
    Base64 { kind: &'static str, hash: String },
    #[error("hash '{hash}' has wrong length for hash type '{algo}'")]
    Length { hash: String, algo: &'static str },
}

/// A digest together with its algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hash {
    algo: HashAlgo,
    bytes: Vec<u8>,
}

impl Hash {
    /// The algorithm.
    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    /// Reads a hash in any of Nix's notations: `ALGO:DIGEST`, SRI `ALGO-BASE64`, or a
    /// bare digest in base16, nix32 or base64 whose algorithm `algo` gives. When both the
    /// string and `algo` name an algorithm they must agree.
    pub fn parse_any(text: &str, algo: Option<HashAlgo>) -> Result<Hash, HashError> {
        let (prefix, rest, sri) = match text.split_once(':') {
            Some((prefix, rest)) => (Some(prefix), rest, false),
            None => match text.split_once('-') {
                Some((prefix, rest)) => (Some(prefix), rest, true),
                None => (None, text, false),
            },
        };
        let parsed = match prefix {
            Some(name) => {
                Some(HashAlgo::parse(name).ok_or_else(|| HashError::UnknownAlgo(name.to_owned()))?)
            }
            None => None,
        };
        let algo = match (parsed, algo) {
            (None, None) => return Err(HashError::NoAlgo(rest.to_owned())),
            (Some(p), Some(a)) if p != a => {
                return Err(HashError::AlgoMismatch {
                    hash: text.to_owned(),
                    expected: a.name(),
                });
            }
            (Some(p), _) => p,
            (None, Some(a)) => a,
        };
        Hash::parse_digest(rest, algo, sri)
    }

    fn parse_digest(rest: &str, algo: HashAlgo, sri: bool) -> Result<Hash, HashError> {
        let size = algo.size();
        let bytes = if !sri && rest.len() == size * 2 {
            base16_decode(rest).ok_or_else(|| HashError::Base16(rest.to_owned()))?
        } else if !sri && rest.len() == nix32_len(size) {
            nix32_decode(rest, size).ok_or_else(|| HashError::Nix32(rest.to_owned()))?
        } else if sri || rest.len() == base64_len(size) {
            let kind = if sri { "SRI" } else { "base-64" };
            let invalid = || HashError::Base64 {
                kind,
                hash: rest.to_owned(),
            };
            let decoded = base64_decode(rest).ok_or_else(invalid)?;
            if decoded.len() != size {
                return Err(invalid());
            }
            decoded
        } else {
            return Err(HashError::Length {
                hash: rest.to_owned(),
                algo: algo.name(),
            });
        };
        Ok(Hash { algo, bytes })
    }

    /// Writes the hash in `format`; only SRI carries the algorithm name.
    pub fn render(&self, format: HashFormat) -> String {
        match format {
            HashFormat::Base16 => base16_encode(&self.bytes),
            HashFormat::Nix32 => nix32_encode(&self.bytes),
            HashFormat::Base64 => base64_encode(&self.bytes),
            HashFormat::Sri => format!("{}-{}", self.algo.name(), base64_encode(&self.bytes)),
        }
    }
}

/// Nix's base-32 alphabet.
const NIX32_CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

fn nix32_len(size: usize) -> usize {
    (size * 8).saturating_sub(1) / 5 + 1
}

fn base64_len(size: usize) -> usize {
    size.div_ceil(3) * 4
}

/// Encodes bytes in Nix's base-32 (see the module notes for the bit order).
fn nix32_encode(bytes: &[u8]) -> String {
    let len = nix32_len(bytes.len());
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let bit = n * 5;
        let (i, j) = (bit / 8, bit % 8);
        let low = bytes.get(i).map_or(0, |&b| u16::from(b) >> j);
        let high = bytes.get(i + 1).map_or(0, |&b| u16::from(b) << (8 - j));
        out.push(char::from(NIX32_CHARS[usize::from((low | high) & 0x1f)]));
    }
    out
}

/// Decodes Nix's base-32 into `size` bytes; `None` on a foreign character or on bits
/// beyond the last byte.
fn nix32_decode(text: &str, size: usize) -> Option<Vec<u8>> {
    let mut bytes = vec![0u8; size];
    for (n, c) in text.bytes().rev().enumerate() {
        let digit = NIX32_CHARS.iter().position(|&d| d == c)?;
        let digit = u16::try_from(digit).ok()?;
        let bit = n * 5;
        let (i, j) = (bit / 8, bit % 8);
        let shifted = digit << j;
        *bytes.get_mut(i)? |= (shifted & 0xff) as u8;
        let carry = shifted >> 8;
        if i + 1 < size {
            bytes[i + 1] |= carry as u8;
        } else if carry != 0 {
            return None;
        }
    }
    Some(bytes)
}

fn base16_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base16_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    digits
        .chunks(2)
        .map(|pair| {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(*pair.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn hash_algo_arg(ev: &mut Evaluator, v: &Value) -> Result<HashAlgo, EvalError> {
    let name = force_string_no_context(ev, v)?;
    HashAlgo::parse(&name).ok_or_else(|| EvalError::msg(format!("unknown hash algorithm '{name}'")))
}

/// `hashString ALGO STRING`: the base16 digest of the string (its context is dropped).
fn hash_string(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let algo = hash_algo_arg(ev, &args[0])?;
    let text = ev.force_string(&args[1])?;
    Ok(Value::string(
        algo.digest(text.as_bytes()).render(HashFormat::Base16),
    ))
}

/// `hashFile ALGO PATH`: the base16 digest of the file's contents.
fn hash_file(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let algo = hash_algo_arg(ev, &args[0])?;
    let path = ev.coerce_to_path(&args[1])?;
    let contents = ev
        .io()
        .read_file(std::path::Path::new(&path))
        .map_err(|e| {
            // Opening a directory succeeds in C; the read is what fails.
            if e.kind() == std::io::ErrorKind::IsADirectory {
                EvalError::msg(format!("reading from file: {}", io_reason(&e)))
            } else {
                EvalError::msg(format!("opening file '{path}': {}", io_reason(&e)))
            }
        })?;
    Ok(Value::string(
        algo.digest(&contents).render(HashFormat::Base16),
    ))
}

/// The C library's wording of an I/O error, which Nix prints (without Rust's
/// "(os error N)" suffix).
pub(super) fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// `convertHash { hash; toHashFormat; hashAlgo ? }`: re-encodes a hash.
fn convert_hash(ev: &mut Evaluator, args: &[Value], _pos: Pos) -> Result<Value, EvalError> {
    let attrs = ev.force_attrs(&args[0])?;
    let get = |ev: &mut Evaluator, name: &str| {
        let sym = ev.intern(name);
        attrs.get(sym).cloned()
    };
    let hash_value = get(ev, "hash").ok_or_else(|| EvalError::msg("attribute 'hash' missing"))?;
    let hash = force_string_no_context(ev, &hash_value)?;
    let algo = match get(ev, "hashAlgo") {
        Some(v) => {
            let name = force_string_no_context(ev, &v)?;
            Some(
                HashAlgo::parse(&name)
                    .ok_or_else(|| EvalError::msg(HashError::UnknownAlgo(name).to_string()))?,
            )
        }
        None => None,
    };
    let format_value = get(ev, "toHashFormat")
        .ok_or_else(|| EvalError::msg("attribute 'toHashFormat' missing"))?;
    let format_name = force_string_no_context(ev, &format_value)?;
    let format = HashFormat::parse(&format_name).ok_or_else(|| {
        EvalError::msg(format!(
            "unknown hash format '{format_name}', expect 'base16', 'base32', 'base64', or 'sri'"
        ))
    })?;
    let parsed = Hash::parse_any(&hash, algo).map_err(|e| EvalError::msg(e.to_string()))?;
    Ok(Value::string(parsed.render(format)))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings come from `nix hash convert` / `builtins.hashString` of real Nix.

    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn digests_match_nix() {
        assert_eq!(
            HashAlgo::Sha256.digest(b"abc").render(HashFormat::Base16),
            ABC_SHA256
        );
        assert_eq!(
            HashAlgo::Md5.digest(b"").render(HashFormat::Base16),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            HashAlgo::Sha1.digest(b"hi\n").render(HashFormat::Base16),
            "55ca6286e3e4f4fba5d0448333fa99fc5a404a73"
        );
    }

    #[test]
    fn nix32_round_trips_in_nix_order() {
        let hash = HashAlgo::Sha256.digest(b"abc");
        let nix32 = hash.render(HashFormat::Nix32);
        assert_eq!(
            nix32,
            "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s"
        );
        let back = Hash::parse_any(&nix32, Some(HashAlgo::Sha256)).expect("valid nix32");
        assert_eq!(back, hash);
    }

    #[test]
    fn parses_every_notation() {
        let expected = HashAlgo::Sha256.digest(b"abc");
        for text in [
            format!("sha256:{ABC_SHA256}"),
            ABC_SHA256.to_uppercase(),
            "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=".to_owned(),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=".to_owned(),
        ] {
            let parsed = Hash::parse_any(&text, Some(HashAlgo::Sha256));
            assert_eq!(parsed.as_ref(), Ok(&expected), "{text}");
        }
        assert_eq!(
            expected.render(HashFormat::Sri),
            "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn rejects_what_nix_rejects() {
        assert_eq!(
            Hash::parse_any(ABC_SHA256, None),
            Err(HashError::NoAlgo(ABC_SHA256.to_owned()))
        );
        assert_eq!(
            Hash::parse_any("abc", Some(HashAlgo::Sha1)),
            Err(HashError::Length {
                hash: "abc".to_owned(),
                algo: "sha1"
            })
        );
        assert!(matches!(
            Hash::parse_any(&format!("sha1:{ABC_SHA256}"), Some(HashAlgo::Sha256)),
            Err(HashError::AlgoMismatch { .. })
        ));
        assert!(matches!(
            Hash::parse_any("foo:abc", None),
            Err(HashError::UnknownAlgo(_))
        ));
        // 'e' is not in Nix's base-32 alphabet.
        let bad = "e".repeat(52);
        assert_eq!(
            Hash::parse_any(&bad, Some(HashAlgo::Sha256)),
            Err(HashError::Nix32(bad.clone()))
        );
    }
}

#[cfg(test)]
mod builtin_tests {
    use std::rc::Rc;

    use super::super::super::{EvalOptions, Evaluator, NoStore, Origin, RealFs};

    fn eval(expr: &str) -> Result<String, String> {
        let mut ev = Evaluator::new(
            Rc::new(RealFs),
            Rc::new(NoStore::new("/nix/store")),
            EvalOptions::default(),
        );
        ev.eval_source(Origin::String, expr, std::path::Path::new("/"))
            .and_then(|v| ev.print_value(&v, true))
            .map(|out| String::from_utf8_lossy(&out).into_owned())
            .map_err(|e| e.to_string())
    }

    const SRI: &str = "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

    #[test]
    fn convert_hash_reencodes_in_every_format() {
        let cases = [
            (
                "base16",
                "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
            ),
            (
                "nix32",
                "\"1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s\"",
            ),
            (
                "base32",
                "\"1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s\"",
            ),
            ("base64", "\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\""),
            (
                "sri",
                "\"sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\"",
            ),
        ];
        for (format, expected) in cases {
            let expr =
                format!(r#"builtins.convertHash {{ hash = "{SRI}"; toHashFormat = "{format}"; }}"#);
            assert_eq!(eval(&expr), Ok(expected.to_owned()), "{format}");
        }
        let bare = r#"builtins.convertHash { hash = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s"; hashAlgo = "sha256"; toHashFormat = "sri"; }"#;
        assert_eq!(eval(bare), Ok(format!("\"{SRI}\"")));
    }

    #[test]
    fn convert_hash_reports_what_is_wrong() {
        assert_eq!(
            eval(r#"builtins.convertHash { hash = "abc"; toHashFormat = "sri"; }"#),
            Err(
                "hash 'abc' does not include a type, nor is the type otherwise known from context"
                    .to_owned()
            )
        );
        assert_eq!(
            eval(&format!(
                r#"builtins.convertHash {{ hash = "{SRI}"; toHashFormat = "hex"; }}"#
            )),
            Err(
                "unknown hash format 'hex', expect 'base16', 'base32', 'base64', or 'sri'"
                    .to_owned()
            )
        );
        assert_eq!(
            eval(&format!(
                r#"builtins.convertHash {{ hash = "{SRI}"; hashAlgo = "sha1"; toHashFormat = "sri"; }}"#
            )),
            Err(format!("hash '{SRI}' should have type 'sha1'"))
        );
    }

    #[test]
    fn hash_string_rejects_unknown_algorithms() {
        assert_eq!(
            eval(r#"builtins.hashString "sha3" """#),
            Err("unknown hash algorithm 'sha3'".to_owned())
        );
    }
}
