//! The media path: pure per-channel processing of 1 ms chunks for the real-time media
//! thread.
//!
//! ```text
//!  TDM rx (A-law, 8 B) ─► G.711 decode ─► echo canceller ─► DTMF (+ tone) detection ─► uplink ─┐
//!                                                                                               │ bridge /
//!  TDM tx (A-law, 8 B) ◄─ G.711 encode ◄─ DTMF generator (digits in) ◄────────────── downlink ◄──┤ mixer /
//!                                                                                               │ tones
//!  RTP payload (20 ms) ─► G.711 decode ─► 3-frame play-out buffer ──► 8 samples/ms ─► uplink ───┤
//!  RTP payload (20 ms) ◄─ G.711 encode ◄─ 160-sample frame ◄──────────────────────── downlink ◄──┘
//! ```
//!
//! [`MediaPath`] holds a fixed number of slots, each an empty slot, a [`TdmChannel`]
//! (E1 B-channel, analog port), a [`PacketChannel`] (SIP/RTP) or a local source (music on
//! hold, sound card). Once per millisecond the media thread hands every TDM slot its
//! received chunk ([`MediaPath::tdm_rx`]), calls [`MediaPath::tick`], and takes each TDM
//! slot's chunk to send ([`MediaPath::tdm_tx`]) and each completed 20 ms payload
//! ([`MediaPath::poll_frame`]). The switch's [`MediaCommand`]s say who hears what
//! ([`MediaPath::apply`]). Everything is allocated when a slot is set up; a tick allocates
//! nothing.
//!
//! Delay added by the box on the TDM→RTP direction is one packetisation interval (20 ms)
//! plus less than 1 ms; on RTP→TDM it is what the play-out buffer holds (1 ms of chunking
//! plus up to 2 frames of jitter headroom; the adaptive jitter buffer is crate `rtp`'s).
//!
//! **Not done here:** in-band DTMF found on a TDM channel is passed on in the audio as well as
//! reported (RFC 4733 §2.6 prefers muting it); no packet-loss concealment (the `rtp`
//! crate's jitter buffer uses media-dsp's PLC before frames reach this path).

use media_dsp::dtmf::{Digit, DtmfDetector, DtmfEvent, DtmfGenerator, GeneratorConfig};
use media_dsp::g711::Law;
use media_dsp::lec::{EchoCanceller, EchoConfig, LecError};
use media_dsp::mixer::{Leg as MixLeg, Mixer};
use media_dsp::tones::{Country, ToneDetector, ToneEvent, ToneGenerator};
use thiserror::Error;

use crate::engine::{BridgeId, LegId, MediaCommand, Member, RecordAction, Source};

/// Samples per chunk (1 ms at 8 kHz, the DAHDI chunk).
pub const CHUNK: usize = 8;
/// Samples per packet frame (20 ms).
pub const FRAME: usize = 160;
/// Frames a packet channel's play-out buffer holds.
pub const PLAYOUT_FRAMES: usize = 3;
/// Most legs in one conference.
pub const MAX_CONF_LEGS: usize = 8;
/// Digits queued per channel for generation or reporting.
const DIGIT_QUEUE: usize = 32;

/// The 1 kHz digital milliwatt in A-law: ITU-T G.711 Table 5 (0 dBm0, 8 samples per period).
pub const DIGITAL_MILLIWATT_ALAW: [u8; 8] = [0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4];

/// Why the media path refused a request (caller bugs or bad data, never a panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MediaError {
    /// No such slot, or the slot has the wrong kind for the request.
    #[error("slot {0} does not exist or has the wrong kind")]
    Slot(usize),
    /// A packet payload that is not 1..=160 bytes.
    #[error("payload of {0} bytes (expected 1..=160)")]
    Payload(usize),
    /// All conference mixers are in use, or a conference has too many legs.
    #[error("no conference resources")]
    Conference,
    /// The echo canceller refused its configuration.
    #[error(transparent)]
    Lec(#[from] LecError),
}

/// A small fixed-capacity FIFO (drops the oldest when full).
#[derive(Debug, Clone)]
struct Ring<T: Copy, const N: usize> {
    buf: [Option<T>; N],
    head: usize,
    len: usize,
    dropped: u64,
}

