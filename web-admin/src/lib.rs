//! # web-admin: the appliance's web panel and REST API (L3)
//!
//! **What it is:** an axum [`Router`] the daemon mounts, serving
//! - server-rendered HTML pages (maud) with a small script layer, assets embedded in the
//!   binary ([`assets`]), in English and Simplified Chinese per user ([`i18n`]);
//! - a JSON REST API under `/api/v1` over the store's validated [`store::Command`]s
//!   (ARCHITECTURE rule 6), described by an OpenAPI document generated from the code
//!   ([`api::ApiDoc`], checked in as `web-admin/openapi.json`);
//! - a WebSocket wallboard fed by an [`ApiBackend`] the daemon implements.
//!
//! Security: argon2id logins (the store's users), in-memory sessions with HttpOnly,
//! SameSite=Strict (and Secure on HTTPS) cookies, a CSRF token on every state-changing
//! request, one declarative table of route → roles ([`ROUTES`]) enforced by one middleware,
//! lockout per user and per address, a forced change of the default password, and HTTPS
//! with a self-signed certificate made on first start ([`tls`]).
//!
//! - the agent desktop ([`desk`]): CTI over a WebSocket speaking the `cti` crate's JSON wire
//!   v1 through a [`CtiBackend`] the daemon implements, screen pop, tickets, notes and
//!   disposition, knowledge-base search, click-to-dial, scheduled callbacks;
//! - recordings search, playback (HTTP Range) and QA scoring ([`recordings`]), knowledge-base
//!   editing ([`kb`]), business hours and holidays, and the user's profile ([`hours`]).
//!
//! **What it is not:** no call logic and no daemon internals: live data comes only through
//! [`ApiBackend`] and call control only through [`CtiBackend`]; configuration only through
//! the store's commands. Supervisor actions ([`supervise`]: force an agent's state; listen,
//! whisper, barge) are CTI requests on behalf of the agent, checked by role and audited.
//!
//! - web chat ([`chat`]): the customer widget (public, rate-limited), the desk's chat
//!   socket, routing by the `acd` engine, transcripts into the customer's history.
#![forbid(unsafe_code)]

pub mod api;
pub mod assets;
pub mod auth;
pub mod backend;
pub mod billing;
pub mod chat;
pub mod cti_backend;
pub mod desk;
pub mod erlang;
pub mod hours;
pub mod i18n;
pub mod ivr_flows;
pub mod kb;
pub mod numbers;
pub mod pages;
pub mod ports;
pub mod recordings;
pub mod reports;
pub mod settings;
pub mod supervise;
pub mod system;
pub mod tls;
pub mod wallboard;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use store::config::{Language, Role};
use store::{Store, StoreError, Timestamp};

pub use auth::{SecurityPolicy, Session};
pub use backend::{ApiBackend, MemoryBackend};
pub use cti_backend::{CtiBackend, LoopbackCti, NoCti};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "wa_session";
/// Name of the pre-login CSRF cookie (double submit on the login form).
pub const PRE_COOKIE: &str = "wa_pre";
/// Header carrying the CSRF token (scripts and API clients).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field carrying the CSRF token (HTML forms).
pub const CSRF_FIELD: &str = "_csrf";

/// Where the current time comes from (tests pass a clock they move).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    })
}

/// Settings of the panel.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (true when served over HTTPS).
    pub secure_cookies: bool,
    /// Session and lockout limits.
    pub policy: SecurityPolicy,
}

struct Inner {
    store: Mutex<Store>,
    backend: Arc<dyn ApiBackend>,
    cti: Arc<dyn CtiBackend>,
    sessions: auth::Sessions,
    lockout: auth::Lockout,
    config: WebConfig,
    clock: Clock,
    system: std::sync::OnceLock<system::SystemSettings>,
    chat: std::sync::OnceLock<Arc<chat::ChatService>>,
}

