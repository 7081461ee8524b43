//! The XML printer behind `builtins.toXML` and `nix-instantiate --eval --xml`.
//!
//! The document is Nix's: a `<?xml …?>` line, an `<expr>` root, two spaces of
//! indentation per level, each tag's attributes in name order, values escaped with
//! `&lt; &gt; &amp; &quot; &#xA;` (tabs and carriage returns stay as they are).
//! Attribute sets list their attributes by name; a derivation is a `<derivation>` whose
//! attributes are shown only the first time its `drvPath` occurs (`<repeated />` after
//! that, and always when it has no `drvPath`); builtins and values not computed are
//! `<unevaluated />`; floats print like `%g`.

use std::collections::HashSet;
use std::io::Write as _;

use super::super::super::error::EvalError;
use super::super::super::ir::Param;
use super::super::super::machine::Evaluator;
use super::super::super::print::format_float;
use super::super::super::source::{Origin, Pos, restore_cow};
use super::super::super::value::{Attrs, Context, NixString, Value};
use super::{resolve, sorted_by_name};

// ---------------------------------------------------------------------------------

/// `value` as Nix's XML document, as `nix-instantiate --eval --xml` prints it. With
/// `location`, attributes and functions carry `line`/`column` (and `path` for files).
pub fn to_xml(
    ev: &mut Evaluator,
    value: &Value,
    strict: bool,
    location: bool,
) -> Result<Vec<u8>, EvalError> {
    let mut writer = XmlWriter {
        out: b"<?xml version='1.0' encoding='utf-8'?>\n".to_vec(),
        depth: 0,
        strict,
        location,
        drvs_seen: HashSet::new(),
        context: Context::new(),
    };
    writer.open("expr", &[]);
    writer.value(ev, value)?;
    writer.close("expr");
    Ok(writer.out)
}

pub(super) fn to_xml_builtin(
    ev: &mut Evaluator,
    args: &[Value],
    _pos: Pos,
) -> Result<Value, EvalError> {
    let mut writer = XmlWriter {
        out: b"<?xml version='1.0' encoding='utf-8'?>\n".to_vec(),
        depth: 0,
        strict: true,
        location: false,
        drvs_seen: HashSet::new(),
        context: Context::new(),
    };
    writer.open("expr", &[]);
    writer.value(ev, &args[0])?;
    writer.close("expr");
    Ok(Value::String(NixString::with_context(
        writer.out,
        writer.context,
    )))
}

struct XmlWriter {
    out: Vec<u8>,
    depth: usize,
    strict: bool,
    location: bool,
    drvs_seen: HashSet<String>,
    context: Context,
}

/// A tag's attributes: names and values (bytes: a string value is written as it is).
type XmlAttrs<'a> = [(&'a str, Vec<u8>)];

impl XmlWriter {
    fn start_tag(&mut self, name: &str, attrs: &XmlAttrs<'_>) {
        self.out
            .extend_from_slice("  ".repeat(self.depth).as_bytes());
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        let mut sorted: Vec<&(&str, Vec<u8>)> = attrs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (key, value) in sorted {
            let _ = write!(self.out, " {key}=\"");
            xml_escape(value, &mut self.out);
            self.out.push(b'"');
        }
    }

    fn empty(&mut self, name: &str, attrs: &XmlAttrs<'_>) {
        self.start_tag(name, attrs);
        self.out.extend_from_slice(b" />\n");
    }

