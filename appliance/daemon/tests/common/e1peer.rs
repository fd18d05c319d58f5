#![allow(dead_code, unreachable_pub, missing_docs)]
//! The far end of a daemon's virtual E1 PRI span for end-to-end tests: a carrier exchange
//! made of our own ISDN stack in the **network** role (`isdn::pri::Pri` over
//! `tdm::virt::VirtE1Span`, framer with CRC-4, HDLC on timeslot 16), on its own thread,
//! paced at 8000 frames/s like a real line.
//!
//! Unlike the daemon's demo carrier it is driven by the test: it places calls, answers the
//! daemon's calls (`answer: true`), plays linear samples on the call's B-channel and records
//! what it hears there (from CONNECT on), and writes every D-channel frame to a pcap file
//! (LINUX_LAPD) that tshark decodes. Stopping it closes the line (the daemon sees the far
//! end go away: data link down, span in alarm for routing). Every wait is bounded.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use isdn::call::{self, CallId, Event, SetupParams};
use isdn::pcap::{Direction, PcapWriter};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::{CauseValue, Role, Variant};
use media_dsp::g711::{alaw_to_linear, linear_to_alaw};
use tdm::virt::{VirtE1Config, VirtE1Span, VirtError};
use tdm::{CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Span};

const ALAW_IDLE: u8 = 0xD5;
const TICK: Duration = Duration::from_micros(500);
/// Longest recording kept (60 s of audio).
const MAX_HEARD: usize = 8000 * 60;

/// What the peer saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    LinkUp,
    LinkDown,
    /// A SETUP from the daemon.
    Ring {
        called: String,
        calling: Option<String>,
        channel: Option<u8>,
    },
    Proceeding {
        channel: Option<u8>,
    },
    Alerting,
    Connected,
    Disconnected {
        cause: u8,
    },
    Released {
        cause: u8,
    },
}

enum Cmd {
    Call {
        called: String,
        calling: String,
    },
    /// A call with the calling number's presentation restricted (Q.931 §4.5.10).
    CallRestricted {
        called: String,
        calling: String,
    },
    Hangup,
}

#[derive(Default)]
struct Audio {
    tx: VecDeque<i16>,
    heard: Vec<i16>,
}

/// Options of [`E1Peer::connect`].
#[derive(Debug, Default, Clone)]
pub struct PeerOptions {
    /// Answer the daemon's calls (CALL PROCEEDING, ALERTING, CONNECT).
    pub answer: bool,
    /// Write the D-channel to this pcap file.
    pub pcap: Option<PathBuf>,
}

/// The running peer.
pub struct E1Peer {
    cmds: Sender<Cmd>,
    events: Receiver<PeerEvent>,
    audio: Arc<Mutex<Audio>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Every event seen so far.
    pub seen: Vec<PeerEvent>,
}

