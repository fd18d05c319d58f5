//! The recordings index: where each call recording lives, which legs, how long, which parts
//! were paused (card payments), and until when it is kept.

use rusqlite::params;

use crate::config::{Command, text_enum};
use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

text_enum!(
    /// Which legs a recording holds.
    Legs { /** Both parties (stereo or mixed). */ Both = "both", /** The caller only. */ Caller = "caller", /** The callee only. */ Callee = "callee" }
);

/// One recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Row id (0 before insert).
    pub id: i64,
    /// Call.
    pub call_id: String,
    /// File path (unique).
    pub path: String,
    /// Legs recorded.
    pub legs: Legs,
    /// Recording start.
    pub started: Timestamp,
    /// Length in ms, pauses included.
    pub duration_ms: i64,
    /// Paused segments as (start, end) ms offsets into the recording, sorted, not overlapping.
    pub paused: Vec<(i64, i64)>,
    /// Deletable after this time (`None`: keep).
    pub retain_until: Option<Timestamp>,
    /// Agent on the call.
    pub agent: Option<String>,
    /// Queue of the call.
    pub queue: Option<String>,
}

impl Recording {
    fn validate(&self) -> Result<(), Invalid> {
        if self.call_id.is_empty() {
            return Err(Invalid::new("recording.call_id", Rule::Empty));
        }
        if self.path.is_empty() {
            return Err(Invalid::new("recording.path", Rule::Empty));
        }
        if self.duration_ms < 0 {
            return Err(Invalid::new(
                "recording.duration_ms",
                Rule::OutOfRange {
                    min: 0,
                    max: i64::MAX,
                },
            ));
        }
        let mut prev_end = 0;
        for &(s, e) in &self.paused {
            if e < s {
                return Err(Invalid::new("recording.paused", Rule::EndBeforeStart));
            }
            if s < prev_end || e > self.duration_ms {
                return Err(Invalid::new(
                    "recording.paused",
                    Rule::OutOfRange {
                        min: prev_end,
                        max: self.duration_ms,
                    },
                ));
            }
            prev_end = e;
        }
        Ok(())
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Recording> {
    let bad = |column| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(StoreError::BadStoredValue {
                table: "recordings",
                column,
            }),
        )
    };
    Ok(Recording {
        id: r.get(0)?,
        call_id: r.get(1)?,
        path: r.get(2)?,
        legs: Legs::parse(&r.get::<_, String>(3)?).ok_or_else(|| bad("legs"))?,
        started: Timestamp(r.get(4)?),
        duration_ms: r.get(5)?,
        paused: serde_json::from_str(&r.get::<_, String>(6)?).map_err(|_| bad("paused"))?,
        retain_until: r.get::<_, Option<i64>>(7)?.map(Timestamp),
        agent: r.get(8)?,
        queue: r.get(9)?,
    })
}

const COLS: &str =
    "id, call_id, path, legs, started_ts, duration_ms, paused, retain_until_ts, agent, queue";

/// Search criteria for [`Store::find_recordings`]; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingFilter {
    /// Started at or after.
    pub from: Option<Timestamp>,
    /// Started before.
    pub to: Option<Timestamp>,
    /// Agent number, exact.
    pub agent: Option<String>,
    /// Queue name, exact.
    pub queue: Option<String>,
    /// Part of the customer's number (caller or callee; digits as stored).
    pub number: Option<String>,
    /// Disposition code the agent set, exact.
    pub disposition: Option<String>,
    /// Most rows (1–500).
    pub limit: u32,
}

/// A recording with what the call's history says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingHit {
    /// The recording.
    pub recording: Recording,
    /// The customer's number (interaction history, else the CDR's caller).
    pub number: Option<String>,
    /// The disposition the agent set, if any.
    pub disposition: Option<String>,
    /// The customer, when known.
    pub customer_id: Option<i64>,
}

