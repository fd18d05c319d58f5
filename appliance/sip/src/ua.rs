//! A sans-IO SIP user agent (RFC 3261 §8, §12–§15) for a B2BUA: calls in from phones and
//! trunks, calls out, and what a PBX needs around them.
//!
//! The [`Ua`] owns two transaction managers (UDP, TCP), the dialogs of its calls, the
//! registrar with digest authentication and the failed-login guard, and the trunk clients
//! (registration and OPTIONS keep-alive). It reads no clock and opens no socket:
//!
//! 1. bytes arrive: [`Ua::handle_datagram`]`(now, transport, from, bytes)` (TCP bytes go
//!    through a per-peer [`StreamDecoder`]);
//! 2. the host reads [`Ua::poll_event`] (an incoming call, ringing, answer, hold, transfer,
//!    hang-up...) and acts with the command methods ([`Ua::invite`], [`Ua::ringing`],
//!    [`Ua::answer`], [`Ua::reject`], [`Ua::hangup`], [`Ua::hold`], [`Ua::refer`]...);
//! 3. the host sends every [`Ua::poll_transmit`] (UDP: `send_to`; TCP: on the connection
//!    to `to`);
//! 4. the host wakes at [`Ua::poll_timeout`] and calls [`Ua::handle_timeout`].
//!
//! ```no_run
//! use sip::ua::{Account, Transport, Ua, UaConfig, UaEvent};
//! let mut cfg = UaConfig::new("192.0.2.10:5060".parse().unwrap());
//! cfg.seed = 0x1234; // randomness from the host
//! cfg.accounts = vec![Account::new("1001", "secret")];
//! let mut ua = Ua::new(cfg);
//! let now = tdm::Instant::ZERO;
//! # let (from, bytes) = ("192.0.2.20:5060".parse().unwrap(), [0u8; 0]);
//! ua.handle_datagram(now, Transport::Udp, from, &bytes);
//! while let Some(ev) = ua.poll_event() {
//!     if let UaEvent::Incoming { call, origin, .. } = ev {
//!         if origin.is_authenticated() {
//!             let _ = ua.ringing(now, call, None);
//!         } else {
//!             let _ = ua.reject(now, call, 403);
//!         }
//!     }
//! }
//! while let Some(t) = ua.poll_transmit() { /* socket.send_to(&t.bytes, t.to) */ let _ = t; }
//! ```
//!
//! What it covers, each with a simulation test in `tests/ua_*.rs`:
//! - INVITE dialogs both ways (§12, §13): 180/183/200, the ACK for 2xx built by the UAC
//!   core (§13.2.2.4), the 2xx resent until the ACK (§13.3.1.4), BYE both ways (§15),
//!   CANCEL (§9) answered with 487, 481 for requests outside any dialog (§12.2.2), OPTIONS
//!   in and out of dialogs (§11);
//! - REGISTER through [`crate::registrar`] with digest ([`crate::auth`], RFC 7616/8760)
//!   and INVITEs from phones challenged with 407; the digest algorithms are chosen per
//!   account (old phones need MD5 alone); incoming calls carry their [`CallOrigin`];
//! - hold and resume by re-INVITE (RFC 3264 §8.4), both directions;
//! - REFER (RFC 3515) with Replaces (RFC 3891), both directions, NOTIFY with sipfrag;
//! - reliable provisional responses and PRACK (RFC 3262), early media;
//! - session timers (RFC 4028);
//! - trunks: registration as a client with digest, OPTIONS keep-alive, calls matched by
//!   source address.
//!
//! Not covered: DNS (RFC 3263; the host resolves and passes addresses), TLS, forking (a
//! second 2xx with another tag is ignored), offer-less INVITEs sent by us, SUBSCRIBE
//! dialogs other than the implicit REFER subscription.

use crate::auth::{Algorithm, AuthError, AuthGuard, DigestClient, DigestServer, GuardConfig};
use crate::dialog::{Dialog, DialogState};
use crate::framing::{StreamDecoder, StreamItem};
use crate::header::{AuthHeader, HeaderKind, Replaces};
use crate::message::{HeaderAccess, Message, Method, Request, Response};
use crate::registrar::{Binding, Registrar, RegistrarConfig};
use crate::retransmit::{OkEvent, OkRetransmitter};
use crate::sdp::{self, Direction, LocalMedia, Negotiated, Sdp, SdpError};
use crate::transaction::{TimerConfig, TransactionManager, TxError, TxEvent, TxId};
use crate::uas::{self, Capabilities};
use crate::uri::Uri;
use core::time::Duration;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use tdm::Instant;

/// The transport a message came in on or goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP (retransmissions by the transaction layer).
    Udp,
    /// TCP (messages framed by Content-Length; no retransmissions).
    Tcp,
}

impl Transport {
    const fn via(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
        }
    }
}

/// Bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// UDP datagram, or bytes for the TCP connection with `to`.
    pub transport: Transport,
    /// Destination.
    pub to: SocketAddr,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A call (one INVITE dialog) inside a [`Ua`]. Small and copyable; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallRef(pub u32);

/// A trunk, by its index in [`UaConfig::trunks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrunkRef(pub usize);

/// A phone account (extension) that registers and places calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// User name (the AOR user and the digest user name).
    pub user: String,
    /// Password (digest HA1 is computed from it per algorithm).
    pub password: String,
    /// Digest algorithms offered to this account, preferred first. Phones that fail when a
    /// challenge names SHA-256 (sipp 3.6, baresip 1.0) need `[Md5]` alone.
    pub algorithms: Vec<Algorithm>,
}

impl Account {
    /// An account offered SHA-256 then MD5 (RFC 8760 §2.4).
    #[must_use]
    pub fn new(user: &str, password: &str) -> Self {
        Self {
            user: user.to_owned(),
            password: password.to_owned(),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
        }
    }

    /// The same account with these digest algorithms.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }
}

/// A SIP trunk to a provider or a peer PBX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkConfig {
    /// Name for events and logs.
    pub name: String,
    /// Where requests go (the provider's proxy, or an outbound proxy; resolved by the host).
    pub proxy: SocketAddr,
    /// Transport to the proxy.
    pub transport: Transport,
    /// The provider's domain (Request-URI host of REGISTER and calls).
    pub domain: String,
    /// Account user at the provider.
    pub user: String,
    /// Digest password (empty: no authentication).
    pub password: String,
    /// Register with the provider (RFC 3261 §10.2) and keep the registration up.
    pub register: bool,
    /// Registration interval asked for, seconds.
    pub expires: u32,
    /// Other source addresses calls from this trunk may come from (the proxy is one).
    pub peers: Vec<IpAddr>,
    /// OPTIONS keep-alive interval; `None` disables it (the trunk is then reported up).
    pub keepalive: Option<Duration>,
    /// First retry delay after a failed registration (doubles up to `retry_max`).
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// The provider is trusted (RFC 3325 §2, a Spec(T) trust domain): calls to it carry the
    /// caller's number in `P-Asserted-Identity` (§9.1), also when the caller withholds it
    /// (then From is anonymous and `Privacy: id` asks the provider to remove the header
    /// before the call leaves the trust domain, RFC 3325 §7 / RFC 3323).
    pub assert_identity: bool,
}

impl TrunkConfig {
    /// A trunk with defaults: UDP, registration every 600 s, keep-alive every 30 s, retry
    /// 30 s doubling up to 10 min.
    #[must_use]
    pub fn new(name: &str, proxy: SocketAddr, domain: &str, user: &str, password: &str) -> Self {
        Self {
            name: name.to_owned(),
            proxy,
            transport: Transport::Udp,
            domain: domain.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            register: true,
            expires: 600,
            peers: Vec::new(),
            keepalive: Some(Duration::from_secs(30)),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(600),
            assert_identity: false,
        }
    }
}

/// Configuration of a [`Ua`].
#[derive(Debug, Clone)]
pub struct UaConfig {
    /// Our address as written in Via and Contact (the socket the host listens on).
    pub local_addr: SocketAddr,
    /// Digest realm for phones.
    pub realm: String,
    /// Key of the nonce HMAC (random, from the host).
    pub nonce_secret: Vec<u8>,
    /// Nonce lifetime, seconds.
    pub nonce_lifetime_s: u64,
    /// Seed for tags, Call-IDs, branches and cnonces (random, from the host).
    pub seed: u64,
    /// Transaction timers (T1, T2, T4).
    pub timers: TimerConfig,
    /// Phone accounts.
    pub accounts: Vec<Account>,
    /// Digest algorithms offered to a user name that is not an account (the challenge
    /// must not reveal which names exist).
    pub default_algorithms: Vec<Algorithm>,
    /// Registrar limits.
    pub registrar: RegistrarConfig,
    /// Failed-authentication limits.
    pub guard: GuardConfig,
    /// Trunks.
    pub trunks: Vec<TrunkConfig>,
    /// Accept INVITEs that are neither from an account nor from a trunk, as
    /// [`CallOrigin::Anonymous`] (default false: they are challenged and fail).
    pub allow_anonymous: bool,
    /// Session interval we ask for and grant (RFC 4028), seconds; `None` disables timers
    /// unless the peer asks.
    pub session_expires: Option<u32>,
    /// Smallest session interval we accept (RFC 4028 Min-SE; at least 90).
    pub min_se: u32,
    /// Send 18x reliably (RFC 3262) when the caller supports 100rel (always when it
    /// requires it).
    pub use_100rel: bool,
    /// User-Agent / Server header value.
    pub user_agent: String,
}

impl UaConfig {
    /// Defaults around our address: realm = our IP, timers of RFC 3261, session interval
    /// 1800 s with Min-SE 90, 100rel when supported.
    #[must_use]
    pub fn new(local_addr: SocketAddr) -> Self {
        Self {
            local_addr,
            realm: local_addr.ip().to_string(),
            nonce_secret: b"change me".to_vec(),
            nonce_lifetime_s: 300,
            seed: 1,
            timers: TimerConfig::default(),
            accounts: Vec::new(),
            default_algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            registrar: RegistrarConfig::default(),
            guard: GuardConfig::default(),
            trunks: Vec::new(),
            allow_anonymous: false,
            session_expires: Some(1800),
            min_se: 90,
            use_100rel: true,
            user_agent: "appliance-sip".to_owned(),
        }
    }
}

/// Where an incoming call came from, and whether it was authenticated. Only
/// [`CallOrigin::Account`] and [`CallOrigin::Trunk`] may be routed to outside lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOrigin {
    /// A phone account that passed digest authentication (407 challenge, RFC 3261 §22.3).
    Account {
        /// The account user.
        user: String,
    },
    /// A trunk, matched by source address.
    Trunk {
        /// The trunk.
        trunk: TrunkRef,
        /// Its name.
        name: String,
    },
    /// Not authenticated (only with [`UaConfig::allow_anonymous`]).
    Anonymous,
}

impl CallOrigin {
    /// Whether the caller was authenticated (account) or is a known trunk.
    #[must_use]
    pub const fn is_authenticated(&self) -> bool {
        !matches!(self, Self::Anonymous)
    }
}

/// Why a call ended (on the peer's side or by a timer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The peer sent BYE.
    Bye,
    /// The caller cancelled before the answer (CANCEL, §9.2).
    Cancelled,
    /// Our INVITE got this final status (4xx–6xx), or 408 when Timer B fired.
    Rejected(u16),
    /// No ACK for our 2xx within 64*T1 (§13.3.1.4); a BYE was sent.
    NoAck,
    /// The session interval ran out without a refresh (RFC 4028 §10); a BYE was sent.
    SessionExpired,
    /// An INVITE with Replaces took the call over (RFC 3891 §3): once the new call was
    /// answered and acknowledged, the UA ended this one (BYE, or CANCEL/480 if unanswered).
    Replaced,
    /// An in-dialog request got 481 or 408: the dialog is gone (§12.2.1.2).
    DialogLost,
}

