//! Applies configuration changes made by another writer (the web panel, the console, the
//! REST API) without a SIGHUP: a plain thread with its own database connection reads the
//! config revision ([`store::Store::config_revision`]) every [`EVERY`] and tells the main
//! loop when it moved; the main loop then runs the same reload as SIGHUP. (SIGHUP still
//! works, and is still what re-reads the prompt files, which are not in the database.)
//!
//! What it is not: it does not decide what a change means (the reload does: some entities,
//! spans and line ports, need a restart) and it never writes.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tracing::{debug, warn};

/// How often the revision is read: a change made in the panel applies within this.
pub(crate) const EVERY: Duration = Duration::from_secs(2);

/// Starts the watcher on database `db`, starting from revision `seen`; it sends each newer
/// revision it reads to `tx` and ends when the receiver is gone.
pub(crate) fn spawn(db: PathBuf, seen: i64, tx: UnboundedSender<i64>) {
    let spawned = std::thread::Builder::new()
        .name("config-watch".into())
        .spawn(move || {
            let store = match store::Store::open(&db) {
                Ok(s) => s,
                Err(e) => {
                    warn!("config watch: {e}; panel changes apply on SIGHUP only");
                    return;
                }
            };
            let mut last = seen;
            loop {
                std::thread::sleep(EVERY);
                match store.config_revision() {
                    Ok(rev) if rev > last => {
                        last = rev;
                        if tx.send(rev).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => debug!("config watch: {e}"),
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        warn!("config watch: {e}; panel changes apply on SIGHUP only");
    }
}
