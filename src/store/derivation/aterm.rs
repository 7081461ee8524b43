//! The ATerm text of a `.drv` file:
//! `Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])`.
//!
//! Strings escape `"`, `\`, newline, carriage return and tab; everything else is written
//! as is. Paths and output names are written without escaping, as Nix does.

use std::collections::{BTreeMap, BTreeSet};

use super::{Derivation, DerivationError, DerivationOutput};
use crate::store::address::{FixedOutputHash, IngestionMethod};
use crate::store::hash::{Hash, HashFormat};
use crate::store::path::StoreDir;

impl Derivation {
    /// The `.drv` text. With `mask_outputs`, output paths and the env entries named after
    /// outputs are blanked; `inputs` replaces the input derivations (hashDerivationModulo
    /// passes their modulo hashes there).
    pub fn to_aterm(
        &self,
        dir: &StoreDir,
        mask_outputs: bool,
        inputs: Option<&BTreeMap<String, BTreeSet<String>>>,
    ) -> String {
        let mut s = String::with_capacity(1024);
        s.push_str("Derive([");
        for (i, (name, out)) in self.outputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let path = match (&out.path, mask_outputs) {
                (Some(p), false) => dir.display(p),
                _ => String::new(),
            };
            let (algo, hash) = match &out.fixed {
                Some(f) => (f.method_algo(), f.hash.encode(HashFormat::Base16)),
                None => (String::new(), String::new()),
            };
            s.push('(');
            raw(&mut s, name);
            s.push(',');
            raw(&mut s, &path);
            s.push(',');
            raw(&mut s, &algo);
            s.push(',');
            raw(&mut s, &hash);
            s.push(')');
        }
        s.push_str("],[");
        let printed: BTreeMap<String, BTreeSet<String>>;
        let inputs = match inputs {
            Some(i) => i,
            None => {
                printed = self
                    .input_drvs
                    .iter()
                    .map(|(p, o)| (dir.display(p), o.clone()))
                    .collect();
                &printed
            }
        };
        for (i, (path, outs)) in inputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            raw(&mut s, path);
            s.push_str(",[");
            list(&mut s, outs.iter(), raw);
            s.push_str("])");
        }
        s.push_str("],[");
        let srcs: BTreeSet<String> = self.input_srcs.iter().map(|p| dir.display(p)).collect();
        list(&mut s, srcs.iter(), raw);
        s.push_str("],");
        escaped(&mut s, &self.platform);
        s.push(',');
        escaped(&mut s, &self.builder);
        s.push_str(",[");
        list(&mut s, self.args.iter(), escaped);
        s.push_str("],[");
        for (i, (k, v)) in self.env.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            escaped(&mut s, k);
            s.push(',');
            let v = if mask_outputs && self.outputs.contains_key(k) {
                ""
            } else {
                v
            };
            escaped(&mut s, v);
            s.push(')');
        }
        s.push_str("])");
        s
    }

    /// Parses `.drv` text; `name` is the derivation's name (the `.drv` file name without
    /// its hash and `.drv` suffix).
    pub fn from_aterm(dir: &StoreDir, name: &str, text: &str) -> Result<Self, DerivationError> {
        let mut p = Reader {
            text: text.as_bytes(),
            pos: 0,
            name,
        };
        p.lit("Derive([")?;
        let mut outputs = BTreeMap::new();
        p.items(|p| {
            p.lit("(")?;
            let out_name = p.string()?;
            p.lit(",")?;
            let path = p.string()?;
            p.lit(",")?;
            let algo = p.string()?;
            p.lit(",")?;
            let hash = p.string()?;
            p.lit(")")?;
            let path = if path.is_empty() {
                None
            } else {
                Some(dir.parse(&path)?)
            };
            let fixed = match (algo.as_str(), hash.as_str()) {
                ("", "") => None,
                (_, "") => {
                    return Err(p.error("floating content-addressed outputs are not supported"));
                }
                (algo, hash) => {
                    let (method, algo) = match algo.strip_prefix("r:") {
                        Some(a) => (IngestionMethod::Recursive, a),
                        None => (IngestionMethod::Flat, algo),
                    };
                    let hash = Hash::parse(hash, Some(algo.parse()?))?;
                    Some(FixedOutputHash { method, hash })
                }
            };
            if outputs
                .insert(out_name, DerivationOutput { path, fixed })
                .is_some()
            {
                return Err(p.error("duplicate output"));
            }
            Ok(())
        })?;
        p.lit(",[")?;
        let mut input_drvs = BTreeMap::new();
        p.items(|p| {
            p.lit("(")?;
            let path = dir.parse(&p.string()?)?;
            p.lit(",[")?;
            let mut outs = BTreeSet::new();
            p.items(|p| {
                outs.insert(p.string()?);
                Ok(())
            })?;
            p.lit(")")?;
            input_drvs.insert(path, outs);
            Ok(())
        })?;
        p.lit(",[")?;
        let mut input_srcs = BTreeSet::new();
        p.items(|p| {
            input_srcs.insert(dir.parse(&p.string()?)?);
            Ok(())
        })?;
        p.lit(",")?;
        let platform = p.string()?;
        p.lit(",")?;
        let builder = p.string()?;
        p.lit(",[")?;
        let mut args = Vec::new();
        p.items(|p| {
            args.push(p.string()?);
            Ok(())
        })?;
        p.lit(",[")?;
        let mut env = BTreeMap::new();
        p.items(|p| {
            p.lit("(")?;
            let k = p.string()?;
            p.lit(",")?;
            let v = p.string()?;
            p.lit(")")?;
            env.insert(k, v);
            Ok(())
        })?;
        p.lit(")")?;
        if p.pos != p.text.len() {
            return Err(p.error("trailing data after the derivation"));
        }
        Ok(Derivation {
            name: name.to_owned(),
            outputs,
            input_drvs,
            input_srcs,
            platform,
            builder,
            args,
            env,
        })
    }
}

fn raw(s: &mut String, text: &str) {
    s.push('"');
    s.push_str(text);
    s.push('"');
}

fn escaped(s: &mut String, text: &str) {
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c => s.push(c),
        }
    }
    s.push('"');
}

fn list<'a>(s: &mut String, items: impl Iterator<Item = &'a String>, print: fn(&mut String, &str)) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            s.push(',');
        }
        print(s, item);
    }
}

struct Reader<'a> {
    text: &'a [u8],
    pos: usize,
    name: &'a str,
}

impl Reader<'_> {
    fn error(&self, reason: &str) -> DerivationError {
        DerivationError::Parse {
            name: self.name.to_owned(),
            offset: self.pos,
            reason: reason.to_owned(),
        }
    }

    fn lit(&mut self, want: &str) -> Result<(), DerivationError> {
        if self.text[self.pos..].starts_with(want.as_bytes()) {
            self.pos += want.len();
            Ok(())
        } else {
            Err(self.error(&format!("expected '{want}'")))
        }
    }

    /// Items of a list whose `[` was consumed, through the closing `]`.
    fn items(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<(), DerivationError>,
    ) -> Result<(), DerivationError> {
        if self.text.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, DerivationError> {
        self.lit("\"")?;
        let mut out = Vec::new();
        loop {
            match self.text.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    let c = *self
                        .text
                        .get(self.pos + 1)
                        .ok_or_else(|| self.error("unterminated escape"))?;
                    out.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        c => c,
                    });
                    self.pos += 2;
                }
                Some(&c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.error("string is not UTF-8"))
    }
}
