//! Web chat on the running daemon, through its HTTP port only: agent 2001's user (linked to
//! the agent) opens the desk's chat socket and goes ready; a customer known to the CRM opens
//! the widget's socket in queue `sales`; the chat is offered to 2001, accepted, a message
//! goes each way, the agent closes it with a disposition; the customer's interaction
//! history in the store then holds the chat (channel `chat`, the agent, the disposition)
//! and its transcript. "One call or chats": while the demo's simulated agent 2001 takes a
//! queue call from sipp, its chat socket says it is out of chat routing (`on_call`), and it
//! is Ready for chats again when the call and its wrap-up are over; the other way, while
//! 2001 holds a chat a queue caller waits (2001's phone does not ring), and once the agent
//! closes the chat the call is offered to 2001 and answered. Every wait is bounded.

mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/panel_users.rs"]
mod panel_users;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::Daemon;
use common::sipp::{SIPP, finish, free_port, phone};
use cti_client::Ws;
use serde_json::json;
use store::Store;
use store::crm::{NewContact, NewCustomer};

#[test]
fn a_customer_chats_with_a_logged_in_agent_and_the_transcript_is_kept() {
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    d.wait_log(&["web chat on"]);
    let http = d.http_addr();
    let (agent_user, agent_pw) = panel_users::add_agent_user(&d.db(), "2001");
    let customer = Store::open(d.db())
        .expect("open")
        .create_customer(
            &NewCustomer {
                name: "Li Wei".into(),
                company: "ACME".into(),
                vip: false,
                contacts: vec![NewContact {
                    name: "Li Wei".into(),
                    phone: "13900000000".into(),
                    email: "li.wei@example.com".into(),
                }],
                ..NewCustomer::default()
            },
            store::Timestamp(1),
        )
        .expect("customer");

    // The agent's desk: chat socket, ready.
    let cookie = cti_client::login(&http, &agent_user, &agent_pw);
    let mut agent = Ws::connect(&format!("ws://{http}/api/chat/v1/agent/ws"), Some(&cookie));
    agent.send(&json!({"type": "ready"}));
    // The socket says `state {ready:false}` on connect, then `true` after `ready`.
    let until = Instant::now() + Duration::from_secs(20);
    while agent.wait("state")["ready"] != true {
        assert!(Instant::now() < until, "the agent never became ready");
    }

    // The customer's widget.
    let mut cust = Ws::connect(
        &format!("ws://{http}/api/chat/v1/ws?queue=sales&name=Li%20Wei&email=li.wei%40example.com"),
        None,
    );
    let chat = cust.wait("queued")["chat"].as_u64().expect("chat id");
    let offer = agent.wait("offer");
    assert_eq!(offer["chat"], chat);
    assert_eq!(offer["customer"], customer);
    agent.send(&json!({"type": "accept", "chat": chat}));
    assert_eq!(cust.wait("joined")["agent"], "2001");
    cust.send(&json!({"type": "send", "text": "Where is my order?"}));
    assert_eq!(agent.wait("message")["text"], "Where is my order?");
    agent.send(&json!({"type": "send", "chat": chat, "text": "It ships today."}));
    // The customer sees its own line echoed too; find the agent's.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let m = cust.wait("message");
        if m["text"] == "It ships today." {
            break;
        }
        assert!(Instant::now() < until, "no agent message");
    }
    agent.send(
        &json!({"type": "close", "chat": chat, "disposition": "solved", "notes": "order 42"}),
    );
    assert_eq!(cust.wait("closed")["by"], "agent");

    // Saved by the chat ticker (once a second): bounded poll of the store.
    let until = Instant::now() + Duration::from_secs(10);
    let row = loop {
        let st = Store::open(d.db()).expect("open");
        let rows = st.interactions(customer, 10).expect("interactions");
        if let Some(r) = rows.into_iter().find(|r| r.channel == "chat") {
            break r;
        }
        assert!(Instant::now() < until, "no chat in the customer's history");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(row.agent.as_deref(), Some("2001"));
    assert_eq!(row.queue.as_deref(), Some("sales"));
    assert_eq!(row.disposition, "solved");
    assert_eq!(row.notes, "order 42");
    let lines = Store::open(d.db())
        .expect("open")
        .chat_transcript(row.id)
        .expect("transcript");
    let bodies: Vec<&str> = lines.iter().map(|l| l.body.as_str()).collect();
    assert!(bodies.contains(&"Where is my order?"), "{bodies:?}");
    assert!(bodies.contains(&"It ships today."), "{bodies:?}");
}

