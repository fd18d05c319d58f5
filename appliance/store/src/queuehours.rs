//! Which business-hours calendar each queue is open by (table `queue_calendars`, schema
//! step v10). A queue with a calendar is closed outside its weekly hours and on its
//! holidays: the call center sends new callers to the queue's closed destination. Set with
//! [`crate::config::Command::SetQueueCalendar`] (audited as an update of the queue, so a
//! SIGHUP applies it); read with [`Store::queue_calendar`] / [`Store::queue_calendars`].
//!
//! Not here: the calendars themselves ([`crate::desk::BusinessHoursConfig`]) and the
//! open/closed decision (the `callcenter` crate's `Calendar`).

use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Op, Store};

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
}

/// [`crate::config::Command::SetQueueCalendar`] inside the command's transaction.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    queue: i64,
    hours: Option<i64>,
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
            tx.execute(
                "INSERT INTO queue_calendars(queue_id, hours_id) VALUES (?1, ?2)
                 ON CONFLICT(queue_id) DO UPDATE SET hours_id = excluded.hours_id",
                params![queue, h],
            )?;
        }
        None => {
            tx.execute("DELETE FROM queue_calendars WHERE queue_id = ?1", [queue])?;
        }
    }
    Ok((Entity::Queue, queue, Op::Update))
}
