//! Data of the agent desktop, QA and the knowledge-base editor (schema v6): scheduled
//! callbacks, QA forms and scores with sampling, knowledge-base categories and article
//! reads, and business hours with holidays (a configuration entity: it changes only through
//! [`crate::Command`]s, so it is validated and audited like every other configuration).
//!
//! What it is not: no clock (every time is passed in), no call logic (a due callback is a
//! row; the daemon or the agent dials it), no recordings files (the recordings index lives
//! in [`crate::recordings`]).

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::config::{Op, Stored, text_enum};
use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

// ---------------------------------------------------------------- business hours

/// One weekly opening span: `day` 0 = Monday … 6 = Sunday, minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenSpan {
    /// 0 = Monday … 6 = Sunday.
    pub day: u8,
    /// Opens at, minutes after local midnight (0–1439).
    pub open_min: u16,
    /// Closes at, minutes after local midnight (1–1440), after `open_min`.
    pub close_min: u16,
}

/// A holiday: closed all day (local date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// What it is (`National Day`).
    pub name: String,
}

/// A business-hours calendar: weekly opening spans plus holidays, in a fixed UTC offset
/// (China has no daylight saving time; a site that has one edits the offset twice a year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHoursConfig {
    /// Unique name (`main`, `support`).
    pub name: String,
    /// Local time = UTC + this many minutes (−720…840; China: 480).
    pub utc_offset_min: i32,
    /// Weekly opening spans; at most 7 × 4, not overlapping within a day.
    pub weekly: Vec<OpenSpan>,
    /// Holidays, distinct dates.
    pub holidays: Vec<Holiday>,
}

/// Parses `YYYY-MM-DD` (a real calendar date) into days since the epoch.
#[must_use]
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = &s[r];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    Some(
        date.midnight()
            .assume_utc()
            .unix_timestamp()
            .div_euclid(86_400),
    )
}

impl BusinessHoursConfig {
    /// Checks every field; the error names the first bad one.
    ///
    /// # Errors
    /// [`Invalid`].
    pub fn validate(&self) -> Result<(), Invalid> {
        let n = self.name.chars().count();
        if n == 0 {
            return Err(Invalid::new("business_hours.name", Rule::Empty));
        }
        if n > 64 {
            return Err(Invalid::new(
                "business_hours.name",
                Rule::TooLong { max: 64 },
            ));
        }
        if !self
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(Invalid::new(
                "business_hours.name",
                Rule::BadChars {
                    allowed: "A-Z a-z 0-9 _ - .",
                },
            ));
        }
        if !(-720..=840).contains(&self.utc_offset_min) {
            return Err(Invalid::new(
                "business_hours.utc_offset_min",
                Rule::OutOfRange {
                    min: -720,
                    max: 840,
                },
            ));
        }
        if self.weekly.len() > 28 {
            return Err(Invalid::new(
                "business_hours.weekly",
                Rule::OutOfRange { min: 0, max: 28 },
            ));
        }
        for (i, s) in self.weekly.iter().enumerate() {
            if s.day > 6 {
                return Err(Invalid::new(
                    "business_hours.weekly.day",
                    Rule::OutOfRange { min: 0, max: 6 },
                ));
            }
            if s.open_min > 1439 || s.close_min > 1440 {
                return Err(Invalid::new(
                    "business_hours.weekly.open_min",
                    Rule::OutOfRange { min: 0, max: 1440 },
                ));
            }
            if s.close_min <= s.open_min {
                return Err(Invalid::new(
                    "business_hours.weekly.close_min",
                    Rule::EndBeforeStart,
                ));
            }
            if self.weekly[..i]
                .iter()
                .any(|o| o.day == s.day && o.open_min < s.close_min && s.open_min < o.close_min)
            {
                return Err(Invalid::new(
                    "business_hours.weekly",
                    Rule::Conflicts {
                        other: "an overlapping span of the same day",
                    },
                ));
            }
        }
        if self.holidays.len() > 366 {
            return Err(Invalid::new(
                "business_hours.holidays",
                Rule::OutOfRange { min: 0, max: 366 },
            ));
        }
        for (i, h) in self.holidays.iter().enumerate() {
            if parse_date(&h.date).is_none() {
                return Err(Invalid::new(
                    "business_hours.holidays.date",
                    Rule::BadChars {
                        allowed: "a real date as YYYY-MM-DD",
                    },
                ));
            }
            let n = h.name.chars().count();
            if n == 0 {
                return Err(Invalid::new("business_hours.holidays.name", Rule::Empty));
            }
            if n > 64 {
                return Err(Invalid::new(
                    "business_hours.holidays.name",
                    Rule::TooLong { max: 64 },
                ));
            }
            if self.holidays[..i].iter().any(|o| o.date == h.date) {
                return Err(Invalid::new(
                    "business_hours.holidays.date",
                    Rule::Duplicate,
                ));
            }
        }
        Ok(())
    }

    /// Whether the calendar is open at `at`.
    #[must_use]
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local_min = at.0.div_euclid(60_000_000) + i64::from(self.utc_offset_min);
        let day = local_min.div_euclid(1440);
        let minute = local_min.rem_euclid(1440);
        if self
            .holidays
            .iter()
            .any(|h| parse_date(&h.date) == Some(day))
        {
            return false;
        }
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        let weekday = (day + 3).rem_euclid(7);
        self.weekly.iter().any(|s| {
            i64::from(s.day) == weekday
                && i64::from(s.open_min) <= minute
                && minute < i64::from(s.close_min)
        })
    }
}

