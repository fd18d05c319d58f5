//! Technician accounts of the serial console: separate from the web users, argon2id hashes,
//! and a lockout after repeated failed logins that survives a restart of the console.
//!
//! Also the two whole-database operations a technician runs from the console, which keep
//! these accounts so the technician is not locked out of the box by them:
//! [`Store::restore_keeping_technicians`] and [`Store::factory_reset`].

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use crate::backup::RestoreReport;
use crate::config::hash_password;
use crate::error::{Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

/// Failed logins in a row that lock an account.
pub const TECHNICIAN_MAX_FAILURES: u32 = 5;
/// How long a locked account stays locked, in microseconds (5 minutes).
pub const TECHNICIAN_LOCKOUT_MICROS: i64 = 5 * 60 * 1_000_000;

/// The answer to a technician login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TechnicianLogin {
    /// Right name and password.
    Accepted,
    /// Unknown name or wrong password (not told apart); `failures_left` more wrong passwords
    /// lock a known account.
    Rejected {
        /// Attempts left before the lockout (the full count for an unknown name).
        failures_left: u32,
    },
    /// The account is locked until then; the password was not even checked.
    Locked {
        /// When the lock ends.
        until: Timestamp,
    },
}

/// A technician account as read back (never the hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechnicianInfo {
    /// Login name.
    pub username: String,
    /// Wrong passwords since the last good login or lock.
    pub failed_logins: u32,
    /// Locked until then, if a lock was ever set (may be in the past).
    pub locked_until: Option<Timestamp>,
    /// Last successful login.
    pub last_login: Option<Timestamp>,
}

/// A full row, hash included, carried across a restore or factory reset.
#[derive(Debug, Clone)]
struct Row {
    username: String,
    hash: String,
    failed: i64,
    locked: Option<i64>,
    last: Option<i64>,
}

fn check_username(s: &str) -> Result<(), Invalid> {
    const F: &str = "technician.username";
    let n = s.chars().count();
    if n == 0 {
        return Err(Invalid::new(F, Rule::Empty));
    }
    if n > 32 {
        return Err(Invalid::new(F, Rule::TooLong { max: 32 }));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Invalid::new(
            F,
            Rule::BadChars {
                allowed: "a-z 0-9 . _ -",
            },
        ));
    }
    Ok(())
}

