//! The SIP side of the call engine: the sans-IO user agent ([`sip::ua::Ua`]) driven from
//! tokio sockets (UDP and TCP on `--sip`), its events mapped to switch [`LegEvent`]s and
//! the switch's commands for SIP legs mapped to UA calls; one RTP session per SIP leg on the
//! media thread, its two UDP sockets (RTP, RTCP) on loopback ports from the allocator.
//!
//! The UA lives in the call engine's task, so an answer's negotiated media is known (and
//! the leg's RTP session attached to the media thread) before the switch's next media
//! command for the leg.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use ::sip::sdp::{Codec, Direction, LocalMedia, Negotiated};
use ::sip::ua::{
    Account, CallOrigin, CallRef, EndReason, Invite, Transport, Ua, UaConfig, UaEvent,
};
use switch::Cause;
use switch::LegEvent;
use switch::dialplan::{CallingParty, ChannelKind, OriginClass, Presentation};
use switch::engine::{Destination, LegId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::calls::{Engine, ToEngine};
use crate::media::{Ctl, rtp_channel};

/// Input from the SIP sockets.
#[derive(Debug)]
pub(crate) enum SipEv {
    /// Bytes from UDP or a TCP connection.
    Data {
        transport: Transport,
        from: SocketAddr,
        bytes: Vec<u8>,
    },
    /// A TCP connection opened (its writer) or closed (`None`).
    Conn {
        peer: SocketAddr,
        writer: Option<mpsc::UnboundedSender<Vec<u8>>>,
    },
}

/// A SIP leg.
#[derive(Debug)]
struct SipLeg {
    call: CallRef,
    rtp_port: u16,
    sockets: Option<(std::net::UdpSocket, std::net::UdpSocket)>,
    slot: Option<usize>,
    answered: bool,
}

/// The SIP side, owned by the call engine.
pub(crate) struct SipSide {
    pub(crate) ua: Ua,
    udp: Arc<UdpSocket>,
    tcp: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>>,
    ports: rtp::PortAllocator,
    legs: HashMap<LegId, SipLeg>,
    by_call: HashMap<CallRef, LegId>,
    trunks: HashMap<String, ::sip::ua::TrunkRef>,
    seed: u64,
    /// The engine's queue: connections the SIP side opens itself report there.
    engine: mpsc::UnboundedSender<ToEngine>,
}

impl std::fmt::Debug for SipSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipSide")
            .field("legs", &self.legs.len())
            .finish_non_exhaustive()
    }
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        let t = crate::clock::Clock::wall_now().0;
        return u64::from_le_bytes(t.to_le_bytes()) ^ u64::from(std::process::id());
    }
    u64::from_le_bytes(b)
}

/// SIP accounts of the store's extensions.
pub(crate) fn accounts(store: &store::Store) -> anyhow::Result<Vec<Account>> {
    Ok(store
        .extensions()?
        .into_iter()
        .filter_map(|e| {
            let algorithms: &[::sip::auth::Algorithm] = match e.config.digest_algorithms {
                // The extension's `digest_algorithms = md5`: phones that drop a whole 401
                // naming SHA-256 (baresip 1.0, sipp 3.6).
                store::config::DigestAlgorithms::Md5 => &[::sip::auth::Algorithm::Md5],
                // MD5 first: many phones (and sipp) answer only the first challenge and
                // know only MD5; SHA-256 (RFC 8760) is offered second.
                _ => &[::sip::auth::Algorithm::Md5, ::sip::auth::Algorithm::Sha256],
            };
            e.config
                .sip_password
                .map(|p| Account::new(&e.config.number, &p).with_algorithms(algorithms))
        })
        .collect())
}

/// Receive buffer asked for the SIP UDP socket.
const SIP_RCVBUF: usize = 4 << 20;