/// `apply` arm of the business-hours commands (called from `config::apply`).
pub(crate) fn apply_hours(
    tx: &Transaction<'_>,
    id: Option<i64>,
    c: &BusinessHoursConfig,
) -> Result<(Entity, i64, Op)> {
    if let Some(id) = id
        && !tx
            .prepare_cached("SELECT 1 FROM business_hours WHERE id = ?1")?
            .exists([id])?
    {
        return Err(StoreError::NotFound {
            entity: Entity::BusinessHours,
            id,
        });
    }
    c.validate()?;
    if tx
        .prepare_cached("SELECT 1 FROM business_hours WHERE name = ?1 AND id IS NOT ?2")?
        .exists(params![c.name, id])?
    {
        return Err(Invalid::new("business_hours.name", Rule::Duplicate).into());
    }
    let weekly = serde_json::to_string(&c.weekly)
        .map_err(|_| Invalid::new("business_hours.weekly", Rule::BadJson))?;
    let (id, op) = if let Some(id) = id {
        tx.execute(
            "UPDATE business_hours SET name = ?1, utc_offset_min = ?2, weekly = ?3 WHERE id = ?4",
            params![c.name, c.utc_offset_min, weekly, id],
        )?;
        tx.execute("DELETE FROM holidays WHERE hours_id = ?1", [id])?;
        (id, Op::Update)
    } else {
        tx.execute(
            "INSERT INTO business_hours(name, utc_offset_min, weekly) VALUES (?1, ?2, ?3)",
            params![c.name, c.utc_offset_min, weekly],
        )?;
        (tx.last_insert_rowid(), Op::Create)
    };
    for h in &c.holidays {
        tx.execute(
            "INSERT INTO holidays(hours_id, date, name) VALUES (?1, ?2, ?3)",
            params![id, h.date, h.name],
        )?;
    }
    Ok((Entity::BusinessHours, id, op))
}

/// `apply` arm of the delete command.
pub(crate) fn delete_hours(tx: &Transaction<'_>, id: i64) -> Result<(Entity, i64, Op)> {
    if tx.execute("DELETE FROM business_hours WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound {
            entity: Entity::BusinessHours,
            id,
        });
    }
    Ok((Entity::BusinessHours, id, Op::Delete))
}

// ---------------------------------------------------------------- callbacks

text_enum!(
    /// State of a scheduled callback.
    CallbackStatus { /** To be called. */ Open = "open", /** Called. */ Done = "done", /** No longer wanted. */ Cancelled = "cancelled" }
);

/// A callback to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCallback {
    /// The customer, when known.
    pub customer_id: Option<i64>,
    /// Number to call.
    pub number: String,
    /// When it is due.
    pub due: Timestamp,
    /// Agent number that must make it; `None`: anybody.
    pub agent: Option<String>,
    /// What it is about.
    pub note: String,
    /// Who scheduled it (user name).
    pub created_by: String,
}

/// A scheduled callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// Row id.
    pub id: i64,
    /// The scheduled fields.
    pub callback: NewCallback,
    /// State.
    pub status: CallbackStatus,
    /// When it was scheduled.
    pub created: Timestamp,
}

// ---------------------------------------------------------------- QA

