//! The dial plan: number patterns to targets, trunk groups, caller-ID rules and the
//! toll-fraud policy. The language is documented for administrators in `docs/dialplan.md`.
//!
//! # Pattern language
//! A pattern is either a **literal number** (`600`, `*72`, `1001`): it matches exactly that
//! number, or, when it starts with `_`, a **pattern** in the Asterisk style:
//!
//! | element | matches |
//! |---|---|
//! | `0`–`9`, `*`, `#` | that character |
//! | `X` | any digit 0–9 |
//! | `Z` | any digit 1–9 |
//! | `N` | any digit 2–9 |
//! | `[15-7]` | one character of the set: digits and ranges (`*` and `#` allowed) |
//! | `.` | one or more further characters (only as the last element) |
//! | `!` | zero or more further characters (only as the last element) |
//!
//! `X`, `Z` and `N` may be written in lower case. Numbers themselves consist of `0`–`9`, `*`
//! and `#`. Rules are tried **in the order they are written** and the first match wins
//! (unlike Asterisk, which sorts by specificity: the order an administrator sees is the order
//! that applies). A literal rule placed after a pattern rule that already matches it can
//! never be reached; [`Config::validate`] refuses such a plan.

use core::time::Duration;

use thiserror::Error;

use crate::cause::Cause;

/// Why a pattern was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern (or the literal) is empty.
    #[error("empty pattern")]
    Empty,
    /// A character that is neither a digit, `*`, `#` nor a pattern element.
    #[error("character {ch:?} at position {pos} is not allowed")]
    BadChar {
        /// The character.
        ch: char,
        /// Its byte position in the pattern.
        pos: usize,
    },
    /// `.` or `!` somewhere other than at the end.
    #[error("wildcard at position {pos} must be the last element")]
    WildcardNotLast {
        /// Its byte position.
        pos: usize,
    },
    /// A `[` without its `]`, an empty set, or a bad range such as `[5-1]`.
    #[error("bad character set at position {pos}")]
    BadSet {
        /// Position of the `[`.
        pos: usize,
    },
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    /// A set of characters, as a bit mask over `0`–`9`, `*` (bit 10), `#` (bit 11).
    Set(u16),
    /// `.`: one or more characters.
    OneOrMore,
    /// `!`: zero or more characters.
    ZeroOrMore,
}

const DIGITS: u16 = 0x3ff;

fn bit(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(1 << (c - b'0')),
        b'*' => Some(1 << 10),
        b'#' => Some(1 << 11),
        _ => None,
    }
}

/// True when `number` is a dialable number: non-empty, only `0`–`9`, `*`, `#`.
#[must_use]
pub fn is_number(number: &str) -> bool {
    !number.is_empty() && number.bytes().all(|c| bit(c).is_some())
}

/// A compiled number pattern (see the module docs for the language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    literal: bool,
    elems: Vec<Elem>,
}

