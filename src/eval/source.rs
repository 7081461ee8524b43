//! Source texts and positions.
//!
//! Every parsed text (a file, an `-E` expression, stdin) is registered once in the
//! [`SourceMap`], which hands it a range of global offsets; a [`Pos`] is one such offset,
//! small enough to sit in every IR node and attribute. Offset 0 is "no position".
//!
//! Source files are bytes, but the parser reads `&str`. [`decode`] maps every byte that is
//! not part of valid UTF-8 to one character of [`RAW_BYTE_BASE`]`..+0x100` (the last
//! private-use block of plane 16), and the compiler maps string literals of such a file
//! back with [`restore`], so `"…"` holding any bytes yields exactly those bytes. (A file
//! that holds both invalid UTF-8 and genuine characters of that block reads them as
//! bytes too: the one ambiguity of the scheme.)

use std::borrow::Cow;
use std::path::PathBuf;
use std::rc::Rc;

/// The character that stands for byte 0 of a source that is not UTF-8.
pub const RAW_BYTE_BASE: u32 = 0x10_FF00;

/// A source's bytes as text for the parser, and whether any byte had to be mapped.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(text), false);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            out.push(char::from_u32(RAW_BYTE_BASE + u32::from(b)).unwrap_or('\u{FFFD}'));
        }
    }
    (Cow::Owned(out), true)
}

/// [`restore`], borrowing `text` when it holds no character that stands for a byte
/// (all of them are encoded with a leading 0xF4).
pub fn restore_cow(text: &str) -> Cow<'_, [u8]> {
    if text.as_bytes().contains(&0xF4) {
        Cow::Owned(restore(text))
    } else {
        Cow::Borrowed(text.as_bytes())
    }
}

/// The bytes a literal's text stands for in a source [`decode`] had to map.
pub fn restore(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c).checked_sub(RAW_BYTE_BASE) {
            Some(b) if b < 0x100 => out.push(b as u8),
            _ => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// A position: a global byte offset into the source map (0 = none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos(pub(crate) u32);

impl Pos {
    /// No position.
    pub const NONE: Pos = Pos(0);

    /// Whether this is a real position.
    pub fn is_some(self) -> bool {
        self.0 != 0
    }
}

/// Where a source text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// An expression given on the command line.
    String,
    /// Standard input.
    Stdin,
}

/// One registered source text.
pub struct Source {
    /// Where it came from.
    pub origin: Origin,
    /// Its text.
    pub text: Rc<str>,
    /// Whether [`decode`] mapped bytes that are not UTF-8 into the text.
    pub raw_bytes: bool,
    start: u32,
}

/// A resolved position: origin, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The source's origin.
    pub origin: Origin,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in bytes, as Nix counts).
    pub column: usize,
}

impl Location {
    /// `FILE:LINE:COL` in the form of Nix's messages inside error text (`(string)` for
    /// expressions).
    pub fn display_plain(&self) -> String {
        format!(
            "{}:{}:{}",
            origin_plain(&self.origin),
            self.line,
            self.column
        )
    }
}

/// The origin as Nix names it inside messages (`(string)`, a file path).
pub fn origin_plain(origin: &Origin) -> String {
    match origin {
        Origin::File(p) => p.display().to_string(),
        Origin::String => "(string)".to_string(),
        Origin::Stdin => "(stdin)".to_string(),
    }
}

/// The origin as Nix names it in `at …:` lines (`«string»`).
pub fn origin_fancy(origin: &Origin) -> String {
    match origin {
        Origin::File(p) => p.display().to_string(),
        Origin::String => "«string»".to_string(),
        Origin::Stdin => "«stdin»".to_string(),
    }
}

/// All source texts of one evaluator.
pub struct SourceMap {
    sources: Vec<Source>,
    next: u32,
}

impl Default for SourceMap {
    fn default() -> SourceMap {
        SourceMap {
            sources: Vec::new(),
            next: 1,
        }
    }
}

impl SourceMap {
    /// Registers a text; returns the position of its first byte.
    pub fn add(&mut self, origin: Origin, text: Rc<str>, raw_bytes: bool) -> Pos {
        let start = self.next;
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX - start);
        self.next = start.saturating_add(len).saturating_add(1);
        self.sources.push(Source {
            origin,
            text,
            raw_bytes,
            start,
        });
        Pos(start)
    }

    /// The source holding `pos`.
    pub fn source(&self, pos: Pos) -> Option<&Source> {
        if !pos.is_some() {
            return None;
        }
        let i = self.sources.partition_point(|s| s.start <= pos.0);
        i.checked_sub(1).map(|i| &self.sources[i])
    }

    /// Resolves a position to origin, line and column.
    pub fn locate(&self, pos: Pos) -> Option<Location> {
        let src = self.source(pos)?;
        let offset = ((pos.0 - src.start) as usize).min(src.text.len());
        let before = &src.text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Some(Location {
            origin: src.origin.clone(),
            line,
            column: offset - line_start + 1,
        })
    }

    /// The 1-based line `line` of the source holding `pos`, if it exists.
    pub fn line_text(&self, pos: Pos, line: usize) -> Option<String> {
        let src = self.source(pos)?;
        let text = src
            .text
            .split('\n')
            .nth(line.checked_sub(1)?)
            .map(|l| l.trim_end_matches('\r'))?;
        if src.raw_bytes {
            // Show the bytes that are not UTF-8 as U+FFFD, not as the characters that
            // stand for them.
            return Some(String::from_utf8_lossy(&restore(text)).into_owned());
        }
        Some(text.to_string())
    }
}
