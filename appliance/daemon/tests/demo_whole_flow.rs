//! The whole `make demo` flow through the real binary: `appliance --demo --demo-agents 3`
//! with the simulated carrier calling in on the virtual E1 span (8000 three times, then 701
//! and 702 direct, one call every 2 s, in real time). The IVR answers each 8000 call; the
//! carrier's caller presses its menu digit in-band (DTMF tones on the B-channel, detected
//! by the daemon's media path): seed 5 gives 2, 1 and 9 to the three IVR callers. The 1 and
//! 2 callers are queued in sales (701) and support (702) and answered by the simulated
//! agents; the 9 caller keys an account number for the balance look-up.
//!
//! Checked, each wait bounded: a supervisor's CTI WebSocket (monitors on 701, 702 and the
//! three agents) sees Queued → Delivered → Established → ConnectionCleared for a call of
//! each queue; the log shows the digits heard on the line, the IVR's choices (`ivr_exit`
//! with the queue) and the balance look-up with the keyed account; the wallboard's live
//! data (`GET /api/v1/live`) shows a caller waiting, agents ringing and talking, channels
//! in use and span1 with busy B-channels; after the run the event log's queue KPIs are
//! non-zero (offered and answered in both queues).

mod common;
#[path = "common/cti.rs"]
mod cti_client;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::Daemon;
use cti_client::{CtiClient, http, login};
use nix::sys::signal::Signal;
use serde_json::{Value, json};
use store::config::{Command as StoreCommand, CommandContext, Language, NewUser, Role};

const SUP_PASSWORD: &str = "supervisor-secret";
/// The whole run is bounded by this.
const RUN: Duration = Duration::from_secs(60);

/// The call id of the first connection (`{"call": …, "device": …}`) inside an event.
fn call_of(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => {
            if let (Some(c), Some(_)) = (m.get("call"), m.get("device")) {
                return Some(c.to_string());
            }
            m.values().find_map(call_of)
        }
        Value::Array(a) => a.iter().find_map(call_of),
        _ => None,
    }
}

/// Per queue, the calls whose CTI events went Queued → Delivered → Established →
/// ConnectionCleared, in that order.
fn complete_calls(seen: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut steps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queue_of: BTreeMap<String, String> = BTreeMap::new();
    for v in seen.iter().filter(|v| v["kind"] == "event") {
        let e = &v["report"]["event"];
        let Some(name) = e["event"].as_str() else {
            continue;
        };
        let Some(call) = call_of(e) else { continue };
        if name == "Queued"
            && let Some(q) = e["queue"].as_str()
        {
            queue_of.insert(call.clone(), q.to_owned());
        }
        let s = steps.entry(call).or_default();
        if s.last().is_none_or(|l| l != name) {
            s.push(name.to_owned());
        }
    }
    let want = ["Queued", "Delivered", "Established", "ConnectionCleared"];
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (call, s) in steps {
        let mut i = 0;
        for name in &s {
            if i < want.len() && name == want[i] {
                i += 1;
            }
        }
        if i == want.len()
            && let Some(q) = queue_of.get(&call)
        {
            out.entry(q.clone()).or_default().insert(call);
        }
    }
    out
}

