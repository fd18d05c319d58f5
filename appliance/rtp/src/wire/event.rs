//! RFC 4733 telephone-event payload (§2.3, Figure 1) and the DTMF event codes (§3.2,
//! Table 3).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{EmitError, ParseError, be16};

/// Length of one event payload.
pub const EVENT_LEN: usize = 4;

/// A checked view over a telephone-event payload.
#[derive(Debug, Clone, Copy)]
pub struct EventPayload<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EventPayload<T> {
    /// Checks that `buffer` holds at least one event (extra octets, e.g. padding a
    /// sender added, are ignored as RFC 4733 §2.5.2.1 does not forbid them).
    ///
    /// # Errors
    /// [`ParseError::ShortEvent`].
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let len = buffer.as_ref().len();
        if len < EVENT_LEN {
            return Err(ParseError::ShortEvent { len });
        }
        Ok(Self { buffer })
    }

    /// The event code (0..=15 for DTMF, §3.2).
    #[must_use]
    pub fn event(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// The E bit: this packet reports the end of the event.
    #[must_use]
    pub fn end(&self) -> bool {
        self.buffer.as_ref()[1] & 0x80 != 0
    }

    /// The volume, 0..=63 (dBm0 below zero).
    #[must_use]
    pub fn volume(&self) -> u8 {
        self.buffer.as_ref()[1] & 0x3f
    }

    /// The duration so far, in timestamp units.
    #[must_use]
    pub fn duration(&self) -> u16 {
        be16(&self.buffer.as_ref()[2..])
    }
}

/// The meaning of one telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventRepr {
    /// Event code.
    pub event: u8,
    /// End bit.
    pub end: bool,
    /// Volume, 0..=63 (the power level of the tone, in -dBm0).
    pub volume: u8,
    /// Duration in timestamp units.
    pub duration: u16,
}

impl EventRepr {
    /// Reads a checked view.
    #[must_use]
    pub fn parse<T: AsRef<[u8]>>(p: &EventPayload<T>) -> Self {
        Self {
            event: p.event(),
            end: p.end(),
            volume: p.volume(),
            duration: p.duration(),
        }
    }

    /// Checks and parses in one step.
    ///
    /// # Errors
    /// As [`EventPayload::new_checked`].
    pub fn parse_bytes(octets: &[u8]) -> Result<Self, ParseError> {
        EventPayload::new_checked(octets).map(|p| Self::parse(&p))
    }

    /// Writes the 4 octets into the front of `out`.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`], or [`EmitError::FieldOutOfRange`] for a volume above 63.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        if self.volume > 63 {
            return Err(EmitError::FieldOutOfRange);
        }
        let have = out.len();
        let Some(out) = out.get_mut(..EVENT_LEN) else {
            return Err(EmitError::BufferTooSmall {
                need: EVENT_LEN,
                have,
            });
        };
        out[0] = self.event;
        out[1] = if self.end { 0x80 } else { 0 } | self.volume;
        out[2..4].copy_from_slice(&self.duration.to_be_bytes());
        Ok(EVENT_LEN)
    }
}

/// The character of a DTMF event code (RFC 4733 §3.2 Table 3: 0-9, `*`, `#`, A-D; 16 is
/// flash, shown as `!` as in SIP INFO `dtmf-relay` usage), or `None` for other events.
#[must_use]
pub fn dtmf_char(event: u8) -> Option<char> {
    Some(match event {
        0..=9 => char::from(b'0' + event),
        10 => '*',
        11 => '#',
        12..=15 => char::from(b'A' + event - 12),
        16 => '!',
        _ => return None,
    })
}

/// The event code of a DTMF character (inverse of [`dtmf_char`]; lower-case a-d accepted).
#[must_use]
pub fn dtmf_event(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '*' => 10,
        '#' => 11,
        'A'..='D' => c as u8 - b'A' + 12,
        'a'..='d' => c as u8 - b'a' + 12,
        '!' => 16,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4733_example_payload() {
        // Digit 1, end bit, volume 10, duration 800 (100 ms at 8 kHz).
        let b = [0x01, 0x8a, 0x03, 0x20];
        let e = EventRepr::parse_bytes(&b).unwrap();
        assert_eq!(
            e,
            EventRepr {
                event: 1,
                end: true,
                volume: 10,
                duration: 800
            }
        );
        let mut out = [0; 4];
        e.emit(&mut out).unwrap();
        assert_eq!(out, b);
        assert_eq!(dtmf_char(1), Some('1'));
        assert_eq!(dtmf_event('#'), Some(11));
        for ev in 0..=16 {
            assert_eq!(dtmf_event(dtmf_char(ev).unwrap()), Some(ev));
        }
    }
}
