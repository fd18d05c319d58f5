//! Test harness: a real store in a temp dir (demo-seeded), the in-memory live backend, a
//! clock the test moves, and a small cookie-keeping client over `Router::oneshot`.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod cdp;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use store::config::{Command, Language, NewUser, Role};
use store::{CommandContext, Store, Timestamp};
use tower::ServiceExt;
use web_admin::{LoopbackCti, MemoryBackend, WebConfig, WebState};

pub const T0: i64 = 1_795_478_400_000_000; // 2026-11-24 00:00 UTC
pub const PASSWORD: &str = "correct-horse-1";

pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub db: std::path::PathBuf,
    pub state: WebState,
    pub backend: Arc<MemoryBackend>,
    pub clock: Arc<AtomicI64>,
    /// The CTI backend of [`Harness::desk`] harnesses.
    pub cti: Option<Arc<LoopbackCti>>,
}

/// Wrap-up time of the desk harness's agents.
pub const WRAP: std::time::Duration = std::time::Duration::from_secs(30);

impl Harness {
    /// Demo-seeded store plus one user per role (password [`PASSWORD`], already changed).
    pub fn new() -> Self {
        Self::with_config(WebConfig::default())
    }

    pub fn with_config(config: WebConfig) -> Self {
        Self::build(config, false)
    }

    /// A harness whose panel has call control: the real `cti` model over the loopback call
    /// source, agents 2001–2002 and queues 701–702; user `agent1` is agent 2001; the
    /// model's interaction records are written into the store.
    pub fn desk() -> Self {
        Self::build(WebConfig::default(), true)
    }

    /// Like [`Harness::desk`], but the wallboard's live data ([`web_admin::ApiBackend`])
    /// comes from the same loopback CTI model the calls go through.
    pub fn desk_live() -> Self {
        let mut h = Self::build(WebConfig::default(), true);
        let cti = h.cti.clone().unwrap();
        let store = Store::open(&h.db).unwrap();
        let clock = Arc::clone(&h.clock);
        let clock_fn: web_admin::Clock = Arc::new(move || Timestamp(clock.load(Ordering::SeqCst)));
        h.state = WebState::with_cti(store, cti.clone(), cti, WebConfig::default(), clock_fn);
        h
    }

    fn build(config: WebConfig, desk: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app.db");
        let mut store = Store::open(&db).unwrap();
        store.seed_demo(Timestamp(T0)).unwrap().unwrap();
        let ctx = CommandContext {
            actor: "test",
            ts: Timestamp(T0),
        };
        for (name, role, lang) in [
            ("root", Role::Admin, Language::En),
            ("sup", Role::Supervisor, Language::Zh),
            ("agent1", Role::Agent, Language::En),
        ] {
            store
                .execute(
                    ctx,
                    &Command::CreateUser(NewUser {
                        username: name.into(),
                        display_name: name.into(),
                        role,
                        password: PASSWORD.into(),
                        must_change_password: false,
                        language: lang,
                    }),
                )
                .unwrap();
        }
        let backend = Arc::new(MemoryBackend::new());
        let clock = Arc::new(AtomicI64::new(T0 + 9 * 3_600_000_000));
        let c = Arc::clone(&clock);
        let clock_fn: web_admin::Clock = Arc::new(move || Timestamp(c.load(Ordering::SeqCst)));
        let (state, cti) = if desk {
            let uid = store
                .users()
                .unwrap()
                .into_iter()
                .find(|u| u.username == "agent1")
                .unwrap()
                .id;
            let a = store
                .agents()
                .unwrap()
                .into_iter()
                .find(|a| a.config.number == "2001")
                .unwrap();
            let mut config_a = a.config.clone();
            config_a.user_id = Some(uid);
            store
                .execute(
                    ctx,
                    &Command::UpdateAgent {
                        id: a.id,
                        config: config_a,
                    },
                )
                .unwrap();
            let cti = LoopbackCti::new(
                &["2001", "2002"],
                &["701", "702"],
                WRAP,
                Arc::clone(&clock_fn),
                web_admin::cti_backend::store_sink(&db).unwrap(),
            )
            .unwrap();
            let st = WebState::with_cti(store, backend.clone(), cti.clone(), config, clock_fn);
            (st, Some(cti))
        } else {
            (
                WebState::new(store, backend.clone(), config, clock_fn),
                None,
            )
        };
        Self {
            _dir: dir,
            db,
            state,
            backend,
            clock,
            cti,
        }
    }

