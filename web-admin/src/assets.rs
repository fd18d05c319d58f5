//! Static assets, embedded in the binary with `include_str!` so the appliance ships one file.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The stylesheet.
pub const APP_CSS: &str = include_str!("../static/app.css");
/// The script layer (confirmations, the wallboard's WebSocket client).
pub const APP_JS: &str = include_str!("../static/app.js");
/// The agent desktop's script: CTI over WebSocket, screen pop, tickets, KB, callbacks.
pub const DESK_JS: &str = include_str!("../static/desk.js");

/// The IVR flow editor's script: node graph (SVG), node cards, validate, save, activate.
pub const IVR_JS: &str = include_str!("../static/ivr.js");
/// The chat widget page's script (`/chat`): the customer's side of web chat.
pub const CHAT_JS: &str = include_str!("../static/chat.js");
/// The embed script a web site includes: a button opening the chat widget in an iframe.
pub const CHAT_WIDGET_JS: &str = include_str!("../static/chat-widget.js");

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "desk.js" => (DESK_JS, "text/javascript; charset=utf-8"),
        "ivr.js" => (IVR_JS, "text/javascript; charset=utf-8"),
        "chat.js" => (CHAT_JS, "text/javascript; charset=utf-8"),
        "chat-widget.js" => (CHAT_WIDGET_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
