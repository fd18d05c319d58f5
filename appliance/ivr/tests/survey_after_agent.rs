//! Post-call CSAT survey: the switch hands the caller back after the agent leg; one digit
//! 1-5 is recorded; invalid keys and silence are retried, then the flow goes on unscored.

mod common;

use common::Host;
use ivr::{Action, HangupReason, Input, TransferOutcome};

const FLOW: &str = r#"{
  "version": 1, "name": "t", "start": "q", "post_call": "csat",
  "nodes": {
    "q": {"type": "transfer", "target": {"queue": "701"}, "on_fail": "bye"},
    "csat": {"type": "survey", "prompts": ["survey"], "input": {"retries": 1, "invalid_prompts": ["invalid"], "timeout_prompts": ["timeout"]}, "next": "bye"},
    "bye": {"type": "hangup", "prompts": ["goodbye"]}
  }
}"#;

fn back_from_agent() -> Host {
    let mut h = Host::new(FLOW, "13800138000");
    assert!(matches!(h.log.last(), Some(Action::Transfer { .. })));
    h.input(Input::TransferResult(TransferOutcome::Connected));
    assert!(h.call.with_agent());
    assert_eq!(h.call.poll_timeout(), None);
    h.advance(180_000);
    let a = h.input(Input::AgentLegEnded);
    assert_eq!(Host::plays(&a), ["survey"]);
    h
}

#[test]
fn score_is_recorded_with_the_call_data() {
    let mut h = back_from_agent();
    h.finish_prompts();
    let a = h.press("4");
    let Action::SurveyResult { score, data } = &a[0] else {
        panic!("{a:?}")
    };
    assert_eq!(*score, 4);
    assert_eq!(data.0["csat"], "4");
    assert_eq!(data.0["caller"], "13800138000");
    assert_eq!(Host::plays(&a), ["goodbye"]);
    h.finish_prompts();
    assert_eq!(h.log.last(), Some(&Action::Hangup(HangupReason::Flow)));
}

#[test]
fn out_of_range_key_is_retried_and_barge_in_works() {
    let mut h = back_from_agent();
    let a = h.press("7");
    assert_eq!(a[0], Action::StopPlayback);
    assert_eq!(Host::plays(&a), ["invalid"]);
    let a = h.press("5");
    assert!(
        matches!(
            a[..],
            [
                Action::StopPlayback,
                Action::SurveyResult { score: 5, .. },
                ..
            ]
        ),
        "{a:?}"
    );
}

#[test]
fn silence_ends_the_survey_without_a_score() {
    let mut h = back_from_agent();
    h.finish_prompts();
    h.fire_timeout();
    h.finish_prompts();
    let a = h.fire_timeout();
    assert_eq!(Host::plays(&a), ["goodbye"]);
    assert!(
        !h.log
            .iter()
            .any(|a| matches!(a, Action::SurveyResult { .. }))
    );
}

#[test]
fn without_post_call_the_ivr_hangs_up_after_the_agent() {
    let flow = FLOW.replace(r#""post_call": "csat","#, "").replace(r#""csat": {"type": "survey", "prompts": ["survey"], "input": {"retries": 1, "invalid_prompts": ["invalid"], "timeout_prompts": ["timeout"]}, "next": "bye"},"#, "");
    let mut h = Host::new(&flow, "1");
    h.input(Input::TransferResult(TransferOutcome::Connected));
    let a = h.input(Input::AgentLegEnded);
    assert_eq!(a, [Action::Hangup(HangupReason::AfterAgent)]);
}

#[test]
fn failed_transfer_takes_on_fail() {
    let mut h = Host::new(FLOW, "1");
    let a = h.input(Input::TransferResult(TransferOutcome::Failed));
    assert_eq!(Host::plays(&a), ["goodbye"]);
}
