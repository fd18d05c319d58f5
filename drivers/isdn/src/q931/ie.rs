//! Information elements (Q.931 §4.5): typed representations with `parse`/`emit`.
//!
//! Each typed IE parses its *contents* (the octets after identifier and length) and emits
//! them back ([`Ie::parse_single`], [`Ie::parse_variable`], [`Ie::emit_contents`]); identifier
//! and length octets are written by [`super::Message::emit`].

use super::cause::CauseValue;
use thiserror::Error;

/// What is wrong with the contents of an information element (Q.931 §5.8.6.2, §5.8.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum IeError {
    /// Fewer octets than the IE's mandatory octets.
    #[error("information element too short")]
    TooShort,
    /// Octets left over after the last octet the IE defines.
    #[error("octets after the end of the information element")]
    TrailingOctets,
    /// An extension bit (bit 8) says the octet group continues or ends where it cannot.
    #[error("extension bit set wrongly")]
    Extension,
    /// A number digit or IA5 character with bit 8 set.
    #[error("character outside IA5")]
    NotIa5,
    /// A coding this crate does not support (for example a channel type other than B-channel).
    #[error("coding not supported")]
    Unsupported,
}

/// Build a "u8 code with names" enum. `from_u8` never yields `Other` for a named code.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident : $mask:literal { $($(#[$vm:meta])* $v:ident = $c:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value with no name here (never one of the named codes).
            Other(u8),
        }
        impl $name {
            /// Decode from the field's bits (masked to the field width).
            #[must_use]
            pub const fn from_u8(v: u8) -> Self {
                match v & $mask {
                    $($c => Self::$v,)*
                    o => Self::Other(o),
                }
            }
            /// The field's bits (masked to the field width).
            #[must_use]
            pub const fn to_u8(self) -> u8 {
                (match self {
                    $(Self::$v => $c,)*
                    Self::Other(o) => o,
                }) & $mask
            }
        }
    };
}

code_enum! {
    /// Information transfer capability, bearer capability octet 3 (Q.931 §4.5.5).
    TransferCapability: 0x1F {
        /// Speech.
        Speech = 0x00,
        /// Unrestricted digital information.
        UnrestrictedDigital = 0x08,
        /// Restricted digital information.
        RestrictedDigital = 0x09,
        /// 3.1 kHz audio.
        Audio3k1 = 0x10,
        /// Unrestricted digital information with tones/announcements.
        UnrestrictedDigitalWithTones = 0x11,
        /// Video.
        Video = 0x18,
    }
}

code_enum! {
    /// User information layer 1 protocol, bearer capability octet 5 (Q.931 §4.5.5).
    Layer1Protocol: 0x1F {
        /// ITU-T V.110/X.30 rate adaption.
        V110 = 0x01,
        /// G.711 µ-law.
        G711MuLaw = 0x02,
        /// G.711 A-law (the E1 default).
        G711ALaw = 0x03,
        /// G.721 32 kbit/s ADPCM.
        G721 = 0x04,
        /// H.221 and H.242.
        H221 = 0x05,
    }
}

/// Bearer capability (Q.931 §4.5.5, EN 300 403 §4.5.5), identifier 0x04.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BearerCapability {
    /// Coding standard, octet 3 bits 7-6 (0 = ITU-T).
    pub coding_standard: u8,
    /// Information transfer capability.
    pub capability: TransferCapability,
    /// Transfer mode, octet 4 bits 7-6 (0 = circuit, 2 = packet).
    pub transfer_mode: u8,
    /// Information transfer rate, octet 4 bits 5-1 (0x10 = 64 kbit/s, 0x18 = multirate).
    pub transfer_rate: u8,
    /// Rate multiplier, octet 4.1 (present only with multirate).
    pub rate_multiplier: Option<u8>,
    /// User information layer 1 protocol, octet 5.
    pub layer1: Option<Layer1Protocol>,
    /// Octets 5a.. (rate adaption details) verbatim, extension bits included.
    pub layer1_extra: Vec<u8>,
    /// Octets 6 and 7 (layer 2 and 3 protocol) and anything after, verbatim.
    pub rest: Vec<u8>,
}

impl BearerCapability {
    /// 64 kbit/s circuit-mode speech, G.711 A-law: `04 03 80 90 A3`.
    #[must_use]
    pub const fn speech_alaw() -> Self {
        Self::simple(TransferCapability::Speech, Some(Layer1Protocol::G711ALaw))
    }

    /// 64 kbit/s circuit mode with the given capability and layer 1 protocol.
    #[must_use]
    pub const fn simple(capability: TransferCapability, layer1: Option<Layer1Protocol>) -> Self {
        Self {
            coding_standard: 0,
            capability,
            transfer_mode: 0,
            transfer_rate: 0x10,
            rate_multiplier: None,
            layer1,
            layer1_extra: Vec::new(),
            rest: Vec::new(),
        }
    }