impl Pattern {
    /// Compiles `text`.
    ///
    /// # Errors
    /// A [`PatternError`] naming the first fault.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let (literal, body) = match text.strip_prefix('_') {
            Some(b) => (false, b),
            None => (true, text),
        };
        let off = usize::from(!literal);
        if body.is_empty() {
            return Err(PatternError::Empty);
        }
        let b = body.as_bytes();
        let mut elems = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let pos = i + off;
            let c = b[i];
            if let Some(m) = bit(c) {
                elems.push(Elem::Set(m));
                i += 1;
                continue;
            }
            if literal {
                return Err(PatternError::BadChar {
                    ch: char::from(c),
                    pos,
                });
            }
            match c {
                b'X' | b'x' => elems.push(Elem::Set(DIGITS)),
                b'Z' | b'z' => elems.push(Elem::Set(DIGITS & !1)),
                b'N' | b'n' => elems.push(Elem::Set(DIGITS & !3)),
                b'.' | b'!' => {
                    if i + 1 != b.len() {
                        return Err(PatternError::WildcardNotLast { pos });
                    }
                    elems.push(if c == b'.' {
                        Elem::OneOrMore
                    } else {
                        Elem::ZeroOrMore
                    });
                }
                b'[' => {
                    let close = b[i..]
                        .iter()
                        .position(|&x| x == b']')
                        .ok_or(PatternError::BadSet { pos })?;
                    let set = &b[i + 1..i + close];
                    let mut mask = 0u16;
                    let mut j = 0;
                    while j < set.len() {
                        let lo = bit(set[j]).ok_or(PatternError::BadSet { pos })?;
                        if j + 2 < set.len() && set[j + 1] == b'-' {
                            let (a, z) = (set[j], set[j + 2]);
                            if !(a.is_ascii_digit() && z.is_ascii_digit() && a <= z) {
                                return Err(PatternError::BadSet { pos });
                            }
                            for d in a..=z {
                                mask |= 1 << (d - b'0');
                            }
                            j += 3;
                        } else {
                            mask |= lo;
                            j += 1;
                        }
                    }
                    if mask == 0 {
                        return Err(PatternError::BadSet { pos });
                    }
                    elems.push(Elem::Set(mask));
                    i += close + 1;
                    continue;
                }
                _ => {
                    // Report the whole (possibly multi-byte) character.
                    let ch = body[i..].chars().next().unwrap_or('?');
                    return Err(PatternError::BadChar { ch, pos });
                }
            }
            i += 1;
        }
        Ok(Self {
            text: text.to_owned(),
            literal,
            elems,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True for a literal number (no leading `_`).
    #[must_use]
    pub fn is_literal(&self) -> bool {
        self.literal
    }

    /// Could `number`, with more digits after it, still match? (For overlap dialling: an
    /// analog phone or Q.931 overlap receiving sends digits one by one.)
    #[must_use]
    pub fn could_extend(&self, number: &str) -> bool {
        let n = number.as_bytes();
        for (i, e) in self.elems.iter().enumerate() {
            match *e {
                Elem::Set(m) => match n.get(i) {
                    None => return true,
                    Some(&c) => match bit(c) {
                        Some(b) if b & m != 0 => {}
                        _ => return false,
                    },
                },
                Elem::OneOrMore | Elem::ZeroOrMore => {
                    return n[i..].iter().all(|&c| bit(c).is_some());
                }
            }
        }
        false
    }

    /// Does `number` match?
    #[must_use]
    pub fn matches(&self, number: &str) -> bool {
        let n = number.as_bytes();
        for (i, e) in self.elems.iter().enumerate() {
            match *e {
                Elem::Set(m) => match n.get(i).and_then(|&c| bit(c)) {
                    Some(b) if b & m != 0 => {}
                    _ => return false,
                },
                Elem::OneOrMore => return n.len() > i && n[i..].iter().all(|&c| bit(c).is_some()),
                Elem::ZeroOrMore => return n[i..].iter().all(|&c| bit(c).is_some()),
            }
        }
        n.len() == self.elems.len()
    }
}

/// Kinds of channel the switch knows. The switch sees them only through their
/// [`Capabilities`]; the daemon maps each to its signalling (Q.931, SIP, analog, R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelKind {
    /// An E1 B-channel (PRI or R2 signalled).
    E1Bchannel,
    /// An analog FXS port (a phone is plugged in).
    AnalogFxs,
    /// An analog FXO port (a line from the exchange is plugged in).
    AnalogFxo,
    /// A SIP dialog (phone or trunk).
    Sip,
    /// A sound card (paging amplifier, headset, music-on-hold input).
    SoundCard,
    /// The music-on-hold source (a local player or a sound-card input).
    MusicOnHold,
}

/// Where a channel's audio comes from and goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSide {
    /// 1 ms chunks of A-law on a TDM timeslot (or an analog codec).
    Tdm,
    /// 20 ms frames to and from RTP.
    Packet,
    /// Linear audio of a local device.
    Local,
}

/// What a channel kind can do, as far as switching is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Its media side.
    pub media: MediaSide,
    /// A 2-to-4-wire hybrid somewhere on the path returns echo: run the line echo canceller.
    pub echo_canceller: bool,
    /// DTMF arrives in-band (detect it in the audio) rather than as RFC 4733 / signalling.
    pub inband_dtmf: bool,
    /// The far end can signal hold, transfer or conference itself (SIP re-INVITE / REFER,
    /// analog hook flash).
    pub call_control: bool,
}