impl<T: Copy, const N: usize> Ring<T, N> {
    const fn new() -> Self {
        Self {
            buf: [None; N],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }
    fn push(&mut self, v: T) {
        if self.len == N {
            self.head = (self.head + 1) % N;
            self.len -= 1;
            self.dropped += 1;
        }
        self.buf[(self.head + self.len) % N] = Some(v);
        self.len += 1;
    }
    fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let v = self.buf[self.head].take();
        self.head = (self.head + 1) % N;
        self.len -= 1;
        v
    }
}

/// A digit found in a TDM channel's audio, for RFC 4733 out and the switch's `Digits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigitReport {
    /// The slot it was heard on.
    pub slot: usize,
    /// The digit.
    pub digit: Digit,
    /// `None` at onset (start the RFC 4733 event); the tone's length in samples at its end.
    pub duration: Option<u32>,
}

/// Settings of a TDM channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TdmConfig {
    /// Companding law on the line.
    pub law: Law,
    /// Echo canceller settings, or `None` to run without one (a digital 4-wire path).
    pub echo: Option<EchoConfig>,
    /// Detect call-progress tones of this country (FXO lines, R2 trunks), or not.
    pub tone_detect: Option<Country>,
}

impl Default for TdmConfig {
    fn default() -> Self {
        Self {
            law: Law::Alaw,
            echo: Some(EchoConfig::default()),
            tone_detect: None,
        }
    }
}

/// One TDM channel's DSP: decode, echo cancel, detect on the way in; generate DTMF and
/// encode on the way out.
#[derive(Debug)]
pub struct TdmChannel {
    law: Law,
    lec: Option<Box<EchoCanceller>>,
    dtmf: DtmfDetector,
    tones: Option<Box<ToneDetector>>,
    dtmf_gen: DtmfGenerator,
    to_send: Ring<Digit, DIGIT_QUEUE>,
    /// The last chunk sent to the line: the echo canceller's far-end reference.
    far: [i16; CHUNK],
    /// Received audio after echo cancelling.
    up: [i16; CHUNK],
    /// The chunk to send to the line.
    tx: [u8; CHUNK],
    onset: Option<Digit>,
}

impl TdmChannel {
    /// A channel with `cfg` (allocates its echo canceller and detectors, once).
    ///
    /// # Errors
    /// [`MediaError::Lec`] for a bad echo tail.
    pub fn new(cfg: TdmConfig) -> Result<Self, MediaError> {
        let lec = match cfg.echo {
            Some(e) => Some(Box::new(EchoCanceller::new(e)?)),
            None => None,
        };
        Ok(Self {
            law: cfg.law,
            lec,
            dtmf: DtmfDetector::new(),
            tones: cfg.tone_detect.map(|c| Box::new(ToneDetector::new(c))),
            dtmf_gen: DtmfGenerator::new(GeneratorConfig::default())
                .expect("default DTMF generator settings are valid"),
            to_send: Ring::new(),
            far: [0; CHUNK],
            up: [0; CHUNK],
            tx: [cfg.law.silence(); CHUNK],
            onset: None,
        })
    }

    /// Processes a received chunk: decode, cancel the echo of what was sent, detect DTMF
    /// (reports go to `on_digit`) and tones (`on_tone`). The clean audio is then
    /// [`Self::uplink`].
    pub fn receive(
        &mut self,
        rx: &[u8; CHUNK],
        mut on_digit: impl FnMut(Digit, Option<u32>),
        mut on_tone: impl FnMut(ToneEvent),
    ) {
        let mut near = [0i16; CHUNK];
        self.law.decode(rx, &mut near);
        match self.lec.as_deref_mut() {
            Some(lec) => {
                if lec.process(&self.far, &near, &mut self.up).is_err() {
                    self.up = near;
                }
            }
            None => self.up = near,
        }
        let onset = &mut self.onset;
        self.dtmf.process(&self.up, |e| match e {
            DtmfEvent::Onset { digit, .. } => {
                *onset = Some(digit);
                on_digit(digit, None);
            }
            DtmfEvent::Digit(d) => {
                *onset = None;
                let len = u32::try_from(d.end - d.start).unwrap_or(u32::MAX);
                on_digit(d.digit, Some(len));
            }
        });
        if let Some(t) = self.tones.as_deref_mut() {
            t.process(&self.up);
            while let Some(e) = t.poll_event() {
                on_tone(e);
            }
        }
    }

