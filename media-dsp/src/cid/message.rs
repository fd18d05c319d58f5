//! The data-link message (view) and its caller-ID meaning (representation).

use super::CidError;

/// Message types (first byte of a message).
pub mod types {
    /// Bellcore SDMF calling number delivery.
    pub const SDMF_CALLER_ID: u8 = 0x04;
    /// MDMF call set-up (ETSI EN 300 659-3 §5.2; Bellcore MDMF).
    pub const MDMF_CALL_SETUP: u8 = 0x80;
}

/// MDMF parameter types (ETSI EN 300 659-3 §5.3, Bellcore MDMF).
pub mod param {
    /// Date and time, `MMDDHHMM` in ASCII.
    pub const DATE_TIME: u8 = 0x01;
    /// Calling line identity (number).
    pub const NUMBER: u8 = 0x02;
    /// Reason for absence of the number: `O` unavailable, `P` private.
    pub const NUMBER_ABSENCE: u8 = 0x04;
    /// Calling party name.
    pub const NAME: u8 = 0x07;
    /// Reason for absence of the name: `O` unavailable, `P` private.
    pub const NAME_ABSENCE: u8 = 0x08;
}

/// Longest message: type, length, 255 body bytes, checksum.
pub const MAX_MESSAGE_LEN: usize = 258;
/// Longest number (MDMF limit).
pub const MAX_NUMBER_LEN: usize = 20;
/// Longest name (MDMF limit).
pub const MAX_NAME_LEN: usize = 50;
/// Room for unknown parameters (their type, length and value bytes, in order).
const MAX_UNKNOWN_LEN: usize = 255;

/// The checksum of `bytes`: two's complement of their modulo-256 sum.
#[must_use]
pub(crate) fn checksum(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b)))
}

/// A checked view of one message: type, length, body, checksum.
///
/// After [`Message::new_checked`] succeeds no accessor can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Message<T> {
    /// Wraps `buffer` without checking it; use [`Message::check_len`] before the accessors.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after checking that it holds a whole message with a good checksum.
    /// Bytes after the checksum are ignored.
    ///
    /// # Errors
    /// [`CidError::Truncated`] or [`CidError::BadChecksum`].
    pub fn new_checked(buffer: T) -> Result<Self, CidError> {
        let m = Self::new_unchecked(buffer);
        m.check_len()?;
        let computed = checksum(&m.buffer.as_ref()[..m.total_len() - 1]);
        if computed != m.checksum() {
            return Err(CidError::BadChecksum {
                found: m.checksum(),
                computed,
            });
        }
        Ok(m)
    }

    /// Checks that the buffer is long enough for the length it declares.
    ///
    /// # Errors
    /// [`CidError::Truncated`].
    pub fn check_len(&self) -> Result<(), CidError> {
        let b = self.buffer.as_ref();
        if b.len() < 3 || b.len() < 3 + usize::from(b[1]) {
            return Err(CidError::Truncated);
        }
        Ok(())
    }

    /// Message type byte.
    #[must_use]
    pub fn message_type(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// The message body (between the length byte and the checksum).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.buffer.as_ref()[2..self.total_len() - 1]
    }

    /// The checksum byte.
    #[must_use]
    pub fn checksum(&self) -> u8 {
        self.buffer.as_ref()[self.total_len() - 1]
    }

    /// Length of the whole message in bytes (type, length, body, checksum).
    #[must_use]
    pub fn total_len(&self) -> usize {
        3 + usize::from(self.buffer.as_ref()[1])
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// A fixed-capacity byte string (no allocation): numbers, names, unknown parameters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text<const N: usize> {
    // Bytes past `len` stay zero, so derived equality compares content only.
    buf: [u8; N],
    len: u8,
}

impl<const N: usize> Text<N> {
    /// An empty string.
    #[must_use]
    pub const fn empty() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    /// A copy of `bytes`, or `None` if longer than the capacity `N` (at most 255).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > N || bytes.len() > 255 {
            return None;
        }
        let mut t = Self::empty();
        t.buf[..bytes.len()].copy_from_slice(bytes);
        t.len = bytes.len() as u8;
        Some(t)
    }

    /// The bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// The bytes as text, if they are UTF-8 (caller-ID text is ASCII in practice).
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether it is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, bytes: &[u8]) -> bool {
        let l = usize::from(self.len);
        if l + bytes.len() > N.min(255) {
            return false;
        }
        self.buf[l..l + bytes.len()].copy_from_slice(bytes);
        self.len = (l + bytes.len()) as u8;
        true
    }
}