/// What the [`Ua`] reports to its host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UaEvent {
    /// A new incoming call. Answer with [`Ua::ringing`], [`Ua::answer`] or [`Ua::reject`].
    Incoming {
        /// The call.
        call: CallRef,
        /// Who is calling and whether it was authenticated.
        origin: CallOrigin,
        /// Called number: the Request-URI user (or To user).
        called: String,
        /// Calling number: the From user.
        calling: String,
        /// The From display name.
        display: Option<String>,
        /// The INVITE carried an SDP offer.
        has_offer: bool,
        /// RFC 3891: this call replaces one of ours (attended transfer). If the host answers
        /// it, the replaced call is ended by the UA after the ACK, with a Hangup `Replaced`.
        replaces: Option<CallRef>,
    },
    /// Our outgoing call is ringing (180, or 183 without SDP).
    Alerting {
        /// The call.
        call: CallRef,
    },
    /// Early media on our outgoing call (183 with SDP).
    Progress {
        /// The call.
        call: CallRef,
        /// The early media.
        media: Negotiated,
    },
    /// Our outgoing call was answered (2xx; the ACK is sent).
    Answered {
        /// The call.
        call: CallRef,
        /// The media agreed (None when the answer had no usable SDP).
        media: Option<Negotiated>,
    },
    /// The media of a call changed (re-INVITE, or the answer in an ACK).
    MediaUpdate {
        /// The call.
        call: CallRef,
        /// The new media.
        media: Negotiated,
    },
    /// The peer put the call on hold (a=sendonly / a=inactive, RFC 3264 §8.4).
    Held {
        /// The call.
        call: CallRef,
    },
    /// The peer took the call off hold.
    Resumed {
        /// The call.
        call: CallRef,
    },
    /// DTMF by SIP INFO (application/dtmf-relay or application/dtmf).
    Digits {
        /// The call.
        call: CallRef,
        /// The digits.
        digits: String,
    },
    /// The peer asks us to transfer (REFER, RFC 3515): connect the call's peer to
    /// `target` and report with [`Ua::transfer_status`]. The 202 and the first NOTIFY
    /// (100 Trying) are sent already.
    TransferRequested {
        /// The call that received the REFER.
        call: CallRef,
        /// Refer-To URI (without its headers).
        target: Uri,
        /// The Replaces of the Refer-To URI (attended transfer, RFC 3891).
        replaces: Option<Replaces>,
        /// When Replaces names one of our own calls: that call.
        replaces_call: Option<CallRef>,
    },
    /// Progress of a transfer we asked for with [`Ua::refer`]: the sipfrag status of a
    /// NOTIFY, or the REFER's own failure status (>= 300).
    TransferProgress {
        /// The call.
        call: CallRef,
        /// Status.
        status: u16,
    },
    /// A call ended by the peer or a timer; the call is gone.
    Hangup {
        /// The call.
        call: CallRef,
        /// Why.
        reason: EndReason,
    },
    /// A phone registered, refreshed or removed its registration.
    Registered {
        /// The account.
        aor: String,
        /// Where the REGISTER came from.
        source: SocketAddr,
        /// Live bindings after it.
        bindings: usize,
    },
    /// Authentication failed (wrong password or unknown user).
    AuthFailed {
        /// Source.
        source: SocketAddr,
        /// The user name tried.
        user: String,
        /// The source is now banned.
        banned: bool,
    },
    /// A trunk registration succeeded.
    TrunkRegistered {
        /// The trunk.
        trunk: TrunkRef,
        /// Granted interval, seconds.
        expires: u32,
    },
    /// A trunk registration failed; it is retried at `retry_at`.
    TrunkRegistrationFailed {
        /// The trunk.
        trunk: TrunkRef,
        /// The final status (408 on timeout).
        status: u16,
        /// Next attempt.
        retry_at: Instant,
    },
    /// A trunk answers OPTIONS again (`up`) or stopped answering.
    TrunkStatus {
        /// The trunk.
        trunk: TrunkRef,
        /// Reachable.
        up: bool,
    },
}

/// Errors of the command methods.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UaError {
    /// No such call (ended, or never existed).
    #[error("no such call")]
    NoSuchCall,
    /// No such trunk.
    #[error("no such trunk")]
    NoSuchTrunk,
    /// The command does not fit the call's state (e.g. answer after answer).
    #[error("command not allowed in this call state")]
    WrongState,
    /// The SDP offer could not be answered (no common codec...): the call was rejected 488.
    #[error("SDP: {0}")]
    Sdp(#[from] SdpError),
    /// The transaction layer refused the message.
    #[error("transaction: {0}")]
    Transaction(#[from] TxError),
}

/// A new outgoing call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// Request-URI and To.
    pub target: Uri,
    /// Where to send it (e.g. a phone's registered source); `None` with a trunk: its proxy.
    pub dest: Option<SocketAddr>,
    /// Transport towards `dest`.
    pub transport: Transport,
    /// Through a trunk (its domain, credentials and proxy).
    pub trunk: Option<TrunkRef>,
    /// Calling user (From).
    pub from_user: String,
    /// Calling display name.
    pub from_display: Option<String>,
    /// Our media (the offer is built from it).
    pub media: LocalMedia,
    /// Replaces header (RFC 3891) for attended transfer.
    pub replaces: Option<Replaces>,
    /// The caller withholds its identity (presentation restricted) although `from_user`
    /// carries its number: From goes out anonymous with `Privacy: id`, and the number only
    /// in `P-Asserted-Identity` to a trunk with [`TrunkConfig::assert_identity`].
    pub privacy: bool,
}

/// The From user of a call whose caller is withheld: [`Ua::invite`] then sends
/// `"Anonymous" <sip:anonymous@anonymous.invalid>` with `Privacy: id` (RFC 3323).
pub const ANONYMOUS: &str = "anonymous";

/// The From URI of a call that hides its caller (RFC 3323 §4.1.1.3).
const ANONYMOUS_URI: &str = "sip:anonymous@anonymous.invalid";

impl Invite {
    /// A call to `target` at `dest` over UDP.
    #[must_use]
    pub fn direct(target: Uri, dest: SocketAddr, from_user: &str, media: LocalMedia) -> Self {
        Self {
            target,
            dest: Some(dest),
            transport: Transport::Udp,
            trunk: None,
            from_user: from_user.to_owned(),
            from_display: None,
            media,
            replaces: None,
            privacy: false,
        }
    }

    /// A call to `number` through a trunk (the trunk's transport and proxy).
    #[must_use]
    pub fn trunk(trunk: TrunkRef, number: &str, from_user: &str, media: LocalMedia) -> Self {
        Self {
            target: Uri::sip(Some(number), "invalid", None),
            dest: None,
            transport: Transport::Udp,
            trunk: Some(trunk),
            from_user: from_user.to_owned(),
            from_display: None,
            media,
            replaces: None,
            privacy: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// UAC: INVITE sent, no final response.
    Calling,
    /// UAS: INVITE received, no final response sent.
    Ringing,
    /// UAS: 2xx sent, waiting for the ACK.
    Answered,
    /// Dialog confirmed.
    Confirmed,
    /// BYE (or CANCEL) sent by us; waiting for its end.
    Ending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReKind {
    Hold,
    Resume,
    Refresh,
}

#[derive(Debug)]
struct Reliable {
    response: Response,
    rseq: u32,
    interval: Duration,
    next: Option<Instant>,
    give_up: Instant,
}

#[derive(Debug, Clone, Copy)]
struct SessionTimer {
    interval: u32,
    we_refresh: bool,
    at: Instant,
}

type TxKey = (Transport, TxId);

#[derive(Debug)]
struct Call {
    uac: bool,
    phase: Phase,
    transport: Transport,
    peer: SocketAddr,
    dialog: Option<Dialog>,
    invite: Request,
    invite_tx: Option<TxKey>,
    trunk: Option<TrunkRef>,
    auth_tries: u8,
    user: String,
    media: Option<LocalMedia>,
    want_dir: Direction,
    sdp_version: u64,
    last_sdp: Option<Vec<u8>>,
    remote_offer: Option<Sdp>,
    offer_in_2xx: bool,
    negotiated: Option<Negotiated>,
    ok_retx: Option<(OkRetransmitter, u32)>,
    ack: Option<(u32, Vec<u8>)>,
    cancel_wanted: bool,
    /// §15: the host hung up before the ACK of our 2xx; BYE goes once the ACK arrives.
    bye_after_ack: bool,
    /// §9.1: give up on the INVITE 64*T1 after the CANCEL when no final response came.
    cancel_deadline: Option<Instant>,
    /// Our re-INVITE: in flight (transaction), or waiting to be retried after 491 (when).
    reinvite: Option<(Option<TxKey>, ReKind, Option<Instant>)>,
    /// A hold/resume asked for while a re-INVITE was in flight: sent when it ends (one offer
    /// at a time, RFC 3264 §5, RFC 3261 §14.1).
    reinvite_next: Option<ReKind>,
    remote_hold: bool,
    timer: Option<SessionTimer>,
    peer_update: bool,
    rel: Option<Reliable>,
    rel_queue: VecDeque<Response>,
    next_rseq: u32,
    last_rseq: Option<u32>,
    reliable_ok: bool,
    refer_in: bool,
    /// RFC 3891: the call this one replaces, ended once this one is confirmed.
    replaces: Option<CallRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Invite(CallRef),
    Cancel,
    Bye(CallRef),
    ReInvite(CallRef),
    Update(CallRef),
    Refer(CallRef),
    Other,
    Register(TrunkRef),
    Ping(TrunkRef),
}

#[derive(Debug)]
struct Trunk {
    cfg: TrunkConfig,
    client: DigestClient,
    call_id: String,
    tag: String,
    cseq: u32,
    reg_tx: Option<TxKey>,
    next_reg: Option<Instant>,
    auth_tries: u8,
    backoff: Duration,
    expires: u32,
    up: Option<bool>,
    ping_tx: Option<TxKey>,
    next_ping: Option<Instant>,
}

enum AuthOutcome {
    Ok(String),
    Respond(Box<Response>),
    Drop,
}

/// The user agent. See the module documentation for the driving loop.
#[derive(Debug)]
pub struct Ua {
    cfg: UaConfig,
    udp: TransactionManager,
    tcp: TransactionManager,
    decoders: HashMap<SocketAddr, StreamDecoder>,
    out: VecDeque<Transmit>,
    events: VecDeque<UaEvent>,
    calls: HashMap<CallRef, Call>,
    txs: HashMap<TxKey, Purpose>,
    next_call: u32,
    counter: u64,
    digests: HashMap<String, DigestServer>,
    default_digest: DigestServer,
    guard: AuthGuard,
    registrar: Registrar,
    trunks: Vec<Trunk>,
    caps: Capabilities,
}

/// Reason phrase for a status we send.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        401 => "Unauthorized",
        408 => "Request Timeout",
        420 => "Bad Extension",
        422 => "Session Interval Too Small",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        500 => "Server Internal Error",
        503 => "Service Unavailable",
        603 => "Decline",
        _ => "Unknown",
    }
}

/// `sip:user@host`, or `sip:host` when there is no user (RFC 3261 §25.1: the user part,
/// when present, is not empty).
fn sip_uri(user: &str, host: &str) -> String {
    if user.is_empty() {
        format!("sip:{host}")
    } else {
        format!("sip:{user}@{host}")
    }
}

/// RFC 3261 §19.1.2 escaping of a header value inside a URI (`?Replaces=...`).
fn uri_escape(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()[]/:+$".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn uri_unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut o = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            o.push(v);
            i += 3;
        } else {
            o.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&o).into_owned()
}

/// The direction the first live audio stream of an offer asks for (c=0.0.0.0 counts as
/// hold, RFC 3264 §8.4).
fn offered_direction(s: &Sdp) -> Direction {
    let Some(m) = s.media.iter().find(|m| m.kind == "audio" && m.port != 0) else {
        return Direction::Inactive;
    };
    let d = m.direction.or(s.direction).unwrap_or_default();
    let c = m.connection.as_deref().or(s.connection.as_deref());
    if c == Some("0.0.0.0") {
        match d {
            Direction::SendRecv | Direction::SendOnly => Direction::SendOnly,
            _ => Direction::Inactive,
        }
    } else {
        d
    }
}

const fn is_hold(d: Direction) -> bool {
    matches!(d, Direction::SendOnly | Direction::Inactive)
}

fn has_token<M: HeaderAccess>(m: &M, kind: HeaderKind, tok: &str) -> bool {
    m.hdrs()
        .elements(kind)
        .any(|t| t.trim().eq_ignore_ascii_case(tok))
}

fn is_sdp<M: HeaderAccess>(m: &M, body: &[u8]) -> bool {
    !body.is_empty()
        && m.content_type()
            .ok()
            .flatten()
            .is_some_and(|c| c.essence() == "application/sdp")
}

impl Ua {
    /// A user agent with this configuration. Trunk registrations and keep-alives are due at
    /// once: the first [`Self::poll_timeout`] is `Instant::ZERO` when there are trunks.
    #[must_use]
    pub fn new(cfg: UaConfig) -> Self {
        let default_digest = DigestServer::new(&cfg.realm, &cfg.nonce_secret, cfg.nonce_lifetime_s)
            .with_algorithms(&cfg.default_algorithms);
        let mut ua = Self {
            udp: TransactionManager::new(cfg.timers, false, cfg.seed),
            tcp: TransactionManager::new(cfg.timers, true, cfg.seed ^ 0x7c9),
            decoders: HashMap::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            calls: HashMap::new(),
            txs: HashMap::new(),
            next_call: 1,
            counter: 0,
            digests: HashMap::new(),
            default_digest,
            guard: AuthGuard::new(cfg.guard),
            registrar: Registrar::new(cfg.registrar),
            trunks: Vec::new(),
            caps: Capabilities {
                methods: vec![
                    Method::Invite,
                    Method::Ack,
                    Method::Bye,
                    Method::Cancel,
                    Method::Options,
                    Method::Register,
                    Method::Info,
                    Method::Prack,
                    Method::Update,
                    Method::Refer,
                    Method::Notify,
                ],
                extensions: vec!["100rel".into(), "timer".into(), "replaces".into()],
                accept: vec![
                    "application/sdp".into(),
                    "application/dtmf-relay".into(),
                    "application/dtmf".into(),
                    "message/sipfrag".into(),
                ],
            },
            cfg,
        };
        ua.set_accounts(ua.cfg.accounts.clone());
        let trunks = ua.cfg.trunks.clone();
        for t in trunks {
            ua.add_trunk(t);
        }
        ua
    }

    /// Replaces the phone accounts (applies to the next request; live calls stay).
    pub fn set_accounts(&mut self, accounts: Vec<Account>) {
        self.digests.clear();
        for a in &accounts {
            self.digests.insert(
                a.user.clone(),
                DigestServer::new(
                    &self.cfg.realm,
                    &self.cfg.nonce_secret,
                    self.cfg.nonce_lifetime_s,
                )
                .with_algorithms(&a.algorithms),
            );
        }
        self.cfg.accounts = accounts;
    }

    /// Changes whether `trunk` is trusted with `P-Asserted-Identity`
    /// ([`TrunkConfig::assert_identity`]); applies to calls placed from now on.
    ///
    /// # Errors
    /// [`UaError::NoSuchTrunk`].
    pub fn set_assert_identity(&mut self, trunk: TrunkRef, on: bool) -> Result<(), UaError> {
        let t = self.trunks.get_mut(trunk.0).ok_or(UaError::NoSuchTrunk)?;
        t.cfg.assert_identity = on;
        Ok(())
    }

