//! Login, lockout, CSRF, the forced change of the default password, session expiry.

mod common;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use store::{DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USER};
use web_admin::{ROUTES, SecurityPolicy};

#[tokio::test]
async fn html_login_sets_a_strict_httponly_cookie_and_logout_ends_it() {
    let h = Harness::new();
    let mut c = h.client();
    let r = c.login_form("root", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), Some("/dashboard"));
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("wa_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP harness: no Secure flag"
    );
    let dash = c.get("/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK);
    let token = common::hidden_csrf(&dash.text).unwrap();
    c.csrf = Some(token);
    let r = c.form("/logout", &[], true).await;
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(c.get("/dashboard").await.location(), Some("/login"));
}

#[tokio::test]
async fn wrong_password_is_refused_and_the_page_is_translated_per_user() {
    let h = Harness::new();
    let mut c = h.client();
    let r = c.login_form("root", "wrong-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("Wrong user name or password."));
    // The supervisor reads Chinese.
    let mut s = h.client();
    assert_eq!(
        s.login_form("sup", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = s.get("/admin/queues").await;
    assert!(page.text.contains("队列"), "{}", page.text);
    assert!(!page.text.contains(">Queues<"));
}

#[tokio::test]
async fn brute_force_on_one_user_is_locked_out_even_with_the_right_password() {
    let h = Harness::new();
    let max = SecurityPolicy::default().max_failures_per_user;
    let mut c = h.client();
    for _ in 0..max {
        assert_eq!(
            c.login_api("root", "guess-guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = c.login_api("root", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // Another user from the same address is not locked by the per-user counter.
    assert_eq!(c.login_api("sup", PASSWORD).await.status, StatusCode::OK);
    // After the lockout period the right password works again.
    h.advance_s(SecurityPolicy::default().lockout_us / 1_000_000 + 1);
    assert_eq!(
        h.client().login_api("root", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn brute_force_from_one_address_is_locked_out_across_user_names() {
    let h = Harness::new();
    let max = SecurityPolicy::default().max_failures_per_addr;
    let mut c = h.client();
    for i in 0..max {
        let r = c.login_api(&format!("nobody{i}"), "guess-guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        c.login_api("root", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The same user from another address gets in.
    let mut other = common::Client {
        app: h.app_from([10, 0, 0, 2]),
        cookies: Vec::new(),
        csrf: None,
    };
    assert_eq!(
        other.login_api("root", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn login_without_or_with_a_wrong_csrf_token_is_refused() {
    let h = Harness::new();
    let mut c = h.client();
    let body = serde_json::json!({"username": "root", "password": PASSWORD});
    assert_eq!(
        c.json_no_csrf(Method::POST, "/api/v1/login", &body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    c.get("/api/v1/csrf").await; // cookie set, header sent wrong
    c.csrf = Some("0".repeat(64));
    assert_eq!(
        c.json(Method::POST, "/api/v1/login", &body).await.status,
        StatusCode::FORBIDDEN
    );
    let r = c
        .form(
            "/login",
            &[("username", "root"), ("password", PASSWORD)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_state_changing_route_rejects_a_post_without_csrf_and_changes_nothing() {
    let h = Harness::new();
    let rev = h.revision();
    let mut c = h.login("root", PASSWORD).await;
    let mut n = 0;
    for rule in ROUTES.iter().filter(|r| r.method != "GET") {
        let path = rule.path.replace("{id}", "1").replace("{name}", "x");
        let method: Method = rule.method.parse().unwrap();
        let r = c
            .json_no_csrf(method.clone(), &path, &serde_json::json!({"name": "x"}))
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{} {}",
            rule.method,
            rule.path
        );
        let r = c.form(&path, &[("name", "x")], false).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "form {}", rule.path);
        n += 1;
    }
    assert!(n > 30);
    assert_eq!(h.revision(), rev, "nothing was written");
    // The session survived: the same request with the token works.
    let r = c
        .json(
            Method::POST,
            "/api/v1/skills",
            &serde_json::json!({"name": "vip"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn the_default_password_must_be_changed_before_anything_else() {
    let h = Harness::new();
    let mut c = h.client();
    let r = c.login_form(DEMO_ADMIN_USER, DEMO_ADMIN_PASSWORD).await;
    assert_eq!(r.location(), Some("/password"));
    for page in ["/dashboard", "/admin/users", "/reports", "/wallboard", "/"] {
        let r = c.get(page).await;
        assert!(
            r.location() == Some("/password") || r.location() == Some("/dashboard"),
            "{page}: {:?}",
            r.location()
        );
    }
    assert_eq!(c.get("/dashboard").await.location(), Some("/password"));
    let api = c.get("/api/v1/users").await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.text.contains("password change required"));
    let form = c.get("/password").await;
    assert!(form.text.contains("You must change the default password"));
    c.csrf = common::hidden_csrf(&form.text);
    // Same password again, and two different new ones: refused, nothing changed.
    let rev = h.revision();
    let same = [
        ("current", DEMO_ADMIN_PASSWORD),
        ("new", DEMO_ADMIN_PASSWORD),
        ("repeat", DEMO_ADMIN_PASSWORD),
    ];
    assert_eq!(
        c.form("/password", &same, true).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let differ = [
        ("current", DEMO_ADMIN_PASSWORD),
        ("new", "new-secret-1"),
        ("repeat", "new-secret-2"),
    ];
    assert_eq!(
        c.form("/password", &differ, true).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let short = [
        ("current", DEMO_ADMIN_PASSWORD),
        ("new", "short"),
        ("repeat", "short"),
    ];
    let r = c.form("/password", &short, true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = [
        ("current", "not-it-at-all"),
        ("new", "new-secret-1"),
        ("repeat", "new-secret-1"),
    ];
    assert_eq!(
        c.form("/password", &wrong, true).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(h.revision(), rev);
    // The real change.
    let ok = [
        ("current", DEMO_ADMIN_PASSWORD),
        ("new", "new-secret-1"),
        ("repeat", "new-secret-1"),
    ];
    let r = c.form("/password", &ok, true).await;
    assert_eq!(r.location(), Some("/dashboard"), "{}", r.text);
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    assert_eq!(c.get("/api/v1/users").await.status, StatusCode::OK);
    // Old password gone, new one works, flag cleared in the store, audited.
    assert_eq!(
        h.client()
            .login_api(DEMO_ADMIN_USER, DEMO_ADMIN_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.client()
            .login_api(DEMO_ADMIN_USER, "new-secret-1")
            .await
            .status,
        StatusCode::OK
    );
    let st = h.peek();
    assert!(
        !st.users()
            .unwrap()
            .iter()
            .any(|u| u.username == DEMO_ADMIN_USER && u.must_change_password)
    );
    let last = st.changes_since(rev).unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].actor, "web:admin");
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let h = Harness::new();
    let mut c = h.login("root", PASSWORD).await;
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
    h.advance_s(SecurityPolicy::default().idle_ttl_us / 1_000_000 - 1);
    assert_eq!(
        c.get("/api/v1/me").await.status,
        StatusCode::OK,
        "use keeps it alive"
    );
    h.advance_s(SecurityPolicy::default().idle_ttl_us / 1_000_000);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}
