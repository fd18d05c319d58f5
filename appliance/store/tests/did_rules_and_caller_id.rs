//! Schema step v14: DID rules (carrier numbers with rewriting) and caller-ID settings of
//! spans, SIP trunks and extensions: round trips, audit rows, and bad input that names the
//! field and rule and changes nothing.

use store::config::*;
use store::{Command, CommandContext, Entity, Invalid, Op, Rule, Store, StoreError, Timestamp};

const CTX: CommandContext<'static> = CommandContext {
    actor: "admin",
    ts: Timestamp(1_700_000_000_000_000),
};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("c.db")).unwrap();
    (dir, s)
}

fn ext(number: &str) -> ExtensionConfig {
    ExtensionConfig {
        number: number.into(),
        name: format!("Phone {number}"),
        kind: ExtensionKind::Sip,
        sip_password: Some(format!("demo{number}")),
        digest_algorithms: DigestAlgorithms::default(),
        caller_id: ExtensionCallerId::default(),
    }
}

fn span() -> SpanConfig {
    SpanConfig {
        name: "span1".into(),
        signalling: Signalling::Pri,
        framing: Framing::Ccs,
        crc4: true,
        role: SpanRole::User,
        switchtype: SwitchType::EuroIsdn,
        device: "dahdi:1".into(),
        timing_priority: 1,
        caller_id: TrunkCallerId {
            mode: CallerIdMode::Prefix,
            number: "555".into(),
            send_restricted: true,
        },
    }
}

fn trunk() -> SipTrunkConfig {
    SipTrunkConfig {
        name: "prov".into(),
        host: "192.0.2.1".into(),
        port: 5060,
        transport: Transport::Udp,
        username: None,
        password: None,
        register: false,
        outbound_proxy: None,
        max_channels: 30,
        enabled: true,
        caller_id: TrunkCallerId {
            mode: CallerIdMode::Fixed,
            number: "5550000".into(),
            send_restricted: true,
        },
    }
}

fn rule(pattern: &str, strip: u8, target: DidTarget) -> DidRuleConfig {
    DidRuleConfig {
        priority: 10,
        pattern: pattern.into(),
        strip,
        prepend: String::new(),
        target,
    }
}

fn invalid(e: StoreError) -> Invalid {
    match e {
        StoreError::Invalid(i) => i,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn did_rules_round_trip_in_priority_order_with_audit_rows() {
    let (_d, mut s) = open();
    let e = s
        .execute(CTX, &Command::CreateExtension(ext("1002")))
        .unwrap();
    let rev0 = s.config_revision().unwrap();
    let range = rule("5551XXX", 3, DidTarget::DialedExtension);
    let main = DidRuleConfig {
        priority: 5,
        ..rule("5550000", 0, DidTarget::Extension(e.id))
    };
    let blocked = rule("5559999", 0, DidTarget::Reject(21));
    let c1 = s
        .execute(CTX, &Command::CreateDidRule(range.clone()))
        .unwrap();
    let c2 = s
        .execute(CTX, &Command::CreateDidRule(main.clone()))
        .unwrap();
    let _c3 = s
        .execute(CTX, &Command::CreateDidRule(blocked.clone()))
        .unwrap();
    assert_eq!(
        (c1.entity, c1.op, c1.revision),
        (Entity::DidRule, Op::Create, rev0 + 1)
    );
    let got: Vec<_> = s
        .did_rules()
        .unwrap()
        .into_iter()
        .map(|r| r.config)
        .collect();
    // Priority 5 first, then 10 by id.
    assert_eq!(got, [main, range.clone(), blocked]);

    let moved = DidRuleConfig {
        prepend: "9".into(),
        target: DidTarget::Ivr("main".into()),
        ..range
    };
    // An IVR flow must exist first.
    let err = invalid(
        s.execute(
            CTX,
            &Command::UpdateDidRule {
                id: c1.id,
                config: moved.clone(),
            },
        )
        .unwrap_err(),
    );
    assert_eq!(err, Invalid::new("did_rule.target", Rule::NoSuchReference));
    s.execute(
        CTX,
        &Command::CreateIvrFlowVersion {
            name: "main".into(),
            flow: "{}".into(),
        },
    )
    .unwrap();
    let u = s
        .execute(
            CTX,
            &Command::UpdateDidRule {
                id: c1.id,
                config: moved.clone(),
            },
        )
        .unwrap();
    assert_eq!((u.entity, u.id, u.op), (Entity::DidRule, c1.id, Op::Update));
    assert!(s.did_rules().unwrap().iter().any(|r| r.config == moved));

    // The extension a DID rule targets cannot go.
    let err = invalid(
        s.execute(CTX, &Command::DeleteExtension { id: e.id })
            .unwrap_err(),
    );
    assert_eq!(
        err,
        Invalid::new("extension.id", Rule::InUse { by: "a DID rule" })
    );
    let d = s
        .execute(CTX, &Command::DeleteDidRule { id: c2.id })
        .unwrap();
    assert_eq!((d.entity, d.op), (Entity::DidRule, Op::Delete));
    s.execute(CTX, &Command::DeleteExtension { id: e.id })
        .unwrap();
    assert!(matches!(
        s.execute(CTX, &Command::DeleteDidRule { id: c2.id }),
        Err(StoreError::NotFound {
            entity: Entity::DidRule,
            ..
        })
    ));
    let audit = s.changes_since(rev0).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.change.entity == Entity::DidRule)
            .map(|a| (a.change.op, a.actor.as_str()))
            .collect::<Vec<_>>(),
        [
            (Op::Create, "admin"),
            (Op::Create, "admin"),
            (Op::Create, "admin"),
            (Op::Update, "admin"),
            (Op::Delete, "admin"),
        ]
    );
}