    fn parse(d: &[u8]) -> Result<Self, IeError> {
        let [o3, o4, ..] = *d else {
            return Err(IeError::TooShort);
        };
        if o3 & 0x80 == 0 {
            return Err(IeError::Extension);
        }
        let mut i = 2;
        let rate_multiplier = if o4 & 0x80 == 0 {
            let m = *d.get(i).ok_or(IeError::TooShort)?;
            if m & 0x80 == 0 {
                return Err(IeError::Extension);
            }
            i += 1;
            Some(m & 0x7F)
        } else {
            None
        };
        let mut layer1 = None;
        let mut layer1_extra = Vec::new();
        if let Some(&o5) = d.get(i)
            && (o5 >> 5) & 3 == 1
        {
            layer1 = Some(Layer1Protocol::from_u8(o5));
            i += 1;
            if o5 & 0x80 == 0 {
                loop {
                    let b = *d.get(i).ok_or(IeError::TooShort)?;
                    layer1_extra.push(b);
                    i += 1;
                    if b & 0x80 != 0 {
                        break;
                    }
                }
            }
        }
        Ok(Self {
            coding_standard: (o3 >> 5) & 3,
            capability: TransferCapability::from_u8(o3),
            transfer_mode: (o4 >> 5) & 3,
            transfer_rate: o4 & 0x1F,
            rate_multiplier,
            layer1,
            layer1_extra,
            rest: d.get(i..).unwrap_or_default().to_vec(),
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.push(0x80 | (self.coding_standard & 3) << 5 | self.capability.to_u8());
        let ext4 = if self.rate_multiplier.is_some() {
            0
        } else {
            0x80
        };
        out.push(ext4 | (self.transfer_mode & 3) << 5 | self.transfer_rate & 0x1F);
        if let Some(m) = self.rate_multiplier {
            out.push(0x80 | m & 0x7F);
        }
        if let Some(l1) = self.layer1 {
            let ext = if self.layer1_extra.is_empty() {
                0x80
            } else {
                0
            };
            out.push(ext | 0x20 | l1.to_u8());
            out.extend_from_slice(&self.layer1_extra);
        }
        out.extend_from_slice(&self.rest);
    }
}

/// Information channel selection, channel identification octet 3 bits 2-1 (Q.931 §4.5.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelSelection {
    /// No channel (0).
    None,
    /// PRI: "as indicated in following octets"; BRI: B1 (1).
    AsIndicated,
    /// BRI: B2; PRI: reserved (2).
    B2,
    /// Any channel (3).
    Any,
}

/// The channel list of a PRI channel identification (octets 3.2 and 3.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChannelList {
    /// B-channel numbers (octet 3.3 as numbers, at least one, each 1..=127).
    Numbers(Vec<u8>),
    /// B-channel slot map (octet 3.3 as a map), verbatim.
    SlotMap(Vec<u8>),
}

/// How B-channel numbers map to E1 timeslots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChannelMapping {
    /// Channel number = timeslot number (1-15, 17-31): EN 300 403 / libpri default for E1.
    #[default]
    Timeslot,
    /// Channels 1-30 are numbered logically, skipping TS16 (libpri `pri_set_chan_mapping_logical`).
    Logical,
}

impl ChannelMapping {
    /// The E1 timeslot of B-channel `channel`, or `None` if there is none.
    #[must_use]
    pub const fn timeslot(self, channel: u8) -> Option<u8> {
        match (self, channel) {
            (Self::Timeslot, 1..=15 | 17..=31) => Some(channel),
            (Self::Logical, 1..=15) => Some(channel),
            (Self::Logical, 16..=30) => Some(channel + 1),
            _ => None,
        }
    }

    /// The B-channel number carried by E1 timeslot `ts`, or `None` (TS0, TS16, >31).
    #[must_use]
    pub const fn channel(self, ts: u8) -> Option<u8> {
        match (self, ts) {
            (Self::Timeslot, 1..=15 | 17..=31) => Some(ts),
            (Self::Logical, 1..=15) => Some(ts),
            (Self::Logical, 17..=31) => Some(ts - 1),
            _ => None,
        }
    }
}

/// Channel identification (Q.931 §4.5.13, EN 300 403 §4.5.13), identifier 0x18.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelId {
    /// Interface type, octet 3 bit 6: `true` = primary rate ("other interface").
    pub primary: bool,
    /// Explicit interface identifier (octet 3.1, one octet, 7 bits), if present.
    pub interface_id: Option<u8>,
    /// Octet 3 bit 4: `true` = exclusive ("only the indicated channel is acceptable").
    pub exclusive: bool,
    /// Octet 3 bit 3: the D-channel is indicated.
    pub d_channel: bool,
    /// Information channel selection.
    pub selection: ChannelSelection,
    /// Channel list (octets 3.2 and 3.3; primary rate only); the channel type is always B.
    pub channels: Option<ChannelList>,
}

