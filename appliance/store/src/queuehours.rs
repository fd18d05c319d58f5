//! Which business-hours calendar each queue is open by (table `queue_calendars`, schema
//! step v10), and where its callers go while it is closed (`closed_to`, step v13). A queue
//! with a calendar is closed outside its weekly hours and on its holidays: the call center
//! sends new callers to the queue's closed destination ([`ClosedDestination`]; none: the
//! closed message, then hang-up). Set with [`crate::config::Command::SetQueueCalendar`]
//! (audited as an update of the queue, so a SIGHUP applies it); read with
//! [`Store::queue_schedule`] / [`Store::queue_schedules`] (or only the calendar with
//! [`Store::queue_calendar`] / [`Store::queue_calendars`]).
//!
//! Not here: the calendars themselves ([`crate::desk::BusinessHoursConfig`]) and the
//! open/closed decision (the `callcenter` crate's `Calendar`).

use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Op, Store};

/// Where a closed queue sends its callers: the text forms are those of the REST API, the
/// admin page and the `queue_calendars.closed_to` column.
///
/// | text | meaning |
/// |---|---|
/// | `hangup` | the closed message, then hang-up (the default) |
/// | `voicemail:702` | mailbox 702 (prompt, beep, message) |
/// | `queue:support` | the queue named `support` (its own calendar applies there) |
/// | `ivr:main` | the active version of IVR flow `main` |
/// | `1001`, `8000`, `013800138000` | a number dialled through the dial plan: an extension, a queue or IVR number, or an outside number (the dial plan's trunk rules and toll-fraud guard apply) |
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClosedDestination {
    /// The closed message, then hang-up.
    Hangup,
    /// A voicemail box (1–16 digits).
    Voicemail(String),
    /// Another queue, by name (must exist when set).
    Queue(String),
    /// An IVR flow, by name (letters, digits, `-`, `_`; 1–64).
    Ivr(String),
    /// A number dialled through the dial plan (1–32 digits, `*` or `#`).
    Number(String),
}

fn digits(field: &'static str, s: &str, max: usize, extra: &[char]) -> Result<(), Invalid> {
    if s.is_empty() {
        return Err(Invalid::new(field, Rule::Empty));
    }
    if s.len() > max {
        return Err(Invalid::new(field, Rule::TooLong { max }));
    }
    if !s.chars().all(|c| c.is_ascii_digit() || extra.contains(&c)) {
        return Err(Invalid::new(
            field,
            Rule::BadChars {
                allowed: if extra.is_empty() {
                    "digits"
                } else {
                    "digits, * and #"
                },
            },
        ));
    }
    Ok(())
}

impl ClosedDestination {
    /// Parses the text form (see the type's table). Queue existence is checked when the
    /// command runs, not here.
    ///
    /// # Errors
    /// [`Invalid`] on field `queue.closed_to`: empty, unknown prefix, bad mailbox, flow
    /// name or number.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const F: &str = "queue.closed_to";
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new(F, Rule::Empty));
        }
        if s == "hangup" {
            return Ok(Self::Hangup);
        }
        if let Some(m) = s.strip_prefix("voicemail:") {
            digits(F, m, 16, &[])?;
            return Ok(Self::Voicemail(m.to_owned()));
        }
        if let Some(q) = s.strip_prefix("queue:") {
            if q.is_empty() {
                return Err(Invalid::new(F, Rule::Empty));
            }
            if q.len() > 64 {
                return Err(Invalid::new(F, Rule::TooLong { max: 64 }));
            }
            return Ok(Self::Queue(q.to_owned()));
        }
        if let Some(f) = s.strip_prefix("ivr:") {
            if f.is_empty() {
                return Err(Invalid::new(F, Rule::Empty));
            }
            if f.len() > 64 {
                return Err(Invalid::new(F, Rule::TooLong { max: 64 }));
            }
            if !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Invalid::new(
                    F,
                    Rule::BadChars {
                        allowed: "letters, digits, - and _",
                    },
                ));
            }
            return Ok(Self::Ivr(f.to_owned()));
        }
        digits(F, s, 32, &['*', '#'])?;
        Ok(Self::Number(s.to_owned()))
    }

    /// The text form ([`Self::parse`] reads it back).
    #[must_use]
    pub fn to_text(&self) -> String {
        match self {
            Self::Hangup => "hangup".into(),
            Self::Voicemail(m) => format!("voicemail:{m}"),
            Self::Queue(q) => format!("queue:{q}"),
            Self::Ivr(f) => format!("ivr:{f}"),
            Self::Number(n) => n.clone(),
        }
    }
}