/// Shared state of every handler: the store, the live backend, sessions, lockout, clock.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl WebState {
    /// State over an open store and a live backend, without call control (the desktop's
    /// CTI requests are refused).
    pub fn new(
        store: Store,
        backend: Arc<dyn ApiBackend>,
        config: WebConfig,
        clock: Clock,
    ) -> Self {
        Self::with_cti(store, backend, Arc::new(NoCti::default()), config, clock)
    }

    /// State over an open store, a live backend and a CTI backend.
    pub fn with_cti(
        store: Store,
        backend: Arc<dyn ApiBackend>,
        cti: Arc<dyn CtiBackend>,
        config: WebConfig,
        clock: Clock,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                backend,
                cti,
                sessions: auth::Sessions::default(),
                lockout: auth::Lockout::default(),
                config,
                clock,
                system: std::sync::OnceLock::new(),
                chat: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Turns the system pages on, reading and writing under `s` (once; later calls are
    /// ignored and return `false`). Without it those pages answer 503.
    pub fn set_system(&self, s: system::SystemSettings) -> bool {
        self.inner.system.set(s).is_ok()
    }

    pub(crate) fn system(&self) -> Option<&system::SystemSettings> {
        self.inner.system.get()
    }

    /// Turns web chat on with this service (once; later calls are ignored and return false).
    /// The store's chat capacity setting ([`store::Store::chat_capacity`]) is applied to it
    /// at once; the chat settings page applies later changes ([`settings`]).
    pub fn set_chat(&self, chat: Arc<chat::ChatService>) -> bool {
        let capacity = self
            .inner
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .chat_capacity();
        // No logger in this crate: stderr reaches the daemon's journal.
        match capacity {
            Ok(c) => {
                if let Err(e) = chat.set_capacity(c) {
                    eprintln!("chat capacity {c} not applied: {e}");
                }
            }
            Err(e) => eprintln!("chat capacity not read: {e}"),
        }
        self.inner.chat.set(chat).is_ok()
    }

    /// The chat service, when web chat is on.
    #[must_use]
    pub fn chat(&self) -> Option<Arc<chat::ChatService>> {
        self.inner.chat.get().cloned()
    }

    /// Now.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// The live backend.
    #[must_use]
    pub fn backend(&self) -> &dyn ApiBackend {
        &*self.inner.backend
    }

    /// The CTI backend.
    #[must_use]
    pub fn cti(&self) -> &dyn CtiBackend {
        &*self.inner.cti
    }

    /// The clock.
    #[must_use]
    pub fn clock(&self) -> Clock {
        Arc::clone(&self.inner.clock)
    }

    /// Runs `f` on the store on a blocking thread (argon2 hashing and SQLite must not stall
    /// the async workers).
    ///
    /// # Errors
    /// What `f` returns; a panicked task becomes an internal error.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, WebError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut s = inner
                .store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut s)
        })
        .await
        .map_err(|_| WebError::internal())?
        .map_err(WebError::from)
    }

    pub(crate) fn sessions(&self) -> &auth::Sessions {
        &self.inner.sessions
    }
    pub(crate) fn lockout(&self) -> &auth::Lockout {
        &self.inner.lockout
    }
    pub(crate) fn policy(&self) -> &SecurityPolicy {
        &self.inner.config.policy
    }
    pub(crate) fn secure_cookies(&self) -> bool {
        self.inner.config.secure_cookies
    }

    /// A `Set-Cookie` value with the panel's flags.
    #[must_use]
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if self.secure_cookies() {
            c.push_str("; Secure");
        }
        if let Some(a) = max_age {
            c.push_str(&format!("; Max-Age={a}"));
        }
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

// ------------------------------------------------------------------------------- routes

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anybody, logged in or not (login page, static assets).
    Public,
    /// Any logged-in user, also while the password must still be changed.
    SelfService,
    /// Logged-in users with one of these roles (and a changed password).
    Roles(&'static [Role]),
}

const ADMIN: Access = Access::Roles(&[Role::Admin]);
const SUPERVISOR: Access = Access::Roles(&[Role::Admin, Role::Supervisor]);
const ANY_ROLE: Access = Access::Roles(&[Role::Admin, Role::Supervisor, Role::Agent]);

/// One row of the route table.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    /// HTTP method.
    pub method: &'static str,
    /// Route path as registered (axum syntax, `{id}` for parameters).
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

const fn r(method: &'static str, path: &'static str, access: Access) -> RouteRule {
    RouteRule {
        method,
        path,
        access,
    }
}

