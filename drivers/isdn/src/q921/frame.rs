//! LAPD frame codec (Q.921 §2 frame structure, §3 elements of procedure, modulo 128).
//!
//! [`Frame`] is a checked view over the octets of one frame (address, control, information;
//! the FCS is already removed by the HDLC layer). [`FrameRepr`] is its meaning, with
//! [`FrameRepr::parse`] and [`FrameRepr::emit`]. Neither panics on any input.
//!
//! * Address field (§3.2, Figure 5): octet 1 = SAPI (6 bits), C/R, EA = 0; octet 2 = TEI
//!   (7 bits), EA = 1.
//! * Control field (§3.4, Table 4/Table 5, modulo 128): I format is two octets
//!   (`N(S) 0`, `N(R) P`); S format is two octets (`0000 SS 01`, `N(R) P/F`); U format is one
//!   octet (`MMM P/F MM 11`).
//! * Information field (§3.5): at most N201 = 260 octets for SAPI 0 (§5.9.3); only I, UI,
//!   FRMR and XID frames may carry one (§3.6, §5.8.5).

use core::fmt;

/// N201: the maximum number of octets in an information field (Q.921 §5.9.3).
pub const N201: usize = 260;

/// Length of the address field (Q.921 §3.2).
pub const ADDRESS_LEN: usize = 2;

/// Why octets are not a valid LAPD frame. Each variant names the rule broken; the
/// MDL-ERROR code of Q.921 Appendix II Table II.1 is given by [`ParseError::mdl_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer octets than an address and a control field (Q.921 §2.9 invalid frame).
    #[error("frame too short: {len} octets")]
    TooShort {
        /// Octets received.
        len: usize,
    },
    /// The address extension bits are not `0` then `1` (Q.921 §3.2, §2.9 invalid frame).
    #[error("address field EA bits invalid")]
    BadAddressExtension,
    /// The control field encodes no frame type defined in Q.921 Table 5 (MDL-ERROR L).
    #[error("undefined control field {control:#04x}")]
    UndefinedControl {
        /// The first control octet.
        control: u8,
    },
    /// A frame type that carries no information field arrived with one (MDL-ERROR M).
    #[error("information field not permitted in this frame type")]
    InfoNotPermitted,
    /// An S frame with a length other than 4 octets (MDL-ERROR N).
    #[error("incorrect length for a supervisory frame: {len} octets")]
    BadSupervisoryLength {
        /// Octets received.
        len: usize,
    },
    /// An information field longer than N201 (MDL-ERROR O).
    #[error("information field of {len} octets exceeds N201")]
    InfoTooLong {
        /// Octets in the information field.
        len: usize,
    },
}

impl ParseError {
    /// The MDL-ERROR indication code (Q.921 Table II.1) for this error, if it has one.
    #[must_use]
    pub fn mdl_error(self) -> Option<super::MdlError> {
        use super::MdlError;
        match self {
            Self::TooShort { .. } | Self::BadAddressExtension => None,
            Self::UndefinedControl { .. } => Some(MdlError::L),
            Self::InfoNotPermitted => Some(MdlError::M),
            Self::BadSupervisoryLength { .. } => Some(MdlError::N),
            Self::InfoTooLong { .. } => Some(MdlError::O),
        }
    }
}

/// Why a frame could not be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The caller's buffer is shorter than [`FrameRepr::buffer_len`].
    #[error("buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Octets needed.
        need: usize,
        /// Octets available.
        have: usize,
    },
    /// A field is out of range: SAPI > 63, TEI > 127, N(S)/N(R) > 127, or an information
    /// field on a frame type that cannot carry one, or longer than N201.
    #[error("field out of range")]
    FieldOutOfRange,
}

/// The control field of a frame, modulo 128 (Q.921 §3.4, Table 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// Information transfer (I format): send sequence number, receive sequence number, poll.
    I {
        /// N(S), 0..=127.
        ns: u8,
        /// N(R), 0..=127.
        nr: u8,
        /// The P bit.
        p: bool,
    },
    /// Receive ready (S format).
    Rr {
        /// N(R), 0..=127.
        nr: u8,
        /// The P bit (command) or F bit (response).
        pf: bool,
    },
    /// Receive not ready (S format).
    Rnr {
        /// N(R), 0..=127.
        nr: u8,
        /// The P/F bit.
        pf: bool,
    },
    /// Reject (S format).
    Rej {
        /// N(R), 0..=127.
        nr: u8,
        /// The P/F bit.
        pf: bool,
    },
    /// Set asynchronous balanced mode extended (U format, command).
    Sabme {
        /// The P bit.
        p: bool,
    },
    /// Disconnected mode (U format, response).
    Dm {
        /// The F bit.
        f: bool,
    },
    /// Unnumbered information (U format, command).
    Ui {
        /// The P bit.
        p: bool,
    },
    /// Disconnect (U format, command).
    Disc {
        /// The P bit.
        p: bool,
    },
    /// Unnumbered acknowledgement (U format, response).
    Ua {
        /// The F bit.
        f: bool,
    },
    /// Frame reject (U format, response).
    Frmr {
        /// The F bit.
        f: bool,
    },
    /// Exchange identification (U format, command or response).
    Xid {
        /// The P/F bit.
        pf: bool,
    },
}

