//! `web-admin`: serves the panel on its own, over a store file, with the in-memory live
//! backend (empty: no daemon feeds it). For trying the panel and for `make demo` until the
//! daemon mounts the router itself.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use web_admin::{MemoryBackend, WebConfig, WebState, system_clock, tls};

/// Serve the web panel.
#[derive(Debug, Parser)]
struct Args {
    /// The appliance database (created if missing).
    #[arg(long, default_value = "appliance.db")]
    db: PathBuf,
    /// Where the self-signed certificate is kept (made on first start).
    #[arg(long, default_value = ".")]
    cert_dir: PathBuf,
    /// HTTPS address.
    #[arg(long, default_value_t = tls::DEFAULT_HTTPS)]
    https: SocketAddr,
    /// HTTP address (redirects to HTTPS).
    #[arg(long, default_value_t = tls::DEFAULT_HTTP)]
    http: SocketAddr,
    /// Seed the demo configuration into an empty database (admin / demo-admin).
    #[arg(long)]
    seed_demo: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let clock = system_clock();
    let mut store =
        store::Store::open(&a.db).with_context(|| format!("opening {}", a.db.display()))?;
    if a.seed_demo
        && let Some(s) = store.seed_demo(clock())?
    {
        eprintln!(
            "seeded demo; log in as {} / {} (you must change it)",
            s.admin.0, s.admin.1
        );
    }
    let state = WebState::new(
        store,
        Arc::new(MemoryBackend::new()),
        WebConfig {
            secure_cookies: true,
            ..WebConfig::default()
        },
        clock,
    );
    eprintln!("serving https://{} (http://{} redirects)", a.https, a.http);
    tls::serve(web_admin::router(state), a.https, a.http, &a.cert_dir).await
}
