//! Errors about `denv.toml`, and the one place their wording lives.
//!
//! A problem inside the file is a [`Diagnostic`]: the file, a 1-based line and column, the
//! offending line with a caret under the span, and an optional hint. Its `Display` is what
//! the user reads.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Everything that can go wrong while finding, reading, validating or editing a project file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    #[error("no package `{name}` in {}", path.display())]
    NoSuchPackage { name: String, path: PathBuf },
}

/// A problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    line_text: String,
    caret_width: usize,
}

impl Diagnostic {
    /// Locates `span` (byte offsets) in `text`.
    pub fn new(
        file: &Path,
        text: &str,
        span: Range<usize>,
        message: String,
        hint: Option<String>,
    ) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = text[line_start..line_end].trim_end_matches('\r').to_owned();
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(text, span.end.clamp(start, line_end));
        let caret_width = text[start..end].chars().count().max(1);
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message,
            hint,
            line_text,
            caret_width,
        }
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let indent: String = self
            .line_text
            .chars()
            .take(self.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        writeln!(f, "{pad} |")?;
        writeln!(f, "{number} | {}", self.line_text)?;
        write!(f, "{pad} | {indent}{}", "^".repeat(self.caret_width))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{pad} = hint: {hint}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `word` if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_points_at_line_and_column_with_caret() {
        let text = "[env]\nFOO = 1\n[pakages]\n";
        let d = Diagnostic::new(
            Path::new("denv.toml"),
            text,
            15..22,
            "unknown key `pakages`".into(),
            Some("did you mean `packages`?".into()),
        );
        assert_eq!(
            d.to_string(),
            "denv.toml:3:2: unknown key `pakages`\n  |\n3 | [pakages]\n  |  ^^^^^^^\n  = hint: did you mean `packages`?"
        );
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let keys = ["packages", "env", "scripts"];
        assert_eq!(suggest("pakages", &keys), Some("packages"));
        assert_eq!(suggest("scripst", &keys), Some("scripts"));
        assert_eq!(suggest("completely", &keys), None);
    }
}
