//! One HTTP server: the admin panel (crate web-admin) is served on the daemon's port next
//! to /metrics and /healthz.

mod common;

use std::time::Duration;

use common::{Daemon, get};
use nix::sys::signal::Signal;

#[test]
fn the_admin_panel_metrics_and_health_share_one_port() {
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    let (code, body) = get(&addr, "/login");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("<form"), "{body}");
    // A page behind the login is refused to an anonymous visitor, not served.
    let (code, _) = get(&addr, "/api/v1/extensions");
    assert!(code == 401 || code == 403 || code == 303, "{code}");
    let (code, body) = get(&addr, "/metrics");
    assert_eq!(code, 200);
    assert!(body.contains("appliance_media_ticks_total"), "{body}");
    let (code, _) = get(&addr, "/healthz");
    assert_eq!(code, 200);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