    /// The last received chunk after echo cancelling.
    #[must_use]
    pub fn uplink(&self) -> &[i16; CHUNK] {
        &self.up
    }

    /// Prepares the chunk to send: `audio`, replaced by generated DTMF while digits are
    /// being sent. Read it with [`Self::tx`].
    pub fn transmit(&mut self, audio: &[i16; CHUNK]) {
        let mut out = *audio;
        if self.dtmf_gen.is_idle()
            && let Some(d) = self.to_send.pop()
        {
            self.dtmf_gen.start(d);
        }
        if !self.dtmf_gen.is_idle() {
            let n = self.dtmf_gen.fill(&mut out);
            if n < CHUNK {
                out[n..].fill(0);
            }
        }
        self.law.encode(&out, &mut self.tx);
        // The reference is what the far end will actually hear (after companding).
        self.law.decode(&self.tx, &mut self.far);
    }

    /// The chunk to send to the line.
    #[must_use]
    pub fn tx(&self) -> &[u8; CHUNK] {
        &self.tx
    }

    /// Queues a digit to be generated in-band (RFC 4733 in, or the switch's `SendDigits`).
    pub fn send_digit(&mut self, d: Digit) {
        self.to_send.push(d);
    }

    /// The echo canceller, if the channel has one.
    #[must_use]
    pub fn echo_canceller(&self) -> Option<&EchoCanceller> {
        self.lec.as_deref()
    }
}

/// One packet (RTP) channel: 20 ms G.711 payloads in and out, 1 ms chunks towards the
/// bridge.
#[derive(Debug, Clone)]
pub struct PacketChannel {
    law: Law,
    /// Play-out ring of decoded samples.
    play: [i16; FRAME * PLAYOUT_FRAMES],
    play_read: usize,
    play_len: usize,
    /// Outgoing frame being filled.
    frame: [i16; FRAME],
    fill: usize,
    payload: [u8; FRAME],
    ready: bool,
    up: [i16; CHUNK],
    underruns: u64,
    overruns: u64,
}

impl PacketChannel {
    /// A channel using `law` (PCMA or PCMU as negotiated in SDP).
    #[must_use]
    pub fn new(law: Law) -> Self {
        Self {
            law,
            play: [0; FRAME * PLAYOUT_FRAMES],
            play_read: 0,
            play_len: 0,
            frame: [0; FRAME],
            fill: 0,
            payload: [0; FRAME],
            ready: false,
            up: [0; CHUNK],
            underruns: 0,
            overruns: 0,
        }
    }

    /// Queues a received payload (any length up to 20 ms). When the buffer is full the
    /// oldest audio is dropped (counted in [`Self::overruns`]).
    ///
    /// # Errors
    /// [`MediaError::Payload`] for an empty or over-long payload; nothing is queued.
    pub fn push_payload(&mut self, payload: &[u8]) -> Result<(), MediaError> {
        if payload.is_empty() || payload.len() > FRAME {
            return Err(MediaError::Payload(payload.len()));
        }
        let mut dec = [0i16; FRAME];
        let dec = &mut dec[..payload.len()];
        self.law.decode(payload, dec);
        let cap = self.play.len();
        for &s in dec.iter() {
            if self.play_len == cap {
                self.play_read = (self.play_read + 1) % cap;
                self.play_len -= 1;
                self.overruns += 1;
            }
            self.play[(self.play_read + self.play_len) % cap] = s;
            self.play_len += 1;
        }
        Ok(())
    }

    /// Takes the next received chunk into [`Self::uplink`] (silence on underrun).
    pub fn pull(&mut self) {
        if self.play_len < CHUNK {
            self.up = [0; CHUNK];
            self.underruns += 1;
            return;
        }
        let cap = self.play.len();
        for s in &mut self.up {
            *s = self.play[self.play_read];
            self.play_read = (self.play_read + 1) % cap;
        }
        self.play_len -= CHUNK;
    }

