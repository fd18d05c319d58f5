//! The look-up side of the host, played by the real store crate: what the switch does with
//! an [`Action::LookUp`](ivr::Action::LookUp).
//!
//! Demo convention (the store has no account table yet): an account number is the CRM
//! customer id followed by one Luhn check digit; the balance is the sum of the customer's
//! orders whose status is `unpaid`, in cents.

#![allow(unreachable_pub)]

use std::collections::BTreeMap;

use ivr::{LookUpOutcome, LookUpRequest, LookupKind};
use store::Store;

/// The account number of a customer id (id digits + Luhn check digit).
pub fn account_number(customer_id: i64) -> String {
    let base = customer_id.to_string();
    (0..10)
        .map(|d| format!("{base}{d}"))
        .find(|s| ivr::checksum::luhn(s))
        .expect("one check digit fits")
}

pub fn perform(store: &Store, req: &LookUpRequest) -> LookUpOutcome {
    match req.kind {
        LookupKind::CustomerByPhone => match store.customer_by_phone(&req.key) {
            Ok(Some(c)) => LookUpOutcome::Found(BTreeMap::from([
                ("id".to_owned(), c.id.to_string()),
                ("name".to_owned(), c.name),
                ("company".to_owned(), c.company),
                ("vip".to_owned(), c.vip.to_string()),
                (
                    "account_owner".to_owned(),
                    c.account_owner.unwrap_or_default(),
                ),
            ])),
            Ok(None) => LookUpOutcome::NotFound,
            Err(_) => LookUpOutcome::Failed,
        },
        LookupKind::AccountBalance => {
            let Some(id) = req
                .key
                .get(..req.key.len().saturating_sub(1))
                .and_then(|s| s.parse::<i64>().ok())
            else {
                return LookUpOutcome::NotFound;
            };
            match (store.customer(id), store.orders(id)) {
                (Ok(Some(c)), Ok(orders)) => {
                    let due: i64 = orders
                        .iter()
                        .filter(|o| o.status == "unpaid")
                        .map(|o| o.total_cents)
                        .sum();
                    LookUpOutcome::Found(BTreeMap::from([
                        ("customer_id".to_owned(), c.id.to_string()),
                        ("name".to_owned(), c.name),
                        ("balance_cents".to_owned(), due.to_string()),
                    ]))
                }
                (Ok(None), _) => LookUpOutcome::NotFound,
                _ => LookUpOutcome::Failed,
            }
        }
        // No bills or appointments in the store yet.
        _ => LookUpOutcome::Failed,
    }
}
