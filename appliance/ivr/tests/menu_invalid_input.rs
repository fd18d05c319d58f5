//! Menu: invalid keys replay the invalid prompt and the menu; after the retries the
//! `on_invalid` branch runs. Digits during plain prompts are ignored.

mod common;

use common::Host;
use ivr::{Action, HangupReason, Input};

const MENU: &str = r#"{
  "version": 1, "name": "t", "start": "hello",
  "nodes": {
    "hello": {"type": "play", "prompts": ["welcome"], "next": "m"},
    "m": {"type": "menu", "prompts": ["main-menu"], "options": {"1": "q"},
          "input": {"retries": 1, "invalid_prompts": ["invalid"]},
          "on_invalid": "bye", "on_timeout": "bye"},
    "q": {"type": "transfer", "target": {"queue": "701"}},
    "bye": {"type": "hangup", "prompts": ["goodbye"]}
  }
}"#;

#[test]
fn invalid_key_then_valid_key() {
    let mut h = Host::new(MENU, "1");
    h.finish_prompts();
    let a = h.press("7");
    assert_eq!(Host::plays(&a), ["invalid"]);
    assert_eq!(h.finish_prompts(), ["invalid", "main-menu"]);
    let a = h.press("1");
    assert!(matches!(&a[..], [Action::Transfer { .. }]), "{a:?}");
}

#[test]
fn invalid_twice_goes_to_on_invalid() {
    let mut h = Host::new(MENU, "1");
    h.finish_prompts();
    h.press("7");
    h.finish_prompts();
    let a = h.press("*");
    assert_eq!(Host::plays(&a), ["goodbye"]);
    h.finish_prompts();
    assert_eq!(h.log.last(), Some(&Action::Hangup(HangupReason::Flow)));
    assert!(h.call.is_finished());
}

#[test]
fn digits_during_a_play_node_are_ignored() {
    let mut h = Host::new(MENU, "1");
    assert_eq!(Host::plays(&h.log), ["welcome"]);
    let a = h.press("1");
    assert!(a.is_empty(), "{a:?}");
    assert_eq!(h.finish_prompts(), ["welcome", "main-menu"]);
}

#[test]
fn caller_hang_up_ends_the_call_silently() {
    let mut h = Host::new(MENU, "1");
    let a = h.input(Input::CallerHungUp);
    assert!(a.is_empty());
    assert!(h.call.is_finished());
    assert_eq!(h.call.poll_timeout(), None);
}
