//! Web chat over real WebSockets on 127.0.0.1: a customer chat is queued, routed by the
//! `acd` engine to the Ready agent with the chat skill, messages flow both ways, the agent
//! closes it with a disposition and the transcript lands in the customer's history; bad
//! frames are refused and lose nothing; chat capacity holds; new chats are rate-limited
//! per source address; the widget page escapes what it is given.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Harness, PASSWORD, cookie_header, enable_chat};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use store::Timestamp;
use store::chat::Sender;
use store::crm::NewCustomer;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(h: &Harness) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = web_admin::router(h.state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    addr
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(t) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

async fn customer(addr: SocketAddr, query: &str) -> Ws {
    tokio_tungstenite::connect_async(format!("ws://{addr}/api/chat/v1/ws?{query}"))
        .await
        .unwrap()
        .0
}

async fn agent(h: &Harness, addr: SocketAddr) -> Ws {
    let a = h.login("agent1", PASSWORD).await;
    let mut req = format!("ws://{addr}/api/chat/v1/agent/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("cookie", cookie_header(&a).parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type": "state", "ready": false})
    );
    ws
}

fn crm_customer(h: &Harness) -> i64 {
    h.peek()
        .create_customer(
            &NewCustomer {
                name: "Han Meimei".into(),
                email: "meimei@example.com".into(),
                ..Default::default()
            },
            Timestamp(common::T0),
        )
        .unwrap()
}