    /// The current received chunk.
    #[must_use]
    pub fn uplink(&self) -> &[i16; CHUNK] {
        &self.up
    }

    /// Adds a chunk to the outgoing frame; every 20 ms a payload becomes ready.
    pub fn transmit(&mut self, audio: &[i16; CHUNK]) {
        self.frame[self.fill..self.fill + CHUNK].copy_from_slice(audio);
        self.fill += CHUNK;
        if self.fill == FRAME {
            self.law.encode(&self.frame, &mut self.payload);
            self.fill = 0;
            self.ready = true;
        }
    }

    /// The completed payload, once per 20 ms.
    pub fn take_payload(&mut self) -> Option<&[u8; FRAME]> {
        if self.ready {
            self.ready = false;
            Some(&self.payload)
        } else {
            None
        }
    }

    /// Chunks that found the play-out buffer empty.
    #[must_use]
    pub fn underruns(&self) -> u64 {
        self.underruns
    }

    /// Samples dropped because the play-out buffer was full.
    #[must_use]
    pub fn overruns(&self) -> u64 {
        self.overruns
    }
}

/// What a slot is.
#[derive(Debug)]
enum Port {
    Empty,
    Tdm(Box<TdmChannel>),
    Packet(Box<PacketChannel>),
    /// A local source (music on hold, sound-card input): its audio is fed in per chunk.
    Local,
    /// A linear endpoint whose codec and jitter buffer live outside this path (an `rtp`
    /// session on the media thread): 8 samples in per chunk ([`MediaPath::linear_rx`]),
    /// what it hears read back with [`MediaPath::heard`].
    Linear,
}

/// What a slot hears.
#[derive(Debug, Clone)]
enum Listen {
    Silence,
    Peer(usize),
    Conference(usize),
    Tone(ToneGenerator),
    TestTone,
    Echo,
    Moh,
}

#[derive(Debug, Clone)]
struct Slot {
    listen: Listen,
    bridge: Option<BridgeId>,
    record: Option<bool>,
    down: [i16; CHUNK],
}

#[derive(Debug, Clone)]
struct Conference {
    bridge: Option<BridgeId>,
    mixer: Mixer<MAX_CONF_LEGS>,
    members: [usize; MAX_CONF_LEGS],
    n: usize,
    out: [[i16; CHUNK]; MAX_CONF_LEGS],
}

/// The media of every channel of the box (see the module docs).
#[derive(Debug)]
pub struct MediaPath {
    country: Country,
    ports: Vec<Port>,
    slots: Vec<Slot>,
    up: Vec<[i16; CHUNK]>,
    confs: Vec<Conference>,
    moh: Option<usize>,
    digits: Ring<DigitReport, 64>,
    tones: Ring<(usize, ToneEvent), 16>,
}

impl MediaPath {
    /// A path of `slots` empty slots and `conferences` mixers, with tones of `country`.
    #[must_use]
    pub fn new(slots: usize, conferences: usize, country: Country) -> Self {
        Self {
            country,
            ports: (0..slots).map(|_| Port::Empty).collect(),
            slots: vec![
                Slot {
                    listen: Listen::Silence,
                    bridge: None,
                    record: None,
                    down: [0; CHUNK],
                };
                slots
            ],
            up: vec![[0; CHUNK]; slots],
            confs: vec![
                Conference {
                    bridge: None,
                    mixer: Mixer::new(),
                    members: [0; MAX_CONF_LEGS],
                    n: 0,
                    out: [[0; CHUNK]; MAX_CONF_LEGS],
                };
                conferences
            ],
            moh: None,
            digits: Ring::new(),
            tones: Ring::new(),
        }
    }

    fn slot_ok(&self, slot: usize) -> Result<(), MediaError> {
        if slot < self.ports.len() {
            Ok(())
        } else {
            Err(MediaError::Slot(slot))
        }
    }

