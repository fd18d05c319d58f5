//! Validated configuration commands: every entity created, read back, updated, deleted;
//! bad input names the field and rule and changes nothing; the revision and audit log
//! let another connection apply changes live.

use store::config::*;
use store::{Command, CommandContext, Entity, Invalid, Op, Rule, Store, StoreError, Timestamp};

const CTX: CommandContext<'static> = CommandContext {
    actor: "admin",
    ts: Timestamp(1_700_000_000_000_000),
};

fn span(name: &str) -> SpanConfig {
    SpanConfig {
        name: name.into(),
        signalling: Signalling::Pri,
        framing: Framing::Ccs,
        crc4: true,
        role: SpanRole::User,
        switchtype: SwitchType::EuroIsdn,
        device: "dahdi:1".into(),
        timing_priority: 1,
        caller_id: Default::default(),
    }
}

fn trunk(name: &str) -> SipTrunkConfig {
    SipTrunkConfig {
        name: name.into(),
        host: "sip.example.net".into(),
        port: 5060,
        transport: Transport::Udp,
        username: Some("user".into()),
        password: Some("pass".into()),
        register: true,
        outbound_proxy: None,
        max_channels: 30,
        enabled: true,
        caller_id: Default::default(),
    }
}

fn ext(number: &str) -> ExtensionConfig {
    ExtensionConfig {
        number: number.into(),
        name: format!("Phone {number}"),
        kind: ExtensionKind::Sip,
        sip_password: Some(format!("demo{number}")),
        digest_algorithms: Default::default(),
        caller_id: Default::default(),
    }
}

fn queue(name: &str, number: Option<&str>) -> QueueConfig {
    QueueConfig {
        name: name.into(),
        number: number.map(Into::into),
        strategy: Strategy::LongestIdle,
        max_len: 10,
        max_wait_s: 120,
        service_level_s: 20,
        short_abandon_s: 5,
        wrapup_s: 10,
        skills: vec![],
        members: vec![],
    }
}

fn admin(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: "Admin".into(),
        role: Role::Admin,
        password: "correct horse".into(),
        must_change_password: false,
        language: Language::Zh,
    }
}

/// Everything the typed API can read back, for "nothing changed" checks.
#[derive(Debug, PartialEq)]
struct Snapshot {
    revision: i64,
    spans: Vec<Stored<SpanConfig>>,
    trunks: Vec<Stored<SipTrunkConfig>>,
    exts: Vec<Stored<ExtensionConfig>>,
    groups: Vec<Stored<TrunkGroupConfig>>,
    rules: Vec<Stored<DialRuleConfig>>,
    users: Vec<UserInfo>,
    queues: Vec<Stored<QueueConfig>>,
    skills: Vec<Stored<SkillConfig>>,
    agents: Vec<Stored<AgentConfig>>,
    flows: Vec<IvrFlow>,
    audit: usize,
}

fn snapshot(s: &Store) -> Snapshot {
    Snapshot {
        revision: s.config_revision().unwrap(),
        spans: s.spans().unwrap(),
        trunks: s.sip_trunks().unwrap(),
        exts: s.extensions().unwrap(),
        groups: s.trunk_groups().unwrap(),
        rules: s.dial_rules().unwrap(),
        users: s.users().unwrap(),
        queues: s.queues().unwrap(),
        skills: s.skills().unwrap(),
        agents: s.agents().unwrap(),
        flows: s.ivr_flows().unwrap(),
        audit: s.changes_since(0).unwrap().len(),
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("c.db")).unwrap();
    (dir, s)
}

