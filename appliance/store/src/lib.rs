//! # store: the appliance's SQLite database
//!
//! **What it is:** the only crate that touches SQLite (through rusqlite, with a bundled
//! SQLite that has FTS5). One database file holds:
//! - the **configuration** (spans, SIP trunks, extensions and SIP accounts, trunk groups, dial
//!   plan, users, queues, skills, agents, IVR flows), changed only through validated
//!   [`Command`]s: each command is checked before any write, runs in one transaction, bumps
//!   the config revision and returns a [`Change`] so the daemon can apply it live
//!   (ARCHITECTURE rule 6);
//! - the **append-only event log** of call, queue and agent events ([`events`]), from which
//!   the [`reports`] are computed (rule 5), and the **CDRs** ([`cdr`]);
//! - the **recordings index** ([`recordings`]);
//! - the **CRM**: customers, contacts with normalised phone numbers for the screen pop,
//!   orders, interactions, tickets, and a knowledge base searched with FTS5 ([`crm`]);
//! - **online backup and restore** ([`Store::backup_to`], [`Store::restore_from`]);
//! - the **demo defaults** ([`Store::seed_demo`]);
//! - the serial console's **technician accounts** with their lockout ([`technicians`]);
//! - the **line ports** that are not E1 spans: analog FXS/FXO ports and sound-card channels
//!   ([`lines`]).
//!
//! The schema is a list of versioned [`migrate`] steps applied at [`Store::open`]; a file
//! from a newer version is refused. The database runs in WAL mode with foreign keys on,
//! `synchronous = FULL` (see [`Store::open`]) and a busy timeout, so the daemon, the web
//! panel and the console may each hold a connection.
//!
//! **What it is not:** no network, no async runtime, no clock (every time is passed in as a
//! [`Timestamp`]), no call logic: the daemon decides, the store records. SQL never leaves
//! this crate: callers get typed rows.
#![forbid(unsafe_code)]

pub mod announce;
pub mod billing;
pub mod cdr;
pub mod chat;
pub mod config;
pub mod crm;
pub mod desk;
mod error;
pub mod events;
pub mod journal;
pub mod lines;
pub mod migrate;
pub mod phone;
pub mod queuehours;
pub mod recordings;
pub mod reports;
pub mod technicians;
pub mod vmsettings;

mod backup;
mod demo;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use backup::RestoreReport;
pub use config::{Change, Command, CommandContext, Op};
pub use demo::{
    DEMO_ACCOUNT, DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USER, DEMO_BALANCE_MINOR, DemoSummary,
};
pub use error::{Entity, Invalid, Result, Rule, StoreError};
pub use migrate::{APPLICATION_ID, SCHEMA_VERSION};
pub use technicians::{TechnicianInfo, TechnicianLogin};

/// A point in time: microseconds since the Unix epoch (UTC). The daemon reads the clock and
/// passes these in; the store never reads the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From whole seconds since the epoch.
    #[must_use]
    pub const fn from_secs(s: i64) -> Self {
        Self(s * 1_000_000)
    }
    /// Microseconds since the epoch.
    #[must_use]
    pub const fn micros(self) -> i64 {
        self.0
    }
}

/// How long a connection waits for another writer before giving up with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open appliance database.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    pre_upgrade_backup: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if missing) the database at `path` and brings its schema up to date.
    ///
    /// Settings of every connection:
    /// - `journal_mode = WAL`: readers never block the writer and a kill at any moment leaves
    ///   the last committed transaction intact;
    /// - `synchronous = FULL`: every commit is fsynced to the WAL before it is acknowledged,
    ///   so a *power loss* loses no committed CDR, event or configuration change (the issue's
    ///   requirement; the image's power-loss test in `hil/` found `NORMAL` dropping the last
    ///   15–20 s of finished calls). The cost is one fsync per transaction: writers that append
    ///   many rows should batch them in one transaction.
    /// - `foreign_keys = ON`, and a busy timeout of [`BUSY_TIMEOUT`].
    ///
    /// On an older schema, a copy of the file is first written next to it as
    /// `<file>.pre-v<old>.bak` (see [`Self::pre_upgrade_backup`]), then each migration step
    /// runs in its own transaction.
    ///
    /// # Errors
    /// [`StoreError::NewerSchema`] for a database from a newer program,
    /// [`StoreError::NotOurDatabase`] for another application's file,
    /// [`StoreError::SchemaMismatch`] when a promised table is missing, or SQLite errors.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_at(path.as_ref(), SCHEMA_VERSION)
    }

    pub(crate) fn open_at(path: &Path, target: u32) -> Result<Self> {
        let mut conn = open_connection(path, false)?;
        let version = migrate::check_header(&conn)?;
        let mut pre_upgrade_backup = None;
        if version > 0 && version < target {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".pre-v{version}.bak"));
            let bak = PathBuf::from(name);
            backup::backup_connection(&conn, &bak)?;
            pre_upgrade_backup = Some(bak);
        }
        let version = migrate::migrate_to(&mut conn, target)?;
        migrate::check_schema(&conn, version)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            pre_upgrade_backup,
        })
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the copy made before an upgrade at this open went, if an upgrade happened.
    #[must_use]
    pub fn pre_upgrade_backup(&self) -> Option<&Path> {
        self.pre_upgrade_backup.as_deref()
    }

    /// The schema version of the open database.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(migrate::header(&self.conn)?.1)
    }

    /// Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] with the number of problems found.
    pub fn check_integrity(&self) -> Result<()> {
        check_integrity(&self.conn)
    }

    /// Moves the WAL content into the main file (`wal_checkpoint(TRUNCATE)`), e.g. before
    /// copying the file by other means or at shutdown.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

pub(crate) fn open_connection(path: &Path, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if !read_only {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Sqlite(rusqlite::Error::InvalidQuery));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

pub(crate) fn check_integrity(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if rows != ["ok"] {
        return Err(StoreError::Corrupt {
            problems: rows.len(),
        });
    }
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let fk = stmt.query_map([], |_| Ok(()))?.count();
    if fk != 0 {
        return Err(StoreError::Corrupt { problems: fk });
    }
    Ok(())
}

#[cfg(test)]
mod durability_tests {
    use super::Store;

    /// `synchronous` is per connection (not stored in the file), so it is checked on the
    /// store's own connection: FULL (2) is what makes a committed CDR survive a power loss.
    #[test]
    fn every_commit_is_fsynced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let level: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(level, 2, "synchronous must be FULL");
    }
}