/// Enlarges the SIP UDP socket's receive buffer. With the kernel's default (208 KiB, about
/// 90 loopback datagrams of INVITE size) a burst of a few hundred calls overflowed it while
/// the engine thread was descheduled for some tens of ms, and the dropped INVITEs and
/// responses failed calls (the bench at 200 calls/s: 63 drops on the SIP socket, 26 calls
/// cleared after 10 s). The kernel caps the size at `net.core.rmem_max`.
fn sip_receive_buffer(udp: &UdpSocket) {
    let sock = socket2::SockRef::from(udp);
    let _ = sock.set_recv_buffer_size(SIP_RCVBUF);
    match sock.recv_buffer_size() {
        // Linux reports twice the size set (its bookkeeping overhead).
        Ok(n) if n >= SIP_RCVBUF => debug!(bytes = n, "sip udp receive buffer"),
        Ok(n) => warn!(
            bytes = n,
            wanted = SIP_RCVBUF,
            "sip udp receive buffer capped by net.core.rmem_max: bursts of calls may be dropped (raise it with sysctl)"
        ),
        Err(e) => warn!("sip udp receive buffer: {e}"),
    }
}

/// Binds the SIP sockets and starts their reader tasks.
pub(crate) async fn start(
    addr: SocketAddr,
    rtp_ports: (u16, u16),
    accounts: Vec<Account>,
    trunks: Vec<store::config::SipTrunkConfig>,
    engine: mpsc::UnboundedSender<ToEngine>,
) -> anyhow::Result<SipSide> {
    use anyhow::Context;
    let udp = Arc::new(
        UdpSocket::bind(addr)
            .await
            .with_context(|| format!("binding SIP UDP on {addr}"))?,
    );
    let local = udp.local_addr()?;
    sip_receive_buffer(&udp);
    let tcp = TcpListener::bind(local)
        .await
        .with_context(|| format!("binding SIP TCP on {local}"))?;
    info!(addr = %local, "sip listening (udp, tcp)");
    let mut cfg = UaConfig::new(local);
    cfg.seed = random_u64();
    cfg.nonce_secret = random_u64().to_le_bytes().to_vec();
    cfg.accounts = accounts;
    let mut ua = Ua::new(cfg);
    let mut trunk_refs = HashMap::new();
    for t in trunks.into_iter().filter(|t| t.enabled) {
        let Some(tc) = crate::siptrunk::trunk_config(&t) else {
            continue;
        };
        let proxy = tc.proxy;
        let r = ua.add_trunk(tc);
        info!(trunk = %t.name, %proxy, transport = %t.transport.as_str(), register = t.register, "SIP trunk configured");
        trunk_refs.insert(t.name, r);
    }
    let ports = rtp::PortAllocator::new(rtp_ports.0, rtp_ports.1)
        .map_err(|e| anyhow::anyhow!("RTP port range: {e}"))?;
    // UDP reader.
    {
        let udp = Arc::clone(&udp);
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                match udp.recv_from(&mut buf).await {
                    Ok((n, from)) => {
                        let ev = SipEv::Data {
                            transport: Transport::Udp,
                            from,
                            bytes: buf[..n].to_vec(),
                        };
                        if engine.send(ToEngine::Sip(ev)).is_err() {
                            return;
                        }
                    }
                    Err(e) => debug!("sip udp: {e}"),
                }
            }
        });
    }
    // TCP acceptor: one reader task per connection, the writer handed to the engine.
    let acceptor_engine = engine.clone();
    tokio::spawn(async move {
        let engine = acceptor_engine;
        loop {
            let Ok((conn, peer)) = tcp.accept().await else {
                continue;
            };
            let (tx, rx) = mpsc::unbounded_channel::<Vec<u8>>();
            let _ = engine.send(ToEngine::Sip(SipEv::Conn {
                peer,
                writer: Some(tx),
            }));
            tokio::spawn(serve_tcp(conn, peer, rx, engine.clone()));
        }
    });
    Ok(SipSide {
        ua,
        udp,
        tcp: HashMap::new(),
        ports,
        legs: HashMap::new(),
        by_call: HashMap::new(),
        trunks: trunk_refs,
        seed: random_u64(),
        engine,
    })
}

/// Moves bytes between one TCP connection and the engine: `rx` feeds the writer; what is
/// read goes to the engine as from `peer`; the close is reported as `Conn { writer: None }`.
pub(crate) async fn serve_tcp(
    conn: tokio::net::TcpStream,
    peer: SocketAddr,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    engine: mpsc::UnboundedSender<ToEngine>,
) {
    let (mut rd, mut wr) = conn.into_split();
    tokio::spawn(async move {
        while let Some(b) = rx.recv().await {
            if wr.write_all(&b).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 16_384];
    loop {
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let ev = SipEv::Data {
                    transport: Transport::Tcp,
                    from: peer,
                    bytes: buf[..n].to_vec(),
                };
                if engine.send(ToEngine::Sip(ev)).is_err() {
                    return;
                }
            }
        }
    }
    let _ = engine.send(ToEngine::Sip(SipEv::Conn { peer, writer: None }));
}

