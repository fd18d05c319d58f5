//! Line ports (analog FXS/FXO, sound channels): validation names the field and writes
//! nothing; numbers are unique across ports, extensions and queues (both ways); changes
//! are audited configuration commands; the demo seeds one FXS and one FXO port.

use store::config::{Command, CommandContext, ExtensionConfig, ExtensionKind, Op, QueueConfig};
use store::lines::{CallerIdStandard, LineCountry, LinePortConfig, LinePortKind};
use store::{Entity, Invalid, Rule, Store, StoreError, Timestamp};

const CTX: CommandContext<'static> = CommandContext {
    actor: "admin",
    ts: Timestamp(1_700_000_000_000_000),
};

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("a.db")).unwrap();
    (dir, s)
}

fn invalid(r: store::Result<i64>) -> Invalid {
    match r {
        Err(StoreError::Invalid(i)) => i,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn the_demo_seeds_an_fxs_and_an_fxo_port() {
    let (_d, mut s) = fresh();
    let summary = s.seed_demo(Timestamp::from_secs(1)).unwrap().unwrap();
    assert_eq!(summary.revision, s.config_revision().unwrap());
    let p = s.line_ports().unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].config.kind, LinePortKind::Fxs);
    assert_eq!(p[0].config.extension.as_deref(), Some("1101"));
    assert_eq!(p[0].config.device, "virt:fxs1.sock");
    assert_eq!(p[1].config.kind, LinePortKind::Fxo);
    assert_eq!(p[1].config.route.as_deref(), Some("8000"));
    assert_eq!(p[1].config.trunk_group.as_deref(), Some("carrier"));
    assert_eq!(p[1].config.caller_id, CallerIdStandard::EtsiFsk);
}

#[test]
fn bad_ports_are_refused_with_the_field_and_nothing_is_written() {
    let (_d, mut s) = fresh();
    s.seed_demo(Timestamp::from_secs(1)).unwrap().unwrap();
    let rev = s.config_revision().unwrap();
    let cases: Vec<(LinePortConfig, &str, Rule)> = vec![
        (
            LinePortConfig::fxs(0, "virt:a.sock", "1201"),
            "line_port.port",
            Rule::OutOfRange { min: 1, max: 255 },
        ),
        (
            LinePortConfig::fxs(1, "virt:b.sock", "1201"),
            "line_port.port",
            Rule::Duplicate,
        ),
        (
            LinePortConfig::fxs(9, "virt:b.sock", "1001"),
            "line_port.extension",
            Rule::Duplicate,
        ),
        (
            LinePortConfig::fxs(9, "virt:b.sock", "701"),
            "line_port.extension",
            Rule::Duplicate,
        ),
        (
            LinePortConfig::fxs(9, "virt:b.sock", "12a"),
            "line_port.extension",
            Rule::BadChars { allowed: "0-9" },
        ),
        (
            LinePortConfig::fxo(9, "virt:b.sock", "8000", Some("nosuch")),
            "line_port.trunk_group",
            Rule::NoSuchReference,
        ),
        (
            LinePortConfig::fxo(9, "virt:b.sock", "", None),
            "line_port.route",
            Rule::Empty,
        ),
    ];
    for (c, field, rule) in cases {
        let e = invalid(s.add_line_port(CTX, &c));
        assert_eq!((e.field, e.rule), (field, rule), "{c:?}");
    }
    for dev in [
        "virt:/etc/x",
        "virt:../x",
        "dahdi:0",
        "dahdi:x",
        "alsa:default",
        "x",
    ] {
        let e = invalid(s.add_line_port(CTX, &LinePortConfig::fxs(9, dev, "1201")));
        assert_eq!(e.field, "line_port.device", "{dev}");
    }
    let e = invalid(s.add_line_port(CTX, &LinePortConfig::sound(9, "", "1200")));
    assert_eq!(e.field, "line_port.device");
    // The tone plan is a closed set: `de` is not one (nothing to store).
    assert_eq!(LineCountry::parse("de"), None);
    let mut c = LinePortConfig::fxs(9, "virt:b.sock", "1201");
    c.country = LineCountry::Etsi;
    c.ring_on_ms = 50;
    assert_eq!(
        invalid(s.add_line_port(CTX, &c)).field,
        "line_port.ring_on_ms"
    );
    assert_eq!(s.config_revision().unwrap(), rev);
    assert_eq!(s.line_ports().unwrap().len(), 2);
}