impl ChannelKind {
    /// The capabilities of this kind.
    #[must_use]
    pub const fn capabilities(self) -> Capabilities {
        let (media, echo_canceller, inband_dtmf, call_control) = match self {
            Self::E1Bchannel => (MediaSide::Tdm, true, true, false),
            Self::AnalogFxs => (MediaSide::Tdm, true, true, true),
            Self::AnalogFxo => (MediaSide::Tdm, true, true, false),
            Self::Sip => (MediaSide::Packet, false, false, true),
            Self::SoundCard | Self::MusicOnHold => (MediaSide::Local, false, false, false),
        };
        Capabilities {
            media,
            echo_canceller,
            inband_dtmf,
            call_control,
        }
    }
}

/// Who placed a call, for the routing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OriginClass {
    /// An internal phone that authenticated (SIP digest) or is wired to the box (FXS).
    Extension,
    /// A call from a carrier: E1, FXO, or a SIP trunk recognised by its address or
    /// registration. Routed by the DID table.
    Trunk,
    /// A SIP request that did not authenticate. Routed by the DID table; never reaches a
    /// trunk group, whatever the rules say.
    Unauthenticated,
}

/// Where a rule sends a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A named extension (SIP account or analog port).
    Extension(String),
    /// The extension whose name is the rewritten number (DID `_5551XXX` strip 3 → `1XXX`).
    DialedExtension,
    /// An ACD queue (handed to the ACD layer).
    Queue(String),
    /// An IVR flow (handed to the IVR layer).
    Ivr(String),
    /// A trunk group: the rewritten number is sent out on its first usable member.
    TrunkGroup(String),
    /// Echo test: audio and digits come straight back.
    EchoTest,
    /// The 1 kHz digital milliwatt (ITU-T G.711 Table 5), for level checks.
    TestTone,
    /// Refuse with this cause.
    Reject(Cause),
}

/// Toll classes a rule explicitly lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allow {
    /// Numbers starting with one of [`DialPlan::international_prefixes`].
    pub international: bool,
    /// Numbers starting with one of [`DialPlan::premium_prefixes`].
    pub premium: bool,
}

/// One dial-plan rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The pattern matched against the dialled (or, for DIDs, called) number.
    pub pattern: Pattern,
    /// Where matching calls go.
    pub target: Target,
    /// Digits removed from the front of the number before it is used (e.g. the `9` of
    /// an outside-line prefix).
    pub strip: usize,
    /// Digits put in front after stripping.
    pub prepend: String,
    /// Toll classes this rule allows (trunk-group targets only; nothing by default).
    pub allow: Allow,
}

impl Rule {
    /// A rule with no rewriting and nothing allowed.
    ///
    /// # Errors
    /// As [`Pattern::parse`].
    pub fn new(pattern: &str, target: Target) -> Result<Self, PatternError> {
        Ok(Self {
            pattern: Pattern::parse(pattern)?,
            target,
            strip: 0,
            prepend: String::new(),
            allow: Allow::default(),
        })
    }

    /// This rule with `strip` leading digits removed and `prepend` added.
    #[must_use]
    pub fn rewrite(mut self, strip: usize, prepend: &str) -> Self {
        self.strip = strip;
        self.prepend = prepend.to_owned();
        self
    }

    /// This rule allowing `allow`.
    #[must_use]
    pub fn allowing(mut self, allow: Allow) -> Self {
        self.allow = allow;
        self
    }

    fn rewritten(&self, number: &str) -> String {
        let rest = number.get(self.strip.min(number.len())..).unwrap_or("");
        let mut out = String::with_capacity(self.prepend.len() + rest.len());
        out.push_str(&self.prepend);
        out.push_str(rest);
        out
    }
}

/// The rules and the toll-class prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DialPlan {
    /// Rules for calls from [`OriginClass::Extension`].
    pub internal: Vec<Rule>,
    /// Rules for calls from [`OriginClass::Trunk`] and [`OriginClass::Unauthenticated`],
    /// matched against the called number (DID mapping).
    pub did: Vec<Rule>,
    /// Prefixes of international numbers, as sent to the trunk (e.g. `00`).
    pub international_prefixes: Vec<String>,
    /// Prefixes of premium-rate numbers, as sent to the trunk (e.g. `0900`, `1900`).
    pub premium_prefixes: Vec<String>,
}

/// How a calling number is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presentation {
    /// Presentation allowed.
    #[default]
    Allowed,
    /// Presentation restricted (CLIR): the callee sees "anonymous".
    Restricted,
}

