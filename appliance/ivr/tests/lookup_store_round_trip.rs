//! Look-ups: the engine asks, the real store (temporary SQLite database: CRM customer,
//! account, bill and appointment of `store::billing`) answers as the daemon does, the engine
//! reads the result out (amounts, negative balances, due dates and appointment times) and
//! carries it to the agent. The flow itself is stored, activated and read back through the
//! store's versioned `ivr_flows`.

mod common;
#[path = "common/store_host.rs"]
mod store_host;

use std::sync::Arc;

use common::{Host, office_hours};
use ivr::{Action, Input, LookUpOutcome, LookupKind, Target};
use store::billing::{AccountConfig, AppointmentConfig, AppointmentStatus, BillConfig, BillStatus};
use store::crm::{NewContact, NewCustomer};
use store::{Command, CommandContext, Store, Timestamp};

/// 2026-12-01 09:30 UTC.
const APPOINTMENT_UNIX: i64 = 1_796_117_400;

fn seeded() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("ivr.db")).unwrap();
    let id = s
        .create_customer(
            &NewCustomer {
                name: "李雷".into(),
                vip: true,
                contacts: vec![NewContact {
                    name: "李雷".into(),
                    phone: "138-0013-8000".into(),
                    email: String::new(),
                }],
                ..NewCustomer::default()
            },
            Timestamp(1),
        )
        .unwrap();
    let account = s
        .create_account(&AccountConfig {
            number: store_host::account_number(id),
            customer_id: id,
            balance_minor: 12_345,
            currency: "CNY".into(),
        })
        .unwrap();
    for (period, cents, due, status) in [
        ("2026-10", 9_900, "2026-11-15", BillStatus::Paid),
        ("2026-11", 4_560, "2026-12-15", BillStatus::Open),
    ] {
        s.add_bill(&BillConfig {
            account_id: account,
            period: period.into(),
            amount_minor: cents,
            due_date: due.into(),
            status,
        })
        .unwrap();
    }
    s.add_appointment(&AppointmentConfig {
        customer_id: id,
        account_id: Some(account),
        start: Timestamp(APPOINTMENT_UNIX * 1_000_000),
        what: "meter reading".into(),
        status: AppointmentStatus::Confirmed,
    })
    .unwrap();
    (dir, s, id)
}

/// Stores the demo flow as a new version, activates it, and reads the active one back.
fn active_demo_flow(s: &mut Store) -> Arc<ivr::ValidFlow> {
    let ctx = CommandContext {
        actor: "test",
        ts: Timestamp(3),
    };
    let ch = s
        .execute(
            ctx,
            &Command::CreateIvrFlowVersion {
                name: "main".into(),
                flow: ivr::DEMO_FLOW_8000.into(),
            },
        )
        .unwrap();
    // Validate before activation, as the admin panel does.
    let stored = s
        .ivr_flows()
        .unwrap()
        .into_iter()
        .find(|f| f.id == ch.id)
        .unwrap();
    let valid = ivr::parse_and_validate(&stored.flow).unwrap();
    s.execute(ctx, &Command::ActivateIvrFlow { id: ch.id })
        .unwrap();
    let active = s
        .ivr_flows()
        .unwrap()
        .into_iter()
        .find(|f| f.name == "main" && f.active)
        .unwrap();
    assert_eq!(active.flow, stored.flow);
    Arc::new(valid)
}

/// Answers look-ups from the store until the engine asks for something else.
fn serve(h: &mut Host, s: &Store) -> Vec<LookUpOutcome> {
    let mut answers = Vec::new();
    while let Some(Action::LookUp(req)) = h.log.last().cloned() {
        let out = store_host::perform(s, &req);
        answers.push(out.clone());
        h.advance(20);
        h.input(Input::LookUpResult {
            id: req.id,
            outcome: out,
        });
    }
    answers
}

