//! A channel's merged package index: every `Packages` stanza of every source, compacted
//! into one string buffer plus fixed-size records, saved as one binary file so loading it
//! is one read and no parsing.
//!
//! Invariants: records only come from verified `Packages` files (see [`super::update`]);
//! each record remembers its source, because `Filename:` is relative to that source's
//! URI; for each name the versions are kept sorted highest first, so the candidate (what
//! apt would install) is the first one.

use std::collections::HashMap;
use std::path::Path;

use super::deb822;
use super::error::PkgsError;
use super::version::Version;

/// Where a record came from: one component's signed `Packages` index of one suite.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSource {
    pub uri: String,
    pub suite: String,
    pub component: String,
    /// The `Date` of the suite's signed `InRelease`.
    pub date: String,
    /// Lower-case hex SHA256 of the decompressed `Packages` text (as the Release lists it).
    pub packages_sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
enum Field {
    Package,
    Version,
    Architecture,
    MultiArch,
    Depends,
    PreDepends,
    Provides,
    Filename,
    Sha256,
    Description,
    Section,
    Essential,
    Source,
    Priority,
}

const FIELDS: [(Field, &str); 14] = [
    (Field::Package, "Package"),
    (Field::Version, "Version"),
    (Field::Architecture, "Architecture"),
    (Field::MultiArch, "Multi-Arch"),
    (Field::Depends, "Depends"),
    (Field::PreDepends, "Pre-Depends"),
    (Field::Provides, "Provides"),
    (Field::Filename, "Filename"),
    (Field::Sha256, "SHA256"),
    (Field::Description, "Description"),
    (Field::Section, "Section"),
    (Field::Essential, "Essential"),
    (Field::Source, "Source"),
    (Field::Priority, "Priority"),
];

#[derive(Debug, Clone, Copy, Default)]
struct Record {
    spans: [(u32, u32); 14],
    size: u64,
    installed_size: u64,
    source: u32,
}

/// The merged index of one channel.
#[derive(Debug, Default)]
pub struct Index {
    sources: Vec<IndexSource>,
    text: String,
    records: Vec<Record>,
    by_name: HashMap<String, Vec<u32>>,
    providers: HashMap<String, Vec<(u32, Option<String>)>>,
}

/// One package version in an [`Index`].
#[derive(Clone, Copy)]
pub struct Package<'a> {
    index: &'a Index,
    id: u32,
}

impl std::fmt::Debug for Package<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.name(), self.version())
    }
}

impl<'a> Package<'a> {
    fn field(&self, field: Field) -> &'a str {
        let (start, len) = self.index.records[self.id as usize].spans[field as usize];
        &self.index.text[start as usize..(start + len) as usize]
    }
    pub fn id(&self) -> u32 {
        self.id
    }
    pub fn name(&self) -> &'a str {
        self.field(Field::Package)
    }
    pub fn version(&self) -> &'a str {
        self.field(Field::Version)
    }
    pub fn architecture(&self) -> &'a str {
        self.field(Field::Architecture)
    }
    /// `same`, `foreign`, `allowed` or empty.
    pub fn multi_arch(&self) -> &'a str {
        self.field(Field::MultiArch)
    }
    pub fn depends(&self) -> &'a str {
        self.field(Field::Depends)
    }
    pub fn pre_depends(&self) -> &'a str {
        self.field(Field::PreDepends)
    }
    pub fn provides(&self) -> &'a str {
        self.field(Field::Provides)
    }
    /// The pool path, relative to [`Package::source`]'s URI.
    pub fn filename(&self) -> &'a str {
        self.field(Field::Filename)
    }
    pub fn sha256(&self) -> &'a str {
        self.field(Field::Sha256)
    }
    pub fn description(&self) -> &'a str {
        self.field(Field::Description)
    }
    /// The first line of the description.
    pub fn summary(&self) -> &'a str {
        self.description().lines().next().unwrap_or_default()
    }
    pub fn section(&self) -> &'a str {
        self.field(Field::Section)
    }
    pub fn essential(&self) -> bool {
        self.field(Field::Essential).eq_ignore_ascii_case("yes")
    }
    /// Part of every Debian system: Essential, or of priority `required` or `important`.
    pub fn base_system(&self) -> bool {
        self.essential() || matches!(self.field(Field::Priority), "required" | "important")
    }
    /// The source package it was built from (`Source:` without its version; the package's
    /// own name when the field is absent).
    pub fn source_package(&self) -> &'a str {
        match self.field(Field::Source).split_whitespace().next() {
            Some(source) => source,
            None => self.name(),
        }
    }
    pub fn size(&self) -> u64 {
        self.index.records[self.id as usize].size
    }
    /// Installed size in KiB, as the archive states it.
    pub fn installed_size(&self) -> u64 {
        self.index.records[self.id as usize].installed_size
    }
    pub fn source(&self) -> &'a IndexSource {
        &self.index.sources[self.index.records[self.id as usize].source as usize]
    }
    /// The download URL of the `.deb`.
    pub fn url(&self) -> String {
        format!(
            "{}/{}",
            self.source().uri,
            self.filename().trim_start_matches('/')
        )
    }
    /// The parsed version (unparseable versions sort lowest).
    pub fn parsed_version(&self) -> Option<Version> {
        Version::parse(self.version()).ok()
    }
}

