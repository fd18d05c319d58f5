//! RFC 3261 §17 transactions, with the RFC 6026 corrections (Accepted state, Timers L and M),
//! and a manager that owns them all, sans-IO.
//!
//! Driving loop (the daemon, or a test `Pair`):
//! 1. a datagram arrives: [`TransactionManager::handle_input`]`(now, from, bytes)`;
//! 2. the TU acts: [`TransactionManager::send_request`], [`TransactionManager::send_response`];
//! 3. drain [`TransactionManager::poll_transmit`] onto the socket and
//!    [`TransactionManager::poll_event`] into the TU;
//! 4. sleep until [`TransactionManager::poll_timeout`], then call
//!    [`TransactionManager::handle_timeout`]`(now)` and go to 3.
//!
//! Retransmission timers (A, E, G) and the absorbing waits (D, I, K; J) run only on an
//! unreliable transport (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2): on TCP they are zero.
//! The TU owns 2xx retransmission and the ACK for 2xx (§13.3.1.4, §13.2.2.4); the
//! transaction sends the ACK for a non-2xx final response itself (§17.1.1.3).

use crate::header::{HeaderKind, MAGIC_COOKIE};
use crate::message::{HeaderAccess, Message, Method, Rejected, Request, Response};
use core::time::Duration;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::SocketAddr;
use tdm::Instant;

/// Timer base values (§17.1.1.1, Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// T1, RTT estimate (default 500 ms).
    pub t1: Duration,
    /// T2, maximum retransmit interval for non-INVITE requests and INVITE responses (4 s).
    pub t2: Duration,
    /// T4, maximum duration a message stays in the network (5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// Identifies one transaction inside a manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId(pub u64);

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The message bytes.
    pub bytes: Vec<u8>,
}

/// What the transaction layer tells its TU.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxEvent {
    /// A new request created a server transaction; the TU must answer it with
    /// [`TransactionManager::send_response`]. For CANCEL, `cancels` names the INVITE server
    /// transaction it matches (§9.2), if any.
    Request {
        /// The new server transaction.
        id: TxId,
        /// The request.
        request: Request,
        /// Where it came from.
        from: SocketAddr,
        /// For CANCEL: the matching INVITE server transaction.
        cancels: Option<TxId>,
    },
    /// An ACK that belongs to no transaction, or to an INVITE server transaction in the
    /// Accepted state (RFC 6026 §8.5): the ACK for a 2xx, for the dialog layer.
    Ack {
        /// The INVITE server transaction it matched, if still there.
        id: Option<TxId>,
        /// The ACK.
        request: Request,
        /// Where it came from.
        from: SocketAddr,
    },
    /// A response for a client transaction (retransmitted 2xx in Accepted included,
    /// RFC 6026 §8.4; other retransmissions absorbed).
    Response {
        /// The client transaction.
        id: TxId,
        /// The response.
        response: Response,
    },
    /// A response no client transaction matches (§17.1.3: a late 2xx after Timer M; proxies
    /// forward these, a UA may ACK and BYE).
    StrayResponse {
        /// The response.
        response: Response,
        /// Where it came from.
        from: SocketAddr,
    },
    /// Timer B or F fired: no final response (the TU treats it as a 408, §8.1.3.1); or Timer H
    /// fired: no ACK for our non-2xx final response (§17.2.1).
    Timeout {
        /// The transaction.
        id: TxId,
    },
    /// The transaction is gone; its id will not be used again.
    Terminated {
        /// The transaction.
        id: TxId,
    },
    /// A datagram that failed to parse. When `rejected.answer` is set, that response (400,
    /// 505, 513) was already queued back to the source address; otherwise it was dropped.
    Malformed {
        /// Where it came from.
        from: SocketAddr,
        /// Why.
        rejected: Box<Rejected>,
    },
}

/// Errors of the TU-facing calls.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// No such transaction (terminated, or never existed).
    #[error("no such transaction")]
    NoTransaction,
    /// The transaction cannot send this now (e.g. a final response after the final response).
    #[error("response not allowed in this transaction state")]
    WrongState,
    /// The message lacks what the transaction needs (top Via with a branch, CSeq).
    #[error("message unusable for a transaction")]
    BadMessage,
}

