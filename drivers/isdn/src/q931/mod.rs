//! # Q.931 messages: the layer 3 codec of the D-channel
//!
//! **What it is:** the Q.931 message layer for ISDN PRI, EuroISDN (ETSI EN 300 403-1, which
//! profiles ITU-T Q.931 (05/98)) by default, with QSIG basic call (ECMA-143 / ISO/IEC 11572)
//! as the second [`Variant`]:
//! - [`MessageView`]: a checked view over the bytes (`new_checked` verifies the header and
//!   every IE's length; no accessor panics afterwards) and an iterator over raw IEs;
//! - [`Message`]: the representation, `Message { call_ref, kind, ies }`, with
//!   [`Message::parse`] and [`Message::emit`] into a caller buffer;
//! - [`ie`]: typed IEs, each citing its clause: bearer capability (§4.5.5), call state
//!   (§4.5.7), called party number (§4.5.8), calling party number (§4.5.10), cause
//!   (§4.5.12 and Q.850), channel identification (§4.5.13, with the E1 timeslot mapping),
//!   date/time (§4.5.15), display (§4.5.16), keypad (§4.5.18), notification indicator
//!   (§4.5.22), progress indicator (§4.5.23), restart indicator (§4.5.25), sending complete
//!   (§4.5.27), shift (§4.5.3/§4.5.4), more data (§4.5.19), congestion level (§4.5.14),
//!   repeat indicator (§4.5.24), connected number (Q.951 §3.1 / EN 300 097-1), redirecting
//!   number (Q.952 §7.1.2), facility (Q.932 §8.2.3, passed through verbatim);
//! - [`cause`]: the Q.850 cause values with their names;
//! - [`validate`]: the error procedures of Q.931 §5.8 as a pure function from a received
//!   message (or bytes) to the action the standard prescribes, and the response to send.
//!
//! Message header (§4.1-§4.4): protocol discriminator 0x08 (§4.2), call reference (§4.3:
//! length octet, 0 = dummy, 1 or 2 octets, the flag in bit 8 of the first value octet,
//! value 0 = global), message type (§4.4, Table 4-2). Information elements (§4.5.1): a
//! single-octet IE has bit 8 set; a variable-length IE is identifier, length, contents.
//! Codesets (§4.5.2): shifts are kept as IEs in the list, and IEs in codesets other than 0
//! are kept verbatim, so a message with national (codeset 6), network (codeset 5, e.g.
//! ECMA-143 party category and transit counter) or user-specific (codeset 7) IEs
//! round-trips. Unknown IEs are kept verbatim too ([`ie::Ie::Other`]); a known IE with
//! invalid contents is kept as [`ie::Ie::Invalid`] so that §5.8.6.2/§5.8.7.2 can decide.
//!
//! ## Use
//! 1. Parse what Q.921 delivered: [`validate::check_bytes`] (or [`Message::parse`] then
//!    [`validate::check`]) gives the message and the §5.8 [`validate::Action`].
//! 2. On [`validate::Action::Process`] hand the message to call control; otherwise send
//!    [`validate::Action::response`], if any.
//! 3. Build messages with [`Message::new`] / [`Message::with`] and [`Message::emit`] them.
//!
//! ```
//! use isdn::q931::ie::{BearerCapability, ChannelId, Ie, NumberingPlan, PartyNumber, TypeOfNumber};
//! use isdn::q931::validate::{check_bytes, Action, Context};
//! use isdn::q931::{CallRef, CauseValue, Message, MessageType, Role, Variant};
//!
//! let setup = Message::new(CallRef::pri(1, false), MessageType::Setup)
//!     .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
//!     .with(Ie::ChannelId(ChannelId::pri_channel(1, true)))
//!     .with(Ie::CalledNumber(PartyNumber::new(TypeOfNumber::Unknown, NumberingPlan::Isdn, "5678")));
//! let mut buf = [0u8; 260];
//! let n = setup.emit(&mut buf).unwrap();
//! assert_eq!(&buf[5..10], &[0x04, 0x03, 0x80, 0x90, 0xA3]);
//!
//! // We are the user side; the call reference is new.
//! let ctx = Context { variant: Variant::EuroIsdn, role: Role::User, call_known: false };
//! let (m, action) = check_bytes(&buf[..n], &ctx);
//! assert_eq!(action, Action::Process);
//! assert_eq!(m.unwrap().called_number().unwrap().digits, "5678");
//!
//! // An ALERTING for a call we do not know: RELEASE COMPLETE, cause #81 (§5.8.3.2 a).
//! let alerting = Message::new(CallRef::pri(9, true), MessageType::Alerting).to_vec().unwrap();
//! let (_, action) = check_bytes(&alerting, &ctx);
//! let reply = action.response(CallRef::pri(9, true), Role::User, 0).unwrap();
//! assert_eq!(reply.kind, MessageType::ReleaseComplete);
//! assert_eq!(reply.cause().unwrap().value, CauseValue::INVALID_CALL_REFERENCE);
//! ```
//!
//! **What it is not (not covered):** no call control state machine (states U0-U25/N0-N25,
//! timers T301-T316, overlap sending, glare, RESTART procedures): that is
//! [`crate::call`], built on this codec. Not typed (kept verbatim as [`ie::Ie::Other`]):
//! subaddresses, low/high layer compatibility, user-user, signal, transit network
//! selection, network-specific facilities, call identity, segmented message; the contents
//! of facility (ROSE/ASN.1). Not decoded: message type escape 0x00 (national message
//! types: parsed as [`MessageType::Other`]), message segmentation (§5.8.3 of Q.931 Annex H),
//! channel identification with a multi-octet interface identifier or a channel type other
//! than B (H0/H11/H12: [`ie::IeError::Unsupported`]). Messages other than the 17 of
//! EN 300 403 basic call listed in [`MessageType`] parse as [`MessageType::Other`] (and
//! §5.8.4 answers them with cause 97).

