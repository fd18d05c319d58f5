//! DTMF CLIP (ETSI EN 300 659-1 Annex B): the caller ID as a DTMF digit string.
//!
//! Two framings are in use. The ETSI one (Denmark, the Netherlands, Brazil, ...) starts
//! each field with a letter and ends the whole string with `C`: `A` calling number,
//! `D` diverting (redirecting) number, `B` a two-digit reason for absence (`00` number
//! unavailable, `10` presentation restricted, i.e. private). The other (Sweden, Finland,
//! ...) sends one field ended by `#`: `A<number>#`, or `D1#` private, `D2#` international
//! (number unavailable from abroad), `D3#` unavailable.
//!
//! Sources disagree on the meaning of the two `B` codes (spandsp's header says `00`
//! private and `10` unavailable; other implementations say the opposite). We follow the
//! reading of Annex B used by deployed equipment: `00` unavailable, `10` restricted.

use super::{CidError, Number, message::number_from};

/// Which digit-string framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfClipFormat {
    /// Fields start with `A`/`B`/`D`, the string ends with `C` (ETSI Annex B).
    CTerminated,
    /// One field, `A<number>#` or `D<reason>#`.
    HashTerminated,
}

/// Why the number is absent, in DTMF CLIP terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfClipAbsence {
    /// Not available (`B00` / `D3`).
    Unavailable,
    /// Presentation restricted (`B10` / `D1`).
    Private,
    /// International call, number not passed on (`D2`; sent as `B00` in the C framing).
    International,
}

/// A DTMF CLIP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfClip {
    /// Digit-string framing.
    pub format: DtmfClipFormat,
    /// Calling number (digits only).
    pub number: Option<Number>,
    /// Diverting number (C framing only).
    pub redirect: Option<Number>,
    /// Why the number is absent.
    pub absence: Option<DtmfClipAbsence>,
}

/// Longest digit string: `A` + 20 + `D` + 20 + `B` + 2 + `C`.
pub const MAX_DTMF_CLIP_LEN: usize = 46;

fn digits_only(b: &[u8]) -> Result<Number, CidError> {
    if let Some(&c) = b.iter().find(|c| !c.is_ascii_digit()) {
        return Err(CidError::InvalidNumberCharacter(c));
    }
    number_from(b)
}

impl DtmfClip {
    /// A C-terminated message carrying `number`.
    #[must_use]
    pub fn with_number(number: Number) -> Self {
        Self {
            format: DtmfClipFormat::CTerminated,
            number: Some(number),
            redirect: None,
            absence: None,
        }
    }