/// Transaction states (§17.1.1.2 Figure 5, §17.1.2.2 Figure 6, §17.2.1 Figure 7,
/// §17.2.2 Figure 8, RFC 6026 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// INVITE client, request sent.
    Calling,
    /// non-INVITE client, request sent.
    Trying,
    /// a provisional response was received (client) or sent (server).
    Proceeding,
    /// a 2xx to an INVITE (RFC 6026).
    Accepted,
    /// a non-2xx final response was received (client) or sent (server).
    Completed,
    /// INVITE server: the ACK for the non-2xx arrived.
    Confirmed,
    /// done.
    Terminated,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// RFC 3261 §17.1.3 / §17.2.3: branch, sent-by (server only) and method (ACK → INVITE).
    Branch {
        branch: String,
        sent_by: String,
        method: String,
    },
    /// RFC 2543 fallback (§17.2.3): Request-URI, From tag, Call-ID, CSeq number, top Via.
    Legacy {
        uri: String,
        from_tag: String,
        call_id: String,
        cseq: u32,
        via: String,
        method: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    A,
    B,
    D,
    E,
    F,
    K,
    G,
    H,
    I,
    J,
    L,
    M,
}

#[derive(Debug)]
struct Tx {
    key: Key,
    client: bool,
    invite: bool,
    state: State,
    peer: SocketAddr,
    /// Server: where responses go (§18.2.2, from the request's top Via), fixed when the
    /// request arrives. Client: the peer.
    reply_to: SocketAddr,
    /// Client INVITE, until its final response: the request, for a CANCEL (§9.1) or the
    /// ACK of a non-2xx (§17.1.1.3). Nothing else needs the parsed request once it is sent
    /// or handed to the TU, so no other transaction keeps it (at 1,000 calls a second,
    /// tens of thousands of transactions wait out Timers J, K, L and M).
    request: Option<Request>,
    /// Client: the encoded request (retransmissions). Server: the last response sent.
    /// Dropped in Accepted, where nothing is retransmitted (RFC 6026).
    last: Option<Vec<u8>>,
    ack: Option<Vec<u8>>,
    /// Current retransmission interval (A, E, G).
    interval: Duration,
    timers: Vec<(Timer, Instant)>,
}

/// Armed timers as (when, transaction, timer), earliest first.
type TimerHeap = BinaryHeap<Reverse<(Instant, TxId, Timer)>>;

impl Tx {
    /// Arms timer `t` of this transaction (`id`) at `at`, replacing an earlier arming, and
    /// enters it in the manager's heap: every arming goes through here, so the heap never
    /// misses one (the entry of a replaced or cleared arming is dropped when it reaches the
    /// top, [`TransactionManager::sync_timers`]).
    fn set(&mut self, heap: &mut TimerHeap, id: TxId, t: Timer, at: Instant) {
        self.timers.retain(|(x, _)| *x != t);
        self.timers.push((t, at));
        heap.push(Reverse((at, id, t)));
    }
    fn clear(&mut self, t: Timer) {
        self.timers.retain(|(x, _)| *x != t);
    }
}

/// All transactions of one transport, keyed by id, matched by branch.
#[derive(Debug)]
pub struct TransactionManager {
    timers: TimerConfig,
    reliable: bool,
    next_id: u64,
    txs: HashMap<TxId, Tx>,
    by_key: HashMap<Key, TxId>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TxEvent>,
    branch_seq: u64,
    branch_salt: u64,
    /// Every armed timer as (when, transaction, timer), earliest first, so that
    /// `poll_timeout` and `handle_timeout` cost O(log n) instead of a scan of every live
    /// transaction (at 1,000 calls/s some 100,000 wait out Timers J, K and D). Entries of
    /// timers since cleared or re-armed stay until they reach the top, where they are
    /// dropped ([`Self::sync_timers`]). [`Tx::set`] enters each arming.
    heap: TimerHeap,
}

