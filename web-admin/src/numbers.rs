//! Numbers and DIDs (`/admin/numbers`, `GET /api/v1/numbers`, admins): which called numbers
//! a call from outside (E1/PRI, FXO lines, SIP trunks, unauthenticated SIP) can reach.
//!
//! The daemon builds its DID table from the store (`appliance/daemon/src/routing.rs`, see
//! docs/dialplan.md): every extension number, every FXS/sound port's extension, every
//! queue number, and `8000` → IVR flow `main` when nothing else uses it. The store's dial
//! rules go to the internal table only. So this page is a **read-only view**, derived from
//! the same rows: a DID is added by giving an extension, port or queue that number (their
//! pages), and removed with it. It also lists what each FXO port's incoming ring is routed
//! as, and flags a route that reaches nothing.
//!
//! **What it is not:** there is no table of DID ranges with rewriting (carrier number
//! `5551XXX` → extension `1XXX`) in the store yet; that needs a schema step.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Serialize;
use store::Store;
use store::config::ExtensionKind;
use store::lines::LinePortKind;
use utoipa::ToSchema;

use crate::i18n::Msg;
use crate::{Caller, WebError, WebState};

/// The IVR number the daemon adds when nothing else uses it (docs/daemon.md).
pub const IVR_NUMBER: &str = "8000";

/// One number reachable from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DidEntry {
    /// The called number, as the carrier sends it.
    pub number: String,
    /// What it reaches: `extension`, `echo_test`, `test_tone`, `analog_port`, `sound_port`,
    /// `queue`, `ivr`.
    pub kind: String,
    /// The target's name (extension name, `analog/<port>`, queue name, IVR flow).
    pub target: String,
}

/// What an FXO port's incoming ring is routed as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FxoRoute {
    /// Port number.
    pub port: u16,
    /// The number the ring is routed as.
    pub route: String,
    /// Whether that number is in the DID table (`false`: such calls are refused).
    pub reachable: bool,
}

/// The DID table and the FXO routes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Numbers {
    /// Numbers reachable from outside, in the daemon's order.
    pub dids: Vec<DidEntry>,
    /// FXO ports and the number each incoming ring is routed as.
    pub fxo_routes: Vec<FxoRoute>,
}

fn entry(number: &str, kind: &str, target: &str) -> DidEntry {
    DidEntry {
        number: number.into(),
        kind: kind.into(),
        target: target.into(),
    }
}

/// The DID table as the daemon builds it from `s`.
///
/// # Errors
/// Store errors.
pub fn numbers(s: &Store) -> Result<Numbers, store::StoreError> {
    let mut dids = Vec::new();
    for e in s.extensions()? {
        let kind = match e.config.kind {
            ExtensionKind::EchoTest => "echo_test",
            ExtensionKind::TestTone => "test_tone",
            _ => "extension",
        };
        dids.push(entry(&e.config.number, kind, &e.config.name));
    }
    let ports = s.line_ports()?;
    for p in ports.iter().filter(|p| p.config.kind != LinePortKind::Fxo) {
        if let Some(n) = &p.config.extension {
            let (kind, prefix) = if p.config.kind == LinePortKind::Sound {
                ("sound_port", "sound")
            } else {
                ("analog_port", "analog")
            };
            dids.push(entry(n, kind, &format!("{prefix}/{}", p.config.port)));
        }
    }
    for q in s.queues()? {
        if let Some(n) = &q.config.number {
            dids.push(entry(n, "queue", &q.config.name));
        }
    }
    if dids.iter().all(|d| d.number != IVR_NUMBER) {
        dids.push(entry(IVR_NUMBER, "ivr", "main"));
    }
    let fxo_routes = ports
        .iter()
        .filter(|p| p.config.kind == LinePortKind::Fxo)
        .filter_map(|p| {
            let route = p.config.route.clone()?;
            Some(FxoRoute {
                port: p.config.port,
                reachable: dids.iter().any(|d| d.number == route),
                route,
            })
        })
        .collect();
    Ok(Numbers { dids, fxo_routes })
}

/// The numbers a call from outside can reach (read-only: derived from extensions, ports
/// and queues).
#[utoipa::path(get, path = "/api/v1/numbers", tag = "telephony",
    responses((status = 200, body = Numbers), (status = 403, body = WebError)))]
pub async fn api(State(st): State<WebState>) -> Result<Json<Numbers>, WebError> {
    Ok(Json(st.db(|s| numbers(s)).await?))
}

/// `GET /admin/numbers`.
pub async fn page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    let t = |m: Msg| m.text(caller.lang());
    let n = st.db(|s| numbers(s)).await?;
    let body = html! {
        p.note { (t(Msg::NumbersExplained)) }
        table id="numbers-list" {
            thead { tr { th { (t(Msg::Number)) } th { (t(Msg::Kind)) } th { (t(Msg::Name)) } } }
            tbody {
                @for d in &n.dids {
                    tr { td { (d.number) } td { (d.kind) } td { (d.target) } }
                }
            }
        }
        h2 { (t(Msg::FxoRoutes)) }
        table id="fxo-routes" {
            thead { tr { th { (t(Msg::Port)) } th { (t(Msg::RouteFxo)) } th { (t(Msg::Reachable)) } } }
            tbody {
                @for r in &n.fxo_routes {
                    tr {
                        td { (r.port) } td { (r.route) }
                        td { @if r.reachable { (t(Msg::Yes)) } @else { strong.error { (t(Msg::No)) } } }
                    }
                }
            }
        }
        p {
            a href="/admin/extensions" { (t(Msg::Extensions)) } " · "
            a href="/admin/analog-ports" { (t(Msg::AnalogPorts)) } " · "
            a href="/admin/queues" { (t(Msg::Queues)) }
        }
    };
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::Numbers, body).into_string(),
    )
        .into_response())
}