#[test]
fn bad_did_rules_name_field_and_rule_and_change_nothing() {
    let (_d, mut s) = open();
    s.execute(CTX, &Command::CreateExtension(ext("1002")))
        .unwrap();
    let ok = rule("5551XXX", 3, DidTarget::DialedExtension);
    let cases: Vec<(DidRuleConfig, &str, Rule)> = vec![
        (
            rule("55.1", 0, DidTarget::DialedExtension),
            "did_rule.pattern",
            Rule::BadPattern,
        ),
        (
            rule("", 0, DidTarget::DialedExtension),
            "did_rule.pattern",
            Rule::Empty,
        ),
        (
            DidRuleConfig {
                strip: 33,
                ..ok.clone()
            },
            "did_rule.strip",
            Rule::OutOfRange { min: 0, max: 32 },
        ),
        (
            DidRuleConfig {
                prepend: "1a".into(),
                ..ok.clone()
            },
            "did_rule.prepend",
            Rule::BadChars { allowed: "0-9 * #" },
        ),
        (
            DidRuleConfig {
                priority: -1,
                ..ok.clone()
            },
            "did_rule.priority",
            Rule::OutOfRange {
                min: 0,
                max: 1_000_000,
            },
        ),
        (
            rule("5551XXX", 3, DidTarget::Reject(0)),
            "did_rule.target",
            Rule::OutOfRange { min: 1, max: 127 },
        ),
        (
            rule("5551XXX", 3, DidTarget::Reject(128)),
            "did_rule.target",
            Rule::OutOfRange { min: 1, max: 127 },
        ),
        (
            rule("5551XXX", 3, DidTarget::Extension(999)),
            "did_rule.target",
            Rule::NoSuchReference,
        ),
        (
            rule("5551XXX", 3, DidTarget::Queue(999)),
            "did_rule.target",
            Rule::NoSuchReference,
        ),
        // The extension's own number is in the DID table already, ahead of every rule.
        (
            rule("1002", 0, DidTarget::Reject(21)),
            "did_rule.pattern",
            Rule::Duplicate,
        ),
    ];
    let rev = s.config_revision().unwrap();
    for (c, field, r) in cases {
        let err = invalid(
            s.execute(CTX, &Command::CreateDidRule(c.clone()))
                .unwrap_err(),
        );
        assert_eq!(err, Invalid::new(field, r), "{c:?}");
    }
    assert!(matches!(
        s.execute(CTX, &Command::UpdateDidRule { id: 42, config: ok }),
        Err(StoreError::NotFound {
            entity: Entity::DidRule,
            id: 42
        })
    ));
    assert_eq!(s.config_revision().unwrap(), rev);
    assert!(s.did_rules().unwrap().is_empty());

    // And the other way round: a number a literal DID rule uses cannot become an
    // extension, queue or port number.
    s.execute(
        CTX,
        &Command::CreateDidRule(rule("5550000", 0, DidTarget::Reject(1))),
    )
    .unwrap();
    let err = invalid(
        s.execute(CTX, &Command::CreateExtension(ext("5550000")))
            .unwrap_err(),
    );
    assert_eq!(err, Invalid::new("extension.number", Rule::Duplicate));
}

