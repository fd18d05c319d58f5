//! Admin and supervisor pages end to end in real headless Chromium (the CDP client of
//! `tests/common/cdp.rs`):
//! - an admin creates an agent on the agents page (`web-admin-agent-create.png`);
//! - the reports page draws its chart from events seeded into the store's event log
//!   (`web-admin-report-chart.png`);
//! - the wallboard changes over its WebSocket, without a reload, when a call arrives
//!   through the loopback CTI call source (`web-admin-wallboard-live.png`);
//! - an admin adds an analog FXS port through the analog ports page's form and sees the
//!   store's refusal of a taken extension number (`web-admin-analog-port-create.png`).

mod common;

use std::collections::BTreeMap;

use common::cdp::{launch, screenshot, serve};
use common::{Harness, PASSWORD, T0};
use serde_json::Value;
use store::Timestamp;
use store::events::{EventKind, NewEvent};
use web_admin::CtiBackend;

#[tokio::test]
async fn an_admin_creates_an_agent_in_chromium() {
    let h = Harness::new();
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "root", PASSWORD).await;
    cdp.goto(&base, "/admin/agents").await;
    cdp.eval(
        "const f = document.getElementById('agent-create');\
         f.querySelector('[name=number]').value = '2077';\
         f.querySelector('[name=name]').value = 'Zhang Min';\
         f.requestSubmit(); true",
    )
    .await;
    // The form posts to the REST API and reloads the page: the new row is in the table.
    cdp.until(
        "document.readyState === 'complete' && \
         [...document.querySelectorAll('tbody tr')].some(r => r.innerText.includes('2077') && r.innerText.includes('Zhang Min'))",
        "agent row shown",
    )
    .await;
    screenshot(&mut cdp, "web-admin-agent-create.png").await;
    let a = h
        .peek()
        .agents()
        .unwrap()
        .into_iter()
        .find(|a| a.config.number == "2077")
        .expect("agent created");
    assert_eq!(a.config.name, "Zhang Min");
    // A number the store refuses shows the store's message in the form; nothing written.
    let before = h.peek().agents().unwrap().len();
    cdp.eval(
        "const f = document.getElementById('agent-create');\
         f.querySelector('[name=number]').removeAttribute('pattern');\
         f.querySelector('[name=number]').value = '2077';\
         f.querySelector('[name=name]').value = 'Twice';\
         f.requestSubmit(); true",
    )
    .await;
    cdp.until(
        "document.querySelector('#agent-create [data-result]').textContent.includes('agent.number')",
        "error shown",
    )
    .await;
    assert_eq!(h.peek().agents().unwrap().len(), before);
    server.abort();
}

#[tokio::test]
async fn an_admin_adds_an_analog_port_in_chromium() {
    let h = Harness::new();
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "root", PASSWORD).await;
    cdp.goto(&base, "/admin/analog-ports").await;
    let fill = |ext: &str| {
        format!(
            "const f = document.getElementById('port-form');\
             f.querySelector('[name=port]').value = '9';\
             f.querySelector('[name=kind]').value = 'fxs';\
             f.querySelector('[name=device]').value = 'virt:fxs9.sock';\
             f.querySelector('[name=extension]').value = '{ext}';\
             f.querySelector('[name=caller_id]').value = 'dtmf';\
             f.requestSubmit(); true"
        )
    };
    // A taken extension number: the page comes back with the store's message.
    let rev = h.revision();
    cdp.eval(&fill("1001")).await;
    cdp.until(
        "document.readyState === 'complete' && \
         (document.querySelector('p.error') || {textContent: ''}).textContent.includes('line_port.extension')",
        "refusal shown",
    )
    .await;
    assert_eq!(h.revision(), rev, "nothing written");
    cdp.eval(&fill("1109")).await;
    cdp.until(
        "document.readyState === 'complete' && location.pathname === '/admin/analog-ports' && \
         [...document.querySelectorAll('#ports-list tbody tr')].some(r => r.innerText.includes('1109') && r.innerText.includes('virt:fxs9.sock'))",
        "port row shown",
    )
    .await;
    screenshot(&mut cdp, "web-admin-analog-port-create.png").await;
    let p = h
        .peek()
        .line_ports()
        .unwrap()
        .into_iter()
        .find(|p| p.config.port == 9)
        .expect("port created");
    assert_eq!(p.config.extension.as_deref(), Some("1109"));
    assert_eq!(p.config.caller_id.as_str(), "dtmf");
    let log = h.peek().changes_since(rev).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor, "web:root");
    server.abort();
}