    /// Puts a TDM channel in `slot` (replacing what was there).
    ///
    /// # Errors
    /// [`MediaError::Slot`], [`MediaError::Lec`].
    pub fn set_tdm(&mut self, slot: usize, cfg: TdmConfig) -> Result<(), MediaError> {
        self.slot_ok(slot)?;
        self.ports[slot] = Port::Tdm(Box::new(TdmChannel::new(cfg)?));
        self.reset_slot(slot);
        Ok(())
    }

    /// Puts a packet channel in `slot`.
    ///
    /// # Errors
    /// [`MediaError::Slot`].
    pub fn set_packet(&mut self, slot: usize, law: Law) -> Result<(), MediaError> {
        self.slot_ok(slot)?;
        self.ports[slot] = Port::Packet(Box::new(PacketChannel::new(law)));
        self.reset_slot(slot);
        Ok(())
    }

    /// Makes `slot` the music-on-hold source; feed it with [`Self::local_rx`].
    ///
    /// # Errors
    /// [`MediaError::Slot`].
    pub fn set_moh(&mut self, slot: usize) -> Result<(), MediaError> {
        self.slot_ok(slot)?;
        self.ports[slot] = Port::Local;
        self.reset_slot(slot);
        self.moh = Some(slot);
        Ok(())
    }

    /// Puts a linear endpoint in `slot`: an RTP session whose G.711 codec, jitter buffer and
    /// RFC 4733 events are crate `rtp`'s. Feed its received chunk with
    /// [`Self::linear_rx`] before [`Self::tick`], read what it hears with [`Self::heard`]
    /// after; digits sent to it come back through [`Self::poll_digit`] for RFC 4733.
    ///
    /// # Errors
    /// [`MediaError::Slot`].
    pub fn set_linear(&mut self, slot: usize) -> Result<(), MediaError> {
        self.slot_ok(slot)?;
        self.ports[slot] = Port::Linear;
        self.reset_slot(slot);
        Ok(())
    }

    /// Feeds a linear endpoint's received chunk (before [`Self::tick`]).
    ///
    /// # Errors
    /// [`MediaError::Slot`] if `slot` is not a linear endpoint.
    pub fn linear_rx(&mut self, slot: usize, audio: &[i16; CHUNK]) -> Result<(), MediaError> {
        match self.ports.get(slot) {
            Some(Port::Linear) => {
                self.up[slot] = *audio;
                Ok(())
            }
            _ => Err(MediaError::Slot(slot)),
        }
    }

    /// Whether `slot` holds a TDM channel (its digit reports are digits heard on the line;
    /// those of packet and linear slots are digits to send as RFC 4733).
    #[must_use]
    pub fn is_tdm(&self, slot: usize) -> bool {
        matches!(self.ports.get(slot), Some(Port::Tdm(_)))
    }

    /// The slot `slot` is bridged to one-to-one, if any (not for conferences, tones or the
    /// echo test): where a digit heard on `slot` is relayed.
    #[must_use]
    pub fn peer_of(&self, slot: usize) -> Option<usize> {
        match self.slots.get(slot).map(|s| &s.listen) {
            Some(Listen::Peer(p)) => Some(*p),
            _ => None,
        }
    }

    /// Whether `slot` is being recorded (paused or not).
    #[must_use]
    pub fn is_recorded(&self, slot: usize) -> bool {
        matches!(
            self.slots.get(slot),
            Some(Slot {
                record: Some(_),
                ..
            })
        )
    }

    /// Empties `slot` (the channel's call is over).
    ///
    /// # Errors
    /// [`MediaError::Slot`].
    pub fn clear(&mut self, slot: usize) -> Result<(), MediaError> {
        self.slot_ok(slot)?;
        self.ports[slot] = Port::Empty;
        self.reset_slot(slot);
        if self.moh == Some(slot) {
            self.moh = None;
        }
        Ok(())
    }

    fn reset_slot(&mut self, slot: usize) {
        if let Some(b) = self.slots[slot].bridge {
            self.unbridge(b);
        }
        let s = &mut self.slots[slot];
        s.listen = Listen::Silence;
        s.record = None;
        s.down = [0; CHUNK];
        self.up[slot] = [0; CHUNK];
    }