impl SipSide {
    /// Sends what the UA queued.
    pub(crate) fn flush(&mut self) {
        while let Some(t) = self.ua.poll_transmit() {
            match t.transport {
                Transport::Udp => {
                    if let Err(e) = self.udp.try_send_to(&t.bytes, t.to) {
                        debug!(to = %t.to, "sip send: {e}");
                    }
                }
                Transport::Tcp => match self.tcp.get(&t.to) {
                    Some(w) => {
                        let _ = w.send(t.bytes);
                    }
                    // None yet (a trunk on TCP): open one; the bytes wait for it.
                    None => {
                        let w = crate::siptrunk::connect(t.to, self.engine.clone());
                        let _ = w.send(t.bytes);
                        self.tcp.insert(t.to, w);
                    }
                },
            }
        }
    }

    fn local_media(&self, port: u16) -> LocalMedia {
        LocalMedia {
            addr: "127.0.0.1".into(),
            port,
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            telephone_event_pt: Some(101),
            ptime: 20,
            direction: Direction::SendRecv,
        }
    }

    /// An RTP/RTCP port pair from the range with both sockets bound. A pair something else
    /// on the host holds (another daemon, a test's peer) is given back and the next one
    /// tried (the pool's cursor has moved past it, so it comes round again only after the
    /// rest of the range); up to [`BIND_TRIES`] pairs. Before, the first taken pair cleared
    /// an outgoing call with #47.
    fn bind_pair(&mut self) -> Option<(u16, std::net::UdpSocket, std::net::UdpSocket)> {
        for _ in 0..BIND_TRIES {
            let pair = self.ports.allocate()?;
            let rtp = std::net::UdpSocket::bind(("127.0.0.1", pair.rtp));
            let rtcp = std::net::UdpSocket::bind(("127.0.0.1", pair.rtcp));
            if let (Ok(a), Ok(b)) = (rtp, rtcp) {
                return Some((pair.rtp, a, b));
            }
            debug!(
                port = pair.rtp,
                "RTP port pair taken on the host: trying the next"
            );
            let _ = self.ports.release(pair.rtp);
        }
        None
    }

    /// New RTP ports and their sockets for a leg.
    fn new_leg(&mut self, leg: LegId, call: CallRef) -> bool {
        let Some((rtp_port, a, b)) = self.bind_pair() else {
            return false;
        };
        self.legs.insert(
            leg,
            SipLeg {
                call,
                rtp_port,
                sockets: Some((a, b)),
                slot: None,
                answered: false,
            },
        );
        self.by_call.insert(call, leg);
        true
    }
}

/// RTP port pairs tried for one leg before it fails (see `SipSide::bind_pair`).
const BIND_TRIES: usize = 64;

/// The SIP status for a Q.850 cause (RFC 3398 §8.2.6.1).
fn cause_to_status(c: Cause) -> u16 {
    match c.0 {
        1..=3 | 26 => 404,
        17 => 486,
        18 => 408,
        102 => 504,
        19 | 20 | 31 => 480,
        // Call rejected (the dial plan's toll-fraud policy among others): 403 Forbidden.
        21 | 55 | 57 | 87 => 403,
        22 | 23 => 410,
        27 => 502,
        28 => 484,
        29 | 79 => 501,
        34 | 38 | 41 | 42 | 44 | 47 | 58 | 88 => 503,
        65 | 70 => 488,
        111 | 127 => 500,
        _ => 480,
    }
}