pub mod cause;
pub mod ie;
pub mod validate;

use ie::Ie;
use thiserror::Error;

pub use cause::CauseValue;

/// Protocol discriminator of Q.931 user-network call control messages (§4.2).
pub const PROTOCOL_DISCRIMINATOR: u8 = 0x08;

/// Why bytes are not a Q.931 message (the cases §5.8.1-§5.8.3.1 say to ignore).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Shorter than protocol discriminator, call reference and message type (§5.8.1).
    #[error("message too short")]
    TooShort,
    /// Protocol discriminator other than 0x08 (§5.8.2).
    #[error("protocol discriminator {0:#04x} is not Q.931")]
    ProtocolDiscriminator(u8),
    /// Call reference length octet with bits 8-5 set or a length over 2 (§5.8.3.1).
    #[error("call reference length octet {0:#04x} invalid")]
    CallRefLength(u8),
    /// A variable-length IE whose length runs past the end of the message.
    #[error("information element {id:#04x} at offset {offset} runs past the end")]
    IeTruncated {
        /// Identifier of the truncated IE.
        id: u8,
        /// Offset of its identifier octet.
        offset: usize,
    },
}

/// Why a [`Message`] cannot be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is smaller than [`Message::buffer_len`].
    #[error("buffer too small: {need} octets needed")]
    BufferTooSmall {
        /// Octets needed.
        need: usize,
    },
    /// The call reference value does not fit its length (7 bits for 1 octet, 15 for 2).
    #[error("call reference value does not fit its length")]
    CallRefValue,
    /// An IE's contents exceed 255 octets.
    #[error("information element {0:#04x} longer than 255 octets")]
    IeTooLong(u8),
}

/// Call reference (Q.931 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallRef {
    /// Length of the value in octets: 0 (dummy), 1 (BRI) or 2 (PRI).
    pub len: u8,
    /// The value (7 bits for length 1, 15 bits for length 2). 0 with a length is global.
    pub value: u16,
    /// The call reference flag (bit 8 of the first value octet): `false` in messages sent
    /// by the side that allocated the call reference, `true` in messages sent to it.
    pub flag: bool,
}

impl CallRef {
    /// The dummy call reference (length 0), §4.3.
    pub const DUMMY: Self = Self {
        len: 0,
        value: 0,
        flag: false,
    };

    /// A 2-octet (PRI) call reference.
    #[must_use]
    pub const fn pri(value: u16, flag: bool) -> Self {
        Self {
            len: 2,
            value,
            flag,
        }
    }

    /// The 2-octet global call reference (value 0), used by RESTART (§5.5).
    #[must_use]
    pub const fn global(flag: bool) -> Self {
        Self {
            len: 2,
            value: 0,
            flag,
        }
    }

    /// Is this the dummy call reference?
    #[must_use]
    pub const fn is_dummy(self) -> bool {
        self.len == 0
    }

    /// Is this the global call reference (value 0 with a length)?
    #[must_use]
    pub const fn is_global(self) -> bool {
        self.len != 0 && self.value == 0
    }

    /// The same call reference as the other side uses it (flag inverted), for a reply.
    #[must_use]
    pub const fn reply(self) -> Self {
        Self {
            flag: !self.flag,
            ..self
        }
    }
}

