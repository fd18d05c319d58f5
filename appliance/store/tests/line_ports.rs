//! Line ports (analog FXS/FXO, sound channels): validation names the field and writes
//! nothing; numbers are unique across ports, extensions and queues; the demo seeds one FXS
//! and one FXO port.

use store::lines::{CallerIdStandard, LinePortConfig, LinePortKind};
use store::{Invalid, Rule, Store, StoreError, Timestamp};

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
        let e = invalid(s.add_line_port(&c));
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
        let e = invalid(s.add_line_port(&LinePortConfig::fxs(9, dev, "1201")));
        assert_eq!(e.field, "line_port.device", "{dev}");
    }
    let e = invalid(s.add_line_port(&LinePortConfig::sound(9, "", "1200")));
    assert_eq!(e.field, "line_port.device");
    let mut c = LinePortConfig::fxs(9, "virt:b.sock", "1201");
    c.country = "de".into();
    assert_eq!(invalid(s.add_line_port(&c)).field, "line_port.country");
    c.country = "etsi".into();
    c.ring_on_ms = 50;
    assert_eq!(invalid(s.add_line_port(&c)).field, "line_port.ring_on_ms");
    assert_eq!(s.config_revision().unwrap(), rev);
    assert_eq!(s.line_ports().unwrap().len(), 2);
}

#[test]
fn ports_are_added_and_deleted_with_a_new_revision() {
    let (_d, mut s) = fresh();
    let rev = s.config_revision().unwrap();
    let id = s
        .add_line_port(&LinePortConfig::sound(5, "paging", "1200"))
        .unwrap();
    let dahdi = s
        .add_line_port(&LinePortConfig::fxs(6, "dahdi:3", "1106"))
        .unwrap();
    assert_eq!(s.config_revision().unwrap(), rev + 2);
    let p = s.line_ports().unwrap();
    assert_eq!(p[0].config.device, "alsa:paging");
    assert_eq!(p[1].id, dahdi);
    assert!(s.delete_line_port(id).unwrap());
    assert!(!s.delete_line_port(id).unwrap());
    assert_eq!(s.line_ports().unwrap().len(), 1);
    assert_eq!(s.config_revision().unwrap(), rev + 3);
}
