//! Queue announcements and the in-queue callback offer, per queue, kept in the `settings`
//! table (`queue_announce.<queue name>`, a JSON object) until the queues table has columns
//! for them. Set with [`Command::SetQueueAnnouncements`] (validated, audited as an update
//! of the queue). The daemon reads them when it builds the call center's configuration
//! (start and SIGHUP).
//!
//! The key is the queue's name: renaming a queue leaves its announcements under the old
//! name (the queue then has none until they are set again).

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Command, CommandContext, Op, Store};

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

    /// Sets the announcement settings of the queue named `queue`:
    /// [`Command::SetQueueAnnouncements`] through [`Store::execute`] (audited as an update
    /// of the queue).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an unknown queue name or a value out of range; nothing
    /// is written then.
    pub fn set_queue_announcements(
        &mut self,
        ctx: CommandContext<'_>,
        queue: &str,
        a: &QueueAnnouncements,
    ) -> Result<()> {
        let id = self
            .conn
            .query_row("SELECT id FROM queues WHERE name = ?1", [queue], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .ok_or(Invalid::new(
                "queue_announcements.queue",
                Rule::NoSuchReference,
            ))?;
        self.execute(
            ctx,
            &Command::SetQueueAnnouncements {
                queue: id,
                announcements: Some(*a),
            },
        )
        .map(drop)
    }
}

/// Checks announcement settings on their own.
///
/// # Errors
/// The first field out of range.
pub fn validate(a: &QueueAnnouncements) -> Result<(), Invalid> {
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
            ));
        }
    }
    Ok(())
}

/// [`Command::SetQueueAnnouncements`] inside the command's transaction: the queue must
/// exist; `None` removes its settings.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    queue: i64,
    a: Option<&QueueAnnouncements>,
) -> Result<(Entity, i64, Op)> {
    let name: String = tx
        .query_row("SELECT name FROM queues WHERE id = ?1", [queue], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(StoreError::NotFound {
            entity: Entity::Queue,
            id: queue,
        })?;
    match a {
        Some(a) => {
            validate(a)?;
            let v = serde_json::to_string(a)
                .map_err(|_| Invalid::new("queue_announcements", Rule::BadJson))?;
            tx.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
                params![key(&name), v],
            )?;
        }
        None => {
            tx.execute("DELETE FROM settings WHERE key = ?1", [key(&name)])?;
        }
    }
    Ok((Entity::Queue, queue, Op::Update))
}

#[cfg(test)]
mod tests {
    use super::QueueAnnouncements;
    use crate::{Command, CommandContext, Entity, Op, Store, Timestamp};

    #[test]
    fn announcements_round_trip_per_queue_audited_and_bad_values_are_refused() {
        let ctx = CommandContext {
            actor: "web:sup",
            ts: Timestamp(1),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(dir.path().join("a.db")).unwrap();
        st.seed_demo(Timestamp(1)).unwrap().unwrap();
        let rev = st.config_revision().unwrap();
        assert_eq!(st.queue_announcements("sales").unwrap(), None);
        let a = QueueAnnouncements {
            first_after_s: 20,
            every_s: 60,
            position: true,
            wait_time: true,
            periodic_prompts: 2,
            callback_attempts: 3,
        };
        st.set_queue_announcements(ctx, "sales", &a).unwrap();
        assert_eq!(st.queue_announcements("sales").unwrap(), Some(a));
        assert_eq!(st.queue_announcements("support").unwrap(), None);
        let bad = QueueAnnouncements { every_s: 3601, ..a };
        assert!(st.set_queue_announcements(ctx, "sales", &bad).is_err());
        assert!(st.set_queue_announcements(ctx, "", &a).is_err());
        assert!(st.set_queue_announcements(ctx, "nosuchqueue", &a).is_err());
        assert_eq!(
            st.queue_announcements("sales").unwrap(),
            Some(a),
            "unchanged"
        );
        let sales = st
            .queues()
            .unwrap()
            .into_iter()
            .find(|q| q.config.name == "sales")
            .unwrap()
            .id;
        let log = st.changes_since(rev).unwrap();
        assert_eq!(log.len(), 1, "one change, the refused ones left nothing");
        assert_eq!(
            (log[0].change.entity, log[0].change.id, log[0].change.op),
            (Entity::Queue, sales, Op::Update)
        );
        assert_eq!(log[0].actor, "web:sup");
        // Cleared.
        st.execute(
            ctx,
            &Command::SetQueueAnnouncements {
                queue: sales,
                announcements: None,
            },
        )
        .unwrap();
        assert_eq!(st.queue_announcements("sales").unwrap(), None);
        assert!(matches!(
            st.execute(
                ctx,
                &Command::SetQueueAnnouncements {
                    queue: 999_999,
                    announcements: Some(a),
                },
            ),
            Err(crate::StoreError::NotFound { .. })
        ));
    }
}