/// One criterion of a QA form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaCriterion {
    /// What is judged (`Greeting`, `Verified identity`).
    pub name: String,
    /// Most points (1–100).
    pub max: u8,
}

/// A QA scoring form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaForm {
    /// Row id (0 before insert).
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Criteria, 1–30.
    pub criteria: Vec<QaCriterion>,
}

/// A reviewer's score of one recording on one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaScore {
    /// Row id (0 before insert).
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// The form.
    pub form_id: i64,
    /// Who scored (user name).
    pub reviewer: String,
    /// Points per criterion, in the form's order.
    pub points: Vec<u8>,
    /// Sum of the points.
    pub total: u32,
    /// Sum of the form's maxima.
    pub max_total: u32,
    /// Comment.
    pub comment: String,
    /// When.
    pub ts: Timestamp,
}

fn nonempty(field: &'static str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.trim().is_empty() {
        return Err(Invalid::new(field, Rule::Empty));
    }
    if s.chars().count() > max {
        return Err(Invalid::new(field, Rule::TooLong { max }));
    }
    Ok(())
}

fn longest(field: &'static str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.chars().count() > max {
        return Err(Invalid::new(field, Rule::TooLong { max }));
    }
    Ok(())
}

fn callback_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Callback> {
    Ok(Callback {
        id: r.get(0)?,
        callback: NewCallback {
            customer_id: r.get(1)?,
            number: r.get(2)?,
            due: Timestamp(r.get(3)?),
            agent: r.get(4)?,
            note: r.get(5)?,
            created_by: r.get(6)?,
        },
        status: CallbackStatus::parse(&r.get::<_, String>(7)?).unwrap_or(CallbackStatus::Open),
        created: Timestamp(r.get(8)?),
    })
}

const CB_COLS: &str =
    "id, customer_id, number, due_ts, agent, note, created_by, status, created_ts";

fn form_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QaForm> {
    Ok(QaForm {
        id: r.get(0)?,
        name: r.get(1)?,
        criteria: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
    })
}

fn score_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QaScore> {
    Ok(QaScore {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        form_id: r.get(2)?,
        reviewer: r.get(3)?,
        points: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
        total: r.get(5)?,
        max_total: r.get(6)?,
        comment: r.get(7)?,
        ts: Timestamp(r.get(8)?),
    })
}

/// A knowledge-base article as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Body text.
    pub body: String,
    /// Last change.
    pub updated: Timestamp,
}

impl Store {
    // ------------------------------------------------------------ business hours

