//! The append-only event log: one table for call, queue and agent events (ARCHITECTURE rule 5).
//!
//! Rows are never updated or deleted (SQL triggers refuse it). Reports, wallboards and CDR
//! checks are computed from this log ([`crate::reports`]). Appends are batched: one
//! transaction and one prepared statement for a whole slice of events, which is what makes
//! thousands of appends per second cheap (BENCHMARKS.md).

use rusqlite::types::ToSql;
use rusqlite::{TransactionBehavior, params};

use crate::config::text_enum;
use crate::error::{Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

text_enum!(
    /// What happened. Durations in reports come from the timestamps of these events, never
    /// from figures in payloads.
    EventKind {
        /** A call entered the switch. */ CallStart = "call_start",
        /** The call was answered. */ CallAnswer = "call_answer",
        /** The call ended (payload: cause). */ CallEnd = "call_end",
        /** Caller joined a queue (`queue`). */ QueueEnter = "queue_enter",
        /** An agent is being rung for the call. */ QueueOffer = "queue_offer",
        /** Agent answered the queued call: the wait ends here. */ QueueConnect = "queue_connect",
        /** Caller hung up while waiting. */ QueueAbandon = "queue_abandon",
        /** Caller left the queue unanswered: timeout, full, closed, key (payload: reason). */ QueueExit = "queue_exit",
        /** Call transferred out of a queue visit (payload: to). */ QueueTransfer = "queue_transfer",
        /** The switch transferred the call (payload: `leg` that transferred it, `kind` blind or attended); a queue call's transfer also gets a `queue_transfer` row from the call center. */ CallTransfer = "call_transfer",
        /** Agent put the call on hold. */ CallHold = "call_hold",
        /** Agent retrieved the call. */ CallRetrieve = "call_retrieve",
        /** The agent's part of the call ended; after-call work starts. */ CallComplete = "call_complete",
        /** Agent logged on. */ AgentLogin = "agent_login",
        /** Agent logged off. */ AgentLogout = "agent_logout",
        /** Agent became available. */ AgentReady = "agent_ready",
        /** Agent not ready (payload: reason code). */ AgentNotReady = "agent_not_ready",
        /** After-call work ended; the agent is available again unless not ready was asked. */ AgentWrapupEnd = "agent_wrapup_end",
        /** The ACD chose an agent (payload: eligible agents, reason). */ RoutingDecision = "routing_decision",
        /** Call entered an IVR flow. */ IvrEnter = "ivr_enter",
        /** Call left the IVR (payload: outcome). */ IvrExit = "ivr_exit",
        /** Post-call survey answer (payload: score). */ Survey = "survey",
        /** A waiting caller asked to be called back and keeps their place (payload: position); not an abandon. */ QueueCallback = "queue_callback",
        /** A voicemail message was recorded (payload: mailbox, recording id). */ Voicemail = "voicemail",
        /** A supervisor acted on an agent from the wallboard (payload: actor, action, detail): the audit trail of forced states and monitoring. */ SupervisorAction = "supervisor_action",
    }
);

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// When it happened.
    pub ts: Timestamp,
    /// What happened.
    pub kind: EventKind,
    /// Call it belongs to.
    pub call_id: Option<String>,
    /// Queue name.
    pub queue: Option<String>,
    /// Agent number.
    pub agent: Option<String>,
    /// Anything else, a JSON object.
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event with no call, queue, agent or payload; add them with the builder methods.
    #[must_use]
    pub fn new(ts: Timestamp, kind: EventKind) -> Self {
        Self {
            ts,
            kind,
            call_id: None,
            queue: None,
            agent: None,
            payload: serde_json::Value::Object(serde_json::Map::new()),
        }
    }
    /// Sets the call.
    #[must_use]
    pub fn call(mut self, id: impl Into<String>) -> Self {
        self.call_id = Some(id.into());
        self
    }
    /// Sets the queue.
    #[must_use]
    pub fn queue(mut self, q: impl Into<String>) -> Self {
        self.queue = Some(q.into());
        self
    }
    /// Sets the agent.
    #[must_use]
    pub fn agent(mut self, a: impl Into<String>) -> Self {
        self.agent = Some(a.into());
        self
    }
    /// Sets the payload.
    #[must_use]
    pub fn payload(mut self, p: serde_json::Value) -> Self {
        self.payload = p;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        for (field, v) in [
            ("event.call_id", &self.call_id),
            ("event.queue", &self.queue),
            ("event.agent", &self.agent),
        ] {
            if let Some(v) = v {
                if v.is_empty() {
                    return Err(Invalid::new(field, Rule::Empty));
                }
                if v.len() > 128 {
                    return Err(Invalid::new(field, Rule::TooLong { max: 128 }));
                }
            }
        }
        if !self.payload.is_object() {
            return Err(Invalid::new("event.payload", Rule::BadJson));
        }
        Ok(())
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the log (strictly increasing in append order).
    pub id: i64,
    /// When it happened.
    pub ts: Timestamp,
    /// What happened.
    pub kind: EventKind,
    /// Call.
    pub call_id: Option<String>,
    /// Queue.
    pub queue: Option<String>,
    /// Agent.
    pub agent: Option<String>,
    /// Payload object.
    pub payload: serde_json::Value,
}

/// Which events to read; every set field narrows the selection.
#[derive(Debug, Clone, Default)]
pub struct EventFilter<'a> {
    /// `ts >= from`.
    pub from: Option<Timestamp>,
    /// `ts < to`.
    pub to: Option<Timestamp>,
    /// Any of these kinds (empty: all).
    pub kinds: &'a [EventKind],
    /// This call.
    pub call_id: Option<&'a str>,
    /// This queue.
    pub queue: Option<&'a str>,
    /// This agent.
    pub agent: Option<&'a str>,
    /// `id > after_id` (resume tailing the log).
    pub after_id: Option<i64>,
    /// At most this many (default 10 000).
    pub limit: Option<u32>,
}

