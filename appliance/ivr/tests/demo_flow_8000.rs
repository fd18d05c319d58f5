//! The demo flow for 8000 (issue 6) validates and routes as the issue says: 1 sales 701,
//! 2 support 702, 9 balance look-up, 0 operator; 8 switches language; holidays go to
//! voicemail. The transfer carries what the IVR learnt.

mod common;

use std::collections::BTreeMap;

use common::{Host, flow, office_hours};
use ivr::{Action, Input, Language, LocalTime, LookUpOutcome, Target};

fn at_menu(caller: &str) -> Host {
    let mut h = Host::with_flow(flow(ivr::DEMO_FLOW_8000), caller, office_hours());
    let Some(Action::LookUp(req)) = h.log.last().cloned() else {
        panic!("{:?}", h.log)
    };
    let found = BTreeMap::from([
        ("name".to_owned(), "Han Meimei".to_owned()),
        ("vip".to_owned(), "false".to_owned()),
    ]);
    h.input(Input::LookUpResult {
        id: req.id,
        outcome: LookUpOutcome::Found(found),
    });
    assert_eq!(h.finish_prompts(), ["welcome", "main-menu"]);
    h
}

fn target_after(key: &str) -> (Target, ivr::CallData) {
    let mut h = at_menu("13900000000");
    match h.press(key).last().cloned() {
        Some(Action::Transfer { target, data }) => (target, data),
        other => panic!("{other:?}"),
    }
}

#[test]
fn demo_flow_is_valid() {
    let f = ivr::Flow::from_json(ivr::DEMO_FLOW_8000).unwrap();
    let v = ivr::validate(&f).unwrap();
    assert_eq!(v.flow().name, "main");
    assert_eq!(f.all_languages(), [Language::Zh, Language::En]);
}

#[test]
fn keys_route_as_in_the_issue_and_carry_call_data() {
    let (t, data) = target_after("1");
    assert_eq!(t, Target::Queue("701".into()));
    assert_eq!(data.0["caller"], "13900000000");
    assert_eq!(data.0["called"], "8000");
    assert_eq!(data.0["customer.name"], "Han Meimei");
    assert_eq!(data.0["language"], "zh");
    assert_eq!(target_after("2").0, Target::Queue("702".into()));
    assert_eq!(target_after("0").0, Target::Queue("702".into()));
}

#[test]
fn key_8_switches_the_prompt_language() {
    let mut h = at_menu("1");
    let a = h.press("8");
    assert_eq!(
        a,
        [
            Action::CollectDigits(ivr::CollectParams {
                max_digits: 1,
                terminator: None
            }),
            Action::Play {
                prompt: "main-menu".into(),
                language: Language::En
            }
        ]
    );
    h.finish_prompts();
    let Some(Action::Transfer { data, .. }) = h.press("1").last().cloned() else {
        panic!()
    };
    assert_eq!(data.0["language"], "en");
}

#[test]
fn holiday_goes_to_voicemail() {
    let h = Host::with_flow(
        flow(ivr::DEMO_FLOW_8000),
        "1",
        LocalTime::new(2026, 10, 3, 11, 0, 0).unwrap(),
    );
    assert_eq!(Host::plays(&h.log), ["closed"]);
    let mut h = h;
    h.finish_prompts();
    assert!(matches!(h.log.last(), Some(Action::Voicemail { mailbox, .. }) if mailbox == "702"));
    assert!(h.call.is_finished());
}
