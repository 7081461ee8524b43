//! Reading a NAR back into a file tree, validating it strictly on the way: the magic,
//! every token in its place, zero padding, entry names that are single path components in
//! strictly ascending order. The reader is left just past the archive, so a NAR embedded
//! in a longer stream (an export) can be followed by more data.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{MAGIC, NarError, padded};

/// Longest non-content string accepted (a symlink target is at most `PATH_MAX`).
const MAX_TOKEN: u64 = 4096;
const CHUNK: usize = 1 << 20;

/// How restored files are finished.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreOptions {
    /// Make files 0444/0555 and directories 0555 (what the store wants), instead of
    /// leaving the umask-derived modes (what `nix-store --restore` does).
    pub read_only: bool,
}

/// Restores the NAR read from `input` at `dest`, which must not exist yet.
pub fn restore(
    input: &mut impl Read,
    dest: &Path,
    options: RestoreOptions,
) -> Result<(), NarError> {
    Parser {
        input,
        buf: vec![0; CHUNK],
        options,
    }
    .archive(Some(dest))
}

/// Reads and validates a NAR from `input` without writing anything.
pub fn skip(input: &mut impl Read) -> Result<(), NarError> {
    Parser {
        input,
        buf: vec![0; CHUNK],
        options: RestoreOptions::default(),
    }
    .archive(None)
}

fn bad(what: impl Into<String>) -> NarError {
    NarError::Malformed(what.into())
}

struct Parser<'a, R> {
    input: &'a mut R,
    buf: Vec<u8>,
    options: RestoreOptions,
}

impl<R: Read> Parser<'_, R> {
    fn archive(&mut self, dest: Option<&Path>) -> Result<(), NarError> {
        let magic = self.token()?;
        if magic != MAGIC {
            return Err(bad("the archive does not start with 'nix-archive-1'"));
        }
        self.node(dest)
    }

    fn node(&mut self, dest: Option<&Path>) -> Result<(), NarError> {
        self.expect(b"(")?;
        self.expect(b"type")?;
        let kind = self.token()?;
        match kind.as_slice() {
            b"regular" => self.regular(dest)?,
            b"symlink" => {
                self.expect(b"target")?;
                let target = self.token()?;
                if target.is_empty() || target.contains(&0) {
                    return Err(bad("symlink target is empty or contains NUL"));
                }
                if let Some(dst) = dest {
                    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&target), dst)
                        .map_err(|source| io_at(dst, source))?;
                }
                self.expect(b")")?;
            }
            b"directory" => self.directory(dest)?,
            other => {
                return Err(bad(format!(
                    "unknown node type '{}'",
                    String::from_utf8_lossy(other)
                )));
            }
        }
        Ok(())
    }

    fn regular(&mut self, dest: Option<&Path>) -> Result<(), NarError> {
        let mut tag = self.token()?;
        let executable = tag == b"executable";
        if executable {
            if !self.token()?.is_empty() {
                return Err(bad(
                    "the 'executable' marker must be followed by an empty string",
                ));
            }
            tag = self.token()?;
        }
        if tag != b"contents" {
            return Err(bad("expected 'contents' in a regular file"));
        }
        let len = self.u64()?;
        let mut file = match dest {
            Some(dst) => Some(fs::File::create_new(dst).map_err(|source| io_at(dst, source))?),
            None => None,
        };
        let mut left = len;
        while left > 0 {
            let n = left.min(self.buf.len() as u64) as usize;
            self.input
                .read_exact(&mut self.buf[..n])
                .map_err(NarError::Stream)?;
            if let (Some(f), Some(dst)) = (file.as_mut(), dest) {
                f.write_all(&self.buf[..n])
                    .map_err(|source| io_at(dst, source))?;
            }
            left -= n as u64;
        }
        self.padding(len)?;
        if let (Some(f), Some(dst)) = (file, dest) {
            let mode = match (self.options.read_only, executable) {
                (true, true) => Some(0o555),
                (true, false) => Some(0o444),
                (false, true) => {
                    let m = f
                        .metadata()
                        .map_err(|s| io_at(dst, s))?
                        .permissions()
                        .mode();
                    Some(m | 0o111)
                }
                (false, false) => None,
            };
            if let Some(mode) = mode {
                f.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(|s| io_at(dst, s))?;
            }
        }
        self.expect(b")")
    }

    fn directory(&mut self, dest: Option<&Path>) -> Result<(), NarError> {
        if let Some(dst) = dest {
            fs::create_dir(dst).map_err(|source| io_at(dst, source))?;
        }
        let mut previous: Option<Vec<u8>> = None;
        loop {
            let tag = self.token()?;
            match tag.as_slice() {
                b")" => break,
                b"entry" => {}
                _ => return Err(bad("expected 'entry' or ')' in a directory")),
            }
            self.expect(b"(")?;
            self.expect(b"name")?;
            let name = self.token()?;
            if name.is_empty()
                || name == b"."
                || name == b".."
                || name.contains(&b'/')
                || name.contains(&0)
            {
                return Err(bad(format!(
                    "invalid entry name '{}'",
                    String::from_utf8_lossy(&name)
                )));
            }
            if previous
                .as_ref()
                .is_some_and(|p| p.as_slice() >= name.as_slice())
            {
                return Err(bad(format!(
                    "entry '{}' is out of order or duplicated",
                    String::from_utf8_lossy(&name)
                )));
            }
            self.expect(b"node")?;
            let child = dest.map(|d| d.join(std::ffi::OsStr::from_bytes(&name)));
            self.node(child.as_deref())?;
            self.expect(b")")?;
            previous = Some(name);
        }
        if let (Some(dst), true) = (dest, self.options.read_only) {
            fs::set_permissions(dst, fs::Permissions::from_mode(0o555))
                .map_err(|source| io_at(dst, source))?;
        }
        Ok(())
    }

    fn u64(&mut self) -> Result<u64, NarError> {
        let mut b = [0u8; 8];
        self.input.read_exact(&mut b).map_err(NarError::Stream)?;
        Ok(u64::from_le_bytes(b))
    }

    fn token(&mut self) -> Result<Vec<u8>, NarError> {
        let len = self.u64()?;
        if len > MAX_TOKEN {
            return Err(bad(format!(
                "string of {len} bytes where a short one belongs"
            )));
        }
        let mut s = vec![0u8; len as usize];
        self.input.read_exact(&mut s).map_err(NarError::Stream)?;
        self.padding(len)?;
        Ok(s)
    }

    fn expect(&mut self, want: &[u8]) -> Result<(), NarError> {
        let got = self.token()?;
        if got == want {
            Ok(())
        } else {
            Err(bad(format!(
                "expected '{}', found '{}'",
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(&got)
            )))
        }
    }

    fn padding(&mut self, len: u64) -> Result<(), NarError> {
        let pad = (padded(len) - len) as usize;
        let mut b = [0u8; 8];
        self.input
            .read_exact(&mut b[..pad])
            .map_err(NarError::Stream)?;
        if b[..pad].iter().any(|&x| x != 0) {
            return Err(bad("non-zero padding"));
        }
        Ok(())
    }
}

fn io_at(path: &Path, source: io::Error) -> NarError {
    NarError::Io {
        path: path.to_path_buf(),
        source,
    }
}