    /// Adds a trunk; its registration and keep-alive start at the next timeout.
    pub fn add_trunk(&mut self, cfg: TrunkConfig) -> TrunkRef {
        let r = TrunkRef(self.trunks.len());
        let id = self.fresh("trunk");
        let tag = self.fresh("t");
        self.trunks.push(Trunk {
            client: DigestClient::new(&cfg.user, &cfg.password),
            call_id: format!("{id}@{}", self.cfg.local_addr.ip()),
            tag,
            cseq: 0,
            reg_tx: None,
            next_reg: cfg.register.then_some(Instant::ZERO),
            auth_tries: 0,
            backoff: cfg.retry_base,
            expires: 0,
            up: None,
            ping_tx: None,
            next_ping: cfg.keepalive.map(|_| Instant::ZERO),
            cfg,
        });
        r
    }

    /// Live registrations of a phone account (to route calls to it: send to `source`).
    #[must_use]
    pub fn bindings(&self, now: Instant, aor: &str) -> Vec<Binding> {
        self.registrar.lookup(now, aor).cloned().collect()
    }

    /// The calls alive now.
    #[must_use]
    pub fn calls(&self) -> Vec<CallRef> {
        let mut v: Vec<CallRef> = self.calls.keys().copied().collect();
        v.sort();
        v
    }

