//! In-queue callback to an outside caller through the real daemon: the caller came in on the
//! E1 carrier, so their number reaches them only through the trunk group, with the dial
//! plan's outside-line prefix.
//!
//! - Dial plan: the demo's outside rule `0.` → trunk group `carrier` with **strip 1** (the
//!   plan of docs/dialplan.md: `0` + the national number, the `0` removed on the trunk).
//! - Queue `sales` (701) offers a callback (`callback_attempts` 2, first announcement after
//!   1 s); no agent is ready yet.
//! - Carrier (the test's E1 peer, `common/e1peer.rs`): calls 701 from the national number
//!   `215550100`, hears the offer, presses 1 in-band; the daemon confirms and clears it.
//! - Agent 2001: its phone (sipp UAS) registers, the agent logs on and goes Ready over CTI:
//!   the phone rings and answers, then the daemon sends the carrier a SETUP whose called
//!   number is `215550100` (dialled as `0215550100` through the internal table), the carrier
//!   answers, and audio passes both ways between the agent's RTP socket and the B-channel.
//!
//! Skipped when sipp is missing; every wait is bounded.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;
#[path = "common/panel_users.rs"]
mod panel_users;

use std::net::UdpSocket;
use std::time::Duration;

use audio::{dtmf, phone_media, sine, tone_windows};
use common::sipp::{finish, free_port, rtp_port_of};
use cti_client::{CtiClient, login};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;
use serde_json::json;
use store::config::{Command, CommandContext};
use store::events::{EventFilter, EventKind};

const WAIT: Duration = Duration::from_secs(15);
/// The caller's number as the carrier presents it (national, no trunk prefix).
const CUSTOMER: &str = "215550100";

#[test]
fn a_carrier_caller_who_asks_for_a_callback_is_dialled_on_the_trunk_and_bridged() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|st| {
        let ctx = CommandContext {
            actor: "test",
            ts: store::Timestamp(1),
        };
        let rule = st
            .dial_rules()
            .expect("rules")
            .into_iter()
            .find(|r| r.config.pattern == "0.")
            .expect("the demo's outside rule");
        let mut config = rule.config.clone();
        config.strip = 1;
        st.execute(
            ctx,
            &Command::UpdateDialRule {
                id: rule.id,
                config,
            },
        )
        .expect("strip 1");
        st.set_queue_announcements(
            ctx,
            "sales",
            &store::announce::QueueAnnouncements {
                first_after_s: 1,
                every_s: 0,
                position: false,
                wait_time: false,
                periodic_prompts: 0,
                callback_attempts: 2,
            },
        )
        .expect("announcements");
    });
    let (mut d, sip) = e2e::start(dir, data);
    let (user, password) = panel_users::add_agent_user(&d.db(), "2001");
    let http = d.http_addr();
    let mut carrier = E1Peer::on_span1(
        &mut d,
        PeerOptions {
            answer: true,
            pcap: None,
        },
    );

    // The customer calls the queue, nobody is ready: the offer, 1, cleared.
    carrier.call("701", CUSTOMER);
    carrier.wait("CONNECT", WAIT, |e| *e == PeerEvent::Connected);
    d.wait_log(&["call center", "queue_enter", "sales"]);
    d.wait_log(&["prompt", "callback-offer"]);
    carrier.play(&dtmf("1"));
    d.wait_log(&["call center", "queue_callback", "sales"]);
    carrier.wait("the confirmed caller's release", WAIT, |e| {
        matches!(e, PeerEvent::Released { .. })
    });

    // Agent 2001: phone registered and answering, then Ready over CTI.
    let agent_port = free_port();
    e2e::register(&mut d, &sip, "2001", agent_port);
    let agent_rtp = UdpSocket::bind("127.0.0.1:0").expect("agent rtp");
    let agent = e2e::sipp(
        &sip,
        "agent_phone.xml",
        "2001",
        "2001",
        agent_rtp.local_addr().unwrap().port(),
        agent_port,
        &[],
    );
    let cookie = login(&http, &user, &password);
    let mut cti = CtiClient::connect(&http, &cookie);
    for state in ["loggedOn", "ready"] {
        let r = cti.request(json!({"service": "SetAgentState", "agent": "2001",
            "requestedAgentState": {"state": state}}));
        assert_eq!(r["result"]["result"], "Ack", "{r}");
    }

    // The agent's phone answers first, then the carrier is called with the customer's
    // number (the `0` stripped by the rule) and answers.
    let ring = carrier.wait("the callback's SETUP", Duration::from_secs(30), |e| {
        matches!(e, PeerEvent::Ring { .. })
    });
    let PeerEvent::Ring { called, .. } = ring else {
        unreachable!()
    };
    assert_eq!(called, CUSTOMER, "called number of the callback");
    d.wait_log(&["call center", "queue_connect", "2001"]);
    let l = d.wait_log(&["rtp session started"]);
    let daemon_rtp = rtp_port_of(&l);

    // Bridged: the customer's 1 kHz reaches the agent's phone, the agent's 800 Hz the
    // customer, one direction at a time (see e2e_carrier_to_sip_phone.rs).
    carrier.play(&sine(1000.0, 1000, 8000.0));
    let mut phone_out = vec![0; 1400 * 8];
    phone_out.extend(sine(800.0, 1000, 8000.0));
    let got = phone_media(
        &agent_rtp,
        ([127, 0, 0, 1], daemon_rtp).into(),
        &phone_out,
        "",
        Duration::from_millis(2600),
    );
    let heard = carrier.heard();
    let tone = tone_windows(&got.audio, 1000.0);
    assert!(
        tone >= 30,
        "the agent heard only {tone} x 20 ms of the customer's 1 kHz ({} packets)",
        got.packets
    );
    let tone = tone_windows(&heard, 800.0);
    assert!(
        tone >= 30,
        "the customer heard only {tone} x 20 ms of the agent's 800 Hz ({} samples)",
        heard.len()
    );

    carrier.hangup();
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
    finish(agent, "agent 2001", Duration::from_secs(20));
    d.wait_log(&["call center", "call_complete"]);
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));

    let st = store::Store::open(d.db()).expect("open");
    let ev = st.events(&EventFilter::default()).expect("events");
    let offer = ev
        .iter()
        .find(|e| e.kind == EventKind::QueueOffer && e.payload.get("callback").is_some())
        .unwrap_or_else(|| panic!("the callback's queue_offer: {ev:#?}"));
    assert_eq!(offer.payload["callback"], CUSTOMER, "{offer:?}");
    assert_eq!(
        offer.payload["dialled"],
        format!("0{CUSTOMER}"),
        "{offer:?}"
    );
    assert!(
        ev.iter().any(|e| e.kind == EventKind::QueueConnect
            && e.agent.as_deref() == Some("2001")
            && e.payload.get("callback").is_some()),
        "{ev:#?}"
    );
    assert!(
        !ev.iter().any(|e| e.kind == EventKind::QueueAbandon),
        "a callback is not an abandon: {ev:#?}"
    );
}