fn reason_to_cause(r: EndReason) -> Cause {
    match r {
        EndReason::Bye | EndReason::Cancelled | EndReason::Replaced => Cause::NORMAL_CLEARING,
        EndReason::Rejected(s) => match s {
            404 | 410 | 484 => Cause::UNALLOCATED_NUMBER,
            486 | 600 => Cause::USER_BUSY,
            408 => Cause::NO_USER_RESPONDING,
            480 => Cause(20),
            487 => Cause::NORMAL_CLEARING,
            403 | 603 => Cause::CALL_REJECTED,
            502 => Cause::DESTINATION_OUT_OF_ORDER,
            503 => Cause::NO_CIRCUIT_AVAILABLE,
            500..=599 => Cause::TEMPORARY_FAILURE,
            _ => Cause::NORMAL_UNSPECIFIED,
        },
        EndReason::NoAck | EndReason::SessionExpired | EndReason::DialogLost => {
            Cause::TEMPORARY_FAILURE
        }
    }
}

/// Starts a leg's media: its RTP session on the media thread, its sockets on the RTP
/// socket thread.
fn start_media(e: &mut Engine, leg: LegId, neg: &Negotiated) {
    let Some(slot) = e.rtp_slot() else {
        warn!(leg = leg.0, "no RTP slot free: the leg has no media");
        return;
    };
    let now = e.now();
    let Some(side) = e.sip_mut() else { return };
    let seed = side.seed.wrapping_add(u64::from(leg.0));
    let Some(l) = side.legs.get_mut(&leg) else {
        return;
    };
    if l.slot.is_some() {
        e.release_slot(slot);
        return;
    }
    let Some((a, b)) = l.sockets.take() else {
        e.release_slot(slot);
        return;
    };
    let remote = format!("{}:{}", neg.remote_addr, neg.remote_port)
        .parse::<SocketAddr>()
        .ok();
    let law = match neg.codec {
        Codec::Pcmu => media_dsp::g711::Law::Ulaw,
        _ => media_dsp::g711::Law::Alaw,
    };
    let mut cfg = rtp::SessionConfig {
        seed,
        payload_type: neg.codec_pt,
        event_payload_type: neg.telephone_event_pt,
        ptime_ms: u16::try_from(neg.ptime.clamp(10, 60)).unwrap_or(20),
        remote_rtp: remote,
        ..rtp::SessionConfig::default()
    };
    cfg.jitter.law = law;
    let session = rtp::Session::new(now, cfg);
    a.set_nonblocking(true).ok();
    b.set_nonblocking(true).ok();
    // The media thread reads and sends on the sockets itself.
    let chan = rtp_channel(leg, session, a, b);
    l.slot = Some(slot);
    let rtp_port = l.rtp_port;
    info!(leg = leg.0, rtp_port, remote = ?remote, codec = ?neg.codec, "rtp session started");
    e.media_ctl(Ctl::AttachRtp { slot, chan });
    e.set_slot(leg, slot);
}

/// Handles input from the SIP sockets.
pub(crate) fn on_event(e: &mut Engine, ev: SipEv) {
    let now = e.now();
    let Some(side) = e.sip_mut() else { return };
    match ev {
        SipEv::Data {
            transport,
            from,
            bytes,
        } => side.ua.handle_datagram(now, transport, from, &bytes),
        SipEv::Conn { peer, writer } => match writer {
            Some(w) => {
                side.tcp.insert(peer, w);
            }
            None => {
                side.tcp.remove(&peer);
                side.ua.connection_closed(peer);
            }
        },
    }
    pump(e);
}

/// Runs the UA's timers.
pub(crate) fn on_timeout(e: &mut Engine) {
    let now = e.now();
    if let Some(side) = e.sip_mut()
        && side.ua.poll_timeout().is_some_and(|t| t <= now)
    {
        side.ua.handle_timeout(now);
    }
    pump(e);
}

/// Drains the UA's events into the switch and sends its messages.
pub(crate) fn pump(e: &mut Engine) {
    loop {
        let Some(side) = e.sip_mut() else { return };
        side.flush();
        let Some(ev) = side.ua.poll_event() else {
            return;
        };
        ua_event(e, ev);
    }
}

fn leg_of(e: &mut Engine, call: CallRef) -> Option<LegId> {
    e.sip_mut().and_then(|s| s.by_call.get(&call).copied())
}

