//! IVR look-ups (`customer_by_phone`, `account_balance`, `bill`, `appointment`), answered
//! from the store on their own thread with their own connection, never on the engine task.
//!
//! The call engine runs the SIP UA, the switch and the call center on one tokio thread: a
//! store read there (tens of microseconds, or the busy timeout while a backup or a journal
//! commit holds the database) holds up every call on the box. So the engine only queues the
//! request ([`Lookups::ask`]); this thread reads the store ([`perform`]) and sends the
//! outcome back as [`ToEngine::LookUp`], which the engine hands to the call center. The
//! IVR's own look-up timeout (`timeout_ms` of the node) still bounds the wait; an answer
//! that comes after it is ignored by the IVR.
//!
//! Variables each look-up sets (under the node's `var` prefix, e.g. `acct.balance_cents`;
//! the mapping is [`store::Store::look_up`]'s, shared with the IVR's tests):
//! - `customer_by_phone` (key: a phone number in any written form): `id`, `name`,
//!   `company`, `vip`, `account_owner`;
//! - `account_balance` (key: account number): `account`, `customer_id`, `name`,
//!   `balance_cents` (minor units, negative when in credit), `balance` (`123.45`),
//!   `currency`, `in_credit` (`true`/`false`);
//! - `bill` (key: account number; the latest period): `account`, `period`,
//!   `amount_cents`, `amount`, `currency`, `due` (`YYYY-MM-DD`), `status` (`open`/`paid`);
//! - `appointment` (key: account number, else a phone number; the next one from now):
//!   `what`, `status` (`booked`/`confirmed`/`cancelled`), `start_unix`, `date`
//!   (`YYYY-MM-DD`), `time` (`HH:MM`), `when` (`YYYY-MM-DD HH:MM`), all UTC.
//!
//! No such record: `NotFound`; a store error: `Failed` (logged).
//!
//! Not here: writing anything (look-ups only read), caching.

use std::path::Path;
use std::sync::mpsc as smpsc;

use store::{Store, Timestamp};
use tokio::sync::mpsc::WeakUnboundedSender;
use tracing::{debug, warn};

use crate::calls::ToEngine;

/// One look-up to perform.
#[derive(Debug)]
struct Job {
    call: switch::engine::CallId,
    request: ivr::LookUpRequest,
    now: Timestamp,
}

/// The engine's handle on the look-up thread.
#[derive(Debug)]
pub(crate) struct Lookups {
    tx: smpsc::Sender<Job>,
}

impl Lookups {
    /// Queues a look-up for `call`; `false` when the thread is gone (the caller then
    /// answers `Failed` itself).
    pub(crate) fn ask(
        &self,
        call: switch::engine::CallId,
        request: ivr::LookUpRequest,
        now: Timestamp,
    ) -> bool {
        self.tx.send(Job { call, request, now }).is_ok()
    }
}

/// Starts the look-up thread with its own connection to `db`. It answers through `engine`
/// (weak: it does not keep the engine alive) and ends when the engine drops its
/// [`Lookups`].
///
/// # Errors
/// The store cannot be opened or the thread cannot start.
pub(crate) fn start(db: &Path, engine: WeakUnboundedSender<ToEngine>) -> anyhow::Result<Lookups> {
    let store = Store::open(db)?;
    let (tx, rx) = smpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("lookups".into())
        .spawn(move || {
            while let Ok(job) = rx.recv() {
                let outcome = perform(&store, &job.request, job.now);
                let Some(engine) = engine.upgrade() else {
                    break;
                };
                let _ = engine.send(ToEngine::LookUp {
                    call: job.call,
                    id: job.request.id,
                    outcome,
                });
            }
            debug!("look-up thread ends");
        })?;
    Ok(Lookups { tx })
}

/// Answers one look-up from the store (see the module doc for the variables).
pub(crate) fn perform(
    store: &Store,
    req: &ivr::LookUpRequest,
    now: Timestamp,
) -> ivr::LookUpOutcome {
    use store::billing::LookUp;
    let what = match req.kind {
        ivr::LookupKind::CustomerByPhone => LookUp::CustomerByPhone,
        ivr::LookupKind::AccountBalance => LookUp::AccountBalance,
        ivr::LookupKind::Bill => LookUp::Bill,
        ivr::LookupKind::Appointment => LookUp::Appointment,
        other => {
            debug!(?other, "look-up kind unknown to the daemon: not found");
            return ivr::LookUpOutcome::NotFound;
        }
    };
    match store.look_up(what, &req.key, now) {
        Ok(Some(vars)) => ivr::LookUpOutcome::Found(vars),
        Ok(None) => ivr::LookUpOutcome::NotFound,
        Err(e) => {
            warn!(kind = ?req.kind, "IVR look-up failed: {e}");
            ivr::LookUpOutcome::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn req(kind: ivr::LookupKind, key: &str) -> ivr::LookUpRequest {
        ivr::LookUpRequest {
            id: 1,
            kind,
            key: key.into(),
        }
    }

    fn vars(o: ivr::LookUpOutcome) -> BTreeMap<String, String> {
        match o {
            ivr::LookUpOutcome::Found(v) => v,
            other => panic!("{other:?}"),
        }
    }

    /// Every kind against the demo's CRM rows in a real store.
    #[test]
    fn the_demo_account_answers_every_kind() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(dir.path().join("a.db")).unwrap();
        let seeded = Timestamp::from_secs(1_700_000_000);
        st.seed_demo(seeded).unwrap().unwrap();
        let acct = store::DEMO_ACCOUNT;
        let v = vars(perform(
            &st,
            &req(ivr::LookupKind::AccountBalance, acct),
            seeded,
        ));
        assert_eq!(v["balance_cents"], "12345");
        assert_eq!(v["balance"], "123.45");
        assert_eq!(v["currency"], "CNY");
        assert_eq!(v["name"], "Demo customer");
        assert_eq!(v["in_credit"], "false");
        let v = vars(perform(&st, &req(ivr::LookupKind::Bill, acct), seeded));
        assert_eq!(
            (
                v["amount"].as_str(),
                v["due"].as_str(),
                v["status"].as_str()
            ),
            ("99.00", "2026-11-15", "open")
        );
        let v = vars(perform(
            &st,
            &req(ivr::LookupKind::Appointment, acct),
            seeded,
        ));
        // Seeded three days after 2023-11-14 22:13:20 UTC.
        assert_eq!(v["when"], "2023-11-17 22:13");
        assert_eq!(v["status"], "booked");
        // By the customer's phone number too.
        let v = vars(perform(
            &st,
            &req(ivr::LookupKind::Appointment, "0755 1234 5678"),
            seeded,
        ));
        assert_eq!(v["what"], "meter reading");
        // Past it: none.
        assert_eq!(
            perform(
                &st,
                &req(ivr::LookupKind::Appointment, acct),
                Timestamp::from_secs(1_800_000_000)
            ),
            ivr::LookUpOutcome::NotFound
        );
        for kind in [ivr::LookupKind::AccountBalance, ivr::LookupKind::Bill] {
            assert_eq!(
                perform(&st, &req(kind, "42"), seeded),
                ivr::LookUpOutcome::NotFound
            );
        }
    }
}
