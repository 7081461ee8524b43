//! Checking the store against its database: every valid path must exist and its NAR must
//! hash to what was registered. Repair invalidates (and removes) a damaged path that
//! nothing valid refers to, so the next add or build recreates it.

use std::collections::BTreeSet;

use super::error::StoreError;
use super::fsops;
use super::hash::{HashAlgo, Hasher};
use super::local::Store;
use super::nar;
use super::path::StorePath;

/// A problem found by [`Store::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub path: StorePath,
    pub reason: String,
    /// Whether `--repair` removed the path.
    pub repaired: bool,
}

impl Store {
    /// Checks `paths` (every valid path when `None`).
    pub fn verify(
        &mut self,
        paths: Option<&BTreeSet<StorePath>>,
        repair: bool,
    ) -> Result<Vec<Damage>, StoreError> {
        let all = match paths {
            Some(p) => p.clone(),
            None => self.all_valid()?,
        };
        let mut damage = Vec::new();
        for p in &all {
            let info = self.info(p)?;
            let real = self.real_path(p);
            let reason = if std::fs::symlink_metadata(&real).is_err() {
                Some("contents are missing".to_owned())
            } else {
                let mut h = Hasher::new(HashAlgo::Sha256);
                match nar::dump_path(&real, &mut h) {
                    Err(e) => Some(format!("cannot read contents: {e}")),
                    Ok(()) => {
                        let got = h.finish();
                        (got != info.nar_hash).then(|| {
                            format!(
                                "contents hash to {got} but {} was registered",
                                info.nar_hash
                            )
                        })
                    }
                }
            };
            let Some(reason) = reason else { continue };
            let repaired = repair && self.referrers(p)?.iter().all(|r| r == p) && {
                let _lock = self.lock_path(p)?;
                self.db.invalidate(&BTreeSet::from([p.clone()]))?;
                fsops::remove_tree(&real)?;
                true
            };
            damage.push(Damage {
                path: p.clone(),
                reason,
                repaired,
            });
        }
        Ok(damage)
    }
}
