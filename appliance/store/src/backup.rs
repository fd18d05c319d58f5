//! Online backup and restore.
//!
//! Backup uses SQLite's online backup API in a single step: the whole copy is made inside one
//! read transaction of the source, which in WAL mode does not block writers, so the daemon
//! keeps writing while a backup runs and the copy is a consistent snapshot. The copy is
//! written to a temporary file, switched to rollback-journal mode (a self-contained single
//! file), checked with `integrity_check`, fsynced and renamed into place.
//!
//! Restore validates the file first (an appliance database, not from a newer version,
//! `integrity_check` and `foreign_key_check` clean, upgraded to the current schema on a
//! private copy), then copies it into the live database with the backup API: one write
//! transaction of the live file, so every connection sees either the old or the restored
//! database, never a mix, and a crash during the restore leaves the old one.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use crate::error::Result;
use crate::{SCHEMA_VERSION, Store, StoreError, check_integrity, migrate, open_connection};

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Schema version of the backup file.
    pub from_version: u32,
    /// Schema version now live.
    pub schema_version: u32,
    /// Config revision now live (the daemon reloads all configuration).
    pub config_revision: i64,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_db_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = fs::remove_file(sibling(path, suffix));
    }
}

fn sync_dir(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Copies every page in one step (one read transaction of the source: a consistent
/// snapshot even while other connections write). Retries while the destination is locked,
/// for at most about [`crate::BUSY_TIMEOUT`].
fn copy_all(backup: &Backup<'_, '_>) -> Result<()> {
    const PAUSE: Duration = Duration::from_millis(10);
    let tries = crate::BUSY_TIMEOUT.as_millis() / PAUSE.as_millis();
    for _ in 0..tries {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            _ => std::thread::sleep(PAUSE),
        }
    }
    Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        None,
    )))
}

/// Copies the database behind `src` to `dest` (replaced atomically).
pub(crate) fn backup_connection(src: &Connection, dest: &Path) -> Result<()> {
    let tmp = sibling(dest, ".tmp");
    remove_db_files(&tmp);
    let result = (|| {
        let mut dst = Connection::open(&tmp)?;
        {
            copy_all(&Backup::new(src, &mut dst)?)?;
        }
        let _: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        check_integrity(&dst)?;
        drop(dst);
        File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, dest)?;
        sync_dir(dest)
    })();
    if result.is_err() {
        remove_db_files(&tmp);
    }
    result
}

impl Store {
    /// Writes a consistent copy of the live database to `dest` while other connections keep
    /// writing. `dest` is replaced atomically; it is a single self-contained file.
    ///
    /// # Errors
    /// I/O and SQLite errors; [`StoreError::Corrupt`] if the copy does not check.
    pub fn backup_to(&self, dest: impl AsRef<Path>) -> Result<()> {
        backup_connection(&self.conn, dest.as_ref())
    }

    /// Replaces the live database with the backup at `src` after validating it; see the
    /// module docs. On any error the live database is unchanged.
    ///
    /// # Errors
    /// [`StoreError::NotOurDatabase`], [`StoreError::NewerSchema`], [`StoreError::Corrupt`],
    /// [`StoreError::PageSizeMismatch`], I/O and SQLite errors (a file that is not a
    /// database at all gives SQLite's "not a database").
    pub fn restore_from(&mut self, src: impl AsRef<Path>) -> Result<RestoreReport> {
        let work = sibling(&self.path, ".restore");
        remove_db_files(&work);
        let result = self.restore_via(src.as_ref(), &work);
        remove_db_files(&work);
        result
    }

    fn restore_via(&mut self, src: &Path, work: &Path) -> Result<RestoreReport> {
        fs::copy(src, work)?;
        let mut candidate = open_connection(work, false)?;
        let from_version = migrate::check_header(&candidate)?;
        if from_version == 0 {
            return Err(StoreError::NotOurDatabase {
                found: 0,
                expected: migrate::APPLICATION_ID,
            });
        }
        check_integrity(&candidate)?;
        let version = migrate::migrate_to(&mut candidate, SCHEMA_VERSION)?;
        migrate::check_schema(&candidate, version)?;
        let page = |c: &Connection| -> Result<u32> {
            Ok(c.query_row("PRAGMA page_size", [], |r| r.get(0))?)
        };
        let (backup, live) = (page(&candidate)?, page(&self.conn)?);
        if backup != live {
            return Err(StoreError::PageSizeMismatch { backup, live });
        }
        {
            copy_all(&Backup::new(&candidate, &mut self.conn)?)?;
        }
        drop(candidate);
        self.conn.flush_prepared_statement_cache();
        Ok(RestoreReport {
            from_version,
            schema_version: self.schema_version()?,
            config_revision: self.config_revision()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::NewCustomer;
    use crate::{Store, Timestamp};

    #[test]
    fn restoring_a_backup_from_an_older_schema_upgrades_it() {
        let dir = tempfile::tempdir().unwrap();
        let old_path = dir.path().join("old.db");
        {
            let mut old = Store::open_at(&old_path, 3).unwrap();
            assert_eq!(old.schema_version().unwrap(), 3);
            old.create_customer(
                &NewCustomer {
                    name: "Kept".into(),
                    ..NewCustomer::default()
                },
                Timestamp(1),
            )
            .unwrap();
            old.backup_to(dir.path().join("v3.bak")).unwrap();
        }
        let mut live = Store::open(dir.path().join("live.db")).unwrap();
        let r = live.restore_from(dir.path().join("v3.bak")).unwrap();
        assert_eq!((r.from_version, r.schema_version), (3, SCHEMA_VERSION));
        assert_eq!(live.customer(1).unwrap().unwrap().name, "Kept");
        assert!(live.queues().unwrap().is_empty());
        live.check_integrity().unwrap();
    }
}
