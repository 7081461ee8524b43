//! The JSON reader behind `builtins.fromJSON`.
//!
//! It accepts exactly RFC 8259 JSON and builds Nix values the way Nix's reader
//! (nlohmann's) does: an integer literal is an int when it fits 64 bits signed, wraps
//! when it fits 64 bits unsigned, and is otherwise a float; `-0` is the int 0; a float
//! beyond the double range is an error; a repeated key keeps its last value; a string
//! ends at an escaped NUL, as Nix strings do. Errors
//! carry line and column in nlohmann's wording. Nesting depth is unbounded: containers
//! live on an explicit stack, not on the call stack.

use super::super::super::source::Pos;
use super::super::super::symbol::Symbol;
use super::super::super::value::{Attr, Attrs, Value};

/// Why a text is not JSON: the message Nix prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct JsonError(String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    BeginArray,
    EndArray,
    BeginObject,
    EndObject,
    NameSeparator,
    ValueSeparator,
    Literal(Scalar),
    EndOfInput,
}

#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Token {
    fn describe(&self) -> &'static str {
        match self {
            Token::BeginArray => "'['",
            Token::EndArray => "']'",
            Token::BeginObject => "'{'",
            Token::EndObject => "'}'",
            Token::NameSeparator => "':'",
            Token::ValueSeparator => "','",
            Token::Literal(Scalar::Null) => "null literal",
            Token::Literal(Scalar::Bool(true)) => "true literal",
            Token::Literal(Scalar::Bool(false)) => "false literal",
            Token::Literal(Scalar::Int(_) | Scalar::Float(_)) => "number literal",
            Token::Literal(Scalar::Str(_)) => "string literal",
            Token::EndOfInput => "end of input",
        }
    }
}

struct Lexer<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    token_start: usize,
}

/// A lexical error.
enum LexError {
    /// Malformed input, with nlohmann's description.
    Syntax(String),
    /// A number beyond the range of a double.
    Overflow(String),
}

impl From<&str> for LexError {
    fn from(message: &str) -> Self {
        LexError::Syntax(message.to_owned())
    }
}

impl From<String> for LexError {
    fn from(message: String) -> Self {
        LexError::Syntax(message)
    }
}

