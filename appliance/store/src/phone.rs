//! Phone-number normalisation for caller-ID look-ups (the screen pop).
//!
//! Numbers are stored twice: as typed, and normalised to international digits without `+`
//! (E.164 digits), using the box's [`NumberPlan`]. The same normalisation is applied to the
//! caller ID of an incoming call, so `+86 138-0013-8000`, `008613800138000`,
//! `013800138000`-style trunk-prefixed and bare national `13800138000` all meet at
//! `8613800138000`. Short numbers (internal extensions, ≤ 6 digits) are kept as they are.

use crate::error::{Invalid, Rule};

/// The numbering plan of the box's country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPlan {
    /// Country calling code, e.g. `86`.
    pub country_code: String,
    /// International access prefix, e.g. `00`.
    pub international_prefix: String,
    /// National trunk prefix, e.g. `0`.
    pub trunk_prefix: String,
}

impl Default for NumberPlan {
    fn default() -> Self {
        Self {
            country_code: "86".into(),
            international_prefix: "00".into(),
            trunk_prefix: "0".into(),
        }
    }
}

/// Longest number treated as internal (kept as is).
pub const MAX_INTERNAL_DIGITS: usize = 6;

/// Normalises `raw` under `plan`.
///
/// # Errors
/// [`Rule::BadPhoneNumber`] on field `phone` for anything but digits, one leading `+`, and
/// the separators space, `-`, `.`, `(`, `)`; or for no digits / more than 20.
pub fn normalise(raw: &str, plan: &NumberPlan) -> Result<String, Invalid> {
    let bad = Invalid::new("phone", Rule::BadPhoneNumber);
    let t = raw.trim();
    let (plus, rest) = match t.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(bad),
        }
    }
    if digits.is_empty() || digits.len() > 20 {
        return Err(bad);
    }
    if plus {
        return Ok(digits);
    }
    if digits.len() <= MAX_INTERNAL_DIGITS {
        return Ok(digits);
    }
    if !plan.international_prefix.is_empty()
        && let Some(r) = digits.strip_prefix(plan.international_prefix.as_str())
    {
        return Ok(r.to_owned());
    }
    if !plan.trunk_prefix.is_empty()
        && let Some(r) = digits.strip_prefix(plan.trunk_prefix.as_str())
    {
        return Ok(format!("{}{r}", plan.country_code));
    }
    Ok(format!("{}{digits}", plan.country_code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_one_number_meet() {
        let p = NumberPlan::default();
        for raw in [
            "+86 138-0013-8000",
            "008613800138000",
            "13800138000",
            "(0)13800138000",
        ] {
            assert_eq!(normalise(raw, &p).unwrap(), "8613800138000", "{raw}");
        }
        assert_eq!(normalise("010 6552 9988", &p).unwrap(), "861065529988");
        assert_eq!(normalise("+44 20 7946 0000", &p).unwrap(), "442079460000");
        assert_eq!(normalise("1001", &p).unwrap(), "1001");
    }

    #[test]
    fn garbage_is_refused() {
        let p = NumberPlan::default();
        for raw in ["", "+", "abc", "12a34567", "1+2", &"9".repeat(21)] {
            assert_eq!(
                normalise(raw, &p),
                Err(Invalid::new("phone", Rule::BadPhoneNumber)),
                "{raw:?}"
            );
        }
    }
}