impl ChannelId {
    /// A PRI channel identification for one B-channel: `18 03 A9 83 8n` when exclusive.
    #[must_use]
    pub fn pri_channel(channel: u8, exclusive: bool) -> Self {
        Self {
            primary: true,
            interface_id: None,
            exclusive,
            d_channel: false,
            selection: ChannelSelection::AsIndicated,
            channels: Some(ChannelList::Numbers(vec![channel])),
        }
    }

    fn parse(d: &[u8]) -> Result<Self, IeError> {
        let (&o3, mut rest) = d.split_first().ok_or(IeError::TooShort)?;
        if o3 & 0x80 == 0 {
            return Err(IeError::Extension);
        }
        let primary = o3 & 0x20 != 0;
        let interface_id = if o3 & 0x40 != 0 {
            let (&b, r) = rest.split_first().ok_or(IeError::TooShort)?;
            if b & 0x80 == 0 {
                return Err(IeError::Unsupported);
            }
            rest = r;
            Some(b & 0x7F)
        } else {
            None
        };
        let channels = if rest.is_empty() {
            None
        } else if !primary {
            return Err(IeError::TrailingOctets);
        } else {
            let (&o32, list) = rest.split_first().ok_or(IeError::TooShort)?;
            if o32 & 0x80 == 0 {
                return Err(IeError::Extension);
            }
            if o32 & 0x0F != 3 || (o32 >> 5) & 3 != 0 {
                return Err(IeError::Unsupported);
            }
            if list.is_empty() {
                return Err(IeError::TooShort);
            }
            if o32 & 0x10 != 0 {
                Some(ChannelList::SlotMap(list.to_vec()))
            } else {
                let mut nums = Vec::with_capacity(list.len());
                for (k, &b) in list.iter().enumerate() {
                    let last = k + 1 == list.len();
                    if (b & 0x80 != 0) != last {
                        return Err(IeError::Extension);
                    }
                    nums.push(b & 0x7F);
                }
                Some(ChannelList::Numbers(nums))
            }
        };
        Ok(Self {
            primary,
            interface_id,
            exclusive: o3 & 0x08 != 0,
            d_channel: o3 & 0x04 != 0,
            selection: match o3 & 3 {
                0 => ChannelSelection::None,
                1 => ChannelSelection::AsIndicated,
                2 => ChannelSelection::B2,
                _ => ChannelSelection::Any,
            },
            channels,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        let sel = match self.selection {
            ChannelSelection::None => 0,
            ChannelSelection::AsIndicated => 1,
            ChannelSelection::B2 => 2,
            ChannelSelection::Any => 3,
        };
        out.push(
            0x80 | u8::from(self.interface_id.is_some()) << 6
                | u8::from(self.primary) << 5
                | u8::from(self.exclusive) << 3
                | u8::from(self.d_channel) << 2
                | sel,
        );
        if let Some(id) = self.interface_id {
            out.push(0x80 | id & 0x7F);
        }
        match &self.channels {
            None => {}
            Some(ChannelList::Numbers(n)) => {
                out.push(0x83);
                for (k, &c) in n.iter().enumerate() {
                    let ext = if k + 1 == n.len() { 0x80 } else { 0 };
                    out.push(ext | c & 0x7F);
                }
            }
            Some(ChannelList::SlotMap(m)) => {
                out.push(0x93);
                out.extend_from_slice(m);
            }
        }
    }
}

code_enum! {
    /// Type of number, party number octet 3 bits 7-5 (Q.931 §4.5.8, §4.5.10).
    TypeOfNumber: 0x07 {
        /// Unknown.
        Unknown = 0,
        /// International number.
        International = 1,
        /// National number.
        National = 2,
        /// Network specific number.
        NetworkSpecific = 3,
        /// Subscriber number.
        Subscriber = 4,
        /// Abbreviated number.
        Abbreviated = 6,
    }
}

code_enum! {
    /// Numbering plan identification, party number octet 3 bits 4-1.
    NumberingPlan: 0x0F {
        /// Unknown.
        Unknown = 0,
        /// ISDN/telephony (E.164).
        Isdn = 1,
        /// Data (X.121).
        Data = 3,
        /// Telex (F.69).
        Telex = 4,
        /// National standard.
        National = 8,
        /// Private.
        Private = 9,
    }
}

code_enum! {
    /// Presentation indicator, octet 3a bits 7-6 (Q.931 §4.5.10).
    Presentation: 0x03 {
        /// Presentation allowed.
        Allowed = 0,
        /// Presentation restricted.
        Restricted = 1,
        /// Number not available due to interworking.
        NotAvailable = 2,
    }
}

code_enum! {
    /// Screening indicator, octet 3a bits 2-1 (Q.931 §4.5.10).
    Screening: 0x03 {
        /// User-provided, not screened.
        UserNotScreened = 0,
        /// User-provided, verified and passed.
        UserVerifiedPassed = 1,
        /// User-provided, verified and failed.
        UserVerifiedFailed = 2,
        /// Network provided.
        Network = 3,
    }
}

code_enum! {
    /// Reason for redirection, redirecting number octet 3b (Q.952 §7.1.2, EN 300 207-1).
    RedirectReason: 0x0F {
        /// Unknown.
        Unknown = 0,
        /// Call forwarding busy.
        Busy = 1,
        /// Call forwarding no reply.
        NoReply = 2,
        /// Call deflection.
        Deflection = 4,
        /// Called DTE out of order.
        OutOfOrder = 9,
        /// Call forwarding by the called DTE.
        ByCalledDte = 10,
        /// Call forwarding unconditional.
        Unconditional = 15,
    }
}

/// Presentation and screening indicators (octet 3a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PresScreen {
    /// Presentation indicator.
    pub presentation: Presentation,
    /// Screening indicator.
    pub screening: Screening,
}

/// A party number: called (§4.5.8), calling (§4.5.10), connected (EN 300 097-1 / Q.951
/// §3.1) or redirecting (Q.952 §7.1.2).
///
/// Only the octets the IE defines are emitted: a called number has no octet 3a (so
/// `pres_screen` and `reason` are not written), calling and connected numbers have no
/// octet 3b (`reason` is not written). A redirecting number with a reason but no
/// `pres_screen` is emitted with "allowed, user-provided not screened" in octet 3a.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartyNumber {
    /// Type of number.
    pub ton: TypeOfNumber,
    /// Numbering plan.
    pub plan: NumberingPlan,
    /// Presentation and screening (octet 3a), if present.
    pub pres_screen: Option<PresScreen>,
    /// Reason for redirection (octet 3b, redirecting number only), if present.
    pub reason: Option<RedirectReason>,
    /// The digits, IA5 characters (0-9, *, #, and others with bit 8 zero). On emit, a
    /// character outside ASCII is written as `?`.
    pub digits: String,
}