    /// Whether the caller of an incoming call asked for its identity to be withheld: a
    /// `Privacy` header with `id`, `header` or `user` (RFC 3323 §4.2, RFC 3325 §9.3), or an
    /// anonymous From (RFC 3323 §4.1.1.3). Always false for calls we placed.
    #[must_use]
    pub fn privacy_requested(&self, call: CallRef) -> bool {
        let Some(c) = self.calls.get(&call).filter(|c| !c.uac) else {
            return false;
        };
        let asked = c
            .invite
            .headers
            .values_named("Privacy")
            .flat_map(|v| v.split(';'))
            .any(|t| {
                let t = t.trim();
                ["id", "header", "user"]
                    .iter()
                    .any(|p| t.eq_ignore_ascii_case(p))
            });
        let anonymous_from = c.invite.hdr_from().ok().is_some_and(|a| {
            a.uri
                .user
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(ANONYMOUS))
                || a.uri.host.eq_ignore_ascii_case("anonymous.invalid")
        });
        asked || anonymous_from
    }

    /// The media agreed for a call, if any.
    #[must_use]
    pub fn media(&self, call: CallRef) -> Option<&Negotiated> {
        self.calls.get(&call)?.negotiated.as_ref()
    }

    /// Whether a trunk is registered now.
    #[must_use]
    pub fn trunk_registered(&self, trunk: TrunkRef) -> bool {
        self.trunks.get(trunk.0).is_some_and(|t| t.expires > 0)
    }

    fn fresh(&mut self, what: &str) -> String {
        self.counter += 1;
        format!("{what}{:x}x{:x}", self.cfg.seed & 0xffff_ffff, self.counter)
    }

    fn tm(&mut self, t: Transport) -> &mut TransactionManager {
        match t {
            Transport::Udp => &mut self.udp,
            Transport::Tcp => &mut self.tcp,
        }
    }

    fn via(&mut self, t: Transport) -> String {
        let branch = self.tm(t).new_branch();
        format!(
            "SIP/2.0/{} {};branch={branch};rport",
            t.via(),
            self.cfg.local_addr
        )
    }

    fn contact(&self, user: &str, t: Transport) -> String {
        let tp = if t == Transport::Tcp {
            ";transport=tcp"
        } else {
            ""
        };
        if user.is_empty() {
            format!("<sip:{}{tp}>", self.cfg.local_addr)
        } else {
            format!("<sip:{user}@{}{tp}>", self.cfg.local_addr)
        }
    }

    // ---- input -------------------------------------------------------------------------

    /// Feeds bytes received from `from`: one UDP datagram, or bytes read from the TCP
    /// connection with `from` (framed here by Content-Length; a framing error drops the
    /// buffered bytes of that connection, which the host should then close). Requests from
    /// a banned source are dropped unread.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        transport: Transport,
        from: SocketAddr,
        bytes: &[u8],
    ) {
        if matches!(
            self.guard.check(now, from.ip()),
            crate::auth::Verdict::Banned(_)
        ) {
            return;
        }
        match transport {
            Transport::Udp => {
                // A lone CRLF keep-alive over UDP (RFC 5626 §4.4.1 uses STUN; phones send
                // CRLF): nothing to do.
                if bytes.iter().all(|b| *b == b'\r' || *b == b'\n') {
                    return;
                }
                self.udp.handle_input(now, from, bytes);
            }
            Transport::Tcp => {
                let dec = self.decoders.entry(from).or_default();
                dec.push(bytes);
                let mut msgs = Vec::new();
                for _ in 0..64 {
                    match dec.poll() {
                        Ok(Some(StreamItem::Message(m))) => msgs.push(m),
                        Ok(Some(StreamItem::Ping)) => self.out.push_back(Transmit {
                            transport,
                            to: from,
                            bytes: b"\r\n".to_vec(),
                        }),
                        Ok(Some(StreamItem::Pong)) => {}
                        Ok(None) => break,
                        Err(_) => {
                            self.decoders.remove(&from);
                            break;
                        }
                    }
                }
                for m in msgs {
                    self.tcp.handle_input(now, from, &m);
                }
            }
        }
        self.pump(now);
    }

    /// The host closed the TCP connection with `peer`: its framing state is dropped.
    pub fn connection_closed(&mut self, peer: SocketAddr) {
        self.decoders.remove(&peer);
    }

    /// The next message to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if let Some(t) = self.out.pop_front() {
            return Some(t);
        }
        if let Some(t) = self.udp.poll_transmit() {
            return Some(Transmit {
                transport: Transport::Udp,
                to: t.to,
                bytes: t.bytes,
            });
        }
        self.tcp.poll_transmit().map(|t| Transmit {
            transport: Transport::Tcp,
            to: t.to,
            bytes: t.bytes,
        })
    }

    /// The next event for the host.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<UaEvent> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = [self.udp.poll_timeout(), self.tcp.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let mut at = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        for c in self.calls.values() {
            at(c.ok_retx.as_ref().and_then(|(r, _)| r.poll_timeout()));
            at(c.rel.as_ref().and_then(|r| r.next));
            at(c.timer.map(|s| s.at));
            at(c.reinvite.and_then(|r| r.2));
            if c.phase == Phase::Calling {
                at(c.cancel_deadline);
            }
        }
        for tr in &self.trunks {
            if tr.reg_tx.is_none() {
                at(tr.next_reg);
            }
            if tr.ping_tx.is_none() {
                at(tr.next_ping);
            }
        }
        at(self.registrar.poll_timeout());
        t
    }

    /// Fires everything due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.udp.handle_timeout(now);
        self.tcp.handle_timeout(now);
        self.registrar.handle_timeout(now);
        let refs: Vec<CallRef> = self.calls.keys().copied().collect();
        for c in refs {
            self.call_timers(now, c);
        }
        for i in 0..self.trunks.len() {
            let tr = &self.trunks[i];
            if tr.reg_tx.is_none() && tr.next_reg.is_some_and(|t| t <= now) {
                self.trunks[i].auth_tries = 0;
                self.send_register(now, TrunkRef(i), None);
            }
            let tr = &self.trunks[i];
            if tr.ping_tx.is_none() && tr.next_ping.is_some_and(|t| t <= now) {
                self.send_ping(now, TrunkRef(i));
            }
        }
        self.pump(now);
    }

    fn call_timers(&mut self, now: Instant, c: CallRef) {
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        if call.phase == Phase::Calling && call.cancel_deadline.is_some_and(|t| t <= now) {
            // §9.1: no final response 64*T1 after the CANCEL: the transaction is over.
            if let Some((t, id)) = call.invite_tx {
                self.tm(t).abandon(id);
                self.txs.remove(&(t, id));
            }
            self.remove(c);
            return;
        }
        // §13.3.1.4: 2xx retransmission.
        let mut no_ack = false;
        if let Some((r, _)) = call.ok_retx.as_mut() {
            if r.poll_timeout().is_some_and(|t| t <= now) {
                r.handle_timeout(now);
            }
            while let Some(t) = r.poll_transmit() {
                self.out.push_back(Transmit {
                    transport: call.transport,
                    to: t.to,
                    bytes: t.bytes,
                });
            }
            if r.poll_event() == Some(OkEvent::NoAck) {
                no_ack = true;
                call.ok_retx = None;
            }
        }
        // RFC 3262 §3: reliable provisional retransmission, T1 doubling, up to 64*T1.
        let mut resend = None;
        if let Some(rel) = call.rel.as_mut()
            && let Some(next) = rel.next
            && next <= now
        {
            if now >= rel.give_up {
                rel.next = None;
            } else {
                rel.interval *= 2;
                rel.next = Some(now + rel.interval);
                resend = Some(rel.response.clone());
            }
        }
        let tx = call.invite_tx;
        if let (Some(r), Some((t, id))) = (resend, tx) {
            let _ = self.tm(t).send_response(now, id, r);
        }
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        // Glare retry of a re-INVITE (§14.1).
        if let Some((None, kind, Some(at))) = call.reinvite
            && at <= now
        {
            call.reinvite = None;
            self.send_reinvite(now, c, kind);
        }
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        // RFC 4028 §10: refresh at half the interval, or BYE at expiry.
        if let Some(st) = call.timer
            && st.at <= now
        {
            if st.we_refresh {
                call.timer = Some(SessionTimer {
                    at: now + Duration::from_secs(u64::from(st.interval)),
                    ..st
                });
                if call.peer_update {
                    self.send_update(now, c);
                } else if call.reinvite.is_none() {
                    self.send_reinvite(now, c, ReKind::Refresh);
                }
            } else {
                self.end_with_bye(now, c, Some(EndReason::SessionExpired));
            }
        }
        if no_ack {
            let asked = self.calls.get(&c).is_some_and(|x| x.bye_after_ack);
            self.end_with_bye(now, c, (!asked).then_some(EndReason::NoAck));
        }
    }

    // ---- event pump --------------------------------------------------------------------

    fn pump(&mut self, now: Instant) {
        for _ in 0..10_000 {
            let ev = match self.udp.poll_event() {
                Some(e) => (Transport::Udp, e),
                None => match self.tcp.poll_event() {
                    Some(e) => (Transport::Tcp, e),
                    None => return,
                },
            };
            self.on_tx_event(now, ev.0, ev.1);
        }
    }

    fn on_tx_event(&mut self, now: Instant, t: Transport, ev: TxEvent) {
        match ev {
            TxEvent::Request {
                id,
                request,
                from,
                cancels,
            } => self.on_request(now, t, id, request, from, cancels),
            TxEvent::Ack { request, .. } => self.on_ack(now, &request),
            TxEvent::Response { id, response } => self.on_response(now, (t, id), response),
            TxEvent::StrayResponse { response, .. } => self.on_stray(&response),
            TxEvent::Timeout { id } => self.on_timeout(now, (t, id)),
            TxEvent::Terminated { id } => {
                self.txs.remove(&(t, id));
            }
            _ => {}
        }
    }

    fn respond(&mut self, now: Instant, t: Transport, id: TxId, r: Response) {
        let _ = self.tm(t).send_response(now, id, r);
    }

    fn simple(&mut self, now: Instant, t: Transport, id: TxId, req: &Request, status: u16) {
        let tag = self.fresh("r");
        let mut r = req.response(status, reason(status), Some(&tag));
        r.headers
            .push_kind(HeaderKind::Server, self.cfg.user_agent.clone());
        self.respond(now, t, id, r);
    }

    fn find_dialog(&self, call_id: &str, local: &str, remote: &str) -> Option<CallRef> {
        self.calls.iter().find_map(|(k, c)| {
            let d = c.dialog.as_ref()?;
            (d.id.call_id == call_id && d.id.local_tag == local && d.id.remote_tag == remote)
                .then_some(*k)
        })
    }

    fn on_request(
        &mut self,
        now: Instant,
        t: Transport,
        id: TxId,
        req: Request,
        from: SocketAddr,
        cancels: Option<TxId>,
    ) {
        let tag = self.fresh("u");
        if let Err(r) = uas::admit(&req, &self.caps, &tag) {
            self.respond(now, t, id, *r);
            return;
        }
        if req.method == Method::Cancel {
            self.on_cancel(now, t, id, &req, cancels);
            return;
        }
        let (Ok(from_h), Ok(to_h), Ok(call_id)) = (req.hdr_from(), req.hdr_to(), req.call_id())
        else {
            self.simple(now, t, id, &req, 400);
            return;
        };
        if let Some(to_tag) = to_h.tag() {
            let from_tag = from_h.tag().unwrap_or("");
            let Some(c) = self.find_dialog(call_id, to_tag, from_tag) else {
                // §12.2.2: a request for a dialog we do not have.
                self.simple(now, t, id, &req, 481);
                return;
            };
            self.in_dialog(now, t, id, c, req);
            return;
        }
        match req.method {
            Method::Register => self.on_register(now, t, id, &req, from),
            Method::Invite => self.on_invite(now, t, id, req, from, tag),
            Method::Options => {
                let mut r = req.response(200, "OK", Some(&tag));
                self.decorate(&mut r);
                self.respond(now, t, id, r);
            }
            _ => self.simple(now, t, id, &req, 481),
        }
    }

    fn decorate(&self, r: &mut Response) {
        r.headers.push_kind(HeaderKind::Allow, self.caps.allow());
        r.headers
            .push_kind(HeaderKind::Supported, "100rel, timer, replaces");
        r.headers.push_kind(HeaderKind::Accept, "application/sdp");
        r.headers
            .push_kind(HeaderKind::Server, self.cfg.user_agent.clone());
    }

    fn on_cancel(
        &mut self,
        now: Instant,
        t: Transport,
        id: TxId,
        req: &Request,
        cancels: Option<TxId>,
    ) {
        let target = cancels.and_then(|inv| {
            self.calls
                .iter()
                .find(|(_, c)| !c.uac && c.invite_tx == Some((t, inv)))
                .map(|(k, _)| *k)
        });
        let Some(c) = target else {
            // §9.2: no matching INVITE transaction.
            self.simple(now, t, id, req, 481);
            return;
        };
        let r = req.response(200, "OK", None);
        self.respond(now, t, id, r);
        let Some(call) = self.calls.get(&c) else {
            return;
        };
        if call.phase == Phase::Ringing {
            // §9.2: the INVITE gets 487.
            self.final_to_invite(now, c, 487);
            self.remove(c);
            self.events.push_back(UaEvent::Hangup {
                call: c,
                reason: EndReason::Cancelled,
            });
        }
    }

    fn final_to_invite(&mut self, now: Instant, c: CallRef, status: u16) {
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        let tag = call
            .dialog
            .as_ref()
            .map(|d| d.id.local_tag.clone())
            .unwrap_or_default();
        let r = call.invite.response(status, reason(status), Some(&tag));
        call.rel = None;
        if let Some((tt, id)) = call.invite_tx {
            self.respond(now, tt, id, r);
        }
    }

    fn remove(&mut self, c: CallRef) {
        self.calls.remove(&c);
        self.txs.retain(|_, p| {
            !matches!(p, Purpose::Invite(x) | Purpose::Bye(x) | Purpose::ReInvite(x)
                | Purpose::Update(x) | Purpose::Refer(x) if *x == c)
        });
    }

    // ---- authentication ----------------------------------------------------------------

    fn authenticate(
        &mut self,
        now: Instant,
        req: &Request,
        from: SocketAddr,
        user: &str,
        proxy: bool,
    ) -> AuthOutcome {
        let (cred_kind, status, chal_kind) = if proxy {
            (
                HeaderKind::ProxyAuthorization,
                407,
                HeaderKind::ProxyAuthenticate,
            )
        } else {
            (HeaderKind::Authorization, 401, HeaderKind::WwwAuthenticate)
        };
        let secs = now.as_micros() / 1_000_000;
        let realm = self.cfg.realm.clone();
        let creds: Vec<AuthHeader> = req
            .auth(cred_kind)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.get("realm") == Some(realm.as_str()))
            .collect();
        let accounts = &self.cfg.accounts;
        let server = self
            .digests
            .get_mut(user)
            .unwrap_or(&mut self.default_digest);
        let mut stale = false;
        if let Some(c) = creds.first() {
            let res = server.verify(
                secs,
                c,
                req.method.as_str(),
                &req.uri.to_string(),
                |u, alg| {
                    accounts
                        .iter()
                        .find(|a| a.user == u)
                        .map(|a| alg.ha1(u, &realm, &a.password))
                },
            );
            match res {
                Ok(u) if u == user => {
                    self.guard.success(from.ip());
                    return AuthOutcome::Ok(u);
                }
                Ok(_) | Err(AuthError::UnknownUser | AuthError::WrongResponse) => {
                    let v = self.guard.failure(now, from.ip());
                    let banned = matches!(v, crate::auth::Verdict::Banned(_));
                    self.events.push_back(UaEvent::AuthFailed {
                        source: from,
                        user: c.get("username").unwrap_or("").to_owned(),
                        banned,
                    });
                    if banned {
                        return AuthOutcome::Drop;
                    }
                    let tag = self.fresh("a");
                    return AuthOutcome::Respond(Box::new(req.response(
                        403,
                        "Forbidden",
                        Some(&tag),
                    )));
                }
                Err(AuthError::Stale) => stale = true,
                Err(_) => {}
            }
        }
        let server = self.digests.get(user).unwrap_or(&self.default_digest);
        let chal = server.challenges(secs, stale);
        let tag = self.fresh("a");
        let mut r = req.response(status, reason(status), Some(&tag));
        for ch in chal {
            r.headers.push_kind(chal_kind, ch);
        }
        AuthOutcome::Respond(Box::new(r))
    }

    fn on_register(
        &mut self,
        now: Instant,
        t: Transport,
        id: TxId,
        req: &Request,
        from: SocketAddr,
    ) {
        let user = req
            .hdr_to()
            .ok()
            .and_then(|a| a.uri.user)
            .unwrap_or_default();
        match self.authenticate(now, req, from, &user, false) {
            AuthOutcome::Ok(aor) => {
                let r = self.registrar.handle_register(now, &aor, req, from);
                let ok = r.status == 200;
                self.respond(now, t, id, r);
                if ok {
                    let n = self.registrar.lookup(now, &aor).count();
                    self.events.push_back(UaEvent::Registered {
                        aor,
                        source: from,
                        bindings: n,
                    });
                }
            }
            AuthOutcome::Respond(r) => self.respond(now, t, id, *r),
            AuthOutcome::Drop => {
                // Banned now: end the transaction without telling the scanner anything useful.
                let tag = self.fresh("a");
                self.respond(now, t, id, req.response(403, "Forbidden", Some(&tag)));
            }
        }
    }

    fn trunk_of(&self, from: SocketAddr, req: &Request) -> Option<TrunkRef> {
        let ip = from.ip();
        let matching: Vec<usize> = self
            .trunks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.cfg.proxy.ip() == ip || t.cfg.peers.contains(&ip))
            .map(|(i, _)| i)
            .collect();
        // Several trunks at one provider address: the registered user in the Request-URI picks.
        let by_user = matching
            .iter()
            .find(|i| req.uri.user.as_deref() == Some(self.trunks[**i].cfg.user.as_str()));
        by_user.or(matching.first()).map(|i| TrunkRef(*i))
    }

    // ---- incoming INVITE ---------------------------------------------------------------

    fn on_invite(
        &mut self,
        now: Instant,
        t: Transport,
        id: TxId,
        req: Request,
        from: SocketAddr,
        tag: String,
    ) {
        let from_h = req.hdr_from().ok();
        let calling = from_h
            .as_ref()
            .and_then(|f| f.uri.user.clone())
            .unwrap_or_default();
        let display = from_h.as_ref().and_then(|f| f.display.clone());
        let origin = if let Some(tr) = self.trunk_of(from, &req) {
            CallOrigin::Trunk {
                trunk: tr,
                name: self.trunks[tr.0].cfg.name.clone(),
            }
        } else if self.cfg.allow_anonymous && !self.cfg.accounts.iter().any(|a| a.user == calling) {
            CallOrigin::Anonymous
        } else {
            match self.authenticate(now, &req, from, &calling, true) {
                AuthOutcome::Ok(user) => CallOrigin::Account { user },
                AuthOutcome::Respond(r) => {
                    self.respond(now, t, id, *r);
                    return;
                }
                AuthOutcome::Drop => {
                    self.simple(now, t, id, &req, 403);
                    return;
                }
            }
        };
        // RFC 4028 §8: too small an interval gets 422 with our Min-SE.
        let se = req.session_expires().ok().flatten();
        if let Some(se) = se
            && se.delta < self.cfg.min_se
        {
            let mut r = req.response(422, reason(422), Some(&tag));
            r.headers
                .push_kind(HeaderKind::MinSe, self.cfg.min_se.to_string());
            self.respond(now, t, id, r);
            return;
        }
        // RFC 3891 §3: Replaces must name a dialog of ours.
        let replaces = match req.replaces() {
            Ok(None) => None,
            Ok(Some(rp)) => match self.find_dialog(&rp.call_id, &rp.to_tag, &rp.from_tag) {
                Some(c) => Some(c),
                None => {
                    self.simple(now, t, id, &req, 481);
                    return;
                }
            },
            Err(_) => {
                self.simple(now, t, id, &req, 400);
                return;
            }
        };
        let offer = if is_sdp(&req, &req.body) {
            match Sdp::parse(&req.body) {
                Ok(s) => Some(s),
                Err(_) => {
                    self.simple(now, t, id, &req, 400);
                    return;
                }
            }
        } else {
            None
        };
        let Ok(dialog) = Dialog::uas(&req, &tag, DialogState::Early) else {
            // No usable Contact: no dialog can be built (§12.1.1).
            self.simple(now, t, id, &req, 400);
            return;
        };
        let called = req
            .uri
            .user
            .clone()
            .or_else(|| req.hdr_to().ok().and_then(|a| a.uri.user))
            .unwrap_or_default();
        let c = CallRef(self.next_call);
        self.next_call += 1;
        let reliable_ok = has_token(&req, HeaderKind::Require, "100rel")
            || (self.cfg.use_100rel && has_token(&req, HeaderKind::Supported, "100rel"));
        let peer_update = has_token(&req, HeaderKind::Allow, "UPDATE");
        let has_offer = offer.is_some();
        let user = req.uri.user.clone().unwrap_or_default();
        self.calls.insert(
            c,
            Call {
                uac: false,
                phase: Phase::Ringing,
                transport: t,
                peer: from,
                dialog: Some(dialog),
                invite: req,
                invite_tx: Some((t, id)),
                trunk: None,
                auth_tries: 0,
                user,
                media: None,
                want_dir: Direction::SendRecv,
                sdp_version: 1,
                last_sdp: None,
                remote_offer: offer,
                offer_in_2xx: false,
                negotiated: None,
                ok_retx: None,
                ack: None,
                cancel_wanted: false,
                bye_after_ack: false,
                cancel_deadline: None,
                reinvite: None,
                reinvite_next: None,
                remote_hold: false,
                timer: None,
                peer_update,
                rel: None,
                rel_queue: VecDeque::new(),
                next_rseq: 1,
                last_rseq: None,
                reliable_ok,
                refer_in: false,
                replaces,
            },
        );
        self.events.push_back(UaEvent::Incoming {
            call: c,
            origin,
            called,
            calling,
            display,
            has_offer,
            replaces,
        });
    }

    /// Our SDP for a call: `sdp` with the call's session version, bumped when the content
    /// changed since the last one we sent (RFC 3264 §8).
    fn stamp_sdp(call: &mut Call, mut s: Sdp) -> Vec<u8> {
        s.session_id = u64::from(call.invite.cseq().map(|c| c.seq).unwrap_or(1)) + 1000;
        s.session_version = call.sdp_version;
        let b = s.to_bytes();
        if call.last_sdp.as_ref().is_some_and(|l| *l != b) {
            call.sdp_version += 1;
            s.session_version = call.sdp_version;
        }
        let b = s.to_bytes();
        call.last_sdp = Some(b.clone());
        b
    }

    // ---- UAS commands ------------------------------------------------------------------

    /// Sends 180 Ringing, or 183 Session Progress with an SDP answer when `early_media` is
    /// given (RFC 3262 reliably, with RSeq, when the caller supports 100rel). Returns the
    /// early media agreed.
    pub fn ringing(
        &mut self,
        now: Instant,
        call: CallRef,
        early_media: Option<LocalMedia>,
    ) -> Result<Option<Negotiated>, UaError> {
        let contact = {
            let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
            if c.uac || c.phase != Phase::Ringing {
                return Err(UaError::WrongState);
            }
            self.contact(&c.user, c.transport)
        };
        let ua = self.cfg.user_agent.clone();
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        let tag = c
            .dialog
            .as_ref()
            .map(|d| d.id.local_tag.clone())
            .unwrap_or_default();
        let status = if early_media.is_some() { 183 } else { 180 };
        let mut r = c.invite.response(status, reason(status), Some(&tag));
        r.headers.push_kind(HeaderKind::Contact, contact);
        r.headers.push_kind(HeaderKind::Server, ua);
        let mut agreed = None;
        if let (Some(m), Some(offer)) = (early_media, c.remote_offer.clone()) {
            let (ans, neg) = sdp::answer(&offer, &m, 1, 1)?;
            r.headers
                .push_kind(HeaderKind::ContentType, "application/sdp");
            r.body = Self::stamp_sdp(c, ans);
            c.media = Some(m);
            c.negotiated = Some(neg.clone());
            agreed = Some(neg);
        }
        if c.reliable_ok {
            r.headers.push_kind(HeaderKind::Require, "100rel");
            r.headers
                .push_kind(HeaderKind::RSeq, c.next_rseq.to_string());
            c.next_rseq += 1;
            if c.rel.is_some() {
                // RFC 3262 §3: one unacknowledged reliable provisional at a time.
                c.rel_queue.push_back(r);
                return Ok(agreed);
            }
            self.send_reliable(now, call, r);
        } else if let Some((t, id)) = c.invite_tx {
            self.respond(now, t, id, r);
        }
        Ok(agreed)
    }

    fn send_reliable(&mut self, now: Instant, call: CallRef, r: Response) {
        let t1 = self.cfg.timers.t1;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let rseq = r.delta(HeaderKind::RSeq).ok().flatten().unwrap_or_default();
        let udp = c.transport == Transport::Udp;
        c.rel = Some(Reliable {
            response: r.clone(),
            rseq,
            interval: t1,
            next: udp.then_some(now + t1),
            give_up: now + t1 * 64,
        });
        if let Some((t, id)) = c.invite_tx {
            self.respond(now, t, id, r);
        }
    }

    /// Answers an incoming call with 200 OK: the SDP answer to the INVITE's offer (or our
    /// offer when the INVITE had none; the answer then comes in the ACK). The 2xx is resent
    /// until the ACK (§13.3.1.4). Returns the media agreed (None until the ACK when we
    /// offered). With no common codec the call is rejected with 488 and ends.
    pub fn answer(
        &mut self,
        now: Instant,
        call: CallRef,
        media: LocalMedia,
    ) -> Result<Option<Negotiated>, UaError> {
        let (contact, allow) = {
            let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
            if c.uac || c.phase != Phase::Ringing {
                return Err(UaError::WrongState);
            }
            (self.contact(&c.user, c.transport), self.caps.allow())
        };
        let (ua, min_se, want_se) = (
            self.cfg.user_agent.clone(),
            self.cfg.min_se,
            self.cfg.session_expires,
        );
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        let tag = c
            .dialog
            .as_ref()
            .map(|d| d.id.local_tag.clone())
            .unwrap_or_default();
        let mut r = c.invite.response(200, "OK", Some(&tag));
        r.headers.push_kind(HeaderKind::Contact, contact);
        r.headers.push_kind(HeaderKind::Allow, allow);
        r.headers
            .push_kind(HeaderKind::Supported, "100rel, timer, replaces");
        r.headers.push_kind(HeaderKind::Server, ua);
        let mut agreed = None;
        match c.remote_offer.clone() {
            Some(offer) => match sdp::answer(&offer, &media, 1, 1) {
                Ok((ans, neg)) => {
                    c.remote_hold = is_hold(offered_direction(&offer));
                    r.body = Self::stamp_sdp(c, ans);
                    agreed = Some(neg.clone());
                    c.negotiated = Some(neg);
                }
                Err(e) => {
                    self.final_to_invite(now, call, 488);
                    self.remove(call);
                    return Err(e.into());
                }
            },
            None => {
                r.body = Self::stamp_sdp(c, sdp::offer(&media, 1, 1));
                c.offer_in_2xx = true;
            }
        }
        r.headers
            .push_kind(HeaderKind::ContentType, "application/sdp");
        c.want_dir = media.direction;
        c.media = Some(media);
        // RFC 4028 §9: the UAS picks the interval and the refresher.
        let se = c.invite.session_expires().ok().flatten();
        let uac_timer = has_token(&c.invite, HeaderKind::Supported, "timer")
            || has_token(&c.invite, HeaderKind::Require, "timer");
        let interval = se.map(|s| s.delta).or(want_se.map(|w| w.max(min_se)));
        if let Some(iv) = interval {
            let uac_refreshes = match se.and_then(|s| s.refresher_uac) {
                Some(x) => x && uac_timer,
                None => uac_timer,
            };
            let who = if uac_refreshes { "uac" } else { "uas" };
            r.headers
                .push_kind(HeaderKind::SessionExpires, format!("{iv};refresher={who}"));
            if uac_refreshes {
                r.headers.push_kind(HeaderKind::Require, "timer");
            }
            c.timer = Some(timer_for(now, iv, !uac_refreshes));
        }
        c.rel = None;
        c.rel_queue.clear();
        c.phase = Phase::Answered;
        if let Some(d) = c.dialog.as_mut() {
            d.state = DialogState::Confirmed;
        }
        let seq = c.invite.cseq().map(|x| x.seq).unwrap_or(0);
        c.ok_retx = Some((
            if c.transport == Transport::Udp {
                OkRetransmitter::new(now, r.to_bytes(), c.peer, self.cfg.timers)
            } else {
                OkRetransmitter::new_reliable(now, c.peer, self.cfg.timers)
            },
            seq,
        ));
        if let Some((t, id)) = c.invite_tx {
            self.respond(now, t, id, r);
        }
        Ok(agreed)
    }

    /// Rejects an incoming call that is not answered yet (486, 603, 480, 404...).
    pub fn reject(&mut self, now: Instant, call: CallRef, status: u16) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.uac || c.phase != Phase::Ringing || !(300..700).contains(&status) {
            return Err(UaError::WrongState);
        }
        self.final_to_invite(now, call, status);
        self.remove(call);
        Ok(())
    }

    // ---- UAC commands ------------------------------------------------------------------

    /// Places a call; the offer is built from `inv.media`. Events follow: Alerting,
    /// Progress, Answered or Hangup.
    pub fn invite(&mut self, now: Instant, inv: Invite) -> Result<CallRef, UaError> {
        // A caller without a number (withheld, or restricted upstream) goes out anonymous
        // (RFC 3323 §4.1.1.3) with Privacy: id, unless the trunk puts its own account there.
        let anonymous = inv.from_user.is_empty() || inv.from_user.eq_ignore_ascii_case(ANONYMOUS);
        let withheld = anonymous || inv.privacy;
        let trunk = match inv.trunk {
            Some(tr) => Some(self.trunks.get(tr.0).ok_or(UaError::NoSuchTrunk)?),
            None => None,
        };
        let trunk_user = trunk.is_some_and(|t| !t.cfg.user.is_empty());
        let hide = withheld && !trunk_user;
        // RFC 3325 §9.1: the caller's number, asserted to a trusted provider only.
        let asserted = trunk
            .filter(|t| t.cfg.assert_identity && !anonymous)
            .map(|t| sip_uri(&inv.from_user, &t.cfg.domain));
        let (dest, transport, target, from_uri) = match trunk {
            Some(t) => {
                let mut target = inv.target.clone();
                target.host.clone_from(&t.cfg.domain);
                (
                    inv.dest.unwrap_or(t.cfg.proxy),
                    t.cfg.transport,
                    target,
                    // A trunk authenticated by address has no user: the caller's number
                    // goes in From (the provider's CLI), never an empty user part.
                    if trunk_user {
                        sip_uri(&t.cfg.user, &t.cfg.domain)
                    } else if hide {
                        ANONYMOUS_URI.to_owned()
                    } else {
                        sip_uri(&inv.from_user, &t.cfg.domain)
                    },
                )
            }
            None => (
                inv.dest.ok_or(UaError::WrongState)?,
                inv.transport,
                inv.target.clone(),
                if hide {
                    ANONYMOUS_URI.to_owned()
                } else {
                    format!("sip:{}@{}", inv.from_user, self.cfg.local_addr)
                },
            ),
        };
        let from_display = if hide {
            Some(
                inv.from_display
                    .clone()
                    .unwrap_or_else(|| "Anonymous".to_owned()),
            )
        } else {
            inv.from_display.clone()
        };
        let c = CallRef(self.next_call);
        self.next_call += 1;
        let tag = self.fresh("f");
        let call_id = format!("{}@{}", self.fresh("c"), self.cfg.local_addr.ip());
        let mut req = Request::new(Method::Invite, target.clone());
        req.headers.push_kind(HeaderKind::Via, self.via(transport));
        req.headers.push_kind(HeaderKind::MaxForwards, "70");
        let display = from_display
            .as_ref()
            .map(|d| format!("\"{}\" ", crate::header::escape_quoted(d)))
            .unwrap_or_default();
        req.headers
            .push_kind(HeaderKind::From, format!("{display}<{from_uri}>;tag={tag}"));
        if hide || (withheld && asserted.is_some()) {
            req.headers.push("Privacy", "id");
        }
        if let Some(pai) = &asserted {
            req.headers.push("P-Asserted-Identity", format!("<{pai}>"));
        }
        let mut to = target;
        to.params = crate::header::Params::default();
        req.headers.push_kind(HeaderKind::To, format!("<{to}>"));
        req.headers.push_kind(HeaderKind::CallId, call_id);
        req.headers.push_kind(HeaderKind::CSeq, "1 INVITE");
        let user = if hide {
            ANONYMOUS.to_owned()
        } else {
            inv.from_user.clone()
        };
        req.headers
            .push_kind(HeaderKind::Contact, self.contact(&user, transport));
        req.headers.push_kind(HeaderKind::Allow, self.caps.allow());
        req.headers
            .push_kind(HeaderKind::Supported, "100rel, timer, replaces");
        if let Some(se) = self.cfg.session_expires {
            req.headers.push_kind(
                HeaderKind::SessionExpires,
                se.max(self.cfg.min_se).to_string(),
            );
            req.headers
                .push_kind(HeaderKind::MinSe, self.cfg.min_se.to_string());
        }
        if let Some(rp) = &inv.replaces {
            req.headers.push_kind(
                HeaderKind::Replaces,
                format!(
                    "{};to-tag={};from-tag={}",
                    rp.call_id, rp.to_tag, rp.from_tag
                ),
            );
        }
        req.headers
            .push_kind(HeaderKind::UserAgent, self.cfg.user_agent.clone());
        req.headers
            .push_kind(HeaderKind::ContentType, "application/sdp");
        let mut call = Call {
            uac: true,
            phase: Phase::Calling,
            transport,
            peer: dest,
            dialog: None,
            invite: req,
            invite_tx: None,
            trunk: inv.trunk,
            auth_tries: 0,
            user,
            want_dir: inv.media.direction,
            media: Some(inv.media.clone()),
            sdp_version: 1,
            last_sdp: None,
            remote_offer: None,
            offer_in_2xx: false,
            negotiated: None,
            ok_retx: None,
            ack: None,
            cancel_wanted: false,
            bye_after_ack: false,
            cancel_deadline: None,
            reinvite: None,
            reinvite_next: None,
            remote_hold: false,
            timer: None,
            peer_update: false,
            rel: None,
            rel_queue: VecDeque::new(),
            next_rseq: 1,
            last_rseq: None,
            reliable_ok: false,
            refer_in: false,
            replaces: None,
        };
        call.invite.body = Self::stamp_sdp(&mut call, sdp::offer(&inv.media, 1, 1));
        let req = call.invite.clone();
        let id = self.tm(transport).send_request(now, req, dest)?;
        call.invite_tx = Some((transport, id));
        self.txs.insert((transport, id), Purpose::Invite(c));
        self.calls.insert(c, call);
        Ok(c)
    }

    /// Cancels our outgoing call before the answer (§9.1). Sent at once after a provisional
    /// response, otherwise as soon as one arrives. Same as [`Self::hangup`] on an
    /// unanswered outgoing call.
    pub fn cancel(&mut self, now: Instant, call: CallRef) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        if !c.uac || c.phase != Phase::Calling {
            return Err(UaError::WrongState);
        }
        if c.cancel_wanted {
            return Ok(());
        }
        c.cancel_wanted = true;
        c.cancel_deadline = Some(now + self.cfg.timers.t1 * 64);
        let Some((t, id)) = c.invite_tx else {
            return Ok(());
        };
        if let Ok(cid) = self.tm(t).cancel(now, id) {
            self.txs.insert((t, cid), Purpose::Cancel);
        }
        Ok(())
    }

    /// Ends a call in any state: CANCEL (outgoing, unanswered), 480 (incoming, unanswered)
    /// or BYE. No Hangup event follows for a call the host ends.
    pub fn hangup(&mut self, now: Instant, call: CallRef) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        match (c.uac, c.phase) {
            (true, Phase::Calling) => self.cancel(now, call),
            (false, Phase::Ringing) => self.reject(now, call, 480),
            (_, Phase::Ending) => Ok(()),
            (false, Phase::Answered) if c.ok_retx.is_some() => {
                // §15: no BYE before the ACK of our 2xx (or before we give up on it).
                if let Some(c) = self.calls.get_mut(&call) {
                    c.bye_after_ack = true;
                }
                Ok(())
            }
            _ => {
                self.end_with_bye(now, call, None);
                Ok(())
            }
        }
    }

    fn end_with_bye(&mut self, now: Instant, call: CallRef, ev: Option<EndReason>) {
        let Some(mut req) = self.dialog_request(call, Method::Bye) else {
            self.remove(call);
            return;
        };
        let c = self
            .calls
            .get_mut(&call)
            .expect("checked by dialog_request");
        c.phase = Phase::Ending;
        c.ok_retx = None;
        c.timer = None;
        c.rel = None;
        let (t, peer) = (c.transport, c.peer);
        req.body.clear();
        match self.tm(t).send_request(now, req, peer) {
            Ok(id) => {
                self.txs.insert((t, id), Purpose::Bye(call));
            }
            Err(_) => self.remove(call),
        }
        if let Some(reason) = ev {
            self.events.push_back(UaEvent::Hangup { call, reason });
        }
    }

    /// Builds an in-dialog request with a new CSeq, Via and Contact.
    fn dialog_request(&mut self, call: CallRef, method: Method) -> Option<Request> {
        let (t, user) = {
            let c = self.calls.get(&call)?;
            (c.transport, c.user.clone())
        };
        let via = self.via(t);
        let contact = self.contact(&user, t);
        let ua = self.cfg.user_agent.clone();
        let c = self.calls.get_mut(&call)?;
        let d = c.dialog.as_mut()?;
        let seq = d.next_seq();
        let mut req = d.request(method, seq);
        req.headers.0.insert(
            0,
            crate::header::Header {
                name: HeaderKind::Via.name().to_owned(),
                value: via,
            },
        );
        req.headers.push_kind(HeaderKind::Contact, contact);
        req.headers.push_kind(HeaderKind::UserAgent, ua);
        Some(req)
    }

    fn send_in_dialog(
        &mut self,
        now: Instant,
        call: CallRef,
        req: Request,
        p: Purpose,
    ) -> Option<TxKey> {
        let (t, peer) = {
            let c = self.calls.get(&call)?;
            (c.transport, c.peer)
        };
        let id = self.tm(t).send_request(now, req, peer).ok()?;
        self.txs.insert((t, id), p);
        Some((t, id))
    }

    /// Puts the peer on hold: re-INVITE with a=sendonly (RFC 3264 §8.4).
    pub fn hold(&mut self, now: Instant, call: CallRef) -> Result<(), UaError> {
        self.start_reinvite(now, call, ReKind::Hold)
    }

    /// Takes the peer off hold: re-INVITE with a=sendrecv.
    pub fn resume(&mut self, now: Instant, call: CallRef) -> Result<(), UaError> {
        self.start_reinvite(now, call, ReKind::Resume)
    }

    fn start_reinvite(&mut self, now: Instant, call: CallRef, kind: ReKind) -> Result<(), UaError> {
        let c = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
        if c.phase != Phase::Confirmed || c.media.is_none() {
            return Err(UaError::WrongState);
        }
        match c.reinvite {
            // One offer at a time: the one in flight finishes first, then this one goes out.
            Some((Some(_), _, _)) => c.reinvite_next = Some(kind),
            // Waiting to retry after a 491: retry with what is wanted now.
            Some((None, _, at)) => c.reinvite = Some((None, kind, at)),
            None => self.send_reinvite(now, call, kind),
        }
        Ok(())
    }

    fn session_headers(&self, c: &Call, req: &mut Request) {
        if let Some(st) = c.timer {
            // We send this request, so we are its UAC (RFC 4028 §7.4, §8).
            let who = if st.we_refresh { "uac" } else { "uas" };
            req.headers.push_kind(
                HeaderKind::SessionExpires,
                format!("{};refresher={who}", st.interval),
            );
            req.headers
                .push_kind(HeaderKind::MinSe, self.cfg.min_se.to_string());
            req.headers.push_kind(HeaderKind::Supported, "timer");
        }
    }

    fn send_reinvite(&mut self, now: Instant, call: CallRef, kind: ReKind) {
        let Some(mut req) = self.dialog_request(call, Method::Invite) else {
            return;
        };
        let allow = self.caps.allow();
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(mut m) = c.media.clone() else {
            return;
        };
        match kind {
            ReKind::Hold => c.want_dir = Direction::SendOnly,
            ReKind::Resume => c.want_dir = Direction::SendRecv,
            ReKind::Refresh => {}
        }
        m.direction = c.want_dir;
        let body = Self::stamp_sdp(c, sdp::offer(&m, 1, 1));
        req.headers.push_kind(HeaderKind::Allow, allow);
        req.headers
            .push_kind(HeaderKind::ContentType, "application/sdp");
        req.body = body;
        let c = self.calls.get(&call).expect("present");
        self.session_headers(c, &mut req);
        let key = self.send_in_dialog(now, call, req, Purpose::ReInvite(call));
        if let Some(c) = self.calls.get_mut(&call) {
            c.reinvite = key.map(|k| (Some(k), kind, None));
        }
    }

    fn send_update(&mut self, now: Instant, call: CallRef) {
        let Some(mut req) = self.dialog_request(call, Method::Update) else {
            return;
        };
        let c = self.calls.get(&call).expect("present");
        self.session_headers(c, &mut req);
        self.send_in_dialog(now, call, req, Purpose::Update(call));
    }

    /// Sends REFER (RFC 3515) asking the peer to call `target`; with `replaces`, the
    /// Refer-To carries a Replaces for that other call of ours (attended transfer,
    /// RFC 3891 §7: the tags as the transfer target sees them). Progress comes as
    /// [`UaEvent::TransferProgress`].
    pub fn refer(
        &mut self,
        now: Instant,
        call: CallRef,
        target: Uri,
        replaces: Option<CallRef>,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.phase != Phase::Confirmed {
            return Err(UaError::WrongState);
        }
        let mut target = target;
        if let Some(other) = replaces {
            let d = self
                .calls
                .get(&other)
                .and_then(|o| o.dialog.as_ref())
                .ok_or(UaError::NoSuchCall)?;
            let v = format!(
                "{};to-tag={};from-tag={}",
                d.id.call_id, d.id.remote_tag, d.id.local_tag
            );
            target.headers = Some(format!("Replaces={}", uri_escape(&v)));
        }
        let mut req = self
            .dialog_request(call, Method::Refer)
            .ok_or(UaError::WrongState)?;
        req.headers
            .push_kind(HeaderKind::ReferTo, format!("<{target}>"));
        let from = req.headers.values(HeaderKind::From).next().unwrap_or("");
        let by = from.split(";tag=").next().unwrap_or("").to_owned();
        req.headers.push_kind(HeaderKind::ReferredBy, by);
        self.send_in_dialog(now, call, req, Purpose::Refer(call))
            .ok_or(UaError::WrongState)?;
        Ok(())
    }

    /// Reports the outcome of a transfer the peer asked for ([`UaEvent::TransferRequested`]):
    /// a NOTIFY with `SIP/2.0 <status>` (RFC 3515 §2.4.5); a final status (>= 200) ends the
    /// implicit subscription.
    pub fn transfer_status(
        &mut self,
        now: Instant,
        call: CallRef,
        status: u16,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if !c.refer_in {
            return Err(UaError::WrongState);
        }
        self.notify_refer(now, call, status);
        Ok(())
    }

    fn notify_refer(&mut self, now: Instant, call: CallRef, status: u16) {
        let Some(mut req) = self.dialog_request(call, Method::Notify) else {
            return;
        };
        req.headers.push_kind(HeaderKind::Event, "refer");
        let state = if status >= 200 {
            "terminated;reason=noresource"
        } else {
            "active;expires=60"
        };
        req.headers.push("Subscription-State", state);
        req.headers
            .push_kind(HeaderKind::ContentType, "message/sipfrag;version=2.0");
        req.body = format!("SIP/2.0 {status} {}\r\n", reason(status)).into_bytes();
        if status >= 200
            && let Some(c) = self.calls.get_mut(&call)
        {
            c.refer_in = false;
        }
        self.send_in_dialog(now, call, req, Purpose::Other);
    }

    /// Sends one DTMF digit by SIP INFO (application/dtmf-relay), for peers without
    /// RFC 4733.
    pub fn send_dtmf_info(
        &mut self,
        now: Instant,
        call: CallRef,
        digit: char,
        duration_ms: u32,
    ) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.phase != Phase::Confirmed {
            return Err(UaError::WrongState);
        }
        let mut req = self
            .dialog_request(call, Method::Info)
            .ok_or(UaError::WrongState)?;
        req.headers
            .push_kind(HeaderKind::ContentType, "application/dtmf-relay");
        req.body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n").into_bytes();
        self.send_in_dialog(now, call, req, Purpose::Other);
        Ok(())
    }

    /// Sends OPTIONS inside the call's dialog (§11; a liveness probe: 481 or a timeout ends
    /// the call with [`EndReason::DialogLost`]).
    pub fn options(&mut self, now: Instant, call: CallRef) -> Result<(), UaError> {
        let c = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        if c.phase != Phase::Confirmed {
            return Err(UaError::WrongState);
        }
        let req = self
            .dialog_request(call, Method::Options)
            .ok_or(UaError::WrongState)?;
        self.send_in_dialog(now, call, req, Purpose::Update(call));
        Ok(())
    }

    // ---- in-dialog requests ------------------------------------------------------------

    fn in_dialog(&mut self, now: Instant, t: Transport, id: TxId, c: CallRef, req: Request) {
        let seq = req.cseq().map(|s| s.seq).unwrap_or(0);
        let ok_seq = self
            .calls
            .get_mut(&c)
            .and_then(|call| call.dialog.as_mut())
            .is_some_and(|d| d.accept_remote_seq(seq));
        if !ok_seq {
            // §12.2.2: lower CSeq than the last one: 500.
            self.simple(now, t, id, &req, 500);
            return;
        }
        match req.method {
            Method::Bye => {
                let r = req.response(200, "OK", None);
                self.respond(now, t, id, r);
                let was_ringing = self
                    .calls
                    .get(&c)
                    .is_some_and(|x| x.phase == Phase::Ringing);
                if was_ringing {
                    self.final_to_invite(now, c, 487);
                }
                self.remove(c);
                self.events.push_back(UaEvent::Hangup {
                    call: c,
                    reason: EndReason::Bye,
                });
            }
            Method::Invite => self.on_reinvite(now, t, id, c, &req),
            Method::Update => self.on_update(now, t, id, c, &req),
            Method::Options => {
                let mut r = req.response(200, "OK", None);
                self.decorate(&mut r);
                self.respond(now, t, id, r);
            }
            Method::Prack => self.on_prack(now, t, id, c, &req),
            Method::Info => {
                let digits = dtmf_of(&req);
                let r = req.response(200, "OK", None);
                self.respond(now, t, id, r);
                if let Some(digits) = digits {
                    self.events.push_back(UaEvent::Digits { call: c, digits });
                }
            }
            Method::Refer => self.on_refer(now, t, id, c, &req),
            Method::Notify => {
                let ev = req.headers.values(HeaderKind::Event).next().unwrap_or("");
                if !ev.trim().to_ascii_lowercase().starts_with("refer") {
                    self.simple(now, t, id, &req, 489);
                    return;
                }
                let r = req.response(200, "OK", None);
                self.respond(now, t, id, r);
                if let Some(status) = sipfrag_status(&req.body) {
                    self.events
                        .push_back(UaEvent::TransferProgress { call: c, status });
                }
            }
            _ => self.simple(now, t, id, &req, 405),
        }
    }

    fn on_reinvite(&mut self, now: Instant, t: Transport, id: TxId, c: CallRef, req: &Request) {
        let contact = {
            let Some(call) = self.calls.get(&c) else {
                return;
            };
            if call.phase != Phase::Confirmed {
                // §14.2: a re-INVITE before the ACK of the first one: 500 with Retry-After.
                let mut r = req.response(500, reason(500), None);
                r.headers.push_kind(HeaderKind::RetryAfter, "1");
                self.respond(now, t, id, r);
                return;
            }
            if matches!(call.reinvite, Some((Some(_), _, _))) {
                // §14.2: glare.
                self.simple(now, t, id, req, 491);
                return;
            }
            self.contact(&call.user, call.transport)
        };
        let allow = self.caps.allow();
        let min_se = self.cfg.min_se;
        let call = self.calls.get_mut(&c).expect("present");
        if let Some(d) = call.dialog.as_mut() {
            d.refresh_target(req);
        }
        let mut r = req.response(200, "OK", None);
        r.headers.push_kind(HeaderKind::Contact, contact);
        r.headers.push_kind(HeaderKind::Allow, allow);
        let mut ev = Vec::new();
        let Some(mut m) = call.media.clone() else {
            self.simple(now, t, id, req, 488);
            return;
        };
        m.direction = call.want_dir;
        if is_sdp(req, &req.body) {
            let Ok(offer) = Sdp::parse(&req.body) else {
                self.simple(now, t, id, req, 400);
                return;
            };
            match sdp::answer(&offer, &m, 1, 1) {
                Ok((ans, neg)) => {
                    let held = is_hold(offered_direction(&offer));
                    if held != call.remote_hold {
                        call.remote_hold = held;
                        ev.push(if held {
                            UaEvent::Held { call: c }
                        } else {
                            UaEvent::Resumed { call: c }
                        });
                    }
                    // Direction changes are told by Held/Resumed; MediaUpdate is for
                    // address, port or codec.
                    let moved = neg.remote_addr != "0.0.0.0"
                        && call.negotiated.as_ref().is_none_or(|o| {
                            (
                                &o.remote_addr,
                                o.remote_port,
                                o.codec_pt,
                                o.telephone_event_pt,
                            ) != (
                                &neg.remote_addr,
                                neg.remote_port,
                                neg.codec_pt,
                                neg.telephone_event_pt,
                            )
                        });
                    if moved {
                        ev.push(UaEvent::MediaUpdate {
                            call: c,
                            media: neg.clone(),
                        });
                    }
                    call.negotiated = Some(neg);
                    r.body = Self::stamp_sdp(call, ans);
                }
                Err(_) => {
                    // §14.2: an unacceptable re-offer leaves the session as it was.
                    self.simple(now, t, id, req, 488);
                    return;
                }
            }
        } else {
            r.body = Self::stamp_sdp(call, sdp::offer(&m, 1, 1));
            call.offer_in_2xx = true;
        }
        r.headers
            .push_kind(HeaderKind::ContentType, "application/sdp");
        refresh_timer(now, call, req, &mut r, min_se);
        let seq = req.cseq().map(|x| x.seq).unwrap_or(0);
        call.ok_retx = Some((
            if t == Transport::Udp {
                OkRetransmitter::new(now, r.to_bytes(), call.peer, self.cfg.timers)
            } else {
                OkRetransmitter::new_reliable(now, call.peer, self.cfg.timers)
            },
            seq,
        ));
        self.respond(now, t, id, r);
        self.events.extend(ev);
    }

    fn on_update(&mut self, now: Instant, t: Transport, id: TxId, c: CallRef, req: &Request) {
        let min_se = self.cfg.min_se;
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        if let Some(d) = call.dialog.as_mut() {
            d.refresh_target(req);
        }
        let mut r = req.response(200, "OK", None);
        if is_sdp(req, &req.body) {
            let (Ok(offer), Some(mut m)) = (Sdp::parse(&req.body), call.media.clone()) else {
                self.simple(now, t, id, req, 488);
                return;
            };
            m.direction = call.want_dir;
            let Ok((ans, neg)) = sdp::answer(&offer, &m, 1, 1) else {
                self.simple(now, t, id, req, 488);
                return;
            };
            call.negotiated = Some(neg);
            r.body = Self::stamp_sdp(call, ans);
            r.headers
                .push_kind(HeaderKind::ContentType, "application/sdp");
        }
        refresh_timer(now, call, req, &mut r, min_se);
        self.respond(now, t, id, r);
    }

    fn on_prack(&mut self, now: Instant, t: Transport, id: TxId, c: CallRef, req: &Request) {
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        let inv_seq = call.invite.cseq().map(|x| x.seq).unwrap_or(0);
        let matches = match (req.rack(), &call.rel) {
            (Ok(Some(ra)), Some(rel)) => {
                ra.rseq == rel.rseq && ra.cseq == inv_seq && ra.method == Method::Invite
            }
            _ => false,
        };
        if !matches {
            // RFC 3262 §3: a PRACK that matches no unacknowledged reliable provisional: 481.
            self.simple(now, t, id, req, 481);
            return;
        }
        call.rel = None;
        let next = call.rel_queue.pop_front();
        let r = req.response(200, "OK", None);
        self.respond(now, t, id, r);
        if let Some(n) = next {
            self.send_reliable(now, c, n);
        }
    }

    fn on_refer(&mut self, now: Instant, t: Transport, id: TxId, c: CallRef, req: &Request) {
        let Ok(rt) = req.name_addr(HeaderKind::ReferTo) else {
            self.simple(now, t, id, req, 400);
            return;
        };
        let mut target = rt.uri;
        let headers = target.headers.take();
        let replaces = headers.as_deref().and_then(|h| {
            h.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                k.eq_ignore_ascii_case("Replaces")
                    .then(|| Replaces::parse(&uri_unescape(v)).ok())
                    .flatten()
            })
        });
        let replaces_call = replaces
            .as_ref()
            .and_then(|r| self.find_dialog(&r.call_id, &r.to_tag, &r.from_tag));
        let contact = self
            .calls
            .get(&c)
            .map(|x| self.contact(&x.user, x.transport));
        let mut r = req.response(202, "Accepted", None);
        if let Some(ct) = contact {
            r.headers.push_kind(HeaderKind::Contact, ct);
        }
        self.respond(now, t, id, r);
        if let Some(call) = self.calls.get_mut(&c) {
            call.refer_in = true;
        }
        self.notify_refer(now, c, 100);
        self.events.push_back(UaEvent::TransferRequested {
            call: c,
            target,
            replaces,
            replaces_call,
        });
    }

    fn on_ack(&mut self, now: Instant, ack: &Request) {
        let (Ok(f), Ok(to), Ok(cid), Ok(cs)) =
            (ack.hdr_from(), ack.hdr_to(), ack.call_id(), ack.cseq())
        else {
            return;
        };
        let Some(c) = self.find_dialog(cid, to.tag().unwrap_or(""), f.tag().unwrap_or("")) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        if call.ok_retx.as_ref().is_some_and(|(_, s)| *s == cs.seq) {
            call.ok_retx = None;
        }
        if call.phase == Phase::Answered {
            call.phase = Phase::Confirmed;
            if call.bye_after_ack {
                self.end_with_bye(now, c, None);
                return;
            }
            // RFC 3891 §3: the new dialog is confirmed; the replaced one ends.
            if let Some(old) = call.replaces.take()
                && self.calls.contains_key(&old)
            {
                let _ = self.hangup(now, old);
                self.events.push_back(UaEvent::Hangup {
                    call: old,
                    reason: EndReason::Replaced,
                });
            }
        }
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        if call.offer_in_2xx && is_sdp(ack, &ack.body) {
            call.offer_in_2xx = false;
            if let (Ok(ans), Some(m)) = (Sdp::parse(&ack.body), call.media.as_ref())
                && let Ok(neg) = sdp::negotiated_from_answer(&ans, m)
            {
                call.remote_hold = is_hold(offered_direction(&ans));
                call.negotiated = Some(neg.clone());
                self.events.push_back(UaEvent::MediaUpdate {
                    call: c,
                    media: neg,
                });
            }
        }
    }

    // ---- responses ---------------------------------------------------------------------

    fn on_response(&mut self, now: Instant, key: TxKey, resp: Response) {
        // The entry stays until the transaction ends: 2xx retransmissions (RFC 6026
        // Accepted) still need the call.
        let Some(p) = self.txs.get(&key).copied() else {
            return;
        };
        match p {
            Purpose::Invite(c) => self.on_invite_response(now, c, key, resp),
            Purpose::ReInvite(c) => self.on_reinvite_response(now, c, resp),
            Purpose::Bye(c) if resp.status >= 200 => self.remove(c),
            Purpose::Update(c) | Purpose::Refer(c)
                if matches!(resp.status, 481 | 408) && self.calls.contains_key(&c) =>
            {
                self.remove(c);
                self.events.push_back(UaEvent::Hangup {
                    call: c,
                    reason: EndReason::DialogLost,
                });
            }
            Purpose::Refer(c) if resp.status >= 300 => {
                self.events.push_back(UaEvent::TransferProgress {
                    call: c,
                    status: resp.status,
                });
            }
            Purpose::Update(c) if (200..300).contains(&resp.status) => {
                if let Some(call) = self.calls.get_mut(&c) {
                    accept_timer_response(now, call, &resp);
                }
            }
            Purpose::Register(tr) => self.on_register_response(now, tr, &resp),
            Purpose::Ping(tr) if resp.status >= 200 => self.ping_done(now, tr, true),
            _ => {}
        }
    }

    fn on_stray(&mut self, resp: &Response) {
        // §13.2.2.4: a 2xx retransmitted after the INVITE transaction is gone: ACK again.
        let (Ok(cs), Ok(cid), Ok(to)) = (resp.cseq(), resp.call_id(), resp.hdr_to()) else {
            return;
        };
        if cs.method != Method::Invite || !(200..300).contains(&resp.status) {
            return;
        }
        let from_tag = resp
            .hdr_from()
            .ok()
            .and_then(|f| f.tag().map(str::to_owned))
            .unwrap_or_default();
        let Some(c) = self.find_dialog(cid, &from_tag, to.tag().unwrap_or("")) else {
            return;
        };
        let Some(call) = self.calls.get(&c) else {
            return;
        };
        if let Some((s, b)) = &call.ack
            && *s == cs.seq
        {
            self.out.push_back(Transmit {
                transport: call.transport,
                to: call.peer,
                bytes: b.clone(),
            });
        }
    }

    fn send_ack(&mut self, call: CallRef, seq: u32, body: Option<Vec<u8>>) {
        let (t, user) = match self.calls.get(&call) {
            Some(c) => (c.transport, c.user.clone()),
            None => return,
        };
        let via = self.via(t);
        let contact = self.contact(&user, t);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(d) = c.dialog.as_ref() else {
            return;
        };
        // §13.2.2.4: CSeq number of the INVITE, method ACK, a new branch, the route set.
        let mut ack = d.request(Method::Ack, seq);
        ack.headers.0.insert(
            0,
            crate::header::Header {
                name: HeaderKind::Via.name().to_owned(),
                value: via,
            },
        );
        ack.headers.push_kind(HeaderKind::Contact, contact);
        if let Some(b) = body {
            ack.headers
                .push_kind(HeaderKind::ContentType, "application/sdp");
            ack.body = b;
        }
        let bytes = Message::Request(ack).to_bytes();
        c.ack = Some((seq, bytes.clone()));
        self.out.push_back(Transmit {
            transport: c.transport,
            to: c.peer,
            bytes,
        });
    }

    fn on_invite_response(&mut self, now: Instant, c: CallRef, key: TxKey, resp: Response) {
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        let status = resp.status;
        let seq = call.invite.cseq().map(|x| x.seq).unwrap_or(1);
        if (200..300).contains(&status) {
            if call.phase != Phase::Calling {
                // A retransmitted 2xx (§13.2.2.4): the same ACK again.
                if let Some((s, b)) = &call.ack
                    && *s == seq
                {
                    self.out.push_back(Transmit {
                        transport: call.transport,
                        to: call.peer,
                        bytes: b.clone(),
                    });
                }
                return;
            }
            let same_dialog = call.dialog.as_ref().is_some_and(|d| {
                resp.hdr_to().ok().and_then(|t| t.tag().map(str::to_owned))
                    == Some(d.id.remote_tag.clone())
            });
            if same_dialog {
                if let Some(d) = call.dialog.as_mut() {
                    d.state = DialogState::Confirmed;
                    d.refresh_target(&resp);
                    let mut rr = resp.routes(HeaderKind::RecordRoute).unwrap_or_default();
                    rr.reverse();
                    d.route_set = rr;
                }
            } else {
                let Ok(d) = Dialog::uac(&call.invite, &resp) else {
                    return;
                };
                let keep_seq = call.dialog.as_ref().map_or(0, |o| o.local_seq);
                call.dialog = Some(Dialog {
                    local_seq: d.local_seq.max(keep_seq),
                    ..d
                });
            }
            call.peer_update = has_token(&resp, HeaderKind::Allow, "UPDATE");
            call.phase = Phase::Confirmed;
            let media = if is_sdp(&resp, &resp.body) {
                match (Sdp::parse(&resp.body), call.media.as_ref()) {
                    (Ok(ans), Some(m)) => sdp::negotiated_from_answer(&ans, m).ok(),
                    _ => None,
                }
            } else {
                call.negotiated.clone()
            };
            call.negotiated.clone_from(&media);
            // RFC 4028 §7.2: the 2xx says who refreshes.
            if let Ok(Some(se)) = resp.session_expires() {
                let we = se.refresher_uac.unwrap_or(true);
                call.timer = Some(timer_for(now, se.delta, we));
            }
            let cancelled = call.cancel_wanted;
            self.send_ack(c, seq, None);
            if cancelled {
                // §15: the 2xx crossed our CANCEL: end the session with BYE.
                self.end_with_bye(now, c, None);
            } else {
                self.events.push_back(UaEvent::Answered { call: c, media });
            }
            return;
        }
        if status < 200 {
            if call.cancel_wanted
                && let Some((t, id)) = call.invite_tx
                && let Ok(cid) = self.tm(t).cancel(now, id)
            {
                self.txs.insert((t, cid), Purpose::Cancel);
                return;
            }
            let Some(call) = self.calls.get_mut(&c) else {
                return;
            };
            if status == 100 {
                return;
            }
            let has_tag = resp.hdr_to().is_ok_and(|t| t.tag().is_some());
            if has_tag {
                let tag = resp
                    .hdr_to()
                    .ok()
                    .and_then(|t| t.tag().map(str::to_owned))
                    .unwrap_or_default();
                let new = call.dialog.as_ref().is_none_or(|d| d.id.remote_tag != tag);
                if new && let Ok(d) = Dialog::uac(&call.invite, &resp) {
                    call.dialog = Some(d);
                    call.last_rseq = None;
                }
            }
            // RFC 3262 §4: PRACK each new reliable provisional (RSeq in order).
            let reliable = has_token(&resp, HeaderKind::Require, "100rel");
            let rseq = resp.delta(HeaderKind::RSeq).ok().flatten();
            if reliable && let Some(rs) = rseq {
                if call.last_rseq.is_some_and(|l| rs <= l) {
                    return; // a retransmission
                }
                call.last_rseq = Some(rs);
            }
            let media = if is_sdp(&resp, &resp.body) {
                match (Sdp::parse(&resp.body), call.media.as_ref()) {
                    (Ok(ans), Some(m)) => sdp::negotiated_from_answer(&ans, m).ok(),
                    _ => None,
                }
            } else {
                None
            };
            if media.is_some() {
                call.negotiated.clone_from(&media);
            }
            if reliable
                && let Some(rs) = rseq
                && call.dialog.is_some()
                && let Some(mut pr) = self.dialog_request(c, Method::Prack)
            {
                pr.headers
                    .push_kind(HeaderKind::RAck, format!("{rs} {seq} INVITE"));
                self.send_in_dialog(now, c, pr, Purpose::Other);
            }
            self.events.push_back(match media {
                Some(m) => UaEvent::Progress { call: c, media: m },
                None => UaEvent::Alerting { call: c },
            });
            return;
        }
        // 3xx-6xx: the transaction sent the ACK (§17.1.1.3).
        if matches!(status, 401 | 407)
            && call.auth_tries < 2
            && !call.cancel_wanted
            && let Some(tr) = call.trunk
        {
            call.auth_tries += 1;
            let challenges = DigestClient::challenges_of(&resp);
            let cnonce = self.fresh("cn");
            let call = self.calls.get_mut(&c).expect("present");
            let uri = call.invite.uri.to_string();
            if let Ok(auth) = self.trunks[tr.0]
                .client
                .answer(&challenges, "INVITE", &uri, &cnonce)
            {
                let kind = if status == 407 {
                    HeaderKind::ProxyAuthorization
                } else {
                    HeaderKind::Authorization
                };
                self.retry_invite(now, c, key, |req| req.headers.set(kind, auth));
                return;
            }
        }
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        if status == 422 && call.auth_tries < 3 {
            call.auth_tries += 1;
            if let Ok(Some(min)) = resp.delta(HeaderKind::MinSe) {
                self.retry_invite(now, c, key, |req| {
                    req.headers.set(HeaderKind::SessionExpires, min.to_string());
                    req.headers.set(HeaderKind::MinSe, min.to_string());
                });
                return;
            }
        }
        let Some(call) = self.calls.get(&c) else {
            return;
        };
        let cancelled = call.cancel_wanted;
        self.remove(c);
        if !cancelled {
            self.events.push_back(UaEvent::Hangup {
                call: c,
                reason: EndReason::Rejected(status),
            });
        }
    }

    fn retry_invite(
        &mut self,
        now: Instant,
        c: CallRef,
        old: TxKey,
        edit: impl FnOnce(&mut Request),
    ) {
        let Some(call) = self.calls.get(&c) else {
            return;
        };
        let t = call.transport;
        let via = self.via(t);
        let call = self.calls.get_mut(&c).expect("present");
        let seq = call.invite.cseq().map(|x| x.seq).unwrap_or(1) + 1;
        call.invite
            .headers
            .set(HeaderKind::CSeq, format!("{seq} INVITE"));
        // Keep Via first.
        call.invite.headers.remove(HeaderKind::Via);
        call.invite.headers.0.insert(
            0,
            crate::header::Header {
                name: HeaderKind::Via.name().to_owned(),
                value: via,
            },
        );
        edit(&mut call.invite);
        call.dialog = None;
        let (req, peer) = (call.invite.clone(), call.peer);
        self.txs.remove(&old);
        match self.tm(t).send_request(now, req, peer) {
            Ok(id) => {
                self.txs.insert((t, id), Purpose::Invite(c));
                if let Some(call) = self.calls.get_mut(&c) {
                    call.invite_tx = Some((t, id));
                }
            }
            Err(_) => {
                self.remove(c);
                self.events.push_back(UaEvent::Hangup {
                    call: c,
                    reason: EndReason::Rejected(500),
                });
            }
        }
    }

    fn on_reinvite_response(&mut self, now: Instant, c: CallRef, resp: Response) {
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        let status = resp.status;
        if status < 200 {
            return;
        }
        let kind = call.reinvite.map_or(ReKind::Refresh, |r| r.1);
        call.reinvite = None;
        let seq = resp.cseq().map(|x| x.seq).unwrap_or(0);
        self.reinvite_done(now, c, kind, seq, resp);
        // The next offer waiting for this one (unless a 491 retry is scheduled).
        if let Some(call) = self.calls.get_mut(&c)
            && call.reinvite.is_none()
            && call.phase == Phase::Confirmed
            && let Some(next) = call.reinvite_next.take()
        {
            self.send_reinvite(now, c, next);
        }
    }

    fn reinvite_done(&mut self, now: Instant, c: CallRef, kind: ReKind, seq: u32, resp: Response) {
        let Some(call) = self.calls.get_mut(&c) else {
            return;
        };
        let status = resp.status;
        if (200..300).contains(&status) {
            if let Some(d) = call.dialog.as_mut() {
                d.refresh_target(&resp);
            }
            if is_sdp(&resp, &resp.body)
                && let (Ok(ans), Some(m)) = (Sdp::parse(&resp.body), call.media.clone())
            {
                let mut m = m;
                m.direction = call.want_dir;
                if let Ok(neg) = sdp::negotiated_from_answer(&ans, &m) {
                    call.negotiated = Some(neg);
                }
            }
            accept_timer_response(now, call, &resp);
            self.send_ack(c, seq, None);
            return;
        }
        match status {
            491 => {
                // §14.1: glare; try again after a pause (2.1–4 s for the Call-ID owner, 0–2 s
                // otherwise; a fixed point in each range here).
                let wait = if call.uac { 2500 } else { 1000 };
                call.reinvite = Some((None, kind, Some(now + Duration::from_millis(wait))));
            }
            481 | 408 => {
                self.remove(c);
                self.events.push_back(UaEvent::Hangup {
                    call: c,
                    reason: EndReason::DialogLost,
                });
            }
            _ => {
                // §14.1: the session stays as it was.
                call.want_dir = match kind {
                    ReKind::Hold => Direction::SendRecv,
                    ReKind::Resume => Direction::SendOnly,
                    ReKind::Refresh => call.want_dir,
                };
            }
        }
    }

    fn on_timeout(&mut self, now: Instant, key: TxKey) {
        let Some(p) = self.txs.remove(&key) else {
            return;
        };
        match p {
            Purpose::Invite(c) => {
                if self.calls.contains_key(&c) {
                    let cancelled = self.calls.get(&c).is_some_and(|x| x.cancel_wanted);
                    self.remove(c);
                    if !cancelled {
                        self.events.push_back(UaEvent::Hangup {
                            call: c,
                            reason: EndReason::Rejected(408),
                        });
                    }
                }
            }
            Purpose::Bye(c) => self.remove(c),
            Purpose::ReInvite(c) | Purpose::Update(c) | Purpose::Refer(c) => {
                if self.calls.contains_key(&c) {
                    self.end_with_bye(now, c, Some(EndReason::DialogLost));
                }
            }
            Purpose::Register(tr) => self.register_failed(now, tr, 408),
            Purpose::Ping(tr) => self.ping_done(now, tr, false),
            Purpose::Cancel | Purpose::Other => {}
        }
    }

    // ---- trunks ------------------------------------------------------------------------

    fn send_register(&mut self, now: Instant, tr: TrunkRef, auth: Option<(HeaderKind, String)>) {
        let t = self.trunks[tr.0].cfg.transport;
        let via = self.via(t);
        let contact = self.contact(&self.trunks[tr.0].cfg.user.clone(), t);
        let ua = self.cfg.user_agent.clone();
        let trunk = &mut self.trunks[tr.0];
        trunk.cseq += 1;
        let domain = trunk.cfg.domain.clone();
        let mut req = Request::new(Method::Register, Uri::sip(None, &domain, None));
        req.headers.push_kind(HeaderKind::Via, via);
        req.headers.push_kind(HeaderKind::MaxForwards, "70");
        let aor = format!("<sip:{}@{domain}>", trunk.cfg.user);
        req.headers
            .push_kind(HeaderKind::From, format!("{aor};tag={}", trunk.tag));
        req.headers.push_kind(HeaderKind::To, aor);
        req.headers
            .push_kind(HeaderKind::CallId, trunk.call_id.clone());
        req.headers
            .push_kind(HeaderKind::CSeq, format!("{} REGISTER", trunk.cseq));
        req.headers.push_kind(HeaderKind::Contact, contact);
        req.headers
            .push_kind(HeaderKind::Expires, trunk.cfg.expires.to_string());
        req.headers.push_kind(HeaderKind::UserAgent, ua);
        if let Some((k, v)) = auth {
            req.headers.push_kind(k, v);
        }
        let proxy = trunk.cfg.proxy;
        match self.tm(t).send_request(now, req, proxy) {
            Ok(id) => {
                self.trunks[tr.0].reg_tx = Some((t, id));
                self.txs.insert((t, id), Purpose::Register(tr));
            }
            Err(_) => self.register_failed(now, tr, 500),
        }
    }

    fn on_register_response(&mut self, now: Instant, tr: TrunkRef, resp: &Response) {
        if resp.status < 200 {
            return;
        }
        self.trunks[tr.0].reg_tx = None;
        match resp.status {
            200..=299 => {
                let trunk = &mut self.trunks[tr.0];
                let mine = format!("@{}", self.cfg.local_addr);
                let granted = resp
                    .contacts()
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|c| match c {
                        crate::header::Contact::Addr(a) if a.uri.to_string().contains(&mine) => {
                            a.expires()
                        }
                        _ => None,
                    })
                    .or(resp.expires().ok().flatten())
                    .unwrap_or(trunk.cfg.expires);
                trunk.expires = granted;
                trunk.auth_tries = 0;
                trunk.backoff = trunk.cfg.retry_base;
                // Refresh before expiry: a quarter early, at most a minute.
                let early = (granted / 4).clamp(1, 60);
                trunk.next_reg = Some(
                    now + Duration::from_secs(u64::from(granted.saturating_sub(early).max(1))),
                );
                self.events.push_back(UaEvent::TrunkRegistered {
                    trunk: tr,
                    expires: granted,
                });
            }
            401 | 407 if self.trunks[tr.0].auth_tries < 2 => {
                self.trunks[tr.0].auth_tries += 1;
                let challenges = DigestClient::challenges_of(resp);
                let cnonce = self.fresh("cn");
                let trunk = &mut self.trunks[tr.0];
                let uri = format!("sip:{}", trunk.cfg.domain);
                match trunk.client.answer(&challenges, "REGISTER", &uri, &cnonce) {
                    Ok(a) => {
                        let kind = if resp.status == 407 {
                            HeaderKind::ProxyAuthorization
                        } else {
                            HeaderKind::Authorization
                        };
                        self.send_register(now, tr, Some((kind, a)));
                    }
                    Err(_) => self.register_failed(now, tr, resp.status),
                }
            }
            423 => {
                let min = resp.delta(HeaderKind::MinExpires).ok().flatten();
                let trunk = &mut self.trunks[tr.0];
                match min {
                    // Min-Expires only grows the interval, so this cannot loop.
                    Some(m) if m > trunk.cfg.expires => {
                        trunk.cfg.expires = m;
                        trunk.auth_tries = 0;
                        self.send_register(now, tr, None);
                    }
                    _ => self.register_failed(now, tr, 423),
                }
            }
            s => self.register_failed(now, tr, s),
        }
    }

    fn register_failed(&mut self, now: Instant, tr: TrunkRef, status: u16) {
        let trunk = &mut self.trunks[tr.0];
        trunk.reg_tx = None;
        trunk.expires = 0;
        let retry_at = now + trunk.backoff;
        trunk.next_reg = Some(retry_at);
        trunk.backoff = (trunk.backoff * 2).min(trunk.cfg.retry_max);
        self.events.push_back(UaEvent::TrunkRegistrationFailed {
            trunk: tr,
            status,
            retry_at,
        });
    }

    fn send_ping(&mut self, now: Instant, tr: TrunkRef) {
        let t = self.trunks[tr.0].cfg.transport;
        let via = self.via(t);
        let tag = self.fresh("p");
        let cid = format!("{}@{}", self.fresh("o"), self.cfg.local_addr.ip());
        let trunk = &self.trunks[tr.0];
        let domain = trunk.cfg.domain.clone();
        let mut req = Request::new(Method::Options, Uri::sip(None, &domain, None));
        req.headers.push_kind(HeaderKind::Via, via);
        req.headers.push_kind(HeaderKind::MaxForwards, "70");
        req.headers.push_kind(
            HeaderKind::From,
            format!("<{}>;tag={tag}", sip_uri(&trunk.cfg.user, &domain)),
        );
        req.headers
            .push_kind(HeaderKind::To, format!("<sip:{domain}>"));
        req.headers.push_kind(HeaderKind::CallId, cid);
        req.headers.push_kind(HeaderKind::CSeq, "1 OPTIONS");
        let proxy = trunk.cfg.proxy;
        match self.tm(t).send_request(now, req, proxy) {
            Ok(id) => {
                self.trunks[tr.0].ping_tx = Some((t, id));
                self.txs.insert((t, id), Purpose::Ping(tr));
            }
            Err(_) => self.ping_done(now, tr, false),
        }
    }

    fn ping_done(&mut self, now: Instant, tr: TrunkRef, up: bool) {
        let trunk = &mut self.trunks[tr.0];
        trunk.ping_tx = None;
        trunk.next_ping = trunk.cfg.keepalive.map(|k| now + k);
        if trunk.up != Some(up) {
            trunk.up = Some(up);
            self.events
                .push_back(UaEvent::TrunkStatus { trunk: tr, up });
        }
    }
}

