//! The validator: each broken flow is rejected with the right node and rule, and every
//! problem of a flow is reported at once.

use ivr::{Flow, Rule, ValidationErrors, validate};

fn errs(json: &str) -> ValidationErrors {
    let f = Flow::from_json(json).unwrap_or_else(|e| panic!("parse: {e}"));
    validate(&f).unwrap_err()
}

/// A flow whose `x` node is `node`, reached from a menu.
fn with(node: &str) -> String {
    format!(
        r#"{{"version": 1, "name": "t", "start": "m", "nodes": {{
  "m": {{"type": "menu", "prompts": ["main-menu"], "options": {{"1": "x"}}, "on_invalid": "end", "on_timeout": "end"}},
  "x": {node},
  "end": {{"type": "hangup"}}
}}}}"#
    )
}

fn one(json: &str, node: Option<&str>, rule: &Rule) {
    let e = errs(json);
    assert!(e.has(node, rule), "want {node:?} {rule:?}, got: {e}");
}

#[test]
fn good_flow_passes() {
    let f = Flow::from_json(&with(r#"{"type": "transfer", "target": {"queue": "701"}}"#)).unwrap();
    validate(&f).unwrap();
}

#[test]
fn unknown_next_node() {
    one(
        &with(r#"{"type": "play", "prompts": ["welcome"], "next": "nowhere"}"#),
        Some("x"),
        &Rule::UnknownNode {
            field: "next",
            target: "nowhere".into(),
        },
    );
    one(
        r#"{"version": 1, "name": "t", "start": "a", "nodes": {"b": {"type": "hangup"}}}"#,
        None,
        &Rule::UnknownNode {
            field: "start",
            target: "a".into(),
        },
    );
}

#[test]
fn unreachable_node() {
    let j = r#"{"version": 1, "name": "t", "start": "a", "nodes": {
        "a": {"type": "hangup"}, "orphan": {"type": "hangup"}}}"#;
    one(j, Some("orphan"), &Rule::Unreachable);
}

#[test]
fn loop_without_input() {
    let j = r#"{"version": 1, "name": "t", "start": "a", "nodes": {
        "a": {"type": "play", "prompts": ["welcome"], "next": "b"},
        "b": {"type": "set", "var": "x", "value": "1", "next": "a"}}}"#;
    one(
        j,
        Some("a"),
        &Rule::LoopWithoutInput {
            cycle: vec!["a".into(), "b".into()],
        },
    );
    let self_loop = r#"{"version": 1, "name": "t", "start": "a", "nodes": {
        "a": {"type": "condition", "branches": [{"when": {"weekdays": ["mon"]}, "next": "a"}], "otherwise": "z"},
        "z": {"type": "hangup"}}}"#;
    one(
        self_loop,
        Some("a"),
        &Rule::LoopWithoutInput {
            cycle: vec!["a".into()],
        },
    );
    // A loop through a menu is fine (the caller acts each time; max_steps bounds it).
    let menu_loop = r#"{"version": 1, "name": "t", "start": "m", "nodes": {
        "m": {"type": "menu", "prompts": ["main-menu"], "options": {"1": "p"}, "on_invalid": "m", "on_timeout": "m"},
        "p": {"type": "play", "prompts": ["welcome"], "next": "m"}}}"#;
    validate(&Flow::from_json(menu_loop).unwrap()).unwrap();
}

