//! End to end in real headless Chromium (Debian package `chromium`), driven over the
//! DevTools protocol with a minimal client on tokio-tungstenite: log in as the demo admin,
//! change the default password, create a queue. The screenshot goes to
//! `target/test-artifacts/web-admin-e2e.png`.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::Harness;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use store::{DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USER};
use tokio_tungstenite::tungstenite::Message;

struct Browser(Child);
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Cdp {
    ws: Ws,
    next_id: u64,
    session: Option<String>,
}

impl Cdp {
    async fn call(&mut self, method: &str, params: Value) -> Value {
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
            let m = tokio::time::timeout(Duration::from_secs(15), self.ws.next())
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

    async fn eval(&mut self, js: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        r["result"]["value"].clone()
    }

    /// Waits (bounded) until the page at `path` has loaded.
    async fn wait_path(&mut self, path: &str) {
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

fn b64decode(s: &str) -> Vec<u8> {
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

#[tokio::test]
async fn log_in_change_default_password_and_create_a_queue_in_chromium() {
    let h = Harness::new();
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
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Debian package `chromium` must be installed (apt-get install chromium)");
    let _browser = Browser(child);
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

    let base = format!("http://{addr}");
    cdp.call("Page.navigate", json!({"url": format!("{base}/login")}))
        .await;
    cdp.wait_path("/login").await;
    cdp.eval(&format!(
        "document.querySelector('[name=username]').value = '{DEMO_ADMIN_USER}';\
         document.querySelector('[name=password]').value = '{DEMO_ADMIN_PASSWORD}';\
         document.querySelector('form[action=\"/login\"]').submit(); true"
    ))
    .await;
    cdp.wait_path("/password").await;
    let text = cdp.eval("document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("You must change the default password")
    );
    // Any other page sends the browser back here.
    cdp.call(
        "Page.navigate",
        json!({"url": format!("{base}/admin/queues")}),
    )
    .await;
    cdp.wait_path("/password").await;
    cdp.eval(&format!(
        "document.querySelector('[name=current]').value = '{DEMO_ADMIN_PASSWORD}';\
         document.querySelector('[name=new]').value = 'browser-secret-9';\
         document.querySelector('[name=repeat]').value = 'browser-secret-9';\
         document.querySelector('form[action=\"/password\"]').submit(); true"
    ))
    .await;
    cdp.wait_path("/dashboard").await;

    cdp.call(
        "Page.navigate",
        json!({"url": format!("{base}/admin/queues")}),
    )
    .await;
    cdp.wait_path("/admin/queues").await;
    cdp.eval(
        "const f = document.getElementById('queue-create');\
         f.querySelector('[name=name]').value = 'e2e-queue';\
         f.querySelector('[name=number]').value = '709';\
         f.querySelector('[name=strategy]').value = 'skills_best_match';\
         f.submit(); true",
    )
    .await;
    for _ in 0..100 {
        let t = cdp
            .eval("document.readyState === 'complete' ? document.body.innerText : ''")
            .await;
        if t.as_str().is_some_and(|t| t.contains("e2e-queue")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shot = cdp
        .call("Page.captureScreenshot", json!({"format": "png"}))
        .await;
    let png = b64decode(shot["data"].as_str().unwrap());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("web-admin-e2e.png"), &png).unwrap();

    // What the browser did is in the store.
    let st = h.peek();
    let q = st
        .queues()
        .unwrap()
        .into_iter()
        .find(|q| q.config.name == "e2e-queue")
        .expect("queue created");
    assert_eq!(q.config.number.as_deref(), Some("709"));
    assert!(
        st.users()
            .unwrap()
            .iter()
            .all(|u| u.username != DEMO_ADMIN_USER || !u.must_change_password)
    );
    assert!(
        st.verify_login(DEMO_ADMIN_USER, "browser-secret-9")
            .unwrap()
            .is_some()
    );
    server.abort();
}
