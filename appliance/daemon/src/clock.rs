//! The one clock adapter: monotonic time for the state machines ([`tdm::Instant`], µs since
//! the daemon started) and wall time for the store ([`store::Timestamp`]).

use std::time::{SystemTime, UNIX_EPOCH};

/// The daemon's clock. Cloning shares the origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    origin: std::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }

    /// Monotonic now, for `handle_timeout(now)` and friends.
    pub(crate) fn now(&self) -> tdm::Instant {
        self.at(std::time::Instant::now())
    }

    /// A std instant as a state-machine instant.
    pub(crate) fn at(&self, t: std::time::Instant) -> tdm::Instant {
        let us = t.saturating_duration_since(self.origin).as_micros();
        tdm::Instant::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
    }

    /// Unix time (s) at this clock's `Instant::ZERO`.
    pub(crate) fn epoch_unix_s(&self) -> i64 {
        let back = i64::try_from(self.now().as_micros()).unwrap_or(0);
        (Self::wall_now().0 - back) / 1_000_000
    }

    /// Wall time for the store's event log.
    pub(crate) fn wall_now() -> store::Timestamp {
        let us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros();
        store::Timestamp(i64::try_from(us).unwrap_or(i64::MAX))
    }

    /// CLOCK_MONOTONIC in µs, as systemd wants it in MONOTONIC_USEC= on reload.
    pub(crate) fn monotonic_usec() -> Option<u64> {
        nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
            .ok()
            .and_then(|ts| {
                u64::try_from(ts.tv_sec())
                    .ok()
                    .zip(u64::try_from(ts.tv_nsec()).ok())
            })
            .map(|(s, ns)| s * 1_000_000 + ns / 1000)
    }
}