/// Every route of the panel and who may use it. The access middleware looks each request
/// up here; a route missing from the table is refused to everybody (fail closed).
pub const ROUTES: &[RouteRule] = &[
    r("GET", "/", Access::Public),
    r("GET", "/login", Access::Public),
    r("POST", "/login", Access::Public),
    r("GET", "/static/{file}", Access::Public),
    r("GET", "/api/v1/csrf", Access::Public),
    r("POST", "/api/v1/login", Access::Public),
    r("POST", "/logout", Access::SelfService),
    r("GET", "/password", Access::SelfService),
    r("POST", "/password", Access::SelfService),
    r("GET", "/api/v1/me", Access::SelfService),
    r("POST", "/api/v1/me/password", Access::SelfService),
    r("POST", "/api/v1/logout", Access::SelfService),
    r("GET", "/dashboard", ANY_ROLE),
    r("GET", "/api/openapi.json", ANY_ROLE),
    // HTML admin pages.
    r("GET", "/admin/users", ADMIN),
    r("POST", "/admin/users", ADMIN),
    r("POST", "/admin/users/{id}/delete", ADMIN),
    r("GET", "/admin/queues", SUPERVISOR),
    r("POST", "/admin/queues", SUPERVISOR),
    r("POST", "/admin/queues/{id}/delete", SUPERVISOR),
    r("GET", "/admin/skills", SUPERVISOR),
    r("POST", "/admin/skills", SUPERVISOR),
    r("POST", "/admin/skills/{id}/delete", SUPERVISOR),
    r("GET", "/admin/agents", SUPERVISOR),
    r("GET", "/admin/extensions", ADMIN),
    r("POST", "/admin/extensions/{id}/caller-id", ADMIN),
    r("GET", "/admin/spans", ADMIN),
    r("POST", "/admin/spans/{id}/caller-id", ADMIN),
    r("GET", "/admin/sip-trunks", ADMIN),
    r("POST", "/admin/sip-trunks/{id}/caller-id", ADMIN),
    r("GET", "/admin/trunk-groups", ADMIN),
    r("GET", "/admin/dial-rules", ADMIN),
    r("GET", "/admin/audit", ADMIN),
    r("GET", "/reports", SUPERVISOR),
    r("GET", "/reports/csv", SUPERVISOR),
    r("GET", "/wallboard", SUPERVISOR),
    r("GET", "/ws/wallboard", SUPERVISOR),
    // REST.
    r("GET", "/api/v1/users", ADMIN),
    r("POST", "/api/v1/users", ADMIN),
    r("PUT", "/api/v1/users/{id}", ADMIN),
    r("DELETE", "/api/v1/users/{id}", ADMIN),
    r("GET", "/api/v1/skills", SUPERVISOR),
    r("POST", "/api/v1/skills", SUPERVISOR),
    r("PUT", "/api/v1/skills/{id}", SUPERVISOR),
    r("DELETE", "/api/v1/skills/{id}", SUPERVISOR),
    r("GET", "/api/v1/agents", SUPERVISOR),
    r("POST", "/api/v1/agents", SUPERVISOR),
    r("PUT", "/api/v1/agents/{id}", SUPERVISOR),
    r("DELETE", "/api/v1/agents/{id}", SUPERVISOR),
    r("GET", "/api/v1/queues", SUPERVISOR),
    r("POST", "/api/v1/queues", SUPERVISOR),
    r("PUT", "/api/v1/queues/{id}", SUPERVISOR),
    r("DELETE", "/api/v1/queues/{id}", SUPERVISOR),
    r("GET", "/api/v1/extensions", ADMIN),
    r("POST", "/api/v1/extensions", ADMIN),
    r("PUT", "/api/v1/extensions/{id}", ADMIN),
    r("DELETE", "/api/v1/extensions/{id}", ADMIN),
    r("GET", "/api/v1/spans", ADMIN),
    r("POST", "/api/v1/spans", ADMIN),
    r("PUT", "/api/v1/spans/{id}", ADMIN),
    r("DELETE", "/api/v1/spans/{id}", ADMIN),
    r("GET", "/api/v1/sip-trunks", ADMIN),
    r("POST", "/api/v1/sip-trunks", ADMIN),
    r("PUT", "/api/v1/sip-trunks/{id}", ADMIN),
    r("DELETE", "/api/v1/sip-trunks/{id}", ADMIN),
    r("GET", "/api/v1/trunk-groups", ADMIN),
    r("POST", "/api/v1/trunk-groups", ADMIN),
    r("PUT", "/api/v1/trunk-groups/{id}", ADMIN),
    r("DELETE", "/api/v1/trunk-groups/{id}", ADMIN),
    r("GET", "/api/v1/dial-rules", ADMIN),
    r("POST", "/api/v1/dial-rules", ADMIN),
    r("PUT", "/api/v1/dial-rules/{id}", ADMIN),
    r("DELETE", "/api/v1/dial-rules/{id}", ADMIN),
    r("GET", "/api/v1/audit", ADMIN),
    r("GET", "/api/v1/reports/queues", SUPERVISOR),
    r("GET", "/api/v1/reports/agents", SUPERVISOR),
    r("GET", "/api/v1/erlang", SUPERVISOR),
    r("GET", "/api/v1/live", SUPERVISOR),
    // Supervisor actions from the wallboard (CTI on behalf of an agent; audited).
    r(
        "POST",
        "/api/v1/supervisor/agents/{agent}/state",
        SUPERVISOR,
    ),
    r(
        "POST",
        "/api/v1/supervisor/agents/{agent}/monitor",
        SUPERVISOR,
    ),
    // Agent desktop (any role; CTI requests need an agent linked to the user, and a plain
    // agent acts only on its own device, calls and state: the cti model enforces that).
    r("GET", "/desk", ANY_ROLE),
    r("GET", "/api/cti/v1/ws", ANY_ROLE),
    r("POST", "/api/cti/v1/requests", ANY_ROLE),
    r("GET", "/api/v1/desk/customers/{id}", ANY_ROLE),
    r("GET", "/api/v1/desk/lookup", ANY_ROLE),
    r("POST", "/api/v1/desk/tickets", ANY_ROLE),
    r("PUT", "/api/v1/desk/tickets/{id}", ANY_ROLE),
    r("GET", "/api/v1/desk/callbacks", ANY_ROLE),
    r("POST", "/api/v1/desk/callbacks", ANY_ROLE),
    r("POST", "/api/v1/desk/callbacks/{id}/close", ANY_ROLE),
    r("GET", "/api/v1/kb/search", ANY_ROLE),
    // Web chat: the customer widget is public (rate-limited per source address); the
    // agent's chat socket needs a user with a linked agent.
    r("GET", "/chat", Access::Public),
    r("GET", "/api/chat/v1/ws", Access::Public),
    r("GET", "/api/chat/v1/agent/ws", ANY_ROLE),
    r("GET", "/api/v1/kb/articles/{id}", ANY_ROLE),
    // Profile.
    r("GET", "/profile", ANY_ROLE),
    r("POST", "/profile", ANY_ROLE),
    r("PUT", "/api/v1/me/language", ANY_ROLE),
    // Recordings and QA.
    r("GET", "/recordings", SUPERVISOR),
    r("GET", "/api/v1/recordings", SUPERVISOR),
    r("GET", "/api/v1/recordings/{id}/audio", SUPERVISOR),
    r("GET", "/api/v1/recordings/{id}/scores", SUPERVISOR),
    r("POST", "/api/v1/recordings/{id}/scores", SUPERVISOR),
    r("GET", "/api/v1/qa/forms", SUPERVISOR),
    r("POST", "/api/v1/qa/forms", SUPERVISOR),
    // Knowledge-base editing.
    r("GET", "/admin/kb", SUPERVISOR),
    r("GET", "/api/v1/kb/articles", SUPERVISOR),
    r("POST", "/api/v1/kb/articles", SUPERVISOR),
    r("PUT", "/api/v1/kb/articles/{id}", SUPERVISOR),
    r("DELETE", "/api/v1/kb/articles/{id}", SUPERVISOR),
    r("GET", "/api/v1/kb/categories", SUPERVISOR),
    r("POST", "/api/v1/kb/categories", SUPERVISOR),
    r("DELETE", "/api/v1/kb/categories/{name}", SUPERVISOR),
    // Business hours and holidays.
    r("GET", "/admin/business-hours", ADMIN),
    r("POST", "/admin/business-hours", ADMIN),
    r("POST", "/admin/business-hours/{id}/delete", ADMIN),
    r("GET", "/api/v1/business-hours", ADMIN),
    r("POST", "/api/v1/business-hours", ADMIN),
    r("PUT", "/api/v1/business-hours/{id}", ADMIN),
    r("DELETE", "/api/v1/business-hours/{id}", ADMIN),
    r("GET", "/api/v1/business-hours/{id}/open", ADMIN),
    // A queue's closed schedule; CRM accounts, bills, appointments (billing.rs).
    r("POST", "/admin/queues/calendar", SUPERVISOR),
    r("GET", "/api/v1/queues/{id}/calendar", SUPERVISOR),
    r("PUT", "/api/v1/queues/{id}/calendar", SUPERVISOR),
    r("GET", "/api/v1/crm/accounts", SUPERVISOR),
    r("POST", "/api/v1/crm/accounts", SUPERVISOR),
    r("PUT", "/api/v1/crm/accounts/{id}", SUPERVISOR),
    r("GET", "/api/v1/crm/accounts/{id}/bills", SUPERVISOR),
    r("POST", "/api/v1/crm/bills", SUPERVISOR),
    r("PUT", "/api/v1/crm/bills/{id}", SUPERVISOR),
    r("GET", "/api/v1/crm/customers/{id}/appointments", SUPERVISOR),
    r("POST", "/api/v1/crm/appointments", SUPERVISOR),
    r("PUT", "/api/v1/crm/appointments/{id}", SUPERVISOR),
    // IVR flow editor.
    r("GET", "/admin/ivr", ADMIN),
    r("GET", "/api/v1/ivr/flows", ADMIN),
    r("POST", "/api/v1/ivr/flows", ADMIN),
    r("POST", "/api/v1/ivr/validate", ADMIN),
    r("POST", "/api/v1/ivr/flows/{id}/activate", ADMIN),
    // System.
    r("GET", "/admin/system", ADMIN),
    r("GET", "/api/v1/system/network", ADMIN),
    r("PUT", "/api/v1/system/network", ADMIN),
    r("GET", "/api/v1/system/time", ADMIN),
    r("PUT", "/api/v1/system/time", ADMIN),
    r("GET", "/api/v1/system/backup", ADMIN),
    r("POST", "/api/v1/system/restore", ADMIN),
    r("POST", "/api/v1/system/firmware", ADMIN),
    r("GET", "/api/v1/system/logs", ADMIN),
    // Analog and sound-card line ports.
    r("GET", "/admin/analog-ports", ADMIN),
    r("POST", "/admin/analog-ports", ADMIN),
    r("POST", "/admin/analog-ports/{id}", ADMIN),
    r("POST", "/admin/analog-ports/{id}/delete", ADMIN),
    r("GET", "/api/v1/line-ports", ADMIN),
    r("POST", "/api/v1/line-ports", ADMIN),
    r("PUT", "/api/v1/line-ports/{id}", ADMIN),
    r("DELETE", "/api/v1/line-ports/{id}", ADMIN),
    // Numbers / DIDs: the derived numbers and the DID rules.
    r("GET", "/admin/numbers", ADMIN),
    r("POST", "/admin/numbers", ADMIN),
    r("POST", "/admin/numbers/{id}", ADMIN),
    r("POST", "/admin/numbers/{id}/delete", ADMIN),
    r("GET", "/api/v1/numbers", ADMIN),
    r("GET", "/api/v1/did-rules", ADMIN),
    r("POST", "/api/v1/did-rules", ADMIN),
    r("PUT", "/api/v1/did-rules/{id}", ADMIN),
    r("DELETE", "/api/v1/did-rules/{id}", ADMIN),
    // Recording rules and retention.
    r("GET", "/admin/recording-rules", ADMIN),
    r("POST", "/admin/recording-rules", ADMIN),
    r("GET", "/api/v1/recording-policy", ADMIN),
    r("PUT", "/api/v1/recording-policy", ADMIN),
    r("POST", "/admin/recording-rules/voicemail", ADMIN),
    r("GET", "/api/v1/voicemail/settings", ADMIN),
    r("PUT", "/api/v1/voicemail/settings", ADMIN),
    // Queue announcements and the callback offer.
    r("GET", "/admin/announcements", SUPERVISOR),
    r("POST", "/admin/announcements", SUPERVISOR),
    r("POST", "/admin/announcements/{id}/delete", SUPERVISOR),
    r("GET", "/api/v1/announcements", SUPERVISOR),
    r("PUT", "/api/v1/queues/{id}/announcements", SUPERVISOR),
    r("DELETE", "/api/v1/queues/{id}/announcements", SUPERVISOR),
    // Web chat settings.
    r("GET", "/admin/chat", SUPERVISOR),
    r("POST", "/admin/chat", SUPERVISOR),
    r("GET", "/api/v1/chat/settings", SUPERVISOR),
    r("PUT", "/api/v1/chat/settings", SUPERVISOR),
];