const U_SABME: u8 = 0x6F;
const U_DM: u8 = 0x0F;
const U_UI: u8 = 0x03;
const U_DISC: u8 = 0x43;
const U_UA: u8 = 0x63;
const U_FRMR: u8 = 0x87;
const U_XID: u8 = 0xAF;
const PF_U: u8 = 0x10;

impl Control {
    /// Length of the control field in octets: 2 for I and S formats, 1 for U format.
    #[must_use]
    pub const fn octets(&self) -> usize {
        match self {
            Self::I { .. } | Self::Rr { .. } | Self::Rnr { .. } | Self::Rej { .. } => 2,
            _ => 1,
        }
    }

    /// Whether this frame type may carry an information field (Q.921 §3.6).
    #[must_use]
    pub const fn allows_info(&self) -> bool {
        matches!(
            self,
            Self::I { .. } | Self::Ui { .. } | Self::Frmr { .. } | Self::Xid { .. }
        )
    }

    /// The P or F bit, whichever this frame carries.
    #[must_use]
    pub const fn pf(&self) -> bool {
        match *self {
            Self::I { p, .. } | Self::Sabme { p } | Self::Ui { p } | Self::Disc { p } => p,
            Self::Rr { pf, .. }
            | Self::Rnr { pf, .. }
            | Self::Rej { pf, .. }
            | Self::Xid { pf } => pf,
            Self::Dm { f } | Self::Ua { f } | Self::Frmr { f } => f,
        }
    }

    /// Decodes a control field from the octets after the address (Q.921 Table 5).
    ///
    /// # Errors
    /// [`ParseError::TooShort`] when an I or S frame lacks its second octet,
    /// [`ParseError::UndefinedControl`] for an undefined encoding.
    pub fn parse(octets: &[u8]) -> Result<Self, ParseError> {
        let Some(&c0) = octets.first() else {
            return Err(ParseError::TooShort { len: ADDRESS_LEN });
        };
        if c0 & 0x01 == 0 || c0 & 0x03 == 0x01 {
            let Some(&c1) = octets.get(1) else {
                return Err(ParseError::TooShort {
                    len: ADDRESS_LEN + 1,
                });
            };
            let nr = c1 >> 1;
            let pf = c1 & 1 != 0;
            if c0 & 0x01 == 0 {
                return Ok(Self::I {
                    ns: c0 >> 1,
                    nr,
                    p: pf,
                });
            }
            return match c0 {
                0x01 => Ok(Self::Rr { nr, pf }),
                0x05 => Ok(Self::Rnr { nr, pf }),
                0x09 => Ok(Self::Rej { nr, pf }),
                _ => Err(ParseError::UndefinedControl { control: c0 }),
            };
        }
        let pf = c0 & PF_U != 0;
        match c0 & !PF_U {
            U_SABME => Ok(Self::Sabme { p: pf }),
            U_DM => Ok(Self::Dm { f: pf }),
            U_UI => Ok(Self::Ui { p: pf }),
            U_DISC => Ok(Self::Disc { p: pf }),
            U_UA => Ok(Self::Ua { f: pf }),
            U_FRMR => Ok(Self::Frmr { f: pf }),
            U_XID => Ok(Self::Xid { pf }),
            _ => Err(ParseError::UndefinedControl { control: c0 }),
        }
    }