pub(crate) fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let kind: String = r.get(2)?;
    let payload: String = r.get(6)?;
    let bad = |column| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(StoreError::BadStoredValue {
                table: "events",
                column,
            }),
        )
    };
    Ok(Event {
        id: r.get(0)?,
        ts: Timestamp(r.get(1)?),
        kind: EventKind::parse(&kind).ok_or_else(|| bad("kind"))?,
        call_id: r.get(3)?,
        queue: r.get(4)?,
        agent: r.get(5)?,
        payload: serde_json::from_str(&payload).map_err(|_| bad("payload"))?,
    })
}

pub(crate) const EVENT_COLS: &str = "id, ts, kind, call_id, queue, agent, payload";

/// Inserts one (already validated) event row; the one INSERT of the log, shared by
/// [`Store::append_events`] and the journal ([`Store::commit_journal`]).
pub(crate) fn insert_event_row(conn: &rusqlite::Connection, e: &NewEvent) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO events(ts, kind, call_id, queue, agent, payload) VALUES (?1,?2,?3,?4,?5,?6)",
    )?
    .execute(params![
        e.ts.0,
        e.kind.as_str(),
        e.call_id,
        e.queue,
        e.agent,
        e.payload.to_string()
    ])?;
    Ok(())
}

impl Store {
    /// Appends a batch of events in one transaction; returns the id of the first and last
    /// (`None` for an empty batch). Either the whole batch is in the log or none of it.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad event (nothing appended), SQLite errors.
    pub fn append_events(&mut self, events: &[NewEvent]) -> Result<Option<(i64, i64)>> {
        for e in events {
            e.validate()?;
        }
        if events.is_empty() {
            return Ok(None);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut first = 0;
        for (i, e) in events.iter().enumerate() {
            insert_event_row(&tx, e)?;
            if i == 0 {
                first = tx.last_insert_rowid();
            }
        }
        let last = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Some((first, last)))
    }

    /// Appends one event (its own transaction); prefer [`Self::append_events`] for bursts.
    ///
    /// # Errors
    /// As [`Self::append_events`].
    pub fn append_event(&mut self, event: &NewEvent) -> Result<i64> {
        let ids = self.append_events(core::slice::from_ref(event))?;
        Ok(ids.map_or(0, |(f, _)| f))
    }

    /// Reads events matching `filter`, in log order (by id).
    ///
    /// # Errors
    /// SQLite errors, [`StoreError::BadStoredValue`].
    pub fn events(&self, filter: &EventFilter<'_>) -> Result<Vec<Event>> {
        let mut sql = format!("SELECT {EVENT_COLS} FROM events WHERE 1");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut push = |sql: &mut String, cond: &str, v: Box<dyn ToSql>| {
            args.push(v);
            sql.push_str(&format!(" AND {cond} ?{}", args.len()));
        };
        if let Some(f) = filter.from {
            push(&mut sql, "ts >=", Box::new(f.0));
        }
        if let Some(t) = filter.to {
            push(&mut sql, "ts <", Box::new(t.0));
        }
        if let Some(c) = filter.call_id {
            push(&mut sql, "call_id =", Box::new(c.to_owned()));
        }
        if let Some(q) = filter.queue {
            push(&mut sql, "queue =", Box::new(q.to_owned()));
        }
        if let Some(a) = filter.agent {
            push(&mut sql, "agent =", Box::new(a.to_owned()));
        }
        if let Some(a) = filter.after_id {
            push(&mut sql, "id >", Box::new(a));
        }
        if !filter.kinds.is_empty() {
            let list: Vec<String> = filter
                .kinds
                .iter()
                .map(|k| format!("'{}'", k.as_str()))
                .collect();
            sql.push_str(&format!(" AND kind IN ({})", list.join(",")));
        }
        sql.push_str(&format!(
            " ORDER BY id LIMIT {}",
            filter.limit.unwrap_or(10_000)
        ));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), row_to_event)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Id of the newest event (0 when the log is empty).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn last_event_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?)
    }
}