impl E1Peer {
    /// Connects to the span's line jack at `path` (retried for up to 10 s while the daemon
    /// starts).
    pub fn connect(path: &Path, opts: PeerOptions) -> Self {
        let deadline = Instant::now() + Duration::from_secs(10);
        let sock = loop {
            match tdm::virt::connect(path) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "connecting to {}: {e}",
                        path.display()
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        let framer = e1::Config {
            crc4: e1::Crc4Mode::On,
            signalling: e1::Signalling::Ccs,
            ..e1::Config::default()
        };
        let line = VirtE1Span::new(sock, VirtE1Config::new(1, framer)).expect("virt line");
        let (cmd_tx, cmd_rx) = channel();
        let (ev_tx, ev_rx) = channel();
        let audio = Arc::new(Mutex::new(Audio::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let audio = Arc::clone(&audio);
            let stop = Arc::clone(&stop);
            move || run(line, &opts, &cmd_rx, &ev_tx, &audio, &stop)
        });
        Self {
            cmds: cmd_tx,
            events: ev_rx,
            audio,
            stop,
            thread: Some(thread),
            seen: Vec::new(),
        }
    }

    /// Connects to span1's line jack of daemon `d` and waits (15 s each) until the data
    /// link is up on both sides (this peer's event and the daemon's log line).
    pub fn on_span1(d: &mut crate::common::Daemon, opts: PeerOptions) -> Self {
        let mut p = Self::connect(&d.data.join("span1.sock"), opts);
        p.wait("data link up", Duration::from_secs(15), |e| {
            *e == PeerEvent::LinkUp
        });
        d.wait_log(&["D-channel data link up", "span=span1"]);
        p
    }

    /// Waits (bounded by `within`) for an event `pred` accepts; panics with what was seen.
    pub fn wait(
        &mut self,
        what: &str,
        within: Duration,
        pred: impl Fn(&PeerEvent) -> bool,
    ) -> PeerEvent {
        if let Some(e) = self.seen.iter().find(|e| pred(e)) {
            return e.clone();
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if pred(&e) {
                        return e;
                    }
                }
                Err(_) => panic!("E1 peer: no {what} within {within:?}; saw {:?}", self.seen),
            }
        }
    }

    /// Places a call (one at a time).
    pub fn call(&self, called: &str, calling: &str) {
        let _ = self.cmds.send(Cmd::Call {
            called: called.into(),
            calling: calling.into(),
        });
    }

    /// Places a call with presentation restricted (octet 3a), network-screened.
    pub fn call_restricted(&self, called: &str, calling: &str) {
        let _ = self.cmds.send(Cmd::CallRestricted {
            called: called.into(),
            calling: calling.into(),
        });
    }

    /// Clears the call (DISCONNECT, cause 16).
    pub fn hangup(&self) {
        let _ = self.cmds.send(Cmd::Hangup);
    }

    /// Queues linear samples to send on the call's B-channel (after what is queued).
    pub fn play(&self, samples: &[i16]) {
        let mut a = self.audio.lock().expect("audio");
        a.tx.extend(samples.iter().copied());
    }

    /// Samples still to be sent.
    pub fn playing(&self) -> usize {
        self.audio.lock().expect("audio").tx.len()
    }

    /// What was heard on the B-channel since the call connected.
    pub fn heard(&self) -> Vec<i16> {
        self.audio.lock().expect("audio").heard.clone()
    }

    /// Stops the thread and closes the line.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for E1Peer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

