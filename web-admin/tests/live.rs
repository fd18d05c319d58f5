//! The wallboard over a real WebSocket on 127.0.0.1, fed by the in-memory backend; HTTPS
//! with the self-signed certificate; the HTTP → HTTPS redirect.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Harness, PASSWORD, T0};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tower::ServiceExt;
use web_admin::backend::{AgentLive, AgentState, Alarm, QueueLive, Severity};
use web_admin::tls::{CertFiles, ensure_self_signed, redirect_router, server_config};
use web_admin::{WebConfig, wallboard};

const NOW: i64 = T0 + 9 * 3_600_000_000;

fn feed(h: &Harness, waiting: u32) {
    h.backend.update(|s| {
        s.queues = vec![QueueLive {
            queue: "sales".into(),
            waiting,
            oldest_enter_us: Some(NOW - 30_000_000),
            service_level_today: Some(0.9),
        }];
        s.agents = vec![
            AgentLive {
                agent: "2002".into(),
                state: AgentState::Talking,
                since_us: NOW - 65_000_000,
                reason: None,
            },
            AgentLive {
                agent: "2001".into(),
                state: AgentState::Ready,
                since_us: NOW - 5_000_000,
                reason: None,
            },
        ];
        s.alarms = vec![
            Alarm {
                code: "queue.sl_breach".into(),
                subject: "support".into(),
                severity: Severity::Warning,
                since_us: NOW - 1,
            },
            Alarm {
                code: "span.los".into(),
                subject: "span1".into(),
                severity: Severity::Critical,
                since_us: NOW,
            },
        ];
    });
}

#[test]
fn snapshot_computes_waits_and_orders_rows() {
    let h = Harness::new();
    feed(&h, 2);
    let s = wallboard::snapshot(&*h.backend, store::Timestamp(NOW));
    assert_eq!(s.queues[0].waiting, 2);
    assert!((s.queues[0].longest_wait_s - 30.0).abs() < 1e-9);
    assert_eq!(s.agents[0].agent, "2001", "ready before talking");
    assert!((s.agents[1].time_in_state_s - 65.0).abs() < 1e-9);
    assert_eq!(s.alarms[0].code, "span.los", "critical first");
}

#[tokio::test]
async fn wallboard_socket_pushes_live_updates() {
    let h = Harness::new();
    feed(&h, 2);
    let c = h.login("sup", PASSWORD).await;
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
    let mut req = format!("ws://{addr}/ws/wallboard")
        .into_client_request()
        .unwrap();
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut ws, _) = tokio::time::timeout(
        Duration::from_secs(5),
        tokio_tungstenite::connect_async(req),
    )
    .await
    .unwrap()
    .unwrap();
    let mut next = async || -> serde_json::Value {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        serde_json::from_str(m.to_text().unwrap()).unwrap()
    };
    let first = next().await;
    assert_eq!(first["queues"][0]["waiting"], 2);
    assert_eq!(first["alarms"][0]["code"], "span.los");
    feed(&h, 3); // a call arrives
    let second = next().await;
    assert_eq!(second["queues"][0]["waiting"], 3);
    // Without a session the upgrade is refused.
    let anon = format!("ws://{addr}/ws/wallboard")
        .into_client_request()
        .unwrap();
    assert!(tokio_tungstenite::connect_async(anon).await.is_err());
    server.abort();
}

#[tokio::test]
async fn https_serves_with_the_self_signed_certificate_and_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let files = CertFiles::in_dir(dir.path());
    assert!(ensure_self_signed(&files, &["localhost".into()]).unwrap());
    assert!(
        !ensure_self_signed(&files, &["localhost".into()]).unwrap(),
        "kept on restart"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let h = Harness::with_config(WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    });
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(
        server_config(&files).unwrap(),
    ));
    let handle = axum_server::Handle::new();
    let app = web_admin::router(h.state.clone());
    let srv = axum_server::bind_rustls("127.0.0.1:0".parse().unwrap(), tls)
        .handle(handle.clone())
        .serve(app.into_make_service_with_connect_info::<SocketAddr>());
    let server = tokio::spawn(srv);
    let addr = tokio::time::timeout(Duration::from_secs(5), handle.listening())
        .await
        .unwrap()
        .unwrap();

    use rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(&files.cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let conn = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = tokio::time::timeout(Duration::from_secs(5), conn.connect(name, tcp))
        .await
        .unwrap()
        .unwrap();
    tls.write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut out))
        .await
        .unwrap()
        .ok();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let cookie = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: wa_pre="))
        .unwrap();
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
    );
    handle.shutdown();
    server.abort();
}

#[tokio::test]
async fn plain_http_redirects_to_https_keeping_path_and_query() {
    let r = redirect_router(8443)
        .oneshot(
            Request::builder()
                .uri("/admin/users?x=1")
                .header("host", "box.local:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers()["location"],
        "https://box.local:8443/admin/users?x=1"
    );
    let r = redirect_router(443)
        .oneshot(
            Request::builder()
                .uri("/")
                .header("host", "[::1]:80")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "https://[::1]/");
    let r = redirect_router(443)
        .oneshot(
            Request::builder()
                .uri("/")
                .header("host", "evil\"host")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
