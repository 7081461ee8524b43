//! Channels: named lists of Debian sources that are merged into one package index.
//!
//! The `default` channel is every source apt lists on this machine. A named channel
//! `NAME = { suite = "trixie" }` (from `[channels]` in `denv.toml` or the user's
//! `config.toml`) is the same archives at another suite: every default source whose suite
//! is the system's codename, or the codename plus a `-suffix`, maps to the new suite with
//! the same suffix (`bookworm` → `trixie`, `bookworm-security` under the security URI →
//! `trixie-security` there), and the main archive also gets `<suite>-updates`. With
//! `uri = "…"` the main archive is fetched from that location (a mirror or a proxy),
//! still verified with the keys apt names for it; `components = [ … ]` replaces the
//! components apt lists (`main` only, say, or `main` and `contrib`).
//!
//! Each source carries a [`Need`]: the channel's own suite must verify; its `-updates` /
//! `-security` companions may be absent from the archive (sid has neither) but must
//! verify when present; extra (third-party) sources are skipped with a warning when they
//! cannot be fetched or verified, so they never break the Debian ones.

use std::collections::BTreeMap;

use super::sources::{AptConfig, Source};

/// The name of the channel built from apt's own list.
pub const DEFAULT_CHANNEL: &str = "default";

/// How much a channel depends on one of its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Need {
    /// Any failure is an error.
    Required,
    /// May be missing from the archive (HTTP 404: skipped with a warning); a network or
    /// verification failure is still an error.
    MayBeAbsent,
    /// A third-party source: any failure skips it with a warning.
    Extra,
}

/// A source within a channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelSource {
    pub source: Source,
    pub need: Need,
}

/// A named list of sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub sources: Vec<ChannelSource>,
}

/// A channel as a user declares it: `NAME = { suite = "SUITE" }`, optionally with
/// `uri = "…"`: the main archive fetched from another location (a mirror or a caching
/// proxy), still checked against the keys apt names for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    pub suite: String,
    #[serde(default)]
    pub uri: Option<String>,
    /// The archive components to read; empty: those apt lists.
    #[serde(default)]
    pub components: Vec<String>,
}

/// A channel that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("apt lists no Debian source on this machine (etc/apt/sources.list{{,.d}})")]
    NoSources,
    #[error(
        "cannot derive channel `{name}`: apt's sources have no suite named after the system codename{codename}"
    )]
    NoBaseSuite { name: String, codename: String },
    #[error("unknown channel `{name}` (known: {known})")]
    Unknown { name: String, known: String },
    #[error("invalid channel table in {path}: {message}")]
    BadConfig { path: String, message: String },
}

/// The suite family of the default channel: the system's codename if apt lists it, else
/// the first suite that has a `-suffixed` sibling.
fn base_suite(apt: &AptConfig) -> Option<String> {
    let suites: Vec<&str> = apt.sources.iter().map(|s| s.suite.as_str()).collect();
    if let Some(codename) = &apt.codename {
        if suites.iter().any(|s| in_family(s, codename)) {
            return Some(codename.clone());
        }
    }
    suites
        .iter()
        .find(|base| {
            suites
                .iter()
                .any(|s| s.strip_prefix(**base).is_some_and(|r| r.starts_with('-')))
        })
        .map(|s| (*s).to_owned())
        .or_else(|| suites.first().map(|s| (*s).to_owned()))
}

fn in_family(suite: &str, base: &str) -> bool {
    suite == base || suite.strip_prefix(base).is_some_and(|r| r.starts_with('-'))
}

impl Channel {
    /// The `default` channel: everything apt lists.
    pub fn from_apt(apt: &AptConfig) -> Result<Channel, ChannelError> {
        if apt.sources.is_empty() {
            return Err(ChannelError::NoSources);
        }
        let base = base_suite(apt).unwrap_or_default();
        let sources = apt
            .sources
            .iter()
            .map(|s| ChannelSource {
                need: if s.suite == base {
                    Need::Required
                } else if in_family(&s.suite, &base) {
                    Need::MayBeAbsent
                } else {
                    Need::Extra
                },
                source: s.clone(),
            })
            .collect();
        Ok(Channel {
            name: DEFAULT_CHANNEL.to_owned(),
            sources,
        })
    }

