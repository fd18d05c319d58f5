//! HTTPS with a self-signed certificate made on first start, and plain HTTP that only
//! redirects to it. Both bind loopback by default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Default HTTPS address.
pub const DEFAULT_HTTPS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8443);
/// Default HTTP (redirect) address.
pub const DEFAULT_HTTP: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// Where the certificate and key live.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// PEM certificate.
    pub cert: PathBuf,
    /// PEM private key (mode 0600).
    pub key: PathBuf,
}

impl CertFiles {
    /// `web-cert.pem` and `web-key.pem` in `dir`.
    #[must_use]
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            cert: dir.join("web-cert.pem"),
            key: dir.join("web-key.pem"),
        }
    }
}

/// Makes a self-signed certificate for `names` when the files are missing; returns whether
/// one was made. An existing pair (self-made or installed by the operator) is kept.
///
/// # Errors
/// Generation or file errors.
pub fn ensure_self_signed(files: &CertFiles, names: &[String]) -> anyhow::Result<bool> {
    if files.cert.exists() && files.key.exists() {
        return Ok(false);
    }
    let ck = rcgen::generate_simple_self_signed(names.to_vec())?;
    if let Some(d) = files.key.parent() {
        std::fs::create_dir_all(d)?;
    }
    write_private(&files.key, ck.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&files.cert, ck.cert.pem())?;
    Ok(true)
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)?.write_all(data)
}

/// The rustls server config of the certificate files (ring provider).
///
/// # Errors
/// Unreadable or invalid PEM files.
pub fn server_config(files: &CertFiles) -> anyhow::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(&files.cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&files.key)?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// Router of the plain-HTTP side: every request is redirected to the same path on HTTPS.
pub fn redirect_router(https_port: u16) -> Router {
    Router::new().fallback(move |req: Request| async move { to_https(&req, https_port) })
}

fn to_https(req: &Request, port: u16) -> Response {
    let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
    else {
        return (StatusCode::BAD_REQUEST, "missing Host").into_response();
    };
    // Drop the port of the Host header (IPv6 literals keep their brackets).
    let name = match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", axum::http::uri::PathAndQuery::as_str);
    let url = if port == 443 {
        format!("https://{name}{path}")
    } else {
        format!("https://{name}:{port}{path}")
    };
    Redirect::permanent(&url).into_response()
}

/// Serves `app` on HTTPS on `listener`, already bound, with the certificate in `files` (made
/// beforehand with [`ensure_self_signed`]), until the server fails. The daemon serves its
/// panel this way, beside its own plain-HTTP server.
///
/// # Errors
/// Certificate or server errors.
pub async fn serve_on(
    listener: std::net::TcpListener,
    app: Router,
    files: &CertFiles,
) -> anyhow::Result<()> {
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(server_config(files)?));
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, tls)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await?;
    Ok(())
}

/// Serves `app` on HTTPS at `https` (certificate made on first start in `cert_dir`) and the
/// redirect on HTTP at `http`, until either server fails.
///
/// # Errors
/// Bind, certificate or server errors.
pub async fn serve(
    app: Router,
    https: SocketAddr,
    http: SocketAddr,
    cert_dir: &Path,
) -> anyhow::Result<()> {
    let files = CertFiles::in_dir(cert_dir);
    let mut names = vec!["localhost".to_owned(), https.ip().to_string()];
    names.dedup();
    ensure_self_signed(&files, &names)?;
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(server_config(&files)?));
    let redirect = redirect_router(https.port());
    let h = tokio::spawn(async move {
        let l = tokio::net::TcpListener::bind(http).await?;
        axum::serve(l, redirect).await
    });
    let s = axum_server::bind_rustls(https, tls)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>());
    tokio::select! {
        r = s => r?,
        r = h => r??,
    }
    Ok(())
}