impl<const N: usize> core::fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_str() {
            Some(s) => write!(f, "{s:?}"),
            None => write!(f, "{:?}", self.as_bytes()),
        }
    }
}

/// A calling number: up to 20 of `0-9 * # +`.
pub type Number = Text<MAX_NUMBER_LEN>;
/// A calling party name: up to 50 bytes.
pub type Name = Text<MAX_NAME_LEN>;

/// Checks and copies a number.
///
/// # Errors
/// [`CidError::FieldTooLong`] or [`CidError::InvalidNumberCharacter`].
pub(crate) fn number_from(bytes: &[u8]) -> Result<Number, CidError> {
    if let Some(&c) = bytes
        .iter()
        .find(|&&c| !(c.is_ascii_digit() || c == b'*' || c == b'#' || c == b'+'))
    {
        return Err(CidError::InvalidNumberCharacter(c));
    }
    Number::from_bytes(bytes).ok_or(CidError::FieldTooLong {
        param: param::NUMBER,
        len: bytes.len(),
    })
}

impl Number {
    /// A checked number.
    ///
    /// # Errors
    /// [`CidError::FieldTooLong`] or [`CidError::InvalidNumberCharacter`].
    pub fn number(digits: &str) -> Result<Self, CidError> {
        number_from(digits.as_bytes())
    }
}

impl Name {
    /// A checked name.
    ///
    /// # Errors
    /// [`CidError::FieldTooLong`].
    pub fn name(name: &str) -> Result<Self, CidError> {
        Self::from_bytes(name.as_bytes()).ok_or(CidError::FieldTooLong {
            param: param::NAME,
            len: name.len(),
        })
    }
}

/// Month, day, hour and minute of the call (no year is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
}

impl DateTime {
    /// A checked date/time.
    ///
    /// # Errors
    /// [`CidError::InvalidDateTime`] when a field is out of range.
    pub fn new(month: u8, day: u8, hour: u8, minute: u8) -> Result<Self, CidError> {
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
            return Err(CidError::InvalidDateTime);
        }
        Ok(Self {
            month,
            day,
            hour,
            minute,
        })
    }

    /// Parses `MMDDHHMM`.
    ///
    /// # Errors
    /// [`CidError::InvalidDateTime`].
    pub fn from_ascii(b: &[u8]) -> Result<Self, CidError> {
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return Err(CidError::InvalidDateTime);
        }
        let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
        Self::new(two(0), two(2), two(4), two(6))
    }

    /// Formats as `MMDDHHMM`.
    #[must_use]
    pub fn to_ascii(&self) -> [u8; 8] {
        let mut o = [0u8; 8];
        for (i, v) in [self.month, self.day, self.hour, self.minute]
            .into_iter()
            .enumerate()
        {
            o[2 * i] = b'0' + v / 10;
            o[2 * i + 1] = b'0' + v % 10;
        }
        o
    }
}

/// Why a number or name is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Absence {
    /// `O`: unavailable (out of area, interworking).
    Unavailable,
    /// `P`: private (presentation restricted).
    Private,
}

impl Absence {
    /// The code sent on the line.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Unavailable => b'O',
            Self::Private => b'P',
        }
    }

    /// Reads a code.
    ///
    /// # Errors
    /// [`CidError::InvalidAbsenceReason`].
    pub const fn from_code(c: u8) -> Result<Self, CidError> {
        match c {
            b'O' => Ok(Self::Unavailable),
            b'P' => Ok(Self::Private),
            other => Err(CidError::InvalidAbsenceReason(other)),
        }
    }
}

/// Single or multiple data message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// SDMF (type 0x04): date/time and number or reason, no parameter headers.
    Sdmf,
    /// MDMF (type 0x80): a list of typed parameters.
    Mdmf,
}