    /// A channel at another suite of the default channel's archives.
    pub fn for_suite(name: &str, suite: &str, apt: &AptConfig) -> Result<Channel, ChannelError> {
        if apt.sources.is_empty() {
            return Err(ChannelError::NoSources);
        }
        let Some(base) = base_suite(apt) else {
            return Err(ChannelError::NoSources);
        };
        let mut sources: Vec<ChannelSource> = Vec::new();
        let mut add = |source: Source, need: Need| {
            if !sources.iter().any(|s| s.source == source) {
                sources.push(ChannelSource { source, need });
            }
        };
        for s in apt.sources.iter().filter(|s| in_family(&s.suite, &base)) {
            let suffix = &s.suite[base.len()..];
            let mapped = Source {
                suite: format!("{suite}{suffix}"),
                ..s.clone()
            };
            if suffix.is_empty() {
                add(mapped, Need::Required);
                add(
                    Source {
                        suite: format!("{suite}-updates"),
                        ..s.clone()
                    },
                    Need::MayBeAbsent,
                );
            } else {
                add(mapped, Need::MayBeAbsent);
            }
        }
        if !sources.iter().any(|s| s.need == Need::Required) {
            return Err(ChannelError::NoBaseSuite {
                name: name.to_owned(),
                codename: apt
                    .codename
                    .as_ref()
                    .map(|c| format!(" `{c}`"))
                    .unwrap_or_default(),
            });
        }
        // Required first, so its packages are the ones reported when versions tie.
        sources.sort_by_key(|s| s.need != Need::Required);
        Ok(Channel {
            name: name.to_owned(),
            sources,
        })
    }

    /// Builds the channel called `name` from the declared specs (`default` is apt's list).
    pub fn named(
        name: &str,
        specs: &BTreeMap<String, ChannelSpec>,
        apt: &AptConfig,
    ) -> Result<Channel, ChannelError> {
        if let Some(spec) = specs.get(name) {
            let mut channel = Channel::for_suite(name, &spec.suite, apt)?;
            if !spec.components.is_empty() {
                for s in &mut channel.sources {
                    s.source.components.clone_from(&spec.components);
                }
            }
            return Ok(match &spec.uri {
                Some(uri) => channel.at_uri(uri),
                None => channel,
            });
        }
        if name == DEFAULT_CHANNEL {
            return Channel::from_apt(apt);
        }
        let mut known: Vec<&str> = specs.keys().map(String::as_str).collect();
        known.insert(0, DEFAULT_CHANNEL);
        Err(ChannelError::Unknown {
            name: name.to_owned(),
            known: known.join(", "),
        })
    }

    /// The channel with its main archive (the URI of its required suite) fetched from
    /// `uri` instead; other archives (the security one) and every source's keys stay.
    pub fn at_uri(mut self, uri: &str) -> Channel {
        let uri = uri.trim_end_matches('/');
        let main = self
            .sources
            .iter()
            .find(|s| s.need == Need::Required)
            .map(|s| s.source.uri.clone());
        for s in &mut self.sources {
            if Some(&s.source.uri) == main.as_ref() {
                s.source.uri = uri.to_owned();
            }
        }
        self
    }

    /// A short stable key naming this exact list of sources (for cache file names).
    pub fn cache_key(&self) -> String {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        for s in &self.sources {
            hash.update(format!(
                "{}\n{}\n{}\n{:?}\n{:?}\n",
                s.source.uri,
                s.source.suite,
                s.source.components.join(" "),
                s.source.keyring,
                s.need
            ));
        }
        let digest = hash.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}-{hex}", sanitize(&self.name))
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Reads the `[channels]` table of a TOML file (other tables are ignored); a missing file
/// declares none.
pub fn read_channel_specs(
    path: &std::path::Path,
) -> Result<BTreeMap<String, ChannelSpec>, ChannelError> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        channels: BTreeMap<String, ChannelSpec>,
    }
    let bad = |message: String| ChannelError::BadConfig {
        path: path.display().to_string(),
        message,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(bad(e.to_string())),
    };
    let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    Ok(file.channels)
}

