//! Editing a line port ([`Command::UpdateLinePort`]) keeps the create rules, the port's own
//! numbers excepted, and is audited; a trunk group an FXO port names (by name) can be
//! neither deleted nor renamed until the port lets go of it.

use store::config::{Command, CommandContext, Op, TrunkGroupConfig, TrunkRef};
use store::lines::LinePortConfig;
use store::{Entity, Invalid, Rule, Store, StoreError, Timestamp};

const CTX: CommandContext<'static> = CommandContext {
    actor: "web:root",
    ts: Timestamp(1_700_000_000_000_000),
};

fn demo() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("a.db")).unwrap();
    s.seed_demo(Timestamp::from_secs(1)).unwrap().unwrap();
    (dir, s)
}

fn invalid<T: std::fmt::Debug>(r: store::Result<T>) -> Invalid {
    match r {
        Err(StoreError::Invalid(i)) => i,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn an_update_keeps_the_uniqueness_rules_both_ways_and_is_audited() {
    let (_d, mut s) = demo();
    let ports = s.line_ports().unwrap();
    let fxs = ports.iter().find(|p| p.config.port == 1).unwrap().clone();
    let rev = s.config_revision().unwrap();
    let with = |f: &dyn Fn(&mut LinePortConfig)| {
        let mut c = fxs.config.clone();
        f(&mut c);
        c
    };
    // Taken by the other port, an extension, a queue: refused, nothing written.
    for (c, field) in [
        (with(&|c| c.port = 2), "line_port.port"),
        (
            with(&|c| c.extension = Some("1001".into())),
            "line_port.extension",
        ),
        (
            with(&|c| c.extension = Some("701".into())),
            "line_port.extension",
        ),
    ] {
        let e = invalid(s.update_line_port(CTX, fxs.id, &c));
        assert_eq!((e.field, e.rule), (field, Rule::Duplicate));
    }
    let e = invalid(s.update_line_port(CTX, fxs.id, &with(&|c| c.ring_on_ms = 50)));
    assert_eq!(e.field, "line_port.ring_on_ms");
    assert!(matches!(
        s.update_line_port(CTX, 999_999, &fxs.config),
        Err(StoreError::NotFound {
            entity: Entity::LinePort,
            ..
        })
    ));
    assert_eq!(s.config_revision().unwrap(), rev, "nothing written");
    assert_eq!(s.line_ports().unwrap(), ports);
    // Its own port and extension numbers are not duplicates of themselves.
    let moved = with(&|c| {
        c.port = 7;
        c.ring_off_ms = 3000;
    });
    s.update_line_port(CTX, fxs.id, &moved).unwrap();
    let now = s.line_ports().unwrap();
    assert_eq!(now.iter().find(|p| p.id == fxs.id).unwrap().config, moved);
    let log = s.changes_since(rev).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].change.entity, log[0].change.id, log[0].change.op),
        (Entity::LinePort, fxs.id, Op::Update)
    );
    assert_eq!(log[0].actor, "web:root");
    // The other way round: an extension cannot take the port's (kept) extension number.
    let e = invalid(s.execute(
        CTX,
        &Command::CreateExtension(store::config::ExtensionConfig {
            number: "1101".into(),
            name: "x".into(),
            kind: store::config::ExtensionKind::EchoTest,
            sip_password: None,
            digest_algorithms: store::config::DigestAlgorithms::default(),
            caller_id: Default::default(),
        }),
    ));
    assert_eq!((e.field, e.rule), ("extension.number", Rule::Duplicate));
}

