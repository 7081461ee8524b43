//! Friendly package names: a small table (`aliases.toml`, compiled in) mapping names
//! people type to Debian binary package names, plus one spelling rule: `NAME_MAJOR`
//! means the package `NAME-MAJOR` (`postgresql_15` → `postgresql-15`).
//!
//! Entries of the form `{ default-of = META, prefix = P }` are resolved against the
//! channel's index (the dependency of META starting with P), so the default major version
//! follows the channel instead of being written down.

use std::collections::BTreeMap;

use super::index::Index;
use super::relation;

const TABLE: &str = include_str!("aliases.toml");

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum Alias {
    Package(String),
    DefaultOf {
        #[serde(rename = "default-of")]
        default_of: String,
        prefix: String,
    },
}

/// The alias table.
pub struct Aliases {
    table: BTreeMap<String, Alias>,
}

/// The alias table failed to parse (a defect in the compiled-in data).
#[derive(Debug, thiserror::Error)]
#[error("the built-in alias table is invalid: {0}")]
pub struct AliasTableError(String);

impl Aliases {
    /// The built-in table.
    pub fn builtin() -> Result<Aliases, AliasTableError> {
        let table = toml::from_str(TABLE).map_err(|e| AliasTableError(e.to_string()))?;
        Ok(Aliases { table })
    }

    /// Every name the table defines.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.table.keys().map(String::as_str)
    }

    /// The Debian package name for `name` in `index` (the name itself when no rule applies).
    pub fn resolve(&self, name: &str, index: &Index) -> String {
        match self.table.get(name) {
            Some(Alias::Package(target)) => return target.clone(),
            Some(Alias::DefaultOf { default_of, prefix }) => {
                if let Some(meta) = index.candidate(default_of) {
                    let found = relation::parse(meta.depends())
                        .into_iter()
                        .flatten()
                        .find(|r| r.name.starts_with(prefix.as_str()))
                        .map(|r| r.name.to_owned());
                    if let Some(found) = found {
                        return found;
                    }
                }
            }
            None => {}
        }
        if index.candidate(name).is_none() && name.contains('_') {
            let dashed = name.replace('_', "-");
            if index.candidate(&dashed).is_some() {
                return dashed;
            }
        }
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkgs::index::IndexSource;

    #[test]
    fn table_and_underscore_rule_and_default_major_from_the_index() {
        let text = "Package: postgresql\nVersion: 15+248\nArchitecture: all\n\
                    Depends: postgresql-15\n\nPackage: postgresql-15\nVersion: 15.8-0\n\
                    Architecture: amd64\n\nPackage: golang-go\nVersion: 2:1.19~1\nArchitecture: amd64\n";
        let source = IndexSource {
            uri: "http://a.example/d".to_owned(),
            suite: "s".to_owned(),
            ..IndexSource::default()
        };
        let index = Index::from_packages(&[(source, text)]).unwrap();
        let aliases = Aliases::builtin().unwrap();
        assert_eq!(aliases.resolve("postgresql", &index), "postgresql-15");
        assert_eq!(aliases.resolve("postgresql_15", &index), "postgresql-15");
        assert_eq!(aliases.resolve("go", &index), "golang-go");
        assert_eq!(aliases.resolve("jq", &index), "jq");
    }
}