/// Looks a request up in [`ROUTES`].
#[must_use]
pub fn rule_for(method: &Method, path: &str) -> Option<&'static RouteRule> {
    ROUTES
        .iter()
        .find(|r| r.path == path && r.method == method.as_str())
}

/// The panel's router. The daemon mounts it (and serves it with [`tls::serve`]).
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::root))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/static/{file}", get(assets::serve))
        .route("/logout", post(pages::logout))
        .route(
            "/password",
            get(pages::password_page).post(pages::password_submit),
        )
        .route("/dashboard", get(pages::dashboard))
        .route(
            "/admin/users",
            get(pages::users_page).post(pages::users_create),
        )
        .route("/admin/users/{id}/delete", post(pages::users_delete))
        .route(
            "/admin/queues",
            get(pages::queues_page).post(pages::queues_create),
        )
        .route("/admin/queues/{id}/delete", post(pages::queues_delete))
        .route(
            "/admin/skills",
            get(pages::skills_page).post(pages::skills_create),
        )
        .route("/admin/skills/{id}/delete", post(pages::skills_delete))
        .route("/admin/agents", get(pages::agents_page))
        .route("/admin/extensions", get(pages::extensions_page))
        .route(
            "/admin/extensions/{id}/caller-id",
            post(pages::extension_caller_id),
        )
        .route("/admin/spans", get(pages::spans_page))
        .route("/admin/spans/{id}/caller-id", post(pages::span_caller_id))
        .route("/admin/sip-trunks", get(pages::sip_trunks_page))
        .route(
            "/admin/sip-trunks/{id}/caller-id",
            post(pages::sip_trunk_caller_id),
        )
        .route("/admin/trunk-groups", get(pages::trunk_groups_page))
        .route("/admin/dial-rules", get(pages::dial_rules_page))
        .route("/admin/audit", get(pages::audit_page))
        .route("/reports", get(reports::page))
        .route("/reports/csv", get(reports::csv))
        .route("/wallboard", get(wallboard::page))
        .route("/ws/wallboard", get(wallboard::ws))
        .route("/desk", get(desk::page))
        .route("/api/cti/v1/ws", get(desk::cti_ws))
        .route("/api/cti/v1/requests", post(desk::cti_request))
        .route("/api/v1/desk/customers/{id}", get(desk::customer))
        .route("/api/v1/desk/lookup", get(desk::lookup))
        .route("/api/v1/desk/tickets", post(desk::ticket_create))
        .route("/api/v1/desk/tickets/{id}", put(desk::ticket_update))
        .route(
            "/api/v1/desk/callbacks",
            get(desk::callbacks).post(desk::callback_create),
        )
        .route(
            "/api/v1/desk/callbacks/{id}/close",
            post(desk::callback_close),
        )
        .route("/api/v1/kb/search", get(desk::kb_search))
        .route("/chat", get(chat::page))
        .route("/api/chat/v1/ws", get(chat::customer_ws))
        .route("/api/chat/v1/agent/ws", get(chat::agent_ws))
        .route("/profile", get(hours::profile).post(hours::profile_submit))
        .route("/api/v1/me/language", put(hours::api_language))
        .route("/recordings", get(recordings::page))
        .route("/api/v1/recordings", get(recordings::api_search))
        .route("/api/v1/recordings/{id}/audio", get(recordings::audio))
        .route(
            "/api/v1/recordings/{id}/scores",
            get(recordings::scores).post(recordings::score),
        )
        .route(
            "/api/v1/qa/forms",
            get(recordings::forms).post(recordings::form_create),
        )
        .route("/admin/kb", get(kb::page))
        .route("/api/v1/kb/articles", get(kb::list).post(kb::create))
        .route(
            "/api/v1/kb/articles/{id}",
            get(kb::get_one).put(kb::update).delete(kb::delete),
        )
        .route(
            "/api/v1/kb/categories",
            get(kb::categories).post(kb::category_create),
        )
        .route(
            "/api/v1/kb/categories/{name}",
            axum::routing::delete(kb::category_delete),
        )
        .route(
            "/admin/business-hours",
            get(hours::page).post(hours::page_create),
        )
        .route(
            "/admin/business-hours/{id}/delete",
            post(hours::page_delete),
        )
        .route(
            "/api/v1/business-hours",
            get(hours::list).post(hours::create),
        )
        .route(
            "/api/v1/business-hours/{id}",
            put(hours::update).delete(hours::delete),
        )
        .route("/api/v1/business-hours/{id}/open", get(hours::open))
        .route("/admin/ivr", get(ivr_flows::page))
        .route(
            "/api/v1/ivr/flows",
            get(ivr_flows::list).post(ivr_flows::save),
        )
        .route("/api/v1/ivr/validate", post(ivr_flows::validate))
        .route("/api/v1/ivr/flows/{id}/activate", post(ivr_flows::activate))
        .route("/admin/system", get(system::page))
        .route(
            "/api/v1/system/network",
            get(system::network_get).put(system::network_put),
        )
        .route(
            "/api/v1/system/time",
            get(system::time_get).put(system::time_put),
        )
        .route("/api/v1/system/backup", get(system::backup))
        // Uploads stream into a staging file; `system::receive` enforces
        // `SystemSettings::max_upload` itself (axum's DefaultBodyLimit does not apply to a
        // streamed Body).
        .route("/api/v1/system/restore", post(system::restore))
        .route("/api/v1/system/firmware", post(system::firmware))
        .route("/api/v1/system/logs", get(system::logs))
        .route(
            "/api/v1/supervisor/agents/{agent}/state",
            post(supervise::force_state),
        )
        .route(
            "/api/v1/supervisor/agents/{agent}/monitor",
            post(supervise::monitor),
        )
        .merge(admin_routes())
        .route("/admin/queues/calendar", post(pages::queues_calendar))
        .merge(api::routes())
        .merge(billing::routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), access))
        .with_state(state)
}