macro_rules! message_types {
    ($($v:ident = $c:literal, $text:literal, $clause:literal;)*) => {
        /// Message type (Q.931 §4.4, Table 4-2; the basic call set of EN 300 403).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MessageType {
            $(
                #[doc = concat!($text, " (", $clause, ").")]
                $v,
            )*
            /// Any other message type octet (never one of the named codes).
            Other(u8),
        }
        impl MessageType {
            /// Decode the message type octet.
            #[must_use]
            pub const fn from_u8(v: u8) -> Self {
                match v {
                    $($c => Self::$v,)*
                    o => Self::Other(o),
                }
            }
            /// The message type octet.
            #[must_use]
            pub const fn to_u8(self) -> u8 {
                match self {
                    $(Self::$v => $c,)*
                    Self::Other(o) => o,
                }
            }
            /// The message name as the standard writes it, or `None` for [`Self::Other`].
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$v => Some($text),)*
                    Self::Other(_) => None,
                }
            }
        }
    };
}

message_types! {
    Alerting = 0x01, "ALERTING", "Q.931 §3.1.1";
    CallProceeding = 0x02, "CALL PROCEEDING", "Q.931 §3.1.2";
    Progress = 0x03, "PROGRESS", "Q.931 §3.1.8";
    Setup = 0x05, "SETUP", "Q.931 §3.1.14";
    Connect = 0x07, "CONNECT", "Q.931 §3.1.3";
    SetupAck = 0x0D, "SETUP ACKNOWLEDGE", "Q.931 §3.1.15";
    ConnectAck = 0x0F, "CONNECT ACKNOWLEDGE", "Q.931 §3.1.4";
    Disconnect = 0x45, "DISCONNECT", "Q.931 §3.1.5";
    Restart = 0x46, "RESTART", "Q.931 §3.1.11";
    Release = 0x4D, "RELEASE", "Q.931 §3.1.9";
    RestartAck = 0x4E, "RESTART ACKNOWLEDGE", "Q.931 §3.1.12";
    ReleaseComplete = 0x5A, "RELEASE COMPLETE", "Q.931 §3.1.10";
    Facility = 0x62, "FACILITY", "Q.932 §8.1.1";
    Notify = 0x6E, "NOTIFY", "Q.931 §3.1.7";
    StatusEnquiry = 0x75, "STATUS ENQUIRY", "Q.931 §3.1.17";
    Information = 0x7B, "INFORMATION", "Q.931 §3.1.6";
    Status = 0x7D, "STATUS", "Q.931 §3.1.16";
}

/// One raw information element as found in the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawIe<'a> {
    /// The codeset in force for this IE (§4.5.2).
    pub codeset: u8,
    /// Offset of the identifier octet in the message.
    pub offset: usize,
    /// The identifier octet (the whole octet for single-octet IEs).
    pub id: u8,
    /// The contents (after the length octet); empty for single-octet IEs.
    pub data: &'a [u8],
    /// Is this a single-octet IE?
    pub single: bool,
}

/// A checked view over the octets of a Q.931 message (§4).
#[derive(Debug, Clone, Copy)]
pub struct MessageView<T: AsRef<[u8]>> {
    buf: T,
}

impl<T: AsRef<[u8]>> MessageView<T> {
    /// Check the header (§5.8.1-§5.8.3.1) and every IE length, then wrap the buffer.
    ///
    /// # Errors
    /// [`ParseError`] says which check failed.
    pub fn new_checked(buf: T) -> Result<Self, ParseError> {
        let b = buf.as_ref();
        let (&pd, rest) = b.split_first().ok_or(ParseError::TooShort)?;
        if pd != PROTOCOL_DISCRIMINATOR {
            // A message too short to hold a header is reported as such first (§5.8.1).
            return Err(if b.len() < 3 {
                ParseError::TooShort
            } else {
                ParseError::ProtocolDiscriminator(pd)
            });
        }
        let &l = rest.first().ok_or(ParseError::TooShort)?;
        if l > 2 {
            return Err(ParseError::CallRefLength(l));
        }
        if b.len() < 3 + usize::from(l) {
            return Err(ParseError::TooShort);
        }
        let v = Self { buf };
        for ie in v.walk() {
            ie?;
        }
        Ok(v)
    }

    fn cr_len(&self) -> usize {
        usize::from(self.buf.as_ref().get(1).copied().unwrap_or(0) & 0x0F)
    }