fn at(h: i64, m: i64, s: i64) -> Timestamp {
    Timestamp(T0 + ((h * 60 + m) * 60 + s) * 1_000_000)
}

#[tokio::test]
async fn the_report_page_draws_a_chart_from_seeded_events_in_chromium() {
    let h = Harness::new();
    {
        let mut st = h.peek();
        let e = |t, k, call: &str, q: &str| NewEvent::new(t, k).call(call).queue(q);
        st.append_events(&[
            e(at(9, 0, 0), EventKind::QueueEnter, "c1", "sales"),
            e(at(9, 0, 10), EventKind::QueueConnect, "c1", "sales").agent("2001"),
            e(at(9, 1, 0), EventKind::QueueEnter, "c2", "sales"),
            e(at(9, 1, 30), EventKind::QueueAbandon, "c2", "sales"),
            e(at(9, 3, 0), EventKind::QueueEnter, "c3", "sales"),
            e(at(9, 3, 40), EventKind::QueueConnect, "c3", "sales").agent("2002"),
            e(at(9, 5, 0), EventKind::QueueEnter, "c4", "support"),
            e(at(9, 5, 9), EventKind::QueueConnect, "c4", "support").agent("2002"),
        ])
        .unwrap();
    }
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "sup", PASSWORD).await;
    cdp.goto(&base, "/reports?from=2026-11-24&to=2026-11-24")
        .await;
    // Per queue: [label, answered bar height, abandoned bar height, drawn width in px].
    // sales has 2 answered and 1 abandoned (the scale's maximum is 2), support 1 answered.
    let bars = cdp
        .eval(
            "(() => { const svg = document.querySelector('svg.chart'); if (!svg) return null;\
             const r = svg.getBoundingClientRect(); const rects = [...svg.querySelectorAll('rect')];\
             const labels = [...svg.querySelectorAll('text')].map(t => t.textContent);\
             return { w: r.width, h: r.height, labels,\
               heights: rects.map(x => x.getBBox().height),\
               tips: rects.map(x => x.querySelector('title').textContent) }; })()",
        )
        .await;
    assert!(bars.is_object(), "no chart: {bars}");
    assert!(bars["w"].as_f64().unwrap() > 50.0 && bars["h"].as_f64().unwrap() > 100.0);
    let labels: Vec<&str> = bars["labels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        labels.contains(&"sales") && labels.contains(&"support"),
        "{bars}"
    );
    // One label per queue, in bar order, then the scale's maximum.
    let (queues, max) = labels.split_at(labels.len() - 1);
    assert_eq!(max, ["2"], "{bars}");
    let heights: Vec<f64> = bars["heights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let tips: Vec<&str> = bars["tips"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(heights.len(), 2 * queues.len(), "{bars}");
    for (i, q) in queues.iter().enumerate() {
        let (ans, ab) = match *q {
            "sales" => (2, 1),
            "support" => (1, 0),
            _ => (0, 0),
        };
        assert_eq!(tips[2 * i], ans.to_string(), "{q} answered: {bars}");
        assert_eq!(tips[2 * i + 1], ab.to_string(), "{q} abandoned: {bars}");
        // 160 px is the maximum (2 calls).
        assert!(
            (heights[2 * i] - f64::from(ans) * 80.0).abs() < 0.5,
            "{q}: {bars}"
        );
        assert!(
            (heights[2 * i + 1] - f64::from(ab) * 80.0).abs() < 0.5,
            "{q}: {bars}"
        );
    }
    cdp.eval("document.querySelector('svg.chart').scrollIntoView(); true")
        .await;
    screenshot(&mut cdp, "web-admin-report-chart.png").await;
    server.abort();
}

