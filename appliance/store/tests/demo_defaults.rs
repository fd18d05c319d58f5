//! The demo defaults seed a fresh database once, with what issue 5's `make demo` promises.

use store::config::{
    DialTarget, ExtensionKind, Framing, Signalling, SpanRole, SwitchType, TrunkRef,
};
use store::{DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USER, Store, Timestamp};

#[test]
fn seeds_once_with_the_promised_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("demo.db")).unwrap();
    let summary = s.seed_demo(Timestamp(1)).unwrap().unwrap();
    assert_eq!(summary.revision, s.config_revision().unwrap());

    let spans = s.spans().unwrap();
    assert_eq!(spans.len(), 1);
    let sp = &spans[0].config;
    assert_eq!(
        (
            sp.signalling,
            sp.framing,
            sp.crc4,
            sp.role,
            sp.switchtype,
            sp.device.as_str()
        ),
        (
            Signalling::Pri,
            Framing::Ccs,
            true,
            SpanRole::User,
            SwitchType::EuroIsdn,
            "virt:span1.sock"
        )
    );
    for n in (1001..=1004).chain(2001..=2010) {
        let e = s
            .extension_by_number(&n.to_string())
            .unwrap()
            .unwrap()
            .config;
        assert_eq!(e.kind, ExtensionKind::Sip);
        assert_eq!(e.sip_password.as_deref(), Some(format!("demo{n}").as_str()));
    }
    assert_eq!(
        s.extension_by_number("600").unwrap().unwrap().config.kind,
        ExtensionKind::EchoTest
    );
    assert_eq!(
        s.extension_by_number("601").unwrap().unwrap().config.kind,
        ExtensionKind::TestTone
    );
    let tg = &s.trunk_groups().unwrap()[0];
    assert_eq!(tg.config.members, [TrunkRef::Span(spans[0].id)]);
    assert_eq!(
        s.dial_rules().unwrap()[0].config.target,
        DialTarget::TrunkGroup(tg.id)
    );
    let queues = s.queues().unwrap();
    assert_eq!(
        queues
            .iter()
            .map(|q| (
                q.config.name.as_str(),
                q.config.number.as_deref(),
                q.config.members.len()
            ))
            .collect::<Vec<_>>(),
        [("sales", Some("701"), 10), ("support", Some("702"), 10)]
    );
    assert_eq!(s.agents().unwrap().len(), 10);

    let admin = s
        .verify_login(DEMO_ADMIN_USER, DEMO_ADMIN_PASSWORD)
        .unwrap()
        .unwrap();
    assert!(admin.must_change_password);
    assert_eq!(summary.admin, (DEMO_ADMIN_USER, DEMO_ADMIN_PASSWORD));
    // The CRM account the demo IVR's balance look-up (menu 9) reads.
    let acct = s.account_by_number(store::DEMO_ACCOUNT).unwrap().unwrap();
    assert_eq!(acct.balance_minor, store::DEMO_BALANCE_MINOR);
    assert_eq!(s.bills(acct.id).unwrap().len(), 1);
    assert_eq!(s.appointments(acct.customer_id).unwrap().len(), 1);
    s.check_integrity().unwrap();

    // A second run leaves an existing configuration alone.
    let rev = s.config_revision().unwrap();
    assert!(s.seed_demo(Timestamp(2)).unwrap().is_none());
    assert_eq!(s.config_revision().unwrap(), rev);
}