/// The routes of [`ports`], [`numbers`] and [`settings`].
fn admin_routes() -> Router<WebState> {
    Router::new()
        .route(
            "/admin/analog-ports",
            get(ports::page).post(ports::page_create),
        )
        .route("/admin/analog-ports/{id}", post(ports::page_update))
        .route("/admin/analog-ports/{id}/delete", post(ports::page_delete))
        .route("/api/v1/line-ports", get(ports::list).post(ports::create))
        .route(
            "/api/v1/line-ports/{id}",
            put(ports::update).delete(ports::delete),
        )
        .route(
            "/admin/numbers",
            get(numbers::page).post(numbers::page_create),
        )
        .route("/admin/numbers/{id}", post(numbers::page_update))
        .route("/admin/numbers/{id}/delete", post(numbers::page_delete))
        .route("/api/v1/numbers", get(numbers::api))
        .route(
            "/api/v1/did-rules",
            get(numbers::list).post(numbers::create),
        )
        .route(
            "/api/v1/did-rules/{id}",
            put(numbers::update).delete(numbers::delete),
        )
        .route(
            "/admin/recording-rules",
            get(settings::policy_page).post(settings::policy_submit),
        )
        .route(
            "/api/v1/recording-policy",
            get(settings::policy_get).put(settings::policy_put),
        )
        .route(
            "/admin/recording-rules/voicemail",
            post(settings::voicemail_submit),
        )
        .route(
            "/api/v1/voicemail/settings",
            get(settings::voicemail_get).put(settings::voicemail_put),
        )
        .route(
            "/admin/announcements",
            get(settings::announcements_page).post(settings::announcements_submit),
        )
        .route(
            "/admin/announcements/{id}/delete",
            post(settings::announcements_clear),
        )
        .route("/api/v1/announcements", get(settings::announcements_list))
        .route(
            "/api/v1/queues/{id}/announcements",
            put(settings::announcements_put).delete(settings::announcements_delete),
        )
        .route(
            "/admin/chat",
            get(settings::chat_page).post(settings::chat_submit),
        )
        .route(
            "/api/v1/chat/settings",
            get(settings::chat_get).put(settings::chat_put),
        )
}