impl PartyNumber {
    /// A number with the given type and plan and no octet 3a/3b.
    #[must_use]
    pub fn new(ton: TypeOfNumber, plan: NumberingPlan, digits: &str) -> Self {
        Self {
            ton,
            plan,
            pres_screen: None,
            reason: None,
            digits: digits.to_owned(),
        }
    }

    /// `max_extra` is the number of octets allowed after octet 3 (0, 1 or 2).
    fn parse(d: &[u8], max_extra: usize) -> Result<Self, IeError> {
        let (&o3, mut rest) = d.split_first().ok_or(IeError::TooShort)?;
        let mut extra = Vec::new();
        let mut ext = o3 & 0x80 != 0;
        while !ext {
            let (&b, r) = rest.split_first().ok_or(IeError::TooShort)?;
            extra.push(b);
            rest = r;
            ext = b & 0x80 != 0;
            if extra.len() > max_extra {
                return Err(IeError::Extension);
            }
        }
        if rest.iter().any(|b| b & 0x80 != 0) {
            return Err(IeError::NotIa5);
        }
        let pres_screen = extra.first().map(|&b| PresScreen {
            presentation: Presentation::from_u8(b >> 5),
            screening: Screening::from_u8(b),
        });
        let reason = extra.get(1).map(|&b| RedirectReason::from_u8(b));
        Ok(Self {
            ton: TypeOfNumber::from_u8(o3 >> 4),
            plan: NumberingPlan::from_u8(o3),
            pres_screen,
            reason,
            digits: rest.iter().map(|&b| char::from(b)).collect(),
        })
    }

    fn emit(&self, out: &mut Vec<u8>, max_extra: usize) {
        let head = self.ton.to_u8() << 4 | self.plan.to_u8();
        let reason = if max_extra >= 2 { self.reason } else { None };
        let ps = if max_extra >= 1 {
            self.pres_screen.or_else(|| {
                reason.map(|_| PresScreen {
                    presentation: Presentation::Allowed,
                    screening: Screening::UserNotScreened,
                })
            })
        } else {
            None
        };
        match ps {
            None => out.push(0x80 | head),
            Some(ps) => {
                out.push(head);
                let ext = if reason.is_some() { 0 } else { 0x80 };
                out.push(ext | ps.presentation.to_u8() << 5 | ps.screening.to_u8());
                if let Some(r) = reason {
                    out.push(0x80 | r.to_u8());
                }
            }
        }
        out.extend(
            self.digits
                .chars()
                .map(|c| u8::try_from(c).unwrap_or(b'?') & 0x7F),
        );
    }
}

code_enum! {
    /// Location, cause and progress indicator octet 3 bits 4-1 (Q.850 §2.2.5).
    Location: 0x0F {
        /// User.
        User = 0,
        /// Private network serving the local user.
        PrivateLocal = 1,
        /// Public network serving the local user.
        PublicLocal = 2,
        /// Transit network.
        Transit = 3,
        /// Public network serving the remote user.
        PublicRemote = 4,
        /// Private network serving the remote user.
        PrivateRemote = 5,
        /// International network.
        International = 7,
        /// Network beyond interworking point.
        BeyondInterworking = 10,
    }
}

