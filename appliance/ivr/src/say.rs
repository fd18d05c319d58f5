//! Reading numbers, amounts, dates and times out by concatenating recorded prompts, in
//! English and Mandarin.
//!
//! Prompt ids used: `num-0` … `num-19`, `num-20` … `num-90` (tens), `num-hundred`,
//! `num-thousand`, `num-million` (English); `num-0` … `num-10` (十), `num-hundred` (百),
//! `num-thousand` (千), `num-wan` (万), `num-yi` (亿) (Mandarin); `currency-major`
//! and `currency-minor` for amounts (default recordings: "yuan"/"fen", 元/分), and
//! `num-jiao` (角) in Mandarin; `num-minus` ("minus", 负) before a negative number or
//! amount.
//!
//! Dates and times: English reads `month-1` … `month-12` ("January" …), the day as an
//! ordinal `day-1` … `day-31` ("first" … "thirty-first") and the year as a number
//! ("November twenty-fifth, two thousand twenty six"); a time as hour and minutes ("ten
//! thirty", "nine `time-oh` five", "ten `time-oclock`"). Mandarin reads the year digit by
//! digit, then `date-year` (年), the month and `date-month` (月), the day and `date-day`
//! (日): 二零二六年十一月二十五日; a time as the hour and `time-hour` (点), the minutes
//! and `time-minute` (分): 十点零五分, 十点.

use crate::flow::Language;

/// Prompt ids needed by the read-out in a language (for catalogues and the prompt script).
#[must_use]
pub fn prompt_ids(lang: Language) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    match lang {
        Language::En => {
            v.extend((0..=19).map(|n| format!("num-{n}")));
            v.extend((2..=9).map(|n| format!("num-{}", n * 10)));
            v.extend(["num-hundred", "num-thousand", "num-million"].map(String::from));
            v.extend((1..=12).map(|n| format!("month-{n}")));
            v.extend((1..=31).map(|n| format!("day-{n}")));
            v.extend(["time-oh", "time-oclock"].map(String::from));
        }
        Language::Zh => {
            v.extend((0..=10).map(|n| format!("num-{n}")));
            v.extend(
                [
                    "num-hundred",
                    "num-thousand",
                    "num-wan",
                    "num-yi",
                    "num-jiao",
                    "date-year",
                    "date-month",
                    "date-day",
                    "time-hour",
                    "time-minute",
                ]
                .map(String::from),
            );
        }
    }
    v.extend(["currency-major", "currency-minor", "num-minus"].map(String::from));
    v
}

/// A signed whole number written in decimal (`-12`, `340`): `num-minus` first when
/// negative. `None` when the text is not a whole number.
#[must_use]
pub fn signed_number(text: &str, lang: Language) -> Option<Vec<String>> {
    let n: i64 = text.trim().parse().ok()?;
    let mut v = minus(n < 0);
    v.extend(number(n.unsigned_abs(), lang));
    Some(v)
}

/// A signed amount in minor units written in decimal (`-1234`: minus 12 yuan 34 fen).
/// `None` when the text is not a whole number.
#[must_use]
pub fn signed_amount(text: &str, lang: Language) -> Option<Vec<String>> {
    let n: i64 = text.trim().parse().ok()?;
    let mut v = minus(n < 0);
    v.extend(amount(n.unsigned_abs(), lang));
    Some(v)
}

fn minus(negative: bool) -> Vec<String> {
    if negative {
        vec!["num-minus".into()]
    } else {
        Vec::new()
    }
}

/// A calendar date (`year` 1–9999, `month` 1–12, `day` 1–31 as written; the caller checks
/// the day exists in the month).
#[must_use]
pub fn date(year: u16, month: u8, day: u8, lang: Language) -> Vec<String> {
    let mut v = Vec::new();
    match lang {
        Language::En => {
            v.push(format!("month-{month}"));
            v.push(format!("day-{day}"));
            v.extend(number(u64::from(year), lang));
        }
        Language::Zh => {
            v.extend(digits(&year.to_string()));
            v.push("date-year".into());
            v.extend(number(u64::from(month), lang));
            v.push("date-month".into());
            v.extend(number(u64::from(day), lang));
            v.push("date-day".into());
        }
    }
    v
}

/// A time of day (`hour` 0–23, `minute` 0–59), 24-hour.
#[must_use]
pub fn time(hour: u8, minute: u8, lang: Language) -> Vec<String> {
    let mut v = number(u64::from(hour), lang);
    match lang {
        Language::En => {
            if minute == 0 {
                v.push("time-oclock".into());
            } else {
                if minute < 10 {
                    v.push("time-oh".into());
                }
                v.extend(number(u64::from(minute), lang));
            }
        }
        Language::Zh => {
            v.push("time-hour".into());
            if minute != 0 {
                if minute < 10 {
                    v.push("num-0".into());
                }
                v.extend(number(u64::from(minute), lang));
                v.push("time-minute".into());
            }
        }
    }
    v
}