#[test]
fn balance_is_looked_up_read_out_and_carried_to_the_agent() {
    let (_d, mut s, id) = seeded();
    let flow = active_demo_flow(&mut s);
    let mut h = Host::with_flow(flow, "13800138000", office_hours());
    // Caller look-up (screen pop) first.
    assert!(
        matches!(h.log.last(), Some(Action::LookUp(r)) if r.kind == LookupKind::CustomerByPhone && r.key == "13800138000")
    );
    let answers = serve(&mut h, &s);
    assert!(matches!(&answers[..], [LookUpOutcome::Found(f)] if f["vip"] == "true"));
    assert_eq!(h.finish_prompts(), ["welcome", "main-menu"]);
    h.press("9");
    h.finish_prompts();
    let account = store_host::account_number(id);
    h.press(&format!("{account}#"));
    match h.log.last() {
        Some(Action::LookUp(r)) => {
            assert_eq!(
                (r.kind, r.key.as_str()),
                (LookupKind::AccountBalance, account.as_str())
            );
        }
        other => panic!("{other:?}"),
    }
    serve(&mut h, &s);
    assert_eq!(h.call.var("acct.balance_cents"), Some("12345"));
    // 123 yuan 4 jiao 5 fen, in Mandarin (the demo flow starts in zh).
    assert_eq!(
        h.finish_prompts(),
        [
            "your-balance-is",
            "num-1",
            "num-hundred",
            "num-2",
            "num-10",
            "num-3",
            "currency-major",
            "num-4",
            "num-jiao",
            "num-5",
            "currency-minor",
            "account-menu"
        ]
    );
    // 2: the latest bill (45.60, due 2026-12-15), back to the account menu.
    h.press("2");
    let answers = serve(&mut h, &s);
    assert!(matches!(&answers[..], [LookUpOutcome::Found(f)] if f["period"] == "2026-11"));
    let said = h.finish_prompts();
    assert_eq!(
        said[..10],
        [
            "your-bill-is",
            "num-4",
            "num-10",
            "num-5",
            "currency-major",
            "num-6",
            "num-jiao",
            "bill-due-on",
            "num-2",
            "num-0"
        ],
        "{said:?}"
    );
    assert_eq!(said.last().map(String::as_str), Some("account-menu"));
    // 3: the next appointment, its date and time, and its status.
    h.press("3");
    let answers = serve(&mut h, &s);
    assert!(matches!(&answers[..], [LookUpOutcome::Found(f)] if f["when"] == "2026-12-01 09:30"));
    let said = h.finish_prompts();
    assert_eq!(said[0], "your-appointment-is", "{said:?}");
    assert_eq!(
        said[said.len() - 2..],
        ["appointment-confirmed", "account-menu"],
        "{said:?}"
    );
    // 0: the main menu; 2 there: support, with what was looked up.
    h.press("0");
    assert_eq!(h.finish_prompts(), ["main-menu"]);
    h.press("2");
    let Some(Action::Transfer { target, data }) = h.log.last().cloned() else {
        panic!("{:?}", h.log.last())
    };
    assert_eq!(target, Target::Queue("702".into()));
    assert_eq!(data.0["account"], account);
    assert_eq!(data.0["acct.balance_cents"], "12345");
    assert_eq!(data.0["bill.amount_cents"], "4560");
    assert_eq!(data.0["appt.status"], "confirmed");
    assert_eq!(data.0["customer.name"], "李雷");
    assert_eq!(data.0["caller"], "13800138000");
    assert_eq!(data.to_json()["customer.vip"], "true");
}

#[test]
fn unknown_account_and_unknown_caller() {
    let (_d, mut s, id) = seeded();
    let flow = active_demo_flow(&mut s);
    let mut h = Host::with_flow(flow, "02099999999", office_hours());
    assert!(matches!(&serve(&mut h, &s)[..], [LookUpOutcome::NotFound]));
    h.finish_prompts();
    h.press("9");
    h.finish_prompts();
    // Valid Luhn, but no such customer.
    let other = store_host::account_number(id + 100);
    h.press(&format!("{other}#"));
    assert!(matches!(&serve(&mut h, &s)[..], [LookUpOutcome::NotFound]));
    assert_eq!(h.finish_prompts(), ["account-not-found", "main-menu"]);
}

#[test]
fn look_up_timeout_takes_the_error_branch_and_late_answers_are_ignored() {
    let (_d, mut s, _) = seeded();
    let flow = active_demo_flow(&mut s);
    let mut h = Host::with_flow(flow, "13800138000", office_hours());
    let Some(Action::LookUp(req)) = h.log.last().cloned() else {
        panic!()
    };
    let a = h.fire_timeout();
    // The caller look-up's on_error continues to the welcome prompt.
    assert_eq!(Host::plays(&a), ["welcome"]);
    let a = h.input(Input::LookUpResult {
        id: req.id,
        outcome: store_host::perform(&s, &req),
    });
    assert!(a.is_empty());
    assert_eq!(h.call.var("customer.name"), None);
}

