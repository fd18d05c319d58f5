//! A minimal Chrome DevTools protocol client over tokio-tungstenite, headless Chromium
//! (Debian package `chromium`) and helpers shared by the browser tests.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::Harness;

/// The Chromium process (killed on drop).
pub struct Browser(Child);
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A DevTools WebSocket.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A minimal DevTools protocol client attached to one page (`session`).
pub struct Cdp {
    pub ws: Ws,
    pub next_id: u64,
    pub session: Option<String>,
}

impl Cdp {
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .unwrap();
        for _ in 0..10_000 {
            let m = tokio::time::timeout(Duration::from_secs(45), self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method}"))
                .unwrap()
                .unwrap();
            let Ok(text) = m.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
        panic!("{method}: too many unrelated messages");
    }

    pub async fn eval(&mut self, js: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        r["result"]["value"].clone()
    }

    /// Waits (bounded) until the page at `path` has loaded.
    pub async fn wait_path(&mut self, path: &str) {
        for _ in 0..100 {
            let v = self
                .eval("document.readyState + '|' + location.pathname")
                .await;
            if v.as_str() == Some(&format!("complete|{path}")) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let v = self
            .eval("location.href + ' ' + document.body.innerText")
            .await;
        panic!("never reached {path}: {v}");
    }
}

pub fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for ch in clean.chunks(4) {
        let n = ch
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, c)| a | u32::from(val(*c)) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..ch.len()]);
    }
    out
}

/// Starts headless Chromium on a fresh profile and attaches to a new page.
pub async fn launch() -> (Browser, Cdp, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1200,900",
            "--autoplay-policy=no-user-gesture-required",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Debian package `chromium` must be installed (apt-get install chromium)");
    let browser = Browser(child);
    let port_file = profile.path().join("DevToolsActivePort");
    let mut endpoint = None;
    for _ in 0..300 {
        if let Ok(s) = std::fs::read_to_string(&port_file) {
            let mut l = s.lines();
            if let (Some(port), Some(path)) = (l.next(), l.next()) {
                endpoint = Some(format!("ws://127.0.0.1:{port}{path}"));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let endpoint = endpoint.expect("Chromium did not open its DevTools port within 30 s");
    let (ws, _) = tokio_tungstenite::connect_async(endpoint.as_str())
        .await
        .unwrap();
    let mut cdp = Cdp {
        ws,
        next_id: 0,
        session: None,
    };
    let target = cdp
        .call("Target.createTarget", json!({"url": "about:blank"}))
        .await;
    let attached = cdp
        .call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        )
        .await;
    cdp.session = Some(attached["sessionId"].as_str().unwrap().to_owned());
    cdp.call("Page.enable", json!({})).await;

    (browser, cdp, profile)
}

/// Saves a screenshot of the page as `target/test-artifacts/{name}`.
pub async fn screenshot(cdp: &mut Cdp, name: &str) {
    let shot = cdp
        .call("Page.captureScreenshot", json!({"format": "png"}))
        .await;
    let png = b64decode(shot["data"].as_str().unwrap());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), &png).unwrap();
}

/// Serves the panel on 127.0.0.1 (a real socket, for the browser).
pub async fn serve(h: &Harness) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = web_admin::router(h.state.clone());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (addr, server)
}

impl Cdp {
    /// Evaluates `js` until it returns `true` (bounded: 15 s).
    pub async fn until(&mut self, js: &str, what: &str) {
        for _ in 0..150 {
            if self.eval(js).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let v = self
            .eval("location.href + ' ' + document.body.innerText")
            .await;
        panic!("{what} did not happen: {v}");
    }

    pub async fn goto(&mut self, base: &str, path: &str) {
        self.call("Page.navigate", json!({"url": format!("{base}{path}")}))
            .await;
        self.wait_path(path.split('?').next().unwrap_or(path)).await;
    }

    pub async fn login(&mut self, base: &str, user: &str, password: &str) {
        self.goto(base, "/login").await;
        self.eval(&format!(
            "document.querySelector('[name=username]').value = '{user}';\
             document.querySelector('[name=password]').value = '{password}';\
             document.querySelector('form[action=\"/login\"]').submit(); true"
        ))
        .await;
        self.wait_path("/dashboard").await;
    }
}

impl Cdp {
    /// Opens another page (tab) in the same browser and returns its session id; switch
    /// pages by setting [`Cdp::session`].
    pub async fn open_page(&mut self) -> String {
        let keep = self.session.take();
        let target = self
            .call("Target.createTarget", json!({"url": "about:blank"}))
            .await;
        let attached = self
            .call(
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await;
        let id = attached["sessionId"].as_str().unwrap().to_owned();
        self.session = Some(id.clone());
        self.call("Page.enable", json!({})).await;
        self.session = keep;
        id
    }
}
