//! Searching a channel's index by name and description.
//!
//! Ranking, best first: exact name, name prefix, name contains the word, description
//! contains the word (case-insensitive); within a rank shorter names come first, then
//! alphabetical order. Only candidate versions are searched (one hit per package).

use super::index::{Index, Package};

/// How a package matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rank {
    ExactName,
    NamePrefix,
    NameContains,
    Description,
}

/// One search hit.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub package: Package<'a>,
    pub rank: Rank,
}

impl<'a> Hit<'a> {
    pub fn name(&self) -> &'a str {
        self.package.name()
    }
}

/// Up to `limit` hits for `word` (0 = no limit).
pub fn search<'a>(index: &'a Index, word: &str, limit: usize) -> Vec<Hit<'a>> {
    let needle = word.to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<Hit<'a>> = index
        .candidates()
        .filter_map(|package| {
            let name = package.name();
            let rank = if name == needle {
                Rank::ExactName
            } else if name.starts_with(&needle) {
                Rank::NamePrefix
            } else if name.contains(&needle) {
                Rank::NameContains
            } else if package.description().to_lowercase().contains(&needle) {
                Rank::Description
            } else {
                return None;
            };
            Some(Hit { package, rank })
        })
        .collect();
    hits.sort_by(|a, b| {
        (a.rank, a.name().len(), a.name()).cmp(&(b.rank, b.name().len(), b.name()))
    });
    if limit > 0 {
        hits.truncate(limit);
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkgs::index::IndexSource;

    #[test]
    fn exact_then_prefix_then_contains_then_description() {
        let text = "Package: xjqx\nVersion: 1\nArchitecture: all\nDescription: other\n\n\
                    Package: jq-extra\nVersion: 1\nArchitecture: all\nDescription: more\n\n\
                    Package: tool\nVersion: 1\nArchitecture: all\nDescription: like JQ but not\n\n\
                    Package: jq\nVersion: 1\nArchitecture: amd64\nDescription: JSON processor\n";
        let source = IndexSource {
            uri: "http://a.example/d".to_owned(),
            suite: "s".to_owned(),
            ..IndexSource::default()
        };
        let index = Index::from_packages(&[(source, text)]).unwrap();
        let got: Vec<(&str, Rank)> = search(&index, "JQ", 0)
            .iter()
            .map(|h| (h.name(), h.rank))
            .collect();
        assert_eq!(
            got,
            [
                ("jq", Rank::ExactName),
                ("jq-extra", Rank::NamePrefix),
                ("xjqx", Rank::NameContains),
                ("tool", Rank::Description)
            ]
        );
    }
}
