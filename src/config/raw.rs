//! The raw stage: `denv.toml` text → [`RawProject`], every value with its byte span.
//!
//! This stage checks only the shape of the file: known keys (an unknown one is rejected
//! with the nearest known key as a hint) and value types (the error names the type found).
//! Meaning — version syntax, variable names, expansion — is the validated stage's job.

use std::ops::Range;
use std::path::Path;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::error::{ConfigError, Diagnostic, suggest};

/// A value and where it came from in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

/// A `name = "string"` entry of `[env]` or `[scripts]`.
pub type Entry = (Spanned<String>, Spanned<String>);

/// One `[packages]` entry: `name = "version"` or `name = { version, channel }`.
#[derive(Debug, Clone)]
pub struct RawPackage {
    pub version: Spanned<String>,
    pub channel: Option<Spanned<String>>,
}

/// One `[channels]` entry.
#[derive(Debug, Clone)]
pub struct RawChannel {
    pub suite: Spanned<String>,
    pub components: Vec<Spanned<String>>,
    /// Another location of the archive (a mirror or proxy) than apt's.
    pub uri: Option<Spanned<String>>,
}

/// The file's shape, in file order.
#[derive(Debug, Clone, Default)]
pub struct RawProject {
    pub packages: Vec<(Spanned<String>, RawPackage)>,
    pub env: Vec<Entry>,
    pub scripts: Vec<Entry>,
    pub enter_hook: Option<Spanned<String>>,
    pub exit_hook: Option<Spanned<String>>,
    pub channels: Vec<(Spanned<String>, RawChannel)>,
    pub pure: Option<bool>,
    pub services: Vec<Spanned<String>>,
    pub processes: Vec<Spanned<String>>,
}

const TOP_KEYS: &[&str] = &[
    "packages",
    "env",
    "scripts",
    "hooks",
    "channels",
    "options",
    "services",
    "processes",
];

/// Reports problems at spans of one file.
pub(super) struct Source<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    pub fn error(&self, span: Range<usize>, message: String, hint: Option<String>) -> ConfigError {
        ConfigError::Invalid(Box::new(Diagnostic::new(
            self.file, self.text, span, message, hint,
        )))
    }

    fn unknown_key(&self, key: &str, span: Range<usize>, known: &[&str]) -> ConfigError {
        let hint = match suggest(key, known) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("expected one of: {}", known.join(", ")),
        };
        self.error(span, format!("unknown key `{key}`"), Some(hint))
    }

    fn wrong_type(&self, what: &str, expected: &str, item: &Item) -> ConfigError {
        self.error(
            span_of(item),
            format!("{what} must be {expected}, found {}", describe(item)),
            None,
        )
    }
}

fn span_of(item: &Item) -> Range<usize> {
    item.span().unwrap_or(0..0)
}

fn describe(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(Value::String(_)) => "a string",
        Item::Value(Value::Integer(_)) => "an integer",
        Item::Value(Value::Float(_)) => "a float",
        Item::Value(Value::Boolean(_)) => "a boolean",
        Item::Value(Value::Datetime(_)) => "a date-time",
        Item::Value(Value::Array(_)) => "an array",
        Item::Value(Value::InlineTable(_)) | Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
    }
}

/// Parses the text and checks its shape.
pub fn parse(file: &Path, text: &str) -> Result<RawProject, ConfigError> {
    let src = Source { file, text };
    let doc = ImDocument::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim_end().to_owned();
        src.error(span, format!("invalid TOML: {message}"), None)
    })?;
    let mut raw = RawProject::default();
    for (key, item) in doc.as_table().iter() {
        let top_span = key_span(doc.as_table(), key);
        match key {
            "packages" => raw.packages = packages(&src, table(&src, "[packages]", item)?)?,
            "env" => raw.env = strings(&src, "[env]", table(&src, "[env]", item)?, true)?,
            "scripts" => {
                raw.scripts = strings(&src, "[scripts]", table(&src, "[scripts]", item)?, false)?
            }
            "hooks" => {
                for (name, hook) in table(&src, "[hooks]", item)?.iter() {
                    let what = format!("hook `{name}`");
                    let value = Some(string(&src, &what, hook)?);
                    match name {
                        "enter" => raw.enter_hook = value,
                        "exit" => raw.exit_hook = value,
                        _ => {
                            let t = table(&src, "[hooks]", item)?;
                            return Err(src.unknown_key(
                                name,
                                key_span(t, name),
                                &["enter", "exit"],
                            ));
                        }
                    }
                }
            }
            "channels" => raw.channels = channels(&src, table(&src, "[channels]", item)?)?,
            "options" => {
                let t = table(&src, "[options]", item)?;
                for (name, value) in t.iter() {
                    match name {
                        "pure" => {
                            raw.pure = Some(value.as_bool().ok_or_else(|| {
                                src.wrong_type("option `pure`", "a boolean", value)
                            })?)
                        }
                        _ => return Err(src.unknown_key(name, key_span(t, name), &["pure"])),
                    }
                }
            }
            "services" | "processes" => {
                let what = format!("[{key}]");
                let t = table(&src, &what, item)?;
                let mut names = Vec::new();
                for (name, body) in t.iter() {
                    table(&src, &format!("[{key}.{name}]"), body)?;
                    names.push(Spanned {
                        value: name.to_owned(),
                        span: key_span(t, name),
                    });
                }
                if key == "services" {
                    raw.services = names;
                } else {
                    raw.processes = names;
                }
            }
            _ => return Err(src.unknown_key(key, top_span, TOP_KEYS)),
        }
    }
    Ok(raw)
}

