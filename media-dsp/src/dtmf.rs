//! DTMF generation and detection (ITU-T Q.23/Q.24).
//!
//! **What it does.** [`DtmfGenerator`] sends the 16 DTMF digits at a chosen level, twist and
//! on/off timing. [`DtmfDetector`] finds them in a stream of 8 kHz samples fed in blocks of
//! any size (an 8-sample DAHDI chunk, a 20 ms RTP frame or a whole file give identical
//! results) and reports each digit exactly once, as a [`DigitEvent`] with its start and end
//! sample, after announcing it early with an onset event for RFC 4733 senders.
//!
//! **How the detector works.** A Hann-windowed DFT of 10 ms (80 samples), computed every
//! 5 ms (windows overlap by half), on the 8 DTMF frequencies. Samples are buffered until a
//! 5 ms hop is complete; the hop is then multiplied into 32 accumulators (2 windows × 8 bins
//! × re/im) from a precomputed table per hop position, with no recurrence between samples,
//! so the loop vectorises (AVX2 where the CPU has it) and the result cannot depend on how
//! the stream was split. Per window, the strongest bin of each group is checked for:
//! - *frequency*: the phase advance of the bin between consecutive windows measures the
//!   tone's offset from the nominal frequency to a fraction of a hertz, so both tones can be
//!   held to ±2.5 % at once (the spec accepts ±1.5 % and rejects ±3.5 %);
//! - *level* (−36 dBm0 per tone by default) and *twist* (9.5 dB normal, 5.5 dB reverse), on
//!   amplitudes corrected for the window's response at the measured offset;
//! - *purity*: the two tones must carry 80 % of the window's power, not counting dial tone
//!   (350 + 440 Hz, solved from two more bins computed only for windows where it matters);
//! - *single tone per group*: after removing the tone's predicted leakage, the other bins of
//!   its group must be nearly empty (relative-peak check);
//! - *steadiness*: both tones' magnitudes within 2.5 dB of the previous window's.
//!
//! Steadiness, twist and single tone get slack for noise, estimated from the power the
//! tones leave unexplained and capped at the size of the limit itself, so a weak tone in
//! noise is held to what the noise allows and a clean signal to the nominal limits.
//!
//! A digit starts after 5 consecutive windows pass for the same digit (tones of 35 ms or
//! more are always found, 25 ms or less never: the spec's 40 and 20 ms with margin on both
//! sides) and ends after 6 consecutive windows no longer show it (interruptions under 10 ms,
//! and up to about 20 ms, are bridged; pauses of 30 ms or more separate digits). Start and
//! end are refined from the magnitudes of the windows that straddle the edges, to about a
//! millisecond. While a digit lasts, only the cheap checks that it continues are made.
//!
//! **Spec.** ITU-T Q.23 (frequencies), Q.24 (reception: ±1.5 %/±3.5 %, 40 ms, twist, levels),
//! the Bellcore/Mitel test practice for the rest (talk-off, 15 dB SNR, dial tone).
//!
//! **Limits.** 8 kHz only. No DC removal: feed it audio without a large DC offset (G.711
//! decoded audio has none). The default thresholds are the spec's with margin; tighter or
//! looser ones can be set in [`DetectorConfig`].

mod detect;
mod generate;
mod tables;

pub use detect::{DetectorConfig, DigitEvent, DtmfDetector, DtmfEvent};
pub use generate::{DtmfGenerator, DualTone, GeneratorConfig, generate, generated_len};

/// Low-group (row) frequencies, Hz.
pub const LOW_FREQS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High-group (column) frequencies, Hz.
pub const HIGH_FREQS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// The keypad, row by row: digit index `4·row + column`.
const KEYPAD: [char; 16] = [
    '1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D',
];

/// One of the 16 DTMF digits: `0`–`9`, `*`, `#`, `A`–`D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digit(u8);

impl Digit {
    /// All 16 digits in keypad order (row by row).
    pub const ALL: [Self; 16] = {
        let mut all = [Self(0); 16];
        let mut i = 0;
        while i < 16 {
            all[i] = Self(i as u8);
            i += 1;
        }
        all
    };

    /// The digit for a character (`a`–`d` are accepted as `A`–`D`); `None` for anything else.
    #[must_use]
    pub fn from_char(c: char) -> Option<Self> {
        let c = c.to_ascii_uppercase();
        KEYPAD.iter().position(|&k| k == c).map(|i| Self(i as u8))
    }

    /// The digit from its row (low group, 0–3) and column (high group, 0–3).
    #[must_use]
    pub fn from_row_col(row: usize, col: usize) -> Option<Self> {
        (row < 4 && col < 4).then(|| Self((row * 4 + col) as u8))
    }

    /// The digit's character: `0`–`9`, `*`, `#` or `A`–`D`.
    #[must_use]
    pub fn as_char(self) -> char {
        KEYPAD[usize::from(self.0)]
    }

    /// Row (index into [`LOW_FREQS`]).
    #[must_use]
    pub fn row(self) -> usize {
        usize::from(self.0 / 4)
    }

    /// Column (index into [`HIGH_FREQS`]).
    #[must_use]
    pub fn col(self) -> usize {
        usize::from(self.0 % 4)
    }

    /// The nominal (low, high) frequencies in Hz.
    #[must_use]
    pub fn freqs(self) -> (f32, f32) {
        (LOW_FREQS[self.row()], HIGH_FREQS[self.col()])
    }
}

impl core::fmt::Display for Digit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// Errors from DTMF configuration and digit parsing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DtmfError {
    /// A character that is not one of `0-9 * # A-D`.
    #[error("unknown DTMF digit {0:?} (digits are 0-9, *, #, A-D)")]
    UnknownDigit(char),
    /// A generator setting out of range.
    #[error("generator: {0}")]
    Generator(&'static str),
    /// A detector setting out of range.
    #[error("detector: {0}")]
    Detector(&'static str),
}

/// Parses a digit string: every character must be a DTMF digit.
///
/// # Errors
/// [`DtmfError::UnknownDigit`] for the first character that is not one.
pub fn parse_digits(s: &str) -> impl Iterator<Item = Result<Digit, DtmfError>> + '_ {
    s.chars()
        .map(|c| Digit::from_char(c).ok_or(DtmfError::UnknownDigit(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypad_round_trips() {
        for d in Digit::ALL {
            assert_eq!(Digit::from_char(d.as_char()), Some(d));
            assert_eq!(Digit::from_row_col(d.row(), d.col()), Some(d));
        }
        assert_eq!(Digit::from_char('5').unwrap().freqs(), (770.0, 1336.0));
        assert_eq!(Digit::from_char('d').unwrap().freqs(), (941.0, 1633.0));
        assert_eq!(Digit::from_char('*').unwrap().freqs(), (941.0, 1209.0));
        assert_eq!(Digit::from_char('E'), None);
        assert_eq!(
            parse_digits("1x").collect::<Vec<_>>(),
            vec![
                Ok(Digit::from_char('1').unwrap()),
                Err(DtmfError::UnknownDigit('x'))
            ]
        );
    }
}