/// The meaning of a caller-ID message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerId {
    /// SDMF or MDMF.
    pub format: Format,
    /// Date and time of the call.
    pub date_time: Option<DateTime>,
    /// Calling number.
    pub number: Option<Number>,
    /// Why the number is absent.
    pub number_absence: Option<Absence>,
    /// Calling party name (MDMF only).
    pub name: Option<Name>,
    /// Why the name is absent (MDMF only).
    pub name_absence: Option<Absence>,
    /// Parameters of other types, kept verbatim (type, length, value), in order.
    unknown: Text<MAX_UNKNOWN_LEN>,
}

impl CallerId {
    /// An empty MDMF message (add fields by assignment).
    #[must_use]
    pub const fn mdmf() -> Self {
        Self {
            format: Format::Mdmf,
            date_time: None,
            number: None,
            number_absence: None,
            name: None,
            name_absence: None,
            unknown: Text::empty(),
        }
    }

    /// An empty SDMF message (needs a date/time and a number or reason before `emit`).
    #[must_use]
    pub const fn sdmf() -> Self {
        let mut c = Self::mdmf();
        c.format = Format::Sdmf;
        c
    }

    /// Parameters of unknown type, in the order received: `(type, value)`.
    pub fn unknown_params(&self) -> impl Iterator<Item = (u8, &[u8])> + '_ {
        let mut rest = self.unknown.as_bytes();
        core::iter::from_fn(move || {
            let (&t, r) = rest.split_first()?;
            let (&l, r) = r.split_first()?;
            let (v, r) = r.split_at_checked(usize::from(l))?;
            rest = r;
            Some((t, v))
        })
    }

    /// Adds a parameter of another type, to be emitted after the known ones (MDMF only).
    ///
    /// # Errors
    /// [`CidError::FieldTooLong`] when the unknown parameters exceed 255 bytes in all.
    pub fn push_unknown(&mut self, param_type: u8, value: &[u8]) -> Result<(), CidError> {
        let too_long = CidError::FieldTooLong {
            param: param_type,
            len: value.len(),
        };
        let len = u8::try_from(value.len()).map_err(|_| too_long)?;
        if self.unknown.len() + 2 + value.len() > MAX_UNKNOWN_LEN {
            return Err(too_long);
        }
        let ok = self.unknown.push(&[param_type, len]) && self.unknown.push(value);
        debug_assert!(ok);
        Ok(())
    }

    /// Reads the meaning of a checked message.
    ///
    /// # Errors
    /// [`CidError::UnknownMessageType`] for other message types, and one variant for each
    /// field that breaks its rule.
    pub fn parse<T: AsRef<[u8]>>(message: &Message<T>) -> Result<Self, CidError> {
        match message.message_type() {
            types::SDMF_CALLER_ID => Self::parse_sdmf(message.body()),
            types::MDMF_CALL_SETUP => Self::parse_mdmf(message.body()),
            other => Err(CidError::UnknownMessageType(other)),
        }
    }

    fn parse_sdmf(body: &[u8]) -> Result<Self, CidError> {
        let mut c = Self::sdmf();
        let (date, rest) = body.split_at_checked(8).ok_or(CidError::IncompleteSdmf)?;
        if rest.is_empty() {
            return Err(CidError::IncompleteSdmf);
        }
        c.date_time = Some(DateTime::from_ascii(date)?);
        match rest {
            [b'O'] | [b'P'] => c.number_absence = Some(Absence::from_code(rest[0])?),
            _ => c.number = Some(number_from(rest)?),
        }
        Ok(c)
    }

    fn parse_mdmf(body: &[u8]) -> Result<Self, CidError> {
        let mut c = Self::mdmf();
        let mut rest = body;
        while let Some((&t, r)) = rest.split_first() {
            let (&l, r) = r.split_first().ok_or(CidError::Truncated)?;
            let (v, r) = r
                .split_at_checked(usize::from(l))
                .ok_or(CidError::Truncated)?;
            rest = r;
            let bad_len = CidError::BadParameterLength {
                param: t,
                len: v.len(),
            };
            let reason = |v: &[u8]| match v {
                [code] => Absence::from_code(*code),
                _ => Err(bad_len),
            };
            let dup = CidError::DuplicateParameter(t);
            match t {
                param::DATE_TIME => {
                    if v.len() != 8 {
                        return Err(bad_len);
                    }
                    set_once(&mut c.date_time, DateTime::from_ascii(v)?, dup)?;
                }
                param::NUMBER => set_once(&mut c.number, number_from(v)?, dup)?,
                param::NUMBER_ABSENCE => set_once(&mut c.number_absence, reason(v)?, dup)?,
                param::NAME => {
                    let name = Name::from_bytes(v).ok_or(CidError::FieldTooLong {
                        param: t,
                        len: v.len(),
                    })?;
                    set_once(&mut c.name, name, dup)?;
                }
                param::NAME_ABSENCE => set_once(&mut c.name_absence, reason(v)?, dup)?,
                _ => c.push_unknown(t, v)?,
            }
        }
        Ok(c)
    }

    /// Length of the emitted message (type, length, body, checksum).
    ///
    /// # Errors
    /// As [`CallerId::emit`], except for the output buffer size.
    pub fn message_len(&self) -> Result<usize, CidError> {
        let body = match self.format {
            Format::Sdmf => {
                self.sdmf_check()?;
                8 + self.number.map_or(1, |n| n.len())
            }
            Format::Mdmf => {
                let tlv = |present: bool, len: usize| if present { 2 + len } else { 0 };
                tlv(self.date_time.is_some(), 8)
                    + self.number.map_or(0, |n| 2 + n.len())
                    + tlv(self.number_absence.is_some(), 1)
                    + self.name.map_or(0, |n| 2 + n.len())
                    + tlv(self.name_absence.is_some(), 1)
                    + self.unknown.len()
            }
        };
        if body > 255 {
            return Err(CidError::BufferTooSmall(body + 3));
        }
        Ok(body + 3)
    }

    fn sdmf_check(&self) -> Result<(), CidError> {
        let one_of = self.number.is_some() != self.number_absence.is_some();
        let extra = self.name.is_some() || self.name_absence.is_some() || !self.unknown.is_empty();
        if self.date_time.is_none() || !one_of || extra {
            return Err(CidError::IncompleteSdmf);
        }
        Ok(())
    }

    /// Writes the message (type, length, body, checksum) into `buf`; returns its length.
    /// MDMF parameters go out in type order, then the unknown ones as received.
    ///
    /// # Errors
    /// [`CidError::BufferTooSmall`] when `buf` (or the length byte) is too small;
    /// [`CidError::IncompleteSdmf`] for SDMF without a date/time and exactly one of number
    /// and reason, or with MDMF-only fields.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, CidError> {
        let total = self.message_len()?;
        if buf.len() < total {
            return Err(CidError::BufferTooSmall(total));
        }
        let mut w = Writer { buf, pos: 2 };
        match self.format {
            Format::Sdmf => {
                w.buf[0] = types::SDMF_CALLER_ID;
                if let Some(d) = self.date_time {
                    w.put(&d.to_ascii());
                }
                match (self.number, self.number_absence) {
                    (Some(n), _) => w.put(n.as_bytes()),
                    (None, Some(a)) => w.put(&[a.code()]),
                    (None, None) => {}
                }
            }
            Format::Mdmf => {
                w.buf[0] = types::MDMF_CALL_SETUP;
                if let Some(d) = self.date_time {
                    w.tlv(param::DATE_TIME, &d.to_ascii());
                }
                if let Some(n) = self.number {
                    w.tlv(param::NUMBER, n.as_bytes());
                }
                if let Some(a) = self.number_absence {
                    w.tlv(param::NUMBER_ABSENCE, &[a.code()]);
                }
                if let Some(n) = self.name {
                    w.tlv(param::NAME, n.as_bytes());
                }
                if let Some(a) = self.name_absence {
                    w.tlv(param::NAME_ABSENCE, &[a.code()]);
                }
                w.put(self.unknown.as_bytes());
            }
        }
        let end = w.pos;
        debug_assert_eq!(end + 1, total);
        buf[1] = (end - 2) as u8;
        buf[end] = checksum(&buf[..end]);
        Ok(end + 1)
    }
}