/// Waits (bounded) until the store holds `n` chat interactions of the customer.
async fn saved(h: &Harness, customer: i64, n: usize) -> Vec<store::crm::Interaction> {
    for _ in 0..200 {
        let v: Vec<_> = h
            .peek()
            .interactions(customer, 10)
            .unwrap()
            .into_iter()
            .filter(|i| i.channel == "chat")
            .collect();
        if v.len() >= n {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("chat not saved");
}

#[tokio::test]
async fn a_customer_chat_is_queued_routed_to_the_chat_agent_and_its_transcript_saved() {
    let h = Harness::desk();
    enable_chat(&h, 2);
    let cust = crm_customer(&h);
    let addr = serve(&h).await;
    // Without a session the agent socket is refused.
    assert!(
        tokio_tungstenite::connect_async(format!("ws://{addr}/api/chat/v1/agent/ws"))
            .await
            .is_err()
    );
    // The customer comes first: queued at position 1, nobody ready.
    let mut c = customer(addr, "queue=web&name=Meimei&email=MEIMEI%40example.com").await;
    let q = next_json(&mut c).await;
    assert_eq!(
        (q["type"].as_str(), q["position"].as_u64()),
        (Some("queued"), Some(1))
    );
    let chat = q["chat"].as_u64().unwrap();
    send(
        &mut c,
        json!({"type": "send", "text": "<b>hello</b> & bye"}),
    )
    .await;
    assert_eq!(next_json(&mut c).await["from"], "customer");

    let mut a = agent(&h, addr).await;
    send(&mut a, json!({"type": "ready"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": true})
    );
    let offer = next_json(&mut a).await;
    assert_eq!(offer["type"], "offer", "{offer}");
    assert_eq!(offer["chat"].as_u64(), Some(chat));
    assert_eq!(offer["customer"].as_i64(), Some(cust), "matched by e-mail");
    assert_eq!(offer["lines"][0]["text"], "<b>hello</b> & bye");
    // Not offered to 2002 (no chat skill): accepting someone else's chat is refused.
    send(
        &mut a,
        json!({"type": "send", "chat": chat, "text": "too early"}),
    )
    .await;
    assert_eq!(next_json(&mut a).await["error"], "this chat is not yours");

    send(&mut a, json!({"type": "accept", "chat": chat})).await;
    let acc = next_json(&mut a).await;
    assert_eq!(
        (acc["type"].as_str(), acc["customer"].as_i64()),
        (Some("accepted"), Some(cust))
    );
    assert_eq!(
        next_json(&mut c).await,
        json!({"type": "joined", "agent": "2001"})
    );

    send(&mut c, json!({"type": "typing"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "typing", "chat": chat})
    );
    send(&mut c, json!({"type": "send", "text": "my order is late"})).await;
    let m = next_json(&mut a).await;
    assert_eq!(
        (m["from"].as_str(), m["text"].as_str()),
        (Some("customer"), Some("my order is late"))
    );
    assert_eq!(next_json(&mut c).await["text"], "my order is late");
    send(
        &mut a,
        json!({"type": "send", "chat": chat, "text": "Let me check."}),
    )
    .await;
    let m = next_json(&mut c).await;
    assert_eq!(
        (m["from"].as_str(), m["text"].as_str()),
        (Some("agent"), Some("Let me check."))
    );
    assert_eq!(next_json(&mut a).await["text"], "Let me check.");

    send(
        &mut a,
        json!({"type": "close", "chat": chat, "disposition": "resolved", "notes": "shipped today"}),
    )
    .await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "closed", "chat": chat, "by": "agent"})
    );
    assert_eq!(
        next_json(&mut c).await,
        json!({"type": "closed", "chat": chat, "by": "agent"})
    );

    let hist = saved(&h, cust, 1).await;
    let i = &hist[0];
    assert_eq!(i.agent.as_deref(), Some("2001"));
    assert_eq!(i.queue.as_deref(), Some("web"));
    assert_eq!(
        (i.disposition.as_str(), i.notes.as_str()),
        ("resolved", "shipped today")
    );
    let t = h.peek().chat_transcript(i.id).unwrap();
    let said: Vec<(Sender, &str)> = t.iter().map(|l| (l.sender, l.body.as_str())).collect();
    assert_eq!(
        said,
        vec![
            (Sender::Customer, "<b>hello</b> & bye"),
            (Sender::System, "agent 2001 joined"),
            (Sender::Customer, "my order is late"),
            (Sender::Agent, "Let me check."),
            (Sender::System, "closed by agent"),
        ]
    );
}

#[tokio::test]
async fn malformed_and_oversized_messages_are_refused_and_lose_nothing() {
    let h = Harness::desk();
    let chat_svc = enable_chat(&h, 1);
    let cust = crm_customer(&h);
    let addr = serve(&h).await;
    let mut c = customer(addr, "queue=web&email=meimei@example.com").await;
    next_json(&mut c).await;
    send(&mut c, json!({"type": "send", "text": "first"})).await;
    next_json(&mut c).await;
    for (frame, error) in [
        ("{not json".to_owned(), "malformed message"),
        (
            json!({"type": "shout", "text": "x"}).to_string(),
            "malformed message",
        ),
        (
            json!({"type": "send", "text": "x", "extra": 1}).to_string(),
            "malformed message",
        ),
        (
            json!({"type": "send", "text": "   "}).to_string(),
            "empty message",
        ),
        (
            json!({"type": "send", "text": "y".repeat(2001)}).to_string(),
            "text longer than 2000 characters",
        ),
    ] {
        c.send(Message::Text(frame.into())).await.unwrap();
        let m = next_json(&mut c).await;
        assert_eq!(
            (m["type"].as_str(), m["error"].as_str()),
            (Some("error"), Some(error)),
            "{m}"
        );
    }
    // The socket still works; a frame over 16 KiB closes it.
    send(&mut c, json!({"type": "send", "text": "second"})).await;
    assert_eq!(next_json(&mut c).await["text"], "second");
    let _ = c.send(Message::Text("z".repeat(20_000).into())).await;
    let mut closed = false;
    for _ in 0..10 {
        match tokio::time::timeout(Duration::from_secs(10), c.next()).await {
            Ok(None | Some(Err(_) | Ok(Message::Close(_)))) => {
                closed = true;
                break;
            }
            Ok(Some(Ok(_))) => {}
            Err(_) => break,
        }
    }
    assert!(closed, "oversized frame closes the socket");
    // The chat ended with the socket; the transcript keeps exactly the valid messages.
    let hist = saved(&h, cust, 1).await;
    assert_eq!(hist[0].disposition, "customer_left");
    let t = h.peek().chat_transcript(hist[0].id).unwrap();
    let bodies: Vec<&str> = t.iter().map(|l| l.body.as_str()).collect();
    assert_eq!(bodies, vec!["first", "second", "closed by customer"]);
    assert_eq!(chat_svc.open_chats(), 0);
    // Unknown queue and over-long fields: refused before any socket opens.
    for q in ["queue=nope", &format!("queue=web&name={}", "n".repeat(65))] {
        let r = tokio_tungstenite::connect_async(format!("ws://{addr}/api/chat/v1/ws?{q}")).await;
        match r {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 422, "{q}");
            }
            other => panic!("{q}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn chat_capacity_is_respected() {
    let h = Harness::desk();
    enable_chat(&h, 1);
    let addr = serve(&h).await;
    let mut a = agent(&h, addr).await;
    send(&mut a, json!({"type": "ready"})).await;
    next_json(&mut a).await;
    let mut c1 = customer(addr, "queue=web&name=one").await;
    let chat1 = next_json(&mut c1).await["chat"].as_u64().unwrap();
    let o = next_json(&mut a).await;
    assert_eq!(
        (o["type"].as_str(), o["chat"].as_u64()),
        (Some("offer"), Some(chat1))
    );
    send(&mut a, json!({"type": "accept", "chat": chat1})).await;
    assert_eq!(next_json(&mut a).await["type"], "accepted");
    // Capacity 1: the second chat waits, and the agent hears nothing of it...
    let mut c2 = customer(addr, "queue=web&name=two").await;
    let q2 = next_json(&mut c2).await;
    let chat2 = q2["chat"].as_u64().unwrap();
    assert_eq!(q2["position"], 1);
    send(&mut c1, json!({"type": "send", "text": "ping"})).await;
    let m = next_json(&mut a).await;
    assert_eq!(
        (m["type"].as_str(), m["chat"].as_u64()),
        (Some("message"), Some(chat1)),
        "no offer of chat 2 before this: {m}"
    );
    // ...until the first chat closes: then chat 2 is offered.
    send(&mut c1, json!({"type": "close"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "closed", "chat": chat1, "by": "customer"})
    );
    let o = next_json(&mut a).await;
    assert_eq!(
        (o["type"].as_str(), o["chat"].as_u64()),
        (Some("offer"), Some(chat2))
    );
}

#[tokio::test]
async fn new_chats_are_rate_limited_per_source_address() {
    let h = Harness::desk();
    enable_chat(&h, 1);
    let addr = serve(&h).await;
    let mut open = Vec::new();
    for _ in 0..6 {
        let mut c = customer(addr, "queue=web").await;
        assert_eq!(next_json(&mut c).await["type"], "queued");
        open.push(c);
    }
    match tokio_tungstenite::connect_async(format!("ws://{addr}/api/chat/v1/ws?queue=web")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 429),
        other => panic!("7th chat in a minute: {other:?}"),
    }
    // A minute later the address may open chats again.
    h.advance_s(61);
    let mut c = customer(addr, "queue=web").await;
    assert_eq!(next_json(&mut c).await["type"], "queued");
}

#[tokio::test]
async fn idle_chats_time_out_and_the_widget_page_escapes_its_input() {
    let h = Harness::desk();
    let chat = enable_chat(&h, 1);
    let addr = serve(&h).await;
    let mut c = customer(addr, "queue=web").await;
    let id = next_json(&mut c).await["chat"].as_u64().unwrap();
    h.advance_s(14 * 60);
    chat.tick();
    assert_eq!(chat.open_chats(), 1);
    h.advance_s(60);
    chat.tick();
    assert_eq!(
        next_json(&mut c).await,
        json!({"type": "closed", "chat": id, "by": "timeout"})
    );
    assert_eq!(chat.open_chats(), 0);

    let mut client = h.client();
    let r = client
        .get("/chat?queue=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
        .await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains("<script>alert(1)"), "{}", r.text);
    assert!(r.text.contains("&quot;&gt;&lt;script&gt;"), "{}", r.text);
    let r = client.get("/static/chat-widget.js").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("/chat?queue="));
}

