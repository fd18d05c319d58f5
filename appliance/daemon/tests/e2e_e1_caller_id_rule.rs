//! The E1 span's caller-ID rule and an extension's own outbound number (store v14) through
//! the real daemon: span1's rule is `prefix 555`; extension 1002 has its own number
//! 5552002. Phone 1001 (sipp, digest auth) dials `0215550199`: the carrier (the test's E1
//! peer) must receive a SETUP with calling number 5551001. Then phone 1002 dials the same
//! number: the SETUP's calling number is its own 5552002, not 5551002.

mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::time::Duration;

use common::sipp::{finish, free_port};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;
use store::config::{CallerIdMode, ExtensionCallerId, TrunkCallerId};

const WAIT: Duration = Duration::from_secs(15);

/// Phone `user` dials out; returns the calling number of the SETUP the carrier received
/// after `seen` earlier SETUPs.
fn call_out(
    d: &mut common::Daemon,
    sip: &str,
    carrier: &mut E1Peer,
    user: &str,
    seen: usize,
) -> Option<String> {
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let phone = e2e::sipp(
        sip,
        "call_auth.xml",
        user,
        "0215550199",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    );
    let ring = {
        let n = std::cell::Cell::new(0);
        carrier.wait("SETUP", WAIT, |e| {
            if matches!(e, PeerEvent::Ring { .. }) {
                n.set(n.get() + 1);
                n.get() > seen
            } else {
                false
            }
        })
    };
    finish(
        phone,
        &format!("phone {user} calling out"),
        Duration::from_secs(20),
    );
    d.wait_log(&["call ended", "cause=16"]);
    match ring {
        PeerEvent::Ring {
            called, calling, ..
        } => {
            assert_eq!(called, "0215550199");
            calling
        }
        _ => unreachable!(),
    }
}

#[test]
fn the_span_prefix_and_an_extensions_own_number_reach_the_carrier() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|st| {
        let ctx = store::CommandContext {
            actor: "test",
            ts: store::Timestamp::from_secs(1_700_000_001),
        };
        let mut span = st.spans().expect("spans").remove(0);
        span.config.caller_id = TrunkCallerId {
            mode: CallerIdMode::Prefix,
            number: "555".into(),
            send_restricted: true,
        };
        st.execute(
            ctx,
            &store::Command::UpdateSpan {
                id: span.id,
                config: span.config,
            },
        )
        .expect("span update");
        let mut e = st.extension_by_number("1002").expect("read").expect("1002");
        e.config.caller_id = ExtensionCallerId {
            number: Some("5552002".into()),
            ..Default::default()
        };
        st.execute(
            ctx,
            &store::Command::UpdateExtension {
                id: e.id,
                config: e.config,
            },
        )
        .expect("extension update");
    });
    let (mut d, sip) = e2e::start(dir, data);
    let mut carrier = E1Peer::on_span1(
        &mut d,
        PeerOptions {
            answer: true,
            pcap: None,
        },
    );
    assert_eq!(
        call_out(&mut d, &sip, &mut carrier, "1001", 0).as_deref(),
        Some("5551001"),
        "span1's prefix rule"
    );
    assert_eq!(
        call_out(&mut d, &sip, &mut carrier, "1002", 1).as_deref(),
        Some("5552002"),
        "1002's own outbound number"
    );
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
    carrier.stop();
}