impl Store {
    /// Searches recordings by date, agent, queue, number and disposition, newest first,
    /// joining the interaction history (number, disposition) and the CDRs (numbers) by call.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when `limit` is 0 or over 500 or `to` is before `from`.
    pub fn find_recordings(&self, f: &RecordingFilter) -> Result<Vec<RecordingHit>> {
        if !(1..=500).contains(&f.limit) {
            return Err(Invalid::new(
                "recording_filter.limit",
                Rule::OutOfRange { min: 1, max: 500 },
            )
            .into());
        }
        if let (Some(a), Some(b)) = (f.from, f.to)
            && b < a
        {
            return Err(Invalid::new("recording_filter.to", Rule::EndBeforeStart).into());
        }
        let cols: String = COLS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let like = f.number.as_ref().map(|n| {
            format!(
                "%{}%",
                n.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {cols}, i.remote_number, i.disposition, i.customer_id, c.caller FROM recordings r \
             LEFT JOIN interactions i ON i.id = (SELECT max(id) FROM interactions WHERE call_id = r.call_id AND (r.agent IS NULL OR agent IS r.agent)) \
             LEFT JOIN cdrs c ON c.call_id = r.call_id \
             WHERE (?1 IS NULL OR r.started_ts >= ?1) AND (?2 IS NULL OR r.started_ts < ?2) \
             AND (?3 IS NULL OR r.agent = ?3) AND (?4 IS NULL OR r.queue = ?4) \
             AND (?5 IS NULL OR i.remote_number LIKE ?5 ESCAPE '\\' OR c.caller LIKE ?5 ESCAPE '\\' OR c.callee LIKE ?5 ESCAPE '\\') \
             AND (?6 IS NULL OR i.disposition = ?6) \
             ORDER BY r.started_ts DESC, r.id DESC LIMIT ?7"
        ))?;
        let rows = s.query_map(
            params![
                f.from.map(|t| t.0),
                f.to.map(|t| t.0),
                f.agent,
                f.queue,
                like,
                f.disposition,
                f.limit
            ],
            |r| {
                let rec = row(r)?;
                let number: Option<String> = r.get(10)?;
                let caller: Option<String> = r.get(13)?;
                Ok(RecordingHit {
                    recording: rec,
                    number: number.or(caller),
                    disposition: r.get::<_, Option<String>>(11)?.filter(|d| !d.is_empty()),
                    customer_id: r.get(12)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One recording by id.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn recording(&self, id: i64) -> Result<Option<Recording>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {COLS} FROM recordings WHERE id = ?1"))?;
        let mut rows = s.query_map([id], row)?;
        Ok(rows.next().transpose()?)
    }

    /// Indexes a recording; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (bad segments, duplicate path).
    pub fn add_recording(&mut self, r: &Recording) -> Result<i64> {
        r.validate()?;
        let paused = serde_json::to_string(&r.paused)
            .map_err(|_| Invalid::new("recording.paused", Rule::BadJson))?;
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO recordings(call_id, path, legs, started_ts, duration_ms, paused, retain_until_ts, agent, queue) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            params![r.call_id, r.path, r.legs.as_str(), r.started.0, r.duration_ms, paused, r.retain_until.map(|t| t.0), r.agent, r.queue],
        )?;
        if n == 0 {
            return Err(Invalid::new("recording.path", Rule::Duplicate).into());
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Recordings of a call.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn recordings_for_call(&self, call_id: &str) -> Result<Vec<Recording>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM recordings WHERE call_id = ?1 ORDER BY id"
        ))?;
        Ok(s.query_map([call_id], row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Recordings started in `[from, to)`, optionally of one agent, newest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn search_recordings(
        &self,
        from: Timestamp,
        to: Timestamp,
        agent: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Recording>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM recordings WHERE started_ts >= ?1 AND started_ts < ?2 AND (?3 IS NULL OR agent = ?3) ORDER BY started_ts DESC LIMIT ?4"
        ))?;
        Ok(s.query_map(params![from.0, to.0, agent, limit], row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Recordings whose retention ended before `now` (the caller deletes the files, then
    /// calls [`Self::forget_recording`]).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn expired_recordings(&self, now: Timestamp) -> Result<Vec<Recording>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM recordings WHERE retain_until_ts IS NOT NULL AND retain_until_ts < ?1 ORDER BY retain_until_ts"
        ))?;
        Ok(s.query_map([now.0], row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// At most `limit` recordings past their retention at `now` with a row id above
    /// `after`, by id: one page of the retention sweep, which walks the expired rows with
    /// the last id it saw so rows it could not delete do not hold back the others.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn expired_recordings_page(
        &self,
        now: Timestamp,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Recording>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM recordings WHERE retain_until_ts IS NOT NULL AND retain_until_ts < ?1 AND id > ?2 ORDER BY id LIMIT ?3"
        ))?;
        Ok(s.query_map(params![now.0, after, limit], row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Removes recordings from the index (after their files were deleted), in one
    /// transaction; returns how many rows were removed (an id already gone is skipped).
    ///
    /// # Errors
    /// SQLite errors (then none was removed).
    pub fn forget_recordings(&mut self, ids: &[i64]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let mut del = tx.prepare_cached("DELETE FROM recordings WHERE id = ?1")?;
            for id in ids {
                n += del.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Removes a recording from the index (after its file was deleted).
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn forget_recording(&mut self, id: i64) -> Result<()> {
        if self
            .conn
            .execute("DELETE FROM recordings WHERE id = ?1", [id])?
            == 0
        {
            return Err(StoreError::NotFound {
                entity: Entity::Recording,
                id,
            });
        }
        Ok(())
    }
}

/// A voicemail message: the recording of the caller (a [`Recording`] with
/// [`Legs::Caller`]) and what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voicemail {
    /// Row id (0 before insert).
    pub id: i64,
    /// The recording row.
    pub recording_id: i64,
    /// The mailbox (an extension or queue number).
    pub mailbox: String,
    /// The caller's number.
    pub caller: String,
    /// The CRM customer, when known.
    pub customer_id: Option<i64>,
    /// The queue the caller came from.
    pub queue: Option<String>,
    /// What the IVR collected (a JSON object).
    pub data: serde_json::Value,
    /// Listened to.
    pub heard: bool,
}

const VM_COLS: &str = "id, recording_id, mailbox, caller, customer_id, queue, data, heard";

fn vm_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Voicemail> {
    let data: String = r.get(6)?;
    Ok(Voicemail {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        mailbox: r.get(2)?,
        caller: r.get(3)?,
        customer_id: r.get(4)?,
        queue: r.get(5)?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        heard: r.get(7)?,
    })
}

impl Store {
    /// Stores a voicemail message: its recording (legs `caller`) and the message row linking
    /// it to the mailbox, queue and customer, in one transaction; returns the message id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty mailbox, data that is not a JSON object, or a
    /// bad recording (see [`Store::add_recording`]); nothing is written then.
    pub fn add_voicemail(&mut self, recording: &Recording, v: &Voicemail) -> Result<i64> {
        if v.mailbox.is_empty() {
            return Err(Invalid::new("voicemail.mailbox", Rule::Empty).into());
        }
        if !v.data.is_object() {
            return Err(Invalid::new("voicemail.data", Rule::BadJson).into());
        }
        if recording.legs != Legs::Caller {
            return Err(Invalid::new(
                "voicemail.recording.legs",
                Rule::Required {
                    because: "a voicemail records the caller only",
                },
            )
            .into());
        }
        recording.validate()?;
        let paused = serde_json::to_string(&recording.paused)
            .map_err(|_| Invalid::new("recording.paused", Rule::BadJson))?;
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "INSERT OR IGNORE INTO recordings(call_id, path, legs, started_ts, duration_ms, paused, retain_until_ts, agent, queue) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            params![recording.call_id, recording.path, recording.legs.as_str(), recording.started.0, recording.duration_ms, paused, recording.retain_until.map(|t| t.0), recording.agent, recording.queue],
        )?;
        if n == 0 {
            return Err(Invalid::new("recording.path", Rule::Duplicate).into());
        }
        let rid = tx.last_insert_rowid();
        // A customer id the CRM no longer has is dropped rather than failing the message.
        let customer: Option<i64> = match v.customer_id {
            Some(c) => tx
                .query_row("SELECT id FROM customers WHERE id = ?1", [c], |r| r.get(0))
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?,
            None => None,
        };
        tx.execute(
            "INSERT INTO voicemails(recording_id, mailbox, caller, customer_id, queue, data, heard) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![rid, v.mailbox, v.caller, customer, v.queue, v.data.to_string(), v.heard],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Messages of a mailbox, oldest first (only unheard ones unless `all`).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn voicemails(&self, mailbox: &str, all: bool) -> Result<Vec<Voicemail>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {VM_COLS} FROM voicemails WHERE mailbox = ?1 AND (?2 OR heard = 0) ORDER BY id"
        ))?;
        let rows = s.query_map(params![mailbox, all], vm_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a message heard.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown id.
    pub fn mark_voicemail_heard(&mut self, id: i64) -> Result<()> {
        let n = self
            .conn
            .execute("UPDATE voicemails SET heard = 1 WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: Entity::Recording,
                id,
            });
        }
        Ok(())
    }
}

/// The recording policy, kept in the `settings` table (no rules table yet): which queues'
/// calls are recorded from the agent's answer, and how long recordings are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingPolicy {
    /// Queue names whose answered calls are recorded; `*` records every queue call.
    pub queues: Vec<String>,
    /// Days a recording is kept before the daemon's sweep deletes it (`None`: kept).
    pub retain_days: Option<u32>,
}

impl RecordingPolicy {
    /// Whether calls of queue `name` are recorded.
    #[must_use]
    pub fn records_queue(&self, name: &str) -> bool {
        self.queues.iter().any(|q| q == "*" || q == name)
    }
}

/// The `settings` keys of [`RecordingPolicy`].
const POLICY_QUEUES: &str = "recording_queues";
const POLICY_RETAIN: &str = "recording_retain_days";

impl Store {
    /// The recording policy (empty: nothing recorded by rule, recordings kept).
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`] for a retention that is not a number.
    pub fn recording_policy(&self) -> Result<RecordingPolicy> {
        let mut s = self
            .conn
            .prepare_cached("SELECT key, value FROM settings WHERE key IN (?1, ?2)")?;
        let rows = s.query_map(params![POLICY_QUEUES, POLICY_RETAIN], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut p = RecordingPolicy::default();
        for row in rows {
            let (k, v) = row?;
            if k == POLICY_QUEUES {
                p.queues = v
                    .split(',')
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(str::to_owned)
                    .collect();
            } else if !v.is_empty() {
                p.retain_days = Some(v.parse().map_err(|_| StoreError::BadStoredValue {
                    table: "settings",
                    column: "value",
                })?);
            }
        }
        Ok(p)
    }

    /// Sets the recording policy: [`Command::SetRecordingPolicy`] through
    /// [`Store::execute`] (a new config revision and an audit row naming `ctx.actor`, entity
    /// `recording_policy`; the daemon reads the policy again at its next reload).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty queue name, one with a comma or one that names
    /// no queue, or a retention of 0 or over 3650 days; nothing is written then.
    pub fn set_recording_policy(
        &mut self,
        ctx: crate::CommandContext<'_>,
        p: &RecordingPolicy,
    ) -> Result<()> {
        self.execute(ctx, &Command::SetRecordingPolicy(p.clone()))
            .map(drop)
    }
}

/// Checks a recording policy on its own.
///
/// # Errors
/// The first field that breaks a rule.
pub fn validate_policy(p: &RecordingPolicy) -> Result<(), Invalid> {
    for q in &p.queues {
        if q.trim().is_empty() {
            return Err(Invalid::new("recording_policy.queues", Rule::Empty));
        }
        if q.contains(',') {
            return Err(Invalid::new(
                "recording_policy.queues",
                Rule::BadChars {
                    allowed: "anything but ','",
                },
            ));
        }
    }
    if let Some(d) = p.retain_days
        && !(1..=3650).contains(&d)
    {
        return Err(Invalid::new(
            "recording_policy.retain_days",
            Rule::OutOfRange { min: 1, max: 3650 },
        ));
    }
    Ok(())
}

/// [`Command::SetRecordingPolicy`] inside the command's transaction: checked as
/// [`validate_policy`] says, and every queue name other than `*` must name a queue.
pub(crate) fn apply_policy(
    tx: &rusqlite::Transaction<'_>,
    p: &RecordingPolicy,
) -> Result<(Entity, i64, crate::Op)> {
    validate_policy(p)?;
    for q in p.queues.iter().filter(|q| q.as_str() != "*") {
        if !tx
            .prepare_cached("SELECT 1 FROM queues WHERE name = ?1")?
            .exists([q])?
        {
            return Err(Invalid::new("recording_policy.queues", Rule::NoSuchReference).into());
        }
    }
    tx.execute(
        "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
        params![POLICY_QUEUES, p.queues.join(",")],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
        params![
            POLICY_RETAIN,
            p.retain_days.map(|d| d.to_string()).unwrap_or_default()
        ],
    )?;
    Ok((Entity::RecordingPolicy, 0, crate::Op::Update))
}

#[cfg(test)]
mod policy_tests {
    use super::RecordingPolicy;
    use crate::Store;

    #[test]
    fn policy_round_trips_and_refuses_bad_values() {
        let ctx = crate::CommandContext {
            actor: "web:root",
            ts: crate::Timestamp(1),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(dir.path().join("p.db")).unwrap();
        assert_eq!(st.recording_policy().unwrap(), RecordingPolicy::default());
        st.seed_demo(crate::Timestamp(1)).unwrap().unwrap();
        let seeded = st.config_revision().unwrap();
        let p = RecordingPolicy {
            queues: vec!["sales".into(), "support".into()],
            retain_days: Some(90),
        };
        st.set_recording_policy(ctx, &p).unwrap();
        assert_eq!(st.recording_policy().unwrap(), p);
        assert!(p.records_queue("sales") && !p.records_queue("billing"));
        let bad = RecordingPolicy {
            queues: vec!["a,b".into()],
            retain_days: None,
        };
        assert!(st.set_recording_policy(ctx, &bad).is_err());
        let bad = RecordingPolicy {
            queues: vec![],
            retain_days: Some(0),
        };
        assert!(st.set_recording_policy(ctx, &bad).is_err());
        let bad = RecordingPolicy {
            queues: vec!["billing".into()],
            retain_days: None,
        };
        assert!(st.set_recording_policy(ctx, &bad).is_err(), "no such queue");
        assert_eq!(st.recording_policy().unwrap(), p, "nothing changed");
        let all = RecordingPolicy {
            queues: vec!["*".into()],
            retain_days: None,
        };
        st.set_recording_policy(ctx, &all).unwrap();
        assert!(st.recording_policy().unwrap().records_queue("billing"));
        // Two changes went through, each audited; the refused ones left no row.
        let log = st.changes_since(seeded).unwrap();
        assert_eq!(log.len(), 2);
        assert!(log.iter().all(|e| e.actor == "web:root"
            && e.change.entity == crate::Entity::RecordingPolicy
            && e.change.op == crate::Op::Update));
    }
}