    /// The call reference.
    #[must_use]
    pub fn call_ref(&self) -> CallRef {
        let b = self.buf.as_ref();
        let v = b.get(2..2 + self.cr_len()).unwrap_or_default();
        match *v {
            [a] => CallRef {
                len: 1,
                value: u16::from(a & 0x7F),
                flag: a & 0x80 != 0,
            },
            [a, c] => CallRef {
                len: 2,
                value: u16::from(a & 0x7F) << 8 | u16::from(c),
                flag: a & 0x80 != 0,
            },
            _ => CallRef::DUMMY,
        }
    }

    /// The message type.
    #[must_use]
    pub fn message_type(&self) -> MessageType {
        MessageType::from_u8(
            self.buf
                .as_ref()
                .get(2 + self.cr_len())
                .copied()
                .unwrap_or(0),
        )
    }

    /// The octets after the message type.
    #[must_use]
    pub fn ies_bytes(&self) -> &[u8] {
        self.buf
            .as_ref()
            .get(3 + self.cr_len()..)
            .unwrap_or_default()
    }

    /// The information elements with the codeset each is in.
    pub fn ies(&self) -> impl Iterator<Item = RawIe<'_>> {
        self.walk().map_while(Result::ok)
    }

    fn walk(&self) -> IeWalk<'_> {
        IeWalk {
            buf: self.buf.as_ref(),
            pos: 3 + self.cr_len(),
            locked: 0,
            next: None,
        }
    }

    /// The whole buffer.
    pub fn into_inner(self) -> T {
        self.buf
    }
}

struct IeWalk<'a> {
    buf: &'a [u8],
    pos: usize,
    locked: u8,
    next: Option<u8>,
}

impl<'a> Iterator for IeWalk<'a> {
    type Item = Result<RawIe<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let offset = self.pos;
        let &id = self.buf.get(offset)?;
        let codeset = self.next.take().unwrap_or(self.locked);
        if id & 0x80 != 0 {
            self.pos += 1;
            if id & 0xF0 == 0x90 {
                if id & 0x08 == 0 {
                    self.locked = id & 7;
                } else {
                    self.next = Some(id & 7);
                }
            }
            return Some(Ok(RawIe {
                codeset,
                offset,
                id,
                data: &[],
                single: true,
            }));
        }
        let truncated = ParseError::IeTruncated { id, offset };
        let Some(&len) = self.buf.get(offset + 1) else {
            self.pos = self.buf.len();
            return Some(Err(truncated));
        };
        let end = offset + 2 + usize::from(len);
        let Some(data) = self.buf.get(offset + 2..end) else {
            self.pos = self.buf.len();
            return Some(Err(truncated));
        };
        self.pos = end;
        Some(Ok(RawIe {
            codeset,
            offset,
            id,
            data,
            single: false,
        }))
    }
}

/// A Q.931 message: call reference, message type and information elements in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// The call reference.
    pub call_ref: CallRef,
    /// The message type.
    pub kind: MessageType,
    /// The information elements, in message order, shifts included.
    pub ies: Vec<Ie>,
}

impl Message {
    /// A message with no IEs.
    #[must_use]
    pub const fn new(call_ref: CallRef, kind: MessageType) -> Self {
        Self {
            call_ref,
            kind,
            ies: Vec::new(),
        }
    }

    /// Append an IE (builder style).
    #[must_use]
    pub fn with(mut self, ie: Ie) -> Self {
        self.ies.push(ie);
        self
    }

    /// The checked view over `buf` (same as [`MessageView::new_checked`]).
    ///
    /// # Errors
    /// See [`MessageView::new_checked`].
    pub fn new_checked(buf: &[u8]) -> Result<MessageView<&[u8]>, ParseError> {
        MessageView::new_checked(buf)
    }

    /// Parse a message from its octets.
    ///
    /// # Errors
    /// Only structural errors ([`ParseError`]); bad IE contents give [`Ie::Invalid`].
    pub fn parse(buf: &[u8]) -> Result<Self, ParseError> {
        Ok(Self::parse_view(&MessageView::new_checked(buf)?))
    }

    /// Build the representation from a checked view.
    #[must_use]
    pub fn parse_view<T: AsRef<[u8]>>(v: &MessageView<T>) -> Self {
        let ies = v
            .ies()
            .map(|r| {
                if r.single {
                    Ie::parse_single(r.id, r.codeset)
                } else {
                    Ie::parse_variable(r.id, r.data, r.codeset)
                }
            })
            .collect();
        Self {
            call_ref: v.call_ref(),
            kind: v.message_type(),
            ies,
        }
    }

