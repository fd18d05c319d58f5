//! Local wall-clock time for conditions. The daemon reads the clock and the time zone and
//! passes a [`LocalTime`] in with each input; the engine never reads a clock.

use crate::error::BadLocalTime;

/// A local date and time (proleptic Gregorian), validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

impl LocalTime {
    /// A checked local time.
    ///
    /// # Errors
    /// [`BadLocalTime`] for a date that does not exist or a time outside 00:00:00–23:59:59.
    pub fn new(
        year: i32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, BadLocalTime> {
        let real_date = time::Month::try_from(month)
            .is_ok_and(|m| time::Date::from_calendar_date(year, m, day).is_ok());
        if !(1..=9999).contains(&year) || !real_date || hour > 23 || minute > 59 || second > 59 {
            return Err(BadLocalTime);
        }
        Ok(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Date as `(year, month, day)`.
    #[must_use]
    pub const fn date(self) -> (i32, u8, u8) {
        (self.year, self.month, self.day)
    }

    /// Minutes since local midnight.
    #[must_use]
    pub const fn minute_of_day(self) -> u16 {
        self.hour as u16 * 60 + self.minute as u16
    }

    /// Seconds field.
    #[must_use]
    pub const fn second(self) -> u8 {
        self.second
    }

    /// ISO weekday, 0 = Monday … 6 = Sunday.
    #[must_use]
    pub fn weekday(self) -> u8 {
        time::Month::try_from(self.month)
            .and_then(|m| time::Date::from_calendar_date(self.year, m, self.day))
            .map_or(0, |d| d.weekday().number_days_from_monday())
    }
}

/// Parses `HH:MM` (00:00–24:00) into minutes of the day.
#[must_use]
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let h = u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0');
    let m = u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0');
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Parses `YYYY-MM-DD` into `(year, month, day)` of a real date.
#[must_use]
pub fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = s.get(5..7)?.parse().ok()?;
    let d: u8 = s.get(8..10)?.parse().ok()?;
    if !b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return None;
    }
    LocalTime::new(y, m, d, 0, 0, 0).ok().map(LocalTime::date)
}

/// Parses `mon` … `sun` into 0 … 6.
#[must_use]
pub fn parse_weekday(s: &str) -> Option<u8> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .position(|d| *d == s)
        .and_then(|p| u8::try_from(p).ok())
}