    /// Writes the digit string (ASCII `0-9 A-D #`) into `out`; returns its length.
    ///
    /// # Errors
    /// [`CidError::InvalidNumberCharacter`] for a number with other than digits;
    /// [`CidError::MalformedDtmf`] when there is nothing to send or the hash framing is
    /// asked for more than one field; [`CidError::BufferTooSmall`].
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, CidError> {
        let mut tmp = [0u8; MAX_DTMF_CLIP_LEN];
        let mut n = 0;
        let mut put = |b: &[u8]| {
            tmp[n..n + b.len()].copy_from_slice(b);
            n += b.len();
        };
        for num in [self.number, self.redirect].into_iter().flatten() {
            digits_only(num.as_bytes())?;
        }
        match self.format {
            DtmfClipFormat::CTerminated => {
                if self.number.is_none() && self.redirect.is_none() && self.absence.is_none() {
                    return Err(CidError::MalformedDtmf);
                }
                if let Some(num) = self.number {
                    put(b"A");
                    put(num.as_bytes());
                }
                if let Some(num) = self.redirect {
                    put(b"D");
                    put(num.as_bytes());
                }
                if let Some(a) = self.absence {
                    put(match a {
                        DtmfClipAbsence::Private => b"B10",
                        _ => b"B00",
                    });
                }
                put(b"C");
            }
            DtmfClipFormat::HashTerminated => match (self.number, self.redirect, self.absence) {
                (Some(num), None, None) => {
                    put(b"A");
                    put(num.as_bytes());
                    put(b"#");
                }
                (None, None, Some(a)) => put(match a {
                    DtmfClipAbsence::Private => b"D1#",
                    DtmfClipAbsence::International => b"D2#",
                    DtmfClipAbsence::Unavailable => b"D3#",
                }),
                _ => return Err(CidError::MalformedDtmf),
            },
        }
        let dst = out.get_mut(..n).ok_or(CidError::BufferTooSmall(n))?;
        dst.copy_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// Reads a digit string in either framing (upper- or lower-case letters).
    ///
    /// # Errors
    /// [`CidError::MalformedDtmf`] for a string that is not Annex B framing,
    /// [`CidError::DuplicateParameter`] for a repeated field (its letter),
    /// [`CidError::InvalidNumberCharacter`] / [`CidError::FieldTooLong`] for a bad number,
    /// [`CidError::InvalidAbsenceReason`] for an unknown reason code.
    pub fn decode(digits: &[u8]) -> Result<Self, CidError> {
        let mut buf = [0u8; MAX_DTMF_CLIP_LEN];
        let s = buf.get_mut(..digits.len()).ok_or(CidError::MalformedDtmf)?;
        s.copy_from_slice(digits);
        s.make_ascii_uppercase();
        let (&end, body) = s.split_last().ok_or(CidError::MalformedDtmf)?;
        let mut clip = Self {
            format: DtmfClipFormat::CTerminated,
            number: None,
            redirect: None,
            absence: None,
        };
        match end {
            b'C' => {
                let mut rest = body;
                if rest.is_empty() {
                    return Err(CidError::MalformedDtmf);
                }
                while let Some((&code, r)) = rest.split_first() {
                    let field_len = r
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .unwrap_or(r.len());
                    let (value, r) = r.split_at(field_len);
                    rest = r;
                    let dup = CidError::DuplicateParameter(code);
                    match code {
                        b'A' => set_once(&mut clip.number, digits_only(value)?, dup)?,
                        b'D' => set_once(&mut clip.redirect, digits_only(value)?, dup)?,
                        b'B' => {
                            let a = match value {
                                b"00" => DtmfClipAbsence::Unavailable,
                                b"10" => DtmfClipAbsence::Private,
                                [c, ..] => return Err(CidError::InvalidAbsenceReason(*c)),
                                [] => return Err(CidError::MalformedDtmf),
                            };
                            set_once(&mut clip.absence, a, dup)?;
                        }
                        _ => return Err(CidError::MalformedDtmf),
                    }
                }
            }
            b'#' => {
                clip.format = DtmfClipFormat::HashTerminated;
                let (&code, value) = body.split_first().ok_or(CidError::MalformedDtmf)?;
                match (code, value) {
                    (b'A', v) => clip.number = Some(digits_only(v)?),
                    (b'D', [b'1']) => clip.absence = Some(DtmfClipAbsence::Private),
                    (b'D', [b'2']) => clip.absence = Some(DtmfClipAbsence::International),
                    (b'D', [b'3']) => clip.absence = Some(DtmfClipAbsence::Unavailable),
                    (b'D', [c, ..]) => return Err(CidError::InvalidAbsenceReason(*c)),
                    _ => return Err(CidError::MalformedDtmf),
                }
            }
            _ => return Err(CidError::MalformedDtmf),
        }
        Ok(clip)
    }
}

fn set_once<V>(slot: &mut Option<V>, v: V, dup: CidError) -> Result<(), CidError> {
    if slot.is_some() {
        return Err(dup);
    }
    *slot = Some(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(c: &DtmfClip) -> String {
        let mut out = [0u8; MAX_DTMF_CLIP_LEN];
        let n = c.encode(&mut out).expect("encode");
        String::from_utf8(out[..n].to_vec()).expect("ascii")
    }

    #[test]
    fn annex_b_strings() {
        let n = Number::number("12345678").expect("n");
        let mut c = DtmfClip::with_number(n);
        assert_eq!(enc(&c), "A12345678C");
        c.redirect = Some(Number::number("87654321").expect("n"));
        assert_eq!(enc(&c), "A12345678D87654321C");
        assert_eq!(DtmfClip::decode(b"A12345678D87654321C"), Ok(c));
        let private = DtmfClip::decode(b"B10C").expect("decode");
        assert_eq!(private.absence, Some(DtmfClipAbsence::Private));
        assert_eq!(
            DtmfClip::decode(b"B00C").expect("decode").absence,
            Some(DtmfClipAbsence::Unavailable)
        );
        let h = DtmfClip::decode(b"A5551234#").expect("decode");
        assert_eq!(h.format, DtmfClipFormat::HashTerminated);
        assert_eq!(enc(&h), "A5551234#");
        assert_eq!(
            DtmfClip::decode(b"D1#").expect("d").absence,
            Some(DtmfClipAbsence::Private)
        );
    }

    #[test]
    fn malformed_strings_are_rejected() {
        for bad in [
            &b""[..],
            b"C",
            b"#",
            b"A123",
            b"X12C",
            b"A12A34C",
            b"B7C",
            b"D9#",
            b"A1*2C",
        ] {
            assert!(DtmfClip::decode(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            DtmfClip::decode(b"A12A34C"),
            Err(CidError::DuplicateParameter(b'A'))
        );
    }
}
