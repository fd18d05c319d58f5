//! Menu: barge-in stops the prompt; first-digit timeouts with retries, then the fallback.

mod common;

use common::Host;
use ivr::{Action, CollectParams, Input, Target};

const MENU: &str = r#"{
  "version": 1, "name": "t", "start": "m",
  "nodes": {
    "m": {"type": "menu", "prompts": ["main-menu", "welcome"],
          "options": {"1": "sales", "2": "support"},
          "input": {"first_digit_timeout_ms": 4000, "retries": 2, "invalid_prompts": ["invalid"], "timeout_prompts": ["timeout"]},
          "on_invalid": "bye", "on_timeout": "operator"},
    "sales": {"type": "transfer", "target": {"queue": "701"}},
    "support": {"type": "transfer", "target": {"queue": "702"}},
    "operator": {"type": "transfer", "target": {"extension": "1001"}},
    "bye": {"type": "hangup", "prompts": ["goodbye"]}
  }
}"#;

#[test]
fn menu_starts_listening_and_plays_its_first_prompt() {
    let h = Host::new(MENU, "13800138000");
    assert_eq!(
        h.log,
        vec![
            Action::CollectDigits(CollectParams {
                max_digits: 1,
                terminator: None
            }),
            Action::Play {
                prompt: "main-menu".into(),
                language: ivr::Language::En
            },
        ]
    );
}

#[test]
fn digit_during_prompt_stops_it_and_chooses() {
    let mut h = Host::new(MENU, "13800138000");
    h.advance(500);
    let a = h.input(Input::Digit('2'));
    assert_eq!(a[0], Action::StopPlayback);
    assert!(
        matches!(&a[1], Action::Transfer { target: Target::Queue(q), .. } if q == "702"),
        "{a:?}"
    );
    // The second menu prompt never played.
    assert!(!Host::plays(&h.log).contains(&"welcome".to_owned()));
}

#[test]
fn no_stop_when_digit_comes_after_the_prompts() {
    let mut h = Host::new(MENU, "1");
    assert_eq!(h.finish_prompts(), ["main-menu", "welcome"]);
    h.advance(1000);
    let a = h.input(Input::Digit('1'));
    assert!(
        matches!(&a[..], [Action::Transfer { target: Target::Queue(q), .. }] if q == "701"),
        "{a:?}"
    );
}

#[test]
fn timeouts_retry_with_the_timeout_prompt_then_fall_back() {
    let mut h = Host::new(MENU, "1");
    for attempt in 0..3 {
        h.finish_prompts();
        let armed = h.call.poll_timeout().unwrap();
        // First-digit timer counts from the end of the last prompt.
        assert_eq!(
            armed,
            h.now + std::time::Duration::from_millis(4000),
            "attempt {attempt}"
        );
        // Early calls do nothing.
        h.call.handle_timeout(h.now, h.local);
        assert!(h.drain().is_empty());
        let a = h.fire_timeout();
        if attempt < 2 {
            assert_eq!(Host::plays(&a), ["timeout"], "attempt {attempt}");
        } else {
            assert!(
                matches!(&a[..], [Action::Transfer { target: Target::Extension(e), .. }] if e == "1001"),
                "{a:?}"
            );
        }
    }
    assert_eq!(
        Host::plays(&h.log),
        [
            "main-menu",
            "welcome",
            "timeout",
            "main-menu",
            "welcome",
            "timeout",
            "main-menu",
            "welcome"
        ]
    );
}

#[test]
fn barge_in_works_on_a_retry_prompt_too() {
    let mut h = Host::new(MENU, "1");
    h.finish_prompts();
    let a = h.fire_timeout();
    assert_eq!(Host::plays(&a), ["timeout"]);
    let a = h.input(Input::Digit('1'));
    assert_eq!(a[0], Action::StopPlayback);
    assert!(matches!(&a[1], Action::Transfer { .. }));
}