    /// Hands a TDM slot its received chunk (before [`Self::tick`]).
    ///
    /// # Errors
    /// [`MediaError::Slot`] if `slot` is not a TDM channel.
    pub fn tdm_rx(&mut self, slot: usize, rx: &[u8; CHUNK]) -> Result<(), MediaError> {
        let Some(Port::Tdm(ch)) = self.ports.get_mut(slot) else {
            return Err(MediaError::Slot(slot));
        };
        let digits = &mut self.digits;
        let tones = &mut self.tones;
        ch.receive(
            rx,
            |digit, duration| {
                digits.push(DigitReport {
                    slot,
                    digit,
                    duration,
                });
            },
            |e| tones.push((slot, e)),
        );
        self.up[slot] = *ch.uplink();
        Ok(())
    }

    /// Feeds a local source's chunk (music on hold) before [`Self::tick`].
    ///
    /// # Errors
    /// [`MediaError::Slot`] if `slot` is not a local source.
    pub fn local_rx(&mut self, slot: usize, audio: &[i16; CHUNK]) -> Result<(), MediaError> {
        match self.ports.get(slot) {
            Some(Port::Local) => {
                self.up[slot] = *audio;
                Ok(())
            }
            _ => Err(MediaError::Slot(slot)),
        }
    }

    /// Queues a received RTP payload on a packet slot.
    ///
    /// # Errors
    /// [`MediaError::Slot`], [`MediaError::Payload`].
    pub fn packet_rx(&mut self, slot: usize, payload: &[u8]) -> Result<(), MediaError> {
        match self.ports.get_mut(slot) {
            Some(Port::Packet(p)) => p.push_payload(payload),
            _ => Err(MediaError::Slot(slot)),
        }
    }

    /// Sends a digit to a slot: generated in-band on TDM; for a packet slot it is reported
    /// back through [`Self::poll_digit`] for the daemon's RFC 4733 sender.
    ///
    /// # Errors
    /// [`MediaError::Slot`].
    pub fn send_digit(&mut self, slot: usize, digit: Digit) -> Result<(), MediaError> {
        match self.ports.get_mut(slot) {
            Some(Port::Tdm(ch)) => {
                ch.send_digit(digit);
                Ok(())
            }
            Some(Port::Packet(_) | Port::Linear) => {
                self.digits.push(DigitReport {
                    slot,
                    digit,
                    duration: Some(800),
                });
                Ok(())
            }
            _ => Err(MediaError::Slot(slot)),
        }
    }

    /// A digit arrived on `slot` out of band (RFC 4733 on a packet slot, SIP INFO, Q.931
    /// INFORMATION): it is passed to the slot's bridged peer, generated in-band if that is a
    /// TDM channel or reported for RFC 4733 if it is a packet channel. An echo-test slot
    /// gets it back. Returns the slot it went to, if any (none when not bridged one-to-one).
    ///
    /// # Errors
    /// [`MediaError::Slot`] for a slot that does not exist.
    pub fn digit_from(&mut self, slot: usize, digit: Digit) -> Result<Option<usize>, MediaError> {
        let to = match self.slots.get(slot).map(|s| &s.listen) {
            None => return Err(MediaError::Slot(slot)),
            Some(Listen::Peer(p)) => *p,
            Some(Listen::Echo) => slot,
            Some(_) => return Ok(None),
        };
        self.send_digit(to, digit)?;
        Ok(Some(to))
    }

    /// The next digit heard on a TDM slot (or to be sent as RFC 4733 on a packet slot).
    pub fn poll_digit(&mut self) -> Option<DigitReport> {
        self.digits.pop()
    }

    /// The next call-progress tone event of a slot with tone detection.
    pub fn poll_tone(&mut self) -> Option<(usize, ToneEvent)> {
        self.tones.pop()
    }

