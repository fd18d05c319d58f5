//! The HTTP side of the daemon: `/metrics` (Prometheus text), `/healthz`, the loopback-only
//! control and recording routes, and the admin panel and REST/CTI API of crate `web-admin`
//! on every other path (its own connection to the database).
//!
//! Without `--https` all of it is one plain-HTTP server (a developer's loopback; the panel's
//! cookies are not `Secure`). With `--https ADDR` the panel is served on HTTPS at ADDR with
//! the self-signed certificate made on first start in the data directory
//! ([`web_admin::tls`]), its cookies `Secure`, and the plain-HTTP server keeps `/metrics`,
//! `/healthz` and the loopback routes and redirects every other path to HTTPS (what the
//! appliance image runs).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tracing::error;

use crate::Shared;

/// The panel's HTTPS listener and certificate (`--https`).
pub(crate) struct Https {
    pub(crate) listener: std::net::TcpListener,
    pub(crate) files: web_admin::tls::CertFiles,
}

/// Serves until the process exits.
async fn serve(
    listener: tokio::net::TcpListener,
    https: Option<Https>,
    shared: Arc<Shared>,
    panel: Option<web_admin::WebState>,
) {
    let health = || {
        Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(healthz))
            .with_state(Arc::clone(&shared))
    };
    let mut app = health()
        .merge(crate::control::router(Arc::clone(&shared)))
        .merge(crate::recorder::router(Arc::clone(&shared)));
    let Some(https) = https else {
        if let Some(state) = panel {
            app = app.merge(web_admin::router(state));
        }
        let svc = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        if let Err(e) = axum::serve(listener, svc).await {
            error!("http server stopped: {e}");
        }
        return;
    };
    let port = https.listener.local_addr().map_or(443, |a| a.port());
    let app = app.merge(web_admin::tls::redirect_router(port));
    let mut secure = health();
    if let Some(state) = panel {
        secure = secure.merge(web_admin::router(state));
    }
    let plain = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    );
    tokio::select! {
        r = plain => if let Err(e) = r { error!("http server stopped: {e}") },
        r = web_admin::tls::serve_on(https.listener, secure, &https.files) => {
            if let Err(e) = r { error!("https server stopped: {e:#}") }
        }
    }
}

async fn metrics(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.encode(),
    )
}

/// 200 while the database answers; 503 otherwise. The body says whether the daemon drains.
async fn healthz(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    let db = s.with_store(|st| st.config_revision().is_ok());
    let draining = !*s.accepting.borrow();
    let body = format!(
        "{{\"database\":{db},\"draining\":{draining},\"active_calls\":{}}}\n",
        s.metrics.active_calls.get()
    );
    let code = if db {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, [(header::CONTENT_TYPE, "application/json")], body)
}

/// Serves on a thread of its own with its own runtime, so that a handler waiting for the
/// call engine (a CTI request, [`crate::ctiside::DaemonCti`]) never holds up the engine.
pub(crate) fn spawn(
    listener: tokio::net::TcpListener,
    https: Option<Https>,
    shared: Arc<Shared>,
    panel: Option<web_admin::WebState>,
) -> std::io::Result<()> {
    let listener = listener.into_std()?;
    std::thread::Builder::new()
        .name("http".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("http-worker")
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    error!("http runtime: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => serve(l, https, shared, panel).await,
                    Err(e) => error!("http listener: {e}"),
                }
            });
        })?;
    Ok(())
}