// ------------------------------------------------------------------------------- caller

/// Who is calling: the session (if any) and its id. Set by the access middleware.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Session id (cookie value).
    pub sid: Option<String>,
    /// The session.
    pub session: Option<Session>,
}

impl Caller {
    /// UI language (English before login).
    #[must_use]
    pub fn lang(&self) -> Language {
        self.session.as_ref().map_or(Language::En, |s| s.language)
    }
    /// Actor name for the audit log.
    #[must_use]
    pub fn actor(&self) -> String {
        self.session
            .as_ref()
            .map_or_else(|| "web:anonymous".into(), |s| format!("web:{}", s.username))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or_else(WebError::internal)
    }
}

/// The peer address (for lockout).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .or_else(|| {
                parts
                    .extensions
                    .get::<MockConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip())
            })
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(Self(ip))
    }
}

/// Value of cookie `name`.
#[must_use]
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn wants_html(path: &str) -> bool {
    !(path.starts_with("/api/") || path.starts_with("/ws/"))
}

/// Paths usable while the password must still be changed.
const ALLOWED_BEFORE_CHANGE: &[&str] = &[
    "/password",
    "/logout",
    "/api/v1/me",
    "/api/v1/me/password",
    "/api/v1/logout",
];

/// The one access check: route table, session, forced password change, role, CSRF.
async fn access(State(st): State<WebState>, req: Request, next: Next) -> Response {
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return WebError::forbidden().into_response();
    };
    let Some(rule) = rule_for(req.method(), &path) else {
        return WebError::forbidden().into_response();
    };
    let now = st.now();
    let sid = cookie_value(req.headers(), SESSION_COOKIE).map(str::to_owned);
    let session = sid
        .as_deref()
        .and_then(|id| st.sessions().get(id, now, st.policy()));
    let html = wants_html(&path);
    match (rule.access, &session) {
        (Access::Public, _) => {}
        (_, None) => {
            return if html {
                Redirect::to("/login").into_response()
            } else {
                WebError::new(StatusCode::UNAUTHORIZED, "login required").into_response()
            };
        }
        (access, Some(s)) => {
            if s.must_change_password && !ALLOWED_BEFORE_CHANGE.contains(&path.as_str()) {
                return if html && req.method() == Method::GET {
                    Redirect::to("/password").into_response()
                } else {
                    WebError::new(StatusCode::FORBIDDEN, "password change required").into_response()
                };
            }
            if let Access::Roles(roles) = access
                && !roles.contains(&s.role)
            {
                return WebError::forbidden().into_response();
            }
        }
    }
    let req = if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        req
    } else {
        let expected = match &session {
            Some(s) => Some(s.csrf.clone()),
            None => cookie_value(req.headers(), PRE_COOKIE)
                .filter(|v| v.len() == 64)
                .map(str::to_owned),
        };
        match check_csrf(req, expected.as_deref()).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        }
    };
    let mut req = req;
    req.extensions_mut().insert(Caller { sid, session });
    next.run(req).await
}

