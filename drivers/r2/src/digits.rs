//! Address digit strings (ANI, DNIS) kept without allocation.

use core::fmt;
use core::str::FromStr;

use crate::R2Error;

/// Longest number carried (ANI or DNIS).
pub const MAX_DIGITS: usize = 32;

/// A string of decimal digits, at most [`MAX_DIGITS`] long.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digits {
    d: [u8; MAX_DIGITS],
    len: u8,
}

impl Digits {
    /// The empty string.
    pub const EMPTY: Self = Self {
        d: [0; MAX_DIGITS],
        len: 0,
    };

    /// Digit count.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Digit `i` (0..=9).
    #[must_use]
    pub fn get(&self, i: usize) -> Option<u8> {
        (i < self.len()).then(|| self.d[i])
    }

    /// Appends a digit 0..=9; false when full or not a digit.
    pub fn push(&mut self, digit: u8) -> bool {
        if digit > 9 || self.len() == MAX_DIGITS {
            return false;
        }
        self.d[self.len()] = digit;
        self.len += 1;
        true
    }

    /// The digits as values 0..=9.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        &self.d[..self.len()]
    }
}

impl Default for Digits {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl FromStr for Digits {
    type Err = R2Error;

    fn from_str(s: &str) -> Result<Self, R2Error> {
        let mut d = Self::EMPTY;
        for c in s.chars() {
            let v = c.to_digit(10).ok_or(R2Error::BadDigit(c))?;
            if !d.push(v as u8) {
                return Err(R2Error::TooManyDigits { max: MAX_DIGITS });
            }
        }
        Ok(d)
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &d in self.as_slice() {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digits({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let d: Digits = "0123456789".parse().unwrap();
        assert_eq!(d.to_string(), "0123456789");
        assert_eq!(d.len(), 10);
        assert_eq!("12a".parse::<Digits>(), Err(R2Error::BadDigit('a')));
        assert_eq!(
            "1".repeat(33).parse::<Digits>(),
            Err(R2Error::TooManyDigits { max: 32 })
        );
        assert!("".parse::<Digits>().unwrap().is_empty());
    }
}