#[tokio::test]
async fn the_wallboard_updates_live_when_a_call_arrives_in_chromium() {
    let h = Harness::desk_live();
    let cti_backend = h.cti.clone().unwrap();
    let principal = cti::Principal {
        agent: cti::AgentId::new("2001"),
        role: cti::Role::Agent,
    };
    for (i, st) in [
        cti::RequestedAgentState::LoggedOn,
        cti::RequestedAgentState::Ready,
    ]
    .into_iter()
    .enumerate()
    {
        cti_backend
            .request(
                &principal,
                cti::InvokeId(u32::try_from(i).unwrap() + 1),
                cti::ServiceRequest::SetAgentState {
                    agent: cti::AgentId::new("2001"),
                    requested_agent_state: st,
                },
            )
            .unwrap();
    }
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "sup", PASSWORD).await;
    cdp.goto(&base, "/wallboard").await;
    let row = |agent: &str, state: &str| {
        format!(
            "[...document.querySelectorAll('#wb-agents tr')].some(r => r.cells[0].textContent === '{agent}' && r.cells[1].textContent === '{state}')"
        )
    };
    cdp.until(&row("2001", "ready"), "agent 2001 ready on the wallboard")
        .await;
    cdp.until(
        "document.getElementById('wb-channels').textContent === '0'",
        "no channel in use",
    )
    .await;
    // A mark on this page: it survives only if the page is not reloaded.
    cdp.eval("window.__sameDocument = 'yes'; true").await;
    let updates_before = cdp
        .eval("Number(document.getElementById('wallboard').dataset.updates)")
        .await
        .as_f64()
        .unwrap();

    cti_backend
        .deliver_queue_call(
            "+8613800138000",
            "8000",
            "701",
            BTreeMap::new(),
            None,
            "2001",
        )
        .unwrap();
    cdp.until(
        &format!(
            "{} && document.getElementById('wb-channels').textContent === '1' && \
             [...document.querySelectorAll('#wb-queues tr')].some(r => r.cells[0].textContent === '701' && r.cells[1].textContent === '1')",
            row("2001", "ringing")
        ),
        "the call on the wallboard",
    )
    .await;
    assert_eq!(cdp.eval("window.__sameDocument").await, "yes");
    let updates_after = cdp
        .eval("Number(document.getElementById('wallboard').dataset.updates)")
        .await
        .as_f64()
        .unwrap();
    assert!(updates_after > updates_before);
    screenshot(&mut cdp, "web-admin-wallboard-live.png").await;
    // The remote party hangs up: the board goes back to no call, still without a reload.
    let calls = web_admin::ApiBackend::active_calls(&*cti_backend);
    assert_eq!(calls.len(), 1);
    let call = cti::CallId(calls[0].call_id.parse().unwrap());
    cti_backend.remote_hang_up(call);
    cdp.until(
        "document.getElementById('wb-channels').textContent === '0' && \
         [...document.querySelectorAll('#wb-queues tr')].some(r => r.cells[0].textContent === '701' && r.cells[1].textContent === '0')",
        "the call gone from the wallboard",
    )
    .await;
    assert_eq!(cdp.eval("window.__sameDocument").await, "yes");
    assert!(
        cti_backend.refused().is_empty(),
        "{:?}",
        cti_backend.refused()
    );
    server.abort();
}