    /// One millisecond: packet slots take their next received chunk, every slot gets what
    /// it hears, TDM slots prepare their chunk to send and packet slots their frames.
    pub fn tick(&mut self) {
        for (i, p) in self.ports.iter_mut().enumerate() {
            if let Port::Packet(ch) = p {
                ch.pull();
                self.up[i] = *ch.uplink();
            }
        }
        for c in &mut self.confs {
            if c.n == 0 {
                continue;
            }
            let mut ins: [&[i16]; MAX_CONF_LEGS] = [&[]; MAX_CONF_LEGS];
            for (k, &m) in c.members[..c.n].iter().enumerate() {
                ins[k] = &self.up[m];
            }
            let [o0, o1, o2, o3, o4, o5, o6, o7] = &mut c.out;
            let mut outs: [&mut [i16]; MAX_CONF_LEGS] = [o0, o1, o2, o3, o4, o5, o6, o7];
            // Cannot fail: n ≤ MAX_CONF_LEGS, equal lengths, whispers checked in `join`.
            let _ = c.mixer.mix(&ins[..c.n], &mut outs[..c.n]);
        }
        let moh = self.moh.map(|m| self.up[m]);
        for i in 0..self.slots.len() {
            let s = &mut self.slots[i];
            s.down = match &mut s.listen {
                Listen::Silence => [0; CHUNK],
                Listen::Peer(p) => self.up[*p],
                Listen::Echo => self.up[i],
                Listen::Moh => moh.unwrap_or([0; CHUNK]),
                Listen::Tone(g) => {
                    let mut out = [0; CHUNK];
                    g.fill(&mut out);
                    out
                }
                Listen::TestTone => {
                    let mut out = [0; CHUNK];
                    Law::Alaw.decode(&DIGITAL_MILLIWATT_ALAW, &mut out);
                    out
                }
                Listen::Conference(c) => {
                    let conf = &self.confs[*c];
                    let k = conf.members[..conf.n]
                        .iter()
                        .position(|&m| m == i)
                        .unwrap_or(0);
                    conf.out[k]
                }
            };
            match &mut self.ports[i] {
                Port::Tdm(ch) => ch.transmit(&s.down),
                Port::Packet(ch) => ch.transmit(&s.down),
                Port::Empty | Port::Local | Port::Linear => {}
            }
        }
    }

    /// The chunk a TDM slot sends this millisecond (after [`Self::tick`]).
    #[must_use]
    pub fn tdm_tx(&self, slot: usize) -> Option<&[u8; CHUNK]> {
        match self.ports.get(slot) {
            Some(Port::Tdm(ch)) => Some(ch.tx()),
            _ => None,
        }
    }

    /// A packet slot's completed 20 ms payload, once per 20 ticks.
    pub fn poll_frame(&mut self, slot: usize) -> Option<&[u8; FRAME]> {
        match self.ports.get_mut(slot) {
            Some(Port::Packet(ch)) => ch.take_payload(),
            _ => None,
        }
    }

    /// What a slot said and heard this millisecond, while it is being recorded and not
    /// paused (the daemon writes both directions to the recording).
    #[must_use]
    pub fn record_tap(&self, slot: usize) -> Option<(&[i16; CHUNK], &[i16; CHUNK])> {
        match self.slots.get(slot)?.record {
            Some(true) => Some((&self.up[slot], &self.slots[slot].down)),
            _ => None,
        }
    }

    /// What a slot heard this millisecond (linear, before encoding).
    #[must_use]
    pub fn heard(&self, slot: usize) -> Option<&[i16; CHUNK]> {
        self.slots.get(slot).map(|s| &s.down)
    }

