//! The visual IVR flow editor: flows are JSON in the store, one row per version (the
//! `ivr` crate's format); the page edits one as a node graph in the browser
//! (`static/ivr.js`: an SVG overview of nodes and edges and a card per node), checks it
//! with the `ivr` crate's validator, saves it as a new version and activates it.
//!
//! The server is the authority: activation runs [`ivr::parse_and_validate`] on the stored
//! text and refuses (422 with every problem, by node) a version that does not pass, so a
//! flow that never went through the editor is held to the same rule. Saving keeps drafts:
//! a version may be stored while it still has problems (the store checks it is a JSON
//! object with a name), but it cannot answer calls.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::{Deserialize, Serialize};
use store::Command;
use utoipa::ToSchema;

use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{Caller, WebError, WebState};

/// One stored version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FlowVersionDto {
    /// Row id.
    pub id: i64,
    /// Flow name.
    pub name: String,
    /// Version, 1, 2, … per name.
    pub version: i64,
    /// Whether this version answers calls.
    pub active: bool,
    /// The flow (JSON object as stored; `null` if the stored text is not JSON).
    #[schema(value_type = Object)]
    pub flow: serde_json::Value,
}

/// One problem the validator found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FlowProblem {
    /// Node id; `None` for flow-level problems (and parse errors).
    pub node: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The validator's verdict.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verdict {
    /// No problem found.
    pub valid: bool,
    /// Every problem, by node.
    pub problems: Vec<FlowProblem>,
}

/// A saved version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Saved {
    /// Row id (to activate it).
    pub id: i64,
    /// Version number of its name.
    pub version: i64,
    /// Config revision after the change.
    pub revision: i64,
}

/// Runs the `ivr` crate's parser and validator on flow JSON text.
#[must_use]
pub fn check(text: &str) -> Verdict {
    let problems = match ivr::parse_and_validate(text) {
        Ok(_) => Vec::new(),
        Err(ivr::FlowError::Invalid(v)) => {
            v.0.into_iter()
                .map(|e| FlowProblem {
                    node: e.node,
                    message: e.rule.to_string(),
                })
                .collect()
        }
        Err(e) => vec![FlowProblem {
            node: None,
            message: e.to_string(),
        }],
    };
    Verdict {
        valid: problems.is_empty(),
        problems,
    }
}

/// Every version of every flow.
#[utoipa::path(get, path = "/api/v1/ivr/flows", tag = "ivr",
    responses((status = 200, body = Vec<FlowVersionDto>), (status = 403, body = WebError)))]
pub async fn list(State(st): State<WebState>) -> Result<Json<Vec<FlowVersionDto>>, WebError> {
    let v = st.db(|s| s.ivr_flows()).await?;
    Ok(Json(
        v.into_iter()
            .map(|f| FlowVersionDto {
                id: f.id,
                name: f.name,
                version: f.version,
                active: f.active,
                flow: serde_json::from_str(&f.flow).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    ))
}

/// Checks a flow without storing anything (200 with the verdict, valid or not).
#[utoipa::path(post, path = "/api/v1/ivr/validate", tag = "ivr", request_body = FlowBody,
    responses((status = 200, body = Verdict), (status = 400, body = WebError)))]
pub async fn validate(body: axum::body::Bytes) -> Result<Json<Verdict>, WebError> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| WebError::new(StatusCode::BAD_REQUEST, "flow is not UTF-8"))?;
    Ok(Json(check(text)))
}

/// Stores the flow as a new (inactive) version of its `name`.
#[utoipa::path(post, path = "/api/v1/ivr/flows", tag = "ivr", request_body = FlowBody,
    responses((status = 201, body = Saved), (status = 400, body = WebError), (status = 422, body = WebError)))]
pub async fn save(
    State(st): State<WebState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Saved>), WebError> {
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| WebError::new(StatusCode::BAD_REQUEST, format!("not JSON: {e}")))?;
    let name = v
        .get("name")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| WebError::invalid("ivr_flow.name", "missing"))?
        .to_owned();
    let flow = serde_json::to_string_pretty(&v).map_err(|_| WebError::internal())?;
    let c = run_command(
        &st,
        &caller,
        Command::CreateIvrFlowVersion {
            name: name.clone(),
            flow,
        },
    )
    .await?;
    let id = c.id;
    let version = st
        .db(move |s| {
            Ok(s.ivr_flows()?
                .into_iter()
                .find(|f| f.id == id)
                .map_or(0, |f| f.version))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Saved {
            id,
            version,
            revision: c.revision,
        }),
    ))
}