#[test]
fn ports_are_added_and_deleted_with_a_new_revision() {
    let (_d, mut s) = fresh();
    let rev = s.config_revision().unwrap();
    let id = s
        .add_line_port(CTX, &LinePortConfig::sound(5, "paging", "1200"))
        .unwrap();
    let dahdi = s
        .add_line_port(CTX, &LinePortConfig::fxs(6, "dahdi:3", "1106"))
        .unwrap();
    assert_eq!(s.config_revision().unwrap(), rev + 2);
    let p = s.line_ports().unwrap();
    assert_eq!(p[0].config.device, "alsa:paging");
    assert_eq!(p[1].id, dahdi);
    assert!(s.delete_line_port(CTX, id).unwrap());
    assert!(!s.delete_line_port(CTX, id).unwrap());
    assert_eq!(s.line_ports().unwrap().len(), 1);
    assert_eq!(s.config_revision().unwrap(), rev + 3);
}

/// The other way round: an extension or a queue may not take a number an FXS port has
/// (before, only the port side checked, and the daemon then refused the whole dial plan).
#[test]
fn an_extension_or_queue_cannot_take_a_port_number_and_nothing_changes() {
    let (_d, mut s) = fresh();
    s.seed_demo(Timestamp::from_secs(1)).unwrap().unwrap();
    let rev = s.config_revision().unwrap();
    let extensions = s.extensions().unwrap();
    let queues = s.queues().unwrap();
    let sip = ExtensionConfig {
        number: "1101".into(),
        name: "Phone 1101".into(),
        kind: ExtensionKind::Sip,
        sip_password: Some("demo1101pw".into()),
        digest_algorithms: Default::default(),
        caller_id: Default::default(),
    };
    let mut queue: QueueConfig = queues[0].config.clone();
    queue.name = "paging".into();
    queue.number = Some("1101".into());
    let first = extensions[0].clone();
    let cases = [
        (Command::CreateExtension(sip), "extension.number"),
        (
            Command::UpdateExtension {
                id: first.id,
                config: ExtensionConfig {
                    number: "1101".into(),
                    ..first.config
                },
            },
            "extension.number",
        ),
        (Command::CreateQueue(queue), "queue.number"),
    ];
    for (cmd, field) in cases {
        match s.execute(CTX, &cmd) {
            Err(StoreError::Invalid(i)) => {
                assert_eq!((i.field, i.rule), (field, Rule::Duplicate), "{cmd:?}");
            }
            other => panic!("{cmd:?}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(s.config_revision().unwrap(), rev);
    assert_eq!(s.extensions().unwrap(), extensions);
    assert_eq!(s.queues().unwrap(), queues);
}

#[test]
fn port_changes_are_audited_configuration_commands() {
    let (_d, mut s) = fresh();
    let rev = s.config_revision().unwrap();
    let id = s
        .add_line_port(CTX, &LinePortConfig::fxs(3, "virt:fxs3.sock", "1103"))
        .unwrap();
    assert!(s.delete_line_port(CTX, id).unwrap());
    let audit: Vec<_> = s
        .changes_since(rev)
        .unwrap()
        .into_iter()
        .map(|a| (a.actor, a.change.entity, a.change.id, a.change.op))
        .collect();
    assert_eq!(
        audit,
        [
            ("admin".to_owned(), Entity::LinePort, id, Op::Create),
            ("admin".to_owned(), Entity::LinePort, id, Op::Delete),
        ]
    );
}
