//! Look-ups: the engine asks, the real store (temporary SQLite database) answers, the engine
//! reads the result out and carries it to the agent. The flow itself is stored, activated and
//! read back through the store's versioned `ivr_flows`.

mod common;
#[path = "common/store_host.rs"]
mod store_host;

use std::sync::Arc;

use common::{Host, office_hours};
use ivr::{Action, Input, LookUpOutcome, LookupKind, Target};
use store::crm::{NewContact, NewCustomer, Order};
use store::{Command, CommandContext, Store, Timestamp};

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
    for (reference, status, cents) in [
        ("A-1", "unpaid", 12_000),
        ("A-2", "paid", 99_900),
        ("A-3", "unpaid", 345),
    ] {
        s.add_order(&Order {
            id: 0,
            customer_id: id,
            reference: reference.into(),
            placed: Timestamp(2),
            status: status.into(),
            total_cents: cents,
            currency: "CNY".into(),
            items: serde_json::json!([]),
        })
        .unwrap();
    }
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
            "main-menu"
        ]
    );
    h.press("2");
    let Some(Action::Transfer { target, data }) = h.log.last().cloned() else {
        panic!("{:?}", h.log.last())
    };
    assert_eq!(target, Target::Queue("702".into()));
    assert_eq!(data.0["account"], account);
    assert_eq!(data.0["acct.balance_cents"], "12345");
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
