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
    /// The business-hours calendar (a [`Config::calendars`] name) the queue is open by:
    /// outside it, and on its holidays, callers go to the queue's closed destination
    /// (`acd.overflow.closed`, else `acd.overflow.destination`). `None`: `acd.schedule` as
    /// given (usually none: always open).
    pub calendar: Option<String>,
}

/// A business-hours calendar: weekly opening hours and holidays in a fixed UTC offset,
/// as the store's `business_hours` and `holidays` rows hold it. Queues
/// ([`QueueSpec::calendar`]) and IVR time conditions (`{"open": "main"}`) name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Its name (`main`).
    pub name: String,
    /// When it is open.
    pub schedule: acd::schedule::Schedule,
}

impl Calendar {
    /// A calendar from the store's row data: `weekly` spans `(day 0 = Monday … 6 = Sunday,
    /// open minute, close minute)` in local time (UTC + `utc_offset_min`), holidays as
    /// `YYYY-MM-DD`.
    ///
    /// # Errors
    /// [`crate::ConfigProblem::BadCalendar`] for a day over 6, an empty or inverted span, a
    /// close minute over 1440, an offset beyond ±14 h, or a date that is not `YYYY-MM-DD`.
    pub fn from_rows(
        name: &str,
        utc_offset_min: i32,
        weekly: &[(u8, u16, u16)],
        holidays: &[&str],
    ) -> Result<Self, crate::ConfigProblem> {
        use acd::schedule::{Date, OpenHours, Weekday};
        const DAYS: [Weekday; 7] = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        let bad = crate::ConfigProblem::BadCalendar;
        if utc_offset_min.abs() > 14 * 60 {
            return Err(bad);
        }
        let mut open = Vec::with_capacity(weekly.len());
        for &(day, start_min, end_min) in weekly {
            let day = *DAYS.get(usize::from(day)).ok_or(bad)?;
            if start_min >= end_min || end_min > 1440 {
                return Err(bad);
            }
            open.push(OpenHours {
                day,
                start_min,
                end_min,
            });
        }
        let mut days = Vec::with_capacity(holidays.len());
        for h in holidays {
            // A real calendar date (2026-02-30 is refused, not kept as a day that never comes).
            let (year, month, day) = ivr::clock::parse_date(h).ok_or(bad)?;
            days.push(Date { year, month, day });
        }
        Ok(Self {
            name: name.to_owned(),
            schedule: acd::schedule::Schedule {
                utc_offset_min,
                open,
                holidays: days,
            },
        })
    }

    /// Whether it is open at Unix time `unix_s`.
    #[must_use]
    pub fn is_open(&self, unix_s: i64) -> bool {
        self.schedule.check(unix_s).is_ok()
    }
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
    /// Business-hours calendars, by name (queues and IVR conditions name them).
    pub calendars: Vec<Calendar>,
}

impl Config {
    pub(crate) fn queue_by_target(&self, name_or_number: &str) -> Option<usize> {
        self.queues
            .iter()
            .position(|q| q.name == name_or_number || q.number == name_or_number)
    }

    pub(crate) fn acd_config(&self) -> acd::Config {
        acd::Config {
            queues: self
                .queues
                .iter()
                .map(|q| {
                    let mut a = q.acd.clone();
                    if let Some(c) = q
                        .calendar
                        .as_ref()
                        .and_then(|n| self.calendars.iter().find(|c| &c.name == n))
                    {
                        a.schedule = Some(c.schedule.clone());
                    }
                    a
                })
                .collect(),
            agents: self.agents.iter().map(|a| a.acd.clone()).collect(),
            // Unix time at Instant::ZERO: schedules apply their own UTC offset.
            epoch_unix_s: self.epoch_unix_s,
            removed_queue_destination: None,
        }
    }

    /// Unix time (s) at `now`.
    #[must_use]
    pub fn unix_s(&self, now: tdm::Instant) -> i64 {
        self.epoch_unix_s + i64::try_from(now.as_micros() / 1_000_000).unwrap_or(0)
    }

    /// The number an agent's phone dials to call back `caller`, a caller who came in from
    /// outside (`outside`: E1/PRI, FXO, SIP trunk) or from an extension.
    ///
    /// A caller from an extension is dialled as they are known. An outside caller's number
    /// reaches them only through a trunk group, so the outside-line prefix is **derived from
    /// the internal table** of the dial plan (no separate setting to keep in step): the
    /// number itself if a rule already sends it to a trunk group unchanged; else the first
    /// internal rule with a trunk-group target that only strips a literal prefix (`_0.`
    /// strip 1 → `0`) and, with that prefix in front, routes the number to a trunk group
    /// with the caller's number as the called number (`0` + `13900000001` → trunk group
    /// `out`, called `13900000001`). When no rule does, the number is dialled as it is and
    /// the dial plan decides (a callback that does not route fails like an unanswered one).
    #[must_use]
    pub fn callback_number(&self, caller: &str, outside: bool) -> String {
        use switch::dialplan::{OriginClass, Target};
        if !outside {
            return caller.to_owned();
        }
        let reaches = |dial: &str| {
            self.switch
                .route(OriginClass::Extension, dial)
                .is_ok_and(|r| matches!(r.target, Target::TrunkGroup(_)) && r.number == caller)
        };
        if reaches(caller) {
            return caller.to_owned();
        }
        for r in &self.switch.plan.internal {
            if !matches!(r.target, Target::TrunkGroup(_)) || r.strip == 0 || !r.prepend.is_empty() {
                continue;
            }
            // The literal digits the pattern starts with (after the `_` of a pattern).
            let text = r.pattern.as_str();
            let body = if r.pattern.is_literal() {
                text
            } else {
                text.strip_prefix('_').unwrap_or(text)
            };
            let lead: String = body
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '*' || *c == '#')
                .collect();
            let Some(prefix) = lead.get(..r.strip) else {
                continue;
            };
            let dial = format!("{prefix}{caller}");
            if reaches(&dial) {
                return dial;
            }
        }
        caller.to_owned()
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

/// Civil date and time from seconds since 1970-01-01 (`acd`'s calendar); 1970-01-01 for the
/// instants beyond the IVR's years 1–9999.
fn local_from_unix(secs: i64) -> ivr::LocalTime {
    let d = acd::schedule::Date::from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let n = |v: i64| u8::try_from(v).unwrap_or(0);
    ivr::LocalTime::new(
        d.year,
        d.month,
        d.day,
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