#[test]
fn every_entity_round_trips_and_each_command_is_one_revision() {
    let (_d, mut s) = open();
    let sp = s.execute(CTX, &Command::CreateSpan(span("span1"))).unwrap();
    assert_eq!(
        (sp.revision, sp.entity, sp.op),
        (1, Entity::Span, Op::Create)
    );
    let tr = s
        .execute(CTX, &Command::CreateSipTrunk(trunk("prov")))
        .unwrap();
    let e = s
        .execute(CTX, &Command::CreateExtension(ext("1001")))
        .unwrap();
    let g = s
        .execute(
            CTX,
            &Command::CreateTrunkGroup(TrunkGroupConfig {
                name: "out".into(),
                members: vec![TrunkRef::Span(sp.id), TrunkRef::SipTrunk(tr.id)],
            }),
        )
        .unwrap();
    let rule = DialRuleConfig {
        priority: 10,
        pattern: "0[1-9]X.".into(),
        strip: 0,
        prepend: String::new(),
        allow_toll: false,
        target: DialTarget::TrunkGroup(g.id),
    };
    let r = s
        .execute(CTX, &Command::CreateDialRule(rule.clone()))
        .unwrap();
    let sk = s
        .execute(
            CTX,
            &Command::CreateSkill(SkillConfig {
                name: "english".into(),
            }),
        )
        .unwrap();
    let u = s.execute(CTX, &Command::CreateUser(admin("root"))).unwrap();
    let agent = AgentConfig {
        number: "2001".into(),
        name: "Wang Fang".into(),
        user_id: Some(u.id),
        skills: vec![(sk.id, 80)],
    };
    let a = s
        .execute(CTX, &Command::CreateAgent(agent.clone()))
        .unwrap();
    let mut q = queue("sales", Some("701"));
    q.skills = vec![(sk.id, 50)];
    q.members = vec![(a.id, 0)];
    let qc = s.execute(CTX, &Command::CreateQueue(q.clone())).unwrap();
    let f = s
        .execute(
            CTX,
            &Command::CreateIvrFlowVersion {
                name: "main".into(),
                flow: r#"{"start":"menu","nodes":{}}"#.into(),
            },
        )
        .unwrap();
    assert_eq!(f.revision, 10);
    assert_eq!(s.config_revision().unwrap(), 10);

    assert_eq!(s.spans().unwrap()[0].config, span("span1"));
    assert_eq!(s.sip_trunks().unwrap()[0].config, trunk("prov"));
    assert_eq!(
        s.extension_by_number("1001").unwrap().unwrap().config,
        ext("1001")
    );
    assert!(s.extension_by_number("1002").unwrap().is_none());
    assert_eq!(
        s.trunk_groups().unwrap()[0].config.members,
        [TrunkRef::Span(sp.id), TrunkRef::SipTrunk(tr.id)]
    );
    assert_eq!(s.dial_rules().unwrap()[0].config, rule);
    assert_eq!(s.agents().unwrap()[0].config, agent);
    assert_eq!(s.queues().unwrap()[0].config, q);
    let user = &s.users().unwrap()[0];
    assert_eq!(
        (user.username.as_str(), user.role, user.language),
        ("root", Role::Admin, Language::Zh)
    );

    // Updates: failover order reversed, a rule retargeted at the queue.
    s.execute(
        CTX,
        &Command::UpdateTrunkGroup {
            id: g.id,
            config: TrunkGroupConfig {
                name: "out".into(),
                members: vec![TrunkRef::SipTrunk(tr.id), TrunkRef::Span(sp.id)],
            },
        },
    )
    .unwrap();
    assert_eq!(
        s.trunk_groups().unwrap()[0].config.members,
        [TrunkRef::SipTrunk(tr.id), TrunkRef::Span(sp.id)]
    );
    let to_queue = DialRuleConfig {
        target: DialTarget::Queue(qc.id),
        pattern: "701".into(),
        ..rule
    };
    let up = s
        .execute(
            CTX,
            &Command::UpdateDialRule {
                id: r.id,
                config: to_queue.clone(),
            },
        )
        .unwrap();
    assert_eq!((up.id, up.op, up.revision), (r.id, Op::Update, 12));
    assert_eq!(s.dial_rules().unwrap()[0].config, to_queue);

    // IVR versions: activation switches the live version.
    let f2 = s
        .execute(
            CTX,
            &Command::CreateIvrFlowVersion {
                name: "main".into(),
                flow: r#"{"v":2}"#.into(),
            },
        )
        .unwrap();
    s.execute(CTX, &Command::ActivateIvrFlow { id: f.id })
        .unwrap();
    s.execute(CTX, &Command::ActivateIvrFlow { id: f2.id })
        .unwrap();
    let flows = s.ivr_flows().unwrap();
    assert_eq!(
        flows
            .iter()
            .map(|f| (f.version, f.active))
            .collect::<Vec<_>>(),
        [(1, false), (2, true)]
    );
    let err = s
        .execute(CTX, &Command::DeleteIvrFlow { id: f2.id })
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Invalid(Invalid {
            field: "ivr_flow.id",
            rule: Rule::InUse { .. }
        })
    ));
    s.execute(CTX, &Command::DeleteIvrFlow { id: f.id })
        .unwrap();

    // Deletes in dependency order.
    s.execute(CTX, &Command::DeleteDialRule { id: r.id })
        .unwrap();
    s.execute(CTX, &Command::DeleteQueue { id: qc.id }).unwrap();
    s.execute(CTX, &Command::DeleteTrunkGroup { id: g.id })
        .unwrap();
    s.execute(CTX, &Command::DeleteSpan { id: sp.id }).unwrap();
    s.execute(CTX, &Command::DeleteSipTrunk { id: tr.id })
        .unwrap();
    s.execute(CTX, &Command::DeleteExtension { id: e.id })
        .unwrap();
    s.execute(CTX, &Command::DeleteAgent { id: a.id }).unwrap();
    s.execute(CTX, &Command::DeleteSkill { id: sk.id }).unwrap();
    assert!(s.spans().unwrap().is_empty() && s.trunk_groups().unwrap().is_empty());
    s.check_integrity().unwrap();

    // The audit log has every change, in order, with its actor.
    let audit = s.changes_since(0).unwrap();
    assert_eq!(audit.len() as i64, s.config_revision().unwrap());
    assert!(
        audit
            .windows(2)
            .all(|w| w[1].change.revision == w[0].change.revision + 1)
    );
    assert!(audit.iter().all(|a| a.actor == "admin" && a.ts == CTX.ts));
    assert_eq!(audit.last().unwrap().change.entity, Entity::Skill);
}