impl Index {
    /// Builds an index from decompressed, already verified `Packages` texts.
    pub fn from_packages(parts: &[(IndexSource, &str)]) -> Result<Index, PkgsError> {
        let mut index = Index::default();
        for (source, text) in parts {
            let source_id = index.sources.len() as u32;
            index.sources.push(source.clone());
            for stanza in deb822::stanzas(text) {
                let mut record = Record {
                    source: source_id,
                    ..Record::default()
                };
                for (field, name) in FIELDS {
                    let value = stanza.get(name).unwrap_or_default();
                    let start =
                        u32::try_from(index.text.len()).map_err(|_| PkgsError::Malformed {
                            what: "package index".to_owned(),
                            message: "larger than 4 GiB".to_owned(),
                        })?;
                    index.text.push_str(value);
                    record.spans[field as usize] = (start, value.len() as u32);
                }
                let number = |name: &str| {
                    stanza
                        .get(name)
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(0)
                };
                record.size = number("Size");
                record.installed_size = number("Installed-Size");
                let arch = stanza.get("Architecture").unwrap_or_default();
                if stanza.get("Package").is_none_or(str::is_empty)
                    || !(arch == super::sources::ARCH || arch == "all")
                {
                    continue;
                }
                index.records.push(record);
            }
        }
        index.build_maps();
        Ok(index)
    }

    fn build_maps(&mut self) {
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
        let mut providers: HashMap<String, Vec<(u32, Option<String>)>> = HashMap::new();
        for id in 0..self.records.len() as u32 {
            let package = Package { index: self, id };
            by_name
                .entry(package.name().to_owned())
                .or_default()
                .push(id);
            let provides = package.provides();
            if !provides.is_empty() {
                for item in provides.split(',') {
                    let item = item.trim();
                    let (name, version) = match item.split_once('(') {
                        Some((name, rest)) => {
                            let version = rest
                                .trim_end_matches(')')
                                .trim()
                                .trim_start_matches('=')
                                .trim();
                            (name.trim(), Some(version.to_owned()))
                        }
                        None => (item, None),
                    };
                    let name = name.split(':').next().unwrap_or(name);
                    if !name.is_empty() {
                        providers
                            .entry(name.to_owned())
                            .or_default()
                            .push((id, version));
                    }
                }
            }
        }
        for ids in by_name.values_mut() {
            // Highest version first; on a tie the earlier source wins.
            ids.sort_by(|a, b| {
                let va = Package {
                    index: self,
                    id: *a,
                }
                .parsed_version();
                let vb = Package {
                    index: self,
                    id: *b,
                }
                .parsed_version();
                vb.cmp(&va).then(a.cmp(b))
            });
            ids.dedup_by(|a, b| {
                let pa = Package {
                    index: self,
                    id: *a,
                };
                let pb = Package {
                    index: self,
                    id: *b,
                };
                pa.version() == pb.version() && pa.architecture() == pb.architecture()
            });
        }
        self.by_name = by_name;
        self.providers = providers;
    }

