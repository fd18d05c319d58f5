//! The look-up side of the host, played by the real store crate: what the daemon does with
//! an [`Action::LookUp`](ivr::Action::LookUp) (`appliance/daemon/src/lookups.rs`), through
//! the same `store::Store::look_up` over the CRM's accounts, bills and appointments
//! (`store::billing`, schema v13), so the same variables: `account_balance` → `account`,
//! `customer_id`, `name`, `balance_cents`, `balance`, `currency`, `in_credit`; `bill` →
//! `account`, `period`, `amount_cents`, `amount`, `currency`, `due`, `status`;
//! `appointment` → `what`, `status`, `start_unix`, `date`, `time`, `when` (UTC).

#![allow(unreachable_pub, dead_code)]

use ivr::{LookUpOutcome, LookUpRequest, LookupKind};
use store::{Store, Timestamp};

/// The account number the tests give a customer: its id digits and one Luhn check digit
/// (the demo flow's collect node checks Luhn).
pub fn account_number(customer_id: i64) -> String {
    let base = customer_id.to_string();
    (0..10)
        .map(|d| format!("{base}{d}"))
        .find(|s| ivr::checksum::luhn(s))
        .expect("one check digit fits")
}

/// Answers one look-up from the store at store time 0 (appointments from then on).
pub fn perform(store: &Store, req: &LookUpRequest) -> LookUpOutcome {
    perform_at(store, req, Timestamp(0))
}

/// Answers one look-up from the store; `now` picks the next appointment.
pub fn perform_at(store: &Store, req: &LookUpRequest, now: Timestamp) -> LookUpOutcome {
    use store::billing::LookUp;
    let what = match req.kind {
        LookupKind::CustomerByPhone => LookUp::CustomerByPhone,
        LookupKind::AccountBalance => LookUp::AccountBalance,
        LookupKind::Bill => LookUp::Bill,
        LookupKind::Appointment => LookUp::Appointment,
        _ => return LookUpOutcome::NotFound,
    };
    match store.look_up(what, &req.key, now) {
        Ok(Some(vars)) => LookUpOutcome::Found(vars),
        Ok(None) => LookUpOutcome::NotFound,
        Err(_) => LookUpOutcome::Failed,
    }
}