/// Each bad command: the error names the field and the rule, and nothing changes.
#[test]
fn bad_commands_name_field_and_rule_and_change_nothing() {
    let (_d, mut s) = open();
    let sp = s.execute(CTX, &Command::CreateSpan(span("span1"))).unwrap();
    let e = s
        .execute(CTX, &Command::CreateExtension(ext("1001")))
        .unwrap();
    let g = s
        .execute(
            CTX,
            &Command::CreateTrunkGroup(TrunkGroupConfig {
                name: "out".into(),
                members: vec![TrunkRef::Span(sp.id)],
            }),
        )
        .unwrap();
    s.execute(
        CTX,
        &Command::CreateDialRule(DialRuleConfig {
            priority: 1,
            pattern: "1001".into(),
            strip: 0,
            prepend: String::new(),
            allow_toll: false,
            target: DialTarget::Extension(e.id),
        }),
    )
    .unwrap();
    s.execute(CTX, &Command::CreateQueue(queue("sales", Some("701"))))
        .unwrap();
    let u = s.execute(CTX, &Command::CreateUser(admin("root"))).unwrap();

    let rule_to = |pattern: &str, target| {
        Command::CreateDialRule(DialRuleConfig {
            priority: 1,
            pattern: pattern.into(),
            strip: 0,
            prepend: String::new(),
            allow_toll: false,
            target,
        })
    };
    let cases: Vec<(Command, &str, Rule)> = vec![
        (Command::CreateSpan(span("")), "span.name", Rule::Empty),
        (
            Command::CreateSpan(span("span one")),
            "span.name",
            Rule::BadChars {
                allowed: "A-Z a-z 0-9 _ - .",
            },
        ),
        (
            Command::CreateSpan(span("span1")),
            "span.name",
            Rule::Duplicate,
        ),
        (
            Command::CreateSpan(SpanConfig {
                framing: Framing::Cas,
                ..span("s2")
            }),
            "span.framing",
            Rule::Conflicts {
                other: "span.signalling",
            },
        ),
        (
            Command::CreateSpan(SpanConfig {
                switchtype: SwitchType::None,
                ..span("s2")
            }),
            "span.switchtype",
            Rule::Required {
                because: "span.signalling is pri",
            },
        ),
        (
            Command::CreateSpan(SpanConfig {
                device: "dahdi:0".into(),
                ..span("s2")
            }),
            "span.device",
            Rule::BadChars {
                allowed: "virt:<socket path> or dahdi:<1-256>",
            },
        ),
        (
            Command::CreateSpan(SpanConfig {
                timing_priority: 9,
                ..span("s2")
            }),
            "span.timing_priority",
            Rule::OutOfRange { min: 0, max: 8 },
        ),
        (
            Command::CreateSipTrunk(SipTrunkConfig {
                password: None,
                ..trunk("p")
            }),
            "sip_trunk.password",
            Rule::Required {
                because: "sip_trunk.register is on",
            },
        ),
        (
            Command::CreateSipTrunk(SipTrunkConfig {
                port: 0,
                ..trunk("p")
            }),
            "sip_trunk.port",
            Rule::OutOfRange { min: 1, max: 65535 },
        ),
        (
            Command::CreateSipTrunk(SipTrunkConfig {
                host: "a b".into(),
                ..trunk("p")
            }),
            "sip_trunk.host",
            Rule::BadChars {
                allowed: "host name or address characters",
            },
        ),
        (
            Command::CreateExtension(ext("1001")),
            "extension.number",
            Rule::Duplicate,
        ),
        (
            Command::CreateExtension(ExtensionConfig {
                sip_password: Some("long enough".into()),
                ..ext("701")
            }),
            "extension.number",
            Rule::Duplicate,
        ),
        (
            Command::CreateExtension(ext("1a")),
            "extension.number",
            Rule::BadChars { allowed: "0-9" },
        ),
        (
            Command::CreateExtension(ext("123456789")),
            "extension.number",
            Rule::TooLong { max: 8 },
        ),
        (
            Command::CreateExtension(ExtensionConfig {
                sip_password: Some("short".into()),
                ..ext("1002")
            }),
            "extension.sip_password",
            Rule::TooShort { min: 8 },
        ),
        (
            Command::CreateExtension(ExtensionConfig {
                kind: ExtensionKind::EchoTest,
                ..ext("600")
            }),
            "extension.sip_password",
            Rule::Conflicts {
                other: "extension.kind",
            },
        ),
        (
            Command::CreateTrunkGroup(TrunkGroupConfig {
                name: "g".into(),
                members: vec![],
            }),
            "trunk_group.members",
            Rule::Empty,
        ),
        (
            Command::CreateTrunkGroup(TrunkGroupConfig {
                name: "g".into(),
                members: vec![TrunkRef::SipTrunk(99)],
            }),
            "trunk_group.members",
            Rule::NoSuchReference,
        ),
        (
            Command::CreateTrunkGroup(TrunkGroupConfig {
                name: "g".into(),
                members: vec![TrunkRef::Span(sp.id), TrunkRef::Span(sp.id)],
            }),
            "trunk_group.members",
            Rule::Duplicate,
        ),
        (
            rule_to("0..", DialTarget::TrunkGroup(g.id)),
            "dial_rule.pattern",
            Rule::BadPattern,
        ),
        (
            rule_to("[5-1]", DialTarget::TrunkGroup(g.id)),
            "dial_rule.pattern",
            Rule::BadPattern,
        ),
        (
            rule_to("0A", DialTarget::TrunkGroup(g.id)),
            "dial_rule.pattern",
            Rule::BadPattern,
        ),
        (
            rule_to("0.", DialTarget::TrunkGroup(77)),
            "dial_rule.target",
            Rule::NoSuchReference,
        ),
        (
            rule_to("8000", DialTarget::Ivr("main".into())),
            "dial_rule.target",
            Rule::NoSuchReference,
        ),
        (
            Command::DeleteExtension { id: e.id },
            "extension.id",
            Rule::InUse { by: "a dial rule" },
        ),
        (
            Command::DeleteSpan { id: sp.id },
            "span.id",
            Rule::InUse {
                by: "a trunk group",
            },
        ),
        (
            Command::CreateUser(NewUser {
                username: "Root".into(),
                ..admin("x")
            }),
            "user.username",
            Rule::BadChars {
                allowed: "a-z 0-9 . _ -",
            },
        ),
        (
            Command::CreateUser(admin("root")),
            "user.username",
            Rule::Duplicate,
        ),
        (
            Command::CreateUser(NewUser {
                password: "1234".into(),
                ..admin("bob")
            }),
            "user.password",
            Rule::TooShort { min: 8 },
        ),
        (Command::DeleteUser { id: u.id }, "user.id", Rule::LastAdmin),
        (
            Command::UpdateUser {
                id: u.id,
                display_name: "x".into(),
                role: Role::Agent,
                language: Language::En,
            },
            "user.role",
            Rule::LastAdmin,
        ),
        (
            Command::CreateQueue(queue("sales", None)),
            "queue.name",
            Rule::Duplicate,
        ),
        (
            Command::CreateQueue(queue("q2", Some("1001"))),
            "queue.number",
            Rule::Duplicate,
        ),
        (
            Command::CreateQueue(QueueConfig {
                service_level_s: 0,
                ..queue("q2", None)
            }),
            "queue.service_level_s",
            Rule::OutOfRange { min: 1, max: 3600 },
        ),
        (
            Command::CreateQueue(QueueConfig {
                members: vec![(99, 0)],
                ..queue("q2", None)
            }),
            "queue.members",
            Rule::NoSuchReference,
        ),
        (
            Command::CreateAgent(AgentConfig {
                number: "2001".into(),
                name: "A".into(),
                user_id: Some(99),
                skills: vec![],
            }),
            "agent.user_id",
            Rule::NoSuchReference,
        ),
        (
            Command::CreateIvrFlowVersion {
                name: "main".into(),
                flow: "[1,2]".into(),
            },
            "ivr_flow.flow",
            Rule::BadJson,
        ),
        (
            Command::CreateIvrFlowVersion {
                name: "main".into(),
                flow: "{not json".into(),
            },
            "ivr_flow.flow",
            Rule::BadJson,
        ),
    ];
    let before = snapshot(&s);
    for (cmd, field, rule) in cases {
        match s.execute(CTX, &cmd) {
            Err(StoreError::Invalid(inv)) => assert_eq!(inv, Invalid::new(field, rule), "{cmd:?}"),
            other => panic!("{cmd:?} gave {other:?}"),
        }
        assert_eq!(snapshot(&s), before, "{cmd:?} changed something");
    }
    // Unknown ids are NotFound, also without change.
    for cmd in [
        Command::DeleteSpan { id: 99 },
        Command::UpdateExtension {
            id: 99,
            config: ext("1009"),
        },
        Command::ActivateIvrFlow { id: 99 },
    ] {
        assert!(
            matches!(
                s.execute(CTX, &cmd),
                Err(StoreError::NotFound { id: 99, .. })
            ),
            "{cmd:?}"
        );
        assert_eq!(snapshot(&s), before);
    }
    // Errors display the field and the rule.
    let err = s
        .execute(CTX, &Command::CreateExtension(ext("1001")))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid input: extension.number: already in use"
    );
}