fn key_for_request(req: &Request, server: bool) -> Option<Key> {
    let via = req.top_via().ok()?;
    let method = if req.method == Method::Ack {
        Method::Invite
    } else {
        req.method.clone()
    };
    match via.branch() {
        Some(b) if b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE) => {
            Some(Key::Branch {
                branch: b.to_owned(),
                sent_by: if server {
                    format!(
                        "{}:{}",
                        via.host.to_ascii_lowercase(),
                        via.port.unwrap_or(5060)
                    )
                } else {
                    String::new()
                },
                method: method.to_string(),
            })
        }
        _ => Some(Key::Legacy {
            uri: req.uri.to_string(),
            from_tag: req.hdr_from().ok()?.tag().unwrap_or("").to_owned(),
            call_id: req.call_id().ok()?.to_owned(),
            cseq: req.cseq().ok()?.seq,
            via: via.to_string(),
            method: method.to_string(),
        }),
    }
}

impl TransactionManager {
    /// A manager for one transport; `reliable` is true for TCP/TLS. `branch_salt` makes the
    /// branches this manager generates differ between runs (the daemon passes randomness).
    #[must_use]
    pub fn new(timers: TimerConfig, reliable: bool, branch_salt: u64) -> Self {
        Self {
            timers,
            reliable,
            next_id: 1,
            txs: HashMap::new(),
            by_key: HashMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            branch_seq: 0,
            branch_salt,
            heap: BinaryHeap::new(),
        }
    }

    /// Drops stale entries (timers since cleared or re-armed, transactions gone) from the
    /// heap's top: afterwards the top is a live timer (or the heap is empty), so
    /// [`Self::poll_timeout`] asks for no early wake-up.
    fn sync_timers(&mut self) {
        while let Some(&Reverse((at, id, t))) = self.heap.peek() {
            if self
                .txs
                .get(&id)
                .is_some_and(|tx| tx.timers.contains(&(t, at)))
            {
                break;
            }
            self.heap.pop();
        }
    }

    /// A fresh RFC 3261 branch (magic cookie + unique part).
    pub fn new_branch(&mut self) -> String {
        self.branch_seq += 1;
        format!("{MAGIC_COOKIE}{:x}.{:x}", self.branch_salt, self.branch_seq)
    }

    /// The state of a transaction.
    #[must_use]
    pub fn state(&self, id: TxId) -> Option<State> {
        self.txs.get(&id).map(|t| t.state)
    }

