//! Supervisor actions from the wallboard (`/api/v1/supervisor/agents/{agent}/...`): the
//! role is checked by the server (agents get 403 before the handler runs, also on
//! themselves), an accepted action reaches the CTI model as SetAgentState on behalf of the
//! agent (the agent's state changes, as a snapshot shows) and is audited in the event log;
//! refusals carry the CSTA error's status and audit nothing. Monitoring goes to the CTI
//! backend as SingleStepConference: the loopback model has no switch and answers
//! serviceNotSupported (503), which is what a panel without a call engine says.
mod common;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use serde_json::{Value, json};
use store::events::{EventFilter, EventKind};

fn agent_state(h: &Harness, s: &Value) -> Value {
    let _ = h;
    s["result"]["snapshot"]["agentState"].clone()
}

async fn snapshot(c: &mut common::Client, invoke: u32, device: &str) -> Value {
    c.json(
        Method::POST,
        "/api/cti/v1/requests",
        &json!({"v": 1, "invokeId": invoke,
            "request": {"service": "SnapshotDevice", "snapshotObject": device}}),
    )
    .await
    .json()
}

fn audited(h: &Harness) -> Vec<store::events::Event> {
    h.peek()
        .events(&EventFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::SupervisorAction)
        .collect()
}

#[tokio::test]
async fn only_supervisors_and_admins_force_an_agents_state() {
    let h = Harness::desk();
    let path = "/api/v1/supervisor/agents/2001/state";
    // An agent: refused, on itself too, and nothing audited.
    let mut a = h.login("agent1", PASSWORD).await;
    let r = a.json(Method::POST, path, &json!({"state": "ready"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = a
        .json(
            Method::POST,
            "/api/v1/supervisor/agents/2001/monitor",
            &json!({"device": "2002", "mode": "listen"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Not logged in: 401.
    let mut anon = h.client();
    let r = anon
        .json_no_csrf(Method::POST, path, &json!({"state": "ready"}))
        .await;
    assert!(
        r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.status
    );
    assert!(audited(&h).is_empty());

    // A supervisor logs 2001 on... (LoggedOff → NotReady needs a log-on first: refused).
    let mut s = h.login("sup", PASSWORD).await;
    let r = s.json(Method::POST, path, &json!({"state": "ready"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(audited(&h).is_empty(), "a refused action is not audited");
    // ...through the desk's own service, then forces it NotReady with a reason.
    let r = s
        .json(
            Method::POST,
            "/api/cti/v1/requests",
            &json!({"v": 1, "invokeId": 1, "request": {"service": "SetAgentState",
                "agent": "2001", "requestedAgentState": {"state": "loggedOn"}}}),
        )
        .await;
    assert_eq!(r.json()["result"]["result"], "Ack", "{}", r.text);
    let r = s
        .json(
            Method::POST,
            path,
            &json!({"state": "notReady", "reason": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["action"], "set_agent_state");
    let snap = snapshot(&mut s, 2, "2001").await;
    assert_eq!(agent_state(&h, &snap)["state"], "notReady", "{snap}");
    assert_eq!(agent_state(&h, &snap)["reason"], 3, "{snap}");

    // An admin may too.
    let mut root = h.login("root", PASSWORD).await;
    let r = root
        .json(Method::POST, path, &json!({"state": "ready"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let snap = snapshot(&mut s, 3, "2001").await;
    assert_eq!(agent_state(&h, &snap)["state"], "ready", "{snap}");

    // Bad input: typed 4xx, nothing changed.
    let r = s
        .json(Method::POST, path, &json!({"state": "asleep"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = s
        .json(
            Method::POST,
            "/api/v1/supervisor/agents/9999/state",
            &json!({"state": "ready"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    let rows = audited(&h);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].agent.as_deref(), Some("2001"));
    assert_eq!(rows[0].payload["actor"], "web:sup");
    assert_eq!(rows[0].payload["detail"]["state"], "notReady");
    assert_eq!(rows[0].payload["detail"]["reason"], 3);
    assert_eq!(rows[1].payload["actor"], "web:root");
}

#[tokio::test]
async fn monitoring_is_a_cti_service_the_backend_must_carry_out() {
    let h = Harness::desk();
    let mut s = h.login("sup", PASSWORD).await;
    let r = s
        .json(
            Method::POST,
            "/api/v1/supervisor/agents/2001/monitor",
            &json!({"device": "2002", "mode": "whisper"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    let r = s
        .json(
            Method::POST,
            "/api/v1/supervisor/agents/2001/monitor",
            &json!({"device": "", "mode": "listen"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(audited(&h).is_empty());
}