    /// Encodes the control field into `out` (at least [`Control::octets`] octets).
    fn emit(&self, out: &mut [u8]) -> Result<(), EmitError> {
        let seq_ok = |n: u8| {
            if n < 128 {
                Ok(n)
            } else {
                Err(EmitError::FieldOutOfRange)
            }
        };
        let u = |code: u8, pf: bool| code | if pf { PF_U } else { 0 };
        let (c0, c1) = match *self {
            Self::I { ns, nr, p } => (seq_ok(ns)? << 1, Some(seq_ok(nr)? << 1 | u8::from(p))),
            Self::Rr { nr, pf } => (0x01, Some(seq_ok(nr)? << 1 | u8::from(pf))),
            Self::Rnr { nr, pf } => (0x05, Some(seq_ok(nr)? << 1 | u8::from(pf))),
            Self::Rej { nr, pf } => (0x09, Some(seq_ok(nr)? << 1 | u8::from(pf))),
            Self::Sabme { p } => (u(U_SABME, p), None),
            Self::Dm { f } => (u(U_DM, f), None),
            Self::Ui { p } => (u(U_UI, p), None),
            Self::Disc { p } => (u(U_DISC, p), None),
            Self::Ua { f } => (u(U_UA, f), None),
            Self::Frmr { f } => (u(U_FRMR, f), None),
            Self::Xid { pf } => (u(U_XID, pf), None),
        };
        let Some(first) = out.first_mut() else {
            return Err(EmitError::BufferTooSmall { need: 1, have: 0 });
        };
        *first = c0;
        if let Some(c1) = c1 {
            let have = out.len();
            let Some(second) = out.get_mut(1) else {
                return Err(EmitError::BufferTooSmall { need: 2, have });
            };
            *second = c1;
        }
        Ok(())
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pf = |b: bool| u8::from(b);
        match *self {
            Self::I { ns, nr, p } => write!(f, "I N(S)={ns} N(R)={nr} P={}", pf(p)),
            Self::Rr { nr, pf: b } => write!(f, "RR N(R)={nr} P/F={}", pf(b)),
            Self::Rnr { nr, pf: b } => write!(f, "RNR N(R)={nr} P/F={}", pf(b)),
            Self::Rej { nr, pf: b } => write!(f, "REJ N(R)={nr} P/F={}", pf(b)),
            Self::Sabme { p } => write!(f, "SABME P={}", pf(p)),
            Self::Dm { f: b } => write!(f, "DM F={}", pf(b)),
            Self::Ui { p } => write!(f, "UI P={}", pf(p)),
            Self::Disc { p } => write!(f, "DISC P={}", pf(p)),
            Self::Ua { f: b } => write!(f, "UA F={}", pf(b)),
            Self::Frmr { f: b } => write!(f, "FRMR F={}", pf(b)),
            Self::Xid { pf: b } => write!(f, "XID P/F={}", pf(b)),
        }
    }
}

/// A checked view over the octets of one LAPD frame (without FCS).
///
/// After [`Frame::new_checked`] succeeds no accessor panics.
#[derive(Debug, Clone, Copy)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
    control: Control,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Checks that `buffer` holds a well-formed LAPD frame and wraps it.
    ///
    /// # Errors
    /// A [`ParseError`] naming the rule the octets break (Q.921 §2.9, §5.8.5).
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        if b.len() < ADDRESS_LEN + 1 {
            return Err(ParseError::TooShort { len: b.len() });
        }
        if b[0] & 0x01 != 0 || b[1] & 0x01 != 1 {
            return Err(ParseError::BadAddressExtension);
        }
        let control = Control::parse(&b[ADDRESS_LEN..])?;
        let info_len = b.len() - ADDRESS_LEN - control.octets();
        match control {
            Control::Rr { .. } | Control::Rnr { .. } | Control::Rej { .. } if info_len != 0 => {
                return Err(ParseError::BadSupervisoryLength { len: b.len() });
            }
            c if info_len != 0 && !c.allows_info() => return Err(ParseError::InfoNotPermitted),
            _ if info_len > N201 => return Err(ParseError::InfoTooLong { len: info_len }),
            _ => {}
        }
        Ok(Self { buffer, control })
    }

    /// The service access point identifier (0 = call control, 63 = TEI management).
    #[must_use]
    pub fn sapi(&self) -> u8 {
        self.buffer.as_ref()[0] >> 2
    }

    /// The command/response bit as transmitted (its meaning depends on the sender's role,
    /// Q.921 §3.3.2 Table 1).
    #[must_use]
    pub fn cr(&self) -> bool {
        self.buffer.as_ref()[0] & 0x02 != 0
    }

    /// The terminal endpoint identifier (0 for point-to-point PRI).
    #[must_use]
    pub fn tei(&self) -> u8 {
        self.buffer.as_ref()[1] >> 1
    }

    /// The decoded control field.
    #[must_use]
    pub fn control(&self) -> Control {
        self.control
    }

    /// The information field (empty when there is none).
    #[must_use]
    pub fn info(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        b.get(ADDRESS_LEN + self.control.octets()..).unwrap_or(&[])
    }

    /// Gives back the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// The meaning of one LAPD frame: address, control and information field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRepr<'a> {
    /// SAPI, 0..=63 (Q.921 §3.3.3).
    pub sapi: u8,
    /// The C/R bit as transmitted (Q.921 §3.3.2).
    pub cr: bool,
    /// TEI, 0..=127 (Q.921 §3.3.4).
    pub tei: u8,
    /// The control field.
    pub control: Control,
    /// The information field (empty when there is none).
    pub info: &'a [u8],
}

