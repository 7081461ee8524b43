//! Indented strings (`'' … ''`) exactly as Nix 2.8's lexer and parser treat them.
//!
//! The raw text between interpolations is cut into Nix's tokens — plain text, which takes
//! part in indentation, and escapes (`''$`, `'''`, `''\X`, a lone `$` or `'`), which do
//! not — and then Nix's `stripIndentation` runs over the token list: the smallest
//! indentation of the lines that start with plain text is removed from every line, and a
//! final line holding only spaces is dropped.

/// One piece of an indented string.
pub(crate) enum Piece<E> {
    /// Text, and whether it counts for indentation (escapes do not).
    Text(String, bool),
    /// An interpolation.
    Interp(E),
}

/// Cuts the raw content between interpolations into Nix's tokens.
pub(crate) fn lex_raw<E>(raw: &str, out: &mut Vec<Piece<E>>) {
    let mut cur = String::new();
    let mut chars = raw.char_indices().peekable();
    let rest = |i: usize| &raw[i..];
    let flush = |cur: &mut String, out: &mut Vec<Piece<E>>| {
        if !cur.is_empty() {
            out.push(Piece::Text(std::mem::take(cur), true));
        }
    };
    while let Some((i, c)) = chars.next() {
        let r = rest(i);
        if r.starts_with("''$") {
            flush(&mut cur, out);
            out.push(Piece::Text("$".into(), false));
            chars.next();
            chars.next();
        } else if r.starts_with("'''") {
            flush(&mut cur, out);
            out.push(Piece::Text("''".into(), false));
            chars.next();
            chars.next();
        } else if r.starts_with("''\\") {
            flush(&mut cur, out);
            chars.next();
            chars.next();
            let escaped = match chars.next() {
                Some((_, 'n')) => "\n".to_string(),
                Some((_, 'r')) => "\r".to_string(),
                Some((_, 't')) => "\t".to_string(),
                Some((_, other)) => other.to_string(),
                None => String::new(),
            };
            out.push(Piece::Text(escaped, false));
        } else if c == '\'' && matches!(chars.peek(), None | Some((_, '$'))) {
            flush(&mut cur, out);
            out.push(Piece::Text("'".into(), false));
        } else if c == '$' && matches!(chars.peek(), None | Some((_, '\''))) {
            flush(&mut cur, out);
            out.push(Piece::Text("$".into(), false));
        } else {
            cur.push(c);
        }
    }
    flush(&mut cur, out);
}

/// Nix's `stripIndentation`: returns the pieces with indentation removed.
pub(crate) fn strip_indentation<E>(pieces: Vec<Piece<E>>) -> Vec<Piece<E>> {
    let mut at_start = true;
    let mut min_indent = usize::MAX;
    let mut cur_indent = 0usize;
    for p in &pieces {
        match p {
            Piece::Text(t, true) => {
                for c in t.chars() {
                    if at_start {
                        if c == ' ' {
                            cur_indent += 1;
                        } else if c == '\n' {
                            cur_indent = 0;
                        } else {
                            at_start = false;
                            min_indent = min_indent.min(cur_indent);
                        }
                    } else if c == '\n' {
                        at_start = true;
                        cur_indent = 0;
                    }
                }
            }
            _ => {
                if at_start {
                    at_start = false;
                    min_indent = min_indent.min(cur_indent);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    at_start = true;
    let mut dropped = 0usize;
    let n = pieces.len();
    for (idx, p) in pieces.into_iter().enumerate() {
        match p {
            Piece::Interp(e) => {
                at_start = false;
                dropped = 0;
                out.push(Piece::Interp(e));
            }
            Piece::Text(t, _) => {
                let mut s = String::with_capacity(t.len());
                for c in t.chars() {
                    if at_start {
                        if c == ' ' {
                            if dropped >= min_indent {
                                s.push(c);
                            }
                            dropped += 1;
                        } else if c == '\n' {
                            dropped = 0;
                            s.push(c);
                        } else {
                            at_start = false;
                            dropped = 0;
                            s.push(c);
                        }
                    } else {
                        s.push(c);
                        if c == '\n' {
                            at_start = true;
                        }
                    }
                }
                if idx + 1 == n
                    && let Some(p) = s.rfind('\n')
                    && s[p + 1..].chars().all(|c| c == ' ')
                {
                    s.truncate(p + 1);
                }
                out.push(Piece::Text(s, false));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(raw: &str) -> String {
        let mut pieces: Vec<Piece<()>> = Vec::new();
        lex_raw(raw, &mut pieces);
        strip_indentation(pieces)
            .into_iter()
            .map(|p| match p {
                Piece::Text(t, _) => t,
                Piece::Interp(()) => String::new(),
            })
            .collect()
    }

    #[test]
    fn strips_common_indentation_and_last_blank_line() {
        assert_eq!(run("  a\n    b\n  c\n"), "a\n  b\nc\n");
    }

    #[test]
    fn escapes_do_not_count_for_indentation() {
        assert_eq!(run("  ''$ ''' ''\\n x"), "$ '' \nx");
    }
}
