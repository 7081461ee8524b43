//! Version requirements in `[packages]`, checked for syntax only.
//!
//! ```text
//! "*"                 any version
//! "1.19"              a Debian version prefix: 1.19, 1.19.2-1, 1.19~rc1 … (not 1.190)
//! "= 2.10-3"          exactly this Debian version
//! ">= 2.10, << 3"     every relation holds (Debian's <<, <=, =, >=, >>)
//! ```
//! Which versions satisfy a requirement is decided where versions are compared (`pkgs`).

use std::fmt;

/// A Debian version relation operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Less,
    LessEq,
    Eq,
    GreaterEq,
    Greater,
}

impl Relation {
    fn as_str(self) -> &'static str {
        match self {
            Relation::Less => "<<",
            Relation::LessEq => "<=",
            Relation::Eq => "=",
            Relation::GreaterEq => ">=",
            Relation::Greater => ">>",
        }
    }
}

/// A syntactically valid Debian version (`[epoch:]upstream[-revision]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebVersion(String);

impl DebVersion {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => (Some(e), rest),
            None => (None, text),
        };
        if let Some(e) = epoch
            && (e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!("epoch `{e}` must be a number"));
        }
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, Some(r)),
            None => (rest, None),
        };
        if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("version `{text}` must start with a digit"));
        }
        let upstream_ok = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
        if let Some(bad) = upstream.chars().find(|c| !upstream_ok(*c)) {
            return Err(format!("`{bad}` is not allowed in a version"));
        }
        if let Some(r) = revision {
            let ok = |c: char| c.is_ascii_alphanumeric() || ".+~".contains(c);
            if r.is_empty() || !r.chars().all(ok) {
                return Err(format!("revision `{r}` is not a valid Debian revision"));
            }
        }
        Ok(DebVersion(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a `[packages]` entry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionReq {
    Any,
    Prefix(DebVersion),
    Relations(Vec<(Relation, DebVersion)>),
}

impl VersionReq {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(VersionReq::Any);
        }
        if text.is_empty() {
            return Err("empty version; use \"*\" for any version".into());
        }
        if !text.starts_with(['<', '>', '=']) {
            return DebVersion::parse(text).map(VersionReq::Prefix);
        }
        let mut relations = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (relation, rest) = split_relation(part)?;
            let version = rest.trim();
            if version.is_empty() {
                return Err(format!("`{part}` has no version after the operator"));
            }
            relations.push((relation, DebVersion::parse(version)?));
        }
        Ok(VersionReq::Relations(relations))
    }
}

fn split_relation(part: &str) -> Result<(Relation, &str), String> {
    for (op, relation) in [
        ("<<", Relation::Less),
        ("<=", Relation::LessEq),
        (">=", Relation::GreaterEq),
        (">>", Relation::Greater),
        ("=", Relation::Eq),
    ] {
        if let Some(rest) = part.strip_prefix(op) {
            return Ok((relation, rest));
        }
    }
    Err(format!(
        "`{part}` needs one of the operators <<, <=, =, >=, >> (Debian spells < as << and > as >>)"
    ))
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionReq::Any => f.write_str("*"),
            VersionReq::Prefix(v) => f.write_str(v.as_str()),
            VersionReq::Relations(rs) => {
                for (i, (r, v)) in rs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} {}", r.as_str(), v.as_str())?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(VersionReq::parse("*"), Ok(VersionReq::Any));
        assert!(matches!(
            VersionReq::parse("1.19"),
            Ok(VersionReq::Prefix(_))
        ));
        assert!(matches!(
            VersionReq::parse("1:2.3~rc1+dfsg-4"),
            Ok(VersionReq::Prefix(_))
        ));
        let exact = VersionReq::parse("= 2.10-3").unwrap();
        assert_eq!(exact.to_string(), "= 2.10-3");
        let range = VersionReq::parse(">= 2.10, << 3").unwrap();
        assert_eq!(range.to_string(), ">= 2.10, << 3");
    }

    #[test]
    fn rejects_malformed_requirements() {
        for bad in [
            "",
            "latest",
            "> 2",
            "< 3",
            ">=",
            "1.2 beta",
            "x:1",
            "1.0-",
            ">= 1, foo",
        ] {
            assert!(VersionReq::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
