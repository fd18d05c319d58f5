//! The HTTP side of the daemon, one server: `/metrics` (Prometheus text), `/healthz`, and
//! the admin panel and REST API of crate `web-admin` on every other path (its own
//! connection to the database; plain HTTP on loopback, so its cookies are not marked
//! `Secure`: put a TLS proxy in front, or run web-admin's own HTTPS server, to expose it).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tracing::error;

use crate::Shared;

/// Serves until the process exits.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    panel: Option<web_admin::WebState>,
) {
    let mut app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(Arc::clone(&shared))
        .merge(crate::control::router(Arc::clone(&shared)))
        .merge(crate::recorder::router(shared));
    if let Some(state) = panel {
        app = app.merge(web_admin::router(state));
    }
    let svc = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Err(e) = axum::serve(listener, svc).await {
        error!("http server stopped: {e}");
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
                    Ok(l) => serve(l, shared, panel).await,
                    Err(e) => error!("http listener: {e}"),
                }
            });
        })?;
    Ok(())
}