fn check_password(s: &str) -> Result<(), Invalid> {
    const F: &str = "technician.password";
    let n = s.chars().count();
    if n < 8 {
        return Err(Invalid::new(F, Rule::TooShort { min: 8 }));
    }
    if n > 128 {
        return Err(Invalid::new(F, Rule::TooLong { max: 128 }));
    }
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(
            F,
            Rule::BadChars {
                allowed: "printable characters",
            },
        ));
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl Store {
    /// Adds a technician account (name: 1–32 of `a-z 0-9 . _ -`; password: 8–128 printable
    /// characters, stored as an argon2id hash).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad name or password, or [`Rule::Duplicate`] when the
    /// name exists; nothing is written then. SQLite errors.
    pub fn create_technician(&mut self, username: &str, password: &str) -> Result<()> {
        check_username(username)?;
        check_password(password)?;
        let hash = hash_password(password)?;
        let tx = self.conn.transaction()?;
        let exists = tx
            .query_row(
                "SELECT 1 FROM technicians WHERE username = ?1",
                [username],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if exists {
            return Err(Invalid::new("technician.username", Rule::Duplicate).into());
        }
        tx.execute(
            "INSERT INTO technicians(username, password_hash) VALUES (?1, ?2)",
            params![username, hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Sets a technician's password and clears its failure count and lock.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad password, or [`Rule::NoSuchReference`] on
    /// `technician.username` for an unknown name. SQLite errors.
    pub fn set_technician_password(&mut self, username: &str, password: &str) -> Result<()> {
        check_password(password)?;
        let hash = hash_password(password)?;
        let n = self.conn.execute(
            "UPDATE technicians SET password_hash = ?1, failed_logins = 0, locked_until_ts = NULL WHERE username = ?2",
            params![hash, username],
        )?;
        if n == 0 {
            return Err(Invalid::new("technician.username", Rule::NoSuchReference).into());
        }
        Ok(())
    }

    /// Removes a technician account; `false` when there was none of that name.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn delete_technician(&mut self, username: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM technicians WHERE username = ?1", [username])?
            == 1)
    }

    /// All technician accounts, by name.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn technicians(&self) -> Result<Vec<TechnicianInfo>> {
        let mut s = self.conn.prepare_cached(
            "SELECT username, failed_logins, locked_until_ts, last_login_ts FROM technicians ORDER BY username",
        )?;
        let rows = s.query_map([], |r| {
            Ok(TechnicianInfo {
                username: r.get(0)?,
                failed_logins: r.get(1)?,
                locked_until: r.get::<_, Option<i64>>(2)?.map(Timestamp),
                last_login: r.get::<_, Option<i64>>(3)?.map(Timestamp),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Checks a technician login at `now` and records the outcome: a good password clears
    /// the failure count; the [`TECHNICIAN_MAX_FAILURES`]th wrong one in a row locks the
    /// account for [`TECHNICIAN_LOCKOUT_MICROS`]; while locked, no password is checked.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`] for a hash that does not parse.
    pub fn verify_technician(
        &mut self,
        username: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<TechnicianLogin> {
        use argon2::password_hash::PasswordVerifier;
        let row = self
            .conn
            .query_row(
                "SELECT password_hash, failed_logins, locked_until_ts FROM technicians WHERE username = ?1",
                [username],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((hash, failed, locked)) = row else {
            return Ok(TechnicianLogin::Rejected {
                failures_left: TECHNICIAN_MAX_FAILURES,
            });
        };
        if let Some(until) = locked.filter(|&u| u > now.0) {
            return Ok(TechnicianLogin::Locked {
                until: Timestamp(until),
            });
        }
        let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(&hash) else {
            return Err(StoreError::BadStoredValue {
                table: "technicians",
                column: "password_hash",
            });
        };
        if argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
        {
            self.conn.execute(
                "UPDATE technicians SET failed_logins = 0, locked_until_ts = NULL, last_login_ts = ?1 WHERE username = ?2",
                params![now.0, username],
            )?;
            return Ok(TechnicianLogin::Accepted);
        }
        let failed = failed.saturating_add(1);
        if failed >= TECHNICIAN_MAX_FAILURES {
            let until = now.0.saturating_add(TECHNICIAN_LOCKOUT_MICROS);
            self.conn.execute(
                "UPDATE technicians SET failed_logins = 0, locked_until_ts = ?1 WHERE username = ?2",
                params![until, username],
            )?;
            return Ok(TechnicianLogin::Locked {
                until: Timestamp(until),
            });
        }
        self.conn.execute(
            "UPDATE technicians SET failed_logins = ?1 WHERE username = ?2",
            params![failed, username],
        )?;
        Ok(TechnicianLogin::Rejected {
            failures_left: TECHNICIAN_MAX_FAILURES - failed,
        })
    }

    fn technician_rows(&self) -> Result<Vec<Row>> {
        let mut s = self.conn.prepare_cached(
            "SELECT username, password_hash, failed_logins, locked_until_ts, last_login_ts FROM technicians",
        )?;
        let rows = s.query_map([], |r| {
            Ok(Row {
                username: r.get(0)?,
                hash: r.get(1)?,
                failed: r.get(2)?,
                locked: r.get(3)?,
                last: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn put_technician_rows(&mut self, rows: &[Row]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM technicians", [])?;
        for r in rows {
            tx.execute(
                "INSERT INTO technicians(username, password_hash, failed_logins, locked_until_ts, last_login_ts) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.username, r.hash, r.failed, r.locked, r.last],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// [`Store::restore_from`], then puts back the technician accounts that were live before
    /// (a backup from another box, or from before an account was added, must not lock the
    /// technician out of the console).
    ///
    /// # Errors
    /// Those of [`Store::restore_from`] (the live database is then unchanged), or SQLite
    /// errors while writing the accounts back.
    pub fn restore_keeping_technicians(&mut self, src: impl AsRef<Path>) -> Result<RestoreReport> {
        let keep = self.technician_rows()?;
        let report = self.restore_from(src)?;
        self.put_technician_rows(&keep)?;
        Ok(report)
    }

    /// Erases everything (configuration, users, event log, CDRs, CRM, recordings index) and
    /// leaves an empty database of the current schema, config revision 0, keeping only the
    /// technician accounts. Done as a restore of a fresh database, so other connections see
    /// the old or the empty database, never a mix.
    ///
    /// # Errors
    /// I/O and SQLite errors; the live database is unchanged on an error before the copy.
    pub fn factory_reset(&mut self) -> Result<RestoreReport> {
        let fresh = sibling(&self.path, ".factory");
        let clean = |p: &Path| {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(sibling(p, suffix));
            }
        };
        clean(&fresh);
        let result = (|| {
            let empty = Self::open(&fresh)?;
            empty.checkpoint()?;
            drop(empty);
            self.restore_keeping_technicians(&fresh)
        })();
        clean(&fresh);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a.db")).unwrap();
        (dir, s)
    }

    #[test]
    fn accounts_are_validated_and_unique() {
        let (_d, mut s) = store();
        s.create_technician("tech", "field-service-1").unwrap();
        let dup = s.create_technician("tech", "another-pass").unwrap_err();
        assert!(matches!(dup, StoreError::Invalid(i) if i.rule == Rule::Duplicate));
        let short = s.create_technician("t2", "short").unwrap_err();
        assert!(matches!(short, StoreError::Invalid(i) if i.rule == Rule::TooShort { min: 8 }));
        let bad = s.create_technician("Tech!", "long-enough-1").unwrap_err();
        assert!(matches!(bad, StoreError::Invalid(i) if i.field == "technician.username"));
        assert_eq!(s.technicians().unwrap().len(), 1);
        let none = s
            .set_technician_password("nobody", "whatever-1")
            .unwrap_err();
        assert!(matches!(none, StoreError::Invalid(i) if i.rule == Rule::NoSuchReference));
        assert!(s.delete_technician("tech").unwrap());
        assert!(!s.delete_technician("tech").unwrap());
    }

    #[test]
    fn lockout_after_repeated_failures_then_expiry() {
        let (_d, mut s) = store();
        s.create_technician("tech", "field-service-1").unwrap();
        let t0 = Timestamp::from_secs(1_000);
        for left in (1..TECHNICIAN_MAX_FAILURES).rev() {
            assert_eq!(
                s.verify_technician("tech", "wrong-pass", t0).unwrap(),
                TechnicianLogin::Rejected {
                    failures_left: left
                }
            );
        }
        let until = Timestamp(t0.0 + TECHNICIAN_LOCKOUT_MICROS);
        assert_eq!(
            s.verify_technician("tech", "wrong-pass", t0).unwrap(),
            TechnicianLogin::Locked { until }
        );
        // Even the right password is refused while locked.
        assert_eq!(
            s.verify_technician("tech", "field-service-1", Timestamp(until.0 - 1))
                .unwrap(),
            TechnicianLogin::Locked { until }
        );
        assert_eq!(
            s.verify_technician("tech", "field-service-1", until)
                .unwrap(),
            TechnicianLogin::Accepted
        );
        let info = &s.technicians().unwrap()[0];
        assert_eq!((info.failed_logins, info.last_login), (0, Some(until)));
        // Unknown names are rejected the same way and lock nothing.
        assert_eq!(
            s.verify_technician("ghost", "x", t0).unwrap(),
            TechnicianLogin::Rejected {
                failures_left: TECHNICIAN_MAX_FAILURES
            }
        );
    }

    #[test]
    fn a_good_login_resets_the_failure_count() {
        let (_d, mut s) = store();
        s.create_technician("tech", "field-service-1").unwrap();
        let t = Timestamp(1);
        for _ in 0..TECHNICIAN_MAX_FAILURES - 1 {
            s.verify_technician("tech", "nope-nope", t).unwrap();
        }
        assert_eq!(
            s.verify_technician("tech", "field-service-1", t).unwrap(),
            TechnicianLogin::Accepted
        );
        assert!(matches!(
            s.verify_technician("tech", "nope-nope", t).unwrap(),
            TechnicianLogin::Rejected { failures_left } if failures_left == TECHNICIAN_MAX_FAILURES - 1
        ));
        s.set_technician_password("tech", "new-password-2").unwrap();
        assert_eq!(
            s.verify_technician("tech", "new-password-2", t).unwrap(),
            TechnicianLogin::Accepted
        );
    }

    #[test]
    fn factory_reset_and_restore_keep_technicians() {
        let (dir, mut s) = store();
        s.create_technician("tech", "field-service-1").unwrap();
        s.seed_demo(Timestamp(5)).unwrap().unwrap();
        let bak = dir.path().join("b.db");
        s.backup_to(&bak).unwrap();
        s.factory_reset().unwrap();
        assert_eq!(s.config_revision().unwrap(), 0);
        assert!(s.users().unwrap().is_empty());
        assert!(s.spans().unwrap().is_empty());
        assert_eq!(
            s.verify_technician("tech", "field-service-1", Timestamp(6))
                .unwrap(),
            TechnicianLogin::Accepted
        );
        s.check_integrity().unwrap();
        // The backup has "tech" too, with the old password; the live account wins.
        s.set_technician_password("tech", "changed-since-1")
            .unwrap();
        s.create_technician("later", "added-after-1").unwrap();
        let r = s.restore_keeping_technicians(&bak).unwrap();
        assert!(r.config_revision > 0);
        assert!(!s.spans().unwrap().is_empty());
        let names: Vec<_> = s
            .technicians()
            .unwrap()
            .into_iter()
            .map(|t| t.username)
            .collect();
        assert_eq!(names, ["later", "tech"]);
        assert_eq!(
            s.verify_technician("tech", "changed-since-1", Timestamp(7))
                .unwrap(),
            TechnicianLogin::Accepted
        );
        assert!(!dir.path().join("a.db.factory").exists());
    }
}
