//! `builtin:unpack-deb`: unpacks the data archive of the `.deb` at the derivation's `deb`
//! attribute into `out` (modes and symlinks kept, maintainer scripts never run; see
//! [`super::deb`]).
//!
//! The `.deb` is an input store path: it was checked against the SHA256 of the signed
//! index when its fixed-output derivation was built, so only verified bytes are unpacked.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::BuildError;
use super::builtins::BuiltinContext;

/// Where an input store path lies on disk: beside the output being built (the store's
/// real directory), under the input's base name.
pub(super) fn input_on_disk(cx: &BuiltinContext<'_>, input: &str) -> Result<PathBuf, BuildError> {
    let out = cx.output("out")?;
    let base = Path::new(input).file_name().ok_or_else(|| BuildError::Io {
        path: PathBuf::from(input),
        source: std::io::Error::other("not a store path"),
    })?;
    Ok(out.parent().unwrap_or(Path::new("/")).join(base))
}

/// Runs `builtin:unpack-deb`.
pub(super) fn unpack_deb(cx: &BuiltinContext<'_>, log: &mut dyn Write) -> Result<(), BuildError> {
    let deb = input_on_disk(cx, cx.attr("deb")?)?;
    let out = cx.output("out")?;
    let _ = writeln!(log, "unpacking '{}'", deb.display());
    let counts = super::deb::unpack(&deb, out).map_err(|e| BuildError::Io {
        path: deb.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let _ = writeln!(
        log,
        "{} files, {} directories, {} symlinks, {} bytes",
        counts.files, counts.dirs, counts.symlinks, counts.bytes
    );
    Ok(())
}
