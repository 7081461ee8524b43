//! apt's list of Debian sources on this machine, read from its configuration files.
//!
//! apt names its archives in `etc/apt/sources.list.d/*.sources` (deb822: `Types`, `URIs`,
//! `Suites`, `Components`, `Signed-By`, `Architectures`, `Enabled`) and in
//! `etc/apt/sources.list` / `*.list` (one line per source, with `[signed-by=… arch=…]`
//! options). Only `deb` entries for this architecture are kept; each (URI, suite) pair
//! becomes one [`Source`]. Nothing here touches the network: the archive host is whatever
//! the machine lists, never a constant.

use std::path::{Path, PathBuf};

use super::deb822;

/// The architecture denv installs for.
pub const ARCH: &str = "amd64";

/// Where a source's signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Keyring {
    /// A keyring file (`Signed-By: /usr/share/keyrings/….gpg`), binary or armored.
    File(PathBuf),
    /// An armored key block written inline in a `.sources` file.
    Inline(String),
    /// No `Signed-By`: apt's global trusted keys (`etc/apt/trusted.gpg{,.d/*}`).
    AptTrusted(PathBuf),
}

/// One Debian suite of one archive: `<uri>/dists/<suite>/<component>/binary-<arch>/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// The archive URI, without a trailing slash.
    pub uri: String,
    /// The suite (codename) such as `bookworm` or `bookworm-security`.
    pub suite: String,
    /// Components such as `main`.
    pub components: Vec<String>,
    /// The keys that must sign the suite's `InRelease`.
    pub keyring: Keyring,
}

impl Source {
    /// The URL of a file under the suite's `dists/` directory.
    pub fn dists_url(&self, path: &str) -> String {
        format!("{}/dists/{}/{}", self.uri, self.suite, path)
    }

    /// The URL of a pool file named by a `Filename:` field.
    pub fn pool_url(&self, filename: &str) -> String {
        format!("{}/{}", self.uri, filename.trim_start_matches('/'))
    }
}

/// What apt's configuration says, plus the system's release codename.
#[derive(Debug, Clone, Default)]
pub struct AptConfig {
    /// Every enabled `deb` source for [`ARCH`], in the order apt reads them.
    pub sources: Vec<Source>,
    /// `VERSION_CODENAME` from `etc/os-release`, when present.
    pub codename: Option<String>,
    /// Lines or stanzas that could not be used, with the reason (for one warning each).
    pub skipped: Vec<String>,
}

