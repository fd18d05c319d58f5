//! A supervisor forces an agent's state from the wallboard's REST call, through the real
//! binary: agent 2001 logs on and goes ready over its own CTI WebSocket; the supervisor
//! (`POST /api/v1/supervisor/agents/2001/state`) sets it NotReady with reason 2, then
//! LoggedOff; the agent's desktop sees AgentNotReady and AgentLoggedOff on its monitor, the
//! wallboard shows the new state, and each action is audited in the event log
//! (`supervisor_action`, actor `web:sup`). The agent's own user is refused the same call
//! (403, role checked by the server). Every wait is bounded.

mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/panel_users.rs"]
mod panel_users;

use std::time::{Duration, Instant};

use common::Daemon;
use cti_client::{CtiClient, http, login};
use serde_json::{Value, json};
use store::config::Role;

/// The CSRF token of a logged-in session.
fn csrf(addr: &str, cookie: &str) -> String {
    let (st, _, body) = http(addr, "GET", "/api/v1/me", &[("cookie", cookie)], "");
    assert_eq!(st, 200, "{body}");
    serde_json::from_str::<Value>(&body).expect("me")["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned()
}

fn force(addr: &str, cookie: &str, agent: &str, body: &Value) -> (u16, String) {
    let token = csrf(addr, cookie);
    let (st, _, b) = http(
        addr,
        "POST",
        &format!("/api/v1/supervisor/agents/{agent}/state"),
        &[
            ("cookie", cookie),
            ("x-csrf-token", &token),
            ("content-type", "application/json"),
        ],
        &body.to_string(),
    );
    (st, b)
}

fn wallboard(addr: &str, cookie: &str, agent: &str) -> Value {
    let (st, _, body) = http(addr, "GET", "/api/v1/live", &[("cookie", cookie)], "");
    assert_eq!(st, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("live");
    v["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["agent"] == agent))
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn a_supervisor_forces_an_agents_state_and_the_agent_sees_it() {
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    let (agent_user, agent_pw) = panel_users::add_agent_user(&d.db(), "2001");
    panel_users::add_user(&d.db(), "sup", Role::Supervisor, "supervisor-secret", None);

    let agent_cookie = login(&addr, &agent_user, &agent_pw);
    let mut cti = CtiClient::connect(&addr, &agent_cookie);
    let r = cti.request(json!({"service": "MonitorStart", "monitorObject": "2001"}));
    assert_eq!(r["result"]["result"], "MonitorStarted", "{r}");
    for state in ["loggedOn", "ready"] {
        let r = cti.request(json!({"service": "SetAgentState", "agent": "2001",
            "requestedAgentState": {"state": state}}));
        assert_eq!(r["result"]["result"], "Ack", "{r}");
    }
    cti.event("AgentReady");

    // The agent may not use the supervisor's call, not even on itself.
    let (st, body) = force(&addr, &agent_cookie, "2001", &json!({"state": "notReady"}));
    assert_eq!(st, 403, "{body}");

    let sup = login(&addr, "sup", "supervisor-secret");
    let (st, body) = force(
        &addr,
        &sup,
        "2001",
        &json!({"state": "notReady", "reason": 2}),
    );
    assert_eq!(st, 200, "{body}");
    let ev = cti.event("AgentNotReady");
    assert_eq!(ev["report"]["event"]["reason"], 2, "{ev}");
    // The wallboard follows (recomputed every 0.5 s).
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let row = wallboard(&addr, &sup, "2001");
        if row["state"] == "not_ready" {
            assert_eq!(row["reason"], "2", "{row}");
            break;
        }
        assert!(Instant::now() < until, "wallboard: {row}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // An unknown agent: 404; a bad state: 422.
    let (st, body) = force(&addr, &sup, "9999", &json!({"state": "ready"}));
    assert_eq!(st, 404, "{body}");
    let (st, body) = force(&addr, &sup, "2001", &json!({"state": "asleep"}));
    assert_eq!(st, 422, "{body}");

    let (st, body) = force(&addr, &sup, "2001", &json!({"state": "loggedOff"}));
    assert_eq!(st, 200, "{body}");
    cti.event("AgentLoggedOff");

    // Audited: two accepted actions by web:sup on 2001, none by the agent.
    let st = store::Store::open(d.db()).expect("open");
    let rows: Vec<store::events::Event> = st
        .events(&store::events::EventFilter::default())
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == store::events::EventKind::SupervisorAction)
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in &rows {
        assert_eq!(r.agent.as_deref(), Some("2001"));
        assert_eq!(r.payload["actor"], "web:sup");
        assert_eq!(r.payload["action"], "set_agent_state");
    }
    assert_eq!(rows[0].payload["detail"]["state"], "notReady");
    assert_eq!(rows[1].payload["detail"]["state"], "loggedOff");
}