#[test]
fn an_agent_on_a_queue_call_is_out_of_chat_routing_until_the_call_is_done() {
    if !std::path::Path::new(SIPP).exists() {
        eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
        return;
    }
    let mut d = Daemon::start(&[
        "--demo",
        "--demo-agents",
        "1",
        "--carrier-interval-ms",
        "0",
        "--drain-secs",
        "1",
    ]);
    d.wait_notify("READY=1");
    d.wait_log(&["web chat on"]);
    d.wait_log(&["call center", "agent_ready", "2001"]);
    let http = d.http_addr();
    let sip = d.sip_addr();
    let (agent_user, agent_pw) = panel_users::add_agent_user(&d.db(), "2001");
    let cookie = cti_client::login(&http, &agent_user, &agent_pw);
    let mut agent = Ws::connect(&format!("ws://{http}/api/chat/v1/agent/ws"), Some(&cookie));
    agent.send(&json!({"type": "ready"}));
    agent.find_from(0, "ready for chats", |m| {
        *m == json!({"type": "state", "ready": true})
    });

    // A caller dials queue 702; the simulated agent's phone rings and answers.
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    let caller = phone(
        &sip,
        "call_hold_d.xml",
        "1001",
        "702",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &["-auth_uri", &format!("702@{sip}"), "-d", "3000"],
    );
    d.wait_log(&["simulated agent: ringing", "2001"]);
    let (busy_at, _) = agent.find_from(0, "out of chat routing for the call", |m| {
        *m == json!({"type": "state", "ready": false, "on_call": true})
    });
    finish(caller, "caller", Duration::from_secs(30));
    d.wait_log(&["simulated agent: call ended", "2001"]);
    // Wrap-up (10 s, the queue's wrapup_s) ends by itself: Ready for chats again.
    agent.find_from(busy_at + 1, "ready for chats after the call", |m| {
        *m == json!({"type": "state", "ready": true})
    });
}

#[test]
fn an_agent_holding_a_chat_is_offered_no_queue_call_until_the_chat_is_closed() {
    if !std::path::Path::new(SIPP).exists() {
        eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
        return;
    }
    let mut d = Daemon::start(&[
        "--demo",
        "--demo-agents",
        "1",
        "--carrier-interval-ms",
        "0",
        "--drain-secs",
        "1",
    ]);
    d.wait_notify("READY=1");
    d.wait_log(&["web chat on"]);
    d.wait_log(&["call center", "agent_ready", "2001"]);
    let http = d.http_addr();
    let sip = d.sip_addr();
    let (agent_user, agent_pw) = panel_users::add_agent_user(&d.db(), "2001");
    let cookie = cti_client::login(&http, &agent_user, &agent_pw);
    let mut agent = Ws::connect(&format!("ws://{http}/api/chat/v1/agent/ws"), Some(&cookie));
    agent.send(&json!({"type": "ready"}));
    agent.find_from(0, "ready for chats", |m| {
        *m == json!({"type": "state", "ready": true})
    });

    // 2001 (Ready for calls, its simulated phone registered) takes a chat.
    let mut cust = Ws::connect(
        &format!("ws://{http}/api/chat/v1/ws?queue=sales&name=Ann"),
        None,
    );
    let chat = cust.wait("queued")["chat"].as_u64().expect("chat id");
    assert_eq!(agent.wait("offer")["chat"], chat);
    agent.send(&json!({"type": "accept", "chat": chat}));
    assert_eq!(cust.wait("joined")["agent"], "2001");
    d.wait_log(&["agent held out of voice routing", "2001"]);

    // A caller dials queue 702, whose only logged-in member is 2001: the caller waits.
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    let caller = phone(
        &sip,
        "caller_until_bye.xml",
        "1001",
        "702",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &["-auth_uri", &format!("702@{sip}")],
    );
    d.wait_log(&["call center", "queue_enter"]);
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        d.drain_log();
        std::thread::sleep(Duration::from_millis(100));
    }
    let offered = |l: &String| {
        l.contains("simulated agent: ringing") || (l.contains("queue_offer") && l.contains("2001"))
    };
    assert!(
        !d.log.iter().any(offered),
        "a queue call was offered to an agent holding a chat; log:\n{}",
        d.log.join("\n")
    );

    // The agent closes the chat: back in voice routing, the waiting call rings 2001.
    agent.send(&json!({"type": "close", "chat": chat, "disposition": "solved"}));
    assert_eq!(cust.wait("closed")["by"], "agent");
    d.wait_log(&["agent back in voice routing", "2001"]);
    d.wait_log(&["call center", "queue_offer", "2001"]);
    d.wait_log(&["simulated agent: ringing", "2001"]);
    d.wait_log(&["simulated agent: answered", "2001"]);
    let at = |what: &dyn Fn(&String) -> bool| d.log.iter().position(what).expect("in the log");
    assert!(
        at(&|l| l.contains("agent back in voice routing")) < at(&offered),
        "offered only after the chat: log:\n{}",
        d.log.join("\n")
    );
    // The simulated agent hangs up after its talk time (8–20 s): the caller gets the BYE.
    finish(caller, "caller", Duration::from_secs(40));
}
