//! A configuration change written by another process (as the web panel, the console or the
//! REST API write it: a second connection to the database) applies without a SIGHUP: the
//! daemon sees the config revision move within seconds and reloads. Shown with a new SIP
//! extension: its phone cannot register before the change and registers after it.
//! Skipped when sipp is missing; every wait is bounded.

mod common;

use common::phones::{Phone, demo_daemon, have_sipp, register, stop};
use common::sipp::free_port;
use common::{get, metric};
use store::config::{Command, ExtensionConfig, ExtensionKind};
use store::{CommandContext, Store, Timestamp};

#[test]
fn an_extension_created_in_the_database_can_register_without_a_sighup() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();

    // Before: 1050 is no account of the daemon's; its REGISTER is refused.
    let refused = Phone::new(&sip, "register.xml", "1050", "1050")
        .port(free_port())
        .spawn()
        .wait_with_output()
        .expect("sipp ran");
    assert!(
        !refused.status.success(),
        "1050 registered before it existed"
    );

    let mut st = Store::open(d.db()).expect("second connection");
    let change = st
        .execute(
            CommandContext {
                actor: "panel",
                ts: Timestamp::from_secs(1),
            },
            &Command::CreateExtension(ExtensionConfig {
                number: "1050".into(),
                name: "New desk".into(),
                kind: ExtensionKind::Sip,
                sip_password: Some("demo1050".into()),
                digest_algorithms: Default::default(),
                caller_id: Default::default(),
            }),
        )
        .expect("create extension");
    drop(st);

    // No signal: the daemon notices the revision and reloads by itself.
    d.wait_log(&[
        "config revision moved: reloading",
        &format!("revision={}", change.revision),
    ]);
    d.wait_log(&["config change: applied", "entity=Extension"]);
    register(&mut d, &sip, "1050", free_port());
    let (_, body) = get(&d.http_addr(), "/metrics");
    assert_eq!(
        metric(&body, "appliance_config_revision"),
        Some(change.revision as f64),
        "{body}"
    );
    assert_eq!(
        metric(&body, "appliance_config_reloads_total"),
        Some(1.0),
        "one reload, no SIGHUP: {body}"
    );
    stop(&mut d);
}
