//! The database of valid paths (SQLite, beside the store directory).
//!
//! A row in `ValidPaths` is the only thing that makes a path valid. References point at
//! valid rows (foreign keys; `ON DELETE RESTRICT` keeps every closure complete), so a path
//! can only be removed after everything referring to it. Paths are stored as base names,
//! independent of the store directory.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::StoreError;
use super::hash::{Hash, HashAlgo};
use super::path::StorePath;

/// What the store knows about a valid path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    pub path: StorePath,
    /// sha256 of the path's NAR.
    pub nar_hash: Hash,
    pub nar_size: u64,
    pub references: BTreeSet<StorePath>,
    pub deriver: Option<StorePath>,
    /// Seconds since the epoch.
    pub registration_time: i64,
}

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ValidPaths (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    path             TEXT UNIQUE NOT NULL,
    hash             TEXT NOT NULL,
    registrationTime INTEGER NOT NULL,
    deriver          TEXT,
    narSize          INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS Refs (
    referrer  INTEGER NOT NULL REFERENCES ValidPaths(id) ON DELETE CASCADE,
    reference INTEGER NOT NULL REFERENCES ValidPaths(id) ON DELETE RESTRICT,
    PRIMARY KEY (referrer, reference)
);
CREATE INDEX IF NOT EXISTS IndexReferrer ON Refs(referrer);
CREATE INDEX IF NOT EXISTS IndexReference ON Refs(reference);
CREATE INDEX IF NOT EXISTS IndexDeriver ON ValidPaths(deriver);
";

pub struct Db {
    conn: Connection,
}

impl Db {
    pub fn open(file: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(file)?;
        conn.busy_timeout(std::time::Duration::from_secs(600))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // NORMAL in WAL mode: a power loss can only roll back the newest registrations,
        // which makes paths invalid (their contents were synced first), never the reverse.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < SCHEMA_VERSION {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        }
        Ok(Db { conn })
    }

    pub fn is_valid(&self, path: &StorePath) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM ValidPaths WHERE path = ?1")?
            .exists([path.base_name()])?)
    }

    pub fn info(&self, path: &StorePath) -> Result<Option<PathInfo>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, hash, registrationTime, deriver, narSize FROM ValidPaths WHERE path = ?1",
            )?
            .query_row([path.base_name()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()?;
        let Some((id, hash, time, deriver, size)) = row else {
            return Ok(None);
        };
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_string(),
            reason,
        };
        let nar_hash =
            Hash::parse(&hash, Some(HashAlgo::Sha256)).map_err(|e| corrupt(e.to_string()))?;
        let deriver = deriver
            .filter(|d| !d.is_empty())
            .map(|d| StorePath::from_base_name(&d))
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?;
        let references = self.paths_of(
            "SELECT v.path FROM Refs r JOIN ValidPaths v ON v.id = r.reference WHERE r.referrer = ?1",
            id,
        )?;
        Ok(Some(PathInfo {
            path: path.clone(),
            nar_hash,
            nar_size: u64::try_from(size).unwrap_or(0),
            references,
            deriver,
            registration_time: time,
        }))
    }

    /// Paths whose references include `path`.
    pub fn referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        let Some(id) = self.id(path)? else {
            return Ok(BTreeSet::new());
        };
        self.paths_of(
            "SELECT v.path FROM Refs r JOIN ValidPaths v ON v.id = r.referrer WHERE r.reference = ?1",
            id,
        )
    }

    /// Valid paths whose deriver is `drv`.
    pub fn outputs_of(&self, drv: &StorePath) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM ValidPaths WHERE deriver = ?1")?;
        let rows = stmt.query_map([drv.base_name()], |r| r.get::<_, String>(0))?;
        collect_paths(rows)
    }

    pub fn all(&self) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT path FROM ValidPaths")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        collect_paths(rows)
    }

    /// Registers paths in one transaction; references must be valid or in the batch.
    pub fn register(&mut self, infos: &[PathInfo]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for info in infos {
            tx.prepare_cached(
                "INSERT INTO ValidPaths (path, hash, registrationTime, deriver, narSize)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(path) DO UPDATE SET hash = excluded.hash,
                   registrationTime = excluded.registrationTime,
                   deriver = coalesce(excluded.deriver, deriver), narSize = excluded.narSize",
            )?
            .execute(params![
                info.path.base_name(),
                info.nar_hash
                    .to_typed_string(super::hash::HashFormat::Base16),
                info.registration_time,
                info.deriver.as_ref().map(StorePath::base_name),
                i64::try_from(info.nar_size).unwrap_or(i64::MAX),
            ])?;
        }
        for info in infos {
            for r in &info.references {
                let inserted = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO Refs (referrer, reference)
                         SELECT a.id, b.id FROM ValidPaths a, ValidPaths b
                         WHERE a.path = ?1 AND b.path = ?2",
                    )?
                    .execute([info.path.base_name(), r.base_name()])?;
                if inserted == 0 && !exists(&tx, r)? {
                    return Err(StoreError::MissingReference {
                        path: info.path.to_string(),
                        reference: r.to_string(),
                    });
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes paths from the database in one transaction. Fails if a path outside the
    /// set still refers to one inside it.
    pub fn invalidate(&mut self, paths: &BTreeSet<StorePath>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for p in paths {
            tx.prepare_cached(
                "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?1)",
            )?
            .execute([p.base_name()])?;
        }
        for p in paths {
            tx.prepare_cached("DELETE FROM ValidPaths WHERE path = ?1")?
                .execute([p.base_name()])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn id(&self, path: &StorePath) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM ValidPaths WHERE path = ?1")?
            .query_row([path.base_name()], |r| r.get(0))
            .optional()?)
    }

    fn paths_of(&self, sql: &str, id: i64) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
        collect_paths(rows)
    }
}

fn exists(tx: &rusqlite::Transaction<'_>, path: &StorePath) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM ValidPaths WHERE path = ?1")?
        .exists([path.base_name()])?)
}

fn collect_paths(
    rows: impl Iterator<Item = rusqlite::Result<String>>,
) -> Result<BTreeSet<StorePath>, StoreError> {
    let mut out = BTreeSet::new();
    for row in rows {
        out.insert(StorePath::from_base_name(&row?)?);
    }
    Ok(out)
}