#[test]
fn a_trunk_group_named_by_an_fxo_port_is_neither_deleted_nor_renamed() {
    let (_d, mut s) = demo();
    let span = s.spans().unwrap()[0].id;
    let group = TrunkGroupConfig {
        name: "analog".into(),
        members: vec![TrunkRef::Span(span)],
    };
    let gid = s
        .execute(CTX, &Command::CreateTrunkGroup(group.clone()))
        .unwrap()
        .id;
    let port = LinePortConfig::fxo(3, "virt:fxo3.sock", "8000", Some("analog"));
    let pid = s.add_line_port(CTX, &port).unwrap();
    let rev = s.config_revision().unwrap();
    let e = invalid(s.execute(CTX, &Command::DeleteTrunkGroup { id: gid }));
    assert_eq!(
        (e.field, e.rule),
        (
            "trunk_group.id",
            Rule::InUse {
                by: "an FXO line port"
            }
        )
    );
    let renamed = TrunkGroupConfig {
        name: "analog2".into(),
        ..group.clone()
    };
    let e = invalid(s.execute(
        CTX,
        &Command::UpdateTrunkGroup {
            id: gid,
            config: renamed.clone(),
        },
    ));
    assert_eq!(
        (e.field, e.rule),
        (
            "trunk_group.name",
            Rule::InUse {
                by: "an FXO line port"
            }
        )
    );
    assert_eq!(s.config_revision().unwrap(), rev, "nothing written");
    // Same name, other members: fine.
    s.execute(
        CTX,
        &Command::UpdateTrunkGroup {
            id: gid,
            config: group,
        },
    )
    .unwrap();
    // Once the port names another group, the rename and the delete go through.
    let mut moved = port.clone();
    moved.trunk_group = Some("carrier".into());
    s.update_line_port(CTX, pid, &moved).unwrap();
    s.execute(
        CTX,
        &Command::UpdateTrunkGroup {
            id: gid,
            config: renamed,
        },
    )
    .unwrap();
    s.execute(CTX, &Command::DeleteTrunkGroup { id: gid })
        .unwrap();
    assert!(s.trunk_groups().unwrap().iter().all(|g| g.id != gid));
}

#[test]
fn the_chat_capacity_defaults_to_two_is_bounded_and_audited() {
    let (_d, mut s) = demo();
    assert_eq!(s.chat_capacity().unwrap(), 2);
    let rev = s.config_revision().unwrap();
    for bad in [0, 11, 255] {
        let e = invalid(s.execute(CTX, &Command::SetChatCapacity { capacity: bad }));
        assert_eq!(e.field, "chat.capacity");
    }
    assert_eq!(s.config_revision().unwrap(), rev);
    s.execute(CTX, &Command::SetChatCapacity { capacity: 1 })
        .unwrap();
    assert_eq!(s.chat_capacity().unwrap(), 1);
    let log = s.changes_since(rev).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].change.entity, Entity::ChatSettings);
}

/// Answer supervision (v15) is an FXO setting: it round-trips on an FXO port and is refused,
/// naming the field, on an FXS port, with nothing written.
#[test]
fn answer_on_polarity_is_for_fxo_ports_only() {
    let (_d, mut s) = demo();
    let ports = s.line_ports().unwrap();
    let fxo = ports
        .iter()
        .find(|p| p.config.route.is_some())
        .unwrap()
        .clone();
    let fxs = ports
        .iter()
        .find(|p| p.config.extension.is_some())
        .unwrap()
        .clone();
    assert!(!fxo.config.answer_on_polarity, "off by default");
    let mut config = fxo.config.clone();
    config.answer_on_polarity = true;
    s.execute(CTX, &Command::UpdateLinePort { id: fxo.id, config })
        .unwrap();
    let again = s.line_ports().unwrap();
    assert!(
        again
            .iter()
            .find(|p| p.id == fxo.id)
            .unwrap()
            .config
            .answer_on_polarity
    );

    let rev = s.config_revision().unwrap();
    let mut config = fxs.config.clone();
    config.answer_on_polarity = true;
    let e = invalid(s.execute(CTX, &Command::UpdateLinePort { id: fxs.id, config }));
    assert_eq!(e.field, "line_port.answer_on_polarity");
    assert_eq!(s.config_revision().unwrap(), rev);
    assert!(
        !s.line_ports()
            .unwrap()
            .iter()
            .find(|p| p.id == fxs.id)
            .unwrap()
            .config
            .answer_on_polarity
    );
}
