//! The look-up side of the host, played by the real store crate: what the daemon does with
//! an [`Action::LookUp`](ivr::Action::LookUp) (`appliance/daemon/src/lookups.rs`), from the
//! CRM's accounts, bills and appointments (`store::billing`, schema v13), with the same
//! variables: `account_balance` → `account`, `customer_id`, `name`, `balance_cents`,
//! `balance`, `currency`, `in_credit`; `bill` → `account`, `period`, `amount_cents`,
//! `amount`, `currency`, `due`, `status`; `appointment` → `what`, `status`, `start_unix`,
//! `date`, `time`, `when` (UTC).

#![allow(unreachable_pub, dead_code)]

use std::collections::BTreeMap;

use ivr::{LookUpOutcome, LookUpRequest, LookupKind};
use store::billing::{decimal, utc_date_time};
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

fn found<const N: usize>(pairs: [(&str, String); N]) -> LookUpOutcome {
    LookUpOutcome::Found(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Answers one look-up from the store at store time 0 (appointments from then on).
pub fn perform(store: &Store, req: &LookUpRequest) -> LookUpOutcome {
    perform_at(store, req, Timestamp(0))
}

/// Answers one look-up from the store; `now` picks the next appointment.
pub fn perform_at(store: &Store, req: &LookUpRequest, now: Timestamp) -> LookUpOutcome {
    let r: store::Result<LookUpOutcome> = (|| {
        Ok(match req.kind {
            LookupKind::CustomerByPhone => match store.customer_by_phone(&req.key)? {
                Some(c) => found([
                    ("id", c.id.to_string()),
                    ("name", c.name),
                    ("company", c.company),
                    ("vip", c.vip.to_string()),
                    ("account_owner", c.account_owner.unwrap_or_default()),
                ]),
                None => LookUpOutcome::NotFound,
            },
            LookupKind::AccountBalance => match store.account_by_number(&req.key)? {
                Some(a) => {
                    let name = store
                        .customer(a.customer_id)?
                        .map(|c| c.name)
                        .unwrap_or_default();
                    found([
                        ("account", a.number),
                        ("customer_id", a.customer_id.to_string()),
                        ("name", name),
                        ("balance_cents", a.balance_minor.to_string()),
                        ("balance", decimal(a.balance_minor)),
                        ("currency", a.currency),
                        ("in_credit", (a.balance_minor < 0).to_string()),
                    ])
                }
                None => LookUpOutcome::NotFound,
            },
            LookupKind::Bill => {
                let Some(a) = store.account_by_number(&req.key)? else {
                    return Ok(LookUpOutcome::NotFound);
                };
                match store.latest_bill(a.id)? {
                    Some(b) => found([
                        ("account", a.number),
                        ("period", b.config.period),
                        ("amount_cents", b.config.amount_minor.to_string()),
                        ("amount", decimal(b.config.amount_minor)),
                        ("currency", a.currency),
                        ("due", b.config.due_date),
                        ("status", b.config.status.as_str().to_owned()),
                    ]),
                    None => LookUpOutcome::NotFound,
                }
            }
            LookupKind::Appointment => match store.next_appointment(&req.key, now)? {
                Some(ap) => {
                    let (date, time) = utc_date_time(ap.config.start);
                    found([
                        ("what", ap.config.what),
                        ("status", ap.config.status.as_str().to_owned()),
                        (
                            "start_unix",
                            ap.config.start.0.div_euclid(1_000_000).to_string(),
                        ),
                        ("when", format!("{date} {time}")),
                        ("date", date),
                        ("time", time),
                    ])
                }
                None => LookUpOutcome::NotFound,
            },
            _ => LookUpOutcome::NotFound,
        })
    })();
    r.unwrap_or(LookUpOutcome::Failed)
}