/// An activation the validator refused.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refused {
    /// Summary.
    pub error: String,
    /// Every problem, by node.
    pub problems: Vec<FlowProblem>,
}

/// Makes a version the one that answers calls, after the `ivr` validator passed it.
#[utoipa::path(post, path = "/api/v1/ivr/flows/{id}/activate", tag = "ivr",
    params(("id" = i64, Path, description = "Version id")),
    responses((status = 200, body = Saved), (status = 404, body = WebError), (status = 422, body = Refused)))]
pub async fn activate(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let row = st
        .db(move |s| Ok(s.ivr_flows()?.into_iter().find(|f| f.id == id)))
        .await?
        .ok_or_else(|| WebError::new(StatusCode::NOT_FOUND, format!("no IVR flow version {id}")))?;
    let verdict = check(&row.flow);
    if !verdict.valid {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(Refused {
                error: format!(
                    "{} v{} has {} problem(s); not activated",
                    row.name,
                    row.version,
                    verdict.problems.len()
                ),
                problems: verdict.problems,
            }),
        )
            .into_response());
    }
    let c = run_command(&st, &caller, Command::ActivateIvrFlow { id }).await?;
    Ok(Json(Saved {
        id,
        version: row.version,
        revision: c.revision,
    })
    .into_response())
}

/// `GET /admin/ivr`: the versions and the editor.
pub async fn page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    let flows = st.db(|s| s.ivr_flows()).await?;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let body = html! {
        table id="ivr-versions" {
            thead { tr { th { (t(Msg::Name)) } th { (t(Msg::Version)) } th { (t(Msg::Active)) } th {} } }
            tbody {
                @for f in &flows {
                    tr data-id=(f.id) data-name=(f.name) data-version=(f.version) data-active=(if f.active { "1" } else { "0" }) {
                        td { (f.name) } td { (f.version) } td { (if f.active { t(Msg::Yes) } else { t(Msg::No) }) }
                        td { button type="button" data-edit=(f.id) { (t(Msg::Edit)) } }
                    }
                }
            }
        }
        div id="ivr-editor" data-msg-valid=(t(Msg::FlowValid)) {
            p {
                button type="button" id="ivr-new" { (t(Msg::NewFlow)) }
                " " label { (t(Msg::Name)) " " input id="ivr-name" value="main"; }
                " " label { (t(Msg::StartNode)) " " select id="ivr-start" {} }
            }
            svg id="ivr-graph" xmlns="http://www.w3.org/2000/svg" width="900" height="120" {}
            p {
                label { (t(Msg::AddNode)) " " input id="ivr-new-id" placeholder="id" size="12"; }
                " " select id="ivr-new-type" {
                    @for ty in NODE_TYPES { option value=(ty) { (ty) } }
                }
                " " button type="button" id="ivr-add" { (t(Msg::AddNode)) }
            }
            div id="ivr-nodes" {}
            p {
                button type="button" id="ivr-validate" { (t(Msg::Validate)) }
                " " button type="button" id="ivr-save" { (t(Msg::SaveVersion)) }
                " " button type="button" id="ivr-activate" disabled { (t(Msg::Activate)) }
            }
            div id="ivr-status" role="status" {}
            ul id="ivr-problems" {}
        }
        script src="/static/ivr.js" defer {}
    };
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::IvrFlows, body).into_string(),
    )
        .into_response())
}

/// The node types the editor offers (`play` is the prompt node).
pub const NODE_TYPES: &[&str] = &[
    "play",
    "menu",
    "collect",
    "lookup",
    "set",
    "condition",
    "transfer",
    "voicemail",
    "survey",
    "hangup",
    "say",
];

/// A flow in the `ivr` crate's JSON format (`version`, `name`, `start`, `nodes`, …), for
/// the OpenAPI document; the handlers read the body as raw JSON.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FlowBody {
    /// Format version (1).
    pub version: u32,
    /// Flow name.
    pub name: String,
    /// First node.
    pub start: String,
    /// Nodes by id, each tagged by `type`.
    #[schema(value_type = Object)]
    pub nodes: serde_json::Value,
}
