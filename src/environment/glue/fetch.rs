//! The evaluation-time fetchers: `fetchurl` (a flat sha256 path named after the URL's last
//! component) and `fetchTarball` (the single top-level directory of the unpacked archive,
//! a recursive sha256 path named `source`), with Nix's names and hash checks.

use std::collections::BTreeSet;
use std::fs;

use super::source::{compute_path, content_hash};
use super::{Glue, GlueError, io_at};
use crate::build::download;
use crate::eval::glue::FetchRequest;
use crate::store::address;
use crate::store::{FixedOutputHash, Hash, HashAlgo, HashFormat, IngestionMethod, StorePath};

pub(super) fn fetch(glue: &Glue, req: &FetchRequest<'_>) -> Result<StorePath, GlueError> {
    let (unpack, default_name) = match req.fetcher {
        "fetchurl" => (false, download::base_name(req.url)),
        "fetchTarball" => (true, "source"),
        other => {
            return Err(GlueError::Invalid(format!(
                "'{other}' is not supported by denv yet"
            )));
        }
    };
    let name = req.name.unwrap_or(default_name);
    crate::store::path::check_name(name)?;
    let method = if unpack {
        IngestionMethod::Recursive
    } else {
        IngestionMethod::Flat
    };
    let expected = match req.sha256 {
        Some(h) => Some(Hash::parse(h, Some(HashAlgo::Sha256))?),
        None => None,
    };
    if let (Some(hash), Some(store)) = (&expected, &glue.store) {
        let fixed = FixedOutputHash {
            method,
            hash: hash.clone(),
        };
        let path = address::fixed_output_path(&glue.dir, name, &fixed, &BTreeSet::new(), false)?;
        if store.borrow().is_valid(&path)? {
            return Ok(path);
        }
    }
    let tmp = tempfile::tempdir().map_err(io_at(std::path::Path::new(req.url)))?;
    let file = tmp.path().join("download");
    download::download(&crate::net::client(), req.url, &file).map_err(|e| GlueError::Fetch {
        url: req.url.to_owned(),
        reason: e.to_string(),
    })?;
    let content = if unpack {
        let dir = tmp.path().join("unpacked");
        fs::create_dir(&dir).map_err(io_at(&dir))?;
        download::unpack_tarball(&file, &dir).map_err(|e| GlueError::Fetch {
            url: req.url.to_owned(),
            reason: format!("cannot unpack: {e}"),
        })?;
        let members: Vec<_> = fs::read_dir(&dir)
            .map_err(io_at(&dir))?
            .collect::<Result<_, _>>()
            .map_err(io_at(&dir))?;
        if members.len() != 1 {
            return Err(GlueError::Fetch {
                url: req.url.to_owned(),
                reason: "the tarball contains an unexpected number of top-level files".into(),
            });
        }
        members[0].path()
    } else {
        file
    };
    if let Some(hash) = &expected {
        let got = content_hash(&content, method, HashAlgo::Sha256)?;
        if &got != hash {
            return Err(GlueError::Fetch {
                url: req.url.to_owned(),
                reason: format!(
                    "hash mismatch in file downloaded from '{}':\n  specified: {}\n  got:       {}",
                    req.url,
                    hash.to_typed_string(HashFormat::Sri),
                    got.to_typed_string(HashFormat::Sri)
                ),
            });
        }
    }
    match &glue.store {
        Some(store) => {
            Ok(store
                .borrow_mut()
                .add_fixed(&content, name, method, HashAlgo::Sha256)?)
        }
        None => compute_path(glue, &content, name, method),
    }
}
