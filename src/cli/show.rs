//! `denv show PKG [--json]`: a package's versions in every channel, its description,
//! size and dependencies.

use std::io::Write;

use crate::pkgs::PkgsError;
use crate::pkgs::aliases::Aliases;

use super::update::{Context, fail};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A Debian package name or one of denv's aliases (`go`, `python`, `postgresql`, …).
    package: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Version {
    version: String,
    suite: String,
    architecture: String,
    size: u64,
    installed_size_kib: u64,
    url: String,
    sha256: String,
}

#[derive(serde::Serialize)]
struct InChannel {
    channel: String,
    package: String,
    versions: Vec<Version>,
    section: String,
    description: String,
    depends: String,
    pre_depends: String,
    provides: String,
}

pub fn run(args: Args) -> u8 {
    let Args { package, json } = args;
    let result = (|| {
        let context = Context::load()?;
        let aliases = Aliases::builtin().map_err(|e| PkgsError::Malformed {
            what: "alias table".to_owned(),
            message: e.to_string(),
        })?;
        let mut found = Vec::new();
        let mut hint = String::new();
        for channel in context.channels(None)? {
            let index = context.index(&channel)?;
            let name = aliases.resolve(&package, &index);
            let versions = index.versions(&name);
            let Some(best) = versions.first() else {
                if hint.is_empty() {
                    hint = crate::pkgs::resolve::suggestion(&index, &package);
                }
                continue;
            };
            found.push(InChannel {
                channel: channel.name.clone(),
                package: name.clone(),
                section: best.section().to_owned(),
                description: best.description().to_owned(),
                depends: best.depends().to_owned(),
                pre_depends: best.pre_depends().to_owned(),
                provides: best.provides().to_owned(),
                versions: versions
                    .iter()
                    .map(|p| Version {
                        version: p.version().to_owned(),
                        suite: p.source().suite.clone(),
                        architecture: p.architecture().to_owned(),
                        size: p.size(),
                        installed_size_kib: p.installed_size(),
                        url: p.url(),
                        sha256: p.sha256().to_owned(),
                    })
                    .collect(),
            });
        }
        if found.is_empty() {
            return Err(PkgsError::UnknownPackage {
                name: package.clone(),
                hint,
            });
        }
        let mut out = std::io::stdout().lock();
        if json {
            let text = serde_json::to_string_pretty(&found).unwrap_or_default();
            let _ = writeln!(out, "{text}");
            return Ok(());
        }
        for (i, c) in found.iter().enumerate() {
            if i > 0 {
                let _ = writeln!(out);
            }
            let _ = writeln!(out, "{} (channel {})", c.package, c.channel);
            let _ = writeln!(out, "  {}", c.description.replace('\n', "\n  "));
            for v in &c.versions {
                let _ = writeln!(
                    out,
                    "  version {} [{}] from {}: {} bytes, {} KiB installed",
                    v.version, v.architecture, v.suite, v.size, v.installed_size_kib
                );
            }
            if !c.section.is_empty() {
                let _ = writeln!(out, "  section: {}", c.section);
            }
            for (label, value) in [
                ("pre-depends", &c.pre_depends),
                ("depends", &c.depends),
                ("provides", &c.provides),
            ] {
                if !value.is_empty() {
                    let _ = writeln!(out, "  {label}: {value}");
                }
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => 0,
        Err(err) => fail(&err),
    }
}