/// Reads `YYYY-MM-DD`, optionally followed by a space or `T` and `HH:MM` (the look-ups'
/// `due`, `date` and `when`), or `HH:MM` alone. `None` for anything else, including a day
/// the month does not have.
#[must_use]
pub fn date_time(text: &str, lang: Language) -> Option<Vec<String>> {
    let text = text.trim();
    let (d, t) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (Some(d), Some(t)),
        None if text.contains(':') => (None, Some(text)),
        None => (Some(text), None),
    };
    let mut v = Vec::new();
    if let Some(d) = d {
        let mut it = d.split('-');
        let (y, m, day) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 || m.len() != 2 || day.len() != 2 {
            return None;
        }
        let (y, m, day): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, day.parse().ok()?);
        if y == 0 || !(1..=12).contains(&m) || day == 0 || day > days_in_month(y, m) {
            return None;
        }
        v.extend(date(y, m, day, lang));
    }
    if let Some(t) = t {
        let (h, m) = t.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
        if h > 23 || m > 59 {
            return None;
        }
        v.extend(time(h, m, lang));
    }
    Some(v)
}

const fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Digit by digit; non-digits are skipped.
#[must_use]
pub fn digits(s: &str) -> Vec<String> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| format!("num-{}", b - b'0'))
        .collect()
}

/// A whole number (below 10^12; larger values fall back to digits).
#[must_use]
pub fn number(n: u64, lang: Language) -> Vec<String> {
    if n >= 1_000_000_000_000 {
        return digits(&n.to_string());
    }
    match lang {
        Language::En => english(n),
        Language::Zh => chinese(n),
    }
}

/// An amount in minor units (cents/fen).
#[must_use]
pub fn amount(cents: u64, lang: Language) -> Vec<String> {
    let major = cents / 100;
    let minor = cents % 100;
    let mut v = Vec::new();
    match lang {
        Language::En => {
            if major != 0 || minor == 0 {
                v.extend(number(major, lang));
                v.push("currency-major".into());
            }
            if minor != 0 {
                v.extend(number(minor, lang));
                v.push("currency-minor".into());
            }
        }
        Language::Zh => {
            // 十二元三角四分; 十二元零四分; 十二元.
            if major != 0 || minor == 0 {
                v.extend(number(major, lang));
                v.push("currency-major".into());
            }
            let (jiao, fen) = (minor / 10, minor % 10);
            if jiao != 0 {
                v.push(format!("num-{jiao}"));
                v.push("num-jiao".into());
            } else if fen != 0 && major != 0 {
                v.push("num-0".into());
            }
            if fen != 0 {
                v.push(format!("num-{fen}"));
                v.push("currency-minor".into());
            }
        }
    }
    v
}

fn english(n: u64) -> Vec<String> {
    fn below_thousand(n: u64, v: &mut Vec<String>) {
        let (h, r) = (n / 100, n % 100);
        if h != 0 {
            v.push(format!("num-{h}"));
            v.push("num-hundred".into());
        }
        if r >= 20 {
            v.push(format!("num-{}", r / 10 * 10));
            if r % 10 != 0 {
                v.push(format!("num-{}", r % 10));
            }
        } else if r != 0 {
            v.push(format!("num-{r}"));
        }
    }
    if n == 0 {
        return vec!["num-0".into()];
    }
    if n >= 1_000_000_000 {
        // No "billion" prompt: read long figures digit by digit.
        return digits(&n.to_string());
    }
    let mut v = Vec::new();
    for (div, word) in [
        (1_000_000u64, Some("num-million")),
        (1_000, Some("num-thousand")),
        (1, None),
    ] {
        let g = (n / div) % 1000;
        if g == 0 {
            continue;
        }
        below_thousand(g, &mut v);
        if let Some(w) = word {
            v.push(w.into());
        }
    }
    v
}

fn chinese(n: u64) -> Vec<String> {
    let s = n.to_string();
    let len = s.len();
    let mut v: Vec<String> = Vec::new();
    let mut zero_pending = false;
    for (i, c) in s.bytes().enumerate() {
        let p = len - 1 - i;
        let d = c - b'0';
        if d == 0 {
            if n == 0 {
                v.push("num-0".into());
            }
            zero_pending = true;
        } else {
            if zero_pending {
                v.push("num-0".into());
            }
            zero_pending = false;
            // 十 alone (not 一十) for 10-19 at the very start.
            if !(i == 0 && p % 4 == 1 && d == 1) {
                v.push(format!("num-{d}"));
            }
            match p % 4 {
                3 => v.push("num-thousand".into()),
                2 => v.push("num-hundred".into()),
                1 => v.push("num-10".into()),
                _ => {}
            }
        }
        if p.is_multiple_of(4) && p > 0 {
            let group = (n / 10u64.pow(u32::try_from(p).unwrap_or(0))) % 10_000;
            if group != 0 {
                v.push(if p == 8 { "num-yi" } else { "num-wan" }.into());
            }
        }
    }
    v
}
