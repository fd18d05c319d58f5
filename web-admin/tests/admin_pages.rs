//! The admin pages of issue 7's last slice: analog line ports, numbers/DIDs, recording
//! rules and retention, queue announcements, web chat capacity. Each: create/edit/delete
//! through REST and the HTML forms, audited with the user's name; malformed input answered
//! with a 4xx naming the field and nothing written; the wrong role refused. (Every route is
//! also in the route-table, anonymous and CSRF-less tests of `access.rs` and `security.rs`.)

mod common;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use serde_json::{Value, json};

fn audit_of(h: &Harness, since: i64) -> Vec<(String, String, i64, String)> {
    h.peek()
        .changes_since(since)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.actor,
                e.change.entity.as_str().to_owned(),
                e.change.id,
                e.change.op.as_str().to_owned(),
            )
        })
        .collect()
}

fn announcement_form<'a>(queue: &'a str, every: &'a str) -> [(&'static str, &'a str); 6] {
    [
        ("queue", queue),
        ("first_after_s", "10"),
        ("every_s", every),
        ("wait_time", "on"),
        ("periodic_prompts", "1"),
        ("callback_attempts", "0"),
    ]
}

fn fxs(port: u16, ext: &str) -> Value {
    json!({"port": port, "kind": "fxs", "device": format!("virt:fxs{port}.sock"), "extension": ext})
}