    /// Each IE with the codeset it is in (§4.5.2), following the shifts in the list.
    pub fn ies_with_codeset(&self) -> impl Iterator<Item = (u8, &Ie)> {
        let mut locked = 0u8;
        let mut next: Option<u8> = None;
        self.ies.iter().map(move |ie| {
            let cs = next.take().unwrap_or(locked);
            if let Ie::Shift { locking, codeset } = *ie {
                if locking {
                    locked = codeset & 7;
                } else {
                    next = Some(codeset & 7);
                }
            }
            (cs, ie)
        })
    }

    /// The first codeset-0 IE for which `f` returns `Some`.
    pub fn find<'a, R>(&'a self, f: impl Fn(&'a Ie) -> Option<R>) -> Option<R> {
        self.ies_with_codeset()
            .filter(|(cs, _)| *cs == 0)
            .find_map(|(_, ie)| f(ie))
    }

    /// The cause IE, if any.
    #[must_use]
    pub fn cause(&self) -> Option<&ie::Cause> {
        self.find(|ie| if let Ie::Cause(c) = ie { Some(c) } else { None })
    }

    /// The called party number, if any.
    #[must_use]
    pub fn called_number(&self) -> Option<&ie::PartyNumber> {
        self.find(|ie| {
            if let Ie::CalledNumber(n) = ie {
                Some(n)
            } else {
                None
            }
        })
    }

    /// The channel identification, if any.
    #[must_use]
    pub fn channel_id(&self) -> Option<&ie::ChannelId> {
        self.find(|ie| {
            if let Ie::ChannelId(c) = ie {
                Some(c)
            } else {
                None
            }
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EmitError> {
        out.push(PROTOCOL_DISCRIMINATOR);
        let cr = self.call_ref;
        let flag = if cr.flag { 0x80 } else { 0 };
        match cr.len {
            0 => out.push(0),
            1 if cr.value < 0x80 => out.extend_from_slice(&[1, flag | cr.value as u8]),
            2 if cr.value < 0x8000 => {
                let [hi, lo] = cr.value.to_be_bytes();
                out.extend_from_slice(&[2, flag | hi, lo]);
            }
            _ => return Err(EmitError::CallRefValue),
        }
        out.push(self.kind.to_u8());
        for ie in &self.ies {
            let id = ie.id();
            out.push(id);
            if ie.is_single_octet() {
                continue;
            }
            let at = out.len();
            out.push(0);
            ie.emit_contents(out);
            let len = u8::try_from(out.len() - at - 1).map_err(|_| EmitError::IeTooLong(id))?;
            if let Some(l) = out.get_mut(at) {
                *l = len;
            }
        }
        Ok(())
    }

    /// The message as a new vector.
    ///
    /// # Errors
    /// [`EmitError::CallRefValue`], [`EmitError::IeTooLong`].
    pub fn to_vec(&self) -> Result<Vec<u8>, EmitError> {
        let mut v = Vec::with_capacity(64);
        self.encode(&mut v)?;
        Ok(v)
    }

    /// The number of octets [`Self::emit`] writes.
    ///
    /// # Errors
    /// As [`Self::to_vec`].
    pub fn buffer_len(&self) -> Result<usize, EmitError> {
        self.to_vec().map(|v| v.len())
    }

    /// Write the message into `buf`; returns the number of octets written.
    ///
    /// # Errors
    /// [`EmitError`] if the buffer is too small or a field does not fit.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let v = self.to_vec()?;
        let dst = buf
            .get_mut(..v.len())
            .ok_or(EmitError::BufferTooSmall { need: v.len() })?;
        dst.copy_from_slice(&v);
        Ok(v.len())
    }
}

/// The Q.931 profile used to validate messages (§5.8 mandatory IEs, recognised IEs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Variant {
    /// EuroISDN, ETSI EN 300 403-1 (the default).
    #[default]
    EuroIsdn,
    /// QSIG basic call, ECMA-143 / ISO/IEC 11572: channel identification and called party
    /// number mandatory in SETUP in both directions (so call control puts a called party
    /// number with no digits in an overlap SETUP); codeset-5 transit counter and party
    /// category recognised. Side A of the PINX pair takes [`Role::Network`], side B
    /// [`Role::User`].
    Qsig,
}

/// Which side of the interface we are (Q.931 "user" = TE/CPE, "network" = NT).
/// In QSIG the roles are the two PINX ends (ECMA-143 "side A/B"); map them onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The user side (TE, CPE).
    User,
    /// The network side (NT).
    Network,
}