    /// Number of live transactions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// No live transactions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    fn alloc(&mut self) -> TxId {
        let id = TxId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Starts a client transaction (§17.1.1 INVITE, §17.1.2 others) and sends the request.
    /// The top Via must carry a branch with the magic cookie (see [`Self::new_branch`]).
    /// ACK for a 2xx is not a transaction: send it with [`Self::send_stateless`].
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Request,
        to: SocketAddr,
    ) -> Result<TxId, TxError> {
        if request.method == Method::Ack {
            return Err(TxError::BadMessage);
        }
        let key = key_for_request(&request, false).ok_or(TxError::BadMessage)?;
        if !matches!(key, Key::Branch { .. }) || self.by_key.contains_key(&key) {
            return Err(TxError::BadMessage);
        }
        let id = self.alloc();
        let invite = request.method == Method::Invite;
        let bytes = request.to_bytes();
        self.transmits.push_back(Transmit {
            to,
            bytes: bytes.clone(),
        });
        let t1 = self.timers.t1;
        let mut tx = Tx {
            key: key.clone(),
            client: true,
            invite,
            state: if invite {
                State::Calling
            } else {
                State::Trying
            },
            peer: to,
            reply_to: to,
            request: invite.then_some(request),
            last: Some(bytes),
            ack: None,
            interval: t1,
            timers: Vec::new(),
        };
        if invite {
            if !self.reliable {
                tx.set(&mut self.heap, id, Timer::A, now + t1);
            }
            tx.set(&mut self.heap, id, Timer::B, now + t1 * 64);
        } else {
            if !self.reliable {
                tx.set(&mut self.heap, id, Timer::E, now + t1);
            }
            tx.set(&mut self.heap, id, Timer::F, now + t1 * 64);
        }
        self.by_key.insert(key, id);
        self.txs.insert(id, tx);
        self.sync_timers();
        Ok(id)
    }

    /// Sends a message outside any transaction (ACK for 2xx, 2xx retransmissions by the TU,
    /// stateless responses).
    pub fn send_stateless(&mut self, message: &Message, to: SocketAddr) {
        self.transmits.push_back(Transmit {
            to,
            bytes: message.to_bytes(),
        });
    }

    /// Sends a response in a server transaction (§17.2.1, §17.2.2).
    pub fn send_response(
        &mut self,
        now: Instant,
        id: TxId,
        response: Response,
    ) -> Result<(), TxError> {
        let (t1, reliable) = (self.timers.t1, self.reliable);
        let tx = self.txs.get_mut(&id).ok_or(TxError::NoTransaction)?;
        if tx.client {
            return Err(TxError::NoTransaction);
        }
        let status = response.status;
        let bytes = response.to_bytes();
        match (tx.invite, tx.state) {
            (true, State::Proceeding) => {
                if status >= 300 {
                    tx.state = State::Completed;
                    if !reliable {
                        tx.interval = t1;
                        tx.set(&mut self.heap, id, Timer::G, now + t1);
                    }
                    tx.set(&mut self.heap, id, Timer::H, now + t1 * 64);
                } else if status >= 200 {
                    tx.state = State::Accepted;
                    tx.set(&mut self.heap, id, Timer::L, now + t1 * 64);
                }
            }
            // RFC 6026 §8.5: further 2xx (TU retransmissions) pass through in Accepted.
            (true, State::Accepted) if (200..300).contains(&status) => {}
            (false, State::Trying | State::Proceeding) => {
                if status >= 200 {
                    tx.state = State::Completed;
                    tx.set(
                        &mut self.heap,
                        id,
                        Timer::J,
                        now + if reliable { Duration::ZERO } else { t1 * 64 },
                    );
                } else {
                    tx.state = State::Proceeding;
                }
            }
            _ => return Err(TxError::WrongState),
        }
        // RFC 6026: nothing is retransmitted in Accepted (the TU resends its 2xx).
        tx.last = (tx.state != State::Accepted).then(|| bytes.clone());
        self.transmits.push_back(Transmit {
            to: tx.reply_to,
            bytes,
        });
        self.sync_timers();
        Ok(())
    }

    /// Builds a CANCEL for a client INVITE transaction (§9.1) and starts its own non-INVITE
    /// client transaction. Only after a provisional response (§9.1: otherwise wait).
    pub fn cancel(&mut self, now: Instant, id: TxId) -> Result<TxId, TxError> {
        let tx = self.txs.get(&id).ok_or(TxError::NoTransaction)?;
        if !(tx.client && tx.invite && tx.state == State::Proceeding) {
            return Err(TxError::WrongState);
        }
        let inv = tx.request.as_ref().ok_or(TxError::WrongState)?;
        let mut c = Request::new(Method::Cancel, inv.uri.clone());
        if let Some(v) = inv.headers.values(HeaderKind::Via).next() {
            c.headers.push_kind(HeaderKind::Via, v);
        }
        for k in [HeaderKind::From, HeaderKind::To, HeaderKind::CallId] {
            if let Some(v) = inv.headers.values(k).next() {
                c.headers.push_kind(k, v);
            }
        }
        let seq = inv.cseq().map_err(|_| TxError::BadMessage)?.seq;
        c.headers
            .push_kind(HeaderKind::CSeq, format!("{seq} CANCEL"));
        for r in inv.headers.values(HeaderKind::Route) {
            c.headers.push_kind(HeaderKind::Route, r);
        }
        c.headers.push_kind(HeaderKind::MaxForwards, "70");
        let peer = tx.peer;
        self.send_request(now, c, peer)
    }

    /// Feeds one received datagram (or one framed stream message).
    pub fn handle_input(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        self.input(now, from, bytes);
        self.sync_timers();
    }

    fn input(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        match Message::parse(bytes) {
            Ok(Message::Request(r)) => self.on_request(now, from, r),
            Ok(Message::Response(r)) => self.on_response(now, from, r),
            Err(rej) => {
                if let Some(a) = &rej.answer {
                    self.transmits.push_back(Transmit {
                        to: from,
                        bytes: a.to_bytes(),
                    });
                }
                self.events.push_back(TxEvent::Malformed {
                    from,
                    rejected: Box::new(rej),
                });
            }
        }
    }

    fn on_request(&mut self, now: Instant, from: SocketAddr, mut req: Request) {
        // §18.2.1: add received (and rport, RFC 3581 §4) to the top Via.
        stamp_received(&mut req, from);
        let Some(key) = key_for_request(&req, true) else {
            return;
        };
        if let Some(&id) = self.by_key.get(&key) {
            let (t4, reliable) = (self.timers.t4, self.reliable);
            let Some(tx) = self.txs.get_mut(&id) else {
                return;
            };
            if tx.client {
                return;
            }
            if req.method == Method::Ack {
                match tx.state {
                    State::Completed => {
                        tx.state = State::Confirmed;
                        tx.clear(Timer::G);
                        tx.clear(Timer::H);
                        tx.set(
                            &mut self.heap,
                            id,
                            Timer::I,
                            now + if reliable { Duration::ZERO } else { t4 },
                        );
                    }
                    State::Accepted => {
                        self.events.push_back(TxEvent::Ack {
                            id: Some(id),
                            request: req,
                            from,
                        });
                    }
                    _ => {}
                }
                return;
            }
            // A retransmission: resend the last response in Proceeding/Completed (§17.2.1, §17.2.2).
            if matches!(tx.state, State::Proceeding | State::Completed)
                && let Some(b) = &tx.last
            {
                self.transmits.push_back(Transmit {
                    to: tx.reply_to,
                    bytes: b.clone(),
                });
            }
            return;
        }
        if req.method == Method::Ack {
            self.events.push_back(TxEvent::Ack {
                id: None,
                request: req,
                from,
            });
            return;
        }
        let id = self.alloc();
        let invite = req.method == Method::Invite;
        let cancels = if req.method == Method::Cancel {
            let mut k = key.clone();
            match &mut k {
                Key::Branch { method, .. } | Key::Legacy { method, .. } => {
                    *method = "INVITE".into()
                }
            }
            self.by_key.get(&k).copied()
        } else {
            None
        };
        let mut tx = Tx {
            key: key.clone(),
            client: false,
            invite,
            state: if invite {
                State::Proceeding
            } else {
                State::Trying
            },
            peer: from,
            reply_to: response_destination(&req, from, self.reliable),
            request: None,
            last: None,
            ack: None,
            interval: self.timers.t1,
            timers: Vec::new(),
        };
        if invite {
            // §17.2.1: 100 Trying at once, so the client stops retransmitting.
            let trying = req.response(100, "Trying", None);
            let bytes = trying.to_bytes();
            tx.last = Some(bytes.clone());
            self.transmits.push_back(Transmit {
                to: tx.reply_to,
                bytes,
            });
        }
        self.by_key.insert(key, id);
        self.txs.insert(id, tx);
        self.events.push_back(TxEvent::Request {
            id,
            request: req,
            from,
            cancels,
        });
    }

    fn on_response(&mut self, now: Instant, from: SocketAddr, resp: Response) {
        let (Ok(via), Ok(cseq)) = (resp.top_via(), resp.cseq()) else {
            return;
        };
        let key = Key::Branch {
            branch: via.branch().unwrap_or("").to_owned(),
            sent_by: String::new(),
            method: cseq.method.to_string(),
        };
        let Some(&id) = self.by_key.get(&key) else {
            self.events.push_back(TxEvent::StrayResponse {
                response: resp,
                from,
            });
            return;
        };
        let (t1, t4, reliable) = (self.timers.t1, self.timers.t4, self.reliable);
        let Some(tx) = self.txs.get_mut(&id) else {
            return;
        };
        let status = resp.status;
        if tx.invite {
            match tx.state {
                State::Calling | State::Proceeding => {
                    tx.clear(Timer::A);
                    tx.clear(Timer::B);
                    if status < 200 {
                        tx.state = State::Proceeding;
                    } else if status < 300 {
                        tx.state = State::Accepted;
                        tx.request = None;
                        tx.last = None;
                        tx.set(&mut self.heap, id, Timer::M, now + t1 * 64);
                    } else {
                        tx.state = State::Completed;
                        let Some(inv) = tx.request.take() else {
                            return;
                        };
                        tx.last = None;
                        let ack = build_ack(&inv, &resp).to_bytes();
                        self.transmits.push_back(Transmit {
                            to: tx.peer,
                            bytes: ack.clone(),
                        });
                        tx.ack = Some(ack);
                        tx.set(
                            &mut self.heap,
                            id,
                            Timer::D,
                            now + if reliable {
                                Duration::ZERO
                            } else {
                                Duration::from_secs(32)
                            },
                        );
                    }
                    self.events
                        .push_back(TxEvent::Response { id, response: resp });
                }
                State::Accepted if (200..300).contains(&status) => {
                    self.events
                        .push_back(TxEvent::Response { id, response: resp });
                }
                State::Completed if status >= 300 => {
                    if let Some(a) = &tx.ack {
                        self.transmits.push_back(Transmit {
                            to: tx.peer,
                            bytes: a.clone(),
                        });
                    }
                }
                _ => {}
            }
        } else {
            match tx.state {
                State::Trying | State::Proceeding => {
                    if status < 200 {
                        tx.state = State::Proceeding;
                    } else {
                        tx.state = State::Completed;
                        tx.clear(Timer::E);
                        tx.clear(Timer::F);
                        tx.set(
                            &mut self.heap,
                            id,
                            Timer::K,
                            now + if reliable { Duration::ZERO } else { t4 },
                        );
                    }
                    self.events
                        .push_back(TxEvent::Response { id, response: resp });
                }
                _ => {}
            }
        }
    }

    /// The earliest pending timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.heap.peek().map(|&Reverse((at, _, _))| at)
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.sync_timers();
        // The transactions with a timer due, then each one's due timers in the order they
        // were armed; by transaction id, as a scan of all would give them.
        let mut ids: Vec<TxId> = Vec::new();
        while let Some(&Reverse((at, id, _))) = self.heap.peek() {
            if at > now {
                break;
            }
            self.heap.pop();
            ids.push(id);
        }
        ids.sort_unstable();
        ids.dedup();
        let mut due: Vec<(TxId, Timer)> = Vec::new();
        for id in ids {
            if let Some(t) = self.txs.get(&id) {
                due.extend(
                    t.timers
                        .iter()
                        .filter(|(_, at)| *at <= now)
                        .map(|(tm, _)| (id, *tm)),
                );
            }
        }
        for (id, timer) in due {
            self.fire(now, id, timer);
        }
        self.sync_timers();
    }

    fn fire(&mut self, now: Instant, id: TxId, timer: Timer) {
        let t2 = self.timers.t2;
        let Some(tx) = self.txs.get_mut(&id) else {
            return;
        };
        tx.clear(timer);
        let mut terminate = false;
        match timer {
            // §17.1.1.2: Timer A doubles each time.
            Timer::A if tx.state == State::Calling => {
                tx.interval *= 2;
                tx.set(&mut self.heap, id, Timer::A, now + tx.interval);
                if let Some(b) = &tx.last {
                    self.transmits.push_back(Transmit {
                        to: tx.peer,
                        bytes: b.clone(),
                    });
                }
            }
            // §17.1.2.2: Timer E doubles up to T2 in Trying, T2 in Proceeding.
            Timer::E if matches!(tx.state, State::Trying | State::Proceeding) => {
                tx.interval = if tx.state == State::Trying {
                    (tx.interval * 2).min(t2)
                } else {
                    t2
                };
                tx.set(&mut self.heap, id, Timer::E, now + tx.interval);
                if let Some(b) = &tx.last {
                    self.transmits.push_back(Transmit {
                        to: tx.peer,
                        bytes: b.clone(),
                    });
                }
            }
            // §17.2.1: Timer G doubles up to T2; resend the final response.
            Timer::G if tx.state == State::Completed => {
                tx.interval = (tx.interval * 2).min(t2);
                tx.set(&mut self.heap, id, Timer::G, now + tx.interval);
                if let Some(b) = &tx.last {
                    self.transmits.push_back(Transmit {
                        to: tx.reply_to,
                        bytes: b.clone(),
                    });
                }
            }
            Timer::B | Timer::F
                if matches!(tx.state, State::Calling | State::Trying | State::Proceeding) =>
            {
                self.events.push_back(TxEvent::Timeout { id });
                terminate = true;
            }
            Timer::H if tx.state == State::Completed => {
                self.events.push_back(TxEvent::Timeout { id });
                terminate = true;
            }
            Timer::D | Timer::I | Timer::J | Timer::K | Timer::L | Timer::M => terminate = true,
            _ => {}
        }
        if terminate {
            self.terminate(id);
        }
    }

    /// Ends a transaction at once (no Terminated event): for a TU that gave up on it, e.g.
    /// an INVITE client transaction still without a final response 64*T1 after its CANCEL
    /// (RFC 3261 §9.1).
    pub fn abandon(&mut self, id: TxId) {
        if let Some(tx) = self.txs.remove(&id) {
            self.by_key.remove(&tx.key);
        }
        self.sync_timers();
    }

    fn terminate(&mut self, id: TxId) {
        if let Some(tx) = self.txs.remove(&id) {
            self.by_key.remove(&tx.key);
            self.events.push_back(TxEvent::Terminated { id });
        }
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the TU.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }
}