/// Cause (Q.931 §4.5.12, Q.850 §2), identifier 0x08.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cause {
    /// Coding standard, octet 3 bits 7-6 (0 = ITU-T).
    pub coding_standard: u8,
    /// Location.
    pub location: Location,
    /// Recommendation, octet 3a (rarely sent), if present.
    pub recommendation: Option<u8>,
    /// The Q.850 cause value.
    pub value: CauseValue,
    /// Diagnostics (octets 5..), verbatim.
    pub diagnostics: Vec<u8>,
}

impl Cause {
    /// An ITU-T coded cause with no diagnostics.
    #[must_use]
    pub const fn new(location: Location, value: CauseValue) -> Self {
        Self {
            coding_standard: 0,
            location,
            recommendation: None,
            value,
            diagnostics: Vec::new(),
        }
    }

    fn parse(d: &[u8]) -> Result<Self, IeError> {
        let (&o3, mut rest) = d.split_first().ok_or(IeError::TooShort)?;
        let recommendation = if o3 & 0x80 == 0 {
            let (&b, r) = rest.split_first().ok_or(IeError::TooShort)?;
            if b & 0x80 == 0 {
                return Err(IeError::Extension);
            }
            rest = r;
            Some(b & 0x7F)
        } else {
            None
        };
        let (&o4, diag) = rest.split_first().ok_or(IeError::TooShort)?;
        if o4 & 0x80 == 0 {
            return Err(IeError::Extension);
        }
        Ok(Self {
            coding_standard: (o3 >> 5) & 3,
            location: Location::from_u8(o3),
            recommendation,
            value: CauseValue(o4 & 0x7F),
            diagnostics: diag.to_vec(),
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        let ext = if self.recommendation.is_some() {
            0
        } else {
            0x80
        };
        out.push(ext | (self.coding_standard & 3) << 5 | self.location.to_u8());
        if let Some(r) = self.recommendation {
            out.push(0x80 | r & 0x7F);
        }
        out.push(0x80 | self.value.0 & 0x7F);
        out.extend_from_slice(&self.diagnostics);
    }
}

/// Call state (Q.931 §4.5.7), identifier 0x14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallState {
    /// Coding standard, bits 8-7 (0 = ITU-T).
    pub coding_standard: u8,
    /// Call state value (6 bits): 0 = Null (U0/N0), 10 = Active, 19 = Release request, ...
    pub state: u8,
}

code_enum! {
    /// Progress description, progress indicator octet 4 (Q.931 §4.5.23).
    ProgressDescription: 0x7F {
        /// Call is not end-to-end ISDN; further progress information may be in-band.
        NotEndToEndIsdn = 1,
        /// Destination address is non-ISDN.
        DestinationNonIsdn = 2,
        /// Origination address is non-ISDN.
        OriginationNonIsdn = 3,
        /// Call has returned to the ISDN.
        ReturnedToIsdn = 4,
        /// Interworking has occurred and has resulted in a telecommunication service change.
        ServiceChange = 5,
        /// In-band information or an appropriate pattern is now available.
        InbandAvailable = 8,
    }
}

/// Progress indicator (Q.931 §4.5.23), identifier 0x1E.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Coding standard, octet 3 bits 7-6 (0 = ITU-T).
    pub coding_standard: u8,
    /// Location.
    pub location: Location,
    /// Progress description.
    pub description: ProgressDescription,
}

impl Progress {
    fn parse(d: &[u8]) -> Result<Self, IeError> {
        let [o3, o4] = *d else {
            return Err(if d.len() < 2 {
                IeError::TooShort
            } else {
                IeError::TrailingOctets
            });
        };
        if o3 & o4 & 0x80 == 0 {
            return Err(IeError::Extension);
        }
        Ok(Self {
            coding_standard: (o3 >> 5) & 3,
            location: Location::from_u8(o3),
            description: ProgressDescription::from_u8(o4),
        })
    }
}

/// Date/time (Q.931 §4.5.15, EN 300 403), identifier 0x29. Year is within the century.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Year (octet 3), 0..=99.
    pub year: u8,
    /// Month (octet 4).
    pub month: u8,
    /// Day (octet 5).
    pub day: u8,
    /// Hour (octet 6), optional.
    pub hour: Option<u8>,
    /// Minute (octet 7), only with an hour.
    pub minute: Option<u8>,
    /// Second (octet 8), only with a minute.
    pub second: Option<u8>,
}

impl DateTime {
    fn parse(d: &[u8]) -> Result<Self, IeError> {
        match *d {
            [year, month, day, ref time @ ..] if time.len() <= 3 => Ok(Self {
                year,
                month,
                day,
                hour: time.first().copied(),
                minute: time.get(1).copied(),
                second: time.get(2).copied(),
            }),
            [_, _, _, ..] => Err(IeError::TrailingOctets),
            _ => Err(IeError::TooShort),
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.year, self.month, self.day]);
        if let Some(h) = self.hour {
            out.push(h);
            if let Some(m) = self.minute {
                out.push(m);
                if let Some(s) = self.second {
                    out.push(s);
                }
            }
        }
    }
}