    pub fn app(&self) -> Router {
        web_admin::router(self.state.clone())
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))))
    }

    pub fn app_from(&self, ip: [u8; 4]) -> Router {
        web_admin::router(self.state.clone()).layer(MockConnectInfo(SocketAddr::from((ip, 40_000))))
    }

    pub fn advance_s(&self, s: i64) {
        self.clock.fetch_add(s * 1_000_000, Ordering::SeqCst);
    }

    /// A second connection to the database, to check what was written.
    pub fn peek(&self) -> Store {
        Store::open(&self.db).unwrap()
    }

    pub fn revision(&self) -> i64 {
        self.peek().config_revision().unwrap()
    }

    pub fn client(&self) -> Client {
        Client {
            app: self.app(),
            cookies: Vec::new(),
            csrf: None,
        }
    }

    /// A client logged in through the JSON API.
    pub async fn login(&self, user: &str, password: &str) -> Client {
        let mut c = self.client();
        let r = c.login_api(user, password).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        c
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

pub struct Client {
    pub app: Router,
    pub cookies: Vec<(String, String)>,
    pub csrf: Option<String>,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
        }
        let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub fn builder(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            b = b.header(header::COOKIE, self.cookie_header());
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let r = self.builder(Method::GET, path).body(Body::empty()).unwrap();
        self.send(r).await
    }

    /// JSON request with the session's CSRF token (when known).
    pub async fn json(&mut self, method: Method, path: &str, body: &serde_json::Value) -> Resp {
        let mut b = self
            .builder(method, path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = &self.csrf {
            b = b.header("x-csrf-token", t);
        }
        let r = b.body(Body::from(body.to_string())).unwrap();
        self.send(r).await
    }

    /// JSON request without any CSRF token.
    pub async fn json_no_csrf(
        &mut self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Resp {
        let r = self
            .builder(method, path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(r).await
    }

    /// Form post; `with_csrf` adds the `_csrf` field.
    pub async fn form(&mut self, path: &str, fields: &[(&str, &str)], with_csrf: bool) -> Resp {
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        if let (true, Some(t)) = (with_csrf, &self.csrf) {
            body.push(format!("_csrf={t}"));
        }
        let r = self
            .builder(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.join("&")))
            .unwrap();
        self.send(r).await
    }

    /// API login: pre-login token, then credentials; keeps the session's CSRF token.
    pub async fn login_api(&mut self, user: &str, password: &str) -> Resp {
        let t = self.get("/api/v1/csrf").await.json()["csrf"]
            .as_str()
            .unwrap()
            .to_owned();
        self.csrf = Some(t);
        let r = self
            .json(
                Method::POST,
                "/api/v1/login",
                &serde_json::json!({"username": user, "password": password}),
            )
            .await;
        if r.status == StatusCode::OK {
            self.csrf = Some(r.json()["csrf"].as_str().unwrap().to_owned());
        }
        r
    }

    /// HTML login: GET /login for the form token, then the form.
    pub async fn login_form(&mut self, user: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let token = hidden_csrf(&page.text).expect("login form has a token");
        self.csrf = Some(token);
        self.form(
            "/login",
            &[("username", user), ("password", password)],
            true,
        )
        .await
    }

    pub async fn refresh_csrf(&mut self) {
        let me = self.get("/api/v1/me").await;
        self.csrf = Some(me.json()["csrf"].as_str().unwrap().to_owned());
    }
}

pub fn hidden_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")?;
    let rest = &html[i + "name=\"_csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Turns web chat on for `h` with the store's chat capacity set to `capacity` first (the
/// service takes it at start): see [`start_chat`].
pub fn enable_chat(h: &Harness, capacity: u8) -> Arc<web_admin::chat::ChatService> {
    h.peek()
        .execute(
            CommandContext {
                actor: "test",
                ts: Timestamp(T0),
            },
            &Command::SetChatCapacity { capacity },
        )
        .unwrap();
    start_chat(h, capacity)
}

/// Turns web chat on for `h`, leaving the store as it is: queue `web` (skill 5 ≥ 50,
/// longest idle, 20 s offer timeout) with agents 2001 (skill 80, capacity `cap_2001` in the
/// routing configuration) and 2002 (no chat skill, capacity 3); [`WebState::set_chat`]
/// then applies the store's chat capacity to every agent.
pub fn start_chat(h: &Harness, cap_2001: u8) -> Arc<web_admin::chat::ChatService> {
    use acd::{AgentConfig, AgentId, Member, QueueConfig, QueueId, SkillId, Strategy};
    let mut a1 = AgentConfig::new(AgentId(1));
    a1.skills = vec![(SkillId(5), 80)];
    a1.chat_capacity = cap_2001;
    let mut a2 = AgentConfig::new(AgentId(2));
    a2.chat_capacity = 3;
    let mut q = QueueConfig::new(
        QueueId(1),
        Strategy::LongestIdle,
        vec![Member::new(AgentId(1)), Member::new(AgentId(2))],
    );
    q.skills = vec![(SkillId(5), 50)];
    let cfg = web_admin::chat::ChatConfig::new(
        acd::Config {
            queues: vec![q],
            agents: vec![a1, a2],
            ..acd::Config::default()
        },
        [("web".to_owned(), QueueId(1))].into(),
        [
            ("2001".to_owned(), AgentId(1)),
            ("2002".to_owned(), AgentId(2)),
        ]
        .into(),
    );
    let chat = web_admin::chat::ChatService::new(cfg, h.state.clock()).unwrap();
    assert!(h.state.set_chat(Arc::clone(&chat)));
    chat
}

/// The session cookie header of a logged-in client (for WebSocket handshakes).
pub fn cookie_header(c: &Client) -> String {
    c.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}
