//! The journal writer: event-log rows, CDRs and customer interactions leave the call engine
//! through a bounded queue and are committed by one thread with its own store connection,
//! in batches.
//!
//! Why: the engine task runs the SIP UA, the switch and the call center on one tokio
//! thread. A synchronous commit there (`synchronous = FULL`: one fsync per transaction, four
//! per call) stalled every call on the box for the disk's fsync time, so calls failed after
//! SIP retransmissions at 200 calls/s (docs/sip-load.md). Now the engine only queues the row;
//! this thread takes whatever queued up while its previous commit was being fsynced and
//! commits it in one transaction ([`store::Store::commit_journal`]).
//!
//! Durability rule (docs/sip-load.md, "Durability"): a row is *committed* when its batch's
//! transaction returned, and from then on neither a kill nor a power cut loses it (WAL with
//! `synchronous = FULL`; the store's `crash_kill` test and the `hil` power-loss test). A row
//! still in the queue or in the batch being written is not committed yet: a kill or a power
//! cut at that moment loses it, at most [`QUEUE_ROWS`] rows plus one batch. A clean stop
//! (SIGTERM) commits everything queued before the daemon exits ([`Journal::close`]).
//!
//! Back-pressure, not loss: when the queue is full (the disk is slower than the calls), the
//! engine waits for room; when a commit fails (disk full, I/O error), the batch is kept and
//! tried again with a growing pause, so rows wait instead of being dropped. A row that
//! breaks a store rule is logged with its error and left out; the rest of its batch is
//! committed. Readers (the admin panel, reports, CTI, the console) keep their own
//! connections and see a row once its batch is committed.
//!
//! What it is not: not a cache (nothing is read back from it), not for configuration
//! commands (those stay synchronous: the caller needs their outcome).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use store::Store;
use store::journal::JournalRow;
use tracing::{debug, error, info, warn};

/// Rows the queue holds before the engine waits for the writer (about 1,500 calls' worth).
pub(crate) const QUEUE_ROWS: usize = 8192;
/// Rows committed in one transaction at most.
const MAX_BATCH: usize = 1024;
/// Tries of a failing batch once the daemon is stopping, before its rows are given up.
const TRIES_AT_STOP: u32 = 3;

/// Counters of the writer, for the log at exit and for tests.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Rows committed.
    pub(crate) rows: AtomicU64,
    /// Transactions committed.
    pub(crate) batches: AtomicU64,
    /// Times the engine found the queue full and waited.
    pub(crate) waits: AtomicU64,
    /// Rows refused by a store rule (logged).
    pub(crate) rejected: AtomicU64,
    /// Failed commits (each retried).
    pub(crate) failures: AtomicU64,
}

/// The engine's end of the queue.
#[derive(Debug, Clone)]
pub(crate) struct JournalTx {
    tx: SyncSender<JournalRow>,
    stats: Arc<Stats>,
}

impl JournalTx {
    /// Queues a row; waits for room when the queue is full (back-pressure).
    pub(crate) fn push(&self, row: JournalRow) {
        match self.tx.try_send(row) {
            Ok(()) => {}
            Err(TrySendError::Full(row)) => {
                self.stats.waits.fetch_add(1, Ordering::Relaxed);
                if self.tx.send(row).is_err() {
                    error!("journal writer gone: a row was not written");
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                error!("journal writer gone: a row was not written");
            }
        }
    }
}

/// The writer thread and its queue.
#[derive(Debug)]
pub(crate) struct Journal {
    tx: JournalTx,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    stats: Arc<Stats>,
}

impl Journal {
    /// Opens the writer's own connection to `db` and starts the thread.
    pub(crate) fn start(db: &Path) -> anyhow::Result<Self> {
        let store = Store::open(db)?;
        let (tx, rx) = sync_channel(QUEUE_ROWS);
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let thread = {
            let stop = Arc::clone(&stop);
            let stats = Arc::clone(&stats);
            std::thread::Builder::new()
                .name("journal".into())
                .spawn(move || writer(store, &rx, &stop, &stats))?
        };
        Ok(Self {
            tx: JournalTx {
                tx,
                stats: Arc::clone(&stats),
            },
            stop,
            thread,
            stats,
        })
    }

    /// A sender for the engine.
    pub(crate) fn sender(&self) -> JournalTx {
        self.tx.clone()
    }

    /// Commits everything queued so far and stops the thread (also when a sender is still
    /// held by a task that did not end).
    pub(crate) fn close(self) {
        let Self {
            tx,
            stop,
            thread,
            stats,
        } = self;
        drop(tx);
        stop.store(true, Ordering::Release);
        if thread.join().is_err() {
            error!("journal writer panicked");
        }
        let s = &stats;
        info!(
            rows = s.rows.load(Ordering::Relaxed),
            batches = s.batches.load(Ordering::Relaxed),
            waits = s.waits.load(Ordering::Relaxed),
            rejected = s.rejected.load(Ordering::Relaxed),
            failures = s.failures.load(Ordering::Relaxed),
            "journal closed"
        );
    }
}

fn writer(mut store: Store, rx: &Receiver<JournalRow>, stop: &AtomicBool, stats: &Stats) {
    let mut batch = Vec::with_capacity(64);
    loop {
        let first = match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        commit(&mut store, &batch, stop, stats);
        batch.clear();
    }
}

/// Commits one batch, trying again (with a growing pause) while SQLite fails; gives up only
/// when the daemon is stopping and [`TRIES_AT_STOP`] more tries failed.
fn commit(store: &mut Store, batch: &[JournalRow], stop: &AtomicBool, stats: &Stats) {
    let mut pause = Duration::from_millis(20);
    let mut tries_at_stop = 0;
    loop {
        match store.commit_journal(batch) {
            Ok(rejected) => {
                for r in &rejected {
                    warn!(row = ?batch.get(r.index), "journal: row not written: {}", r.error);
                }
                let n = rejected.len() as u64;
                stats.rejected.fetch_add(n, Ordering::Relaxed);
                stats
                    .rows
                    .fetch_add(batch.len() as u64 - n, Ordering::Relaxed);
                stats.batches.fetch_add(1, Ordering::Relaxed);
                debug!(rows = batch.len(), "journal batch committed");
                return;
            }
            Err(e) => {
                stats.failures.fetch_add(1, Ordering::Relaxed);
                if stop.load(Ordering::Acquire) {
                    tries_at_stop += 1;
                    if tries_at_stop > TRIES_AT_STOP {
                        error!(
                            rows = batch.len(),
                            "journal: commit failed at stop, rows not written: {e}"
                        );
                        return;
                    }
                }
                warn!(
                    rows = batch.len(),
                    retry_ms = pause.as_millis(),
                    "journal: commit failed, kept for a retry: {e}"
                );
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}