/// Notification indicator (Q.931 §4.5.22), identifier 0x27.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Notification {
    /// Notification description (7 bits): 0 user suspended, 1 user resumed, 2 bearer
    /// service change, 0x79 remote hold, 0x7A remote retrieval, ...
    pub description: u8,
    /// Further octets (extended descriptions, EN 300 207 diversion data), verbatim.
    pub extra: Vec<u8>,
}

code_enum! {
    /// Restart class, restart indicator octet 3 bits 3-1 (Q.931 §4.5.25).
    RestartClass: 0x07 {
        /// Indicated channels (with a channel identification IE).
        Indicated = 0,
        /// Single interface.
        SingleInterface = 6,
        /// All interfaces.
        AllInterfaces = 7,
    }
}

/// Identifiers of the codeset-0 IEs (Q.931 Table 4-3, Q.932, Q.951).
pub mod id {
    /// Shift (single octet, `1001 L ccc`).
    pub const SHIFT: u8 = 0x90;
    /// More data (single octet).
    pub const MORE_DATA: u8 = 0xA0;
    /// Sending complete (single octet).
    pub const SENDING_COMPLETE: u8 = 0xA1;
    /// Congestion level (single octet, `1011 vvvv`).
    pub const CONGESTION_LEVEL: u8 = 0xB0;
    /// Repeat indicator (single octet, `1101 vvvv`).
    pub const REPEAT_INDICATOR: u8 = 0xD0;
    /// Segmented message.
    pub const SEGMENTED: u8 = 0x00;
    /// Bearer capability.
    pub const BEARER_CAPABILITY: u8 = 0x04;
    /// Cause.
    pub const CAUSE: u8 = 0x08;
    /// Call identity.
    pub const CALL_IDENTITY: u8 = 0x10;
    /// Call state.
    pub const CALL_STATE: u8 = 0x14;
    /// Channel identification.
    pub const CHANNEL_ID: u8 = 0x18;
    /// Facility (Q.932).
    pub const FACILITY: u8 = 0x1C;
    /// Progress indicator.
    pub const PROGRESS: u8 = 0x1E;
    /// Network-specific facilities.
    pub const NETWORK_FACILITIES: u8 = 0x20;
    /// Notification indicator.
    pub const NOTIFICATION: u8 = 0x27;
    /// Display.
    pub const DISPLAY: u8 = 0x28;
    /// Date/time.
    pub const DATE_TIME: u8 = 0x29;
    /// Keypad facility.
    pub const KEYPAD: u8 = 0x2C;
    /// Signal.
    pub const SIGNAL: u8 = 0x34;
    /// Connected number (Q.951).
    pub const CONNECTED_NUMBER: u8 = 0x4C;
    /// Connected subaddress (Q.951).
    pub const CONNECTED_SUBADDRESS: u8 = 0x4D;
    /// Calling party number.
    pub const CALLING_NUMBER: u8 = 0x6C;
    /// Calling party subaddress.
    pub const CALLING_SUBADDRESS: u8 = 0x6D;
    /// Called party number.
    pub const CALLED_NUMBER: u8 = 0x70;
    /// Called party subaddress.
    pub const CALLED_SUBADDRESS: u8 = 0x71;
    /// Redirecting number (Q.952).
    pub const REDIRECTING_NUMBER: u8 = 0x74;
    /// Transit network selection.
    pub const TRANSIT_NETWORK: u8 = 0x78;
    /// Restart indicator.
    pub const RESTART_INDICATOR: u8 = 0x79;
    /// Low layer compatibility.
    pub const LLC: u8 = 0x7C;
    /// High layer compatibility.
    pub const HLC: u8 = 0x7D;
    /// User-user.
    pub const USER_USER: u8 = 0x7E;
    /// Codeset 5 (ECMA-143 QSIG): transit counter.
    pub const QSIG_TRANSIT_COUNTER: u8 = 0x31;
    /// Codeset 5 (ECMA-143 QSIG): party category.
    pub const QSIG_PARTY_CATEGORY: u8 = 0x32;
}

