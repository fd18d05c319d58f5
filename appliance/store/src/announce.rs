//! Queue announcements and the in-queue callback offer, per queue, kept in the `settings`
//! table (`queue_announce.<queue name>`, a JSON object) until the queues table has columns
//! for them. The daemon reads them when it builds the call center's configuration (start
//! and SIGHUP).

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Invalid, Result, Rule, StoreError};

/// What a queue tells its waiting callers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueAnnouncements {
    /// First announcement this many seconds after joining (0: none at all), up to 3600.
    pub first_after_s: u32,
    /// Then every this many seconds (0: only once), up to 3600.
    pub every_s: u32,
    /// Say the caller's position.
    pub position: bool,
    /// Say the predicted wait.
    pub wait_time: bool,
    /// Periodic prompts `queue-periodic-<n>` to cycle through (0–9).
    pub periodic_prompts: u8,
    /// Callback attempts for a caller who presses 1 (0: no callback offer), up to 10.
    pub callback_attempts: u8,
}

fn key(queue: &str) -> String {
    format!("queue_announce.{queue}")
}

impl Store {
    /// The announcement settings of queue `queue` (its name), `None` when not set.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`] for a value that does not decode.
    pub fn queue_announcements(&self, queue: &str) -> Result<Option<QueueAnnouncements>> {
        let mut s = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?;
        let mut rows = s.query_map([key(queue)], |r| r.get::<_, String>(0))?;
        let Some(v) = rows.next().transpose()? else {
            return Ok(None);
        };
        serde_json::from_str(&v)
            .map(Some)
            .map_err(|_| StoreError::BadStoredValue {
                table: "settings",
                column: "value",
            })
    }

    /// Sets the announcement settings of queue `queue`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty queue name or a value out of range; nothing is
    /// written then.
    pub fn set_queue_announcements(&mut self, queue: &str, a: &QueueAnnouncements) -> Result<()> {
        if queue.trim().is_empty() {
            return Err(Invalid::new("queue_announcements.queue", Rule::Empty).into());
        }
        for (field, v, max) in [
            ("queue_announcements.first_after_s", a.first_after_s, 3600),
            ("queue_announcements.every_s", a.every_s, 3600),
            (
                "queue_announcements.periodic_prompts",
                u32::from(a.periodic_prompts),
                9,
            ),
            (
                "queue_announcements.callback_attempts",
                u32::from(a.callback_attempts),
                10,
            ),
        ] {
            if v > max {
                return Err(Invalid::new(
                    field,
                    Rule::OutOfRange {
                        min: 0,
                        max: i64::from(max),
                    },
                )
                .into());
            }
        }
        let v = serde_json::to_string(a)
            .map_err(|_| Invalid::new("queue_announcements", Rule::BadJson))?;
        self.conn.execute(
            "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
            params![key(queue), v],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::QueueAnnouncements;
    use crate::Store;

    #[test]
    fn announcements_round_trip_per_queue_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(dir.path().join("a.db")).unwrap();
        assert_eq!(st.queue_announcements("sales").unwrap(), None);
        let a = QueueAnnouncements {
            first_after_s: 20,
            every_s: 60,
            position: true,
            wait_time: true,
            periodic_prompts: 2,
            callback_attempts: 3,
        };
        st.set_queue_announcements("sales", &a).unwrap();
        assert_eq!(st.queue_announcements("sales").unwrap(), Some(a));
        assert_eq!(st.queue_announcements("support").unwrap(), None);
        let bad = QueueAnnouncements { every_s: 3601, ..a };
        assert!(st.set_queue_announcements("sales", &bad).is_err());
        assert!(st.set_queue_announcements("", &a).is_err());
        assert_eq!(
            st.queue_announcements("sales").unwrap(),
            Some(a),
            "unchanged"
        );
    }
}
