//! The deb822 control-file syntax shared by `.sources`, `Release` and `Packages` files.
//!
//! A file is a sequence of stanzas separated by blank lines; a stanza is a list of
//! `Field: value` lines, where lines starting with a space or tab continue the previous
//! field. Lines starting with `#` are comments (apt's `.sources` allow them). Field names
//! are compared case-insensitively by the accessors. Parsing borrows from the input, so a
//! 50 MB `Packages` file is scanned without copying.

/// One stanza: its fields in file order, values borrowed from the input.
#[derive(Debug, Default, Clone)]
pub struct Stanza<'a> {
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Stanza<'a> {
    /// The value of a field (first occurrence), trimmed; continuation lines keep their
    /// newlines.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// Every field in file order.
    pub fn fields(&self) -> &[(&'a str, &'a str)] {
        &self.fields
    }

    /// Whether the stanza has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Iterates over the stanzas of a deb822 text. Malformed lines (no colon) are skipped.
pub fn stanzas(text: &str) -> Stanzas<'_> {
    Stanzas { rest: text }
}

/// The iterator returned by [`stanzas`].
pub struct Stanzas<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Stanzas<'a> {
    type Item = Stanza<'a>;

    fn next(&mut self) -> Option<Stanza<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let mut stanza = Stanza::default();
            // Field currently being read: (name, value start offset in `text`).
            let text = self.rest;
            let mut pos = 0;
            let mut current: Option<(&'a str, usize, usize)> = None;
            while pos < text.len() {
                let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
                let line = &text[pos..end];
                let next = (end + 1).min(text.len());
                if line.trim().is_empty() {
                    pos = next;
                    if current.is_some() || !stanza.is_empty() {
                        break;
                    }
                    continue;
                }
                if line.starts_with('#') {
                    pos = next;
                    continue;
                }
                if line.starts_with([' ', '\t']) {
                    if let Some((_, _, value_end)) = current.as_mut() {
                        *value_end = end;
                    }
                    pos = next;
                    continue;
                }
                if let Some((name, start, value_end)) = current.take() {
                    stanza.fields.push((name, text[start..value_end].trim()));
                }
                if let Some(colon) = line.find(':') {
                    current = Some((line[..colon].trim(), pos + colon + 1, end));
                }
                pos = next;
            }
            if let Some((name, start, value_end)) = current.take() {
                stanza.fields.push((name, text[start..value_end].trim()));
            }
            self.rest = &text[pos..];
            if !stanza.is_empty() {
                return Some(stanza);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_split_on_blank_lines_and_fold_continuations() {
        let text = "# comment\nPackage: a\nDescription: short\n long\n .\n more\n\n\n\
                    Package: b\r\nVersion: 1\n";
        let all: Vec<_> = stanzas(text).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].get("package"), Some("a"));
        assert_eq!(all[0].get("Description"), Some("short\n long\n .\n more"));
        assert_eq!(all[1].get("Package"), Some("b"));
        assert_eq!(all[1].get("Version"), Some("1"));
    }
}