impl Lexer<'_> {
    /// Reads one character, counting the end of input as one, as nlohmann does.
    fn get(&mut self) -> Option<u8> {
        let c = self.text.get(self.pos).copied();
        self.pos += 1;
        if c == Some(b'\n') {
            self.line += 1;
            self.line_start = self.pos;
        }
        c
    }

    fn unget(&mut self) {
        self.pos -= 1;
        if self.text.get(self.pos) == Some(&b'\n') {
            self.line -= 1;
            self.line_start = self.text[..self.pos]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        }
    }

    fn last_read(&self) -> String {
        let end = self.pos.min(self.text.len());
        String::from_utf8_lossy(&self.text[self.token_start.min(end)..end]).into_owned()
    }

    fn scan(&mut self) -> Result<Token, LexError> {
        loop {
            match self.get() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => continue,
                None => return Ok(Token::EndOfInput),
                Some(b'[') => return Ok(Token::BeginArray),
                Some(b']') => return Ok(Token::EndArray),
                Some(b'{') => return Ok(Token::BeginObject),
                Some(b'}') => return Ok(Token::EndObject),
                Some(b':') => return Ok(Token::NameSeparator),
                Some(b',') => return Ok(Token::ValueSeparator),
                Some(b't') => return self.literal(b"rue", Scalar::Bool(true)),
                Some(b'f') => return self.literal(b"alse", Scalar::Bool(false)),
                Some(b'n') => return self.literal(b"ull", Scalar::Null),
                Some(b'"') => {
                    self.token_start = self.pos - 1;
                    return self.string().map(|s| Token::Literal(Scalar::Str(s)));
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.unget();
                    self.token_start = self.pos;
                    return self.number().map(Token::Literal);
                }
                Some(_) => return Err("invalid literal".into()),
            }
        }
    }

    fn literal(&mut self, rest: &[u8], value: Scalar) -> Result<Token, LexError> {
        for &expected in rest {
            if self.get() != Some(expected) {
                return Err("invalid literal".into());
            }
        }
        Ok(Token::Literal(value))
    }

    fn hex4(&mut self) -> Result<u32, LexError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit =
                self.get()
                    .and_then(|c| char::from(c).to_digit(16))
                    .ok_or(LexError::from(
                        "invalid string: '\\u' must be followed by 4 hex digits",
                    ))?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, LexError> {
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.get() {
                None => return Err("invalid string: missing closing quote".into()),
                Some(b'"') => {
                    return String::from_utf8(out)
                        .map_err(|_| "invalid string: ill-formed UTF-8 byte".into());
                }
                Some(lead @ 0x80..) => self.utf8_sequence(lead, &mut out)?,
                Some(b'\\') => {
                    let c = match self.get() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => {
                            return Err(
                                "invalid string: forbidden character after backslash".into()
                            );
                        }
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(c) if c < 0x20 => {
                    return Err(format!(
                        "invalid string: control character U+{c:04X} must be escaped to \\u{c:04X}"
                    )
                    .into());
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// Checks the UTF-8 sequence that starts with `lead` byte by byte, as nlohmann does,
    /// so an ill-formed byte is reported where it is read.
    fn utf8_sequence(&mut self, lead: u8, out: &mut Vec<u8>) -> Result<(), LexError> {
        let ill_formed = || LexError::from("invalid string: ill-formed UTF-8 byte");
        // The allowed range of each continuation byte (RFC 3629's table).
        let tail: &[(u8, u8)] = match lead {
            0xC2..=0xDF => &[(0x80, 0xBF)],
            0xE0 => &[(0xA0, 0xBF), (0x80, 0xBF)],
            0xE1..=0xEC | 0xEE..=0xEF => &[(0x80, 0xBF), (0x80, 0xBF)],
            0xED => &[(0x80, 0x9F), (0x80, 0xBF)],
            0xF0 => &[(0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF)],
            0xF1..=0xF3 => &[(0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF)],
            0xF4 => &[(0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF)],
            _ => return Err(ill_formed()),
        };
        out.push(lead);
        for &(lo, hi) in tail {
            match self.get() {
                Some(b) if (lo..=hi).contains(&b) => out.push(b),
                _ => return Err(ill_formed()),
            }
        }
        Ok(())
    }

    fn unicode_escape(&mut self) -> Result<char, LexError> {
        let first = self.hex4()?;
        let code = if (0xD800..=0xDBFF).contains(&first) {
            if self.get() != Some(b'\\') || self.get() != Some(b'u') {
                return Err(
                    "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
                        .into(),
                );
            }
            let second = self.hex4()?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return Err(
                    "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
                        .into(),
                );
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else if (0xDC00..=0xDFFF).contains(&first) {
            return Err(
                "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF".into(),
            );
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| "invalid string: ill-formed UTF-8 byte".into())
    }

    fn digits(&mut self) -> usize {
        let mut count = 0;
        while matches!(self.text.get(self.pos), Some(b'0'..=b'9')) {
            self.get();
            count += 1;
        }
        count
    }

    fn number(&mut self) -> Result<Scalar, LexError> {
        let start = self.pos;
        let negative = self.text.get(self.pos) == Some(&b'-');
        if negative {
            self.get();
        }
        match self.get() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err("invalid number; expected digit after '-'".into()),
        }
        let mut float = false;
        if self.text.get(self.pos) == Some(&b'.') {
            float = true;
            self.get();
            if self.digits() == 0 {
                self.get();
                return Err("invalid number; expected digit after '.'".into());
            }
        }
        if matches!(self.text.get(self.pos), Some(b'e' | b'E')) {
            float = true;
            self.get();
            if matches!(self.text.get(self.pos), Some(b'+' | b'-')) {
                self.get();
            }
            if self.digits() == 0 {
                self.get();
                return Err("invalid number; expected '+', '-', or digit after exponent".into());
            }
        }
        let literal = std::str::from_utf8(&self.text[start..self.pos]).unwrap_or("0");
        if !float {
            if let Ok(i) = literal.parse::<i64>() {
                return Ok(Scalar::Int(i));
            }
            if let Ok(u) = literal.parse::<u64>() {
                // Nix keeps an unsigned number in its signed int: it wraps.
                return Ok(Scalar::Int(u as i64));
            }
        }
        match literal.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Scalar::Float(f)),
            _ => Err(LexError::Overflow(format!(
                "number overflow parsing '{literal}'"
            ))),
        }
    }
}

/// A container being filled.
enum Frame {
    Array(Vec<Value>),
    Object(Vec<(String, Value)>, String),
}

/// Parses `text` into a value, naming attributes through `intern`.
pub(super) fn parse(
    text: &[u8],
    mut intern: impl FnMut(&str) -> Symbol,
) -> Result<Value, JsonError> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        line: 1,
        line_start: 0,
        token_start: 0,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut token = next(&mut lexer, "value")?;
    loop {
        // Parse one value, or open a container.
        let mut value = match token {
            Token::Literal(scalar) => scalar_value(scalar),
            Token::BeginArray => {
                token = next(&mut lexer, "array")?;
                if token == Token::EndArray {
                    Value::list(Vec::new())
                } else {
                    stack.push(Frame::Array(Vec::new()));
                    continue;
                }
            }
            Token::BeginObject => {
                token = next(&mut lexer, "object key")?;
                match token {
                    Token::EndObject => Value::attrs(Attrs::new()),
                    Token::Literal(Scalar::Str(key)) => {
                        expect_separator(&mut lexer)?;
                        stack.push(Frame::Object(Vec::new(), key));
                        token = next(&mut lexer, "value")?;
                        continue;
                    }
                    other => {
                        return Err(unexpected(&lexer, "object key", &other, "string literal"));
                    }
                }
            }
            other => {
                return Err(unexpected(
                    &lexer,
                    "value",
                    &other,
                    "'[', '{', or a literal",
                ));
            }
        };
        // Hand the value to the enclosing containers, closing those that end.
        loop {
            match stack.last_mut() {
                None => {
                    let after = next_expecting(&mut lexer, "value", Some("end of input"))?;
                    if after != Token::EndOfInput {
                        return Err(unexpected(&lexer, "value", &after, "end of input"));
                    }
                    return Ok(value);
                }
                Some(Frame::Array(items)) => {
                    items.push(value);
                    token = next(&mut lexer, "array")?;
                    match token {
                        Token::ValueSeparator => {
                            token = next(&mut lexer, "value")?;
                            break;
                        }
                        Token::EndArray => {
                            let Some(Frame::Array(items)) = stack.pop() else {
                                unreachable!("the top frame is an array")
                            };
                            value = Value::list(items);
                        }
                        other => return Err(unexpected(&lexer, "array", &other, "']'")),
                    }
                }
                Some(Frame::Object(entries, key)) => {
                    entries.push((std::mem::take(key), value));
                    token = next(&mut lexer, "object")?;
                    match token {
                        Token::ValueSeparator => {
                            match next(&mut lexer, "object key")? {
                                Token::Literal(Scalar::Str(k)) => *key = k,
                                other => {
                                    return Err(unexpected(
                                        &lexer,
                                        "object key",
                                        &other,
                                        "string literal",
                                    ));
                                }
                            }
                            expect_separator(&mut lexer)?;
                            token = next(&mut lexer, "value")?;
                            break;
                        }
                        Token::EndObject => {
                            let Some(Frame::Object(entries, _)) = stack.pop() else {
                                unreachable!("the top frame is an object")
                            };
                            value = Value::attrs(make_attrs(last_wins(entries), &mut intern));
                        }
                        other => return Err(unexpected(&lexer, "object", &other, "'}'")),
                    }
                }
            }
        }
    }
}

