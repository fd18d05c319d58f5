//! Opening hours and holidays of a queue, evaluated from `now` plus a configured UTC offset.
//!
//! The ACD has no clock and no time-zone database: wall time is
//! `Config::epoch_unix_s + now` shifted by the schedule's fixed `utc_offset_min`
//! (China has no daylight saving; a site that has it pushes a new offset with the config).

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

impl Date {
    /// The date `days` days after 1970-01-01. The Gregorian calendar repeats every 400 years
    /// (146 097 days), so instants beyond `time`'s ±9999 years (far-future test clocks) are
    /// moved by whole cycles into its range and the years added back: every input has its
    /// true date, not a clamped one.
    #[must_use]
    pub fn from_days(days: i64) -> Self {
        const CYCLE_DAYS: i64 = 146_097;
        let cycles = days.div_euclid(CYCLE_DAYS);
        // 1970-01-01 is Julian day 2 440 588; the remainder keeps it within 1970–2369.
        let jd = i32::try_from(days.rem_euclid(CYCLE_DAYS)).unwrap_or(0) + 2_440_588;
        let d = time::Date::from_julian_day(jd).unwrap_or(time::Date::MIN);
        Self {
            year: i32::try_from(i64::from(d.year()) + cycles * 400).unwrap_or(i32::MAX),
            month: u8::from(d.month()),
            day: d.day(),
        }
    }
}

/// Day of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    const ORDER: [Self; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];
}

/// Open from `start_min` to `end_min` (minutes after local midnight, end exclusive) on `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHours {
    /// The weekday.
    pub day: Weekday,
    /// Opening minute 0–1439.
    pub start_min: u16,
    /// Closing minute 1–1440 (exclusive), greater than `start_min`.
    pub end_min: u16,
}

/// Weekly opening hours plus holidays (closed all day).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    /// Local time = UTC + this many minutes (e.g. +480 for China).
    pub utc_offset_min: i32,
    /// Open intervals; closed outside them.
    pub open: Vec<OpenHours>,
    /// Closed all day on these local dates.
    pub holidays: Vec<Date>,
}

/// Local wall time of a Unix timestamp: (date, weekday, minute of day).
#[must_use]
pub fn local_time(unix_s: i64, utc_offset_min: i32) -> (Date, Weekday, u16) {
    let local = unix_s + i64::from(utc_offset_min) * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    // 1970-01-01 was a Thursday (index 3 from Monday).
    let wd = Weekday::ORDER[usize::try_from((days + 3).rem_euclid(7)).unwrap_or(0)];
    #[allow(clippy::cast_possible_truncation)] // secs < 86 400, so minutes < 1440
    let minute = (secs / 60) as u16;
    (Date::from_days(days), wd, minute)
}

/// Why a queue is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Today is a holiday.
    Holiday(Date),
    /// Outside the opening hours.
    OutsideHours {
        /// Local weekday.
        day: Weekday,
        /// Local minute of the day.
        minute: u16,
    },
}

impl Schedule {
    /// Whether the queue is open at `unix_s`; `Err` says why not.
    ///
    /// # Errors
    /// [`Closed`] with the reason when closed.
    pub fn check(&self, unix_s: i64) -> Result<(), Closed> {
        let (date, day, minute) = local_time(unix_s, self.utc_offset_min);
        if self.holidays.contains(&date) {
            return Err(Closed::Holiday(date));
        }
        if self
            .open
            .iter()
            .any(|o| o.day == day && o.start_min <= minute && minute < o.end_min)
        {
            Ok(())
        } else {
            Err(Closed::OutsideHours { day, minute })
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ()> {
        if self.utc_offset_min.abs() > 14 * 60 {
            return Err(());
        }
        for o in &self.open {
            if o.start_min >= o.end_min || o.end_min > 1440 {
                return Err(());
            }
        }
        for h in &self.holidays {
            if !(1..=12).contains(&h.month) || !(1..=31).contains(&h.day) {
                return Err(());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2025-11-24 16:48 UTC was a Monday; +8 h is 00:48 on Tuesday the 25th.
        let t = 1_764_002_880;
        assert_eq!(
            local_time(t, 0),
            (
                Date {
                    year: 2025,
                    month: 11,
                    day: 24
                },
                Weekday::Mon,
                16 * 60 + 48
            )
        );
        let (d, wd, m) = local_time(0, 0);
        assert_eq!(
            (d.year, d.month, d.day, wd, m),
            (1970, 1, 1, Weekday::Thu, 0)
        );
        let (d, wd, _) = local_time(951_782_400, 0); // 2000-02-29
        assert_eq!((d.year, d.month, d.day, wd), (2000, 2, 29, Weekday::Tue));
        let (d, wd, m) = local_time(1_764_002_880, 480);
        assert_eq!((d.month, d.day, wd, m), (11, 25, Weekday::Tue, 48));
    }

    #[test]
    fn dates_outside_the_library_range_keep_their_true_date() {
        let ymd = |d: Date| (d.year, d.month, d.day);
        assert_eq!(ymd(Date::from_days(-1)), (1969, 12, 31));
        assert_eq!(ymd(Date::from_days(-719_468)), (0, 3, 1));
        // 2370-01-01 is one 400-year cycle after 1970-01-01; 11970-01-01 twenty-five.
        assert_eq!(ymd(Date::from_days(146_097)), (2370, 1, 1));
        assert_eq!(ymd(Date::from_days(25 * 146_097 + 59)), (11_970, 3, 1));
        // A far-future test clock (u64::MAX µs) still gets a real date.
        let far = i64::try_from(u64::MAX / 1_000_000).unwrap_or(i64::MAX);
        let (d, _, _) = local_time(far, 0);
        assert!(d.month >= 1 && d.month <= 12 && d.day >= 1 && d.year > 584_000);
    }
}
