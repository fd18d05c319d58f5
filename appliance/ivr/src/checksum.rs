//! Check digits for collected numbers.

/// A check-digit algorithm a collect node can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Checksum {
    /// Luhn mod 10 (ISO/IEC 7812-1 annex B): card and many account numbers.
    Luhn,
    /// GB 11643-1999 citizen identity number: 17 digits + ISO 7064 MOD 11-2 check character
    /// (`0-9` or `X`; on a phone keypad `X` is keyed as `*`).
    Gb11643,
}

impl Checksum {
    /// From the JSON name (`luhn`, `gb11643`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "luhn" => Some(Self::Luhn),
            "gb11643" => Some(Self::Gb11643),
            _ => None,
        }
    }

    /// Whether `digits` carries a correct check digit.
    #[must_use]
    pub fn check(self, digits: &str) -> bool {
        match self {
            Self::Luhn => luhn(digits),
            Self::Gb11643 => gb11643(digits),
        }
    }
}

/// Luhn mod 10 over ASCII digits (at least 2). Anything else fails.
#[must_use]
pub fn luhn(digits: &str) -> bool {
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// GB 11643-1999: 18 characters, 17 digits then the MOD 11-2 check character (`X`, `x` or
/// `*` for 10).
#[must_use]
pub fn gb11643(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [u8; 11] = *b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let want = C[(sum % 11) as usize];
    let got = match b[17] {
        b'x' | b'*' => b'X',
        c => c,
    };
    got == want
}
