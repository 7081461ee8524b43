//! Dependency fields (`Depends`, `Pre-Depends`): comma-separated groups of `|`-separated
//! alternatives, each `name[:archqual] [(op version)] [\[arches\]] [<profiles>]`.

use std::cmp::Ordering;

use super::version::Version;

/// A version comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "<<" => Op::Lt,
            "<=" | "<" => Op::Le,
            "=" => Op::Eq,
            ">=" | ">" => Op::Ge,
            ">>" => Op::Gt,
            _ => return None,
        })
    }

    /// Whether `ordering` (candidate compared with the required version) satisfies this.
    pub fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Op::Lt => ordering == Ordering::Less,
            Op::Le => ordering != Ordering::Greater,
            Op::Eq => ordering == Ordering::Equal,
            Op::Ge => ordering != Ordering::Less,
            Op::Gt => ordering == Ordering::Greater,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">>",
        }
    }
}

/// One alternative of a dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation<'a> {
    pub name: &'a str,
    /// `any`, `native` or an architecture, when qualified.
    pub arch_qualifier: Option<&'a str>,
    pub constraint: Option<(Op, &'a str)>,
}

impl Relation<'_> {
    /// Whether a concrete version satisfies the constraint (unversioned: always).
    pub fn accepts(&self, version: Option<&str>) -> bool {
        let Some((op, wanted)) = self.constraint else {
            return true;
        };
        let (Some(have), Ok(wanted)) = (version, Version::parse(wanted)) else {
            return false;
        };
        match Version::parse(have) {
            Ok(have) => op.accepts(have.cmp(&wanted)),
            Err(_) => false,
        }
    }
}

impl std::fmt::Display for Relation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)?;
        if let Some(q) = self.arch_qualifier {
            write!(f, ":{q}")?;
        }
        if let Some((op, v)) = self.constraint {
            write!(f, " ({} {v})", op.as_str())?;
        }
        Ok(())
    }
}

/// Parses a dependency field into groups of alternatives; unparseable items are dropped.
pub fn parse(field: &str) -> Vec<Vec<Relation<'_>>> {
    field
        .split(',')
        .map(|group| group.split('|').filter_map(parse_one).collect::<Vec<_>>())
        .filter(|group| !group.is_empty())
        .collect()
}

fn parse_one(text: &str) -> Option<Relation<'_>> {
    let text = text.trim();
    let (head, constraint) = match text.find('(') {
        Some(open) => {
            let inner = text[open + 1..]
                .split(')')
                .next()
                .unwrap_or_default()
                .trim();
            let split = inner
                .find(|c: char| !matches!(c, '<' | '>' | '='))
                .unwrap_or(inner.len());
            let op = Op::parse(inner[..split].trim())?;
            (&text[..open], Some((op, inner[split..].trim())))
        }
        // Architecture restrictions and build profiles follow the name.
        None => (text.split(['<', '[']).next().unwrap_or(text), None),
    };
    let head = head.trim();
    let (name, arch_qualifier) = match head.split_once(':') {
        Some((name, q)) => (name.trim(), Some(q.trim())),
        None => (head, None),
    };
    (!name.is_empty()).then_some(Relation {
        name,
        arch_qualifier,
        constraint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_alternatives_qualifiers_and_constraints() {
        let parsed = parse("libc6 (>= 2.34), a | b:any (<< 3~), python3:any, x [amd64]");
        assert_eq!(parsed.len(), 4);
        assert_eq!(parsed[0][0].constraint, Some((Op::Ge, "2.34")));
        assert_eq!(parsed[1].len(), 2);
        assert_eq!(parsed[1][1].name, "b");
        assert_eq!(parsed[1][1].arch_qualifier, Some("any"));
        assert_eq!(parsed[1][1].constraint, Some((Op::Lt, "3~")));
        assert_eq!(parsed[3][0].name, "x");
        assert!(parsed[0][0].accepts(Some("2.36-9")));
        assert!(!parsed[0][0].accepts(Some("2.31")));
        assert!(!parsed[1][1].accepts(Some("3")));
    }
}
