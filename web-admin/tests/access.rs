//! The route table is enforced on every route: each role gets through exactly where the
//! table allows it, anonymous callers never get past a non-public route, and every table
//! row is a registered route.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::{Harness, PASSWORD};
use store::config::Role;
use web_admin::{Access, ROUTES};

fn concrete(path: &str) -> String {
    path.replace("{id}", "999999")
        .replace("{file}", "app.css")
        .replace("{name}", "nosuchcategory")
        .replace("{agent}", "2001")
}

fn allowed(access: Access, role: Role) -> bool {
    match access {
        Access::Public | Access::SelfService => true,
        Access::Roles(r) => r.contains(&role),
    }
}

fn is_refusal(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED
}

#[tokio::test]
async fn every_route_refuses_the_wrong_role_and_admits_the_right_one() {
    let h = Harness::new();
    let mut checked = 0;
    for (user, role) in [
        ("root", Role::Admin),
        ("sup", Role::Supervisor),
        ("agent1", Role::Agent),
    ] {
        let mut c = h.login(user, PASSWORD).await;
        for rule in ROUTES {
            let method: Method = rule.method.parse().unwrap();
            let path = concrete(rule.path);
            let mut b = c.builder(method.clone(), &path);
            if let Some(t) = &c.csrf {
                b = b.header("x-csrf-token", t);
            }
            let req = b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let r = c.send(req).await;
            if rule.path.ends_with("logout") {
                // The session ended as asked: log in again for the next routes.
                c = h.login(user, PASSWORD).await;
            }
            if allowed(rule.access, role) {
                assert!(
                    !is_refusal(r.status)
                        && (r.status != StatusCode::NOT_FOUND || path.contains("999999")),
                    "{user} should reach {} {}: {} {}",
                    rule.method,
                    rule.path,
                    r.status,
                    r.text
                );
                assert_ne!(
                    r.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{} {}",
                    rule.method,
                    rule.path
                );
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{user} must be refused {} {}: {}",
                    rule.method,
                    rule.path,
                    r.text
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * ROUTES.len());
}

#[tokio::test]
async fn anonymous_callers_are_sent_to_login_on_every_non_public_route() {
    let h = Harness::new();
    let mut c = h.client();
    for rule in ROUTES {
        let method: Method = rule.method.parse().unwrap();
        let path = concrete(rule.path);
        let r = c
            .send(c.builder(method, &path).body(Body::empty()).unwrap())
            .await;
        match rule.access {
            Access::Public => assert!(
                r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
                "public {} {} not registered: {}",
                rule.method,
                rule.path,
                r.status
            ),
            _ if path.starts_with("/api/") || path.starts_with("/ws/") => assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{} {}",
                rule.method,
                rule.path
            ),
            // Only the access middleware redirects to /login, and it runs only on
            // registered routes: so this also proves the route exists.
            _ => assert_eq!(
                r.location(),
                Some("/login"),
                "{} {}: {}",
                rule.method,
                rule.path,
                r.status
            ),
        }
    }
}

#[tokio::test]
async fn route_table_has_no_duplicates() {
    for (i, a) in ROUTES.iter().enumerate() {
        for b in &ROUTES[i + 1..] {
            assert!(
                !(a.method == b.method && a.path == b.path),
                "{} {}",
                a.method,
                a.path
            );
        }
    }
}

#[tokio::test]
async fn a_demoted_user_loses_the_session_and_its_rights() {
    let h = Harness::new();
    let mut admin = h.login("root", PASSWORD).await;
    let mut sup = h.login("sup", PASSWORD).await;
    assert_eq!(sup.get("/api/v1/queues").await.status, StatusCode::OK);
    let id = h
        .peek()
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.username == "sup")
        .unwrap()
        .id;
    let r = admin
        .json(
            Method::PUT,
            &format!("/api/v1/users/{id}"),
            &serde_json::json!({"display_name": "sup", "role": "agent", "language": "zh"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        sup.get("/api/v1/queues").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut again = h.login("sup", PASSWORD).await;
    assert_eq!(
        again.get("/api/v1/queues").await.status,
        StatusCode::FORBIDDEN
    );
}