    /// Applies a switch command; `slot_of` maps legs to slots (legs without a slot are
    /// ignored: they have no media here).
    ///
    /// # Errors
    /// [`MediaError::Conference`] when no mixer is free or a bridge has too many legs; the
    /// bridge is then not made.
    pub fn apply(
        &mut self,
        cmd: &MediaCommand,
        slot_of: impl Fn(LegId) -> Option<usize>,
    ) -> Result<(), MediaError> {
        match cmd {
            MediaCommand::Bridge { bridge, legs } => {
                self.join(
                    *bridge,
                    legs.iter().map(|&l| (l, Member::Party)),
                    false,
                    &slot_of,
                )?;
            }
            MediaCommand::Mix { bridge, members } => {
                self.join(*bridge, members.iter().copied(), true, &slot_of)?;
            }
            MediaCommand::Unbridge { bridge } => self.unbridge(*bridge),
            MediaCommand::Play { leg, source } => {
                if let Some(s) = slot_of(*leg).filter(|&s| s < self.slots.len()) {
                    self.slots[s].listen = match source {
                        Source::Tone(kind) => match self.country.profile().tone(*kind) {
                            Some(spec) => Listen::Tone(ToneGenerator::new(spec)),
                            None => Listen::Silence,
                        },
                        Source::TestTone => Listen::TestTone,
                        Source::EchoTest => Listen::Echo,
                        Source::MusicOnHold => Listen::Moh,
                    };
                }
            }
            MediaCommand::StopPlay { leg } => {
                if let Some(s) = slot_of(*leg).filter(|&s| s < self.slots.len()) {
                    self.slots[s].listen = Listen::Silence;
                }
            }
            MediaCommand::Record { legs, action, .. } => {
                for &l in legs {
                    if let Some(s) = slot_of(l).filter(|&s| s < self.slots.len()) {
                        self.slots[s].record = match action {
                            RecordAction::Start | RecordAction::Resume => Some(true),
                            RecordAction::Pause => Some(false),
                            RecordAction::Stop => None,
                        };
                    }
                }
            }
        }
        Ok(())
    }

    /// Joins the slots of `members` as `bridge`: two plain parties listen to each other
    /// directly; more, or any `mixed` bridge, go through a conference mixer with each
    /// member's flags (listen: heard by nobody; whisper: heard by one member only).
    fn join(
        &mut self,
        bridge: BridgeId,
        members: impl Iterator<Item = (LegId, Member)>,
        mixed: bool,
        slot_of: &impl Fn(LegId) -> Option<usize>,
    ) -> Result<(), MediaError> {
        self.unbridge(bridge);
        let mut slots = [0usize; MAX_CONF_LEGS];
        let mut legs = [LegId(0); MAX_CONF_LEGS];
        let mut parts = [Member::Party; MAX_CONF_LEGS];
        let mut n = 0;
        for (l, part) in members {
            if let Some(s) = slot_of(l).filter(|&s| s < self.slots.len()) {
                if n == MAX_CONF_LEGS {
                    return Err(MediaError::Conference);
                }
                slots[n] = s;
                legs[n] = l;
                parts[n] = part;
                n += 1;
            }
        }
        let slots = &slots[..n];
        for &s in slots {
            if let Some(old) = self.slots[s].bridge {
                self.unbridge(old);
            }
        }
        if n == 2 && !mixed {
            self.slots[slots[0]].listen = Listen::Peer(slots[1]);
            self.slots[slots[1]].listen = Listen::Peer(slots[0]);
        } else if n >= 2 {
            let c = self
                .confs
                .iter()
                .position(|c| c.n == 0)
                .ok_or(MediaError::Conference)?;
            let conf = &mut self.confs[c];
            conf.bridge = Some(bridge);
            conf.members[..n].copy_from_slice(slots);
            conf.n = n;
            for k in 0..MAX_CONF_LEGS {
                let flags = match parts.get(k).filter(|_| k < n) {
                    None | Some(Member::Party) => MixLeg::PARTY,
                    Some(Member::Listen) => MixLeg::LISTEN,
                    Some(Member::Whisper(to)) => legs[..n]
                        .iter()
                        .position(|l| l == to)
                        .filter(|&t| t != k)
                        .map_or(MixLeg::LISTEN, MixLeg::whisper),
                };
                // Cannot fail: k and the whisper target are below MAX_CONF_LEGS and differ.
                let _ = conf.mixer.set_leg(k, flags);
            }
            for &s in slots {
                self.slots[s].listen = Listen::Conference(c);
            }
        }
        for &s in slots {
            self.slots[s].bridge = Some(bridge);
        }
        Ok(())
    }

    fn unbridge(&mut self, bridge: BridgeId) {
        for s in &mut self.slots {
            if s.bridge == Some(bridge) {
                s.bridge = None;
                if matches!(s.listen, Listen::Peer(_) | Listen::Conference(_)) {
                    s.listen = Listen::Silence;
                }
            }
        }
        for c in &mut self.confs {
            if c.bridge == Some(bridge) {
                c.bridge = None;
                c.n = 0;
            }
        }
    }
}