fn ua_event(e: &mut Engine, ev: UaEvent) {
    let now = e.now();
    match ev {
        UaEvent::Incoming {
            call,
            origin,
            called,
            calling,
            ..
        } => {
            let (origin_class, endpoint) = match &origin {
                CallOrigin::Account { user } => (OriginClass::Extension, format!("sip/{user}")),
                CallOrigin::Trunk { name, .. } => (OriginClass::Trunk, format!("sip/{name}")),
                CallOrigin::Anonymous => (OriginClass::Unauthenticated, "sip/anonymous".into()),
                #[allow(unreachable_patterns)]
                _ => (OriginClass::Unauthenticated, "sip/?".into()),
            };
            info!(call = call.0, called = %called, calling = %calling, endpoint = %endpoint, "sip incoming call");
            let accepting = e.accepting();
            // The caller asked to withhold its number (RFC 3323 Privacy, anonymous From).
            let restricted = e.sip_mut().is_some_and(|s| s.ua.privacy_requested(call));
            let leg = e.switch().allocate_leg();
            let Some(side) = e.sip_mut() else { return };
            if !accepting {
                info!(
                    call = call.0,
                    cause = 42,
                    "call rejected: draining: no new calls"
                );
                let _ = side.ua.reject(now, call, 503);
                return;
            }
            if !side.new_leg(leg, call) {
                warn!(call = call.0, "no RTP port free");
                let _ = side.ua.reject(now, call, 503);
                return;
            }
            e.add_sip_leg(leg, None, true, endpoint.clone());
            e.sip_input(LegEvent::Incoming {
                leg,
                kind: ChannelKind::Sip,
                endpoint,
                origin: origin_class,
                called,
                calling: CallingParty {
                    number: Some(calling).filter(|c| !c.is_empty()),
                    presentation: if restricted {
                        Presentation::Restricted
                    } else {
                        Presentation::Allowed
                    },
                },
            });
        }
        UaEvent::Alerting { call } => {
            if let Some(leg) = leg_of(e, call) {
                e.sip_input(LegEvent::Alerting { leg });
            }
        }
        UaEvent::Progress { call, media } => {
            if let Some(leg) = leg_of(e, call) {
                start_media(e, leg, &media);
                e.sip_input(LegEvent::Progress { leg });
            }
        }
        UaEvent::Answered { call, media } => {
            if let Some(leg) = leg_of(e, call) {
                if let Some(m) =
                    media
                        .as_ref()
                        .or(e.sip_mut().and_then(|s| s.ua.media(call)).cloned().as_ref())
                {
                    start_media(e, leg, m);
                }
                if let Some(l) = e.sip_mut().and_then(|s| s.legs.get_mut(&leg)) {
                    l.answered = true;
                }
                e.sip_input(LegEvent::Answered { leg });
            }
        }
        UaEvent::MediaUpdate { call, media } => {
            if let Some(leg) = leg_of(e, call) {
                start_media(e, leg, &media);
            }
        }
        UaEvent::Held { call } => {
            if let Some(leg) = leg_of(e, call) {
                e.sip_input(LegEvent::Hold { leg });
            }
        }
        UaEvent::Resumed { call } => {
            if let Some(leg) = leg_of(e, call) {
                e.sip_input(LegEvent::Resume { leg });
            }
        }
        UaEvent::Digits { call, digits } => {
            if let Some(leg) = leg_of(e, call) {
                e.sip_input(LegEvent::Digits { leg, digits });
            }
        }
        UaEvent::TransferRequested {
            call,
            target,
            replaces,
            replaces_call,
        } => {
            let Some(leg) = leg_of(e, call) else { return };
            let other = replaces_call.and_then(|c| leg_of(e, c));
            let ev = match (replaces, other) {
                (None, _) => LegEvent::BlindTransfer {
                    leg,
                    to: target.user.unwrap_or_default(),
                },
                (Some(_), Some(consultation)) => LegEvent::AttendedTransfer { leg, consultation },
                (Some(_), None) => {
                    if let Some(s) = e.sip_mut() {
                        let _ = s.ua.transfer_status(now, call, 481);
                    }
                    return;
                }
            };
            info!(call = call.0, leg = leg.0, ?ev, "transfer requested");
            // Success is reported before the switch drops the transferring leg.
            if let Some(s) = e.sip_mut() {
                let _ = s.ua.transfer_status(now, call, 200);
            }
            e.sip_input(ev);
        }
        UaEvent::Hangup { call, reason } => {
            if let Some(leg) = leg_of(e, call) {
                info!(
                    call = call.0,
                    leg = leg.0,
                    ?reason,
                    "sip call ended by the peer"
                );
                e.sip_input(LegEvent::Hangup {
                    leg,
                    cause: reason_to_cause(reason),
                });
                forget(e, leg);
            }
        }
        UaEvent::Registered {
            aor,
            source,
            bindings,
        } => {
            info!(%aor, %source, bindings, "sip registered");
            if bindings > 0 {
                let user = aor.trim_start_matches("sip:");
                let user = user.split('@').next().unwrap_or(user).to_owned();
                e.phone_registered(&user);
            }
        }
        UaEvent::TrunkRegistered { trunk, expires } => {
            crate::siptrunk::registered(e, trunk, Some(expires), 200);
        }
        UaEvent::TrunkRegistrationFailed { trunk, status, .. } => {
            crate::siptrunk::registered(e, trunk, None, status);
        }
        UaEvent::AuthFailed {
            source,
            user,
            banned,
        } => warn!(%source, %user, banned, "sip authentication failed"),
        other => info!("sip: {other:?}"),
    }
}

