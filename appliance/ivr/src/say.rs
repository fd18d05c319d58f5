//! Reading numbers out by concatenating recorded prompts, in English and Mandarin.
//!
//! Prompt ids used: `num-0` … `num-19`, `num-20` … `num-90` (tens), `num-hundred`,
//! `num-thousand`, `num-million` (English); `num-0` … `num-10` (十), `num-hundred` (百),
//! `num-thousand` (千), `num-wan` (万), `num-yi` (亿) (Mandarin); `currency-major`
//! and `currency-minor` for amounts (default recordings: "yuan"/"fen", 元/分), and
//! `num-jiao` (角) in Mandarin.

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
                ]
                .map(String::from),
            );
        }
    }
    v.extend(["currency-major", "currency-minor"].map(String::from));
    v
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
