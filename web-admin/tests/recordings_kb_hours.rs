//! Recordings search and playback (HTTP Range), QA forms, scores and sampling, knowledge-base
//! editing, business hours and holidays, and the per-user language of the profile: each
//! through the API with its role checks and malformed input (a 4xx with a message, nothing
//! changed).

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::{Harness, PASSWORD, T0};
use serde_json::json;
use store::Timestamp;
use store::crm::Interaction;
use store::recordings::{Legs, Recording};

/// A real WAV file: 8 kHz, 16-bit mono, `ms` of a 440 Hz tone.
fn wav(path: &std::path::Path, ms: u32) {
    let n = 8 * ms;
    let mut b = Vec::new();
    let data = n * 2;
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for i in 0..n {
        let v =
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 8000.0).sin()) as i16;
        b.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

/// Three recorded calls: (agent, queue, number, disposition, day offset).
fn seed_recordings(h: &Harness, dir: &std::path::Path) -> Vec<i64> {
    let mut s = h.peek();
    let rows = [
        ("2001", "sales", "+8613800138000", "resolved", 0),
        ("2002", "support", "+8613900139000", "escalated", 0),
        ("2001", "support", "+8613700137000", "follow_up", 1),
    ];
    rows.iter()
        .enumerate()
        .map(|(n, (agent, queue, number, disp, day))| {
            let started = T0 + day * 86_400_000_000 + (n as i64 + 1) * 3_600_000_000;
            let path = dir.join(format!("call{n}.wav"));
            wav(&path, 1000);
            s.record_interaction(&Interaction {
                id: 0,
                customer_id: None,
                channel: "call".into(),
                call_id: Some(format!("c{n}")),
                remote_number: (*number).into(),
                direction: "inbound".into(),
                agent: Some((*agent).into()),
                queue: Some((*queue).into()),
                started: Timestamp(started),
                ended: Timestamp(started + 60_000_000),
                disposition: (*disp).into(),
                notes: String::new(),
                data: json!({}),
            })
            .unwrap();
            s.add_recording(&Recording {
                id: 0,
                call_id: format!("c{n}"),
                path: path.display().to_string(),
                legs: Legs::Both,
                started: Timestamp(started),
                duration_ms: 1000,
                paused: vec![],
                retain_until: None,
                agent: Some((*agent).into()),
                queue: Some((*queue).into()),
            })
            .unwrap()
        })
        .collect()
}