fn forget(e: &mut Engine, leg: LegId) {
    if let Some(s) = e.sip_mut()
        && let Some(l) = s.legs.remove(&leg)
    {
        s.by_call.remove(&l.call);
        let _ = s.ports.release(l.rtp_port);
    }
    e.forget(leg);
}

/// Alert, Progress, Answer for a SIP leg.
pub(crate) fn alert(e: &mut Engine, leg: LegId, early: bool, answer: bool) {
    let now = e.now();
    let Some(s) = e.sip_mut() else { return };
    let Some(l) = s.legs.get(&leg) else { return };
    let (call, port) = (l.call, l.rtp_port);
    let media = s.local_media(port);
    let r = if answer {
        s.ua.answer(now, call, media)
    } else if early {
        s.ua.ringing(now, call, Some(media))
    } else {
        s.ua.ringing(now, call, None)
    };
    match r {
        Ok(Some(neg)) => start_media(e, leg, &neg),
        Ok(None) => {}
        Err(err) => warn!(leg = leg.0, "sip: {err}"),
    }
    if answer && let Some(l) = e.sip_mut().and_then(|s| s.legs.get_mut(&leg)) {
        l.answered = true;
    }
    pump(e);
}

/// Clears a SIP leg.
pub(crate) fn hangup(e: &mut Engine, leg: LegId, cause: Cause) {
    let now = e.now();
    if let Some(s) = e.sip_mut()
        && let Some(l) = s.legs.get(&leg)
    {
        let r = if l.answered {
            s.ua.hangup(now, l.call)
        } else {
            s.ua.reject(now, l.call, cause_to_status(cause))
                .or_else(|_| s.ua.hangup(now, l.call))
        };
        if let Err(err) = r {
            debug!(leg = leg.0, "sip hangup: {err}");
        }
    }
    forget(e, leg);
    pump(e);
}

/// A REFER could not be carried out.
pub(crate) fn transfer_failed(e: &mut Engine, leg: LegId) {
    let now = e.now();
    if let Some(s) = e.sip_mut()
        && let Some(l) = s.legs.get(&leg)
    {
        let _ = s.ua.transfer_status(now, l.call, 503);
    }
    pump(e);
}

