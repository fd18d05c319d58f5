//! systemd integration: READY/RELOADING/STOPPING/STATUS notifications and watchdog pings
//! (sd-notify; all no-ops when `NOTIFY_SOCKET` is not set, e.g. run by hand).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sd_notify::NotifyState;
use tracing::{info, warn};

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(false, states) {
        warn!("sd_notify: {e}");
    }
}

/// READY=1 with a STATUS= line.
pub(crate) fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A STATUS= line.
pub(crate) fn status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// RELOADING=1 with MONOTONIC_USEC= (Type=notify-reload needs both).
pub(crate) fn reloading() {
    match crate::clock::Clock::monotonic_usec().map(i128::from) {
        Some(us) => send(&[
            NotifyState::Reloading,
            NotifyState::MonotonicUsec(us),
            NotifyState::Status("reloading configuration"),
        ]),
        None => send(&[
            NotifyState::Reloading,
            NotifyState::Status("reloading configuration"),
        ]),
    }
}

/// STOPPING=1.
pub(crate) fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// When systemd set `WATCHDOG_USEC`, pings WATCHDOG=1 at half that interval, as long as the
/// media thread's `heartbeat` advances (a stuck media thread stops the pings and systemd
/// restarts the service).
pub(crate) fn spawn_watchdog(heartbeat: Arc<AtomicU64>) {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let every = Duration::from_micros(usec / 2);
    info!(interval_ms = every.as_millis(), "systemd watchdog enabled");
    tokio::spawn(async move {
        let mut last = heartbeat.load(Ordering::Relaxed);
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = heartbeat.load(Ordering::Relaxed);
            if now != last {
                send(&[NotifyState::Watchdog]);
            } else {
                warn!("media thread made no progress: watchdog ping withheld");
            }
            last = now;
        }
    });
}