/// One information element, in message order.
///
/// Shifts are kept as elements ([`Ie::Shift`]) so that codesets round-trip exactly. IEs in
/// codesets other than 0 are always [`Ie::Other`] / [`Ie::OtherSingle`]; use
/// [`super::Message::ies_with_codeset`] to learn which codeset each one is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ie {
    /// Shift (§4.5.3 locking, §4.5.4 non-locking) to `codeset` (0..=7).
    Shift {
        /// Locking (`true`) or non-locking (only the next IE).
        locking: bool,
        /// The new codeset.
        codeset: u8,
    },
    /// Sending complete (§4.5.27), 0xA1.
    SendingComplete,
    /// More data (§4.5.19), 0xA0.
    MoreData,
    /// Congestion level (§4.5.14), 4-bit value.
    CongestionLevel(u8),
    /// Repeat indicator (§4.5.24), 4-bit value.
    RepeatIndicator(u8),
    /// Bearer capability (§4.5.5).
    BearerCapability(BearerCapability),
    /// Cause (§4.5.12).
    Cause(Cause),
    /// Call state (§4.5.7).
    CallState(CallState),
    /// Channel identification (§4.5.13).
    ChannelId(ChannelId),
    /// Facility (Q.932 §8.2.3), passed through verbatim.
    Facility(Vec<u8>),
    /// Progress indicator (§4.5.23).
    Progress(Progress),
    /// Notification indicator (§4.5.22).
    Notification(Notification),
    /// Display (§4.5.16), IA5 octets verbatim.
    Display(Vec<u8>),
    /// Date/time (§4.5.15).
    DateTime(DateTime),
    /// Keypad facility (§4.5.18), IA5 octets verbatim.
    Keypad(Vec<u8>),
    /// Called party number (§4.5.8).
    CalledNumber(PartyNumber),
    /// Calling party number (§4.5.10).
    CallingNumber(PartyNumber),
    /// Connected number (Q.951 §3.1, EN 300 097-1).
    ConnectedNumber(PartyNumber),
    /// Redirecting number (Q.952 §7.1.2).
    RedirectingNumber(PartyNumber),
    /// Restart indicator (§4.5.25).
    RestartIndicator(RestartClass),
    /// A variable-length IE this crate does not interpret (or any IE outside codeset 0).
    /// Built by hand with a typed codeset-0 identifier, it is emitted verbatim and parses
    /// back as the typed IE.
    Other {
        /// Identifier (bit 8 zero).
        id: u8,
        /// Contents, verbatim.
        data: Vec<u8>,
    },
    /// A single-octet IE this crate does not interpret (or any outside codeset 0): the
    /// whole octet (emitted with bit 8 set).
    OtherSingle(u8),
    /// A codeset-0 IE this crate interprets, whose contents are invalid (§5.8.6.2, §5.8.7.2).
    Invalid {
        /// Identifier.
        id: u8,
        /// Contents, verbatim.
        data: Vec<u8>,
        /// What is wrong.
        error: IeError,
    },
}

impl Ie {
    /// Is `id` (codeset 0, variable length) one this crate turns into a typed IE?
    #[must_use]
    pub const fn is_typed(id: u8) -> bool {
        matches!(
            id,
            id::BEARER_CAPABILITY
                | id::CAUSE
                | id::CALL_STATE
                | id::CHANNEL_ID
                | id::FACILITY
                | id::PROGRESS
                | id::NOTIFICATION
                | id::DISPLAY
                | id::DATE_TIME
                | id::KEYPAD
                | id::CALLED_NUMBER
                | id::CALLING_NUMBER
                | id::CONNECTED_NUMBER
                | id::REDIRECTING_NUMBER
                | id::RESTART_INDICATOR
        )
    }

    /// The identifier octet: for variable-length IEs the identifier, for single-octet IEs
    /// the whole octet.
    #[must_use]
    pub fn id(&self) -> u8 {
        match self {
            Self::Shift { locking, codeset } => {
                id::SHIFT | if *locking { 0 } else { 0x08 } | codeset & 7
            }
            Self::SendingComplete => id::SENDING_COMPLETE,
            Self::MoreData => id::MORE_DATA,
            Self::CongestionLevel(v) => id::CONGESTION_LEVEL | v & 0x0F,
            Self::RepeatIndicator(v) => id::REPEAT_INDICATOR | v & 0x0F,
            Self::BearerCapability(_) => id::BEARER_CAPABILITY,
            Self::Cause(_) => id::CAUSE,
            Self::CallState(_) => id::CALL_STATE,
            Self::ChannelId(_) => id::CHANNEL_ID,
            Self::Facility(_) => id::FACILITY,
            Self::Progress(_) => id::PROGRESS,
            Self::Notification(_) => id::NOTIFICATION,
            Self::Display(_) => id::DISPLAY,
            Self::DateTime(_) => id::DATE_TIME,
            Self::Keypad(_) => id::KEYPAD,
            Self::CalledNumber(_) => id::CALLED_NUMBER,
            Self::CallingNumber(_) => id::CALLING_NUMBER,
            Self::ConnectedNumber(_) => id::CONNECTED_NUMBER,
            Self::RedirectingNumber(_) => id::REDIRECTING_NUMBER,
            Self::RestartIndicator(_) => id::RESTART_INDICATOR,
            Self::Other { id, .. } | Self::Invalid { id, .. } => id & 0x7F,
            Self::OtherSingle(b) => *b | 0x80,
        }
    }

