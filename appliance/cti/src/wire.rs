//! The JSON wire format (WebSocket frames and REST bodies), version [`WIRE_VERSION`].
//!
//! Client → server: [`ClientMessage`] `{"v":1,"invokeId":7,"request":{"service":"AnswerCall",…}}`.
//! Server → client: [`ServerMessage`], tagged by `kind`: `response` (with `result` or `error`)
//! or `event` (an [`EventReport`]). Unknown fields are refused so typos fail loudly; a
//! different `v` is refused with [`WireError::UnsupportedVersion`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::events::EventReport;
use crate::services::{CstaError, ServiceRequest, ServiceResult};
use crate::types::InvokeId;

/// The wire format version this crate speaks.
pub const WIRE_VERSION: u32 = 1;

/// Largest message accepted (bytes).
pub const MAX_MESSAGE: usize = 64 * 1024;

/// A request from a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientMessage {
    /// Wire version, [`WIRE_VERSION`].
    pub v: u32,
    /// Chosen by the client; echoed in the response.
    pub invoke_id: InvokeId,
    /// The service.
    pub request: ServiceRequest,
}

/// A message to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerMessage {
    /// The answer to one request.
    Response {
        /// Wire version.
        v: u32,
        /// The request's invoke id.
        invoke_id: InvokeId,
        /// Positive result, or absent when `error` is set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<ServiceResult>,
        /// The CSTA error, or absent when `result` is set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<CstaError>,
    },
    /// An event report of one of the client's monitors.
    Event {
        /// Wire version.
        v: u32,
        /// The report.
        report: EventReport,
    },
}

impl ServerMessage {
    /// The response message for a request's outcome.
    #[must_use]
    pub fn response(invoke_id: InvokeId, outcome: Result<ServiceResult, CstaError>) -> Self {
        let (result, error) = match outcome {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        Self::Response {
            v: WIRE_VERSION,
            invoke_id,
            result,
            error,
        }
    }

    /// The event message for a report.
    #[must_use]
    pub const fn event(report: EventReport) -> Self {
        Self::Event {
            v: WIRE_VERSION,
            report,
        }
    }
}

/// Why a client message was refused before reaching the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Over [`MAX_MESSAGE`] bytes.
    #[error("message too large")]
    TooLarge,
    /// Not JSON, or not a known request shape (line and column of the problem).
    #[error("malformed message at line {line}, column {column}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A wire version this crate does not speak.
    #[error("unsupported wire version {0}")]
    UnsupportedVersion(u32),
}

impl ClientMessage {
    /// Parses a client frame. Never panics.
    ///
    /// # Errors
    /// [`WireError`].
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_MESSAGE {
            return Err(WireError::TooLarge);
        }
        let m: Self = serde_json::from_slice(bytes).map_err(|e| WireError::Malformed {
            line: e.line(),
            column: e.column(),
        })?;
        if m.v != WIRE_VERSION {
            return Err(WireError::UnsupportedVersion(m.v));
        }
        Ok(m)
    }

    /// Serialises to JSON.
    #[must_use]
    pub fn emit(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ServerMessage {
    /// Parses a server frame (for clients and tests). Never panics.
    ///
    /// # Errors
    /// [`WireError`].
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_MESSAGE {
            return Err(WireError::TooLarge);
        }
        serde_json::from_slice(bytes).map_err(|e| WireError::Malformed {
            line: e.line(),
            column: e.column(),
        })
    }

    /// Serialises to JSON.
    #[must_use]
    pub fn emit(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
