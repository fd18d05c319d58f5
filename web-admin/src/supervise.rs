//! Supervisor actions from the wallboard: force an agent's state (Ready, NotReady with a
//! reason, LoggedOff) and monitor an agent's call from the supervisor's own phone (listen,
//! whisper, barge; the mode changes mid-call by asking again).
//!
//! Both are REST calls for supervisors and admins only (the route table, [`crate::ROUTES`],
//! refuses agents before the handler runs) that become CTI services on behalf of the
//! agent: SetAgentState and SingleStepConference, with the caller's principal in the
//! Supervisor role, through the [`crate::CtiBackend`] (in the daemon: the live call
//! center). The agent's desktop sees the result as the usual Agent* events on its monitor.
//! Every accepted action is audited: one `supervisor_action` row in the event log (who,
//! what, which agent), shown with the agent's events in reports and the audit trail.
//!
//! **What it is not:** no call logic (the CTI model and the switch decide; a refused request
//! answers with the CSTA error's status), and no way for an agent to act on another agent.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cti::{
    AgentId, CstaError, DeviceId, InvokeId, ParticipationType, ReasonCode, RequestedAgentState,
    ServiceRequest,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::events::{EventKind, NewEvent};
use utoipa::ToSchema;

use crate::api::Body;
use crate::{Caller, WebError, WebState};

/// The state a supervisor sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ForcedState {
    /// Ready for ACD calls.
    Ready,
    /// Not ready, with the reason in `reason`.
    NotReady,
    /// Logged off (refused while the agent's phone has calls).
    LoggedOff,
}

/// `POST /api/v1/supervisor/agents/{agent}/state` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceStateDto {
    /// The state.
    pub state: ForcedState,
    /// Not-ready reason code (1 break, 2 training, 3 meeting, or the site's own codes).
    pub reason: Option<u16>,
}

/// How the supervisor's phone takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum MonitorModeDto {
    /// Hears both parties, heard by nobody (CSTA participationType `silent`).
    Listen,
    /// Hears both parties, heard by the agent only.
    Whisper,
    /// A full party of a three-way call (CSTA participationType `active`).
    Barge,
}

/// `POST /api/v1/supervisor/agents/{agent}/monitor` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorDto {
    /// The supervisor's phone (an extension): rung first, joins the call when answered.
    pub device: String,
    /// The mode; asking again with another mode changes it mid-call.
    pub mode: MonitorModeDto,
}

/// What was done.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionDone {
    /// The agent acted on.
    pub agent: String,
    /// The action (`set_agent_state`, `monitor`).
    pub action: String,
}

static INVOKE: AtomicU32 = AtomicU32::new(1);

/// The HTTP status of a CSTA refusal.
fn refused(e: CstaError) -> WebError {
    let status = match e {
        CstaError::PrivilegeViolation => StatusCode::FORBIDDEN,
        CstaError::InvalidDeviceId => StatusCode::NOT_FOUND,
        CstaError::InvalidObjectState | CstaError::InvalidAgentState | CstaError::DeviceBusy => {
            StatusCode::CONFLICT
        }
        CstaError::ServiceNotSupported => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    WebError::new(status, e.to_string())
}

/// Runs one CTI request as the caller (Supervisor role) off the async workers, and audits
/// it when accepted.
async fn act(
    st: &WebState,
    caller: &Caller,
    agent: &str,
    action: &'static str,
    req: ServiceRequest,
    detail: serde_json::Value,
) -> Result<Json<ActionDone>, WebError> {
    if agent.is_empty() || agent.len() > 32 {
        return Err(WebError::invalid("agent", "1 to 32 characters"));
    }
    let who = crate::desk::principal(st, caller).await?;
    if who.role != cti::Role::Supervisor {
        return Err(WebError::forbidden());
    }
    let invoke = InvokeId(INVOKE.fetch_add(1, Ordering::Relaxed));
    let st2 = st.clone();
    let r = tokio::task::spawn_blocking(move || st2.cti().request(&who, invoke, req))
        .await
        .map_err(|_| WebError::internal())?;
    r.map_err(refused)?;
    let ev = NewEvent::new(st.now(), EventKind::SupervisorAction)
        .agent(agent)
        .payload(json!({"actor": caller.actor(), "action": action, "detail": detail}));
    st.db(move |s| s.append_event(&ev).map(|_| ())).await?;
    Ok(Json(ActionDone {
        agent: agent.to_owned(),
        action: action.to_owned(),
    }))
}

/// Forces an agent's state (CTI SetAgentState on behalf of the agent). Supervisors and
/// admins only; audited.
#[utoipa::path(post, path = "/api/v1/supervisor/agents/{agent}/state", tag = "supervisor",
    params(("agent" = String, Path, description = "Agent number")),
    request_body = ForceStateDto,
    responses((status = 200, body = ActionDone), (status = 403, body = WebError),
        (status = 404, body = WebError), (status = 409, body = WebError),
        (status = 422, body = WebError), (status = 503, body = WebError)))]
pub async fn force_state(
    State(st): State<WebState>,
    caller: Caller,
    Path(agent): Path<String>,
    Body(b): Body<ForceStateDto>,
) -> Result<Json<ActionDone>, WebError> {
    let requested = match b.state {
        ForcedState::Ready => RequestedAgentState::Ready,
        ForcedState::LoggedOff => RequestedAgentState::LoggedOff,
        ForcedState::NotReady => RequestedAgentState::NotReady {
            reason: b.reason.map(ReasonCode),
        },
    };
    let req = ServiceRequest::SetAgentState {
        agent: AgentId::new(&agent),
        requested_agent_state: requested,
    };
    let detail = json!({"state": b.state, "reason": b.reason});
    act(&st, &caller, &agent, "set_agent_state", req, detail).await
}

/// Monitors an agent's connected call from the supervisor's phone (CTI
/// SingleStepConference): listen, whisper or barge; asked again, changes the mode.
/// Supervisors and admins only; audited.
#[utoipa::path(post, path = "/api/v1/supervisor/agents/{agent}/monitor", tag = "supervisor",
    params(("agent" = String, Path, description = "Agent number")),
    request_body = MonitorDto,
    responses((status = 200, body = ActionDone), (status = 403, body = WebError),
        (status = 404, body = WebError), (status = 409, body = WebError),
        (status = 422, body = WebError), (status = 503, body = WebError)))]
pub async fn monitor(
    State(st): State<WebState>,
    caller: Caller,
    Path(agent): Path<String>,
    Body(b): Body<MonitorDto>,
) -> Result<Json<ActionDone>, WebError> {
    if b.device.is_empty() || b.device.len() > 32 {
        return Err(WebError::invalid("device", "1 to 32 characters"));
    }
    let participation = match b.mode {
        MonitorModeDto::Listen => ParticipationType::Silent,
        MonitorModeDto::Whisper => ParticipationType::Whisper,
        MonitorModeDto::Barge => ParticipationType::Active,
    };
    let req = ServiceRequest::SingleStepConference {
        agent: AgentId::new(&agent),
        device_to_join: DeviceId::new(&b.device),
        participation_type: participation,
    };
    let detail = json!({"device": b.device, "mode": b.mode});
    act(&st, &caller, &agent, "monitor", req, detail).await
}
