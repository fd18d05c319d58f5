//! The panel on HTTPS (`--https`, what the appliance image runs): the daemon makes its
//! self-signed certificate in the data directory on first start; the panel answers on HTTPS
//! with `Secure` cookies to a client that trusts that certificate; the plain-HTTP server keeps
//! `/metrics` and `/healthz` and redirects the panel's paths to HTTPS, path and query kept.
//! A second start keeps the certificate. Every wait is bounded.

mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use common::{Daemon, get};
use nix::sys::signal::Signal;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;

/// One HTTP/1.1 request over TLS to `addr`, trusting only `cert_pem`; the whole answer.
fn https_get(addr: &str, cert_pem: &std::path::Path, path: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(cert_pem).expect("pem") {
        roots.add(c.expect("cert")).expect("root");
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(Arc::new(cfg), name).expect("tls");
    let tcp = TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A plain GET with its headers (the redirect's Location).
fn raw_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("write");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn the_panel_is_served_on_https_and_http_redirects_to_it() {
    let (dir, data) = e2e::seeded(|_| {});
    let mut d = Daemon::start_in(
        dir,
        data.clone(),
        &["--https", "127.0.0.1:0", "--drain-secs", "1"],
    );
    d.wait_notify("READY=1");
    let http = d.http_addr();
    let https = d.https_addr();
    let cert = data.join("web-cert.pem");
    assert!(cert.exists() && data.join("web-key.pem").exists());

    let page = https_get(&https, &cert, "/login");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let cookie = page
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie");
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(https_get(&https, &cert, "/healthz").starts_with("HTTP/1.1 200"));

    // Plain HTTP: the panel's paths redirect, the machine routes stay.
    let r = raw_get(&http, "/admin/users?x=1");
    let port = https.rsplit(':').next().expect("port");
    assert!(
        r.starts_with("HTTP/1.1 308") || r.starts_with("HTTP/1.0 308"),
        "{r}"
    );
    assert!(
        r.to_ascii_lowercase().contains(&format!(
            "location: https://127.0.0.1:{port}/admin/users?x=1"
        )),
        "{r}"
    );
    assert_eq!(get(&http, "/healthz").0, 200);
    let (st, body) = get(&http, "/metrics");
    assert_eq!(st, 200);
    assert!(body.contains("appliance_"), "{body}");
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));

    // The next start keeps the certificate (browsers that accepted it keep trusting it).
    let before = std::fs::read(&cert).expect("cert");
    let dir = d.take_dir();
    drop(d);
    let mut d = Daemon::start_in(dir, data, &["--https", "127.0.0.1:0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let l = d.wait_log(&["https listening"]);
    assert!(l.contains("made=false"), "{l}");
    assert_eq!(std::fs::read(&cert).expect("cert"), before);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));
}
