//! End to end in real headless Chromium (Debian package `chromium`), driven over the
//! DevTools protocol with a minimal client on tokio-tungstenite:
//! - log in as the demo admin, change the default password, create a queue
//!   (`target/test-artifacts/web-admin-e2e.png`);
//! - an agent logs in, goes Ready, a queue call is delivered through the CTI backend (the
//!   real `cti` model), the screen pop shows the customer, the agent answers, saves notes
//!   and a disposition, starts, pauses, resumes and stops the call recording (the
//!   Start/Pause/Resume/Stop buttons, enabled by the call's state from the `Recording`
//!   events), hangs up, ends wrap-up; the entry is in the store's history
//!   (`web-admin-desk-screen-pop.png`, `web-admin-desk-after-call.png`);
//! - a supervisor searches recordings, plays one (Range requests) and scores it
//!   (`web-admin-recordings.png`);
//! - web chat with two pages: the customer widget and the agent desk exchange messages,
//!   the customer card pops, the agent closes the chat, the transcript is in the store
//!   (`web-chat-customer.png`, `web-chat-desk.png`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::Harness;
use common::cdp::{launch, screenshot, serve};
use serde_json::{Value, json};
use store::{DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USER};

#[tokio::test]
async fn log_in_change_default_password_and_create_a_queue_in_chromium() {
    let h = Harness::new();
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

    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.call("Page.navigate", json!({"url": format!("{base}/login")}))
        .await;
    cdp.wait_path("/login").await;
    cdp.eval(&format!(
        "document.querySelector('[name=username]').value = '{DEMO_ADMIN_USER}';\
         document.querySelector('[name=password]').value = '{DEMO_ADMIN_PASSWORD}';\
         document.querySelector('form[action=\"/login\"]').submit(); true"
    ))
    .await;
    cdp.wait_path("/password").await;
    let text = cdp.eval("document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("You must change the default password")
    );
    // Any other page sends the browser back here.
    cdp.call(
        "Page.navigate",
        json!({"url": format!("{base}/admin/queues")}),
    )
    .await;
    cdp.wait_path("/password").await;
    cdp.eval(&format!(
        "document.querySelector('[name=current]').value = '{DEMO_ADMIN_PASSWORD}';\
         document.querySelector('[name=new]').value = 'browser-secret-9';\
         document.querySelector('[name=repeat]').value = 'browser-secret-9';\
         document.querySelector('form[action=\"/password\"]').submit(); true"
    ))
    .await;
    cdp.wait_path("/dashboard").await;

    cdp.call(
        "Page.navigate",
        json!({"url": format!("{base}/admin/queues")}),
    )
    .await;
    cdp.wait_path("/admin/queues").await;
    cdp.eval(
        "const f = document.getElementById('queue-create');\
         f.querySelector('[name=name]').value = 'e2e-queue';\
         f.querySelector('[name=number]').value = '709';\
         f.querySelector('[name=strategy]').value = 'skills_best_match';\
         f.submit(); true",
    )
    .await;
    for _ in 0..100 {
        let t = cdp
            .eval("document.readyState === 'complete' ? document.body.innerText : ''")
            .await;
        if t.as_str().is_some_and(|t| t.contains("e2e-queue")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(&mut cdp, "web-admin-e2e.png").await;

    // What the browser did is in the store.
    let st = h.peek();
    let q = st
        .queues()
        .unwrap()
        .into_iter()
        .find(|q| q.config.name == "e2e-queue")
        .expect("queue created");
    assert_eq!(q.config.number.as_deref(), Some("709"));
    assert!(
        st.users()
            .unwrap()
            .iter()
            .all(|u| u.username != DEMO_ADMIN_USER || !u.must_change_password)
    );
    assert!(
        st.verify_login(DEMO_ADMIN_USER, "browser-secret-9")
            .unwrap()
            .is_some()
    );
    server.abort();
}

#[tokio::test]
async fn an_agent_answers_a_queue_call_with_screen_pop_notes_and_disposition_in_chromium() {
    let h = Harness::desk();
    let cust = {
        let mut s = h.peek();
        let id = s
            .create_customer(
                &store::crm::NewCustomer {
                    name: "Li Wei".into(),
                    company: "ACME".into(),
                    vip: true,
                    contacts: vec![store::crm::NewContact {
                        name: "Li Wei".into(),
                        phone: "+8613800138000".into(),
                        email: String::new(),
                    }],
                    ..Default::default()
                },
                store::Timestamp(common::T0),
            )
            .unwrap();
        s.create_ticket(
            Some(id),
            "Refund pending",
            2,
            None,
            store::Timestamp(common::T0),
        )
        .unwrap();
        s.record_interaction(&store::crm::Interaction {
            id: 0,
            customer_id: Some(id),
            channel: "call".into(),
            call_id: Some("earlier".into()),
            remote_number: "+8613800138000".into(),
            direction: "inbound".into(),
            agent: Some("2002".into()),
            queue: Some("701".into()),
            started: store::Timestamp(common::T0),
            ended: store::Timestamp(common::T0 + 60_000_000),
            disposition: "follow_up".into(),
            notes: "first contact about the refund".into(),
            data: json!({}),
        })
        .unwrap();
        id
    };
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "agent1", common::PASSWORD).await;
    cdp.goto(&base, "/desk").await;
    cdp.until(
        "!!document.getElementById('desk').dataset.monitor",
        "CTI monitor started",
    )
    .await;
    let state = |s: &str| format!("document.getElementById('desk').dataset.agentState === '{s}'");
    cdp.eval("document.querySelector('[data-state=loggedOn]').click(); true")
        .await;
    cdp.until(&state("notReady"), "logged on").await;
    cdp.eval("document.querySelector('[data-state=ready]').click(); true")
        .await;
    cdp.until(&state("ready"), "ready").await;

    // A call is delivered through the CTI backend: the screen pop shows the customer.
    let cti = h.cti.clone().unwrap();
    let card = cti::CustomerCard {
        id: cust,
        name: "Li Wei".into(),
        company: "ACME".into(),
        vip: true,
        account_owner: None,
    };
    let call = cti
        .deliver_queue_call(
            "+8613800138000",
            "8000",
            "701",
            std::collections::BTreeMap::from([("account".to_owned(), "12345678".to_owned())]),
            Some(card),
            "2001",
        )
        .unwrap();
    cdp.until(
        "document.getElementById('pop-name').textContent.includes('Li Wei') && \
         document.getElementById('pop-history').innerText.includes('first contact about the refund') && \
         document.getElementById('pop-tickets').innerText.includes('Refund pending') && \
         document.getElementById('pop-ivr').innerText.includes('12345678') && \
         !!document.querySelector('#call-list tr[data-state=alerting]')",
        "screen pop",
    )
    .await;
    screenshot(&mut cdp, "web-admin-desk-screen-pop.png").await;

    cdp.eval("document.querySelector('[data-op=answer]').click(); true")
        .await;
    cdp.until(
        "!!document.querySelector('#call-list tr[data-state=connected]')",
        "answered",
    )
    .await;
    // Recording control: the buttons follow the call's recording state from the `Recording`
    // events. Not recording yet: only Start.
    let rec = |s: &str| format!("document.getElementById('desk').dataset.recording === '{s}'");
    let enabled = |ops: &str| {
        format!(
            "['rec-start', 'rec-pause', 'rec-resume', 'rec-stop']\
             .filter((o) => !document.querySelector('[data-op=' + o + ']').disabled)\
             .join(' ') === '{ops}'"
        )
    };
    cdp.until(
        &format!(
            "{} && document.getElementById('rec-state').textContent === '-'",
            enabled("rec-start")
        ),
        "only Start while not recording",
    )
    .await;
    // The agent starts it; Pause and Stop, not Start or Resume.
    cdp.eval("document.querySelector('[data-op=rec-start]').click(); true")
        .await;
    cdp.until(
        &format!("{} && {}", rec("recording"), enabled("rec-pause rec-stop")),
        "recording started from the desk",
    )
    .await;
    // Card payment: the agent pauses it; Resume and Stop.
    cdp.eval("document.querySelector('[data-op=rec-pause]').click(); true")
        .await;
    cdp.until(
        &format!(
            "{} && document.getElementById('rec-state').textContent === 'suspended' && {}",
            rec("suspended"),
            enabled("rec-resume rec-stop")
        ),
        "recording paused",
    )
    .await;
    cdp.eval("document.querySelector('[data-op=rec-resume]').click(); true")
        .await;
    cdp.until(
        &format!("{} && {}", rec("recording"), enabled("rec-pause rec-stop")),
        "recording resumed",
    )
    .await;
    // Stopped: Start again.
    cdp.eval("document.querySelector('[data-op=rec-stop]').click(); true")
        .await;
    cdp.until(
        &format!("{} && {}", rec("stopped"), enabled("rec-start")),
        "recording stopped",
    )
    .await;
    // A recording started elsewhere (the policy, a supervisor) takes Start away too.
    cti.start_recording(call);
    cdp.until(
        &format!("{} && {}", rec("recording"), enabled("rec-pause rec-stop")),
        "recording started by the policy",
    )
    .await;
    // On hold the recording can still be controlled.
    cdp.eval("document.querySelector('[data-op=hold]').click(); true")
        .await;
    cdp.until(
        &format!(
            "!!document.querySelector('#call-list tr[data-state=hold]') && {}",
            enabled("rec-pause rec-stop")
        ),
        "held, recording controls kept",
    )
    .await;
    cdp.eval("document.querySelector('[data-op=retrieve]').click(); true")
        .await;
    cdp.until(
        "!!document.querySelector('#call-list tr[data-state=connected]')",
        "retrieved",
    )
    .await;
    cdp.eval(
        "const f = document.getElementById('wrapup-form');\
         f.disposition.value = 'resolved';\
         f.notes.value = 'Refund confirmed, paid within 14 days';\
         f.requestSubmit(); true",
    )
    .await;
    cdp.until(
        "document.getElementById('wrapup-saved').textContent === '✓'",
        "notes saved",
    )
    .await;
    // A reloaded desk gets the call from the monitor's snapshot and its recording state
    // from SnapshotCall.
    cdp.eval("window.beforeReload = true; location.reload(); true")
        .await;
    cdp.until(
        &format!(
            "window.beforeReload === undefined && \
             !!document.getElementById('desk').dataset.monitor && \
             !!document.querySelector('#call-list tr[data-state=connected]') && {} && {}",
            rec("recording"),
            enabled("rec-pause rec-stop")
        ),
        "recording state after a reload",
    )
    .await;
    cdp.eval("document.querySelector('[data-op=hangup]').click(); true")
        .await;
    cdp.until(&state("workingAfterCall"), "wrap-up").await;
    // No call: every recording button is off.
    cdp.until(
        &format!(
            "{} && document.getElementById('rec-state').textContent === '-'",
            enabled("")
        ),
        "no recording controls without a call",
    )
    .await;
    assert_eq!(
        h.peek().interactions(cust, 10).unwrap().len(),
        1,
        "written when wrap-up ends"
    );
    cdp.eval("document.querySelector('[data-state=ready]').click(); true")
        .await;
    cdp.until(&state("ready"), "ready again").await;
    screenshot(&mut cdp, "web-admin-desk-after-call.png").await;

    // The note and disposition are in the customer's history in the store.
    let hist = h.peek().interactions(cust, 10).unwrap();
    assert_eq!(hist.len(), 2);
    let i = hist
        .iter()
        .find(|i| i.call_id.as_deref() == Some(call.0.to_string().as_str()))
        .expect("the call's entry");
    assert_eq!(i.disposition, "resolved");
    assert_eq!(i.notes, "Refund confirmed, paid within 14 days");
    assert_eq!(i.agent.as_deref(), Some("2001"));
    assert_eq!(i.data["ivr"]["account"], "12345678");
    assert!(i.data["answeredUs"].is_u64(), "{}", i.data);
    assert!(cti.refused().is_empty(), "{:?}", cti.refused());
    server.abort();
}

#[tokio::test]
async fn recordings_search_play_and_qa_score_in_chromium() {
    let h = Harness::new();
    let files = tempfile::tempdir().unwrap();
    let rec = {
        let mut s = h.peek();
        let path = files.path().join("call.wav");
        recording_wav(&path, 2000);
        s.record_interaction(&store::crm::Interaction {
            id: 0,
            customer_id: None,
            channel: "call".into(),
            call_id: Some("c-rec".into()),
            remote_number: "+8613800138000".into(),
            direction: "inbound".into(),
            agent: Some("2001".into()),
            queue: Some("sales".into()),
            started: store::Timestamp(common::T0 + 3_600_000_000),
            ended: store::Timestamp(common::T0 + 3_660_000_000),
            disposition: "resolved".into(),
            notes: String::new(),
            data: json!({}),
        })
        .unwrap();
        s.create_qa_form(
            "standard",
            &[
                store::desk::QaCriterion {
                    name: "Greeting".into(),
                    max: 10,
                },
                store::desk::QaCriterion {
                    name: "Resolution".into(),
                    max: 20,
                },
            ],
        )
        .unwrap();
        s.add_recording(&store::recordings::Recording {
            id: 0,
            call_id: "c-rec".into(),
            path: path.display().to_string(),
            legs: store::recordings::Legs::Both,
            started: store::Timestamp(common::T0 + 3_600_000_000),
            duration_ms: 2000,
            paused: vec![],
            retain_until: None,
            agent: Some("2001".into()),
            queue: Some("sales".into()),
        })
        .unwrap()
    };
    let (addr, server) = serve(&h).await;
    let (_browser, mut cdp, _profile) = launch().await;
    let base = format!("http://{addr}");
    cdp.login(&base, "sup", common::PASSWORD).await;
    cdp.goto(
        &base,
        "/recordings?from=2026-11-24&to=2026-11-24&agent=2001&number=13800&disposition=resolved",
    )
    .await;
    cdp.until(
        "document.getElementById('rec-count').textContent === '1'",
        "one hit",
    )
    .await;
    // Play it: the browser fetches the WAV with Range requests, decodes it and plays.
    let played = cdp
        .eval(
            "(async () => { const a = document.querySelector('audio'); a.muted = true; \
             await a.play(); \
             for (let i = 0; i < 100 && a.currentTime < 0.3; i++) await new Promise(r => setTimeout(r, 50)); \
             return [a.duration, a.currentTime, a.error === null]; })()",
        )
        .await;
    let d = played[0].as_f64().unwrap();
    assert!((d - 2.0).abs() < 0.05, "duration {played}");
    assert!(played[1].as_f64().unwrap() >= 0.3, "played {played}");
    assert_eq!(played[2], true);
    // Score it with the QA form of the page.
    // The page reloads after a saved score: the marker tells the reloaded page from this one.
    cdp.eval(
        "window.qaSubmitted = true; const f = document.querySelector('tr[data-recording] form[data-api]');\
         f.points.value = '9, 18'; f.comment.value = 'clear and friendly'; f.requestSubmit(); true",
    )
    .await;
    for _ in 0..100 {
        if !h.peek().recording_scores(rec).unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sc = h.peek().recording_scores(rec).unwrap();
    assert_eq!((sc[0].total, sc[0].max_total), (27, 30));
    assert_eq!(sc[0].comment, "clear and friendly");
    // Screenshot the reloaded page, not the one being replaced (a capture asked for during
    // the reload may never be answered).
    cdp.until(
        "window.qaSubmitted === undefined && document.readyState === 'complete' && location.pathname === '/recordings'",
        "the reload after the saved score",
    )
    .await;
    screenshot(&mut cdp, "web-admin-recordings.png").await;
    server.abort();
}

/// A WAV file: 8 kHz, 16-bit mono, `ms` of a 440 Hz tone.
fn recording_wav(path: &std::path::Path, ms: u32) {
    let n = 8 * ms;
    let data = n * 2;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    for v in [1u16, 1] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for v in [8000u32, 16000] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for v in [2u16, 16] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for i in 0..n {
        let v =
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 8000.0).sin()) as i16;
        b.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

#[tokio::test]
async fn a_customer_chats_from_the_widget_with_an_agent_on_the_desk_in_chromium() {
    let h = Harness::desk();
    common::enable_chat(&h, 2);
    let cust = h
        .peek()
        .create_customer(
            &store::crm::NewCustomer {
                name: "Han Meimei".into(),
                email: "meimei@example.com".into(),
                ..Default::default()
            },
            store::Timestamp(common::T0),
        )
        .unwrap();
    let (addr, server) = serve(&h).await;
    let base = format!("http://{addr}");
    let (_browser, mut cdp, _profile) = launch().await;

    // Page 1: the agent's desk, ready for chats.
    let desk = cdp.session.clone();
    cdp.login(&base, "agent1", common::PASSWORD).await;
    cdp.goto(&base, "/desk").await;
    cdp.until(
        "document.getElementById('desk').dataset.chat === 'connected'",
        "chat socket",
    )
    .await;
    cdp.eval("document.getElementById('chat-ready').click(); true")
        .await;
    cdp.until(
        "document.getElementById('desk').dataset.chatState === 'ready'",
        "ready for chats",
    )
    .await;

    // Page 2: the customer's widget.
    let widget = Some(cdp.open_page().await);
    cdp.session.clone_from(&widget);
    cdp.goto(&base, "/chat?queue=web").await;
    cdp.eval(
        "const f1 = document.getElementById('chat-start');\
         f1.elements.name.value = 'Meimei'; f1.elements.email.value = 'meimei@example.com';\
         f1.requestSubmit(); true",
    )
    .await;
    cdp.until(
        "!!document.getElementById('chat').dataset.chat",
        "chat queued",
    )
    .await;

    // The desk gets the offer, accepts it; the customer card pops.
    cdp.session.clone_from(&desk);
    cdp.until(
        "!!document.querySelector('#chat-offers [data-op=accept-chat]')",
        "chat offer",
    )
    .await;
    cdp.eval("document.querySelector('#chat-offers [data-op=accept-chat]').click(); true")
        .await;
    cdp.until(
        "!!document.querySelector('#chat-list .chat-conv')",
        "chat box",
    )
    .await;
    cdp.until(
        &format!("document.getElementById('desk').dataset.customer === '{cust}'"),
        "customer card",
    )
    .await;

    // Customer → agent, with markup that must stay text.
    cdp.session.clone_from(&widget);
    cdp.until(
        "document.getElementById('chat').dataset.state === 'connected'",
        "agent joined",
    )
    .await;
    cdp.eval(
        "const f2 = document.getElementById('chat-send');\
         f2.elements.text.value = 'Hello <img src=x onerror=window.pwned=1>';\
         f2.requestSubmit(); true",
    )
    .await;
    cdp.session.clone_from(&desk);
    cdp.until(
        "[...document.querySelectorAll('#chat-list li')].some(li => li.textContent.includes('Hello <img src=x'))",
        "customer message on the desk",
    )
    .await;
    assert_eq!(
        cdp.eval("document.querySelectorAll('#chat-list img').length === 0 && !window.pwned")
            .await,
        Value::Bool(true),
        "customer text rendered as text"
    );
    // Agent → customer.
    cdp.eval(
        "const f3 = document.querySelector('#chat-list .chat-send');\
         f3.elements.text.value = 'Hi Meimei, how can I help?'; f3.requestSubmit(); true",
    )
    .await;
    cdp.session.clone_from(&widget);
    cdp.until(
        "[...document.querySelectorAll('#chat-log li')].some(li => li.textContent === 'Hi Meimei, how can I help?')",
        "agent message in the widget",
    )
    .await;
    // A background tab renders no frames: bring each page to the front for its screenshot.
    cdp.call("Page.bringToFront", json!({})).await;
    screenshot(&mut cdp, "web-chat-customer.png").await;
    cdp.session.clone_from(&desk);
    cdp.call("Page.bringToFront", json!({})).await;
    screenshot(&mut cdp, "web-chat-desk.png").await;

    // The agent closes with a disposition; the widget shows the end; the store has it.
    cdp.eval(
        "const f4 = document.querySelector('#chat-list .chat-close');\
         f4.elements.disposition.value = 'resolved'; f4.elements.notes.value = 'browser e2e';\
         f4.requestSubmit(); true",
    )
    .await;
    cdp.until(
        "!document.querySelector('#chat-list .chat-conv')",
        "chat closed on the desk",
    )
    .await;
    cdp.session.clone_from(&widget);
    cdp.until(
        "document.getElementById('chat').dataset.state === 'closed'",
        "chat closed in the widget",
    )
    .await;
    let mut saved = None;
    for _ in 0..100 {
        let v = h.peek().interactions(cust, 5).unwrap();
        if let Some(i) = v.into_iter().find(|i| i.channel == "chat") {
            saved = Some(i);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let i = saved.expect("chat saved to the customer's history");
    assert_eq!(
        (i.disposition.as_str(), i.notes.as_str()),
        ("resolved", "browser e2e")
    );
    let t = h.peek().chat_transcript(i.id).unwrap();
    assert!(
        t.iter()
            .any(|l| l.body == "Hello <img src=x onerror=window.pwned=1>")
    );
    assert!(t.iter().any(|l| l.body == "Hi Meimei, how can I help?"));
    server.abort();
}