/// The calling party of a leg.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallingParty {
    /// The number, if known (and, outward, if it may be sent).
    pub number: Option<String>,
    /// Presentation.
    pub presentation: Presentation,
}

/// How the calling number is rewritten for a trunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidMode {
    /// Send the caller's number unchanged.
    Pass,
    /// Put digits in front of the caller's number (extension 1001 → 5551001).
    Prefix(String),
    /// Always send this number (the company's main number).
    Fixed(String),
}

/// Caller-ID rule of a trunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdRule {
    /// Rewriting.
    pub mode: CidMode,
    /// With presentation restricted, still send the number flagged "restricted" (ISDN: the
    /// network screens and withholds it; Q.931 §4.5.10 octet 3a). When false (SIP trunks)
    /// a restricted caller goes out anonymous, with no number at all (RFC 3323).
    pub send_restricted_number: bool,
}

impl CallerIdRule {
    /// The calling party as sent on this trunk.
    #[must_use]
    pub fn apply(&self, calling: &CallingParty) -> CallingParty {
        self.apply_with(calling, None)
    }

    /// The calling party as sent on this trunk for a caller with its own outbound number
    /// (an extension's [`ExtensionCallerId::outbound_number`]): that number replaces the
    /// caller's and is sent whole ([`CidMode::Pass`] and [`CidMode::Prefix`] alike: it is
    /// already a full number), except that a trunk with [`CidMode::Fixed`] still sends its
    /// fixed number. Presentation is kept either way.
    #[must_use]
    pub fn apply_with(&self, calling: &CallingParty, own: Option<&str>) -> CallingParty {
        let number = match (&self.mode, own) {
            (CidMode::Fixed(n), _) => Some(n.clone()),
            (_, Some(own)) => Some(own.to_owned()),
            (CidMode::Pass, _) => calling.number.clone(),
            (CidMode::Prefix(p), _) => calling.number.as_ref().map(|n| format!("{p}{n}")),
        };
        let number = match calling.presentation {
            Presentation::Restricted if !self.send_restricted_number => None,
            _ => number,
        };
        CallingParty {
            number,
            presentation: calling.presentation,
        }
    }
}

/// An outside line: one member of trunk groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trunk {
    /// Its name (referenced by trunk groups and in `Originate` commands).
    pub name: String,
    /// Its kind (E1 B-channels, FXO, SIP).
    pub kind: ChannelKind,
    /// The span it rides on, whose alarm takes it out of service (E1, FXO card).
    pub span: Option<u16>,
    /// How calling numbers are sent on it.
    pub caller_id: CallerIdRule,
}

/// An ordered list of trunks, tried first to last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkGroup {
    /// Its name.
    pub name: String,
    /// Member trunk names, in order of preference.
    pub members: Vec<String>,
}

/// An extension: a name dialled internally, and the endpoint that rings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The extension number / name (e.g. `1001`).
    pub name: String,
    /// The kind of its channel.
    pub kind: ChannelKind,
    /// The daemon's endpoint id (SIP account, `fxs/3`, ...).
    pub endpoint: String,
    /// Its caller-ID settings on calls it makes.
    pub caller_id: ExtensionCallerId,
}

/// An extension's caller-ID settings, applied to calls from [`OriginClass::Extension`]
/// whose calling number is the extension's name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionCallerId {
    /// Sent on outside calls instead of the extension number (e.g. its own DID); the
    /// trunk's rule decides the rest ([`CallerIdRule::apply_with`]).
    pub outbound_number: Option<String>,
    /// Presentation of its calls: [`Presentation::Restricted`] withholds the number on
    /// every call (inside: the callee sees no number; outside: the trunk's
    /// `send_restricted_number` decides), as if the phone had asked for it.
    pub presentation: Presentation,
}

/// Timers of the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// How long an outgoing leg may alert before it is cleared with #19 (no answer).
    pub no_answer: Duration,
    /// How long an outgoing leg may stay unanswered and not alerting before it is cleared
    /// with #18 (no user responding), like Q.931 T303 + T310.
    pub no_response: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            no_answer: Duration::from_secs(30),
            no_response: Duration::from_secs(10),
        }
    }
}