    /// The sources merged into this index, in order.
    pub fn sources(&self) -> &[IndexSource] {
        &self.sources
    }

    /// Number of package records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every record.
    pub fn iter(&self) -> impl Iterator<Item = Package<'_>> {
        (0..self.records.len() as u32).map(|id| Package { index: self, id })
    }

    /// Every distinct package name with its candidate (highest) version.
    pub fn candidates(&self) -> impl Iterator<Item = Package<'_>> {
        self.by_name
            .values()
            .filter_map(|ids| ids.first())
            .map(|id| Package {
                index: self,
                id: *id,
            })
    }

    /// All versions of a real package, highest first.
    pub fn versions(&self, name: &str) -> Vec<Package<'_>> {
        self.by_name
            .get(name)
            .map(|ids| {
                ids.iter()
                    .map(|id| Package {
                        index: self,
                        id: *id,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The version apt would pick for a real package: the highest one.
    pub fn candidate(&self, name: &str) -> Option<Package<'_>> {
        self.by_name
            .get(name)
            .and_then(|ids| ids.first())
            .map(|id| Package {
                index: self,
                id: *id,
            })
    }

    /// The packages that provide `name`, with the provided version when stated.
    pub fn providers(&self, name: &str) -> Vec<(Package<'_>, Option<&str>)> {
        self.providers
            .get(name)
            .map(|list| {
                list.iter()
                    .map(|(id, v)| {
                        (
                            Package {
                                index: self,
                                id: *id,
                            },
                            v.as_deref(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A package by its record id.
    pub fn get(&self, id: u32) -> Option<Package<'_>> {
        ((id as usize) < self.records.len()).then_some(Package { index: self, id })
    }
}

const MAGIC: &[u8; 8] = b"DENVIDX3";
/// Earlier layouts: read as "not cached", so the next use fetches the index again.
const OLD_MAGICS: &[&[u8; 8]] = &[b"DENVIDX1", b"DENVIDX2"];

impl Index {
    /// Serialises the index to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), PkgsError> {
        let mut out = Vec::with_capacity(self.text.len() + self.records.len() * 120 + 64);
        out.extend_from_slice(MAGIC);
        put_u64(&mut out, self.sources.len() as u64);
        for s in &self.sources {
            put_str(&mut out, &s.uri);
            put_str(&mut out, &s.suite);
            put_str(&mut out, &s.component);
            put_str(&mut out, &s.date);
            put_str(&mut out, &s.packages_sha256);
        }
        put_str(&mut out, &self.text);
        put_u64(&mut out, self.records.len() as u64);
        for r in &self.records {
            for (start, len) in r.spans {
                out.extend_from_slice(&start.to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
            }
            put_u64(&mut out, r.size);
            put_u64(&mut out, r.installed_size);
            out.extend_from_slice(&r.source.to_le_bytes());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(PkgsError::io(dir))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(PkgsError::io(dir))?;
        std::io::Write::write_all(&mut tmp, &out).map_err(PkgsError::io(path))?;
        tmp.persist(path).map_err(|e| PkgsError::Io {
            path: path.to_path_buf(),
            source: e.error,
        })?;
        Ok(())
    }

    /// Loads an index saved by [`Index::save`]; `Ok(None)` when the file does not exist.
    pub fn load(path: &Path) -> Result<Option<Index>, PkgsError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(PkgsError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let corrupt = || PkgsError::Malformed {
            what: format!("index cache {}", path.display()),
            message: "truncated or corrupt; run `denv update`".to_owned(),
        };
        let mut r = Reader {
            bytes: &bytes,
            pos: 0,
        };
        let magic = r.take(8).ok_or_else(corrupt)?;
        if OLD_MAGICS.iter().any(|old| magic == old.as_slice()) {
            return Ok(None);
        }
        if magic != MAGIC {
            return Err(corrupt());
        }
        let mut index = Index::default();
        let n = r.u64().ok_or_else(corrupt)?;
        for _ in 0..n {
            let uri = r.string().ok_or_else(corrupt)?;
            let suite = r.string().ok_or_else(corrupt)?;
            let component = r.string().ok_or_else(corrupt)?;
            let date = r.string().ok_or_else(corrupt)?;
            let packages_sha256 = r.string().ok_or_else(corrupt)?;
            index.sources.push(IndexSource {
                uri,
                suite,
                component,
                date,
                packages_sha256,
            });
        }
        index.text = r.string().ok_or_else(corrupt)?;
        let count = r.u64().ok_or_else(corrupt)? as usize;
        index.records.reserve(count.min(bytes.len() / 100));
        for _ in 0..count {
            let mut record = Record::default();
            for span in record.spans.iter_mut() {
                let start = r.u32().ok_or_else(corrupt)?;
                let len = r.u32().ok_or_else(corrupt)?;
                let end = start as usize + len as usize;
                if end > index.text.len()
                    || !index.text.is_char_boundary(start as usize)
                    || !index.text.is_char_boundary(end)
                {
                    return Err(corrupt());
                }
                *span = (start, len);
            }
            record.size = r.u64().ok_or_else(corrupt)?;
            record.installed_size = r.u64().ok_or_else(corrupt)?;
            record.source = r.u32().ok_or_else(corrupt)?;
            if record.source as usize >= index.sources.len() {
                return Err(corrupt());
            }
            index.records.push(record);
        }
        index.build_maps();
        Ok(Some(index))
    }
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "Package: tool\nVersion: 1.0-1\nArchitecture: amd64\nFilename: pool/t/tool_1.0-1.deb\n\
                     Size: 10\nSHA256: aa\nDescription: a tool\nProvides: virt (= 2), other\n\n\
                     Package: lib\nVersion: 2\nArchitecture: arm64\n";
    const B: &str = "Package: tool\nVersion: 1.0-1+deb12u1\nArchitecture: amd64\n\
                     Filename: pool/t/tool_u1.deb\nSize: 11\nSHA256: bb\n";

    fn sources() -> [IndexSource; 2] {
        let s = |uri: &str, suite: &str| IndexSource {
            uri: uri.to_owned(),
            suite: suite.to_owned(),
            ..IndexSource::default()
        };
        [
            s("http://a.example/d", "s"),
            s("http://b.example/sec", "s-security"),
        ]
    }

    #[test]
    fn highest_version_wins_and_its_url_uses_its_own_source() {
        let [a, b] = sources();
        let index = Index::from_packages(&[(a, A), (b, B)]).unwrap();
        assert_eq!(index.len(), 2, "the arm64 record is dropped");
        let tool = index.candidate("tool").unwrap();
        assert_eq!(tool.version(), "1.0-1+deb12u1");
        assert_eq!(tool.url(), "http://b.example/sec/pool/t/tool_u1.deb");
        assert_eq!(index.versions("tool").len(), 2);
        let providers = index.providers("virt");
        assert_eq!(providers.len(), 1);
        assert_eq!(providers[0].1, Some("2"));
        assert_eq!(index.providers("other")[0].1, None);
    }

    #[test]
    fn saved_index_loads_back_identically() {
        let [a, b] = sources();
        let index = Index::from_packages(&[(a, A), (b, B)]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.idx");
        index.save(&path).unwrap();
        let loaded = Index::load(&path).unwrap().unwrap();
        assert_eq!(loaded.sources(), index.sources());
        let tool = loaded.candidate("tool").unwrap();
        assert_eq!(
            (tool.version(), tool.size(), tool.sha256()),
            ("1.0-1+deb12u1", 11, "bb")
        );
        for old in OLD_MAGICS {
            std::fs::write(&path, [old.as_slice(), b"\xff"].concat()).unwrap();
            assert!(
                Index::load(&path).unwrap().is_none(),
                "an old layout reads as absent"
            );
        }
        let mut truncated = MAGIC.to_vec();
        truncated.push(0xff);
        std::fs::write(&path, truncated).unwrap();
        assert!(Index::load(&path).is_err());
    }
}