#[tokio::test]
async fn line_ports_are_created_edited_and_deleted_through_the_api_and_audited() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let rev = h.revision();
    let r = c
        .json(Method::POST, "/api/v1/line-ports", &fxs(5, "1105"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let list = c.get("/api/v1/line-ports").await.json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["extension"], "1105");
    assert_eq!(row["caller_id"], "etsi_fsk", "defaults filled in");
    assert_eq!(
        (row["ring_on_ms"].as_u64(), row["ring_off_ms"].as_u64()),
        (Some(1000), Some(4000))
    );
    let mut edited = fxs(6, "1106");
    edited["caller_id"] = json!("dtmf");
    edited["country"] = json!("etsi");
    let r = c
        .json(Method::PUT, &format!("/api/v1/line-ports/{id}"), &edited)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = h
        .peek()
        .line_ports()
        .unwrap()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap();
    assert_eq!(stored.config.port, 6);
    assert_eq!(stored.config.extension.as_deref(), Some("1106"));
    assert_eq!(stored.config.caller_id.as_str(), "dtmf");
    let r = c
        .json(
            Method::DELETE,
            &format!("/api/v1/line-ports/{id}"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(h.peek().line_ports().unwrap().iter().all(|p| p.id != id));
    let me = "web:root".to_owned();
    assert_eq!(
        audit_of(&h, rev),
        [
            (me.clone(), "line_port".into(), id, "create".into()),
            (me.clone(), "line_port".into(), id, "update".into()),
            (me, "line_port".into(), id, "delete".into()),
        ]
    );
    // A supervisor may not touch them.
    let mut sup = h.login("sup", PASSWORD).await;
    assert_eq!(
        sup.get("/api/v1/line-ports").await.status,
        StatusCode::FORBIDDEN
    );
    let r = sup
        .json(Method::POST, "/api/v1/line-ports", &fxs(7, "1107"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        sup.get("/admin/analog-ports").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn malformed_line_ports_get_a_4xx_naming_the_field_and_change_nothing() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let rev = h.revision();
    let ports = h.peek().line_ports().unwrap();
    let with = |k: &str, v: Value| {
        let mut p = fxs(9, "1109");
        p[k] = v;
        p
    };
    let cases = [
        (with("kind", json!("isdn")), "line_port.kind"),
        (with("device", json!("/dev/dahdi/1")), "line_port.device"),
        (with("device", json!("virt:../../etc")), "line_port.device"),
        (with("extension", json!("1001")), "line_port.extension"),
        (with("extension", json!("701")), "line_port.extension"),
        (with("port", json!(1)), "line_port.port"),
        (with("port", json!(0)), "line_port.port"),
        (with("port", json!(70000)), "port"),
        (with("ring_on_ms", json!(20)), "line_port.ring_on_ms"),
        (with("caller_id", json!("morse")), "line_port.caller_id"),
        (with("route", json!("8000")), "line_port.route"),
        (
            json!({"port": 9, "kind": "fxo", "device": "virt:fxo9.sock", "route": "8000", "trunk_group": "nosuch"}),
            "line_port.trunk_group",
        ),
        (
            json!({"port": 9, "kind": "fxo", "device": "virt:fxo9.sock"}),
            "line_port.route",
        ),
        (with("colour", json!("red")), "colour"),
    ];
    for (body, field) in &cases {
        let r = c.json(Method::POST, "/api/v1/line-ports", body).await;
        assert!(
            r.status.is_client_error(),
            "{body}: {} {}",
            r.status,
            r.text
        );
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(msg.contains(field), "{body}: `{msg}` should name {field}");
    }
    // The same rules on update (port 1 is the demo FXS port 1101).
    let fxs1 = ports.iter().find(|p| p.config.port == 1).unwrap().id;
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/line-ports/{fxs1}"),
            &fxs(2, "1101"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("line_port.port"), "{}", r.text);
    let r = c
        .json(Method::PUT, "/api/v1/line-ports/999999", &fxs(9, "1109"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .json(Method::DELETE, "/api/v1/line-ports/999999", &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(h.revision(), rev, "nothing was written");
    assert_eq!(h.peek().line_ports().unwrap(), ports);
}

#[tokio::test]
async fn a_trunk_group_an_fxo_port_names_is_refused_deletion_and_renaming() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let span = h.peek().spans().unwrap()[0].id;
    let g = json!({"name": "analog", "members": [{"kind": "span", "id": span}]});
    let r = c.json(Method::POST, "/api/v1/trunk-groups", &g).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let gid = r.json()["id"].as_i64().unwrap();
    let port = json!({"port": 3, "kind": "fxo", "device": "virt:fxo3.sock", "route": "8000", "trunk_group": "analog"});
    let r = c.json(Method::POST, "/api/v1/line-ports", &port).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rev = h.revision();
    let r = c
        .json(
            Method::DELETE,
            &format!("/api/v1/trunk-groups/{gid}"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("an FXO line port"), "{}", r.text);
    let mut renamed = g.clone();
    renamed["name"] = json!("analog2");
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/trunk-groups/{gid}"),
            &renamed,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("trunk_group.name"), "{}", r.text);
    assert_eq!(h.revision(), rev, "nothing was written");
}

#[tokio::test]
async fn the_analog_ports_page_creates_edits_and_deletes_through_its_forms() {
    let h = Harness::new();
    let mut c = h.client();
    c.login_form("root", PASSWORD).await;
    let page = c.get("/admin/analog-ports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("virt:fxs1.sock") && page.text.contains("systemctl restart"));
    c.csrf = common::hidden_csrf(&page.text);
    let form = |port: &'static str, ext: &'static str, on: &'static str| {
        [
            ("port", port),
            ("kind", "fxs"),
            ("device", "virt:fxs8.sock"),
            ("extension", ext),
            ("route", ""),
            ("trunk_group", ""),
            ("caller_id", "etsi_fsk"),
            ("country", "cn"),
            ("ring_on_ms", on),
            ("ring_off_ms", "4000"),
        ]
    };
    let rev = h.revision();
    for (bad, field) in [
        (form("eight", "1108", "1000"), "line_port.port"),
        (form("8", "1001", "1000"), "line_port.extension"),
        (form("8", "1108", "99999"), "line_port.ring_on_ms"),
    ] {
        let r = c.form("/admin/analog-ports", &bad, true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    assert_eq!(h.revision(), rev, "nothing was written");
    let r = c
        .form("/admin/analog-ports", &form("8", "1108", "1000"), true)
        .await;
    assert_eq!(r.location(), Some("/admin/analog-ports"), "{}", r.text);
    let id = h
        .peek()
        .line_ports()
        .unwrap()
        .into_iter()
        .find(|p| p.config.port == 8)
        .unwrap()
        .id;
    // The edit form is filled in from the stored port.
    let edit = c.get(&format!("/admin/analog-ports?edit={id}")).await;
    assert!(
        edit.text
            .contains(&format!("action=\"/admin/analog-ports/{id}\""))
    );
    assert!(edit.text.contains("value=\"1108\""), "{}", edit.text);
    let r = c
        .form(
            &format!("/admin/analog-ports/{id}"),
            &form("8", "1118", "1500"),
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/analog-ports"), "{}", r.text);
    let p = h
        .peek()
        .line_ports()
        .unwrap()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap();
    assert_eq!(
        (p.config.extension.as_deref(), p.config.ring_on_ms),
        (Some("1118"), 1500)
    );
    let r = c
        .form(&format!("/admin/analog-ports/{id}/delete"), &[], true)
        .await;
    assert_eq!(r.location(), Some("/admin/analog-ports"), "{}", r.text);
    assert!(h.peek().line_ports().unwrap().iter().all(|p| p.id != id));
    let ops: Vec<String> = audit_of(&h, rev).into_iter().map(|a| a.3).collect();
    assert_eq!(ops, ["create", "update", "delete"]);
}

#[tokio::test]
async fn the_numbers_page_shows_the_did_table_and_flags_unreachable_fxo_routes() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let n = c.get("/api/v1/numbers").await.json();
    let find = |n: &Value, num: &str| {
        n["dids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["number"] == num)
            .cloned()
    };
    assert_eq!(find(&n, "1001").unwrap()["kind"], "extension");
    assert_eq!(find(&n, "600").unwrap()["kind"], "echo_test");
    assert_eq!(find(&n, "701").unwrap()["target"], "sales");
    assert_eq!(find(&n, "1101").unwrap()["target"], "analog/1");
    assert_eq!(find(&n, "8000").unwrap()["kind"], "ivr");
    assert_eq!(
        n["fxo_routes"],
        json!([{"port": 2, "route": "8000", "reachable": true}])
    );
    let port = json!({"port": 4, "kind": "fxo", "device": "virt:fxo4.sock", "route": "4444"});
    assert_eq!(
        c.json(Method::POST, "/api/v1/line-ports", &port)
            .await
            .status,
        StatusCode::CREATED
    );
    let n = c.get("/api/v1/numbers").await.json();
    assert!(find(&n, "4444").is_none());
    assert_eq!(
        n["fxo_routes"][1],
        json!({"port": 4, "route": "4444", "reachable": false})
    );
    let page = c.get("/admin/numbers").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("4444") && page.text.contains("analog/1"));
    let mut sup = h.login("sup", PASSWORD).await;
    assert_eq!(
        sup.get("/api/v1/numbers").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_recording_policy_is_set_through_the_api_and_the_form_and_audited() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    assert_eq!(
        c.get("/api/v1/recording-policy").await.json(),
        json!({"queues": [], "retain_days": null})
    );
    let rev = h.revision();
    for (body, field) in [
        (json!({"queues": ["a,b"]}), "recording_policy.queues"),
        (json!({"queues": [" "]}), "recording_policy.queues"),
        (
            json!({"queues": ["nosuchqueue"]}),
            "recording_policy.queues",
        ),
        (
            json!({"queues": [], "retain_days": 0}),
            "recording_policy.retain_days",
        ),
        (
            json!({"queues": [], "retain_days": 4000}),
            "recording_policy.retain_days",
        ),
        (json!({"queues": [], "retain_days": "x"}), "retain_days"),
        (json!({"queue": []}), "queue"),
    ] {
        let r = c.json(Method::PUT, "/api/v1/recording-policy", &body).await;
        assert!(r.status.is_client_error(), "{body}: {}", r.text);
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(msg.contains(field), "{body}: `{msg}` should name {field}");
    }
    assert_eq!(h.revision(), rev, "nothing was written");
    let p = json!({"queues": ["sales"], "retain_days": 90});
    let r = c.json(Method::PUT, "/api/v1/recording-policy", &p).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(c.get("/api/v1/recording-policy").await.json(), p);
    // The form: checkboxes per queue, "all queues" wins.
    let mut f = h.client();
    f.login_form("root", PASSWORD).await;
    let page = f.get("/admin/recording-rules").await;
    assert!(
        page.text.contains("applies it within a few seconds"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("value=\"sales\" checked"),
        "{}",
        page.text
    );
    f.csrf = common::hidden_csrf(&page.text);
    let bad = f
        .form(
            "/admin/recording-rules",
            &[("queue", "support"), ("retain_days", "0")],
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("recording_policy.retain_days"));
    let ok = f
        .form(
            "/admin/recording-rules",
            &[("queue", "support"), ("queue", "*"), ("retain_days", "")],
            true,
        )
        .await;
    assert_eq!(ok.location(), Some("/admin/recording-rules"), "{}", ok.text);
    let stored = h.peek().recording_policy().unwrap();
    assert_eq!(
        (stored.queues, stored.retain_days),
        (vec!["*".to_owned()], None)
    );
    assert_eq!(
        audit_of(&h, rev),
        [
            (
                "web:root".into(),
                "recording_policy".into(),
                0,
                "update".into()
            ),
            (
                "web:root".into(),
                "recording_policy".into(),
                0,
                "update".into()
            ),
        ]
    );
    let mut sup = h.login("sup", PASSWORD).await;
    let r = sup.json(Method::PUT, "/api/v1/recording-policy", &p).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_voicemail_silence_is_set_through_the_api_and_the_recording_rules_form_and_audited() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    assert_eq!(
        c.get("/api/v1/voicemail/settings").await.json(),
        json!({"silence_s": 5}),
        "the default"
    );
    let rev = h.revision();
    for (body, field) in [
        (json!({"silence_s": 61}), "voicemail.silence_s"),
        (json!({"silence_s": -1}), "silence_s"),
        (json!({"silence_s": "x"}), "silence_s"),
        (json!({"silence": 3}), "silence"),
    ] {
        let r = c
            .json(Method::PUT, "/api/v1/voicemail/settings", &body)
            .await;
        assert!(r.status.is_client_error(), "{body}: {}", r.text);
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(msg.contains(field), "{body}: `{msg}` should name {field}");
    }
    assert_eq!(h.revision(), rev, "nothing was written");
    let r = c
        .json(
            Method::PUT,
            "/api/v1/voicemail/settings",
            &json!({"silence_s": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        c.get("/api/v1/voicemail/settings").await.json(),
        json!({"silence_s": 0})
    );
    assert_eq!(h.peek().voicemail_silence_s().unwrap(), 0);
    // The form on the recording-rules page.
    let mut f = h.client();
    f.login_form("root", PASSWORD).await;
    let page = f.get("/admin/recording-rules").await;
    assert!(
        page.text.contains("id=\"voicemail-form\"")
            && page.text.contains("name=\"silence_s\"")
            && page
                .text
                .contains("Seconds of silence that end a voicemail message"),
        "{}",
        page.text
    );
    f.csrf = common::hidden_csrf(&page.text);
    let bad = f
        .form(
            "/admin/recording-rules/voicemail",
            &[("silence_s", "90")],
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("voicemail.silence_s"), "{}", bad.text);
    let ok = f
        .form(
            "/admin/recording-rules/voicemail",
            &[("silence_s", "7")],
            true,
        )
        .await;
    assert_eq!(ok.location(), Some("/admin/recording-rules"), "{}", ok.text);
    assert_eq!(h.peek().voicemail_silence_s().unwrap(), 7);
    let page = f.get("/admin/recording-rules").await;
    assert!(page.text.contains("value=\"7\""), "{}", page.text);
    assert_eq!(
        audit_of(&h, rev),
        [
            (
                "web:root".into(),
                "voicemail_settings".into(),
                0,
                "update".into()
            ),
            (
                "web:root".into(),
                "voicemail_settings".into(),
                0,
                "update".into()
            ),
        ]
    );
    // Supervisors and agents may not change it.
    let mut sup = h.login("sup", PASSWORD).await;
    let r = sup
        .json(
            Method::PUT,
            "/api/v1/voicemail/settings",
            &json!({"silence_s": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(h.peek().voicemail_silence_s().unwrap(), 7);
}

#[tokio::test]
async fn queue_announcements_are_set_and_cleared_per_queue_and_audited_as_queue_updates() {
    let h = Harness::new();
    let mut c = h.login("sup", PASSWORD).await;
    let sales = h
        .peek()
        .queues()
        .unwrap()
        .into_iter()
        .find(|q| q.config.name == "sales")
        .unwrap()
        .id;
    let a = json!({"first_after_s": 20, "every_s": 60, "position": true, "wait_time": false,
        "periodic_prompts": 2, "callback_attempts": 3});
    let rev = h.revision();
    let path = format!("/api/v1/queues/{sales}/announcements");
    let with = |k: &str, v: Value| {
        let mut x = a.clone();
        x[k] = v;
        x
    };
    for (body, field) in [
        (with("every_s", json!(3601)), "queue_announcements.every_s"),
        (
            with("periodic_prompts", json!(10)),
            "queue_announcements.periodic_prompts",
        ),
        (
            with("callback_attempts", json!(11)),
            "queue_announcements.callback_attempts",
        ),
        (with("position", json!("yes")), "position"),
        (with("loud", json!(true)), "loud"),
    ] {
        let r = c.json(Method::PUT, &path, &body).await;
        assert!(r.status.is_client_error(), "{body}: {}", r.text);
        let msg = r.json()["error"].as_str().unwrap().to_owned();
        assert!(msg.contains(field), "{body}: `{msg}` should name {field}");
    }
    let r = c
        .json(Method::PUT, "/api/v1/queues/999999/announcements", &a)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(h.revision(), rev, "nothing was written");
    let r = c.json(Method::PUT, &path, &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = c.get("/api/v1/announcements").await.json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["queue"] == "sales")
        .unwrap()
        .clone();
    assert_eq!(row["announcements"], a);
    assert_eq!(
        h.peek()
            .queue_announcements("sales")
            .unwrap()
            .map(|x| x.every_s),
        Some(60)
    );
    let r = c.json(Method::DELETE, &path, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(h.peek().queue_announcements("sales").unwrap(), None);
    // The page (the supervisor reads Chinese) and its form.
    let mut f = h.client();
    f.login_form("sup", PASSWORD).await;
    let page = f.get("/admin/announcements").await;
    assert!(page.text.contains("队列播报"), "{}", page.text);
    f.csrf = common::hidden_csrf(&page.text);
    let q = sales.to_string();
    let bad = announcement_form(&q, "soon");
    let r = f.form("/admin/announcements", &bad, true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("queue_announcements.every_s"), "{}", r.text);
    let good = announcement_form(&q, "45");
    let r = f.form("/admin/announcements", &good, true).await;
    assert_eq!(r.location(), Some("/admin/announcements"), "{}", r.text);
    let set = h.peek().queue_announcements("sales").unwrap().unwrap();
    assert_eq!(
        (
            set.every_s,
            set.position,
            set.wait_time,
            set.periodic_prompts
        ),
        (45, false, true, 1)
    );
    let r = f
        .form(&format!("/admin/announcements/{sales}/delete"), &[], true)
        .await;
    assert_eq!(r.location(), Some("/admin/announcements"));
    assert_eq!(h.peek().queue_announcements("sales").unwrap(), None);
    let log = audit_of(&h, rev);
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|(who, what, id, op)| who == "web:sup"
        && what == "queue"
        && *id == sales
        && op == "update"));
    // Agents may not.
    let mut agent = h.login("agent1", PASSWORD).await;
    assert_eq!(
        agent.json(Method::PUT, &path, &a).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        agent.get("/admin/announcements").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_chat_capacity_is_stored_bounded_and_audited() {
    let h = Harness::new();
    let mut c = h.login("sup", PASSWORD).await;
    assert_eq!(
        c.get("/api/v1/chat/settings").await.json(),
        json!({"capacity": 2})
    );
    let rev = h.revision();
    for bad in [
        json!({"capacity": 0}),
        json!({"capacity": 11}),
        json!({"capacity": 300}),
        json!({"capacity": "two"}),
    ] {
        let r = c.json(Method::PUT, "/api/v1/chat/settings", &bad).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.text);
        assert!(r.text.contains("capacity"), "{}", r.text);
    }
    assert_eq!(h.revision(), rev);
    let r = c
        .json(
            Method::PUT,
            "/api/v1/chat/settings",
            &json!({"capacity": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(h.peek().chat_capacity().unwrap(), 4);
    let mut f = h.client();
    f.login_form("sup", PASSWORD).await;
    let page = f.get("/admin/chat").await;
    assert!(page.text.contains("value=\"4\""), "{}", page.text);
    f.csrf = common::hidden_csrf(&page.text);
    let r = f.form("/admin/chat", &[("capacity", "12")], true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = f.form("/admin/chat", &[("capacity", "3")], true).await;
    assert_eq!(r.location(), Some("/admin/chat"), "{}", r.text);
    assert_eq!(h.peek().chat_capacity().unwrap(), 3);
    assert_eq!(
        audit_of(&h, rev),
        [
            ("web:sup".into(), "chat_settings".into(), 0, "update".into()),
            ("web:sup".into(), "chat_settings".into(), 0, "update".into()),
        ]
    );
    let mut agent = h.login("agent1", PASSWORD).await;
    let r = agent
        .json(
            Method::PUT,
            "/api/v1/chat/settings",
            &json!({"capacity": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

fn did(priority: i64, pattern: &str, strip: u8, target: Value) -> Value {
    json!({"priority": priority, "pattern": pattern, "strip": strip, "target": target})
}

#[tokio::test]
async fn did_rules_are_created_edited_and_deleted_through_the_api_and_audited() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let before = c.get("/api/v1/did-rules").await.json();
    let rev = h.revision();
    let r = c
        .json(
            Method::POST,
            "/api/v1/did-rules",
            &did(10, "5559XXX", 3, json!({"kind": "dialed_extension"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let list = c.get("/api/v1/did-rules").await.json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(
        (&row["pattern"], &row["strip"], &row["target"]["kind"]),
        (&json!("5559XXX"), &json!(3), &json!("dialed_extension"))
    );
    // In the numbers table after the literal numbers, as the daemon orders them.
    let n = c.get("/api/v1/numbers").await.json();
    let dids = n["dids"].as_array().unwrap();
    let at = dids.iter().position(|d| d["rule"] == id).unwrap();
    assert!(dids[..at].iter().any(|d| d["number"] == "1001"));
    assert_eq!(dids[at]["target"], "strip 3 dialed_extension");
    let ext = h.peek().extension_by_number("1001").unwrap().unwrap().id;
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/did-rules/{id}"),
            &did(20, "5559000", 0, json!({"kind": "extension", "id": ext})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = h.peek().did_rules().unwrap();
    let s = stored.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        (s.config.pattern.as_str(), s.config.priority),
        ("5559000", 20)
    );
    assert_eq!(s.config.target, store::config::DidTarget::Extension(ext));
    let r = c
        .json(
            Method::DELETE,
            &format!("/api/v1/did-rules/{id}"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(c.get("/api/v1/did-rules").await.json(), before);
    assert_eq!(
        audit_of(&h, rev),
        [
            ("web:root".into(), "did_rule".into(), id, "create".into()),
            ("web:root".into(), "did_rule".into(), id, "update".into()),
            ("web:root".into(), "did_rule".into(), id, "delete".into()),
        ]
    );
}

#[tokio::test]
async fn bad_did_rules_are_refused_naming_the_field_and_change_nothing() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let rules = h.peek().did_rules().unwrap();
    let rev = h.revision();
    let tg = h.peek().trunk_groups().unwrap()[0].id;
    for (body, field, status) in [
        // Calls from outside never go back out.
        (
            did(10, "5558XXX", 0, json!({"kind": "trunk_group", "id": tg})),
            "did_rule.target.kind",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            did(10, "55.8", 0, json!({"kind": "dialed_extension"})),
            "did_rule.pattern",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            did(10, "5558XXX", 0, json!({"kind": "queue"})),
            "did_rule.target.id",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            did(10, "5558XXX", 0, json!({"kind": "reject", "cause": 0})),
            "did_rule.target",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Shadowed by the demo's 5551XXX (priority 100) if it came later.
        (
            did(200, "5551002", 0, json!({"kind": "reject", "cause": 21})),
            "did_rule.pattern",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // An extension number is reached by its own entry first.
        (
            did(10, "1001", 0, json!({"kind": "reject", "cause": 21})),
            "did_rule.pattern",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"priority": "x", "pattern": "1", "target": {"kind": "dialed_extension"}}),
            "priority",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"priority": 1, "pattern": "5558XXX", "target": {"kind": "dialed_extension"}, "extra": 1}),
            "extra",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = c.json(Method::POST, "/api/v1/did-rules", &body).await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    let r = c
        .json(
            Method::PUT,
            "/api/v1/did-rules/9999",
            &did(10, "5558XXX", 0, json!({"kind": "dialed_extension"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(h.revision(), rev, "nothing was written");
    assert_eq!(h.peek().did_rules().unwrap(), rules);
    // The wrong role and a request without the CSRF token are refused too.
    let mut sup = h.login("sup", PASSWORD).await;
    let ok = did(10, "5558XXX", 0, json!({"kind": "dialed_extension"}));
    assert_eq!(
        sup.json(Method::POST, "/api/v1/did-rules", &ok)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        sup.get("/api/v1/did-rules").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.json_no_csrf(Method::POST, "/api/v1/did-rules", &ok)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.revision(), rev, "nothing was written");
}

#[tokio::test]
async fn the_numbers_page_creates_edits_and_deletes_did_rules_through_its_forms() {
    let h = Harness::new();
    let mut c = h.client();
    c.login_form("root", PASSWORD).await;
    let page = c.get("/admin/numbers").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("5551XXX"), "the demo's DID range");
    c.csrf = common::hidden_csrf(&page.text);
    let form = |priority: &'static str,
                pattern: &'static str,
                kind: &'static str,
                target: &'static str| {
        [
            ("priority", priority),
            ("pattern", pattern),
            ("strip", "0"),
            ("prepend", ""),
            ("target_kind", kind),
            ("target", target),
        ]
    };
    let rev = h.revision();
    for (bad, field) in [
        (
            form("ten", "5557000", "queue", "sales"),
            "did_rule.priority",
        ),
        (
            form("10", "5557000", "queue", "no-such-queue"),
            "did_rule.target",
        ),
        (
            form("10", "5557000", "extension", "9999"),
            "did_rule.target",
        ),
        (form("10", "55x", "queue", "sales"), "did_rule.pattern"),
        (
            form("10", "5557000", "trunk_group", "carrier"),
            "did_rule.target.kind",
        ),
    ] {
        let r = c.form("/admin/numbers", &bad, true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    assert_eq!(h.revision(), rev, "nothing was written");
    let r = c
        .form(
            "/admin/numbers",
            &form("10", "5557000", "queue", "sales"),
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/numbers"), "{}", r.text);
    let id = h
        .peek()
        .did_rules()
        .unwrap()
        .into_iter()
        .find(|r| r.config.pattern == "5557000")
        .unwrap()
        .id;
    let edit = c.get(&format!("/admin/numbers?edit={id}")).await;
    assert!(
        edit.text
            .contains(&format!("action=\"/admin/numbers/{id}\"")),
        "{}",
        edit.text
    );
    assert!(edit.text.contains("value=\"sales\""), "{}", edit.text);
    let r = c
        .form(
            &format!("/admin/numbers/{id}"),
            &form("10", "5557001", "extension", "1002"),
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/numbers"), "{}", r.text);
    let ext = h.peek().extension_by_number("1002").unwrap().unwrap().id;
    let r2 = h
        .peek()
        .did_rules()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(
        (r2.config.pattern.as_str(), r2.config.target),
        ("5557001", store::config::DidTarget::Extension(ext))
    );
    let r = c
        .form(&format!("/admin/numbers/{id}/delete"), &[], true)
        .await;
    assert_eq!(r.location(), Some("/admin/numbers"), "{}", r.text);
    assert!(h.peek().did_rules().unwrap().iter().all(|r| r.id != id));
    let ops: Vec<String> = audit_of(&h, rev).into_iter().map(|a| a.3).collect();
    assert_eq!(ops, ["create", "update", "delete"]);
    // Without the form's CSRF field: refused, nothing written.
    let rev = h.revision();
    let r = c
        .form(
            "/admin/numbers",
            &form("10", "5557000", "queue", "sales"),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(h.revision(), rev);
}

#[tokio::test]
async fn caller_id_settings_of_spans_trunks_and_extensions_go_through_the_api() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let span = c.get("/api/v1/spans").await.json()[0].clone();
    assert_eq!(
        (&span["caller_id_mode"], &span["send_restricted"]),
        (&json!("pass"), &json!(true))
    );
    let id = span["id"].as_i64().unwrap();
    let mut edited = span.clone();
    edited.as_object_mut().unwrap().remove("id");
    edited["caller_id_mode"] = json!("prefix");
    edited["caller_id_number"] = json!("555");
    let r = c
        .json(Method::PUT, &format!("/api/v1/spans/{id}"), &edited)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = h.peek().spans().unwrap()[0].config.caller_id.clone();
    assert_eq!(
        (stored.mode, stored.number.as_str(), stored.send_restricted),
        (store::config::CallerIdMode::Prefix, "555", true)
    );
    let trunk = json!({"name": "prov", "host": "192.0.2.7", "port": 5060, "transport": "udp",
        "register": false, "max_channels": 10, "enabled": true,
        "caller_id_mode": "fixed", "caller_id_number": "5550000", "send_pai": true});
    let r = c.json(Method::POST, "/api/v1/sip-trunks", &trunk).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = c.get("/api/v1/sip-trunks").await.json();
    let t = t
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "prov")
        .unwrap();
    assert_eq!(
        (&t["caller_id_mode"], &t["caller_id_number"], &t["send_pai"]),
        (&json!("fixed"), &json!("5550000"), &json!(true))
    );
    let ext = json!({"number": "1077", "name": "Withheld", "kind": "sip",
        "sip_password": "secret1077", "outbound_caller_id": "5551077", "presentation": "restricted"});
    let r = c.json(Method::POST, "/api/v1/extensions", &ext).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let e = h
        .peek()
        .extension_by_number("1077")
        .unwrap()
        .unwrap()
        .config
        .caller_id;
    assert_eq!(
        (e.number.as_deref(), e.presentation),
        (Some("5551077"), store::config::Presentation::Restricted)
    );
    let rev = h.revision();
    for (path, body, field) in [
        (
            "/api/v1/sip-trunks",
            {
                let mut b = trunk.clone();
                b["name"] = json!("prov2");
                b["caller_id_mode"] = json!("sometimes");
                b
            },
            "sip_trunk.caller_id_mode",
        ),
        (
            "/api/v1/sip-trunks",
            {
                let mut b = trunk.clone();
                b["name"] = json!("prov2");
                b["caller_id_number"] = json!("55x");
                b
            },
            "sip_trunk.caller_id.number",
        ),
        (
            "/api/v1/extensions",
            {
                let mut b = ext.clone();
                b["number"] = json!("1078");
                b["presentation"] = json!("hidden");
                b
            },
            "extension.presentation",
        ),
        (
            "/api/v1/extensions",
            {
                let mut b = ext.clone();
                b["number"] = json!("1078");
                b["outbound_caller_id"] = json!("+86");
                b
            },
            "extension.caller_id.number",
        ),
    ] {
        let r = c.json(Method::POST, path, &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    assert_eq!(h.revision(), rev, "nothing was written");
}

#[tokio::test]
async fn caller_id_settings_are_edited_through_the_html_forms() {
    let h = Harness::new();
    let mut c = h.client();
    c.login_form("root", PASSWORD).await;
    let span = h.peek().spans().unwrap()[0].clone();
    let page = c.get("/admin/spans").await;
    assert_eq!(page.status, StatusCode::OK);
    let action = format!("/admin/spans/{}/caller-id", span.id);
    assert!(
        page.text.contains(&format!("action=\"{action}\""))
            && page.text.contains("name=\"caller_id_mode\""),
        "{}",
        page.text
    );
    c.csrf = common::hidden_csrf(&page.text);
    let rev = h.revision();

    // Bad values: the page again with the message naming the field, nothing written.
    for (path, form, field) in [
        (
            action.as_str(),
            vec![("caller_id_mode", "sometimes"), ("caller_id_number", "")],
            "span.caller_id_mode",
        ),
        (
            action.as_str(),
            vec![("caller_id_mode", "prefix"), ("caller_id_number", "55x")],
            "span.caller_id.number",
        ),
        (
            action.as_str(),
            vec![("caller_id_mode", "pass"), ("caller_id_number", "555")],
            "span.caller_id.number",
        ),
    ] {
        let r = c.form(path, &form, true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(
            r.text.contains(field) && r.text.contains("name=\"caller_id_mode\""),
            "{field}: {}",
            r.text
        );
    }
    // Without the CSRF token: refused.
    let r = c
        .form(
            &action,
            &[("caller_id_mode", "prefix"), ("caller_id_number", "555")],
            false,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(h.revision(), rev, "nothing was written");

    // Saved: a prefix, the box unchecked (absent) turns send-restricted off; the rest of the
    // span is kept.
    let r = c
        .form(
            &action,
            &[("caller_id_mode", "prefix"), ("caller_id_number", " 555 ")],
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/spans"), "{}", r.text);
    let stored = h
        .peek()
        .spans()
        .unwrap()
        .into_iter()
        .find(|s| s.id == span.id)
        .unwrap()
        .config;
    assert_eq!(
        (
            stored.caller_id.mode,
            stored.caller_id.number.as_str(),
            stored.caller_id.send_restricted
        ),
        (store::config::CallerIdMode::Prefix, "555", false)
    );
    assert_eq!(
        (stored.name.as_str(), stored.device.as_str()),
        (span.config.name.as_str(), span.config.device.as_str())
    );
    // Shown in the form.
    let page = c.get("/admin/spans").await;
    assert!(
        page.text.contains("value=\"prefix\" selected")
            && page
                .text
                .contains("name=\"caller_id_number\" value=\"555\""),
        "{}",
        page.text
    );

    // A SIP trunk (created through REST): a fixed number, P-Asserted-Identity on.
    let trunk = json!({"name": "prov", "host": "192.0.2.7", "port": 5060, "transport": "udp",
        "username": "acct", "password": "s3cret", "register": false, "max_channels": 10,
        "enabled": true});
    let r = c.json(Method::POST, "/api/v1/sip-trunks", &trunk).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tid = r.json()["id"].as_i64().unwrap();
    let taction = format!("/admin/sip-trunks/{tid}/caller-id");
    let page = c.get("/admin/sip-trunks").await;
    assert!(page.text.contains(&format!("action=\"{taction}\"")));
    let rev = h.revision();
    let r = c
        .form(
            &taction,
            &[("caller_id_mode", "fixed"), ("caller_id_number", "5")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("sip_trunk.caller_id.number"), "{}", r.text);
    assert_eq!(h.revision(), rev, "nothing was written");
    let r = c
        .form(
            &taction,
            &[
                ("caller_id_mode", "fixed"),
                ("caller_id_number", "5550000"),
                ("send_restricted", "on"),
            ],
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/sip-trunks"), "{}", r.text);
    let t = h
        .peek()
        .sip_trunks()
        .unwrap()
        .into_iter()
        .find(|t| t.id == tid)
        .unwrap()
        .config;
    assert_eq!(
        (
            t.caller_id.mode,
            t.caller_id.number.as_str(),
            t.caller_id.send_restricted
        ),
        (store::config::CallerIdMode::Fixed, "5550000", true)
    );
    assert_eq!(t.password.as_deref(), Some("s3cret"), "the secret is kept");
    let page = c.get("/admin/sip-trunks").await;
    assert!(
        page.text.contains("value=\"fixed\" selected")
            && page.text.contains("value=\"5550000\"")
            && page
                .text
                .contains("name=\"send_restricted\" value=\"on\" checked"),
        "{}",
        page.text
    );

    // An extension: its own outbound number and withheld presentation.
    let ext = h.peek().extension_by_number("1001").unwrap().unwrap();
    let eaction = format!("/admin/extensions/{}/caller-id", ext.id);
    let page = c.get("/admin/extensions").await;
    assert!(page.text.contains(&format!("action=\"{eaction}\"")));
    let rev = h.revision();
    for (form, field) in [
        (
            [
                ("outbound_caller_id", "5551001"),
                ("presentation", "hidden"),
            ],
            "extension.presentation",
        ),
        (
            [("outbound_caller_id", "+86"), ("presentation", "allowed")],
            "extension.caller_id.number",
        ),
    ] {
        let r = c.form(&eaction, &form, true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    assert_eq!(h.revision(), rev, "nothing was written");
    let r = c
        .form(
            &eaction,
            &[
                ("outbound_caller_id", "5551001"),
                ("presentation", "restricted"),
            ],
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/extensions"), "{}", r.text);
    let e = h
        .peek()
        .extension_by_number("1001")
        .unwrap()
        .unwrap()
        .config;
    assert_eq!(
        (e.caller_id.number.as_deref(), e.caller_id.presentation),
        (Some("5551001"), store::config::Presentation::Restricted)
    );
    assert_eq!(
        e.sip_password, ext.config.sip_password,
        "the secret is kept"
    );
    let page = c.get("/admin/extensions").await;
    assert!(
        page.text.contains("value=\"5551001\"")
            && page.text.contains("value=\"restricted\" selected"),
        "{}",
        page.text
    );
    // Emptied: the extension number again.
    let r = c
        .form(
            &eaction,
            &[("outbound_caller_id", ""), ("presentation", "allowed")],
            true,
        )
        .await;
    assert_eq!(r.location(), Some("/admin/extensions"), "{}", r.text);
    let e = h
        .peek()
        .extension_by_number("1001")
        .unwrap()
        .unwrap()
        .config;
    assert_eq!(e.caller_id, store::config::ExtensionCallerId::default());
    // Audited as updates by the user.
    let audit = audit_of(&h, rev);
    assert_eq!(audit.len(), 2);
    assert!(
        audit
            .iter()
            .all(|a| a.0 == "web:root" && a.1 == "extension" && a.3 == "update"),
        "{audit:?}"
    );

    // Chinese labels.
    let r = c
        .json(
            Method::PUT,
            "/api/v1/me/language",
            &json!({"language": "zh"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let page = c.get("/admin/extensions").await;
    assert!(
        page.text.contains("外显号码") && page.text.contains("主叫号码设置"),
        "{}",
        page.text
    );
}
