//! The OpenAPI 3.1 document of the CTI API, generated from the wire types (schemars). The
//! web-admin crate serves it; `openapi.json` beside this crate's Cargo.toml is the checked-in
//! copy, kept equal by `tests/openapi_document.rs` (`UPDATE_OPENAPI=1` rewrites it).

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::wire::{ClientMessage, ServerMessage, WIRE_VERSION};

/// The path prefix the web layer mounts the CTI API under.
pub const BASE_PATH: &str = "/api/cti/v1";

/// The OpenAPI document.
#[must_use]
pub fn document() -> Value {
    let mut generator = SchemaGenerator::new(SchemaSettings::openapi3());
    let client = generator.subschema_for::<ClientMessage>();
    let server = generator.subschema_for::<ServerMessage>();
    let schemas: serde_json::Map<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Appliance CTI API (CSTA vocabulary)",
            "version": format!("{WIRE_VERSION}"),
            "description": "ECMA-269 (CSTA) services and events as JSON. One request shape (ClientMessage) for REST and WebSocket; one reply shape (ServerMessage). See docs/cti.md."
        },
        "servers": [{ "url": BASE_PATH }],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "session",
                    "description": "The web layer's login session; it passes the agent id and role to the model with every request." }
            }
        },
        "security": [{ "session": [] }],
        "paths": {
            "/requests": {
                "post": {
                    "operationId": "ctiRequest",
                    "summary": "Invoke one CSTA service (MakeCall, AnswerCall, SetAgentState, SnapshotDevice…)",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": client } } },
                    "responses": {
                        "200": { "description": "A `response` message: `result` on success, `error` (a CSTA error) otherwise.",
                                 "content": { "application/json": { "schema": server } } },
                        "400": { "description": "Malformed JSON, unknown field, or unsupported `v`." },
                        "401": { "description": "Not logged in." }
                    }
                }
            },
            "/ws": {
                "get": {
                    "operationId": "ctiWebSocket",
                    "summary": "WebSocket: send ClientMessage frames, receive ServerMessage frames (responses and the event reports of your monitors)",
                    "responses": {
                        "101": { "description": "Switching protocols; text frames carry ClientMessage (in) and ServerMessage (out).",
                                 "content": { "application/json": { "schema": server } } },
                        "401": { "description": "Not logged in." }
                    }
                }
            }
        }
    })
}