/// Places a SIP call for `leg`. `false` when it cannot be placed (the caller clears the leg).
pub(crate) fn originate(
    e: &mut Engine,
    leg: LegId,
    destination: &Destination,
    called: &str,
    calling: &CallingParty,
) -> Option<Cause> {
    let now = e.now();
    let s = e.sip_mut()?;
    let from = calling
        .number
        .as_deref()
        .unwrap_or(::sip::ua::ANONYMOUS)
        .to_owned();
    // A restricted caller whose number the switch still passed (the trunk sends restricted
    // numbers): From anonymous, the number only in P-Asserted-Identity to a trusted trunk.
    let privacy = calling.presentation == Presentation::Restricted;
    // Ports first (the call ref comes after): a placeholder call id is replaced below.
    let Some((rtp_port, a, b)) = s.bind_pair() else {
        return Some(Cause::RESOURCE_UNAVAILABLE);
    };
    let media = s.local_media(rtp_port);
    let inv = match destination {
        Destination::Extension { endpoint, .. } => {
            let Some(b) = s.ua.bindings(now, endpoint).into_iter().next() else {
                let _ = s.ports.release(rtp_port);
                info!(leg = leg.0, endpoint = %endpoint, "SIP extension not registered");
                return Some(Cause(20));
            };
            Invite::direct(b.contact.uri.clone(), b.source, &from, media)
        }
        Destination::Trunk { trunk, .. } => {
            let Some(t) = s.trunks.get(trunk).copied() else {
                let _ = s.ports.release(rtp_port);
                return Some(Cause::NO_CIRCUIT_AVAILABLE);
            };
            Invite::trunk(t, called, &from, media)
        }
    };
    let inv = Invite { privacy, ..inv };
    match s.ua.invite(now, inv) {
        Ok(call) => {
            s.legs.insert(
                leg,
                SipLeg {
                    call,
                    rtp_port,
                    sockets: Some((a, b)),
                    slot: None,
                    answered: false,
                },
            );
            s.by_call.insert(call, leg);
            info!(leg = leg.0, call = call.0, "INVITE sent");
            pump(e);
            None
        }
        Err(err) => {
            let _ = s.ports.release(rtp_port);
            warn!(leg = leg.0, "invite: {err}");
            Some(Cause::TEMPORARY_FAILURE)
        }
    }
}

/// Applies the SIP trunks' P-Asserted-Identity trust (RFC 3325) of a new switch
/// configuration: a SIP trunk whose caller-ID rule sends restricted numbers is trusted
/// (routing.rs maps the store's `send_restricted` of a SIP trunk there), so a change in the
/// panel applies to the next call without a restart.
pub(crate) fn apply_trunk_trust(e: &mut Engine, cfg: &switch::dialplan::Config) {
    let Some(s) = e.sip_mut() else { return };
    for t in cfg.trunks.iter().filter(|t| t.kind == ChannelKind::Sip) {
        if let Some(r) = s.trunks.get(&t.name).copied() {
            let _ =
                s.ua.set_assert_identity(r, t.caller_id.send_restricted_number);
        }
    }
}

impl SipSide {
    /// The trunks the SIP side added (enabled, with an IP next hop, at start) by name, in
    /// name order.
    pub(crate) fn trunks(&self) -> impl Iterator<Item = (&str, ::sip::ua::TrunkRef)> {
        let mut t: Vec<_> = self.trunks.iter().map(|(n, r)| (n.as_str(), *r)).collect();
        t.sort_unstable_by_key(|(n, _)| *n);
        t.into_iter()
    }

    /// The name of a trunk.
    pub(crate) fn trunk_name(&self, trunk: ::sip::ua::TrunkRef) -> Option<&str> {
        self.trunks
            .iter()
            .find(|(_, r)| **r == trunk)
            .map(|(n, _)| n.as_str())
    }

    /// The address the SIP socket is bound to (the demo's simulated agents register there).
    pub(crate) fn local_addr(&self) -> Option<SocketAddr> {
        self.udp.local_addr().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Q.850 → SIP table of RFC 3398 §8.2.6.1, row by row (and 480 for the causes it
    /// does not list).
    #[test]
    fn q850_causes_map_to_the_sip_statuses_of_rfc_3398() {
        let table: &[(u8, u16)] = &[
            (1, 404),
            (2, 404),
            (3, 404),
            (17, 486),
            (18, 408),
            (19, 480),
            (20, 480),
            (21, 403),
            (22, 410),
            (23, 410),
            (26, 404),
            (27, 502),
            (28, 484),
            (29, 501),
            (31, 480),
            (34, 503),
            (38, 503),
            (41, 503),
            (42, 503),
            (47, 503),
            (55, 403),
            (57, 403),
            (58, 503),
            (65, 488),
            (70, 488),
            (79, 501),
            (87, 403),
            (88, 503),
            (102, 504),
            (111, 500),
            (127, 500),
            (16, 480),
        ];
        for &(cause, status) in table {
            assert_eq!(cause_to_status(Cause(cause)), status, "cause {cause}");
        }
    }
}