    /// Parse a single-octet IE (bit 8 set) seen while `codeset` is active.
    #[must_use]
    pub const fn parse_single(octet: u8, codeset: u8) -> Self {
        match octet {
            0x90..=0x9F => Self::Shift {
                locking: octet & 0x08 == 0,
                codeset: octet & 7,
            },
            _ if codeset != 0 => Self::OtherSingle(octet),
            id::SENDING_COMPLETE => Self::SendingComplete,
            id::MORE_DATA => Self::MoreData,
            0xB0..=0xBF => Self::CongestionLevel(octet & 0x0F),
            0xD0..=0xDF => Self::RepeatIndicator(octet & 0x0F),
            _ => Self::OtherSingle(octet),
        }
    }

    /// Parse a variable-length IE (identifier `id`, contents `d`) seen in `codeset`.
    /// Never fails: bad contents of a typed IE give [`Ie::Invalid`].
    #[must_use]
    pub fn parse_variable(id: u8, d: &[u8], codeset: u8) -> Self {
        if codeset != 0 || !Self::is_typed(id) {
            return Self::Other {
                id,
                data: d.to_vec(),
            };
        }
        let r = match id {
            id::BEARER_CAPABILITY => BearerCapability::parse(d).map(Self::BearerCapability),
            id::CAUSE => Cause::parse(d).map(Self::Cause),
            id::CALL_STATE => match *d {
                [b] => Ok(Self::CallState(CallState {
                    coding_standard: b >> 6,
                    state: b & 0x3F,
                })),
                [] => Err(IeError::TooShort),
                _ => Err(IeError::TrailingOctets),
            },
            id::CHANNEL_ID => ChannelId::parse(d).map(Self::ChannelId),
            id::FACILITY => Ok(Self::Facility(d.to_vec())),
            id::PROGRESS => Progress::parse(d).map(Self::Progress),
            id::NOTIFICATION => match d.split_first() {
                None => Err(IeError::TooShort),
                Some((&b, _)) if b & 0x80 == 0 => Err(IeError::Extension),
                Some((&b, extra)) => Ok(Self::Notification(Notification {
                    description: b & 0x7F,
                    extra: extra.to_vec(),
                })),
            },
            id::DISPLAY => Ok(Self::Display(d.to_vec())),
            id::DATE_TIME => DateTime::parse(d).map(Self::DateTime),
            id::KEYPAD => Ok(Self::Keypad(d.to_vec())),
            id::CALLED_NUMBER => PartyNumber::parse(d, 0).map(Self::CalledNumber),
            id::CALLING_NUMBER => PartyNumber::parse(d, 1).map(Self::CallingNumber),
            id::CONNECTED_NUMBER => PartyNumber::parse(d, 1).map(Self::ConnectedNumber),
            id::REDIRECTING_NUMBER => PartyNumber::parse(d, 2).map(Self::RedirectingNumber),
            _ => match *d {
                [b] if b & 0x80 != 0 => Ok(Self::RestartIndicator(RestartClass::from_u8(b))),
                [_] => Err(IeError::Extension),
                [] => Err(IeError::TooShort),
                _ => Err(IeError::TrailingOctets),
            },
        };
        r.unwrap_or_else(|error| Self::Invalid {
            id,
            data: d.to_vec(),
            error,
        })
    }

    /// Is this a single-octet IE?
    #[must_use]
    pub const fn is_single_octet(&self) -> bool {
        matches!(
            self,
            Self::Shift { .. }
                | Self::SendingComplete
                | Self::MoreData
                | Self::CongestionLevel(_)
                | Self::RepeatIndicator(_)
                | Self::OtherSingle(_)
        )
    }

    /// Append the contents (after identifier and length) of a variable-length IE.
    /// Single-octet IEs have no contents.
    pub fn emit_contents(&self, out: &mut Vec<u8>) {
        match self {
            Self::BearerCapability(b) => b.emit(out),
            Self::Cause(c) => c.emit(out),
            Self::CallState(s) => out.push((s.coding_standard & 3) << 6 | s.state & 0x3F),
            Self::ChannelId(c) => c.emit(out),
            Self::Facility(d)
            | Self::Display(d)
            | Self::Keypad(d)
            | Self::Other { data: d, .. }
            | Self::Invalid { data: d, .. } => out.extend_from_slice(d),
            Self::Progress(p) => {
                out.push(0x80 | (p.coding_standard & 3) << 5 | p.location.to_u8());
                out.push(0x80 | p.description.to_u8());
            }
            Self::Notification(n) => {
                out.push(0x80 | n.description & 0x7F);
                out.extend_from_slice(&n.extra);
            }
            Self::DateTime(t) => t.emit(out),
            Self::CalledNumber(n) => n.emit(out, 0),
            Self::CallingNumber(n) | Self::ConnectedNumber(n) => n.emit(out, 1),
            Self::RedirectingNumber(n) => n.emit(out, 2),
            Self::RestartIndicator(c) => out.push(0x80 | c.to_u8()),
            Self::Shift { .. }
            | Self::SendingComplete
            | Self::MoreData
            | Self::CongestionLevel(_)
            | Self::RepeatIndicator(_)
            | Self::OtherSingle(_) => {}
        }
    }
}
