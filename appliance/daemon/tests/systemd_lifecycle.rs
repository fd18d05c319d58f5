//! READY on the NOTIFY_SOCKET, /metrics and /healthz, SIGHUP reload of a config change made
//! through the store, SIGTERM exits 0 with STOPPING.

mod common;

use std::time::Duration;

use common::{Daemon, get, metric};
use nix::sys::signal::Signal;
use store::config::{Command, ExtensionConfig, ExtensionKind};
use store::{CommandContext, Store, Timestamp};

#[test]
fn ready_metrics_reload_and_term() {
    let mut d = Daemon::start(&["--drain-secs", "5"]);
    let ready = d.wait_notify("READY=1");
    assert!(ready.contains("STATUS="), "{ready}");
    let addr = d.http_addr();

    let (code, body) = get(&addr, "/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"database\":true"), "{body}");
    assert!(body.contains("\"draining\":false"), "{body}");

    let (code, body) = get(&addr, "/metrics");
    assert_eq!(code, 200);
    assert_eq!(
        metric(&body, "appliance_config_revision "),
        Some(0.0),
        "{body}"
    );
    assert!(
        metric(&body, "appliance_media_ticks_total").is_some_and(|t| t > 0.0),
        "{body}"
    );
    assert!(body.contains("appliance_media_late_ticks_total"), "{body}");
    assert_eq!(metric(&body, "appliance_config_reloads_total"), Some(0.0));

    // A config change through the store, as the admin panel would make it.
    let mut st = Store::open(d.db()).expect("second connection");
    let change = st
        .execute(
            CommandContext {
                actor: "test",
                ts: Timestamp::from_secs(1),
            },
            &Command::CreateExtension(ExtensionConfig {
                number: "650".into(),
                name: "Echo two".into(),
                kind: ExtensionKind::EchoTest,
                sip_password: None,
                digest_algorithms: Default::default(),
                caller_id: Default::default(),
            }),
        )
        .expect("create extension");
    assert_eq!(change.revision, 1);
    drop(st);

    d.signal(Signal::SIGHUP);
    d.wait_log(&[
        "config change",
        "revision=1",
        "Extension",
        "op=\"create\"",
        "actor=test",
    ]);
    d.wait_log(&["configuration reloaded", "from=0", "to=1"]);
    let (_, body) = get(&addr, "/metrics");
    assert_eq!(
        metric(&body, "appliance_config_revision "),
        Some(1.0),
        "{body}"
    );
    // The config watch may have seen the new revision and reloaded just before the SIGHUP
    // (then the SIGHUP's reload finds nothing new): one reload or two, never none.
    assert!(
        metric(&body, "appliance_config_reloads_total").is_some_and(|n| n >= 1.0),
        "{body}"
    );
    d.wait_notify("RELOADING=1");

    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(5));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
    d.wait_notify("STOPPING=1");
    assert!(d.log.iter().any(|l| l.contains("no active calls left")));
}