#[test]
fn missing_prompts() {
    one(
        &with(r#"{"type": "play", "prompts": [], "next": "end"}"#),
        Some("x"),
        &Rule::MissingPrompt { field: "prompts" },
    );
    one(
        &with(r#"{"type": "survey", "next": "end"}"#),
        Some("x"),
        &Rule::MissingPrompt { field: "prompts" },
    );
    one(
        &with(r#"{"type": "play", "prompts": ["Welcome!"], "next": "end"}"#),
        Some("x"),
        &Rule::BadPromptId("Welcome!".into()),
    );
}

#[test]
fn menu_without_branches_and_bad_keys() {
    let j = r#"{"version": 1, "name": "t", "start": "m", "nodes": {
        "m": {"type": "menu", "prompts": ["main-menu"], "options": {"1": "e", "12": "e", "x": "e"}},
        "e": {"type": "hangup"}}}"#;
    let e = errs(j);
    for r in [
        Rule::MenuWithoutBranch("on_invalid"),
        Rule::MenuWithoutBranch("on_timeout"),
        Rule::BadOptionKey("12".into()),
        Rule::BadOptionKey("x".into()),
    ] {
        assert!(e.has(Some("m"), &r), "{r:?}: {e}");
    }
    assert_eq!(e.0.len(), 4, "{e}");
}

#[test]
fn collect_rules() {
    let c = |extra: &str| {
        with(&format!(
            r#"{{"type": "collect", "prompts": ["enter-account"], "var": "a", "next": "end", "on_fail": "end", {extra}}}"#
        ))
    };
    one(
        &c(r#""min_len": 1, "max_len": 4, "pattern": "[0-9""#),
        Some("x"),
        &Rule::BadPattern {
            pattern: "[0-9".into(),
        },
    );
    one(
        &c(r#""min_len": 1, "max_len": 4, "checksum": "crc32""#),
        Some("x"),
        &Rule::UnknownChecksum("crc32".into()),
    );
    one(
        &c(r#""min_len": 5, "max_len": 4"#),
        Some("x"),
        &Rule::BadLength { min: 5, max: 4 },
    );
    one(
        &c(r#""min_len": 0, "max_len": 40"#),
        Some("x"),
        &Rule::BadLength { min: 0, max: 40 },
    );
    one(
        &c(r#""min_len": 1, "max_len": 4, "terminator": "5""#),
        Some("x"),
        &Rule::BadTerminator('5'),
    );
    one(
        &c(r#""min_len": 1, "max_len": 4, "input": {"inter_digit_timeout_ms": 0}"#),
        Some("x"),
        &Rule::BadTimeout {
            field: "inter_digit_timeout_ms",
            ms: 0,
        },
    );
    let no_fail = with(
        r#"{"type": "collect", "prompts": ["p"], "var": "a", "min_len": 1, "max_len": 2, "next": "end"}"#,
    );
    one(&no_fail, Some("x"), &Rule::CollectWithoutFail);
    let bad_var = with(
        r#"{"type": "collect", "prompts": ["p"], "var": "A b", "min_len": 1, "max_len": 2, "next": "end", "on_fail": "end"}"#,
    );
    one(&bad_var, Some("x"), &Rule::BadVariable("A b".into()));
}

#[test]
fn transfer_targets_and_mailboxes() {
    for (t, bad) in [
        (r#"{"queue": "70a"}"#, "70a"),
        (r#"{"agent": ""}"#, ""),
        (r#"{"extension": "1234567890123456"}"#, "1234567890123456"),
        (r#"{"external": "+86 10 1234"}"#, "+86 10 1234"),
        (r#"{"external": "+1"}"#, "+1"),
    ] {
        one(
            &with(&format!(r#"{{"type": "transfer", "target": {t}}}"#)),
            Some("x"),
            &Rule::BadTarget(bad.into()),
        );
    }
    let ok = with(r#"{"type": "transfer", "target": {"external": "+861012345678"}}"#);
    validate(&Flow::from_json(&ok).unwrap()).unwrap();
    one(
        &with(r#"{"type": "voicemail", "mailbox": "vm1"}"#),
        Some("x"),
        &Rule::BadMailbox("vm1".into()),
    );
}

#[test]
fn lookups_templates_and_language() {
    let l = with(
        r#"{"type": "lookup", "request": "weather", "key": "${acct", "var": "w", "on_found": "end", "on_not_found": "end", "on_error": "end"}"#,
    );
    let e = errs(&l);
    assert!(
        e.has(Some("x"), &Rule::UnknownLookup("weather".into())),
        "{e}"
    );
    assert!(e.has(Some("x"), &Rule::BadTemplate("${acct".into())), "{e}");
    one(
        &with(r#"{"type": "set", "var": "language", "value": "fr", "next": "end"}"#),
        Some("x"),
        &Rule::BadLanguage("fr".into()),
    );
    // zh is not among this flow's languages (default: en only).
    one(
        &with(r#"{"type": "set", "var": "language", "value": "zh", "next": "end"}"#),
        Some("x"),
        &Rule::BadLanguage("zh".into()),
    );
}

#[test]
fn condition_values() {
    let c = with(
        r#"{"type": "condition", "branches": [
            {"when": {"time": {"from": "9:00", "to": "25:00"}}, "next": "end"},
            {"when": {"any": [{"dates": ["2026-02-30"]}, {"weekdays": ["monday"]}]}, "next": "end"}
        ], "otherwise": "end"}"#,
    );
    let e = errs(&c);
    for r in [
        Rule::BadTime("9:00".into()),
        Rule::BadTime("25:00".into()),
        Rule::BadDate("2026-02-30".into()),
        Rule::BadWeekday("monday".into()),
    ] {
        assert!(e.has(Some("x"), &r), "{r:?}: {e}");
    }
    one(
        &with(r#"{"type": "condition", "branches": [], "otherwise": "end"}"#),
        Some("x"),
        &Rule::NoBranches,
    );
}

#[test]
fn flow_level_rules() {
    let j = r#"{"version": 2, "name": "bad name", "start": "a", "max_steps": 0, "post_call": "s", "nodes": {"a": {"type": "hangup"}}}"#;
    let e = errs(j);
    for r in [
        Rule::UnsupportedVersion {
            found: 2,
            supported: 1,
        },
        Rule::BadFlowName("bad name".into()),
        Rule::BadMaxSteps(0),
        Rule::UnknownNode {
            field: "post_call",
            target: "s".into(),
        },
    ] {
        assert!(e.has(None, &r), "{r:?}: {e}");
    }
    one(
        r#"{"version": 1, "name": "t", "start": "a", "nodes": {}}"#,
        None,
        &Rule::NoNodes,
    );
}

#[test]
fn every_problem_is_reported_and_the_message_names_nodes() {
    let j = r#"{"version": 1, "name": "t", "start": "m", "nodes": {
        "m": {"type": "menu", "prompts": [], "options": {"1": "gone"}, "on_invalid": "q", "on_timeout": "q"},
        "q": {"type": "transfer", "target": {"queue": "x"}},
        "lost": {"type": "collect", "prompts": ["p"], "var": "v", "min_len": 1, "max_len": 3, "checksum": "md5", "next": "q", "on_fail": "q"}
    }}"#;
    let e = errs(j);
    assert_eq!(e.0.len(), 5, "{e}");
    let text = e.to_string();
    for s in [
        "5 problem(s)",
        "node \"m\"",
        "no prompts",
        "unknown node \"gone\"",
        "node \"q\"",
        "node \"lost\"",
        "unreachable",
        "\"md5\"",
    ] {
        assert!(text.contains(s), "{s} not in {text}");
    }
}

#[test]
fn shape_errors_are_parse_errors_with_positions() {
    for bad in [
        r#"{"version": 1, "name": "t", "start": "a", "nodes": {"a": {"type": "dance"}}}"#,
        r#"{"version": 1, "name": "t", "start": "a", "nodes": {"a": {"type": "hangup", "extra": 1}}}"#,
        r#"{"version": 1, "name": "t", "start": "a", "nodes": {"a": {"type": "hangup"}, "a": {"type": "hangup"}}}"#,
        r#"{"version": 1, "name": "t", "start": "a", "nodes": {"a": {"type": "hangup"}}, "color": "red"}"#,
        r#"[1, 2"#,
    ] {
        let e = Flow::from_json(bad).unwrap_err();
        assert!(e.line() >= 1, "{e}");
    }
    let dup = Flow::from_json(r#"{"version": 1, "name": "t", "start": "a", "nodes": {"a": {"type": "hangup"}, "a": {"type": "hangup"}}}"#)
        .unwrap_err();
    assert!(dup.to_string().contains("duplicate node id `a`"), "{dup}");
}
