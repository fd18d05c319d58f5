//! Call detail records: one row per call, written by the switch when the call ends.

use rusqlite::{OptionalExtension, params};

use crate::config::text_enum;
use crate::error::{Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

text_enum!(
    /// How the call ended.
    Disposition { /** Answered. */ Answered = "answered", /** Not answered. */ NoAnswer = "no_answer", /** Busy. */ Busy = "busy", /** Failed (no route, congestion…). */ Failed = "failed" }
);
text_enum!(
    /// Direction relative to the box.
    Direction { /** From outside in. */ Inbound = "inbound", /** From inside out. */ Outbound = "outbound", /** Between local phones. */ Internal = "internal" }
);

/// One call detail record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdr {
    /// Call id (unique).
    pub call_id: String,
    /// Call start.
    pub start: Timestamp,
    /// Answer time.
    pub answer: Option<Timestamp>,
    /// End.
    pub end: Timestamp,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Direction.
    pub direction: Direction,
    /// Outcome.
    pub disposition: Disposition,
    /// Q.850 cause.
    pub cause: Option<u8>,
    /// Originating channel, e.g. `span1/3` or `sip/1001`.
    pub src_channel: String,
    /// Destination channel.
    pub dst_channel: Option<String>,
    /// Queue, for queue calls.
    pub queue: Option<String>,
    /// Agent who answered.
    pub agent: Option<String>,
}

impl Cdr {
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.call_id.is_empty() {
            return Err(Invalid::new("cdr.call_id", Rule::Empty));
        }
        if self.end < self.start {
            return Err(Invalid::new("cdr.end", Rule::EndBeforeStart));
        }
        if let Some(a) = self.answer
            && (a < self.start || a > self.end)
        {
            return Err(Invalid::new(
                "cdr.answer",
                Rule::OutOfRange {
                    min: self.start.0,
                    max: self.end.0,
                },
            ));
        }
        if (self.disposition == Disposition::Answered) != self.answer.is_some() {
            return Err(Invalid::new(
                "cdr.answer",
                Rule::Conflicts {
                    other: "cdr.disposition",
                },
            ));
        }
        if self.src_channel.is_empty() {
            return Err(Invalid::new("cdr.src_channel", Rule::Empty));
        }
        Ok(())
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Cdr> {
    let bad = |column| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(StoreError::BadStoredValue {
                table: "cdrs",
                column,
            }),
        )
    };
    Ok(Cdr {
        call_id: r.get(0)?,
        start: Timestamp(r.get(1)?),
        answer: r.get::<_, Option<i64>>(2)?.map(Timestamp),
        end: Timestamp(r.get(3)?),
        caller: r.get(4)?,
        callee: r.get(5)?,
        direction: Direction::parse(&r.get::<_, String>(6)?).ok_or_else(|| bad("direction"))?,
        disposition: Disposition::parse(&r.get::<_, String>(7)?)
            .ok_or_else(|| bad("disposition"))?,
        cause: r.get(8)?,
        src_channel: r.get(9)?,
        dst_channel: r.get(10)?,
        queue: r.get(11)?,
        agent: r.get(12)?,
    })
}

pub(crate) const COLS: &str = "call_id, start_ts, answer_ts, end_ts, caller, callee, direction, disposition, cause, src_channel, dst_channel, queue, agent";

/// Inserts one (already validated) CDR unless its call already has one; returns the rows
/// written (0 for a duplicate call id). The one INSERT of CDRs, shared by
/// [`Store::insert_cdr`] and the journal ([`Store::commit_journal`]).
pub(crate) fn insert_cdr_row(conn: &rusqlite::Connection, c: &Cdr) -> rusqlite::Result<usize> {
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO cdrs({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
    ))?
    .execute(params![
        c.call_id,
        c.start.0,
        c.answer.map(|a| a.0),
        c.end.0,
        c.caller,
        c.callee,
        c.direction.as_str(),
        c.disposition.as_str(),
        c.cause,
        c.src_channel,
        c.dst_channel,
        c.queue,
        c.agent
    ])
}

impl Store {
    /// Writes a CDR; returns its row id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (bad times, answered without answer time, duplicate call id).
    pub fn insert_cdr(&mut self, c: &Cdr) -> Result<i64> {
        c.validate()?;
        let n = insert_cdr_row(&self.conn, c)?;
        if n == 0 {
            return Err(Invalid::new("cdr.call_id", Rule::Duplicate).into());
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// The CDR of a call.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn cdr(&self, call_id: &str) -> Result<Option<Cdr>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {COLS} FROM cdrs WHERE call_id = ?1"))?;
        Ok(s.query_row([call_id], row).optional()?)
    }

    /// CDRs started in `[from, to)`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn cdrs(&self, from: Timestamp, to: Timestamp, limit: u32) -> Result<Vec<Cdr>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {COLS} FROM cdrs WHERE start_ts >= ?1 AND start_ts < ?2 ORDER BY start_ts, id LIMIT ?3"
        ))?;
        Ok(s.query_map(params![from.0, to.0, limit], row)?
            .collect::<rusqlite::Result<_>>()?)
    }
}
