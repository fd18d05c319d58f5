//! The RTP socket thread: the socket tasks of every SIP leg (RTP and RTCP in, the media
//! thread's datagrams out) run on one tokio runtime on a thread of their own.
//!
//! Why: they ran on the daemon's main runtime, the one thread that also runs the call
//! engine (SIP UA, switch, call center). With 1,000 calls up that thread woke 100,000 times
//! a second for RTP alone, and SIP messages queued behind the packets. Apart, the two use
//! both cores, and a SIP burst no longer delays audio (docs/sip-load.md).
//!
//! What it is not: no media processing (the media thread does that), no per-leg thread.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Handle;
use tracing::error;

static RUNTIME: OnceLock<Option<Handle>> = OnceLock::new();

/// Runs `task` on the RTP socket thread (started on first use); `false` when that thread
/// could not be started (the task is then not run).
pub(crate) fn spawn<F>(task: F) -> bool
where
    F: Future<Output = ()> + Send + 'static,
{
    match RUNTIME.get_or_init(start) {
        Some(h) => {
            drop(h.spawn(task));
            true
        }
        None => false,
    }
}

/// SCHED_FIFO priority of the thread: just below the media thread's
/// ([`crate::media::MEDIA_PRIORITY`]), above every normal thread. A packet waiting in a
/// socket while the build or another process has the CPU reached the media thread late and
/// was concealed (the bench counted those frames as altered); the thread only wakes for
/// datagrams, so it cannot starve the others.
const PRIORITY: u8 = crate::media::MEDIA_PRIORITY - 5;

fn start() -> Option<Handle> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("rtp-io".into())
        .spawn(move || {
            crate::media::set_fifo("rtp socket thread", PRIORITY);
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    error!("rtp socket thread: tokio runtime: {e}");
                    let _ = tx.send(None);
                    return;
                }
            };
            let _ = tx.send(Some(rt.handle().clone()));
            // Runs the spawned socket tasks for the life of the process.
            rt.block_on(std::future::pending::<()>());
        });
    if let Err(e) = spawned {
        error!("rtp socket thread: {e}");
        return None;
    }
    rx.recv().ok().flatten()
}
