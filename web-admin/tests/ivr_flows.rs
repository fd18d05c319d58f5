//! The IVR flow editor's API: the `ivr` crate's validator reports problems by node, saving
//! stores a new version, activation refuses a version that does not validate and leaves
//! everything as it was.

mod common;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use serde_json::json;

fn small_flow(next: &str) -> serde_json::Value {
    json!({
        "version": 1, "name": "api-flow", "start": "hello",
        "nodes": {
            "hello": {"type": "play", "prompts": ["welcome"], "next": next},
            "bye": {"type": "hangup"}
        }
    })
}

#[tokio::test]
async fn validate_save_and_activate_through_the_validator() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    // Problems come back by node.
    let r = c
        .json(Method::POST, "/api/v1/ivr/validate", &small_flow("nowhere"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["valid"], false);
    assert!(
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["node"] == "hello" && p["message"].as_str().unwrap().contains("nowhere")),
        "{v}"
    );
    // Not flow-shaped: one flow-level problem with the parser's message.
    let r = c
        .json(Method::POST, "/api/v1/ivr/validate", &json!({"version": 1}))
        .await;
    assert_eq!(r.json()["valid"], false);
    assert!(r.json()["problems"][0]["node"].is_null());

    // A draft with a problem can be saved, but not activated.
    let rev = h.revision();
    let r = c
        .json(Method::POST, "/api/v1/ivr/flows", &small_flow("nowhere"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let draft = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["version"], 1);
    assert_eq!(h.revision(), rev + 1);
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/ivr/flows/{draft}/activate"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["problems"][0]["node"] == "hello", "{}", r.text);
    assert_eq!(h.revision(), rev + 1, "a refused activation writes nothing");
    assert!(
        h.peek()
            .ivr_flows()
            .unwrap()
            .iter()
            .all(|f| f.name != "api-flow" || !f.active)
    );

    // The fixed flow is version 2 and activates.
    let r = c
        .json(Method::POST, "/api/v1/ivr/flows", &small_flow("bye"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let good = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["version"], 2);
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/ivr/flows/{good}/activate"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let flows = h.peek().ivr_flows().unwrap();
    let active: Vec<_> = flows
        .iter()
        .filter(|f| f.name == "api-flow" && f.active)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].id, good);
    ivr::parse_and_validate(&active[0].flow).unwrap();
    // Listed with the parsed flow; the audit log names the admin.
    let list = c.get("/api/v1/ivr/flows").await.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == good && f["active"] == true && f["flow"]["start"] == "hello")
    );
    let log = c.get(&format!("/api/v1/audit?since={rev}")).await.json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "web:root" && e["entity"] == "ivr_flow")
    );
    assert_eq!(log.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn malformed_bodies_are_refused_and_nothing_is_written() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    let rev = h.revision();
    for body in [json!([1, 2]), json!({"version": 1}), json!({"name": ""})] {
        let r = c.json(Method::POST, "/api/v1/ivr/flows", &body).await;
        assert!(r.status.is_client_error(), "{body}: {}", r.text);
    }
    let r = c
        .json(
            Method::POST,
            "/api/v1/ivr/flows/999999/activate",
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(h.revision(), rev);
    // Supervisors do not edit IVR flows.
    let mut s = h.login("sup", PASSWORD).await;
    assert_eq!(
        s.json(Method::POST, "/api/v1/ivr/flows", &small_flow("bye"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
