//! The protocol clock.

use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// A point in time, in microseconds since an arbitrary epoch chosen by whoever drives the
/// state machines (the daemon maps its monotonic clock onto it; tests start at zero).
///
/// Like smoltcp's `Instant`: `Copy`, totally ordered, constructible from any value, and
/// never read from the system inside protocol code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    micros: u64,
}

impl Instant {
    /// The epoch.
    pub const ZERO: Self = Self { micros: 0 };

    /// An instant `micros` microseconds after the epoch.
    #[must_use]
    pub const fn from_micros(micros: u64) -> Self {
        Self { micros }
    }

    /// An instant `millis` milliseconds after the epoch.
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Self {
            micros: millis.saturating_mul(1000),
        }
    }

    /// Microseconds since the epoch.
    #[must_use]
    pub const fn as_micros(self) -> u64 {
        self.micros
    }

    /// Milliseconds since the epoch (truncated).
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.micros / 1000
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_micros(self.micros.saturating_sub(earlier.micros))
    }

    /// `self + d`, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        let d = u64::try_from(d.as_micros()).ok()?;
        self.micros.checked_add(d).map(Self::from_micros)
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    /// Saturates at the far end of time rather than wrapping.
    fn add(self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Self::from_micros(u64::MAX))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturating: an earlier minus a later instant is zero.
    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_and_orders() {
        let t = Instant::from_millis(1500);
        assert_eq!(t.as_micros(), 1_500_000);
        assert_eq!((t + Duration::from_millis(500)).as_millis(), 2000);
        assert_eq!(t - Instant::from_millis(500), Duration::from_secs(1));
        assert_eq!(Instant::ZERO - t, Duration::ZERO);
        assert_eq!(
            Instant::from_micros(u64::MAX) + Duration::from_secs(1),
            Instant::from_micros(u64::MAX)
        );
        assert!(Instant::ZERO < t);
        let mut u = t;
        u += Duration::from_micros(1);
        assert_eq!(u.as_micros(), 1_500_001);
    }
}
