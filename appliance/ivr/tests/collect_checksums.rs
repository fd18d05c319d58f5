//! Collect: lengths, terminator, inter-digit timeout, pattern, Luhn and GB 11643 checks.

mod common;

use common::Host;
use ivr::checksum::{gb11643, luhn};
use ivr::{Action, CollectParams, Input};

fn flow(extra: &str) -> String {
    format!(
        r#"{{
  "version": 1, "name": "t", "start": "c",
  "nodes": {{
    "c": {{"type": "collect", "prompts": ["enter-account"], "var": "acct", {extra},
          "input": {{"first_digit_timeout_ms": 5000, "inter_digit_timeout_ms": 3000, "retries": 1, "invalid_prompts": ["invalid"], "timeout_prompts": ["timeout"]}},
          "next": "ok", "on_fail": "fail"}},
    "ok": {{"type": "transfer", "target": {{"queue": "702"}}}},
    "fail": {{"type": "hangup", "prompts": ["goodbye"]}}
  }}
}}"#
    )
}

fn transferred(h: &Host) -> bool {
    matches!(h.log.last(), Some(Action::Transfer { .. }))
}

#[test]
fn reference_check_digits() {
    // Luhn: the ISO/IEC 7812 example and the usual test card number.
    assert!(luhn("79927398713"));
    assert!(!luhn("79927398710"));
    assert!(luhn("4111111111111111"));
    assert!(!luhn("4111111111111112"));
    assert!(!luhn("7"));
    assert!(!luhn("79a27398713"));
    // GB 11643-1999 annex example 11010519491231002X, and a digit-check one.
    assert!(gb11643("11010519491231002X"));
    assert!(gb11643("11010519491231002*"));
    assert!(!gb11643("110105194912310020"));
    assert!(gb11643("440524188001010014"));
    assert!(!gb11643("440524188001010015"));
    assert!(!gb11643("44052418800101001"));
}

#[test]
fn luhn_valid_with_terminator() {
    let mut h = Host::new(
        &flow(r#""min_len": 4, "max_len": 16, "checksum": "luhn""#),
        "1",
    );
    assert_eq!(
        h.log[0],
        Action::CollectDigits(CollectParams {
            max_digits: 16,
            terminator: Some('#')
        })
    );
    h.finish_prompts();
    h.press("79927398713#");
    assert!(transferred(&h), "{:?}", h.log);
    assert_eq!(h.call.var("acct"), Some("79927398713"));
}

#[test]
fn luhn_invalid_retries_then_fails() {
    let mut h = Host::new(
        &flow(r#""min_len": 4, "max_len": 16, "checksum": "luhn""#),
        "1",
    );
    h.finish_prompts();
    let a = h.press("79927398710#");
    assert_eq!(Host::plays(&a), ["invalid"]);
    assert_eq!(h.call.var("acct"), None);
    h.finish_prompts();
    let a = h.press("1234#");
    assert_eq!(Host::plays(&a), ["goodbye"]);
}

#[test]
fn gb11643_id_with_star_for_x_stops_at_max_len() {
    let mut h = Host::new(
        &flow(r#""min_len": 18, "max_len": 18, "checksum": "gb11643""#),
        "1",
    );
    h.finish_prompts();
    // 18 keys end the entry without a terminator.
    h.press("11010519491231002*");
    assert!(transferred(&h), "{:?}", h.log);
    assert_eq!(h.call.var("acct"), Some("11010519491231002*"));
}

#[test]
fn gb11643_bad_check_digit_is_invalid() {
    let mut h = Host::new(
        &flow(r#""min_len": 18, "max_len": 18, "checksum": "gb11643""#),
        "1",
    );
    h.finish_prompts();
    let a = h.press("110105194912310021");
    assert_eq!(Host::plays(&a), ["invalid"]);
}

#[test]
fn inter_digit_timeout_completes_the_entry() {
    let mut h = Host::new(&flow(r#""min_len": 3, "max_len": 8"#), "1");
    h.finish_prompts();
    h.press("123");
    assert_eq!(
        h.call.poll_timeout(),
        Some(h.now + std::time::Duration::from_millis(3000))
    );
    h.fire_timeout();
    assert!(transferred(&h));
    assert_eq!(h.call.var("acct"), Some("123"));
}

#[test]
fn too_short_is_invalid() {
    let mut h = Host::new(&flow(r#""min_len": 4, "max_len": 8"#), "1");
    h.finish_prompts();
    let a = h.press("12#");
    assert_eq!(Host::plays(&a), ["invalid"]);
}

#[test]
fn pattern_must_match_the_whole_entry() {
    let f = flow(r#""min_len": 6, "max_len": 6, "pattern": "[1-9][0-9]{4}0""#);
    let mut h = Host::new(&f, "1");
    h.finish_prompts();
    let a = h.press("012340");
    assert_eq!(Host::plays(&a), ["invalid"]);
    h.finish_prompts();
    h.press("512340");
    assert!(transferred(&h));
}

#[test]
fn typing_during_the_prompt_barges_in_and_counts() {
    let mut h = Host::new(&flow(r#""min_len": 2, "max_len": 4"#), "1");
    let a = h.input(Input::Digit('4'));
    assert_eq!(a, [Action::StopPlayback]);
    h.press("2#");
    assert_eq!(h.call.var("acct"), Some("42"));
}

#[test]
fn terminator_alone_counts_as_no_input() {
    let mut h = Host::new(&flow(r#""min_len": 2, "max_len": 4"#), "1");
    h.finish_prompts();
    let a = h.press("#");
    assert_eq!(Host::plays(&a), ["timeout"]);
}