fn timer_for(now: Instant, interval: u32, we_refresh: bool) -> SessionTimer {
    let iv = u64::from(interval.max(1));
    // RFC 4028 §10: refresh at half the interval; the other side gives up at the interval
    // minus min(32 s, a third of it).
    let at = if we_refresh {
        now + Duration::from_millis(iv * 500)
    } else {
        now + Duration::from_secs(iv - (iv / 3).min(32))
    };
    SessionTimer {
        interval,
        we_refresh,
        at,
    }
}

/// A session refresh we received (re-INVITE, UPDATE): restart the timer and say so in the
/// 2xx (RFC 4028 §9).
fn refresh_timer(now: Instant, call: &mut Call, req: &Request, r: &mut Response, min_se: u32) {
    let se = req.session_expires().ok().flatten();
    let Some(iv) = se.map(|s| s.delta).or(call.timer.map(|t| t.interval)) else {
        return;
    };
    let iv = iv.max(min_se);
    // The request's sender is the UAC of this transaction.
    let uac_refreshes = se.and_then(|s| s.refresher_uac).unwrap_or(true);
    let who = if uac_refreshes { "uac" } else { "uas" };
    r.headers
        .push_kind(HeaderKind::SessionExpires, format!("{iv};refresher={who}"));
    if uac_refreshes {
        r.headers.push_kind(HeaderKind::Require, "timer");
    }
    call.timer = Some(timer_for(now, iv, !uac_refreshes));
}

