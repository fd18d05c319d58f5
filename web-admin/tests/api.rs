//! The REST API over the store's commands: create/edit/delete, malformed input answered
//! with a 4xx naming the field and nothing written, the audit log, the OpenAPI file.

mod common;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn queue_create_edit_delete_through_the_api_is_audited() {
    let h = Harness::new();
    let mut c = h.login("sup", PASSWORD).await;
    let q = json!({"name": "vip", "number": "703", "strategy": "round_robin", "max_len": 10,
        "max_wait_s": 60, "service_level_s": 15, "short_abandon_s": 5, "wrapup_s": 5,
        "skills": [], "members": [{"id": 1, "level": 3}]});
    let r = c.json(Method::POST, "/api/v1/queues", &q).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let list = c.get("/api/v1/queues").await.json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["name"], "vip");
    assert_eq!(row["strategy"], "round_robin");
    assert_eq!(row["members"], json!([{"id": 1, "level": 3}]));
    let mut q2 = q.clone();
    q2["service_level_s"] = json!(30);
    let r = c
        .json(Method::PUT, &format!("/api/v1/queues/{id}"), &q2)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = h
        .peek()
        .queues()
        .unwrap()
        .into_iter()
        .find(|x| x.id == id)
        .unwrap();
    assert_eq!(stored.config.service_level_s, 30);
    let r = c
        .json(Method::DELETE, &format!("/api/v1/queues/{id}"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(h.peek().queues().unwrap().iter().all(|x| x.id != id));
    // The audit log (admin only) shows all three, by this user.
    let mut admin = h.login("root", PASSWORD).await;
    let audit = admin.get("/api/v1/audit").await.json();
    let mine: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "web:sup" && e["entity"] == "queue")
        .map(|e| e["op"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(mine, ["create", "update", "delete"]);
    let page = admin.get("/admin/audit").await;
    assert!(page.text.contains("web:sup") && page.text.contains("delete queue"));
}

#[tokio::test]
async fn malformed_input_gets_a_4xx_naming_the_field_and_changes_nothing() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let rev = h.revision();
    let queue = json!({"name": "q", "strategy": "ring_all", "max_len": 0, "max_wait_s": 0,
        "service_level_s": 20, "short_abandon_s": 5, "wrapup_s": 0});
    let with = |k: &str, v: serde_json::Value| {
        let mut q = queue.clone();
        q[k] = v;
        q
    };
    let span = json!({"name": "s9", "signalling": "pri", "framing": "ccs", "crc4": true,
        "role": "user", "switchtype": "euroisdn", "device": "virt:s9.sock", "timing_priority": 1});
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "/api/v1/queues",
            with("strategy", json!("fastest")),
            "queue.strategy",
        ),
        (
            "/api/v1/queues",
            with("service_level_s", json!(0)),
            "queue.service_level_s",
        ),
        ("/api/v1/queues", with("name", json!("sales")), "queue.name"),
        ("/api/v1/queues", with("max_len", json!("ten")), "max_len"),
        ("/api/v1/queues", with("max_len", json!(-1)), "max_len"),
        (
            "/api/v1/queues",
            with("number", json!("12a")),
            "queue.number",
        ),
        ("/api/v1/skills", json!({"name": ""}), "skill.name"),
        (
            "/api/v1/agents",
            json!({"number": "x", "name": "A"}),
            "agent.number",
        ),
        (
            "/api/v1/extensions",
            json!({"number": "1001", "name": "dup", "kind": "sip", "sip_password": "longenough"}),
            "extension.number",
        ),
        (
            "/api/v1/extensions",
            json!({"number": "1501", "name": "n", "kind": "fax"}),
            "extension.kind",
        ),
        (
            "/api/v1/spans",
            {
                let mut s = span.clone();
                s["framing"] = json!("cas");
                s
            },
            "span.framing",
        ),
        (
            "/api/v1/spans",
            {
                let mut s = span.clone();
                s["timing_priority"] = json!(300);
                s
            },
            "timing_priority",
        ),
        (
            "/api/v1/dial-rules",
            json!({"priority": 1, "pattern": "9!!", "strip": 0, "target": {"kind": "queue", "id": 1}}),
            "dial_rule.pattern",
        ),
        (
            "/api/v1/dial-rules",
            json!({"priority": 1, "pattern": "9.", "strip": 0, "target": {"kind": "queue"}}),
            "dial_rule.target.id",
        ),
        (
            "/api/v1/users",
            json!({"username": "Bad Name", "display_name": "x", "role": "agent", "password": "long-enough"}),
            "user.username",
        ),
        (
            "/api/v1/users",
            json!({"username": "newbie", "display_name": "x", "role": "god", "password": "long-enough"}),
            "user.role",
        ),
        (
            "/api/v1/users",
            json!({"username": "newbie", "display_name": "x", "role": "agent", "password": "short"}),
            "user.password",
        ),
    ];
    for (path, body, field) in &cases {
        let r = c.json(Method::POST, path, body).await;
        assert!(
            r.status.is_client_error(),
            "{path} {body}: {} {}",
            r.status,
            r.text
        );
        let j = r.json();
        let msg = j["error"].as_str().unwrap();
        assert!(msg.contains(field), "{path}: `{msg}` should name {field}");
    }
    // Not JSON at all, and a missing field.
    let r = c.json(Method::POST, "/api/v1/skills", &json!("nope")).await;
    assert!(r.status.is_client_error());
    let r = c
        .json(Method::POST, "/api/v1/queues", &json!({"name": "q"}))
        .await;
    assert!(
        r.status.is_client_error() && r.text.contains("strategy"),
        "{}",
        r.text
    );
    // Unknown ids.
    let r = c
        .json(Method::PUT, "/api/v1/skills/999999", &json!({"name": "n"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // In use: the demo skill is used by agents and queues.
    let r = c.json(Method::DELETE, "/api/v1/skills/1", &json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(h.revision(), rev, "nothing was written");
}

#[tokio::test]
async fn html_queue_form_creates_and_reports_bad_fields() {
    let h = Harness::new();
    let mut c = h.client();
    c.login_form("root", PASSWORD).await;
    let page = c.get("/admin/queues").await;
    c.csrf = common::hidden_csrf(&page.text);
    let rev = h.revision();
    let bad = [
        ("name", "x"),
        ("strategy", "ring_all"),
        ("max_len", "many"),
        ("max_wait_s", "0"),
        ("service_level_s", "20"),
        ("short_abandon_s", "5"),
        ("wrapup_s", "0"),
    ];
    let r = c.form("/admin/queues", &bad, true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("queue.max_len"));
    assert_eq!(h.revision(), rev);
    let good = [
        ("name", "billing"),
        ("number", "705"),
        ("strategy", "ring_all"),
        ("max_len", "5"),
        ("max_wait_s", "0"),
        ("service_level_s", "20"),
        ("short_abandon_s", "5"),
        ("wrapup_s", "0"),
    ];
    let r = c.form("/admin/queues", &good, true).await;
    assert_eq!(r.location(), Some("/admin/queues"), "{}", r.text);
    assert!(c.get("/admin/queues").await.text.contains("billing"));
    assert!(
        h.peek()
            .queues()
            .unwrap()
            .iter()
            .any(|q| q.config.name == "billing")
    );
}

#[tokio::test]
async fn every_entity_round_trips_through_create_and_list() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let cases = [
        ("/api/v1/skills", json!({"name": "french"})),
        (
            "/api/v1/agents",
            json!({"number": "2099", "name": "New agent", "skills": [{"id": 1, "level": 80}]}),
        ),
        (
            "/api/v1/extensions",
            json!({"number": "1099", "name": "Lobby", "kind": "sip", "sip_password": "lobby-secret"}),
        ),
        (
            "/api/v1/spans",
            json!({"name": "span2", "signalling": "r2", "framing": "cas", "crc4": false,
            "role": "user", "switchtype": "none", "device": "virt:span2.sock", "timing_priority": 2}),
        ),
        (
            "/api/v1/sip-trunks",
            json!({"name": "itsp", "host": "sip.example.net", "port": 5060, "transport": "udp",
            "username": "u", "password": "p-secret", "register": true, "max_channels": 30, "enabled": true}),
        ),
        (
            "/api/v1/trunk-groups",
            json!({"name": "backup", "members": [{"kind": "span", "id": 1}]}),
        ),
        (
            "/api/v1/dial-rules",
            json!({"priority": 5, "pattern": "7XX", "strip": 0, "target": {"kind": "queue", "id": 1}}),
        ),
    ];
    for (path, body) in cases {
        let r = c.json(Method::POST, path, &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
        let id = r.json()["id"].clone();
        let list = c.get(path).await.json();
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone();
        for (k, v) in body.as_object().unwrap() {
            if k == "sip_password" || k == "password" {
                assert!(
                    row.get(k).is_none(),
                    "{path}: secret {k} must not be listed"
                );
            } else {
                assert_eq!(&row[k], v, "{path}.{k}");
            }
        }
    }
}

#[test]
fn checked_in_openapi_matches_the_code() {
    let generated = web_admin::api::openapi_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "web-admin/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p web-admin --test api` and commit it"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    // Every REST route of the route table is documented, with its method.
    for r in web_admin::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
    {
        let m = r.method.to_ascii_lowercase();
        assert!(
            doc["paths"][r.path].get(&m).is_some(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
}
