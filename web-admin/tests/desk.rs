//! The agent desktop's API against the real `cti` model over the loopback call source:
//! CTI over REST and over a real WebSocket on 127.0.0.1 (log on, ready, a queue call with
//! its screen pop, answer, notes and disposition, hang up, wrap-up → the interaction lands
//! in the store), privilege and malformed-input refusals, screen-pop data, tickets,
//! callbacks and the KB search.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use cti::CustomerCard;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use store::Timestamp;
use store::crm::{NewContact, NewCustomer};
use tokio_tungstenite::tungstenite::Message;

fn cti(invoke: u32, request: Value) -> Value {
    json!({"v": 1, "invokeId": invoke, "request": request})
}

fn customer(h: &Harness) -> (i64, CustomerCard) {
    let mut s = h.peek();
    let id = s
        .create_customer(
            &NewCustomer {
                name: "Li Wei".into(),
                company: "ACME".into(),
                vip: true,
                contacts: vec![NewContact {
                    name: "Li Wei".into(),
                    phone: "+8613800138000".into(),
                    email: String::new(),
                }],
                ..Default::default()
            },
            Timestamp(common::T0),
        )
        .unwrap();
    let card = CustomerCard {
        id,
        name: "Li Wei".into(),
        company: "ACME".into(),
        vip: true,
        account_owner: None,
    };
    (id, card)
}