/// The 2xx to our refresh: restart the timer (RFC 4028 §7.4).
fn accept_timer_response(now: Instant, call: &mut Call, resp: &Response) {
    if let Ok(Some(se)) = resp.session_expires() {
        // We sent the request, so we are this transaction's UAC.
        call.timer = Some(timer_for(now, se.delta, se.refresher_uac.unwrap_or(true)));
    } else if let Some(t) = call.timer {
        call.timer = Some(timer_for(now, t.interval, t.we_refresh));
    }
}

fn dtmf_of(req: &Request) -> Option<String> {
    let ct = req.content_type().ok().flatten()?.essence();
    let body = core::str::from_utf8(&req.body).ok()?;
    let ok = |c: char| c.is_ascii_digit() || "*#ABCDabcd".contains(c);
    match ct.as_str() {
        "application/dtmf-relay" => body.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            (k.trim().eq_ignore_ascii_case("signal") && !v.is_empty() && v.chars().all(ok))
                .then(|| v.to_ascii_uppercase())
        }),
        "application/dtmf" => {
            let v = body.trim();
            (!v.is_empty() && v.len() <= 32 && v.chars().all(ok)).then(|| v.to_ascii_uppercase())
        }
        _ => None,
    }
}

fn sipfrag_status(body: &[u8]) -> Option<u16> {
    let s = core::str::from_utf8(body).ok()?;
    let line = s.lines().next()?;
    let mut it = line.split(' ');
    if !it.next()?.eq_ignore_ascii_case("SIP/2.0") {
        return None;
    }
    it.next()?.parse().ok().filter(|s| (100..700).contains(s))
}