/// §18.2.1 / RFC 3581 §4: `received` when the source differs from sent-by, `rport` filled.
fn stamp_received(req: &mut Request, from: SocketAddr) {
    let Some(pos) = req
        .headers
        .0
        .iter()
        .position(|h| HeaderKind::from_name(&h.name) == Some(HeaderKind::Via))
    else {
        return;
    };
    let value = req.headers.0[pos].value.clone();
    let mut parts = crate::header::split_commas(&value);
    let Some(first) = parts.next() else { return };
    let rest: Vec<&str> = parts.collect();
    let Ok(mut via) = crate::header::Via::parse(first) else {
        return;
    };
    let ip = from.ip().to_string();
    let host = via.host.trim_start_matches('[').trim_end_matches(']');
    if host != ip || via.rport().is_some() {
        via.params.set("received", Some(&ip));
    }
    if via.rport().is_some() {
        via.params.set("rport", Some(&from.port().to_string()));
    }
    let mut out = via.to_string();
    for r in rest {
        out.push_str(", ");
        out.push_str(r);
    }
    req.headers.0[pos].value = out;
}

/// Where a response goes (§18.2.2, RFC 3581 §4): with rport, back to the source address and
/// port; otherwise to `received` (or sent-by) and the Via port. We answer to the source
/// address unless the Via names no rport and a port differing from the source one.
/// Over a reliable transport the response goes back on the connection the request came on
/// (§18.2.2), whatever the Via says.
fn response_destination(req: &Request, source: SocketAddr, reliable: bool) -> SocketAddr {
    if reliable {
        return source;
    }
    let Ok(via) = req.top_via() else {
        return source;
    };
    if via.rport().is_some() {
        return source;
    }
    let port = via.port.unwrap_or(5060);
    SocketAddr::new(source.ip(), port)
}

/// The ACK for a non-2xx final response (§17.1.1.3).
fn build_ack(invite: &Request, resp: &Response) -> Request {
    let mut ack = Request::new(Method::Ack, invite.uri.clone());
    if let Some(v) = invite.headers.values(HeaderKind::Via).next() {
        ack.headers.push_kind(HeaderKind::Via, v);
    }
    for r in invite.headers.values(HeaderKind::Route) {
        ack.headers.push_kind(HeaderKind::Route, r);
    }
    ack.headers.push_kind(HeaderKind::MaxForwards, "70");
    for k in [HeaderKind::From, HeaderKind::CallId] {
        if let Some(v) = invite.headers.values(k).next() {
            ack.headers.push_kind(k, v);
        }
    }
    if let Some(v) = resp.headers.values(HeaderKind::To).next() {
        ack.headers.push_kind(HeaderKind::To, v);
    }
    let seq = invite.cseq().map(|c| c.seq).unwrap_or(0);
    ack.headers
        .push_kind(HeaderKind::CSeq, format!("{seq} ACK"));
    ack
}