#[tokio::test]
async fn cti_over_rest_answers_with_wire_v1_and_enforces_the_agent() {
    let h = Harness::desk();
    let mut a = h.login("agent1", PASSWORD).await;
    let r = a
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(1, json!({"service": "SetAgentState", "agent": "2001", "requestedAgentState": {"state": "loggedOn"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["result"]["result"], "Ack", "{}", r.text);
    // Another agent's state: the model refuses, nothing changes.
    let r = a
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(2, json!({"service": "SetAgentState", "agent": "2002", "requestedAgentState": {"state": "loggedOn"}})),
        )
        .await;
    assert_eq!(r.json()["error"], "privilegeViolation", "{}", r.text);
    let r = a
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(
                3,
                json!({"service": "SnapshotDevice", "snapshotObject": "2002"}),
            ),
        )
        .await;
    assert_eq!(r.json()["error"], "privilegeViolation");
    // A supervisor may snapshot 2002: still logged off.
    let mut s = h.login("sup", PASSWORD).await;
    let r = s
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(
                4,
                json!({"service": "SnapshotDevice", "snapshotObject": "2002"}),
            ),
        )
        .await;
    assert_eq!(
        r.json()["result"]["snapshot"]["agentState"]["state"],
        "loggedOff",
        "{}",
        r.text
    );
    // Malformed, unknown field, wrong version: 400 with the reason.
    for bad in [
        json!({"v": 1, "invokeId": 5}),
        json!({"v": 1, "invokeId": 5, "request": {"service": "AnswerCall", "bogus": 1}}),
        json!({"v": 2, "invokeId": 5, "request": {"service": "SnapshotDevice", "snapshotObject": "2001"}}),
    ] {
        let r = a.json(Method::POST, "/api/cti/v1/requests", &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    // A user without a linked agent may not use CTI as an agent.
    let mut other = h.login("root", PASSWORD).await;
    let r = other
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(
                6,
                json!({"service": "SnapshotDevice", "snapshotObject": "2001"}),
            ),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "admins act as supervisors: {}",
        r.text
    );
    // Without CSRF: refused before the model.
    let r = a
        .json_no_csrf(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(7, json!({"service": "SetAgentState", "agent": "2001", "requestedAgentState": {"state": "ready"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let snap = h.cti.as_ref().unwrap();
    assert!(snap.refused().is_empty());
}

#[tokio::test]
async fn an_agent_without_a_linked_agent_is_refused_cti() {
    let h = Harness::new();
    let mut a = h.login("agent1", PASSWORD).await;
    let r = a
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(
                1,
                json!({"service": "SnapshotDevice", "snapshotObject": "2001"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("no agent is linked"));
    let page = a.get("/desk").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("desk-no-agent"));
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// Sends a request and returns its response, collecting the events that come before it.
async fn call(ws: &mut Ws, events: &mut Vec<Value>, invoke: u32, req: Value) -> Value {
    ws.send(Message::Text(cti(invoke, req).to_string().into()))
        .await
        .unwrap();
    for _ in 0..100 {
        let m = next_json(ws).await;
        if m["kind"] == "response" && m["invokeId"] == invoke {
            return m;
        }
        events.push(m);
    }
    panic!("no response to {invoke}");
}

async fn wait_event(ws: &mut Ws, events: &mut Vec<Value>, name: &str) -> Value {
    if let Some(i) = events
        .iter()
        .position(|e| e["report"]["event"]["event"] == name)
    {
        return events.remove(i);
    }
    for _ in 0..100 {
        let m = next_json(ws).await;
        if m["kind"] == "event" && m["report"]["event"]["event"] == name {
            return m;
        }
        events.push(m);
    }
    panic!("no {name}");
}

#[tokio::test]
async fn a_queue_call_over_the_websocket_ends_in_the_customers_history() {
    let h = Harness::desk();
    let (cust, card) = customer(&h);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = web_admin::router(h.state.clone());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let a = h.login("agent1", PASSWORD).await;
    let cookie = a
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    // Without the session cookie: refused.
    let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/api/cti/v1/ws")).await;
    assert!(refused.is_err());
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{addr}/api/cti/v1/ws"),
    )
    .unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut ev = Vec::new();

    // A frame that is not a message: rejected, the socket stays.
    ws.send(Message::Text("{not json".into())).await.unwrap();
    let m = next_json(&mut ws).await;
    assert_eq!(m["kind"], "rejected", "{m}");

    let r = call(
        &mut ws,
        &mut ev,
        1,
        json!({"service": "MonitorStart", "monitorObject": "2001"}),
    )
    .await;
    assert_eq!(r["result"]["result"], "MonitorStarted", "{r}");
    for (i, st) in [(2, "loggedOn"), (3, "ready")] {
        let r = call(
            &mut ws,
            &mut ev,
            i,
            json!({"service": "SetAgentState", "agent": "2001", "requestedAgentState": {"state": st}}),
        )
        .await;
        assert_eq!(r["result"]["result"], "Ack", "{r}");
    }
    wait_event(&mut ws, &mut ev, "AgentReady").await;

    let cti_be = h.cti.clone().unwrap();
    let call_id = cti_be
        .deliver_queue_call(
            "+8613800138000",
            "8000",
            "701",
            BTreeMap::from([("account".to_owned(), "12345678".to_owned())]),
            Some(card),
            "2001",
        )
        .unwrap();
    let d = wait_event(&mut ws, &mut ev, "Delivered").await;
    let e = &d["report"]["event"];
    assert_eq!(e["callingDevice"], "+8613800138000");
    assert_eq!(e["screenPop"]["customer"]["id"], cust);
    assert_eq!(e["screenPop"]["ivrData"]["account"], "12345678");
    assert_eq!(d["report"]["localConnectionInfo"], "alerting");
    let conn = e["connection"].clone();

    // Another agent's connection: the model refuses (privilege before existence).
    let r = call(
        &mut ws,
        &mut ev,
        4,
        json!({"service": "AnswerCall", "callToBeAnswered": {"call": call_id.0, "device": "2002"}}),
    )
    .await;
    assert_eq!(r["error"], "privilegeViolation", "{r}");

    let r = call(
        &mut ws,
        &mut ev,
        5,
        json!({"service": "AnswerCall", "callToBeAnswered": conn}),
    )
    .await;
    assert_eq!(r["result"]["result"], "Ack");
    wait_event(&mut ws, &mut ev, "Established").await;
    // Hold, retrieve, DTMF on the connected call.
    call(
        &mut ws,
        &mut ev,
        6,
        json!({"service": "HoldCall", "callToBeHeld": conn}),
    )
    .await;
    wait_event(&mut ws, &mut ev, "Held").await;
    call(
        &mut ws,
        &mut ev,
        7,
        json!({"service": "RetrieveCall", "callToBeRetrieved": conn}),
    )
    .await;
    wait_event(&mut ws, &mut ev, "Retrieved").await;
    let r = call(
        &mut ws,
        &mut ev,
        8,
        json!({"service": "GenerateDigits", "connectionToSendDigits": conn, "charToSend": "12#"}),
    )
    .await;
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    assert_eq!(cti_be.digits_sent(), ["12#"]);
    let r = call(
        &mut ws,
        &mut ev,
        9,
        json!({"service": "GenerateDigits", "connectionToSendDigits": conn, "charToSend": "x"}),
    )
    .await;
    assert_eq!(r["error"], "invalidDigits");

    let r = call(
        &mut ws,
        &mut ev,
        10,
        json!({"service": "AssociateData", "call": call_id.0, "disposition": "resolved", "notes": "asked about the refund"}),
    )
    .await;
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    call(
        &mut ws,
        &mut ev,
        11,
        json!({"service": "ClearConnection", "connectionToBeCleared": conn}),
    )
    .await;
    wait_event(&mut ws, &mut ev, "ConnectionCleared").await;
    wait_event(&mut ws, &mut ev, "AgentWorkingAfterCall").await;
    // During wrap-up nothing is written yet; the end of wrap-up writes the entry.
    assert!(h.peek().interactions(cust, 10).unwrap().is_empty());
    h.advance_s(31);
    cti_be.tick();
    let r = wait_event(&mut ws, &mut ev, "AgentReady").await;
    assert_eq!(r["report"]["cause"], "wrapUpTimeout");
    let hist = h.peek().interactions(cust, 10).unwrap();
    assert_eq!(hist.len(), 1);
    let i = &hist[0];
    assert_eq!(i.disposition, "resolved");
    assert_eq!(i.notes, "asked about the refund");
    assert_eq!(i.agent.as_deref(), Some("2001"));
    assert_eq!(i.queue.as_deref(), Some("701"));
    assert_eq!(i.call_id.as_deref(), Some(call_id.0.to_string().as_str()));
    assert_eq!(i.data["ivr"]["account"], "12345678");

    // Click-to-dial: the outside number answers; the agent hangs up.
    let r = call(
        &mut ws,
        &mut ev,
        12,
        json!({"service": "MakeCall", "callingDevice": "2001", "calledDirectoryNumber": "+8613800138000"}),
    )
    .await;
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let o = wait_event(&mut ws, &mut ev, "Originated").await;
    assert_eq!(o["report"]["event"]["correlator"], 12);
    let out_conn = o["report"]["event"]["originatedConnection"].clone();
    wait_event(&mut ws, &mut ev, "Established").await;
    // Consult 2002 (logged on and ready, answering through a supervisor's CTI request),
    // then complete the transfer: the agent leaves the call.
    let mut sup = h.login("sup", PASSWORD).await;
    for (i, st) in [(1, "loggedOn"), (2, "ready")] {
        let r = sup
            .json(
                Method::POST,
                "/api/cti/v1/requests",
                &cti(i, json!({"service": "SetAgentState", "agent": "2002", "requestedAgentState": {"state": st}})),
            )
            .await;
        assert_eq!(r.json()["result"]["result"], "Ack", "{}", r.text);
    }
    let r = call(
        &mut ws,
        &mut ev,
        13,
        json!({"service": "ConsultationCall", "existingCall": out_conn, "consultedDevice": "2002"}),
    )
    .await;
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let o2 = wait_event(&mut ws, &mut ev, "Originated").await;
    let consult = o2["report"]["event"]["originatedConnection"].clone();
    let r = sup
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &cti(3, json!({"service": "AnswerCall", "callToBeAnswered": {"call": consult["call"], "device": "2002"}})),
        )
        .await;
    assert_eq!(r.json()["result"]["result"], "Ack", "{}", r.text);
    let r = call(
        &mut ws,
        &mut ev,
        14,
        json!({"service": "TransferCall", "heldCall": out_conn, "activeCall": consult}),
    )
    .await;
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let t = wait_event(&mut ws, &mut ev, "Transferred").await;
    assert_eq!(
        t["report"]["localConnectionInfo"], "null",
        "the agent left: {t}"
    );
    assert!(cti_be.refused().is_empty(), "{:?}", cti_be.refused());
    server.abort();
}

#[tokio::test]
async fn screen_pop_data_tickets_callbacks_and_kb_search() {
    let h = Harness::desk();
    let (cust, _) = customer(&h);
    {
        let mut s = h.peek();
        s.create_ticket(Some(cust), "Refund pending", 2, None, Timestamp(common::T0))
            .unwrap();
        s.put_article(
            None,
            "Refund policy",
            "billing",
            "Refunds are paid within thirty days.",
            Timestamp(common::T0),
        )
        .unwrap();
    }
    let mut a = h.login("agent1", PASSWORD).await;
    let r = a.get(&format!("/api/v1/desk/customers/{cust}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["name"], "Li Wei");
    assert_eq!(v["open_tickets"][0]["subject"], "Refund pending");
    assert_eq!(v["contacts"][0]["phone"], "+8613800138000");
    let r = a.get("/api/v1/desk/lookup?number=138%200013%208000").await;
    assert_eq!(r.json()["id"], cust, "{}", r.text);
    assert_eq!(
        a.get("/api/v1/desk/lookup?number=999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.get("/api/v1/desk/lookup?number=").await.status.as_u16(),
        422
    );
    assert_eq!(
        a.get("/api/v1/desk/customers/999999").await.status,
        StatusCode::NOT_FOUND
    );

    // Tickets: create with a note, change status; bad input changes nothing.
    let r = a
        .json(Method::POST, "/api/v1/desk/tickets", &json!({"customer_id": cust, "subject": "Call back", "priority": 3, "note": "wants a callback"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tid = r.json()["id"].as_i64().unwrap();
    for bad in [
        json!({"customer_id": cust, "subject": "", "priority": 3}),
        json!({"customer_id": cust, "subject": "x", "priority": 9}),
        json!({"customer_id": 4242, "subject": "x", "priority": 3}),
        json!({"customer_id": cust, "subject": "x", "priority": 3, "note": " "}),
        json!({"customer_id": cust, "subject": "x", "priority": "high"}),
        json!({"customer_id": cust, "subject": "x", "priority": 3, "extra": 1}),
    ] {
        let r = a.json(Method::POST, "/api/v1/desk/tickets", &bad).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        h.peek().tickets(cust, false).unwrap().len(),
        2,
        "nothing else was written"
    );
    let r = a
        .json(
            Method::PUT,
            &format!("/api/v1/desk/tickets/{tid}"),
            &json!({"status": "resolved", "note": "done"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = a
        .json(
            Method::PUT,
            &format!("/api/v1/desk/tickets/{tid}"),
            &json!({"status": "gone"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(r.json()["field"], "ticket.status");
    let r = a
        .json(
            Method::PUT,
            "/api/v1/desk/tickets/999999",
            &json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let t = h.peek().tickets(cust, false).unwrap();
    let t = t.iter().find(|t| t.id == tid).unwrap();
    assert_eq!(t.status, store::crm::TicketStatus::Resolved);
    assert_eq!(t.notes.len(), 2);
    assert_eq!(t.notes[0].0, "agent1");

    // Callbacks.
    let due = common::T0 + 10 * 3_600_000_000;
    let r = a
        .json(Method::POST, "/api/v1/desk/callbacks", &json!({"number": "+8613800138000", "due_us": due, "customer_id": cust, "note": "refund"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cb = r.json()["id"].as_i64().unwrap();
    for bad in [
        json!({"number": "abc", "due_us": due}),
        json!({"number": "123", "due_us": 5}),
        json!({"number": "123"}),
    ] {
        let r = a.json(Method::POST, "/api/v1/desk/callbacks", &bad).await;
        assert!(r.status.is_client_error(), "{bad}");
    }
    let list = a.get("/api/v1/desk/callbacks").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["agent"], "2001");
    // Another agent does not see it (it is 2001's).
    let mut s = h.login("sup", PASSWORD).await;
    assert_eq!(
        s.get("/api/v1/desk/callbacks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r = a
        .json(
            Method::POST,
            &format!("/api/v1/desk/callbacks/{cb}/close"),
            &json!({"status": "open"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    let r = a
        .json(
            Method::POST,
            &format!("/api/v1/desk/callbacks/{cb}/close"),
            &json!({"status": "done"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        a.get("/api/v1/desk/callbacks")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );

    // KB search (FTS5).
    let hits = a.get("/api/v1/kb/search?q=refund").await.json();
    assert_eq!(hits[0]["category"], "billing", "{hits}");
    assert!(hits[0]["title"].as_str().unwrap().contains("[Refund]"));
    assert_eq!(a.get("/api/v1/kb/search?q=%20").await.status.as_u16(), 422);
    // Agents read articles but do not edit them.
    let id = hits[0]["id"].as_i64().unwrap();
    assert_eq!(
        a.get(&format!("/api/v1/kb/articles/{id}")).await.status,
        StatusCode::OK
    );
    let r = a
        .json(
            Method::PUT,
            &format!("/api/v1/kb/articles/{id}"),
            &json!({"title": "x", "category": "y", "body": "z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