#[test]
fn carrier_calls_pass_the_ivr_queue_and_reach_the_simulated_agents() {
    let (dir, data) = common_seeded();
    let mut d = Daemon::start_in(
        dir,
        data,
        &[
            "--demo",
            "--demo-agents",
            "3",
            "--carrier-dids",
            "8000,8000,8000,701,702",
            "--carrier-interval-ms",
            "2000",
            "--carrier-max-calls",
            "5",
            "--carrier-hold-ms",
            "12000",
            "--carrier-dtmf-after-ms",
            "2500",
            "--carrier-abandon-pct",
            "0",
            "--carrier-seed",
            "5",
            "--drain-secs",
            "1",
        ],
    );
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    let sup = login(&addr, "sup", SUP_PASSWORD);
    let mut cti = CtiClient::connect(&addr, &sup);
    for m in ["701", "702", "2001", "2002", "2003"] {
        let r = cti.request(json!({"service": "MonitorStart", "monitorObject": m}));
        assert_eq!(r["result"]["result"], "MonitorStarted", "monitor {m}: {r}");
    }

    // Watch the CTI stream and the wallboard until both queues have a complete call and the
    // wallboard has shown what it should (bounded).
    let until = Instant::now() + RUN;
    let (mut max_waiting, mut max_channels, mut max_span_busy) = (0u64, 0u64, 0u64);
    let mut agent_states: BTreeSet<String> = BTreeSet::new();
    let mut queues_seen: BTreeSet<String> = BTreeSet::new();
    let mut resources_ok = false;
    loop {
        cti.drain(Duration::from_millis(250));
        d.drain_log();
        let (st, _, body) = http(&addr, "GET", "/api/v1/live", &[("cookie", &sup)], "");
        assert_eq!(st, 200, "{body}");
        let live: Value = serde_json::from_str(&body).expect("live json");
        for q in live["queues"].as_array().into_iter().flatten() {
            queues_seen.insert(q["queue"].as_str().unwrap_or("").to_owned());
            max_waiting = max_waiting.max(q["waiting"].as_u64().unwrap_or(0));
        }
        for a in live["agents"].as_array().into_iter().flatten() {
            agent_states.insert(a["state"].as_str().unwrap_or("").to_owned());
        }
        max_channels = max_channels.max(live["channels_in_use"].as_u64().unwrap_or(0));
        if let Some(s) = live["spans"].as_array().and_then(|s| s.first()) {
            assert_eq!(s["name"], "span1", "{live}");
            max_span_busy = max_span_busy.max(s["channels_in_use"].as_u64().unwrap_or(0));
        }
        let r = &live["resources"];
        resources_ok |= r["mem_total"].as_u64().unwrap_or(0) > 0
            && r["disk_total"].as_u64().unwrap_or(0) > 0
            && r["mem_used"].as_u64().unwrap_or(0) > 0;
        let done = complete_calls(&cti.seen);
        let both = done.contains_key("701") && done.contains_key("702");
        let board = max_waiting >= 1
            && agent_states.contains("talking")
            && max_channels >= 1
            && max_span_busy >= 1
            && resources_ok;
        let balance = d
            .log
            .iter()
            .any(|l| l.contains("ivr look-up") && l.contains("AccountBalance"));
        if both && board && balance {
            break;
        }
        assert!(
            Instant::now() < until,
            "not seen within {RUN:?}: complete CTI calls per queue {done:?}; wallboard: \
             waiting {max_waiting}, agent states {agent_states:?}, channels {max_channels}, \
             span busy {max_span_busy}, resources {resources_ok}; balance look-up {balance}\n\
             CTI events: {:?}\nlog:\n{}",
            cti.event_names(),
            d.log.join("\n")
        );
    }
    assert!(
        queues_seen.contains("sales") && queues_seen.contains("support"),
        "{queues_seen:?}"
    );
    assert!(
        agent_states.contains("ringing") || agent_states.contains("talking"),
        "{agent_states:?}"
    );

    // The log: keys pressed by the carrier's callers, heard in-band by the daemon, the IVR's
    // choices, the balance look-up with the keyed account.
    for key in ["1", "2", "9"] {
        d.wait_log(&["carrier: caller presses a key", &format!("key={key}")]);
        d.wait_log(&["digit heard on the line", &format!("digit={key}")]);
    }
    d.wait_log(&["call center", "ivr_exit", "701"]);
    d.wait_log(&["call center", "ivr_exit", "702"]);
    d.wait_log(&["ivr look-up", "AccountBalance", "key=79927398713"]);
    d.wait_log(&["simulated agent: answered"]);
    d.wait_log(&["call center", "queue_connect"]);

    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));

    // The event log's KPIs (what the reports and the wallboard compute from).
    let store = store::Store::open(d.db()).expect("open");
    let p = store::reports::ReportParams {
        from: store::Timestamp(0),
        to: store::Timestamp(i64::MAX),
        service_level_s: 20,
        short_abandon_s: 5,
    };
    let reports = store.queue_reports(&p).expect("queue reports");
    for q in ["sales", "support"] {
        let r = reports
            .iter()
            .find(|r| r.queue == q)
            .unwrap_or_else(|| panic!("no report for {q}: {reports:?}"));
        assert!(r.offered >= 1 && r.answered >= 1, "{q}: {r:?}");
        assert!(r.answered_wait_us > 0, "{q}: {r:?}");
    }
}

/// A demo database with a supervisor user, made before the daemon starts (the carrier's
/// first call comes half a second after the data link is up).
fn common_seeded() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let mut st = store::Store::open(data.join("appliance.db")).expect("store");
    st.seed_demo(store::Timestamp::from_secs(1_700_000_000))
        .expect("seed")
        .expect("fresh database");
    st.execute(
        CommandContext {
            actor: "test",
            ts: store::Timestamp(1),
        },
        &StoreCommand::CreateUser(NewUser {
            username: "sup".into(),
            display_name: "Supervisor".into(),
            role: Role::Supervisor,
            password: SUP_PASSWORD.into(),
            must_change_password: false,
            language: Language::En,
        }),
    )
    .expect("supervisor");
    drop(st);
    (dir, data)
}
