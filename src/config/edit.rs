//! The writable stage: a `denv.toml` held as a `toml_edit` document, so that edits such as
//! `denv install` adding a package keep the user's comments, order and formatting.
//!
//! Every edit is validated the same way as loading (`add_package` refuses a bad name or
//! version), and [`ProjectFile::save`] re-validates the whole text before writing it.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, InlineTable, Item, Table, value};

use super::error::ConfigError;
use super::project::PackageName;
use super::raw::Source;
use super::version::VersionReq;

/// A project file open for editing.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    path: PathBuf,
    doc: DocumentMut,
}

impl ProjectFile {
    /// Opens `path` (a `denv.toml`) after checking that it loads.
    pub fn open(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(path, &text)
    }

    /// Parses `text` as the content of `path`.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, ConfigError> {
        super::from_text(path, text)?;
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            let src = Source { file: path, text };
            src.error(e.span().unwrap_or(0..0), e.message().to_owned(), None)
        })?;
        Ok(ProjectFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// Adds or replaces `[packages] NAME`. With a channel it is written as an inline table.
    pub fn add_package(
        &mut self,
        name: &str,
        version: &str,
        channel: Option<&str>,
    ) -> Result<(), String> {
        PackageName::new(name).ok_or_else(|| format!("`{name}` is not a valid package name"))?;
        VersionReq::parse(version)?;
        let packages = self
            .doc
            .entry("packages")
            .or_insert_with(|| Item::Table(Table::new()));
        let packages = packages
            .as_table_like_mut()
            .ok_or("`packages` in denv.toml is not a table")?;
        let entry = match channel {
            None => value(version),
            Some(channel) => {
                let mut spec = InlineTable::new();
                spec.insert("version", version.into());
                spec.insert("channel", channel.into());
                value(spec)
            }
        };
        match packages.get_mut(name) {
            // Replacing the value keeps the key's comments and position.
            Some(existing) => {
                let decor = existing.as_value().map(|v| v.decor().clone());
                *existing = entry;
                if let (Some(decor), Some(v)) = (decor, existing.as_value_mut()) {
                    *v.decor_mut() = decor;
                }
            }
            None => {
                packages.insert(name, entry);
            }
        }
        Ok(())
    }

    /// Removes `[packages] NAME`.
    pub fn remove_package(&mut self, name: &str) -> Result<(), ConfigError> {
        let removed = self
            .doc
            .get_mut("packages")
            .and_then(Item::as_table_like_mut)
            .and_then(|p| p.remove(name));
        match removed {
            Some(_) => Ok(()),
            None => Err(ConfigError::NoSuchPackage {
                name: name.to_owned(),
                path: self.path.clone(),
            }),
        }
    }

    /// The document as it would be written.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Validates and writes the document back (through a temporary file and a rename).
    pub fn save(&self) -> Result<(), ConfigError> {
        let text = self.text();
        super::from_text(&self.path, &text)?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let write_err = |source| ConfigError::Write {
            path: self.path.clone(),
            source,
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(write_err)?;
        tmp.persist(&self.path).map_err(|e| write_err(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "\
# My project
[packages]
# the compiler
go = \"1.19\"   # pinned for CI
jq = \"*\"

[env]
GREETING = \"hi\" # keep me
";

    fn open() -> ProjectFile {
        ProjectFile::from_text(Path::new("/p/denv.toml"), ORIGINAL).unwrap()
    }

    #[test]
    fn add_package_keeps_comments_and_order() {
        let mut file = open();
        file.add_package("ripgrep", "*", None).unwrap();
        assert_eq!(
            file.text(),
            ORIGINAL.replace("jq = \"*\"\n", "jq = \"*\"\nripgrep = \"*\"\n")
        );
    }

    #[test]
    fn replacing_a_version_keeps_its_comment() {
        let mut file = open();
        file.add_package("go", ">= 1.21", None).unwrap();
        assert_eq!(
            file.text(),
            ORIGINAL.replace("go = \"1.19\"   #", "go = \">= 1.21\"   #")
        );
    }

    #[test]
    fn add_package_with_channel_is_an_inline_table() {
        let mut file = ProjectFile::from_text(
            Path::new("/p/denv.toml"),
            "[channels]\nsid = { suite = \"sid\" }\n",
        )
        .unwrap();
        file.add_package("go", "*", Some("sid")).unwrap();
        assert_eq!(
            file.text(),
            "[channels]\nsid = { suite = \"sid\" }\n\n[packages]\ngo = { version = \"*\", channel = \"sid\" }\n"
        );
    }

    #[test]
    fn remove_package_keeps_the_rest() {
        let mut file = open();
        file.remove_package("jq").unwrap();
        assert_eq!(file.text(), ORIGINAL.replace("jq = \"*\"\n", ""));
        assert!(matches!(
            file.remove_package("jq"),
            Err(ConfigError::NoSuchPackage { .. })
        ));
    }

    #[test]
    fn bad_edits_are_refused() {
        let mut file = open();
        assert!(file.add_package("Bad Name", "*", None).is_err());
        assert!(file.add_package("go", "> 1", None).is_err());
        assert_eq!(file.text(), ORIGINAL);
    }
}