fn key_span(table: &dyn TableLike, key: &str) -> Range<usize> {
    table
        .get_key_value(key)
        .and_then(|(k, v)| k.span().or_else(|| v.span()))
        .unwrap_or(0..0)
}

fn table<'a>(
    src: &Source<'_>,
    what: &str,
    item: &'a Item,
) -> Result<&'a dyn TableLike, ConfigError> {
    item.as_table_like()
        .ok_or_else(|| src.wrong_type(what, "a table", item))
}

fn string(src: &Source<'_>, what: &str, item: &Item) -> Result<Spanned<String>, ConfigError> {
    match item.as_str() {
        Some(s) => Ok(Spanned {
            value: s.to_owned(),
            span: span_of(item),
        }),
        None => Err(src.wrong_type(what, "a string", item)),
    }
}

/// A table of `name = string` entries; with `scalars`, integers and booleans are taken as
/// their TOML spelling (so `PORT = 5432` works in `[env]`).
fn strings(
    src: &Source<'_>,
    section: &str,
    t: &dyn TableLike,
    scalars: bool,
) -> Result<Vec<Entry>, ConfigError> {
    let mut out = Vec::new();
    for (name, item) in t.iter() {
        let key = Spanned {
            value: name.to_owned(),
            span: key_span(t, name),
        };
        let value = match item {
            Item::Value(Value::Integer(i)) if scalars => Spanned {
                value: i.value().to_string(),
                span: span_of(item),
            },
            Item::Value(Value::Boolean(b)) if scalars => Spanned {
                value: b.value().to_string(),
                span: span_of(item),
            },
            _ => string(src, &format!("{section} `{name}`"), item)?,
        };
        out.push((key, value));
    }
    Ok(out)
}

fn packages(
    src: &Source<'_>,
    t: &dyn TableLike,
) -> Result<Vec<(Spanned<String>, RawPackage)>, ConfigError> {
    let mut out = Vec::new();
    for (name, item) in t.iter() {
        let key = Spanned {
            value: name.to_owned(),
            span: key_span(t, name),
        };
        let what = format!("package `{name}`");
        let package = if let Some(spec) = item.as_table_like() {
            let mut version = None;
            let mut channel = None;
            for (field, value) in spec.iter() {
                match field {
                    "version" => version = Some(string(src, &format!("{what} version"), value)?),
                    "channel" => channel = Some(string(src, &format!("{what} channel"), value)?),
                    _ => {
                        return Err(src.unknown_key(
                            field,
                            key_span(spec, field),
                            &["version", "channel"],
                        ));
                    }
                }
            }
            let version = version.unwrap_or(Spanned {
                value: "*".into(),
                span: span_of(item),
            });
            RawPackage { version, channel }
        } else if item.is_str() {
            RawPackage {
                version: string(src, &what, item)?,
                channel: None,
            }
        } else {
            return Err(src.wrong_type(&what, "a version string or a table", item));
        };
        out.push((key, package));
    }
    Ok(out)
}

fn channels(
    src: &Source<'_>,
    t: &dyn TableLike,
) -> Result<Vec<(Spanned<String>, RawChannel)>, ConfigError> {
    let mut out = Vec::new();
    for (name, item) in t.iter() {
        let what = format!("channel `{name}`");
        let spec = table(src, &what, item)?;
        let mut suite = None;
        let mut components = Vec::new();
        let mut uri = None;
        for (field, value) in spec.iter() {
            match field {
                "suite" => suite = Some(string(src, &format!("{what} suite"), value)?),
                "uri" => uri = Some(string(src, &format!("{what} uri"), value)?),
                "components" => {
                    let array = value.as_array().ok_or_else(|| {
                        src.wrong_type(&format!("{what} components"), "an array", value)
                    })?;
                    for c in array.iter() {
                        let item = Item::Value(c.clone());
                        let mut s = string(src, &format!("{what} component"), &item)?;
                        s.span = c.span().unwrap_or(0..0);
                        components.push(s);
                    }
                }
                _ => {
                    return Err(src.unknown_key(
                        field,
                        key_span(spec, field),
                        &["suite", "components", "uri"],
                    ));
                }
            }
        }
        let suite = suite.ok_or_else(|| {
            src.error(
                span_of(item),
                format!("{what} needs a `suite`"),
                Some(format!("for example: {name} = {{ suite = \"trixie\" }}")),
            )
        })?;
        out.push((
            Spanned {
                value: name.to_owned(),
                span: key_span(t, name),
            },
            RawChannel {
                suite,
                components,
                uri,
            },
        ));
    }
    Ok(out)
}
