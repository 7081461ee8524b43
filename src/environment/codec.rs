//! A tiny length-prefixed binary encoding for the evaluation cache and the activation
//! diff: both are read on the prompt's hot path, so they avoid any parser.
//!
//! Integers are LEB128 varints (signed ones zigzag-encoded first); byte strings are a length followed by the bytes, so any
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
    pub fn u64(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    pub fn i64(&mut self, n: i64) {
        self.u64(((n << 1) ^ (n >> 63)) as u64);
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
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&b, tail) = self.rest.split_first()?;
            self.rest = tail;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub fn i64(&mut self) -> Option<i64> {
        let z = self.u64()?;
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
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
        e.u64(u64::MAX);
        e.i64(i64::MIN);
        let mut d = Decoder::new(&e.bytes);
        assert_eq!(d.u64(), Some(7));
        assert_eq!(d.os().unwrap().as_bytes(), b"a\xffb");
        assert_eq!(d.opt_os(), Some(None));
        assert_eq!(d.i64(), Some(-3));
        assert_eq!(d.u64(), Some(u64::MAX));
        assert_eq!(d.i64(), Some(i64::MIN));
        assert!(d.is_empty());
        let cut = &e.bytes[..e.bytes.len() - 1];
        let mut d = Decoder::new(cut);
        d.u64();
        d.os();
        d.opt_os();
        d.i64();
        d.u64();
        assert_eq!(d.i64(), None);
    }
}
