//! The HTTP side of the daemon: `/metrics` (Prometheus text) and `/healthz`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tracing::error;

use crate::Shared;

/// Serves until the process exits.
pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(shared);
    if let Err(e) = axum::serve(listener, app).await {
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