    fn open(&mut self, name: &str, attrs: &XmlAttrs<'_>) {
        self.start_tag(name, attrs);
        self.out.extend_from_slice(b">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        let _ = writeln!(self.out, "{}</{name}>", "  ".repeat(self.depth));
    }

    fn position(&self, ev: &Evaluator, pos: Pos) -> Vec<(&'static str, Vec<u8>)> {
        if !self.location {
            return Vec::new();
        }
        let Some(loc) = ev.sources.locate(pos) else {
            return Vec::new();
        };
        let mut attrs = vec![
            ("line", loc.line.to_string().into_bytes()),
            ("column", loc.column.to_string().into_bytes()),
        ];
        if let Origin::File(path) = &loc.origin {
            attrs.push(("path", path.as_os_str().as_encoded_bytes().to_vec()));
        }
        attrs
    }

    fn value(&mut self, ev: &mut Evaluator, value: &Value) -> Result<(), EvalError> {
        let Some(value) = resolve(ev, value, self.strict)? else {
            self.empty("unevaluated", &[]);
            return Ok(());
        };
        match &value {
            Value::Int(i) => self.empty("int", &[("value", i.to_string().into_bytes())]),
            Value::Bool(b) => self.empty("bool", &[("value", b.to_string().into_bytes())]),
            Value::String(s) => {
                s.merge_context_into(&mut self.context);
                self.empty("string", &[("value", s.as_bytes().to_vec())]);
            }
            Value::Path(p) => self.empty("path", &[("value", p.as_bytes().to_vec())]),
            Value::Null => self.empty("null", &[]),
            Value::Float(f) => self.empty("float", &[("value", format_float(*f).into_bytes())]),
            Value::Attrs(attrs) => {
                if ev.is_derivation(attrs)? {
                    self.derivation(ev, attrs)?;
                } else {
                    self.open("attrs", &[]);
                    self.attrs(ev, attrs)?;
                    self.close("attrs");
                }
            }
            Value::List(items) => {
                self.open("list", &[]);
                for item in items.iter() {
                    ev.guard(|ev| self.value(ev, item))?;
                }
                self.close("list");
            }
            Value::Lambda(closure) => {
                let def = &closure.def;
                let position = self.position(ev, def.pos);
                self.open("function", &position);
                match &def.param {
                    Param::Ident(name) => {
                        let name = ev.symbols.name(*name).as_bytes().to_vec();
                        self.empty("varpat", &[("name", name)]);
                    }
                    Param::Pattern {
                        formals,
                        ellipsis,
                        bind,
                    } => {
                        let mut pattern = Vec::new();
                        if let Some(bind) = bind {
                            pattern.push(("name", ev.symbols.name(*bind).as_bytes().to_vec()));
                        }
                        if *ellipsis {
                            pattern.push(("ellipsis", b"1".to_vec()));
                        }
                        self.open("attrspat", &pattern);
                        let mut names: Vec<String> = formals
                            .iter()
                            .map(|f| ev.symbols.name(f.name).to_owned())
                            .collect();
                        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
                        for name in names {
                            self.empty("attr", &[("name", name.into_bytes())]);
                        }
                        self.close("attrspat");
                    }
                }
                self.close("function");
            }
            Value::PrimOp(_) | Value::PrimOpApp(_) | Value::Thunk(_) => {
                self.empty("unevaluated", &[]);
            }
        }
        Ok(())
    }

    fn derivation(&mut self, ev: &mut Evaluator, attrs: &Attrs) -> Result<(), EvalError> {
        let mut tag = Vec::new();
        let mut drv_path = None;
        for (key, name) in [("drvPath", "drvPath"), ("outPath", "outPath")] {
            let sym = ev.intern(name);
            if let Some(v) = attrs.get(sym) {
                let v = v.clone();
                if let Some(Value::String(s)) = resolve(ev, &v, self.strict)? {
                    if key == "drvPath" {
                        drv_path = Some(s.to_str_lossy().into_owned());
                    }
                    tag.push((key, s.as_bytes().to_vec()));
                }
            }
        }
        self.open("derivation", &tag);
        match drv_path {
            Some(path) if !path.is_empty() && self.drvs_seen.insert(path.clone()) => {
                self.attrs(ev, attrs)?;
            }
            _ => self.empty("repeated", &[]),
        }
        self.close("derivation");
        Ok(())
    }

    fn attrs(&mut self, ev: &mut Evaluator, attrs: &Attrs) -> Result<(), EvalError> {
        for (name, attr) in sorted_by_name(ev, attrs) {
            let mut tag = vec![("name", restore_cow(&name).into_owned())];
            if attr.pos.is_some() {
                tag.extend(self.position(ev, attr.pos));
            }
            self.open("attr", &tag);
            ev.guard(|ev| self.value(ev, &attr.value))?;
            self.close("attr");
        }
        Ok(())
    }
}

/// Escapes an attribute value as Nix's XML writer does (other bytes stay as they are).
fn xml_escape(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        match b {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\n' => out.extend_from_slice(b"&#xA;"),
            b => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_attribute_values_are_escaped() {
        let mut out = Vec::new();
        xml_escape(b"x<>&\"'\n\t\xff", &mut out);
        assert_eq!(out, b"x&lt;&gt;&amp;&quot;'&#xA;\t\xff");
    }
}