/// Largest request body the panel reads (forms, JSON).
pub const MAX_BODY: usize = 1 << 20;

async fn check_csrf(req: Request, expected: Option<&str>) -> Result<Request, WebError> {
    let forbidden = || WebError::new(StatusCode::FORBIDDEN, "missing or wrong CSRF token");
    let Some(expected) = expected else {
        return Err(forbidden());
    };
    if let Some(h) = req.headers().get(CSRF_HEADER) {
        return if h.to_str().is_ok_and(|h| auth::same_token(h, expected)) {
            Ok(req)
        } else {
            Err(forbidden())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(forbidden());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "body too large"))?;
    let ok = form_urlencoded_pairs(&bytes)
        .into_iter()
        .any(|(k, v)| k == CSRF_FIELD && auth::same_token(&v, expected));
    if !ok {
        return Err(forbidden());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Decodes `application/x-www-form-urlencoded`.
fn form_urlencoded_pairs(b: &[u8]) -> Vec<(String, String)> {
    fn dec(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let h = std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    if let Some(h) = h {
                        out.push(h);
                        i += 2;
                    } else {
                        out.push(b'%');
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    b.split(|c| *c == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut it = p.splitn(2, |c| *c == b'=');
            let k = dec(it.next().unwrap_or_default());
            let v = dec(it.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

// ------------------------------------------------------------------------------- errors

/// An error answer: status and message (JSON `{"error": …, "field": …}` for the API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebError {
    /// HTTP status.
    #[serde(skip)]
    pub status: StatusCodeWrap,
    /// What went wrong.
    pub error: String,
    /// The offending field, for validation errors (e.g. `queue.name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A status code (wrapper so [`WebError`] can derive traits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusCodeWrap(pub u16);

impl WebError {
    /// An error with a status and message.
    #[must_use]
    pub fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        Self {
            status: StatusCodeWrap(status.as_u16()),
            error: msg.into(),
            field: None,
        }
    }
    /// 403.
    #[must_use]
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden")
    }
    /// 500.
    #[must_use]
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
    /// 422 naming a field.
    #[must_use]
    pub fn invalid(field: impl Into<String>, msg: impl Into<String>) -> Self {
        let field = field.into();
        Self {
            status: StatusCodeWrap(422),
            error: format!("{field}: {}", msg.into()),
            field: Some(field),
        }
    }
    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status.0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => Self::invalid(i.field, i.rule.to_string()),
            StoreError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, e.to_string()),
            _ => Self::internal(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(self)).into_response()
    }
}
