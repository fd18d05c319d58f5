//! Reports from the event log through the API, the page (chart) and CSV; Erlang C.

mod common;

use axum::http::StatusCode;
use common::{Harness, PASSWORD, T0};
use store::Timestamp;
use store::events::{EventKind, NewEvent};
use store::reports::ReportParams;

fn at(h: i64, m: i64, s: i64) -> Timestamp {
    Timestamp(T0 + ((h * 60 + m) * 60 + s) * 1_000_000)
}

fn seed(h: &Harness) {
    let mut st = h.peek();
    let e = |t, k, call: &str| NewEvent::new(t, k).call(call).queue("sales");
    st.append_events(&[
        NewEvent::new(at(8, 0, 0), EventKind::AgentLogin).agent("2001"),
        NewEvent::new(at(8, 0, 1), EventKind::AgentReady).agent("2001"),
        e(at(9, 0, 0), EventKind::QueueEnter, "c1"),
        e(at(9, 0, 10), EventKind::QueueConnect, "c1").agent("2001"),
        e(at(9, 1, 0), EventKind::QueueEnter, "c2"),
        e(at(9, 1, 30), EventKind::QueueAbandon, "c2"),
        e(at(9, 2, 10), EventKind::CallComplete, "c1").agent("2001"),
        e(at(9, 2, 20), EventKind::AgentWrapupEnd, "c1").agent("2001"),
        e(at(9, 3, 0), EventKind::QueueEnter, "c3"),
        e(at(9, 3, 40), EventKind::QueueConnect, "c3").agent("2002"),
    ])
    .unwrap();
}

#[tokio::test]
async fn queue_kpis_match_the_event_log() {
    let h = Harness::new();
    seed(&h);
    let mut c = h.login("sup", PASSWORD).await;
    let r = c
        .get("/api/v1/reports/queues?from=2026-11-24&to=2026-11-24")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    let sales = j
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "sales")
        .unwrap();
    assert_eq!(sales["offered"], 3);
    assert_eq!(sales["answered"], 2);
    assert_eq!(sales["abandoned"], 1);
    // SL(20 s) = answered ≤ 20 s / (answered + abandoned > 5 s) = 1/3; ASA = (10 + 40)/2.
    assert!((sales["service_level"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert!((sales["asa_s"].as_f64().unwrap() - 25.0).abs() < 1e-9);
    // The same figures as the store computes for the day.
    let p = ReportParams {
        from: Timestamp(T0),
        to: Timestamp(T0 + 86_400_000_000),
        service_level_s: 20,
        short_abandon_s: 5,
    };
    let store_view = h.peek().queue_reports(&p).unwrap();
    let s = store_view.iter().find(|q| q.queue == "sales").unwrap();
    assert_eq!(sales["aht_s"].as_f64(), s.aht_s());
    // Another day has nothing.
    let r = c.get("/api/v1/reports/queues?from=2026-11-25").await.json();
    assert!(r.as_array().unwrap().iter().all(|q| q["offered"] == 0));
    // Agents.
    let a = c.get("/api/v1/reports/agents?from=2026-11-24").await.json();
    let a1 = a
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["agent"] == "2001")
        .unwrap();
    assert_eq!(a1["answered"], 1);
    let store_a1 = h.peek().agent_report("2001", &p).unwrap();
    assert_eq!(a1["occupancy"].as_f64(), store_a1.occupancy());
}

#[tokio::test]
async fn bad_ranges_are_4xx_naming_the_field() {
    let h = Harness::new();
    let mut c = h.login("sup", PASSWORD).await;
    let r = c.get("/api/v1/reports/queues?from=2026-13-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "from");
    let r = c
        .get("/api/v1/reports/queues?from=2026-11-24&to=2026-11-01")
        .await;
    assert_eq!(r.json()["field"], "to");
    let r = c.get("/reports?from=garbage").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn page_shows_a_chart_and_csv_exports_the_same_numbers() {
    let h = Harness::new();
    seed(&h);
    let mut c = h.login("root", PASSWORD).await;
    let page = c.get("/reports?from=2026-11-24").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<svg"), "chart");
    assert!(page.text.contains("<rect"), "bars");
    assert!(page.text.contains("erlang-required"));
    let csv = c.get("/reports/csv?from=2026-11-24&to=2026-11-24").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let line = csv
        .text
        .lines()
        .find(|l| l.starts_with("\"sales\""))
        .unwrap();
    assert!(
        line.starts_with("\"sales\",3,2,1,0,0.3333,25.0000,"),
        "{line}"
    );
}

#[tokio::test]
async fn erlang_api_matches_the_pure_function_and_validates() {
    let h = Harness::new();
    let mut c = h.login("sup", PASSWORD).await;
    let r = c
        .get("/api/v1/erlang?calls=200&aht=180&target=80&t=20&shrink=30")
        .await
        .json();
    let s = web_admin::erlang::Staffing {
        calls_per_hour: 200.0,
        aht_s: 180.0,
        target_sl: 0.8,
        target_t_s: 20.0,
        shrinkage: 0.3,
    };
    let o = s.required().unwrap();
    assert_eq!(r["agents"], o.agents);
    assert_eq!(r["scheduled"], o.scheduled);
    let w = c
        .get("/api/v1/erlang?calls=200&aht=180&agents=11")
        .await
        .json();
    assert_eq!(w["agents"], 11);
    assert!(w["service_level"].as_f64().unwrap() < r["service_level"].as_f64().unwrap());
    let bad = c.get("/api/v1/erlang?calls=-5").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "calls");
}