impl<'a> FrameRepr<'a> {
    /// Parses a checked frame view.
    #[must_use]
    pub fn parse<T: AsRef<[u8]> + ?Sized>(frame: &'a Frame<&'a T>) -> Self {
        Self {
            sapi: frame.sapi(),
            cr: frame.cr(),
            tei: frame.tei(),
            control: frame.control(),
            info: frame.info(),
        }
    }

    /// Checks and parses raw frame octets in one step.
    ///
    /// # Errors
    /// As [`Frame::new_checked`].
    pub fn parse_bytes(octets: &'a [u8]) -> Result<Self, ParseError> {
        let f = Frame::new_checked(octets)?;
        Ok(Self {
            sapi: f.sapi(),
            cr: f.cr(),
            tei: f.tei(),
            control: f.control(),
            info: octets
                .get(ADDRESS_LEN + f.control().octets()..)
                .unwrap_or(&[]),
        })
    }

    /// The number of octets [`FrameRepr::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        ADDRESS_LEN + self.control.octets() + self.info.len()
    }

    /// Writes the frame into the front of `out` and returns the number of octets written.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] or [`EmitError::FieldOutOfRange`].
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        if self.sapi > 63
            || self.tei > 127
            || self.info.len() > N201
            || (!self.info.is_empty() && !self.control.allows_info())
        {
            return Err(EmitError::FieldOutOfRange);
        }
        let need = self.buffer_len();
        let have = out.len();
        let Some(out) = out.get_mut(..need) else {
            return Err(EmitError::BufferTooSmall { need, have });
        };
        out[0] = self.sapi << 2 | if self.cr { 0x02 } else { 0 };
        out[1] = self.tei << 1 | 0x01;
        let clen = self.control.octets();
        self.control
            .emit(&mut out[ADDRESS_LEN..ADDRESS_LEN + clen])?;
        out[ADDRESS_LEN + clen..].copy_from_slice(self.info);
        Ok(need)
    }

    /// Emits the frame into a new vector.
    ///
    /// # Errors
    /// [`EmitError::FieldOutOfRange`].
    pub fn to_vec(&self) -> Result<Vec<u8>, EmitError> {
        let mut v = vec![0; self.buffer_len()];
        self.emit(&mut v)?;
        Ok(v)
    }
}

impl fmt::Display for FrameRepr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SAPI={} C/R={} TEI={} {}",
            self.sapi,
            u8::from(self.cr),
            self.tei,
            self.control
        )?;
        if !self.info.is_empty() {
            write!(f, " +{} octets", self.info.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_encodings() {
        // SABME P=1 from the network side (command, C/R=1), SAPI 0, TEI 0.
        let f = FrameRepr {
            sapi: 0,
            cr: true,
            tei: 0,
            control: Control::Sabme { p: true },
            info: &[],
        };
        assert_eq!(f.to_vec().unwrap(), [0x02, 0x01, 0x7F]);
        // UA F=1 from the user side (response, C/R=1).
        let ua = FrameRepr::parse_bytes(&[0x02, 0x01, 0x73]).unwrap();
        assert_eq!(ua.control, Control::Ua { f: true });
        // RR N(R)=5 P=1.
        let rr = FrameRepr::parse_bytes(&[0x00, 0x01, 0x01, 0x0B]).unwrap();
        assert_eq!(rr.control, Control::Rr { nr: 5, pf: true });
        // I N(S)=3 N(R)=4 with payload.
        let i = FrameRepr::parse_bytes(&[0x00, 0x01, 0x06, 0x08, 0x08, 0x02]).unwrap();
        assert_eq!(
            i.control,
            Control::I {
                ns: 3,
                nr: 4,
                p: false
            }
        );
        assert_eq!(i.info, &[0x08, 0x02]);
    }

    #[test]
    fn errors_map_to_mdl_codes() {
        use super::super::MdlError;
        let e = FrameRepr::parse_bytes(&[0x00, 0x01, 0x0D, 0x00]).unwrap_err();
        assert_eq!(e.mdl_error(), Some(MdlError::L));
        let e = FrameRepr::parse_bytes(&[0x00, 0x01, 0x73, 0x00]).unwrap_err();
        assert_eq!(e.mdl_error(), Some(MdlError::M));
        let e = FrameRepr::parse_bytes(&[0x00, 0x01, 0x01, 0x00, 0x00]).unwrap_err();
        assert_eq!(e.mdl_error(), Some(MdlError::N));
        let mut long = vec![0x00, 0x01, 0x00, 0x00];
        long.resize(4 + N201 + 1, 0);
        let e = FrameRepr::parse_bytes(&long).unwrap_err();
        assert_eq!(e.mdl_error(), Some(MdlError::O));
        assert_eq!(
            FrameRepr::parse_bytes(&[0x01, 0x01, 0x73]),
            Err(ParseError::BadAddressExtension)
        );
    }
}