#[test]
fn a_balance_in_credit_is_read_out_as_minus() {
    let (_d, mut s, id) = seeded();
    let account = store_host::account_number(id);
    let a = s.account_by_number(&account).unwrap().unwrap();
    s.update_account(
        a.id,
        &AccountConfig {
            number: a.number,
            customer_id: a.customer_id,
            balance_minor: -1_250,
            currency: a.currency,
        },
    )
    .unwrap();
    let flow = active_demo_flow(&mut s);
    let mut h = Host::with_flow(flow, "13800138000", office_hours());
    serve(&mut h, &s);
    h.finish_prompts();
    h.press("9");
    h.finish_prompts();
    h.press(&format!("{account}#"));
    serve(&mut h, &s);
    assert_eq!(h.call.var("acct.in_credit"), Some("true"));
    // 负十二元五角, in Mandarin.
    assert_eq!(
        h.finish_prompts(),
        [
            "your-balance-is",
            "num-minus",
            "num-10",
            "num-2",
            "currency-major",
            "num-5",
            "num-jiao",
            "account-menu"
        ]
    );
}

/// A flow reading the latest bill (amount and due date) and the next appointment (date
/// and time) of account `account`, in `lang`.
fn billing_flow(account: &str, lang: &str) -> String {
    format!(
        r#"{{
  "version": 1,
  "name": "billing",
  "start": "bill",
  "language": "{lang}",
  "nodes": {{
    "bill": {{"type": "lookup", "request": "bill", "key": "{account}", "var": "bill",
      "on_found": "say-bill", "on_not_found": "bye", "on_error": "bye"}},
    "say-bill": {{"type": "say", "var": "bill.amount_cents", "as": "amount",
      "before": ["your-balance-is"], "next": "say-due"}},
    "say-due": {{"type": "say", "var": "bill.due", "as": "date", "next": "appt"}},
    "appt": {{"type": "lookup", "request": "appointment", "key": "{account}", "var": "appt",
      "on_found": "say-appt", "on_not_found": "bye", "on_error": "bye"}},
    "say-appt": {{"type": "say", "var": "appt.when", "as": "date", "next": "bye"}},
    "bye": {{"type": "hangup", "prompts": ["goodbye"]}}
  }}
}}"#
    )
}

#[test]
fn the_bill_due_date_and_the_appointment_time_are_read_out_in_both_languages() {
    let (_d, s, id) = seeded();
    let account = store_host::account_number(id);
    let mut h = Host::new(&billing_flow(&account, "en"), "13800138000");
    serve(&mut h, &s);
    assert_eq!(h.call.var("bill.due"), Some("2026-12-15"));
    let mut played = h.finish_prompts();
    serve(&mut h, &s);
    assert_eq!(h.call.var("appt.when"), Some("2026-12-01 09:30"));
    played.extend(h.finish_prompts());
    assert_eq!(
        played,
        [
            // 45 yuan 60 fen, due December fifteenth 2026.
            "your-balance-is",
            "num-40",
            "num-5",
            "currency-major",
            "num-60",
            "currency-minor",
            "month-12",
            "day-15",
            "num-2",
            "num-thousand",
            "num-20",
            "num-6",
            // December first 2026, nine thirty.
            "month-12",
            "day-1",
            "num-2",
            "num-thousand",
            "num-20",
            "num-6",
            "num-9",
            "num-30",
            "goodbye"
        ]
    );

    let mut h = Host::new(&billing_flow(&account, "zh"), "13800138000");
    serve(&mut h, &s);
    let mut played = h.finish_prompts();
    serve(&mut h, &s);
    played.extend(h.finish_prompts());
    assert_eq!(
        played,
        [
            // 四十五元六角; 二零二六年十二月十五日; 二零二六年十二月一日九点三十分.
            "your-balance-is",
            "num-4",
            "num-10",
            "num-5",
            "currency-major",
            "num-6",
            "num-jiao",
            "num-2",
            "num-0",
            "num-2",
            "num-6",
            "date-year",
            "num-10",
            "num-2",
            "date-month",
            "num-10",
            "num-5",
            "date-day",
            "num-2",
            "num-0",
            "num-2",
            "num-6",
            "date-year",
            "num-10",
            "num-2",
            "date-month",
            "num-1",
            "date-day",
            "num-9",
            "time-hour",
            "num-3",
            "num-10",
            "time-minute",
            "goodbye"
        ]
    );
}
