//! A tiny length-prefixed binary encoding for the evaluation cache and the activation
//! diff: both are read on the prompt's hot path, so they avoid any parser.
//!
//! Integers are little-endian `u64`; byte strings are a length followed by the bytes, so any
//! byte (including non-UTF-8) survives. A decoder never panics on bad input: it returns
//! `None`, and the caller treats the data as absent.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// Appends values to a buffer.
#[derive(Debug, Default)]
pub struct Encoder {
    pub bytes: Vec<u8>,
}

impl Encoder {
    pub fn u64(&mut self, n: u64) {
        self.bytes.extend_from_slice(&n.to_le_bytes());
    }

    pub fn i64(&mut self, n: i64) {
        self.bytes.extend_from_slice(&n.to_le_bytes());
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.bytes.extend_from_slice(b);
    }

    pub fn os(&mut self, s: &OsStr) {
        self.bytes(s.as_bytes());
    }

    pub fn opt_os(&mut self, s: Option<&OsStr>) {
        match s {
            None => self.u64(0),
            Some(s) => {
                self.u64(1);
                self.os(s);
            }
        }
    }
}

/// Reads values back in the order they were written.
#[derive(Debug)]
pub struct Decoder<'a> {
    rest: &'a [u8],
}

impl<'a> Decoder<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Decoder { rest: bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    pub fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    pub fn i64(&mut self) -> Option<i64> {
        let b = self.take(8)?;
        Some(i64::from_le_bytes(b.try_into().ok()?))
    }

    /// A count of items, bounded by the bytes left (each item needs at least one byte).
    pub fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.rest.len()).then_some(n)
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }

    pub fn os(&mut self) -> Option<OsString> {
        Some(OsString::from_vec(self.bytes()?.to_vec()))
    }

    pub fn path(&mut self) -> Option<PathBuf> {
        self.os().map(PathBuf::from)
    }

    pub fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    pub fn opt_os(&mut self) -> Option<Option<OsString>> {
        match self.u64()? {
            0 => Some(None),
            1 => Some(Some(self.os()?)),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_truncation() {
        let mut e = Encoder::default();
        e.u64(7);
        e.os(OsStr::from_bytes(b"a\xffb"));
        e.opt_os(None);
        e.i64(-3);
        let mut d = Decoder::new(&e.bytes);
        assert_eq!(d.u64(), Some(7));
        assert_eq!(d.os().unwrap().as_bytes(), b"a\xffb");
        assert_eq!(d.opt_os(), Some(None));
        assert_eq!(d.i64(), Some(-3));
        assert!(d.is_empty());
        let cut = &e.bytes[..e.bytes.len() - 1];
        let mut d = Decoder::new(cut);
        d.u64();
        d.os();
        d.opt_os();
        assert_eq!(d.i64(), None);
    }
}