#[allow(clippy::too_many_lines)]
fn run(
    mut line: VirtE1Span,
    opts: &PeerOptions,
    cmds: &Receiver<Cmd>,
    events: &Sender<PeerEvent>,
    audio: &Mutex<Audio>,
    stop: &AtomicBool,
) {
    let mut ccfg = call::Config::new(Role::Network);
    ccfg.variant = Variant::EuroIsdn;
    let mut pri = Pri::with_config(Role::Network, q921::Config::default(), ccfg);
    let start = Instant::now();
    let now_of = |t: Instant| {
        tdm::Instant::from_micros(
            u64::try_from(t.saturating_duration_since(start).as_micros()).unwrap_or(u64::MAX),
        )
    };
    let mut pcap = opts.pcap.as_ref().map(|p| {
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(0));
        PcapWriter::new(
            BufWriter::new(File::create(p).expect("pcap file")),
            true,
            unix,
        )
        .expect("pcap header")
    });
    pri.start(now_of(Instant::now()));
    let mut frames = 0u64;
    let mut link_up = false;
    let mut active: Option<CallId> = None;
    let mut connected = false;
    let mut buf = [0u8; 1024];
    let mut rx: [Chunk; E1_TIMESLOTS] = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    while !stop.load(Ordering::Relaxed) {
        let wall = Instant::now();
        let now = now_of(wall);
        let due = now.as_micros() * 8 / 1000;
        let chan = active
            .and_then(|c| pri.calls().channel(c))
            .map(usize::from)
            .filter(|&t| t < E1_TIMESLOTS && connected);
        let r = if due > frames {
            let n = usize::try_from(due - frames).unwrap_or(usize::MAX);
            // One chunk (8 samples) per millisecond boundary crossed: real time, not faster.
            for _ in frames / 8..due / 8 {
                let mut tx: [Chunk; E1_TIMESLOTS] = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
                if let Some(ts) = chan {
                    let mut a = audio.lock().expect("audio");
                    for s in &mut tx[ts] {
                        if let Some(x) = a.tx.pop_front() {
                            *s = linear_to_alaw(x);
                        }
                    }
                }
                let _ = line.write_chunk(&tx);
            }
            frames = due;
            line.pump(n)
        } else {
            line.receive()
        };
        match r {
            Ok(()) | Err(VirtError::WouldBlock | VirtError::TxFull) => {}
            Err(_) => return,
        }
        while line.poll_event().is_some() {}
        while let Ok(n) = line.read_chunk(&mut rx) {
            if n == 0 {
                break;
            }
            if let Some(ts) = chan {
                let mut a = audio.lock().expect("audio");
                if a.heard.len() < MAX_HEARD {
                    a.heard.extend(rx[ts].iter().map(|&b| alaw_to_linear(b)));
                }
            }
        }
        while let Ok(Some(n)) = line.read_dchannel(&mut buf) {
            if let Some(p) = pcap.as_mut() {
                let _ = p.write_frame(now, Direction::Received, &buf[..n]);
            }
            pri.handle_input(now, &buf[..n]);
        }
        if pri.poll_timeout().is_some_and(|t| t <= now) {
            pri.handle_timeout(now);
        }
        let up = pri.link().is_established();
        if up != link_up {
            link_up = up;
            let _ = events.send(if up {
                PeerEvent::LinkUp
            } else {
                PeerEvent::LinkDown
            });
        }
        while let Ok(c) = cmds.try_recv() {
            match c {
                Cmd::Call { called, calling } => {
                    let mut p = SetupParams::speech(&called);
                    p.calling = Some(calling);
                    if let Ok(call) = pri.setup(now, p) {
                        active = Some(call);
                        connected = false;
                    }
                }
                Cmd::CallRestricted { called, calling } => {
                    let mut p = SetupParams::speech(&called);
                    p.calling = Some(calling);
                    p.calling_pres = Some(isdn::q931::ie::PresScreen {
                        presentation: isdn::q931::ie::Presentation::Restricted,
                        screening: isdn::q931::ie::Screening::Network,
                    });
                    if let Ok(call) = pri.setup(now, p) {
                        active = Some(call);
                        connected = false;
                    }
                }
                Cmd::Hangup => {
                    if let Some(call) = active {
                        let _ = pri.disconnect(now, call, CauseValue::NORMAL_CLEARING);
                    }
                }
            }
        }
        while let Some(ev) = pri.poll_event() {
            let out = match ev {
                Event::IncomingCall {
                    call,
                    called,
                    calling,
                    channel,
                    ..
                } => {
                    if opts.answer && active.is_none() {
                        active = Some(call);
                        let _ = pri.proceeding(now, call);
                        let _ = pri.alerting(now, call);
                        // Answered: the B-channel is through from our CONNECT on.
                        connected = pri.connect(now, call).is_ok();
                    } else {
                        let _ = pri.disconnect(now, call, CauseValue(34));
                    }
                    Some(PeerEvent::Ring {
                        called,
                        calling,
                        channel,
                    })
                }
                Event::Proceeding { channel, .. } => Some(PeerEvent::Proceeding { channel }),
                Event::Alerting { .. } => Some(PeerEvent::Alerting),
                Event::Connected { call } => {
                    if active == Some(call) {
                        connected = true;
                    }
                    Some(PeerEvent::Connected)
                }
                Event::Disconnected { call, cause } => {
                    let _ = pri.release(now, call, CauseValue::NORMAL_CLEARING);
                    Some(PeerEvent::Disconnected { cause: cause.0 })
                }
                Event::Released { call, cause } => {
                    if active == Some(call) {
                        active = None;
                        connected = false;
                    }
                    Some(PeerEvent::Released { cause: cause.0 })
                }
                _ => None,
            };
            if let Some(e) = out {
                let _ = events.send(e);
            }
        }
        while let Some(f) = pri.poll_transmit() {
            if let Some(p) = pcap.as_mut() {
                let _ = p.write_frame(now, Direction::Sent, &f);
            }
            let _ = line.write_dchannel(&f);
        }
        std::thread::sleep(TICK);
    }
    if let Some(p) = pcap.as_mut() {
        let _ = p.flush();
    }
}