/// A queue's calendar link and closed destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSchedule {
    /// The queue.
    pub queue_id: i64,
    /// The business-hours calendar it is open by.
    pub hours_id: i64,
    /// Where callers go while it is closed (`None`: the closed message, then hang-up).
    pub closed: Option<ClosedDestination>,
}

fn schedule_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn schedule((queue_id, hours_id, closed): (i64, i64, Option<String>)) -> Result<QueueSchedule> {
    let closed = closed
        .map(|t| ClosedDestination::parse(&t))
        .transpose()
        .map_err(|_| StoreError::BadStoredValue {
            table: "queue_calendars",
            column: "closed_to",
        })?;
    Ok(QueueSchedule {
        queue_id,
        hours_id,
        closed,
    })
}

impl Store {
    /// The calendar (business-hours id) queue `queue_id` is open by, if any.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn queue_calendar(&self, queue_id: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT hours_id FROM queue_calendars WHERE queue_id = ?1",
                [queue_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every (queue id, business-hours id) link, by queue id.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn queue_calendars(&self) -> Result<Vec<(i64, i64)>> {
        let mut s = self
            .conn
            .prepare_cached("SELECT queue_id, hours_id FROM queue_calendars ORDER BY queue_id")?;
        let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Queue `queue_id`'s calendar and closed destination, if it has a calendar.
    ///
    /// # Errors
    /// SQLite errors; [`StoreError::BadStoredValue`] for a `closed_to` written outside
    /// this crate that does not parse.
    pub fn queue_schedule(&self, queue_id: i64) -> Result<Option<QueueSchedule>> {
        self.conn
            .query_row(
                "SELECT queue_id, hours_id, closed_to FROM queue_calendars WHERE queue_id = ?1",
                [queue_id],
                schedule_row,
            )
            .optional()?
            .map(schedule)
            .transpose()
    }

    /// Every queue's calendar and closed destination, by queue id.
    ///
    /// # Errors
    /// As [`Self::queue_schedule`].
    pub fn queue_schedules(&self) -> Result<Vec<QueueSchedule>> {
        let mut s = self.conn.prepare_cached(
            "SELECT queue_id, hours_id, closed_to FROM queue_calendars ORDER BY queue_id",
        )?;
        let rows = s
            .query_map([], schedule_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(schedule).collect()
    }
}

/// [`crate::config::Command::SetQueueCalendar`] inside the command's transaction.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    queue: i64,
    hours: Option<i64>,
    closed: Option<&ClosedDestination>,
) -> Result<(Entity, i64, Op)> {
    let has = |table: &str, id: i64| -> Result<bool> {
        Ok(tx
            .query_row(
                &format!("SELECT 1 FROM {table} WHERE id = ?1"),
                [id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    };
    if !has("queues", queue)? {
        return Err(StoreError::NotFound {
            entity: Entity::Queue,
            id: queue,
        });
    }
    match hours {
        Some(h) => {
            if !has("business_hours", h)? {
                return Err(Invalid::new("queue.calendar", Rule::NoSuchReference).into());
            }
            if let Some(ClosedDestination::Queue(name)) = closed {
                let id: Option<i64> = tx
                    .query_row("SELECT id FROM queues WHERE name = ?1", [name], |r| {
                        r.get(0)
                    })
                    .optional()?;
                match id {
                    None => {
                        return Err(Invalid::new("queue.closed_to", Rule::NoSuchReference).into());
                    }
                    // Closed to itself would send callers round in a loop.
                    Some(id) if id == queue => {
                        return Err(Invalid::new(
                            "queue.closed_to",
                            Rule::Conflicts { other: "queue.id" },
                        )
                        .into());
                    }
                    Some(_) => {}
                }
            }
            tx.execute(
                "INSERT INTO queue_calendars(queue_id, hours_id, closed_to) VALUES (?1, ?2, ?3)
                 ON CONFLICT(queue_id) DO UPDATE SET hours_id = excluded.hours_id,
                     closed_to = excluded.closed_to",
                params![queue, h, closed.map(ClosedDestination::to_text)],
            )?;
        }
        None => {
            if closed.is_some() {
                return Err(Invalid::new(
                    "queue.closed_to",
                    Rule::Required {
                        because: "a closed destination needs a calendar",
                    },
                )
                .into());
            }
            tx.execute("DELETE FROM queue_calendars WHERE queue_id = ?1", [queue])?;
        }
    }
    Ok((Entity::Queue, queue, Op::Update))
}