/// Everything the switch is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The dial plan.
    pub plan: DialPlan,
    /// Extensions.
    pub extensions: Vec<Extension>,
    /// Trunks.
    pub trunks: Vec<Trunk>,
    /// Trunk groups.
    pub trunk_groups: Vec<TrunkGroup>,
    /// Timers.
    pub timers: Timers,
}

/// Which rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// [`DialPlan::internal`].
    Internal,
    /// [`DialPlan::did`].
    Did,
}

/// Why a configuration was refused. Nothing is changed when it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two extensions, trunks or trunk groups share a name.
    #[error("duplicate name {0:?}")]
    Duplicate(String),
    /// A rule names an extension that does not exist.
    #[error("{table:?} rule {rule}: no extension {name:?}")]
    NoSuchExtension {
        /// Table.
        table: Table,
        /// Rule index.
        rule: usize,
        /// The name.
        name: String,
    },
    /// A rule or a group names a trunk group or trunk that does not exist.
    #[error("no trunk or trunk group {0:?}")]
    NoSuchTrunk(String),
    /// A trunk group without members.
    #[error("trunk group {0:?} has no members")]
    EmptyGroup(String),
    /// A rule's `prepend`, or a prefix, or a caller-ID number is not a number.
    #[error("{0:?} is not a number (digits, * and # only)")]
    NotANumber(String),
    /// A literal rule that an earlier pattern already matches: it can never be used.
    #[error("{table:?} rule {rule} ({pattern}) is shadowed by rule {by}")]
    Shadowed {
        /// Table.
        table: Table,
        /// The unreachable rule.
        rule: usize,
        /// Its pattern.
        pattern: String,
        /// The earlier rule that catches its number.
        by: usize,
    },
    /// A DID rule sends outside calls to a trunk group (outside-to-outside relaying is
    /// not offered: it is the other classic toll-fraud hole).
    #[error("DID rule {0} targets a trunk group")]
    DidToTrunk(usize),
}

/// Why a call was refused by the routing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Denied {
    /// No rule matches.
    #[error("no rule matches")]
    NoMatch,
    /// International number on a rule that does not allow it.
    #[error("international number not allowed by rule {rule}")]
    International {
        /// The rule.
        rule: usize,
    },
    /// Premium-rate number on a rule that does not allow it.
    #[error("premium-rate number not allowed by rule {rule}")]
    Premium {
        /// The rule.
        rule: usize,
    },
    /// A call that is not from an authenticated extension tried to reach an outside line.
    #[error("{origin:?} origin may not reach a trunk")]
    OutsideLine {
        /// Who tried.
        origin: OriginClass,
    },
    /// The rule's target is [`Target::Reject`].
    #[error("rejected by rule {rule}")]
    Rejected {
        /// The rule.
        rule: usize,
        /// Its cause.
        cause: Cause,
    },
    /// The number matched a [`Target::DialedExtension`] rule but no such extension exists.
    #[error("no such extension")]
    NoSuchExtension,
    /// The number contains characters other than digits, `*` and `#`.
    #[error("not a number")]
    NotANumber,
}

impl Denied {
    /// The Q.850 cause the caller is cleared with.
    #[must_use]
    pub fn cause(self) -> Cause {
        match self {
            Self::NoMatch | Self::NoSuchExtension => Cause::UNALLOCATED_NUMBER,
            Self::NotANumber => Cause::INVALID_NUMBER_FORMAT,
            Self::International { .. } | Self::Premium { .. } | Self::OutsideLine { .. } => {
                Cause::CALL_REJECTED
            }
            Self::Rejected { cause, .. } => cause,
        }
    }
}

/// How far a number dialled digit by digit has got (see [`Config::dial_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialState {
    /// A rule matches and no longer number could match any rule: route now.
    Complete,
    /// A rule matches, but more digits could match a rule too (`_0.` after `0301`): route
    /// when the inter-digit timer expires (or on `#`).
    Ambiguous,
    /// No rule matches yet, but more digits could: keep collecting.
    Incomplete,
    /// No rule can match whatever follows: clear with #1 now.
    Invalid,
}

/// Where a call goes, as decided by [`Config::route`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The table used.
    pub table: Table,
    /// The index of the matching rule.
    pub rule: usize,
    /// The target (with [`Target::DialedExtension`] resolved to [`Target::Extension`]).
    pub target: Target,
    /// The number after the rule's rewriting.
    pub number: String,
}