#[test]
fn caller_id_settings_round_trip_and_are_checked() {
    let (_d, mut s) = open();
    let sp = s.execute(CTX, &Command::CreateSpan(span())).unwrap();
    let tr = s.execute(CTX, &Command::CreateSipTrunk(trunk())).unwrap();
    let mut e = ext("1002");
    e.caller_id = ExtensionCallerId {
        number: Some("5551002".into()),
        presentation: Presentation::Restricted,
    };
    let ex = s
        .execute(CTX, &Command::CreateExtension(e.clone()))
        .unwrap();
    assert_eq!(s.spans().unwrap()[0].config, span());
    assert_eq!(s.sip_trunks().unwrap()[0].config, trunk());
    assert_eq!(s.extension_by_number("1002").unwrap().unwrap().config, e);

    // Updates go through the existing Update commands.
    let mut t2 = trunk();
    t2.caller_id = TrunkCallerId::default();
    s.execute(
        CTX,
        &Command::UpdateSipTrunk {
            id: tr.id,
            config: t2.clone(),
        },
    )
    .unwrap();
    assert_eq!(s.sip_trunks().unwrap()[0].config, t2);

    let rev = s.config_revision().unwrap();
    let cid = |mode, number: &str| TrunkCallerId {
        mode,
        number: number.into(),
        send_restricted: false,
    };
    let bad_spans = [
        (
            cid(CallerIdMode::Pass, "555"),
            Rule::Conflicts {
                other: "caller_id.mode",
            },
        ),
        (cid(CallerIdMode::Prefix, ""), Rule::Empty),
        (
            cid(CallerIdMode::Prefix, "55a"),
            Rule::BadChars { allowed: "0-9" },
        ),
        (cid(CallerIdMode::Fixed, "5"), Rule::TooShort { min: 2 }),
        (
            cid(CallerIdMode::Fixed, "123456789012345678901"),
            Rule::TooLong { max: 20 },
        ),
    ];
    for (c, r) in bad_spans {
        let mut sc = span();
        sc.caller_id = c.clone();
        let err = invalid(
            s.execute(
                CTX,
                &Command::UpdateSpan {
                    id: sp.id,
                    config: sc,
                },
            )
            .unwrap_err(),
        );
        assert_eq!(
            err,
            Invalid::new("span.caller_id.number", r.clone()),
            "{c:?}"
        );
        let mut tc = trunk();
        tc.caller_id = c.clone();
        let err = invalid(
            s.execute(
                CTX,
                &Command::UpdateSipTrunk {
                    id: tr.id,
                    config: tc,
                },
            )
            .unwrap_err(),
        );
        assert_eq!(err, Invalid::new("sip_trunk.caller_id.number", r), "{c:?}");
    }
    for n in ["", "1", "12a4", "+5551002"] {
        let mut bad = e.clone();
        bad.caller_id.number = Some(n.into());
        let err = s
            .execute(
                CTX,
                &Command::UpdateExtension {
                    id: ex.id,
                    config: bad,
                },
            )
            .unwrap_err();
        assert_eq!(invalid(err).field, "extension.caller_id.number", "{n:?}");
    }
    assert_eq!(s.config_revision().unwrap(), rev);
    assert_eq!(s.spans().unwrap()[0].config, span());
    assert_eq!(s.extension_by_number("1002").unwrap().unwrap().config, e);
}

#[test]
fn the_demo_has_the_did_range_of_its_phones() {
    let (_d, mut s) = open();
    s.seed_demo(CTX.ts).unwrap().unwrap();
    let d = s.did_rules().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (
            d[0].config.pattern.as_str(),
            d[0].config.strip,
            &d[0].config.target
        ),
        ("5551XXX", 3, &DidTarget::DialedExtension)
    );
    // The demo span sends a restricted caller's number flagged restricted, as before v14.
    let span = &s.spans().unwrap()[0].config.caller_id;
    assert_eq!(
        (span.mode, span.send_restricted),
        (CallerIdMode::Pass, true)
    );
}

/// The switch refuses a plan with a literal after a rule that matches it; the store
/// refuses to write such a DID table in the first place, whichever rule moves.
#[test]
fn a_did_rule_that_could_never_be_reached_is_refused() {
    let (_d, mut s) = open();
    let range = s
        .execute(
            CTX,
            &Command::CreateDidRule(rule("5551XXX", 3, DidTarget::DialedExtension)),
        )
        .unwrap();
    let rev = s.config_revision().unwrap();
    // After the range (same priority, later id): never reached.
    let err = invalid(
        s.execute(
            CTX,
            &Command::CreateDidRule(rule("5551002", 0, DidTarget::Reject(21))),
        )
        .unwrap_err(),
    );
    assert_eq!(
        err,
        Invalid::new("did_rule.pattern", Rule::Shadowed { by: range.id })
    );
    assert_eq!(s.config_revision().unwrap(), rev);
    // Before it: fine.
    let lit = s
        .execute(
            CTX,
            &Command::CreateDidRule(DidRuleConfig {
                priority: 5,
                ..rule("5551002", 0, DidTarget::Reject(21))
            }),
        )
        .unwrap();
    // Moving the range in front of the literal is refused, naming the literal.
    let err = invalid(
        s.execute(
            CTX,
            &Command::UpdateDidRule {
                id: range.id,
                config: DidRuleConfig {
                    priority: 1,
                    ..rule("5551XXX", 3, DidTarget::DialedExtension)
                },
            },
        )
        .unwrap_err(),
    );
    assert_eq!(
        err,
        Invalid::new("did_rule.pattern", Rule::Shadowed { by: lit.id })
    );
    assert_eq!(s.did_rules().unwrap().len(), 2);
}

#[test]
fn patterns_match_like_the_switch() {
    for (p, n, m) in [
        ("5551XXX", "5551002", true),
        ("5551XXX", "555100", false),
        ("5551XXX", "55510021", false),
        ("Z00", "100", true),
        ("Z00", "000", false),
        ("N", "1", false),
        ("[15-7]9", "69", true),
        ("[15-7]9", "49", false),
        ("0.", "0", false),
        ("0.", "01", true),
        ("0!", "0", true),
        ("8000", "8000", true),
        ("8000", "800", false),
    ] {
        assert_eq!(pattern_matches(p, n), m, "{p} {n}");
    }
}