fn last_wins(entries: Vec<(String, Value)>) -> Vec<(String, Value)> {
    let mut kept: Vec<(String, Value)> = Vec::with_capacity(entries.len());
    for (key, value) in entries.into_iter().rev() {
        if !kept.iter().any(|(k, _)| *k == key) {
            kept.push((key, value));
        }
    }
    kept
}

/// Nix strings end at a NUL character, so an escaped `\u0000` cuts the string there.
pub(super) fn until_nul(mut s: String) -> String {
    if let Some(cut) = s.find('\0') {
        s.truncate(cut);
    }
    s
}

fn scalar_value(scalar: Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Int(i),
        Scalar::Float(f) => Value::Float(f),
        Scalar::Str(s) => Value::string(until_nul(s)),
    }
}

fn expect_separator(lexer: &mut Lexer<'_>) -> Result<(), JsonError> {
    match next(lexer, "object separator")? {
        Token::NameSeparator => Ok(()),
        other => Err(unexpected(lexer, "object separator", &other, "':'")),
    }
}

fn location(lexer: &Lexer<'_>) -> String {
    format!(
        "[json.exception.parse_error.101] parse error at line {}, column {}",
        lexer.line,
        lexer.pos - lexer.line_start
    )
}

fn next(lexer: &mut Lexer<'_>, context: &str) -> Result<Token, JsonError> {
    next_expecting(lexer, context, None)
}

/// The next token; a lexical error names what the parser expected, if anything.
fn next_expecting(
    lexer: &mut Lexer<'_>,
    context: &str,
    expected: Option<&str>,
) -> Result<Token, JsonError> {
    lexer.scan().map_err(|e| match e {
        LexError::Overflow(message) => {
            JsonError(format!("[json.exception.out_of_range.406] {message}"))
        }
        LexError::Syntax(message) => JsonError(format!(
            "{}: syntax error while parsing {context} - {message}; last read: '{}'{}",
            location(lexer),
            lexer.last_read(),
            expected
                .map(|e| format!("; expected {e}"))
                .unwrap_or_default()
        )),
    })
}

fn unexpected(lexer: &Lexer<'_>, context: &str, got: &Token, expected: &str) -> JsonError {
    JsonError(format!(
        "{}: syntax error while parsing {context} - unexpected {}; expected {expected}",
        location(lexer),
        got.describe()
    ))
}

/// The set of an object's entries.
fn make_attrs(entries: Vec<(String, Value)>, intern: &mut impl FnMut(&str) -> Symbol) -> Attrs {
    Attrs::from_unsorted(
        entries
            .into_iter()
            .map(|(key, value)| Attr {
                name: intern(&key),
                pos: Pos::NONE,
                value,
            })
            .collect(),
    )
}
