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

/// Days in a month.
const fn month_days(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
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
        if !(1..=9999).contains(&year)
            || day == 0
            || day > month_days(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
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
        // Days from 1970-01-01 (a Thursday), H. Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        u8::try_from((days + 3).rem_euclid(7)).unwrap_or(0)
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
