//! The Center's configuration: the switch's dial plan, queues, agents, IVR flows and the
//! local clock, as the daemon builds it from the store's rows.

use std::sync::Arc;
use std::time::Duration;

/// A queue: its number and name, and the ACD's settings for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    /// The number callers and IVR flows use (`701`); also the CTI queue device.
    pub number: String,
    /// The name (`sales`): the switch's `Target::Queue` names it, and the event log uses it.
    pub name: String,
    /// The ACD settings; `acd.id` is the store's row id. Its `wrapup` must be zero: the CTI
    /// model runs wrap-up (the agent's [`AgentSpec::wrap_up`]).
    pub acd: acd::QueueConfig,
}

/// An agent: its number, the extension it works at, and its wrap-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSpec {
    /// The agent number (`2001`): the CTI agent id and the event log's `agent`.
    pub number: String,
    /// The extension its calls ring (must be in the switch's extensions); the CTI device.
    pub extension: String,
    /// After-call work after each ACD call (the CTI model's timer).
    pub wrap_up: Duration,
    /// The ACD settings (`acd.id` is the store's row id, skills).
    pub acd: acd::AgentConfig,
}

/// An IVR flow, by the name the switch's `Target::Ivr` uses (`main`).
#[derive(Debug, Clone)]
pub struct FlowSpec {
    /// The name.
    pub name: String,
    /// The validated flow.
    pub flow: Arc<ivr::ValidFlow>,
}

/// Everything the Center runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The switch's dial plan, extensions and trunks.
    pub switch: switch::dialplan::Config,
    /// The queues.
    pub queues: Vec<QueueSpec>,
    /// The agents.
    pub agents: Vec<AgentSpec>,
    /// The IVR flows.
    pub flows: Vec<FlowSpec>,
    /// Unix time (s) at `Instant::ZERO`: with `utc_offset_s`, the local wall clock of IVR
    /// conditions and of the ACD's schedules.
    pub epoch_unix_s: i64,
    /// Local time zone offset from UTC, seconds.
    pub utc_offset_s: i32,
}

impl Config {
    pub(crate) fn queue_by_target(&self, name_or_number: &str) -> Option<usize> {
        self.queues
            .iter()
            .position(|q| q.name == name_or_number || q.number == name_or_number)
    }

    pub(crate) fn acd_config(&self) -> acd::Config {
        acd::Config {
            queues: self.queues.iter().map(|q| q.acd.clone()).collect(),
            agents: self.agents.iter().map(|a| a.acd.clone()).collect(),
            epoch_unix_s: self.epoch_unix_s + i64::from(self.utc_offset_s),
            removed_queue_destination: None,
        }
    }

    /// The local wall clock at `now`.
    #[must_use]
    pub fn local_time(&self, now: tdm::Instant) -> ivr::LocalTime {
        let secs = self.epoch_unix_s
            + i64::from(self.utc_offset_s)
            + i64::try_from(now.as_micros() / 1_000_000).unwrap_or(0);
        local_from_unix(secs)
    }
}

/// Civil date and time from seconds since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn local_from_unix(secs: i64) -> ivr::LocalTime {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let n = |v: i64| u8::try_from(v).unwrap_or(0);
    ivr::LocalTime::new(
        i32::try_from(y).unwrap_or(1970),
        n(m),
        n(d),
        n(sod / 3600),
        n(sod / 60 % 60),
        n(sod % 60),
    )
    .or_else(|_| ivr::LocalTime::new(1970, 1, 1, 0, 0, 0))
    .expect("1970-01-01 is a date")
}

#[cfg(test)]
mod tests {
    use super::local_from_unix;

    #[test]
    fn civil_dates() {
        let t = local_from_unix(1_795_000_000); // 2026-11-18 11:06:40 UTC
        assert_eq!(t.date(), (2026, 11, 18));
        assert_eq!(t.minute_of_day(), 11 * 60 + 6);
        assert_eq!(t.second(), 40);
        assert_eq!(local_from_unix(0).date(), (1970, 1, 1));
        assert_eq!(local_from_unix(951_782_400).date(), (2000, 2, 29));
    }
}