fn ranged(c: &common::Client, url: &str, r: &str) -> axum::http::Request<Body> {
    c.builder(Method::GET, url)
        .header(header::RANGE, r)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn recordings_search_by_every_criterion_and_play_with_ranges() {
    let h = Harness::new();
    let files = tempfile::tempdir().unwrap();
    let ids = seed_recordings(&h, files.path());
    let mut s = h.login("sup", PASSWORD).await;
    let count = |v: serde_json::Value| v.as_array().unwrap().len();
    assert_eq!(count(s.get("/api/v1/recordings").await.json()), 3);
    assert_eq!(
        count(s.get("/api/v1/recordings?agent=2001").await.json()),
        2
    );
    assert_eq!(
        count(s.get("/api/v1/recordings?queue=support").await.json()),
        2
    );
    assert_eq!(
        count(s.get("/api/v1/recordings?number=139001").await.json()),
        1
    );
    assert_eq!(
        count(
            s.get("/api/v1/recordings?disposition=resolved")
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            s.get("/api/v1/recordings?from=2026-11-25&to=2026-11-25")
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            s.get("/api/v1/recordings?from=2026-11-24&to=2026-11-24&agent=2001")
                .await
                .json()
        ),
        1
    );
    let r = s
        .get("/api/v1/recordings?disposition=resolved")
        .await
        .json();
    assert_eq!(r[0]["number"], "+8613800138000");
    assert_eq!(r[0]["id"], ids[0]);
    for bad in [
        "from=24-11-2026",
        "to=2026-02-30",
        "sample=0",
        "from=2026-11-26&to=2026-11-24",
    ] {
        let r = s.get(&format!("/api/v1/recordings?{bad}")).await;
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.text);
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    // Agents may not listen to recordings.
    let mut a = h.login("agent1", PASSWORD).await;
    assert_eq!(
        a.get("/api/v1/recordings").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.get(&format!("/api/v1/recordings/{}/audio", ids[0]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Playback: whole file, a range, an open range, a suffix, unsatisfiable.
    let url = format!("/api/v1/recordings/{}/audio", ids[0]);
    let whole = s.get(&url).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.headers[header::CONTENT_TYPE], "audio/wav");
    assert_eq!(whole.headers[header::ACCEPT_RANGES], "bytes");
    let file = std::fs::read(files.path().join("call0.wav")).unwrap();
    let len = file.len();
    let req = ranged(&s, &url, "bytes=0-43");
    let r = s.send(req).await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers[header::CONTENT_RANGE],
        format!("bytes 0-43/{len}")
    );
    assert!(r.text.starts_with("RIFF"));
    let req = ranged(&s, &url, "bytes=100-");
    let r = s.send(req).await;
    assert_eq!(
        r.headers[header::CONTENT_RANGE],
        format!("bytes 100-{}/{len}", len - 1)
    );
    let req = ranged(&s, &url, "bytes=-4");
    let r = s.send(req).await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers[header::CONTENT_LENGTH], "4");
    let req = ranged(&s, &url, &format!("bytes={len}-"));
    let r = s.send(req).await;
    assert_eq!(r.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(r.headers[header::CONTENT_RANGE], format!("bytes */{len}"));
    assert_eq!(
        s.get("/api/v1/recordings/999999/audio").await.status,
        StatusCode::NOT_FOUND
    );
    // A file that went missing: 404 with a message, not a crash.
    std::fs::remove_file(files.path().join("call1.wav")).unwrap();
    let r = s.get(&format!("/api/v1/recordings/{}/audio", ids[1])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("missing"));

    // The HTML page lists the hits with a player each.
    let page = s.get("/recordings?agent=2001").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text.matches("<audio").count(), 2);
    let page = s.get("/recordings?from=nonsense").await;
    assert!(page.text.contains("not a date"));
}

#[tokio::test]
async fn qa_forms_scores_and_sampling() {
    let h = Harness::new();
    let files = tempfile::tempdir().unwrap();
    let ids = seed_recordings(&h, files.path());
    let mut s = h.login("sup", PASSWORD).await;
    let r = s
        .json(Method::POST, "/api/v1/qa/forms", &json!({"name": "standard", "criteria": [{"name": "Greeting", "max": 10}, {"name": "Resolution", "max": 20}]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let form = r.json()["id"].as_i64().unwrap();
    for bad in [
        json!({"name": "standard", "criteria": [{"name": "x", "max": 1}]}),
        json!({"name": "empty", "criteria": []}),
        json!({"name": "big", "criteria": [{"name": "x", "max": 200}]}),
        json!({"name": "x"}),
    ] {
        let r = s.json(Method::POST, "/api/v1/qa/forms", &bad).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }
    assert_eq!(
        s.get("/api/v1/qa/forms")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let url = format!("/api/v1/recordings/{}/scores", ids[0]);
    for bad in [
        json!({"form_id": form, "points": [11, 5]}),
        json!({"form_id": form, "points": [5]}),
        json!({"form_id": 999, "points": [5, 5]}),
        json!({"form_id": form, "points": [-1, 5]}),
    ] {
        let r = s.json(Method::POST, &url, &bad).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }
    assert!(
        s.get(&url).await.json().as_array().unwrap().is_empty(),
        "nothing written"
    );
    let r = s
        .json(
            Method::POST,
            &url,
            &json!({"form_id": form, "points": [8, 15], "comment": "good"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sc = s.get(&url).await.json();
    assert_eq!(
        (sc[0]["total"].as_i64(), sc[0]["max_total"].as_i64()),
        (Some(23), Some(30))
    );
    assert_eq!(sc[0]["reviewer"], "sup");
    let r = s
        .json(
            Method::POST,
            "/api/v1/recordings/999999/scores",
            &json!({"form_id": form, "points": [1, 1]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Sampling draws from unscored recordings only, reproducibly per seed.
    let a = s.get("/api/v1/recordings?sample=2&seed=5").await.json();
    let got: Vec<i64> = a
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got.len(), 2);
    assert!(!got.contains(&ids[0]));
    let again = s.get("/api/v1/recordings?sample=2&seed=5").await.json();
    assert_eq!(a, again);
    let one = s.get("/api/v1/recordings?sample=1&seed=5").await.json();
    assert_eq!(
        one[0]["id"], a[0]["id"],
        "a smaller sample is a prefix of a larger one"
    );
}

#[tokio::test]
async fn knowledge_base_editing_for_supervisors() {
    let h = Harness::new();
    let mut s = h.login("sup", PASSWORD).await;
    let r = s
        .json(
            Method::POST,
            "/api/v1/kb/categories",
            &json!({"name": "billing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        s.json(
            Method::POST,
            "/api/v1/kb/categories",
            &json!({"name": "billing"})
        )
        .await
        .status
        .as_u16(),
        422
    );
    let r = s
        .json(Method::POST, "/api/v1/kb/articles", &json!({"title": "Refund policy", "category": "billing", "body": "Refunds are paid within thirty days."}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    for bad in [
        json!({"title": "", "category": "billing", "body": "x"}),
        json!({"title": "x", "category": "", "body": "x"}),
        json!({"title": "x", "category": "billing"}),
        json!({"title": "x", "category": "billing", "body": "x", "extra": true}),
    ] {
        let r = s.json(Method::POST, "/api/v1/kb/articles", &bad).await;
        assert!(r.status.is_client_error(), "{bad}");
        let r = s
            .json(Method::PUT, &format!("/api/v1/kb/articles/{id}"), &bad)
            .await;
        assert!(r.status.is_client_error(), "{bad}");
    }
    assert_eq!(
        s.get("/api/v1/kb/articles")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = s
        .json(Method::PUT, &format!("/api/v1/kb/articles/{id}"), &json!({"title": "Refund policy", "category": "billing", "body": "Refunds are paid within fourteen days."}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        s.get(&format!("/api/v1/kb/articles/{id}")).await.json()["body"]
            .as_str()
            .unwrap()
            .contains("fourteen")
    );
    let hits = s.get("/api/v1/kb/search?q=fourteen").await.json();
    assert_eq!(hits[0]["id"], id, "the FTS index follows edits");
    assert!(
        s.get("/api/v1/kb/search?q=thirty")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A category in use cannot be removed; an unused one can.
    assert_eq!(
        s.json(Method::DELETE, "/api/v1/kb/categories/billing", &json!({}))
            .await
            .status
            .as_u16(),
        422
    );
    s.json(
        Method::POST,
        "/api/v1/kb/categories",
        &json!({"name": "shipping"}),
    )
    .await;
    assert_eq!(
        s.json(Method::DELETE, "/api/v1/kb/categories/shipping", &json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let cats = s.get("/api/v1/kb/categories").await.json();
    assert_eq!(cats, json!([{"name": "billing"}]));
    let page = s.get("/admin/kb?q=refund").await;
    assert!(page.text.contains("[Refund]"), "{}", page.text);
    assert_eq!(
        s.json(
            Method::DELETE,
            &format!("/api/v1/kb/articles/{id}"),
            &json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        s.json(
            Method::DELETE,
            &format!("/api/v1/kb/articles/{id}"),
            &json!({})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Agents search but do not edit.
    let mut a = h.login("agent1", PASSWORD).await;
    let r = a
        .json(
            Method::POST,
            "/api/v1/kb/articles",
            &json!({"title": "x", "category": "y", "body": "z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(a.get("/admin/kb").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn knowledge_base_edits_are_in_the_audit_log() {
    let h = Harness::new();
    let rev0 = h.revision();
    let mut s = h.login("sup", PASSWORD).await;
    let r = s
        .json(
            Method::POST,
            "/api/v1/kb/categories",
            &json!({"name": "billing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = s
        .json(
            Method::POST,
            "/api/v1/kb/articles",
            &json!({"title": "Refund policy", "category": "billing", "body": "Thirty days."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/kb/articles/{id}"),
            &json!({"title": "Refund policy", "category": "billing", "body": "Fourteen days."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Refused edits write nothing, to the articles or to the log.
    let before = h.revision();
    for (m, path, body) in [
        (
            Method::PUT,
            format!("/api/v1/kb/articles/{id}"),
            json!({"title": "", "category": "billing", "body": "x"}),
        ),
        (
            Method::PUT,
            "/api/v1/kb/articles/999999".to_owned(),
            json!({"title": "x", "category": "billing", "body": "x"}),
        ),
        (
            Method::DELETE,
            "/api/v1/kb/categories/billing".to_owned(),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/kb/categories".to_owned(),
            json!({"name": "billing"}),
        ),
    ] {
        let r = s.json(m, &path, &body).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.text);
    }
    assert_eq!(h.revision(), before);
    assert!(
        h.peek()
            .article(id)
            .unwrap()
            .unwrap()
            .body
            .contains("Fourteen")
    );
    let r = s
        .json(
            Method::DELETE,
            &format!("/api/v1/kb/articles/{id}"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = s
        .json(Method::DELETE, "/api/v1/kb/categories/billing", &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let mut root = h.login("root", PASSWORD).await;
    let log = root
        .get(&format!("/api/v1/audit?since={rev0}"))
        .await
        .json();
    let got: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["entity"].as_str().unwrap().to_owned(),
                e["op"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("kb_category", "create"),
        ("article", "create"),
        ("article", "update"),
        ("article", "delete"),
        ("kb_category", "delete"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(e, o)| ("web:sup".to_owned(), (*e).to_owned(), (*o).to_owned()))
            .collect::<Vec<_>>()
    );
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity"] == "article" && e["id"] == id)
    );
    // And on the audit page.
    let page = root.get("/admin/audit").await;
    assert!(page.text.contains("create article #"), "{}", page.text);
}

#[tokio::test]
async fn business_hours_are_audited_config_with_validation() {
    let h = Harness::new();
    let mut root = h.login("root", PASSWORD).await;
    let body = json!({"name": "main", "utc_offset_min": 480,
        "weekly": [{"day": 0, "open_min": 540, "close_min": 1080}, {"day": 1, "open_min": 540, "close_min": 1080}],
        "holidays": [{"date": "2026-10-01", "name": "National Day"}]});
    let r = root
        .json(Method::POST, "/api/v1/business-hours", &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let audit = root.get("/api/v1/audit").await.json();
    let last = audit.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["entity"].as_str(), last["actor"].as_str()),
        (Some("business_hours"), Some("web:root"))
    );
    let rev = h.revision();
    for (bad, field) in [
        (
            json!({"name": "x", "utc_offset_min": 9999, "weekly": []}),
            "business_hours.utc_offset_min",
        ),
        (
            json!({"name": "x", "utc_offset_min": 0, "weekly": [{"day": 7, "open_min": 0, "close_min": 60}]}),
            "business_hours.weekly.day",
        ),
        (
            json!({"name": "x", "utc_offset_min": 0, "weekly": [{"day": 1, "open_min": 600, "close_min": 500}]}),
            "business_hours.weekly.close_min",
        ),
        (
            json!({"name": "x", "utc_offset_min": 0, "weekly": [], "holidays": [{"date": "2026-02-30", "name": "x"}]}),
            "business_hours.holidays.date",
        ),
        (
            json!({"name": "main", "utc_offset_min": 0, "weekly": []}),
            "business_hours.name",
        ),
    ] {
        let r = root
            .json(Method::POST, "/api/v1/business-hours", &bad)
            .await;
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.text);
        assert_eq!(r.json()["field"], field, "{bad}");
    }
    let r = root
        .json(
            Method::POST,
            "/api/v1/business-hours",
            &json!({"name": "x"}),
        )
        .await;
    assert!(r.status.is_client_error());
    assert_eq!(h.revision(), rev, "nothing written");
    // 2026-11-24 is a Tuesday (day 1); the harness clock is 09:00 UTC = 17:00 in Beijing.
    let list = root.get("/api/v1/business-hours").await.json();
    assert_eq!(list[0]["open_now"], true, "{list}");
    let at = |h: i64| T0 + h * 3_600_000_000;
    let open = |v: serde_json::Value| v["open"].as_bool().unwrap();
    assert!(!open(
        root.get(&format!(
            "/api/v1/business-hours/{id}/open?at_us={}",
            at(11)
        ))
        .await
        .json()
    ));
    assert!(open(
        root.get(&format!("/api/v1/business-hours/{id}/open?at_us={}", at(2)))
            .await
            .json()
    ));
    let r = root
        .json(
            Method::PUT,
            &format!("/api/v1/business-hours/{id}"),
            &json!({"name": "main", "utc_offset_min": 480, "weekly": [], "holidays": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!open(
        root.get(&format!("/api/v1/business-hours/{id}/open?at_us={}", at(2)))
            .await
            .json()
    ));
    assert_eq!(
        root.get("/api/v1/business-hours/999999/open").await.status,
        StatusCode::NOT_FOUND
    );
    // The HTML form takes the readable text form.
    let r = root
        .form(
            "/admin/business-hours",
            &[
                ("name", "support"),
                ("utc_offset_min", "480"),
                ("weekly", "mon-fri 09:00-18:00, sat 10:00-14:00"),
                ("holidays", "2026-10-01 National Day"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let b = h.peek().business_hours().unwrap();
    let sup = b.iter().find(|b| b.config.name == "support").unwrap();
    assert_eq!(sup.config.weekly.len(), 6);
    let r = root
        .form(
            "/admin/business-hours",
            &[
                ("name", "bad"),
                ("utc_offset_min", "480"),
                ("weekly", "someday 9-5"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(r.text.contains("someday"));
    assert_eq!(
        root.json(
            Method::DELETE,
            &format!("/api/v1/business-hours/{id}"),
            &json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    // Supervisors and agents may not.
    let mut s = h.login("sup", PASSWORD).await;
    assert_eq!(
        s.get("/api/v1/business-hours").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.json(Method::POST, "/api/v1/business-hours", &body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn each_user_chooses_the_language_in_the_profile() {
    let h = Harness::new();
    let mut a = h.login("agent1", PASSWORD).await;
    assert!(a.get("/profile").await.text.contains("My profile"));
    let r = a
        .json(
            Method::PUT,
            "/api/v1/me/language",
            &json!({"language": "zh"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(
        a.get("/profile").await.text.contains("个人设置"),
        "the session follows at once"
    );
    assert_eq!(a.get("/api/v1/me").await.json()["language"], "zh");
    let r = a
        .json(
            Method::PUT,
            "/api/v1/me/language",
            &json!({"language": "fr"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(r.json()["field"], "user.language");
    // The HTML form, back to English; it sticks for the next login.
    let r = a.form("/profile", &[("language", "en")], true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = a.form("/profile", &[("language", "xx")], true).await;
    assert_eq!(r.status.as_u16(), 422);
    let mut again = h.login("agent1", PASSWORD).await;
    assert_eq!(again.get("/api/v1/me").await.json()["language"], "en");
    let u = h.peek().users().unwrap();
    assert_eq!(
        u.iter().find(|u| u.username == "agent1").unwrap().language,
        store::config::Language::En
    );
    // Without CSRF: refused, nothing changed.
    let r = a
        .json_no_csrf(
            Method::PUT,
            "/api/v1/me/language",
            &json!({"language": "zh"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(again.get("/api/v1/me").await.json()["language"], "en");
}
