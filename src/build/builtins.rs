//! Builders that run inside denv (`builder = "builtin:NAME"`), found in one table.
//!
//! # Adding a builtin builder
//!
//! Write a [`BuiltinBuilder`] and add a line to [`BUILTINS`]. It receives the derivation's
//! environment and where each output must be created, and writes its log to `log`. The
//! scheduler checks afterwards that every output exists (and a fixed output's hash).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use super::job::Job;
use super::{BuildError, download, io_at};
use crate::store::{FixedOutputHash, HashAlgo, HashFormat, IngestionMethod};

/// What a builtin builder gets.
pub(crate) struct BuiltinContext<'a> {
    /// The `.drv` path, for messages.
    pub drv: String,
    /// The derivation's environment.
    pub env: &'a BTreeMap<String, String>,
    /// The declared hash of a fixed output.
    pub fixed: Option<&'a FixedOutputHash>,
    /// Output name → where to create it.
    pub outputs: &'a BTreeMap<String, PathBuf>,
    /// The HTTP client the build's downloads share.
    pub http: &'a ureq::Agent,
    /// Where unfinished downloads keep their bytes between attempts and runs.
    pub partial_dir: &'a std::path::Path,
    /// Reports a download's bytes so far and its total when known.
    pub progress: &'a dyn Fn(u64, Option<u64>),
}

impl BuiltinContext<'_> {
    /// A required attribute.
    pub fn attr(&self, name: &str) -> Result<&str, BuildError> {
        self.env
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| BuildError::Io {
                path: PathBuf::from(&self.drv),
                source: std::io::Error::other(format!("attribute '{name}' missing")),
            })
    }

    /// Where output `name` goes.
    pub fn output(&self, name: &str) -> Result<&PathBuf, BuildError> {
        self.outputs
            .get(name)
            .ok_or_else(|| BuildError::NoSuchOutput {
                drv: self.drv.clone(),
                output: name.to_owned(),
            })
    }
}

/// A builder implemented in denv.
pub(crate) type BuiltinBuilder = fn(&BuiltinContext<'_>, &mut dyn Write) -> Result<(), BuildError>;

/// Every builtin builder, by the name after `builtin:`.
const BUILTINS: &[(&str, BuiltinBuilder)] = &[
    ("fetchurl", fetchurl),
    ("unpack-deb", super::builtin_deb::unpack_deb),
    ("relocate", super::relocate::relocate),
    ("profile", super::profile::build),
];

/// Runs `builtin:NAME` for a job.
pub(super) fn run(
    name: &str,
    job: &Job,
    log: &mut dyn Write,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<(), BuildError> {
    let drv = job.dir.display(&job.drv_path);
    let Some((_, builder)) = BUILTINS.iter().find(|(n, _)| *n == name) else {
        return Err(BuildError::UnknownBuiltin {
            drv,
            builder: format!("builtin:{name}"),
        });
    };
    let cx = BuiltinContext {
        drv,
        env: &job.drv.env,
        fixed: job.drv.fixed_output(),
        outputs: &job.outputs,
        http: &job.http,
        partial_dir: &job.partial_dir,
        progress,
    };
    builder(&cx, log)
}

/// `builtin:fetchurl`: downloads `url` to `out` (made executable with `executable = "1"`).
/// An optional `size` attribute (the archive index's) is checked while the bytes arrive;
/// a flat SHA256 output hash is checked before the file reaches `out`, so an interrupted
/// or tampered download never appears there.
fn fetchurl(cx: &BuiltinContext<'_>, log: &mut dyn Write) -> Result<(), BuildError> {
    let url = cx.attr("url")?;
    let out = cx.output("out")?;
    let _ = writeln!(log, "downloading '{url}'...");
    let expected = crate::net::resume::Expected {
        size: cx.env.get("size").and_then(|s| s.parse().ok()),
        sha256: flat_sha256(cx.fixed),
    };
    let mut progress = |done, total| (cx.progress)(done, total);
    download::download_resumable(cx.http, url, out, cx.partial_dir, &expected, &mut progress)
        .map_err(|source| BuildError::Download {
            drv: cx.drv.clone(),
            source,
        })?;
    if cx.env.get("executable").map(String::as_str) == Some("1") {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755))
            .map_err(io_at(out))?;
    }
    Ok(())
}

/// The hex SHA256 a flat fixed output must have, when the derivation declares one.
fn flat_sha256(fixed: Option<&FixedOutputHash>) -> Option<String> {
    let fixed = fixed?;
    (fixed.method == IngestionMethod::Flat && fixed.hash.algo() == HashAlgo::Sha256)
        .then(|| fixed.hash.encode(HashFormat::Base16))
}