impl Config {
    /// Checks the whole configuration (see [`ConfigError`]).
    ///
    /// # Errors
    /// The first fault found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut names: Vec<&str> = Vec::new();
        for n in self
            .extensions
            .iter()
            .map(|e| e.name.as_str())
            .chain(self.trunks.iter().map(|t| t.name.as_str()))
            .chain(self.trunk_groups.iter().map(|g| g.name.as_str()))
        {
            if names.contains(&n) {
                return Err(ConfigError::Duplicate(n.to_owned()));
            }
            names.push(n);
        }
        for g in &self.trunk_groups {
            if g.members.is_empty() {
                return Err(ConfigError::EmptyGroup(g.name.clone()));
            }
            for m in &g.members {
                if self.trunk(m).is_none() {
                    return Err(ConfigError::NoSuchTrunk(m.clone()));
                }
            }
        }
        for n in self
            .extensions
            .iter()
            .filter_map(|e| e.caller_id.outbound_number.as_ref())
        {
            if !is_number(n) {
                return Err(ConfigError::NotANumber(n.clone()));
            }
        }
        for t in &self.trunks {
            if let CidMode::Prefix(n) | CidMode::Fixed(n) = &t.caller_id.mode
                && !is_number(n)
            {
                return Err(ConfigError::NotANumber(n.clone()));
            }
        }
        for p in self
            .plan
            .international_prefixes
            .iter()
            .chain(&self.plan.premium_prefixes)
        {
            if !is_number(p) {
                return Err(ConfigError::NotANumber(p.clone()));
            }
        }
        for (table, rules) in [
            (Table::Internal, &self.plan.internal),
            (Table::Did, &self.plan.did),
        ] {
            for (i, r) in rules.iter().enumerate() {
                if !r.prepend.is_empty() && !is_number(&r.prepend) {
                    return Err(ConfigError::NotANumber(r.prepend.clone()));
                }
                match &r.target {
                    Target::Extension(n) if self.extension(n).is_none() => {
                        return Err(ConfigError::NoSuchExtension {
                            table,
                            rule: i,
                            name: n.clone(),
                        });
                    }
                    Target::TrunkGroup(g) => {
                        if table == Table::Did {
                            return Err(ConfigError::DidToTrunk(i));
                        }
                        if self.trunk_group(g).is_none() {
                            return Err(ConfigError::NoSuchTrunk(g.clone()));
                        }
                    }
                    _ => {}
                }
                if r.pattern.is_literal()
                    && let Some(by) = rules[..i]
                        .iter()
                        .position(|e| e.pattern.matches(r.pattern.as_str()))
                {
                    return Err(ConfigError::Shadowed {
                        table,
                        rule: i,
                        pattern: r.pattern.as_str().to_owned(),
                        by,
                    });
                }
            }
        }
        Ok(())
    }

    /// The extension named `name`.
    #[must_use]
    pub fn extension(&self, name: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.name == name)
    }

    /// The trunk named `name`.
    #[must_use]
    pub fn trunk(&self, name: &str) -> Option<&Trunk> {
        self.trunks.iter().find(|t| t.name == name)
    }

    /// The trunk group named `name`.
    #[must_use]
    pub fn trunk_group(&self, name: &str) -> Option<&TrunkGroup> {
        self.trunk_groups.iter().find(|g| g.name == name)
    }

    /// For digit-by-digit dialling (FXS phones, Q.931 overlap receiving, §5.2.4): whether
    /// `number` is complete for a caller of class `origin`. The daemon (or the analog
    /// driver) collects digits until this says `Complete`, or `Ambiguous` and the inter-digit
    /// timer runs out, then sends the number in [`crate::engine::LegEvent::Incoming`].
    #[must_use]
    pub fn dial_state(&self, origin: OriginClass, number: &str) -> DialState {
        let rules = match origin {
            OriginClass::Extension => &self.plan.internal,
            OriginClass::Trunk | OriginClass::Unauthenticated => &self.plan.did,
        };
        let matched = rules.iter().any(|r| r.pattern.matches(number));
        let longer = rules.iter().any(|r| r.pattern.could_extend(number));
        match (matched, longer) {
            (true, false) => DialState::Complete,
            (true, true) => DialState::Ambiguous,
            (false, true) => DialState::Incomplete,
            (false, false) => DialState::Invalid,
        }
    }

    /// Routes `number` dialled by a caller of class `origin`: the first matching rule of
    /// the table for that origin, then the policy checks (outside lines only for
    /// extensions; international and premium numbers only where the rule allows them).
    ///
    /// # Errors
    /// [`Denied`] saying why; [`Denied::cause`] gives the Q.850 cause to clear with.
    pub fn route(&self, origin: OriginClass, number: &str) -> Result<Route, Denied> {
        if !is_number(number) {
            return Err(Denied::NotANumber);
        }
        let (table, rules) = match origin {
            OriginClass::Extension => (Table::Internal, &self.plan.internal),
            OriginClass::Trunk | OriginClass::Unauthenticated => (Table::Did, &self.plan.did),
        };
        let (rule, r) = rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.pattern.matches(number))
            .ok_or(Denied::NoMatch)?;
        let out = r.rewritten(number);
        let target = match &r.target {
            Target::Reject(cause) => {
                return Err(Denied::Rejected {
                    rule,
                    cause: *cause,
                });
            }
            Target::DialedExtension => {
                if self.extension(&out).is_none() {
                    return Err(Denied::NoSuchExtension);
                }
                Target::Extension(out.clone())
            }
            Target::TrunkGroup(g) => {
                if origin != OriginClass::Extension {
                    return Err(Denied::OutsideLine { origin });
                }
                let starts = |ps: &[String]| ps.iter().any(|p| out.starts_with(p.as_str()));
                if starts(&self.plan.international_prefixes) && !r.allow.international {
                    return Err(Denied::International { rule });
                }
                if starts(&self.plan.premium_prefixes) && !r.allow.premium {
                    return Err(Denied::Premium { rule });
                }
                Target::TrunkGroup(g.clone())
            }
            t => t.clone(),
        };
        Ok(Route {
            table,
            rule,
            target,
            number: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_elements() {
        let p = Pattern::parse("_9NXXXXXX").unwrap();
        assert!(p.matches("92345678"));
        assert!(!p.matches("91345678"));
        assert!(!p.matches("9234567"));
        let p = Pattern::parse("_00.").unwrap();
        assert!(p.matches("0044"));
        assert!(!p.matches("00"));
        let p = Pattern::parse("_1[0-35]!").unwrap();
        assert!(p.matches("12") && p.matches("15") && p.matches("1399") && !p.matches("14"));
        assert!(Pattern::parse("600").unwrap().matches("600"));
        assert!(!Pattern::parse("600").unwrap().matches("6001"));
        assert!(Pattern::parse("_*7X").unwrap().matches("*72"));
    }

    #[test]
    fn could_extend() {
        let p = Pattern::parse("_9NXX").unwrap();
        assert!(p.could_extend("") && p.could_extend("9") && p.could_extend("92"));
        assert!(p.could_extend("923"));
        assert!(!p.could_extend("91") && !p.could_extend("9234"));
        let p = Pattern::parse("_0.").unwrap();
        assert!(p.could_extend("0") && p.could_extend("0301") && !p.could_extend("1"));
        assert!(Pattern::parse("600").unwrap().could_extend("60"));
        assert!(!Pattern::parse("600").unwrap().could_extend("600"));
    }

    #[test]
    fn pattern_errors() {
        assert_eq!(Pattern::parse(""), Err(PatternError::Empty));
        assert_eq!(Pattern::parse("_"), Err(PatternError::Empty));
        assert_eq!(
            Pattern::parse("60X"),
            Err(PatternError::BadChar { ch: 'X', pos: 2 })
        );
        assert_eq!(
            Pattern::parse("_9.X"),
            Err(PatternError::WildcardNotLast { pos: 2 })
        );
        assert_eq!(
            Pattern::parse("_9[5-1]"),
            Err(PatternError::BadSet { pos: 2 })
        );
        assert_eq!(
            Pattern::parse("_9[12"),
            Err(PatternError::BadSet { pos: 2 })
        );
        assert_eq!(Pattern::parse("_9[]"), Err(PatternError::BadSet { pos: 2 }));
        assert!(matches!(
            Pattern::parse("_9é"),
            Err(PatternError::BadChar { ch: 'é', pos: 2 })
        ));
    }
}
