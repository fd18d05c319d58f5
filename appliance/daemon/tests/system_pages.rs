//! The panel's system pages on the running daemon (`--demo`): the daemon turns them on
//! (`WebState::set_system`), so an admin gets `/admin/system` (200, not 503), downloads a
//! backup of the live database (an SQLite file holding the demo's configuration) and sets
//! the management network, which in demo mode is written under the data directory
//! (`DATA/system-root/etc/systemd/network/10-appliance.network`), never to `/etc`. A
//! supervisor is refused. Every wait is bounded.

mod common;
#[path = "common/cti.rs"]
mod cti_client;

use common::Daemon;
use cti_client::{http, login};
use nix::sys::signal::Signal;
use store::config::{Command as StoreCommand, CommandContext, Language, NewUser, Role};

const PASSWORD: &str = "admin-secret-pw";

#[test]
fn an_admin_uses_the_system_pages_of_the_running_daemon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    {
        let mut st = store::Store::open(data.join("appliance.db")).expect("store");
        st.seed_demo(store::Timestamp::from_secs(1_700_000_000))
            .expect("seed")
            .expect("fresh");
        for (name, role) in [("ops", Role::Admin), ("sup", Role::Supervisor)] {
            st.execute(
                CommandContext {
                    actor: "test",
                    ts: store::Timestamp(1),
                },
                &StoreCommand::CreateUser(NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    role,
                    password: PASSWORD.into(),
                    must_change_password: false,
                    language: Language::En,
                }),
            )
            .expect("user");
        }
    }
    let mut d = Daemon::start_in(
        dir,
        data.clone(),
        &["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"],
    );
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    let admin = login(&addr, "ops", PASSWORD);

    let (st, _, body) = http(&addr, "GET", "/admin/system", &[("cookie", &admin)], "");
    assert_eq!(st, 200, "{body}");
    let (st, _, body) = http(
        &addr,
        "GET",
        "/api/v1/system/network",
        &[("cookie", &admin)],
        "",
    );
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("dhcp"), "{body}");

    // Backup download: the live database as an SQLite file.
    let (st, headers, body) = http(
        &addr,
        "GET",
        "/api/v1/system/backup",
        &[("cookie", &admin)],
        "",
    );
    assert_eq!(st, 200);
    assert!(body.starts_with("SQLite format 3"), "not an SQLite file");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-disposition" && v.contains("appliance-backup-")),
        "{headers:?}"
    );

    // Setting the network writes under the data directory in demo mode.
    let (st, _, me) = http(&addr, "GET", "/api/v1/me", &[("cookie", &admin)], "");
    assert_eq!(st, 200, "{me}");
    let me: serde_json::Value = serde_json::from_str(&me).expect("me json");
    let csrf = me["csrf"].as_str().expect("csrf").to_owned();
    let (st, _, body) = http(
        &addr,
        "PUT",
        "/api/v1/system/network",
        &[
            ("cookie", &admin),
            ("x-csrf-token", &csrf),
            ("content-type", "application/json"),
        ],
        r#"{"mode":"static","address":"192.168.77.10/24","gateway":"192.168.77.1","dns":"192.168.77.1"}"#,
    );
    assert_eq!(st, 200, "{body}");
    let file = data.join("system-root/etc/systemd/network/10-appliance.network");
    let text = std::fs::read_to_string(&file).expect("network file under the data dir");
    assert!(text.contains("192.168.77.10/24"), "{text}");

    // Not for supervisors.
    let sup = login(&addr, "sup", PASSWORD);
    let (st, _, _) = http(
        &addr,
        "GET",
        "/api/v1/system/backup",
        &[("cookie", &sup)],
        "",
    );
    assert_eq!(st, 403);

    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(std::time::Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}
