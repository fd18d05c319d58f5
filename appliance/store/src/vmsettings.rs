//! Voicemail settings kept in the `settings` table (no schema change): how many seconds of
//! silence end a message (`voicemail_silence_s`, default [`DEFAULT_SILENCE_S`]; 0 = never,
//! the message then ends only on `#`, hang-up or its maximum length). The panel and the REST
//! API change it through [`crate::Command::SetVoicemailSilence`] (audited as entity
//! `voicemail_settings`, id 0).
//!
//! Not here: the messages themselves ([`crate::recordings`]), the silence detection (the
//! daemon's recorder).

use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::error::{Invalid, Result, Rule, StoreError};

/// Seconds of silence that end a voicemail message when nothing is set.
pub const DEFAULT_SILENCE_S: u32 = 5;
/// The longest setting accepted.
pub const MAX_SILENCE_S: u32 = 60;
const KEY: &str = "voicemail_silence_s";

impl Store {
    /// Seconds of silence that end a voicemail message (0: silence never ends it).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`] for a value written outside this crate.
    pub fn voicemail_silence_s(&self) -> Result<u32> {
        let v: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([KEY], |r| r.get(0))
            .optional()?;
        match v {
            None => Ok(DEFAULT_SILENCE_S),
            Some(v) => v.parse::<u32>().ok().filter(|s| *s <= MAX_SILENCE_S).ok_or(
                StoreError::BadStoredValue {
                    table: "settings",
                    column: "value",
                },
            ),
        }
    }

    /// Sets the seconds of silence that end a voicemail message (0–60; 0 = never), not
    /// audited (tests and seeding; the panel goes through
    /// [`crate::Command::SetVoicemailSilence`]).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (`voicemail.silence_s`) beyond 60 s; SQLite errors.
    pub fn set_voicemail_silence_s(&mut self, secs: u32) -> Result<()> {
        check(secs)?;
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![KEY, secs.to_string()],
        )?;
        Ok(())
    }
}

fn check(secs: u32) -> Result<()> {
    if secs > MAX_SILENCE_S {
        return Err(Invalid::new(
            "voicemail.silence_s",
            Rule::OutOfRange {
                min: 0,
                max: i64::from(MAX_SILENCE_S),
            },
        )
        .into());
    }
    Ok(())
}

/// [`crate::Command::SetVoicemailSilence`] inside the command's transaction.
pub(crate) fn apply_silence(
    tx: &rusqlite::Transaction<'_>,
    secs: u32,
) -> Result<(crate::Entity, i64, crate::Op)> {
    check(secs)?;
    tx.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![KEY, secs.to_string()],
    )?;
    Ok((crate::Entity::VoicemailSettings, 0, crate::Op::Update))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path().join("v.db")).unwrap();
        assert_eq!(s.voicemail_silence_s().unwrap(), DEFAULT_SILENCE_S);
        s.set_voicemail_silence_s(3).unwrap();
        assert_eq!(s.voicemail_silence_s().unwrap(), 3);
        s.set_voicemail_silence_s(0).unwrap();
        assert_eq!(s.voicemail_silence_s().unwrap(), 0);
        assert!(matches!(
            s.set_voicemail_silence_s(61),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.voicemail_silence_s().unwrap(), 0);
    }

    #[test]
    fn the_command_is_audited_and_bad_values_change_nothing() {
        use crate::{Command, CommandContext, Entity, Timestamp};
        let ctx = CommandContext {
            actor: "web:admin",
            ts: Timestamp(7),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path().join("v.db")).unwrap();
        let rev = s.config_revision().unwrap();
        let c = s
            .execute(ctx, &Command::SetVoicemailSilence { secs: 8 })
            .unwrap();
        assert_eq!((c.entity, c.id), (Entity::VoicemailSettings, 0));
        assert_eq!(s.voicemail_silence_s().unwrap(), 8);
        assert_eq!(s.config_revision().unwrap(), rev + 1);
        assert!(matches!(
            s.execute(ctx, &Command::SetVoicemailSilence { secs: 61 }),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.voicemail_silence_s().unwrap(), 8, "unchanged");
        assert_eq!(s.config_revision().unwrap(), rev + 1);
        let log = s.changes_since(rev).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].change.entity, Entity::VoicemailSettings);
        assert_eq!(log[0].actor, "web:admin");
    }
}
