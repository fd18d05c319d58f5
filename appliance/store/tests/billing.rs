//! CRM accounts, bills and appointments (schema step v13, `store::billing`): written,
//! read back and updated; bad values refused with the field named and nothing written;
//! deleting the customer deletes them.

use store::billing::{AccountConfig, AppointmentConfig, AppointmentStatus, BillConfig, BillStatus};
use store::crm::{NewContact, NewCustomer};
use store::{Store, StoreError, Timestamp};

fn field(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.field,
        other => panic!("{other:?}"),
    }
}

fn customer(s: &mut Store, name: &str, phone: &str) -> i64 {
    s.create_customer(
        &NewCustomer {
            name: name.into(),
            contacts: vec![NewContact {
                name: name.into(),
                phone: phone.into(),
                email: String::new(),
            }],
            ..NewCustomer::default()
        },
        Timestamp(1),
    )
    .unwrap()
}

#[test]
fn accounts_bills_and_appointments_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("b.db")).unwrap();
    let li = customer(&mut s, "Li Lei", "138 0013 8000");
    let han = customer(&mut s, "Han Meimei", "139 0013 9000");
    let acct = AccountConfig {
        number: "79927398713".into(),
        customer_id: li,
        balance_minor: 12_345,
        currency: "CNY".into(),
    };
    let a = s.create_account(&acct).unwrap();
    let got = s.account_by_number("79927398713").unwrap().unwrap();
    assert_eq!(
        (
            got.id,
            got.customer_id,
            got.balance_minor,
            got.currency.as_str()
        ),
        (a, li, 12_345, "CNY")
    );
    assert!(s.account_by_number("1").unwrap().is_none());
    // Bad accounts: nothing written.
    for (bad, f) in [
        (
            AccountConfig {
                number: "7992a".into(),
                ..acct.clone()
            },
            "account.number",
        ),
        (acct.clone(), "account.number"),
        (
            AccountConfig {
                number: "42".into(),
                currency: "cny".into(),
                ..acct.clone()
            },
            "account.currency",
        ),
        (
            AccountConfig {
                number: "42".into(),
                customer_id: 999,
                ..acct.clone()
            },
            "account.customer_id",
        ),
    ] {
        assert_eq!(field(s.create_account(&bad).unwrap_err()), f);
    }
    assert_eq!(s.accounts(None, 10).unwrap().len(), 1);
    s.update_account(
        a,
        &AccountConfig {
            balance_minor: -500,
            ..acct.clone()
        },
    )
    .unwrap();
    assert_eq!(s.account(a).unwrap().unwrap().balance_minor, -500);
    assert!(matches!(
        s.update_account(999, &acct).unwrap_err(),
        StoreError::NotFound { .. }
    ));

    // Bills: latest period first; one per period; marked paid by an update.
    let bill = |period: &str, due: &str, amount| BillConfig {
        account_id: a,
        period: period.into(),
        amount_minor: amount,
        due_date: due.into(),
        status: BillStatus::Open,
    };
    s.add_bill(&bill("2026-09", "2026-10-15", 8_800)).unwrap();
    let oct = s.add_bill(&bill("2026-10", "2026-11-15", 9_900)).unwrap();
    assert_eq!(
        field(s.add_bill(&bill("2026-10", "2026-11-15", 1)).unwrap_err()),
        "bill.period"
    );
    assert_eq!(
        field(s.add_bill(&bill("2026-13", "2026-11-15", 1)).unwrap_err()),
        "bill.period"
    );
    assert_eq!(
        field(s.add_bill(&bill("2026-11", "15/12/2026", 1)).unwrap_err()),
        "bill.due_date"
    );
    assert_eq!(
        field(s.add_bill(&bill("2026-11", "2026-12-15", -1)).unwrap_err()),
        "bill.amount_minor"
    );
    let latest = s.latest_bill(a).unwrap().unwrap();
    assert_eq!(
        (latest.id, latest.config.amount_minor, latest.config.status),
        (oct, 9_900, BillStatus::Open)
    );
    s.update_bill(
        oct,
        &BillConfig {
            status: BillStatus::Paid,
            ..bill("2026-10", "2026-11-15", 9_900)
        },
    )
    .unwrap();
    assert_eq!(s.bills(a).unwrap()[0].config.status, BillStatus::Paid);
    assert_eq!(s.bills(a).unwrap().len(), 2);

    // Appointments: the next one by account number or by phone number.
    let at = |secs: i64, what: &str, account, status| AppointmentConfig {
        customer_id: li,
        account_id: account,
        start: Timestamp::from_secs(secs),
        what: what.into(),
        status,
    };
    s.add_appointment(&at(
        1_000,
        "past visit",
        Some(a),
        AppointmentStatus::Confirmed,
    ))
    .unwrap();
    let next = s
        .add_appointment(&at(
            5_000,
            "meter reading",
            Some(a),
            AppointmentStatus::Booked,
        ))
        .unwrap();
    s.add_appointment(&at(3_000, "sales call", None, AppointmentStatus::Booked))
        .unwrap();
    let now = Timestamp::from_secs(2_000);
    let by_account = s.next_appointment("79927398713", now).unwrap().unwrap();
    assert_eq!(by_account.id, next);
    let by_phone = s.next_appointment("13800138000", now).unwrap().unwrap();
    assert_eq!(by_phone.config.what, "sales call");
    assert!(s.next_appointment("0000", now).unwrap().is_none());
    s.update_appointment(
        next,
        &at(
            5_000,
            "meter reading",
            Some(a),
            AppointmentStatus::Cancelled,
        ),
    )
    .unwrap();
    assert_eq!(
        s.next_appointment("79927398713", now)
            .unwrap()
            .unwrap()
            .config
            .status,
        AppointmentStatus::Cancelled
    );
    // Han's appointment cannot name Li's account; empty `what` is refused.
    let wrong = AppointmentConfig {
        customer_id: han,
        ..at(6_000, "x", Some(a), AppointmentStatus::Booked)
    };
    assert_eq!(
        field(s.add_appointment(&wrong).unwrap_err()),
        "appointment.account_id"
    );
    assert_eq!(
        field(
            s.add_appointment(&at(6_000, " ", None, AppointmentStatus::Booked))
                .unwrap_err()
        ),
        "appointment.what"
    );
    assert_eq!(s.appointments(li).unwrap().len(), 3);

    // The customer goes, and everything of it.
    s.delete_customer(li).unwrap();
    assert!(s.account(a).unwrap().is_none());
    assert!(s.bills(a).unwrap().is_empty());
    assert!(s.appointments(li).unwrap().is_empty());
    s.check_integrity().unwrap();
}