#[test]
fn a_batch_is_all_or_nothing() {
    let (_d, mut s) = open();
    let before = snapshot(&s);
    let err = s
        .execute_all(
            CTX,
            &[
                Command::CreateExtension(ext("1001")),
                Command::CreateExtension(ext("1002")),
                Command::CreateExtension(ext("1001")),
            ],
        )
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Invalid(Invalid {
            field: "extension.number",
            rule: Rule::Duplicate
        })
    ));
    assert_eq!(snapshot(&s), before);
    let ok = s
        .execute_all(
            CTX,
            &[
                Command::CreateExtension(ext("1001")),
                Command::CreateExtension(ext("1002")),
            ],
        )
        .unwrap();
    assert_eq!(ok.iter().map(|c| c.revision).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn another_connection_sees_changes_by_revision() {
    let (dir, mut panel) = open();
    let daemon = Store::open(dir.path().join("c.db")).unwrap();
    let seen = daemon.config_revision().unwrap();
    panel
        .execute(CTX, &Command::CreateExtension(ext("1001")))
        .unwrap();
    let ch = panel
        .execute(CTX, &Command::CreateSipTrunk(trunk("prov")))
        .unwrap();
    assert_eq!(daemon.config_revision().unwrap(), ch.revision);
    let news = daemon.changes_since(seen).unwrap();
    assert_eq!(
        news.iter()
            .map(|a| (a.change.entity, a.change.op))
            .collect::<Vec<_>>(),
        [
            (Entity::Extension, Op::Create),
            (Entity::SipTrunk, Op::Create)
        ]
    );
    assert_eq!(daemon.sip_trunks().unwrap()[0].id, ch.id);
}

#[test]
fn passwords_are_argon2id_hashes_and_logins_check_them() {
    let (dir, mut s) = open();
    let u = s.execute(CTX, &Command::CreateUser(admin("root"))).unwrap();
    assert!(s.verify_login("root", "correct horse").unwrap().is_some());
    assert!(s.verify_login("root", "wrong horse").unwrap().is_none());
    assert!(s.verify_login("nobody", "correct horse").unwrap().is_none());
    s.execute(
        CTX,
        &Command::SetUserPassword {
            id: u.id,
            password: "battery staple".into(),
            must_change_password: true,
        },
    )
    .unwrap();
    assert!(s.verify_login("root", "correct horse").unwrap().is_none());
    let me = s.verify_login("root", "battery staple").unwrap().unwrap();
    assert!(me.must_change_password);
    drop(s);
    let c = rusqlite::Connection::open(dir.path().join("c.db")).unwrap();
    let hash: String = c
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("battery"));
}