fn set_once<V>(slot: &mut Option<V>, v: V, dup: CidError) -> Result<(), CidError> {
    if slot.is_some() {
        return Err(dup);
    }
    *slot = Some(v);
    Ok(())
}

struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, b: &[u8]) {
        self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
        self.pos += b.len();
    }

    fn tlv(&mut self, t: u8, v: &[u8]) {
        self.put(&[t, v.len() as u8]);
        self.put(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SDMF message built byte by byte: March 1st 12:30, number 6175551212.
    #[test]
    fn sdmf_known_bytes() {
        let mut m = [0u8; 32];
        m[0] = 0x04;
        m[1] = 18;
        m[2..20].copy_from_slice(b"030112306175551212");
        let sum: u32 = m[..20].iter().map(|&b| u32::from(b)).sum();
        m[20] = 0u8.wrapping_sub(sum as u8);
        let msg = Message::new_checked(&m[..21]).expect("valid");
        let c = CallerId::parse(&msg).expect("parse");
        assert_eq!(c.format, Format::Sdmf);
        assert_eq!(c.date_time, Some(DateTime::new(3, 1, 12, 30).expect("dt")));
        assert_eq!(c.number.expect("number").as_bytes(), b"6175551212");
        let mut out = [0u8; 64];
        let n = c.emit(&mut out).expect("emit");
        assert_eq!(&out[..n], &m[..21]);
    }

    /// The SDMF example printed in Bellcore's CND documentation and reproduced in many
    /// caller-ID write-ups: September 30, 12:24, number 609-555-1212, checksum 0x51.
    #[test]
    fn bellcore_sdmf_example() {
        let bytes = [
            0x04, 0x12, 0x30, 0x39, 0x33, 0x30, 0x31, 0x32, 0x32, 0x34, 0x36, 0x30, 0x39, 0x35,
            0x35, 0x35, 0x31, 0x32, 0x31, 0x32, 0x51,
        ];
        let c = CallerId::parse(&Message::new_checked(&bytes[..]).expect("checksum 0x51"))
            .expect("parse");
        assert_eq!(c.date_time, Some(DateTime::new(9, 30, 12, 24).expect("dt")));
        assert_eq!(c.number.expect("number").as_bytes(), b"6095551212");
        let mut out = [0u8; 32];
        assert_eq!(c.emit(&mut out), Ok(bytes.len()));
        assert_eq!(out[..bytes.len()], bytes);
    }

    #[test]
    fn checksum_makes_sum_zero() {
        let mut c = CallerId::mdmf();
        c.number = Some(Number::number("0123456789").expect("n"));
        c.name_absence = Some(Absence::Private);
        let mut out = [0u8; 64];
        let n = c.emit(&mut out).expect("emit");
        assert_eq!(out[..n].iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        out[3] ^= 1;
        assert!(matches!(
            Message::new_checked(&out[..n]),
            Err(CidError::BadChecksum { .. })
        ));
    }

    #[test]
    fn limits_are_typed_errors() {
        assert_eq!(
            Number::number("123456789012345678901"),
            Err(CidError::FieldTooLong {
                param: param::NUMBER,
                len: 21
            })
        );
        assert_eq!(
            Number::number("12a"),
            Err(CidError::InvalidNumberCharacter(b'a'))
        );
        assert!(Name::name(&"x".repeat(51)).is_err());
        assert_eq!(
            DateTime::from_ascii(b"13011200"),
            Err(CidError::InvalidDateTime)
        );
        assert_eq!(
            Message::new_checked(&[0x80u8, 5, 1][..]),
            Err(CidError::Truncated)
        );
        // MDMF parameter running past the body.
        let mut m = [0x80u8, 2, 0x02, 5, 0];
        m[4] = checksum(&m[..4]);
        let msg = Message::new_checked(&m[..]).expect("checksum ok");
        assert_eq!(CallerId::parse(&msg), Err(CidError::Truncated));
        let mut m = [0x82u8, 0, 0];
        m[2] = checksum(&m[..2]);
        let msg = Message::new_checked(&m[..]).expect("checksum ok");
        assert_eq!(
            CallerId::parse(&msg),
            Err(CidError::UnknownMessageType(0x82))
        );
    }

    #[test]
    fn unknown_parameters_are_preserved() {
        let mut c = CallerId::mdmf();
        c.push_unknown(0x11, &[1, 2, 3]).expect("fits");
        c.push_unknown(0x03, b"555").expect("fits");
        let mut out = [0u8; 64];
        let n = c.emit(&mut out).expect("emit");
        let back = CallerId::parse(&Message::new_checked(&out[..n]).expect("ok")).expect("parse");
        assert_eq!(back, c);
        let params: Vec<_> = back.unknown_params().collect();
        assert_eq!(params, [(0x11, &[1u8, 2, 3][..]), (0x03, &b"555"[..])]);
    }
}