#[tokio::test]
async fn an_admin_builds_an_ivr_flow_fixes_a_validation_error_and_activates_it_in_chromium() {
    let h = Harness::new();
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "root", PASSWORD).await;
    cdp.goto(&base, "/admin/ivr").await;
    let click = |sel: &str| format!("document.querySelector('{sel}').click(); true");
    let set = |sel: &str, v: &str| {
        format!(
            "(() => {{ const e = document.querySelector('{sel}'); e.value = '{v}'; \
             e.dispatchEvent(new Event('change')); return true; }})()"
        )
    };
    cdp.eval(&set("#ivr-name", "e2e-flow")).await;
    cdp.eval(&click("#ivr-new")).await;
    // A menu: 1 → goodbye; its prompt node comes first.
    for (id, ty) in [("hello", "play"), ("choose", "menu"), ("bye", "hangup")] {
        cdp.eval(&set("#ivr-new-id", id)).await;
        cdp.eval(&set("#ivr-new-type", ty)).await;
        cdp.eval(&click("#ivr-add")).await;
    }
    cdp.until(
        "document.getElementById('ivr-editor').dataset.nodes === '3' && \
         document.querySelectorAll('#ivr-graph g[data-node]').length === 3",
        "three nodes drawn",
    )
    .await;
    cdp.eval(&set(
        "fieldset[data-node=hello] [data-field=next]",
        "choose",
    ))
    .await;
    cdp.eval(&set("[data-new-option=choose]", "1")).await;
    cdp.eval(&click("[data-add-option=choose]")).await;
    // The option exists but points nowhere yet: the validator says so, on that node.
    cdp.eval(&click("#ivr-validate")).await;
    cdp.until(
        "document.getElementById('ivr-editor').dataset.valid === 'no'",
        "validation answered",
    )
    .await;
    let marked = cdp
        .eval(
            "[document.querySelector('fieldset[data-node=choose]').classList.contains('invalid'), \
              document.querySelector('#ivr-graph g[data-node=choose]').getAttribute('class'), \
              document.querySelector('fieldset[data-node=choose] ul.error').innerText, \
              !!document.querySelector('fieldset[data-node=hello] ul.error')]",
        )
        .await;
    assert_eq!(marked[0], true, "{marked}");
    assert_eq!(marked[1], "invalid", "{marked}");
    assert!(
        marked[2].as_str().unwrap().contains("unknown node"),
        "{marked}"
    );
    assert_eq!(marked[3], false, "{marked}");
    // The activate button stays off until a version is saved.
    assert_eq!(
        cdp.eval("document.getElementById('ivr-activate').disabled")
            .await,
        true
    );
    screenshot(&mut cdp, "web-admin-ivr-invalid.png").await;

    // Fix it: option 1, an invalid choice and a time-out go to bye; now valid, saved as
    // version 1, activated.
    cdp.eval(&set("[data-option=\"1\"] select", "bye")).await;
    for f in ["on_invalid", "on_timeout"] {
        cdp.eval(&set(
            &format!("fieldset[data-node=choose] [data-field={f}]"),
            "bye",
        ))
        .await;
    }
    cdp.until(
        "document.querySelectorAll('#ivr-graph line').length === 4",
        "edges drawn",
    )
    .await;
    cdp.eval(&click("#ivr-validate")).await;
    cdp.until(
        "document.getElementById('ivr-editor').dataset.valid === 'yes' && \
         !document.querySelector('.ivr-node.invalid')",
        "valid flow",
    )
    .await;
    cdp.eval(&click("#ivr-save")).await;
    cdp.until(
        "!!document.getElementById('ivr-editor').dataset.saved && \
         !document.getElementById('ivr-activate').disabled",
        "saved",
    )
    .await;
    cdp.eval(&click("#ivr-activate")).await;
    cdp.until(
        "!!document.getElementById('ivr-editor').dataset.activated",
        "activated",
    )
    .await;
    screenshot(&mut cdp, "web-admin-ivr-activated.png").await;

    let flows = h.peek().ivr_flows().unwrap();
    let f = flows
        .iter()
        .find(|f| f.name == "e2e-flow")
        .expect("flow saved");
    assert!(f.active);
    assert_eq!(f.version, 1);
    let valid = ivr::parse_and_validate(&f.flow).unwrap();
    let _ = valid;
    let json: Value = serde_json::from_str(&f.flow).unwrap();
    assert_eq!(json["start"], "hello");
    assert_eq!(json["nodes"]["hello"]["next"], "choose");
    assert_eq!(json["nodes"]["choose"]["options"]["1"], "bye");
    server.abort();
}
