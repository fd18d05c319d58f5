//! The journal: event-log rows, CDRs and customer interactions appended in batches, one
//! transaction per batch.
//!
//! What it is: [`Store::commit_journal`], the write the daemon's journal writer thread makes
//! for every batch it drains from its queue. A busy call engine produces four rows per call
//! (call start, answer, end and the CDR); committing each on its own costs an fsync each
//! (`synchronous = FULL`, see [`Store::open`]), so the writer gathers what queued up while
//! the previous commit was being fsynced and commits it in one transaction.
//!
//! Durability: a row is committed when [`Store::commit_journal`] returns `Ok`; from then on
//! neither a kill nor a power cut loses it (WAL, FULL). A batch is all or nothing for SQLite
//! failures (I/O, busy): on `Err` nothing of it is in the database and the caller keeps the
//! rows to try again. A row that breaks a rule (an event without a kind's required field,
//! a CDR whose end is before its start, a second CDR for the same call, an interaction
//! naming a customer that does not exist) is reported in the returned list and the rest of
//! the batch is committed without it: one bad row never holds back the others.
//!
//! What it is not: no queue, no thread, no clock: the daemon owns those.

use rusqlite::TransactionBehavior;

use crate::cdr::{Cdr, insert_cdr_row};
use crate::crm::{Interaction, insert_interaction_row};
use crate::events::{NewEvent, insert_event_row};
use crate::{Invalid, Result, Rule, Store, StoreError};

/// One row for the journal, in the order the daemon produced it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JournalRow {
    /// An event-log row.
    Event(NewEvent),
    /// A call detail record.
    Cdr(Cdr),
    /// A customer's history entry (an agent's part of a call, [`Store::record_interaction`]).
    Interaction(Interaction),
}

/// A row of a batch that was not written, and why.
#[derive(Debug)]
pub struct Rejected {
    /// Its index in the batch.
    pub index: usize,
    /// The rule it broke.
    pub error: StoreError,
}

impl Store {
    /// Appends `rows` (events, CDRs and interactions, in order) in one transaction.
    ///
    /// Returns the rows that broke a rule and were left out (their index and error); every
    /// other row is committed, in the order given, when this returns `Ok`.
    ///
    /// # Errors
    /// SQLite errors (I/O, busy beyond the timeout): then nothing of the batch was written.
    pub fn commit_journal(&mut self, rows: &[JournalRow]) -> Result<Vec<Rejected>> {
        let mut rejected = Vec::new();
        if rows.is_empty() {
            return Ok(rejected);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (index, row) in rows.iter().enumerate() {
            match row {
                JournalRow::Event(e) => {
                    if let Err(error) = e.validate() {
                        rejected.push(Rejected {
                            index,
                            error: error.into(),
                        });
                        continue;
                    }
                    insert_event_row(&tx, e)?;
                }
                JournalRow::Cdr(c) => {
                    if let Err(error) = c.validate() {
                        rejected.push(Rejected {
                            index,
                            error: error.into(),
                        });
                        continue;
                    }
                    if insert_cdr_row(&tx, c)? == 0 {
                        rejected.push(Rejected {
                            index,
                            error: Invalid::new("cdr.call_id", Rule::Duplicate).into(),
                        });
                    }
                }
                JournalRow::Interaction(i) => match insert_interaction_row(&tx, i) {
                    Ok(_) => {}
                    Err(StoreError::Invalid(error)) => rejected.push(Rejected {
                        index,
                        error: error.into(),
                    }),
                    Err(e) => return Err(e),
                },
            }
        }
        tx.commit()?;
        Ok(rejected)
    }
}