#[test]
fn dial_patterns() {
    for ok in [
        "1001", "0.", "9!", "0[1-9]X.", "[13579]", "*72", "#", "NXXXXXX",
    ] {
        assert_eq!(check_pattern(ok), Ok(()), "{ok}");
    }
    for bad in [
        "", ".", "0..", "0.1", "[", "[]", "[-1]", "[1-]", "[9-1]", "x", "[a]", "1 2",
    ] {
        assert!(check_pattern(bad).is_err(), "{bad:?}");
    }
}

/// `digest_algorithms` is a SIP account's setting: `md5` on an echo extension is refused,
/// naming the field, and nothing is written; a SIP extension keeps what it was given.
#[test]
fn md5_only_digest_is_for_sip_extensions() {
    let (_d, mut s) = open();
    let echo = ExtensionConfig {
        kind: ExtensionKind::EchoTest,
        sip_password: None,
        digest_algorithms: DigestAlgorithms::Md5,
        ..ext("600")
    };
    let rev = s.config_revision().unwrap();
    match s.execute(CTX, &Command::CreateExtension(echo)) {
        Err(StoreError::Invalid(i)) => {
            assert_eq!(i.field, "extension.digest_algorithms");
            assert_eq!(
                i.rule,
                Rule::Conflicts {
                    other: "extension.kind"
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.config_revision().unwrap(), rev);
    assert!(s.extension_by_number("600").unwrap().is_none());
    let phone = ExtensionConfig {
        digest_algorithms: DigestAlgorithms::Md5,
        ..ext("1003")
    };
    s.execute(CTX, &Command::CreateExtension(phone)).unwrap();
    assert_eq!(
        s.extension_by_number("1003")
            .unwrap()
            .unwrap()
            .config
            .digest_algorithms,
        DigestAlgorithms::Md5
    );
}