#[tokio::test]
async fn an_agent_on_a_phone_call_is_offered_no_chat_until_the_call_is_over() {
    let h = Harness::desk();
    let chat = enable_chat(&h, 2);
    let addr = serve(&h).await;
    let mut a = agent(&h, addr).await;
    send(&mut a, json!({"type": "ready"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": true})
    );
    // A call rings the agent's phone: out of chat routing, on the server's word.
    chat.set_phone_busy("2001", true);
    chat.set_phone_busy("2001", true);
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": false, "on_call": true})
    );
    let mut c = customer(addr, "queue=web&name=waiting").await;
    let q = next_json(&mut c).await;
    let id = q["chat"].as_u64().unwrap();
    assert_eq!(q["position"], 1, "{q}");
    // Asking for Ready during the call is remembered, not obeyed: still no offer.
    send(&mut a, json!({"type": "ready"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": false, "on_call": true})
    );
    // The call is over: Ready again, and the waiting chat is offered.
    chat.set_phone_busy("2001", false);
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": true})
    );
    let o = next_json(&mut a).await;
    assert_eq!(
        (o["type"].as_str(), o["chat"].as_u64()),
        (Some("offer"), Some(id)),
        "{o}"
    );
    // A second call: the offer is withdrawn (the chat goes back in line).
    chat.set_phone_busy("2001", true);
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(next_json(&mut a).await);
    }
    assert!(
        seen.contains(&json!({"type": "withdrawn", "chat": id}))
            && seen.contains(&json!({"type": "state", "ready": false, "on_call": true})),
        "{seen:?}"
    );
    // Not ready during the call: it stays not ready after it; the chat is offered only
    // once the agent asks for Ready again.
    send(&mut a, json!({"type": "not_ready"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": false})
    );
    chat.set_phone_busy("2001", false);
    send(&mut a, json!({"type": "ready"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "state", "ready": true}),
        "nothing between the call's end and the agent's own Ready"
    );
    let o = next_json(&mut a).await;
    assert_eq!(
        (o["type"].as_str(), o["chat"].as_u64()),
        (Some("offer"), Some(id)),
        "{o}"
    );
}

/// What the daemon hands the call center for "one call or chats": per agent, the chats it
/// holds or is being offered; every change wakes `load_changed`.
#[tokio::test]
async fn the_chat_load_counts_offered_and_accepted_chats_per_agent() {
    let h = Harness::desk();
    let chat = enable_chat(&h, 2);
    let addr = serve(&h).await;
    let load = |a: &str| chat.chat_load().get(a).copied();
    assert_eq!(load("2001"), Some(0));
    assert_eq!(load("2002"), Some(0), "every chat agent is listed");
    assert_eq!(load("9999"), None);
    let mut a = agent(&h, addr).await;
    send(&mut a, json!({"type": "ready"})).await;
    next_json(&mut a).await;
    // Drain the wake-up of the steps so far.
    tokio::time::timeout(Duration::from_secs(5), chat.load_changed())
        .await
        .expect("woken by the steps so far");
    let mut c1 = customer(addr, "queue=web&name=one").await;
    let chat1 = next_json(&mut c1).await["chat"].as_u64().unwrap();
    assert_eq!(next_json(&mut a).await["type"], "offer");
    tokio::time::timeout(Duration::from_secs(5), chat.load_changed())
        .await
        .expect("woken by the offer");
    assert_eq!(load("2001"), Some(1), "offered counts");
    send(&mut a, json!({"type": "accept", "chat": chat1})).await;
    assert_eq!(next_json(&mut a).await["type"], "accepted");
    assert_eq!(load("2001"), Some(1), "accepted counts once");
    let mut c2 = customer(addr, "queue=web&name=two").await;
    next_json(&mut c2).await;
    assert_eq!(next_json(&mut a).await["type"], "offer");
    assert_eq!(load("2001"), Some(2));
    send(&mut c1, json!({"type": "close"})).await;
    assert_eq!(next_json(&mut a).await["type"], "closed");
    assert_eq!(load("2001"), Some(1));
    send(&mut c2, json!({"type": "close"})).await;
    assert_eq!(next_json(&mut a).await["type"], "withdrawn");
    assert_eq!(load("2001"), Some(0));
    assert_eq!(load("2002"), Some(0));
}

/// The chat capacity is a store setting (`/admin/chat`, `PUT /api/v1/chat/settings`): the
/// service takes the stored value when chat starts (here 1, over the routing
/// configuration's 2), so the agent is offered one chat at a time; raising it on the
/// running service offers the waiting chat at once.
#[tokio::test]
async fn the_stored_chat_capacity_applies_at_start_and_when_changed() {
    let h = Harness::desk();
    let mut sup = h.login("sup", PASSWORD).await;
    let r = sup
        .json(
            axum::http::Method::PUT,
            "/api/v1/chat/settings",
            &json!({"capacity": 1}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.text);
    let chat = common::start_chat(&h, 2);
    assert_eq!(
        chat.capacity_of("2001"),
        Some(1),
        "the store's 1, not the config's 2"
    );
    let addr = serve(&h).await;
    let mut a = agent(&h, addr).await;
    send(&mut a, json!({"type": "ready"})).await;
    next_json(&mut a).await;
    let mut c1 = customer(addr, "queue=web&name=one").await;
    let chat1 = next_json(&mut c1).await["chat"].as_u64().unwrap();
    let o = next_json(&mut a).await;
    assert_eq!(
        (o["type"].as_str(), o["chat"].as_u64()),
        (Some("offer"), Some(chat1))
    );
    send(&mut a, json!({"type": "accept", "chat": chat1})).await;
    assert_eq!(next_json(&mut a).await["type"], "accepted");
    let mut c2 = customer(addr, "queue=web&name=two").await;
    let q2 = next_json(&mut c2).await;
    let chat2 = q2["chat"].as_u64().unwrap();
    assert_eq!(q2["position"], 1, "capacity 1: the second chat waits");
    send(&mut c1, json!({"type": "send", "text": "ping"})).await;
    let m = next_json(&mut a).await;
    assert_eq!(
        (m["type"].as_str(), m["chat"].as_u64()),
        (Some("message"), Some(chat1)),
        "no offer of chat 2 before this: {m}"
    );
    // Raised to 2 on the running service: chat 2 is offered now, chat 1 still open.
    let r = sup
        .json(
            axum::http::Method::PUT,
            "/api/v1/chat/settings",
            &json!({"capacity": 2}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.text);
    let o = next_json(&mut a).await;
    assert_eq!(
        (o["type"].as_str(), o["chat"].as_u64()),
        (Some("offer"), Some(chat2))
    );
    assert_eq!(chat.capacity_of("2001"), Some(2));
    assert_eq!(chat.open_chats(), 2);
}