/// An I/O failure reading apt's configuration.
#[derive(Debug, thiserror::Error)]
#[error("cannot read apt configuration {path}: {source}")]
pub struct AptConfigError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl AptConfig {
    /// Reads apt's sources under `root` (normally `/`).
    pub fn load(root: &Path) -> Result<AptConfig, AptConfigError> {
        let mut config = AptConfig {
            codename: read_codename(&root.join("etc/os-release")),
            ..AptConfig::default()
        };
        let trusted = root.join("etc/apt");
        let list = root.join("etc/apt/sources.list");
        if let Some(text) = read_optional(&list)? {
            config.parse_list(&text, &trusted, &list);
        }
        let dir = root.join("etc/apt/sources.list.d");
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(AptConfigError { path: dir, source }),
        };
        entries.sort();
        for path in entries {
            let ext = path.extension().and_then(|e| e.to_str());
            match ext {
                Some("sources") => {
                    if let Some(text) = read_optional(&path)? {
                        config.parse_sources(&text, &trusted, &path);
                    }
                }
                Some("list") => {
                    if let Some(text) = read_optional(&path)? {
                        config.parse_list(&text, &trusted, &path);
                    }
                }
                _ => {}
            }
        }
        Ok(config)
    }

    /// Adds the sources of a deb822 `.sources` file.
    pub fn parse_sources(&mut self, text: &str, apt_dir: &Path, origin: &Path) {
        for stanza in deb822::stanzas(text) {
            let words = |name: &str| -> Vec<String> {
                stanza
                    .get(name)
                    .map(|v| v.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default()
            };
            if stanza
                .get("Enabled")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("no"))
            {
                continue;
            }
            if !words("Types").iter().any(|t| t == "deb") {
                continue;
            }
            let arches = words("Architectures");
            if !arches.is_empty() && !arches.iter().any(|a| a == ARCH) {
                continue;
            }
            let keyring = match stanza.get("Signed-By") {
                Some(v) if v.contains("BEGIN PGP PUBLIC KEY BLOCK") => {
                    // Inline keys are written with a leading space per line and `.` for
                    // blank lines.
                    let key: Vec<&str> = v
                        .lines()
                        .map(|l| l.trim())
                        .map(|l| if l == "." { "" } else { l })
                        .collect();
                    Keyring::Inline(key.join("\n"))
                }
                Some(v) if !v.trim().is_empty() => {
                    // Several keyrings may be listed; the first file is used.
                    let first = v.split_whitespace().next().unwrap_or_default();
                    Keyring::File(PathBuf::from(first))
                }
                _ => Keyring::AptTrusted(apt_dir.to_path_buf()),
            };
            let components = words("Components");
            for uri in words("URIs") {
                for suite in words("Suites") {
                    self.push(&uri, &suite, &components, &keyring, origin);
                }
            }
        }
    }

    /// Adds the sources of a one-line-format `sources.list` file.
    pub fn parse_list(&mut self, text: &str, apt_dir: &Path, origin: &Path) {
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            let Some(rest) = line.strip_prefix("deb") else {
                continue;
            };
            if !rest.starts_with([' ', '\t']) {
                continue; // `deb-src`
            }
            let rest = rest.trim_start();
            let (options, rest) = match rest.strip_prefix('[') {
                Some(after) => match after.split_once(']') {
                    Some((opts, rest)) => (opts, rest),
                    None => {
                        self.skipped
                            .push(format!("{}: `{line}`: unclosed `[`", origin.display()));
                        continue;
                    }
                },
                None => ("", rest),
            };
            let mut keyring = Keyring::AptTrusted(apt_dir.to_path_buf());
            let mut arch_ok = true;
            for option in options.split_whitespace() {
                if let Some((key, value)) = option.split_once('=') {
                    match key {
                        "signed-by" => keyring = Keyring::File(PathBuf::from(value)),
                        "arch" => arch_ok = value.split(',').any(|a| a == ARCH),
                        _ => {}
                    }
                }
            }
            if !arch_ok {
                continue;
            }
            let mut words = rest.split_whitespace();
            let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
                self.skipped.push(format!(
                    "{}: `{line}`: missing URI or suite",
                    origin.display()
                ));
                continue;
            };
            let components: Vec<String> = words.map(str::to_owned).collect();
            self.push(uri, suite, &components, &keyring, origin);
        }
    }

    fn push(
        &mut self,
        uri: &str,
        suite: &str,
        components: &[String],
        keyring: &Keyring,
        origin: &Path,
    ) {
        if suite.ends_with('/') {
            self.skipped.push(format!(
                "{}: flat repository `{uri} {suite}` is not supported",
                origin.display()
            ));
            return;
        }
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            self.skipped.push(format!(
                "{}: `{uri}`: only http and https archives are supported",
                origin.display()
            ));
            return;
        }
        let source = Source {
            uri: uri.trim_end_matches('/').to_owned(),
            suite: suite.to_owned(),
            components: components.to_vec(),
            keyring: keyring.clone(),
        };
        if !self.sources.contains(&source) {
            self.sources.push(source);
        }
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, AptConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AptConfigError {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn read_codename(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        line.strip_prefix("VERSION_CODENAME=")
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb822_sources_expand_uris_times_suites_and_honour_enabled_and_arch() {
        let mut config = AptConfig::default();
        let text = "Types: deb deb-src\nURIs: http://a.example/debian/\nSuites: s1 s1-updates\n\
                    Components: main contrib\nSigned-By: /k.gpg\n\n\
                    Types: deb\nURIs: http://b.example/x\nSuites: s2\nComponents: main\n\
                    Enabled: no\n\n\
                    Types: deb\nURIs: http://c.example/x\nSuites: s3\nComponents: main\n\
                    Architectures: arm64\n\n\
                    Types: deb-src\nURIs: http://d.example/x\nSuites: s4\nComponents: main\n";
        config.parse_sources(text, Path::new("/etc/apt"), Path::new("t.sources"));
        let got: Vec<(&str, &str)> = config
            .sources
            .iter()
            .map(|s| (s.uri.as_str(), s.suite.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("http://a.example/debian", "s1"),
                ("http://a.example/debian", "s1-updates")
            ]
        );
        assert_eq!(config.sources[0].components, ["main", "contrib"]);
        assert_eq!(config.sources[0].keyring, Keyring::File("/k.gpg".into()));
    }

    #[test]
    fn one_line_format_reads_options_and_skips_deb_src_and_other_arches() {
        let mut config = AptConfig::default();
        let text = "# c\ndeb [arch=amd64 signed-by=/k.gpg] https://a.example/d s1 main # tail\n\
                    deb-src http://a.example/d s1 main\n\
                    deb [arch=arm64] http://b.example/d s2 main\n\
                    deb http://c.example/d s3 main non-free\n";
        config.parse_list(text, Path::new("/etc/apt"), Path::new("sources.list"));
        assert_eq!(config.sources.len(), 2);
        assert_eq!(config.sources[0].uri, "https://a.example/d");
        assert_eq!(config.sources[0].keyring, Keyring::File("/k.gpg".into()));
        assert_eq!(config.sources[1].components, ["main", "non-free"]);
        assert_eq!(
            config.sources[1].keyring,
            Keyring::AptTrusted("/etc/apt".into())
        );
    }
}