    /// Every business-hours calendar, by name.
    ///
    /// # Errors
    /// SQLite errors, [`StoreError::BadStoredValue`].
    pub fn business_hours(&self) -> Result<Vec<Stored<BusinessHoursConfig>>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, name, utc_offset_min, weekly FROM business_hours ORDER BY name",
        )?;
        let mut out: Vec<Stored<BusinessHoursConfig>> = s
            .query_map([], |r| {
                let weekly: String = r.get(3)?;
                Ok(Stored {
                    id: r.get(0)?,
                    config: BusinessHoursConfig {
                        name: r.get(1)?,
                        utc_offset_min: r.get(2)?,
                        weekly: serde_json::from_str(&weekly).map_err(|_| {
                            rusqlite::Error::FromSqlConversionFailure(
                                3,
                                rusqlite::types::Type::Text,
                                Box::new(StoreError::BadStoredValue {
                                    table: "business_hours",
                                    column: "weekly",
                                }),
                            )
                        })?,
                        holidays: Vec::new(),
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut h = self
            .conn
            .prepare_cached("SELECT date, name FROM holidays WHERE hours_id = ?1 ORDER BY date")?;
        for b in &mut out {
            b.config.holidays = h
                .query_map([b.id], |r| {
                    Ok(Holiday {
                        date: r.get(0)?,
                        name: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(out)
    }

    // ------------------------------------------------------------ callbacks

    /// Schedules a callback; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (bad number, empty creator, unknown customer, note too long).
    pub fn schedule_callback(&mut self, c: &NewCallback, now: Timestamp) -> Result<i64> {
        let digits = c.number.trim_start_matches('+');
        if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("callback.number", Rule::BadPhoneNumber).into());
        }
        nonempty("callback.created_by", &c.created_by, 64)?;
        longest("callback.note", &c.note, 2000)?;
        if let Some(a) = &c.agent {
            nonempty("callback.agent", a, 16)?;
        }
        if let Some(id) = c.customer_id
            && !self
                .conn
                .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
                .exists([id])?
        {
            return Err(Invalid::new("callback.customer_id", Rule::NoSuchReference).into());
        }
        self.conn.execute(
            "INSERT INTO callbacks(customer_id, number, due_ts, agent, note, created_by, status, created_ts) VALUES (?1,?2,?3,?4,?5,?6,'open',?7)",
            params![c.customer_id, c.number, c.due.0, c.agent, c.note, c.created_by, now.0],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Open callbacks an agent may make (its own and those for anybody), due first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn open_callbacks(&self, agent: Option<&str>, limit: u32) -> Result<Vec<Callback>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {CB_COLS} FROM callbacks WHERE status = 'open' AND (agent IS NULL OR agent IS ?1) ORDER BY due_ts, id LIMIT ?2"
        ))?;
        Ok(s.query_map(params![agent, limit], callback_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// One callback.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn callback(&self, id: i64) -> Result<Option<Callback>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {CB_COLS} FROM callbacks WHERE id = ?1"))?;
        let mut rows = s.query_map([id], callback_row)?;
        Ok(rows.next().transpose()?)
    }

    /// Marks a callback done or cancelled.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Invalid`] when it is no longer open.
    pub fn close_callback(&mut self, id: i64, status: CallbackStatus) -> Result<()> {
        let Some(cb) = self.callback(id)? else {
            return Err(StoreError::NotFound {
                entity: Entity::Callback,
                id,
            });
        };
        if cb.status != CallbackStatus::Open || status == CallbackStatus::Open {
            return Err(Invalid::new(
                "callback.status",
                Rule::Conflicts {
                    other: "the callback's current status",
                },
            )
            .into());
        }
        self.conn.execute(
            "UPDATE callbacks SET status = ?1 WHERE id = ?2",
            params![status.as_str(), id],
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ QA

    /// Adds a QA form; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (empty or duplicate name, no or too many criteria).
    pub fn create_qa_form(&mut self, name: &str, criteria: &[QaCriterion]) -> Result<i64> {
        nonempty("qa_form.name", name, 64)?;
        if criteria.is_empty() || criteria.len() > 30 {
            return Err(
                Invalid::new("qa_form.criteria", Rule::OutOfRange { min: 1, max: 30 }).into(),
            );
        }
        for c in criteria {
            nonempty("qa_form.criteria.name", &c.name, 100)?;
            if !(1..=100).contains(&c.max) {
                return Err(Invalid::new(
                    "qa_form.criteria.max",
                    Rule::OutOfRange { min: 1, max: 100 },
                )
                .into());
            }
        }
        if self
            .conn
            .prepare_cached("SELECT 1 FROM qa_forms WHERE name = ?1")?
            .exists([name])?
        {
            return Err(Invalid::new("qa_form.name", Rule::Duplicate).into());
        }
        let json = serde_json::to_string(criteria)
            .map_err(|_| Invalid::new("qa_form.criteria", Rule::BadJson))?;
        self.conn.execute(
            "INSERT INTO qa_forms(name, criteria) VALUES (?1, ?2)",
            params![name, json],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every QA form, by name.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn qa_forms(&self) -> Result<Vec<QaForm>> {
        let mut s = self
            .conn
            .prepare_cached("SELECT id, name, criteria FROM qa_forms ORDER BY name")?;
        Ok(s.query_map([], form_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Scores a recording on a form; returns the score's id. Points are checked against the
    /// form (one per criterion, each at most its maximum).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (recording); [`StoreError::Invalid`] (unknown form, wrong
    /// number of points, a point over its maximum, empty reviewer, comment too long).
    pub fn score_recording(
        &mut self,
        recording_id: i64,
        form_id: i64,
        reviewer: &str,
        points: &[u8],
        comment: &str,
        now: Timestamp,
    ) -> Result<i64> {
        if !self
            .conn
            .prepare_cached("SELECT 1 FROM recordings WHERE id = ?1")?
            .exists([recording_id])?
        {
            return Err(StoreError::NotFound {
                entity: Entity::Recording,
                id: recording_id,
            });
        }
        let form = self
            .qa_forms()?
            .into_iter()
            .find(|f| f.id == form_id)
            .ok_or_else(|| Invalid::new("qa_score.form_id", Rule::NoSuchReference))?;
        nonempty("qa_score.reviewer", reviewer, 64)?;
        longest("qa_score.comment", comment, 4000)?;
        if points.len() != form.criteria.len() {
            let n = i64::try_from(form.criteria.len()).unwrap_or(i64::MAX);
            return Err(
                Invalid::new("qa_score.points", Rule::OutOfRange { min: n, max: n }).into(),
            );
        }
        for (p, c) in points.iter().zip(&form.criteria) {
            if p > &c.max {
                return Err(Invalid::new(
                    "qa_score.points",
                    Rule::OutOfRange {
                        min: 0,
                        max: i64::from(c.max),
                    },
                )
                .into());
            }
        }
        let total: u32 = points.iter().map(|p| u32::from(*p)).sum();
        let max_total: u32 = form.criteria.iter().map(|c| u32::from(c.max)).sum();
        let json = serde_json::to_string(points)
            .map_err(|_| Invalid::new("qa_score.points", Rule::BadJson))?;
        self.conn.execute(
            "INSERT INTO qa_scores(recording_id, form_id, reviewer, points, total, max_total, comment, ts) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
            params![recording_id, form_id, reviewer, json, total, max_total, comment, now.0],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The scores of a recording, oldest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn recording_scores(&self, recording_id: i64) -> Result<Vec<QaScore>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, recording_id, form_id, reviewer, points, total, max_total, comment, ts FROM qa_scores WHERE recording_id = ?1 ORDER BY id",
        )?;
        Ok(s.query_map([recording_id], score_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// QA sampling: up to `n` recordings started in `[from, to)` that nobody scored yet,
    /// optionally of one agent, picked pseudo-randomly but reproducibly from `seed` (the
    /// same seed gives the same sample, so a supervisor's sample can be re-opened). The ids
    /// come in sampling order: the first `k` of a larger sample are the sample of size `k`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn sample_unscored_recordings(
        &self,
        from: Timestamp,
        to: Timestamp,
        agent: Option<&str>,
        n: u32,
        seed: u64,
    ) -> Result<Vec<i64>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id FROM recordings r WHERE started_ts >= ?1 AND started_ts < ?2 AND (?3 IS NULL OR agent = ?3) \
             AND NOT EXISTS (SELECT 1 FROM qa_scores q WHERE q.recording_id = r.id) ORDER BY id",
        )?;
        let ids: Vec<i64> = s
            .query_map(params![from.0, to.0, agent], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // Rank by a 64-bit mix of (seed, id) (splitmix64) and keep the n smallest.
        let mix = |id: i64| {
            let mut z = seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut ranked: Vec<(u64, i64)> = ids.into_iter().map(|id| (mix(id), id)).collect();
        ranked.sort_unstable();
        let mut out: Vec<i64> = ranked
            .into_iter()
            .take(n as usize)
            .map(|(_, id)| id)
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    // ------------------------------------------------------------ tickets

    /// Creates a ticket and, when given, its first note; a bad note refuses the whole
    /// ticket (nothing is written).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (see [`Store::create_ticket`], note empty or too long).
    #[allow(clippy::too_many_arguments)]
    pub fn create_ticket_with_note(
        &mut self,
        customer_id: Option<i64>,
        subject: &str,
        priority: u8,
        assignee: Option<i64>,
        note: Option<&str>,
        author: &str,
        now: Timestamp,
    ) -> Result<i64> {
        if let Some(n) = note {
            nonempty("ticket_note.body", n, 20_000)?;
        }
        nonempty("ticket_note.author", author, 64)?;
        let id = self.create_ticket(customer_id, subject, priority, assignee, now)?;
        if let Some(n) = note {
            self.add_ticket_note(id, author, n, now)?;
        }
        Ok(id)
    }

    /// Changes a ticket's status (keeping its assignee) and adds a note when given.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Invalid`] (note empty or too long).
    pub fn change_ticket(
        &mut self,
        id: i64,
        status: crate::crm::TicketStatus,
        note: Option<&str>,
        author: &str,
        now: Timestamp,
    ) -> Result<()> {
        if let Some(n) = note {
            nonempty("ticket_note.body", n, 20_000)?;
        }
        nonempty("ticket_note.author", author, 64)?;
        let assignee: Option<Option<i64>> = self
            .conn
            .prepare_cached("SELECT assignee FROM tickets WHERE id = ?1")?
            .query_map([id], |r| r.get(0))?
            .next()
            .transpose()?;
        let Some(assignee) = assignee else {
            return Err(StoreError::NotFound {
                entity: Entity::Ticket,
                id,
            });
        };
        self.update_ticket(id, status, assignee, now)?;
        if let Some(n) = note {
            self.add_ticket_note(id, author, n, now)?;
        }
        Ok(())
    }

    // ------------------------------------------------------------ knowledge base

    /// One article.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn article(&self, id: i64) -> Result<Option<Article>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, title, category, body, updated_ts FROM kb_articles WHERE id = ?1",
        )?;
        let mut rows = s.query_map([id], |r| {
            Ok(Article {
                id: r.get(0)?,
                title: r.get(1)?,
                category: r.get(2)?,
                body: r.get(3)?,
                updated: Timestamp(r.get(4)?),
            })
        })?;
        Ok(rows.next().transpose()?)
    }

    /// Articles, optionally of one category, by category and title (bodies included).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn articles(&self, category: Option<&str>) -> Result<Vec<Article>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, title, category, body, updated_ts FROM kb_articles WHERE ?1 IS NULL OR category = ?1 ORDER BY category, title, id",
        )?;
        Ok(s.query_map([category], |r| {
            Ok(Article {
                id: r.get(0)?,
                title: r.get(1)?,
                category: r.get(2)?,
                body: r.get(3)?,
                updated: Timestamp(r.get(4)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a knowledge-base category (articles may also name categories not in this list;
    /// [`Self::kb_categories`] lists both). Not audited: the panel goes through
    /// [`crate::Command::CreateKbCategory`].
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (empty, too long, duplicate).
    pub fn create_kb_category(&mut self, name: &str) -> Result<()> {
        create_kb_category_in(&self.conn, name).map(drop)
    }

    /// Removes a category; refused while an article is filed under it.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (in use), [`StoreError::NotFound`]-like invalid when absent.
    pub fn delete_kb_category(&mut self, name: &str) -> Result<()> {
        delete_kb_category_in(&self.conn, name).map(drop)
    }

    /// Every category: the listed ones and those articles use, sorted, distinct.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn kb_categories(&self) -> Result<Vec<String>> {
        kb_categories_in(&self.conn)
    }
}

/// An article as written by [`crate::Command::CreateArticle`] / `UpdateArticle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleConfig {
    /// Title, 1–200 characters.
    pub title: String,
    /// Category, 1–64 characters.
    pub category: String,
    /// Body, 1–200 000 characters.
    pub body: String,
    /// When it was written (shown as "last change").
    pub updated: Timestamp,
}

/// Adds a category; returns its row id (the change log's entity id).
pub(crate) fn create_kb_category_in(conn: &rusqlite::Connection, name: &str) -> Result<i64> {
    nonempty("kb_category.name", name, 64)?;
    if kb_categories_in(conn)?.iter().any(|c| c == name) {
        return Err(Invalid::new("kb_category.name", Rule::Duplicate).into());
    }
    conn.execute("INSERT INTO kb_categories(name) VALUES (?1)", [name])?;
    Ok(conn.last_insert_rowid())
}

/// Removes a category; returns the row id it had (0 for a category only articles named).
pub(crate) fn delete_kb_category_in(conn: &rusqlite::Connection, name: &str) -> Result<i64> {
    if conn
        .prepare_cached("SELECT 1 FROM kb_articles WHERE category = ?1")?
        .exists([name])?
    {
        return Err(Invalid::new("kb_category.name", Rule::InUse { by: "an article" }).into());
    }
    let id: Option<i64> = conn
        .query_row(
            "SELECT rowid FROM kb_categories WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Err(Invalid::new("kb_category.name", Rule::NoSuchReference).into());
    };
    conn.execute("DELETE FROM kb_categories WHERE rowid = ?1", [id])?;
    Ok(id)
}

fn kb_categories_in(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    let mut s = conn.prepare_cached(
        "SELECT name FROM kb_categories UNION SELECT category FROM kb_articles ORDER BY 1",
    )?;
    Ok(s.query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recordings::{Legs, Recording};
    use crate::{Command, CommandContext};

    fn store() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(d.path().join("t.db")).unwrap();
        (d, s)
    }
    const CTX: CommandContext<'static> = CommandContext {
        actor: "test",
        ts: Timestamp(1),
    };

    fn hours() -> BusinessHoursConfig {
        BusinessHoursConfig {
            name: "main".into(),
            utc_offset_min: 480,
            weekly: (0..5)
                .map(|day| OpenSpan {
                    day,
                    open_min: 9 * 60,
                    close_min: 18 * 60,
                })
                .collect(),
            holidays: vec![Holiday {
                date: "2026-10-01".into(),
                name: "National Day".into(),
            }],
        }
    }

    /// 2026-11-24 is a Tuesday; 00:00 UTC = 08:00 in Beijing.
    const TUE_0000_UTC: i64 = 1_795_478_400_000_000;

    #[test]
    fn dates_and_opening() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2026-11-24"),
            Some(TUE_0000_UTC / 86_400_000_000)
        );
        assert_eq!(parse_date("2026-02-29"), None);
        assert!(parse_date("2024-02-29").is_some());
        assert_eq!(parse_date("2026-1-01"), None);
        let h = hours();
        let at = |utc_h: i64| Timestamp(TUE_0000_UTC + utc_h * 3_600_000_000);
        assert!(!h.is_open(at(0))); // 08:00 local
        assert!(h.is_open(at(1))); // 09:00 local
        assert!(h.is_open(at(9))); // 17:00 local
        assert!(!h.is_open(at(10))); // 18:00 local
        assert!(!h.is_open(at(4 * 24 + 2))); // Saturday 10:00 local
        // National Day 2026 is a Thursday, closed all day.
        let nd = parse_date("2026-10-01").unwrap() * 86_400_000_000;
        assert!(!h.is_open(Timestamp(nd + 3 * 3_600_000_000)));
    }

    #[test]
    fn business_hours_go_through_validated_audited_commands() {
        let (_d, mut s) = store();
        let c = s
            .execute(CTX, &Command::CreateBusinessHours(hours()))
            .unwrap();
        assert_eq!(s.business_hours().unwrap()[0].config, hours());
        assert_eq!(
            s.changes_since(0).unwrap()[0].change.entity,
            Entity::BusinessHours
        );
        let rev = s.config_revision().unwrap();
        for bad in [
            BusinessHoursConfig {
                utc_offset_min: 900,
                ..hours()
            },
            BusinessHoursConfig {
                weekly: vec![OpenSpan {
                    day: 1,
                    open_min: 600,
                    close_min: 500,
                }],
                ..hours()
            },
            BusinessHoursConfig {
                holidays: vec![Holiday {
                    date: "2026-13-01".into(),
                    name: "x".into(),
                }],
                ..hours()
            },
            BusinessHoursConfig {
                weekly: vec![
                    OpenSpan {
                        day: 1,
                        open_min: 600,
                        close_min: 800,
                    },
                    OpenSpan {
                        day: 1,
                        open_min: 700,
                        close_min: 900,
                    },
                ],
                ..hours()
            },
        ] {
            let e = s
                .execute(
                    CTX,
                    &Command::UpdateBusinessHours {
                        id: c.id,
                        config: bad,
                    },
                )
                .unwrap_err();
            assert!(matches!(e, StoreError::Invalid(_)), "{e}");
        }
        // Duplicate name.
        assert!(matches!(
            s.execute(CTX, &Command::CreateBusinessHours(hours())),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.config_revision().unwrap(), rev);
        assert_eq!(s.business_hours().unwrap()[0].config, hours());
        s.execute(CTX, &Command::DeleteBusinessHours { id: c.id })
            .unwrap();
        assert!(s.business_hours().unwrap().is_empty());
        assert!(matches!(
            s.execute(CTX, &Command::DeleteBusinessHours { id: c.id }),
            Err(StoreError::NotFound { .. })
        ));
    }

    #[test]
    fn callbacks_schedule_list_close() {
        let (_d, mut s) = store();
        let cb = |agent: Option<&str>, due| NewCallback {
            customer_id: None,
            number: "+8613800138000".into(),
            due: Timestamp(due),
            agent: agent.map(Into::into),
            note: "call back about the refund".into(),
            created_by: "agent1".into(),
        };
        let a = s
            .schedule_callback(&cb(Some("2001"), 20), Timestamp(1))
            .unwrap();
        let b = s.schedule_callback(&cb(None, 10), Timestamp(1)).unwrap();
        s.schedule_callback(&cb(Some("2002"), 5), Timestamp(1))
            .unwrap();
        let mine: Vec<i64> = s
            .open_callbacks(Some("2001"), 10)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(mine, [b, a]);
        let mut bad = cb(None, 1);
        bad.number = "12ab".into();
        assert!(matches!(
            s.schedule_callback(&bad, Timestamp(1)),
            Err(StoreError::Invalid(_))
        ));
        bad = cb(None, 1);
        bad.customer_id = Some(99);
        assert!(s.schedule_callback(&bad, Timestamp(1)).is_err());
        s.close_callback(a, CallbackStatus::Done).unwrap();
        assert!(s.close_callback(a, CallbackStatus::Cancelled).is_err());
        assert!(matches!(
            s.close_callback(999, CallbackStatus::Done),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.open_callbacks(Some("2001"), 10).unwrap().len(), 1);
    }

    fn rec(s: &mut Store, n: i64, agent: &str) -> i64 {
        s.add_recording(&Recording {
            id: 0,
            call_id: format!("c{n}"),
            path: format!("/rec/{n}.wav"),
            legs: Legs::Both,
            started: Timestamp(n * 1000),
            duration_ms: 1000,
            paused: vec![],
            retain_until: None,
            agent: Some(agent.into()),
            queue: Some("sales".into()),
        })
        .unwrap()
    }

    #[test]
    fn qa_forms_scores_and_sampling() {
        let (_d, mut s) = store();
        let crit = [
            QaCriterion {
                name: "Greeting".into(),
                max: 10,
            },
            QaCriterion {
                name: "Resolution".into(),
                max: 20,
            },
        ];
        let f = s.create_qa_form("standard", &crit).unwrap();
        assert!(s.create_qa_form("standard", &crit).is_err());
        assert!(s.create_qa_form("empty", &[]).is_err());
        let ids: Vec<i64> = (1..=20)
            .map(|n| rec(&mut s, n, if n % 2 == 0 { "2001" } else { "2002" }))
            .collect();
        assert!(
            s.score_recording(ids[0], f, "sup", &[11, 5], "", Timestamp(5))
                .is_err()
        );
        assert!(
            s.score_recording(ids[0], f, "sup", &[5], "", Timestamp(5))
                .is_err()
        );
        assert!(
            s.score_recording(ids[0], f + 1, "sup", &[5, 5], "", Timestamp(5))
                .is_err()
        );
        assert!(matches!(
            s.score_recording(9999, f, "sup", &[5, 5], "", Timestamp(5)),
            Err(StoreError::NotFound { .. })
        ));
        s.score_recording(ids[0], f, "sup", &[8, 15], "good", Timestamp(5))
            .unwrap();
        let sc = s.recording_scores(ids[0]).unwrap();
        assert_eq!((sc[0].total, sc[0].max_total), (23, 30));

        let all = Timestamp(i64::MAX);
        let a = s
            .sample_unscored_recordings(Timestamp(0), all, None, 5, 42)
            .unwrap();
        assert_eq!(a.len(), 5);
        assert!(!a.contains(&ids[0]), "scored recordings are not sampled");
        assert_eq!(
            a,
            s.sample_unscored_recordings(Timestamp(0), all, None, 5, 42)
                .unwrap()
        );
        assert_ne!(
            a,
            s.sample_unscored_recordings(Timestamp(0), all, None, 5, 7)
                .unwrap()
        );
        let only = s
            .sample_unscored_recordings(Timestamp(0), all, Some("2001"), 50, 1)
            .unwrap();
        assert_eq!(only.len(), 10);
    }

    #[test]
    fn kb_categories_and_articles() {
        let (_d, mut s) = store();
        s.create_kb_category("billing").unwrap();
        assert!(s.create_kb_category("billing").is_err());
        assert!(s.create_kb_category(" ").is_err());
        let id = s
            .put_article(
                None,
                "Refunds",
                "payments",
                "Refunds within 30 days.",
                Timestamp(3),
            )
            .unwrap();
        assert_eq!(s.kb_categories().unwrap(), ["billing", "payments"]);
        assert!(s.delete_kb_category("payments").is_err());
        s.delete_kb_category("billing").unwrap();
        assert!(s.delete_kb_category("billing").is_err());
        assert_eq!(s.article(id).unwrap().unwrap().title, "Refunds");
        assert_eq!(s.articles(Some("payments")).unwrap().len(), 1);
        assert!(s.articles(Some("none")).unwrap().is_empty());
    }
}