/// The declared channels: the user's `config.toml`, then the project's `denv.toml` (a
/// project's declaration wins on a name clash).
pub fn declared_channels(
    user_config: &std::path::Path,
    project_file: Option<&std::path::Path>,
) -> Result<BTreeMap<String, ChannelSpec>, ChannelError> {
    let mut specs = read_channel_specs(user_config)?;
    if let Some(project) = project_file {
        specs.extend(read_channel_specs(project)?);
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkgs::sources::Keyring;

    fn apt() -> AptConfig {
        let src = |uri: &str, suite: &str| Source {
            uri: uri.to_owned(),
            suite: suite.to_owned(),
            components: vec!["main".to_owned()],
            keyring: Keyring::File("/k.gpg".into()),
        };
        AptConfig {
            sources: vec![
                src("http://m.example/debian", "bookworm"),
                src("http://m.example/debian", "bookworm-updates"),
                src("http://s.example/debian-security", "bookworm-security"),
                src("https://third.example/apt", "nodistro"),
            ],
            codename: Some("bookworm".to_owned()),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn named_suite_maps_every_family_member_to_its_own_uri() {
        let channel = Channel::for_suite("t", "trixie", &apt()).unwrap();
        let got: Vec<(&str, &str, Need)> = channel
            .sources
            .iter()
            .map(|s| (s.source.uri.as_str(), s.source.suite.as_str(), s.need))
            .collect();
        assert_eq!(
            got,
            [
                ("http://m.example/debian", "trixie", Need::Required),
                (
                    "http://m.example/debian",
                    "trixie-updates",
                    Need::MayBeAbsent
                ),
                (
                    "http://s.example/debian-security",
                    "trixie-security",
                    Need::MayBeAbsent
                ),
            ]
        );
    }

    #[test]
    fn default_channel_marks_third_party_sources_as_extra() {
        let channel = Channel::from_apt(&apt()).unwrap();
        let needs: Vec<Need> = channel.sources.iter().map(|s| s.need).collect();
        assert_eq!(
            needs,
            [
                Need::Required,
                Need::MayBeAbsent,
                Need::MayBeAbsent,
                Need::Extra
            ]
        );
    }

    #[test]
    fn declared_components_replace_those_apt_lists() {
        let spec = ChannelSpec {
            suite: "trixie".to_owned(),
            uri: None,
            components: vec!["main".to_owned(), "contrib".to_owned()],
        };
        let specs = BTreeMap::from([("t".to_owned(), spec)]);
        let channel = Channel::named("t", &specs, &apt()).unwrap();
        assert!(!channel.sources.is_empty());
        for s in &channel.sources {
            assert_eq!(
                s.source.components,
                ["main", "contrib"],
                "{}",
                s.source.suite
            );
        }
    }

    #[test]
    fn a_channel_uri_replaces_only_the_main_archive_and_keeps_its_keys() {
        let spec = ChannelSpec {
            suite: "bookworm".to_owned(),
            uri: Some("http://127.0.0.1:9/debian/".to_owned()),
            components: Vec::new(),
        };
        let specs = BTreeMap::from([("near".to_owned(), spec)]);
        let channel = Channel::named("near", &specs, &apt()).unwrap();
        let got: Vec<(&str, &str)> = channel
            .sources
            .iter()
            .map(|s| (s.source.uri.as_str(), s.source.suite.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("http://127.0.0.1:9/debian", "bookworm"),
                ("http://127.0.0.1:9/debian", "bookworm-updates"),
                ("http://s.example/debian-security", "bookworm-security"),
            ]
        );
        assert!(
            channel
                .sources
                .iter()
                .all(|s| s.source.keyring == Keyring::File("/k.gpg".into()))
        );
    }

    #[test]
    fn unknown_channel_lists_the_known_ones() {
        let err = Channel::named("nope", &BTreeMap::new(), &apt()).unwrap_err();
        assert_eq!(err.to_string(), "unknown channel `nope` (known: default)");
    }
}
