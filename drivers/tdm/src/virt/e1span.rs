//! The raw E1 virtual line: the `e1` framer over a `SOCK_SEQPACKET` socket.

use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use e1::frame::{Abcd, FRAME_LEN};
use e1::{Crc4Mode, Event, Signalling};
use socket2::Socket;

use super::{Impairer, Impairments, VirtError, recv_packet, send_packet};
use crate::span::{
    Alarms, CHUNK_SAMPLES, Chunk, ClockSource, Coding, E1_TIMESLOTS, Framing, Loopback, Span,
    SpanCounters, SpanEvent, SpanInfo, SpanKind,
};

/// Most frames in one packet.
pub const MAX_FRAMES_PER_PACKET: usize = 16;
/// Largest valid packet: 16 frames.
pub const PACKET_MAX_BYTES: usize = MAX_FRAMES_PER_PACKET * FRAME_LEN;

/// Byte sent on B-channels with nothing queued: A-law silence (G.711 0xD5).
const IDLE_BYTE: u8 = 0xD5;

/// Configuration of a [`VirtE1Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VirtE1Config {
    /// Span number reported in [`SpanInfo`].
    pub span: u32,
    /// The framer's configuration (CRC-4, CCS/CAS, recovery hold-off).
    pub framer: e1::Config,
    /// Frames per packet sent, 1..=16 (8 = one packet per millisecond).
    pub frames_per_packet: usize,
    /// Transmit queue, in 1 ms chunks.
    pub tx_chunks: usize,
    /// Receive queue, in 1 ms chunks; the oldest is dropped (and counted) beyond it.
    pub rx_chunks: usize,
}

impl Default for VirtE1Config {
    fn default() -> Self {
        Self {
            span: 1,
            framer: e1::Config::default(),
            frames_per_packet: 8,
            tx_chunks: 64,
            rx_chunks: 64,
        }
    }
}

impl VirtE1Config {
    /// Span `span` with the framer configured as `framer`.
    #[must_use]
    pub fn new(span: u32, framer: e1::Config) -> Self {
        Self {
            span,
            framer,
            ..Self::default()
        }
    }
}

/// Line-level statistics of a [`VirtE1Span`] (beyond [`SpanCounters`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VirtE1Stats {
    /// Frames built and handed to the line.
    pub tx_frames: u64,
    /// Frames lost because the socket's send buffer was full.
    pub tx_dropped: u64,
    /// Frames received from the line.
    pub rx_frames: u64,
    /// Packets dropped for not being 1–16 whole frames.
    pub bad_packets: u64,
}

/// One end of a raw E1 virtual line, offering the [`Span`] API.
///
/// Drive it with [`pump`](Self::pump) (or [`transmit`](Self::transmit) and
/// [`receive`](Self::receive)) once per millisecond with 8 frames; the caller owns time, so
/// tests pump two spans in a loop without sleeping.
#[derive(Debug)]
pub struct VirtE1Span {
    sock: Socket,
    cfg: VirtE1Config,
    framer: e1::Framer,
    impair: Impairer,
    loopback: Loopback,
    clock: ClockSource,
    tx_payload: VecDeque<[u8; FRAME_LEN]>,
    /// Aligned received frames not yet read as chunks.
    rx_frames: VecDeque<[u8; FRAME_LEN]>,
    /// Received payload to send back in payload loopback.
    loop_payload: VecDeque<[u8; FRAME_LEN]>,
    /// Our own frames, received back in local loopback.
    local_loop: Vec<u8>,
    dchan_rx: VecDeque<Vec<u8>>,
    events: VecDeque<SpanEvent>,
    alarms: Alarms,
    abcd_rx: [Option<u8>; 31],
    counters: SpanCounters,
    stats: VirtE1Stats,
    out: Vec<[u8; FRAME_LEN]>,
    packet: Vec<u8>,
    inbuf: Vec<u8>,
}

impl VirtE1Span {
    /// Wraps a connected `SOCK_SEQPACKET` socket (made non-blocking).
    ///
    /// # Errors
    /// When the socket cannot be made non-blocking.
    pub fn new(sock: Socket, cfg: VirtE1Config) -> Result<Self, VirtError> {
        sock.set_nonblocking(true)?;
        let mut cfg = cfg;
        cfg.frames_per_packet = cfg.frames_per_packet.clamp(1, MAX_FRAMES_PER_PACKET);
        Ok(Self {
            sock,
            cfg,
            framer: e1::Framer::new(cfg.framer),
            impair: Impairer::new(Impairments::none()),
            loopback: Loopback::None,
            clock: ClockSource::INTERNAL,
            tx_payload: VecDeque::new(),
            rx_frames: VecDeque::new(),
            loop_payload: VecDeque::new(),
            local_loop: Vec::new(),
            dchan_rx: VecDeque::new(),
            events: VecDeque::new(),
            alarms: Alarms::NONE,
            abcd_rx: [None; 31],
            counters: SpanCounters::default(),
            stats: VirtE1Stats::default(),
            out: Vec::with_capacity(2 * MAX_FRAMES_PER_PACKET),
            packet: Vec::with_capacity(PACKET_MAX_BYTES),
            inbuf: vec![0; PACKET_MAX_BYTES + 1],
        })
    }

    /// Both ends of a new line, each with its configuration.
    ///
    /// # Errors
    /// When the socketpair fails.
    pub fn pair(a: VirtE1Config, b: VirtE1Config) -> Result<(Self, Self), VirtError> {
        let (sa, sb) = super::pair()?;
        Ok((Self::new(sa, a)?, Self::new(sb, b)?))
    }

    /// Sets the faults applied to what this end transmits.
    pub fn set_impairments(&mut self, imp: Impairments) {
        self.impair.set(imp);
    }

    /// The impairer (its statistics).
    #[must_use]
    pub fn impairer(&self) -> &Impairer {
        &self.impair
    }

    /// Line statistics.
    #[must_use]
    pub fn stats(&self) -> VirtE1Stats {
        self.stats
    }

    /// The framer (receiver state, CRC-4 sync, raw counters).
    #[must_use]
    pub fn framer(&self) -> &e1::Framer {
        &self.framer
    }

    /// Sends `frames` frame periods then takes in whatever the line delivered.
    ///
    /// # Errors
    /// As [`transmit`](Self::transmit) and [`receive`](Self::receive).
    pub fn pump(&mut self, frames: usize) -> Result<(), VirtError> {
        self.transmit(frames)?;
        self.receive()
    }

    /// Builds and sends `frames` frame periods (8 per millisecond). B-channel bytes come
    /// from [`Span::write_chunk`] (A-law silence when none is queued). Frames that do not fit
    /// the socket's send buffer are dropped and counted, as a line would lose them.
    ///
    /// # Errors
    /// [`VirtError::Io`] when the socket fails.
    pub fn transmit(&mut self, frames: usize) -> Result<(), VirtError> {
        if self.loopback == Loopback::Network {
            // The line's own frames are echoed in `receive`; nothing of ours goes out.
            return Ok(());
        }
        for _ in 0..frames {
            let payload = match self.loopback {
                Loopback::Payload => self.loop_payload.pop_front(),
                _ => self.tx_payload.pop_front(),
            }
            .unwrap_or([IDLE_BYTE; FRAME_LEN]);
            let frame = self.framer.build_frame(&payload);
            self.stats.tx_frames += 1;
            if self.loopback == Loopback::Local {
                self.local_loop.extend_from_slice(&frame);
            }
            self.impair.apply(frame, &mut self.out);
            if self.out.len() >= self.cfg.frames_per_packet {
                self.flush()?;
            }
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<(), VirtError> {
        while !self.out.is_empty() {
            let n = self.out.len().min(self.cfg.frames_per_packet);
            self.packet.clear();
            for f in self.out.drain(..n) {
                self.packet.extend_from_slice(&f);
            }
            match send_packet(&self.sock, &self.packet) {
                Ok(()) => {}
                Err(VirtError::WouldBlock) => self.stats.tx_dropped += n as u64,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Takes in every packet waiting on the socket, runs the framer over it and collects
    /// chunks, D-channel frames, alarms and events.
    ///
    /// # Errors
    /// [`VirtError::Closed`] when the far end closed, [`VirtError::Io`].
    pub fn receive(&mut self) -> Result<(), VirtError> {
        while let Some(n) = recv_packet(&self.sock, &mut self.inbuf)? {
            if n == 0 || n % FRAME_LEN != 0 || n > PACKET_MAX_BYTES {
                self.stats.bad_packets += 1;
                continue;
            }
            self.stats.rx_frames += (n / FRAME_LEN) as u64;
            match self.loopback {
                Loopback::Local => {}
                Loopback::Network => {
                    let _ = send_packet(&self.sock, &self.inbuf[..n]);
                    self.framer.handle_input(&self.inbuf[..n]);
                }
                _ => self.framer.handle_input(&self.inbuf[..n]),
            }
            self.drain_framer();
        }
        if !self.local_loop.is_empty() {
            let bytes = std::mem::take(&mut self.local_loop);
            self.framer.handle_input(&bytes);
            self.drain_framer();
        }
        Ok(())
    }

    fn drain_framer(&mut self) {
        while let Some(ev) = self.framer.poll_event() {
            match ev {
                Event::FrameSync(up) => self.events.push_back(SpanEvent::FrameSync(up)),
                Event::Crc4Sync(up) => self.events.push_back(SpanEvent::MultiframeSync(up)),
                Event::Slip => self.events.push_back(SpanEvent::Slip),
                Event::CasChanged { channel, abcd } => {
                    if let Some(slot) = self.abcd_rx.get_mut(usize::from(channel).wrapping_sub(1)) {
                        *slot = Some(abcd.0);
                    }
                    self.events.push_back(SpanEvent::AbcdChanged {
                        channel,
                        abcd: abcd.0,
                    });
                }
                _ => {}
            }
        }
        self.update_alarms();
        while let Some(f) = self.framer.poll_frame() {
            if self.loopback == Loopback::Payload {
                self.loop_payload.push_back(f);
                if self.loop_payload.len() > self.cfg.rx_chunks * CHUNK_SAMPLES {
                    self.loop_payload.pop_front();
                }
            }
            self.rx_frames.push_back(f);
            if self.rx_frames.len() > self.cfg.rx_chunks * CHUNK_SAMPLES {
                self.rx_frames.drain(..CHUNK_SAMPLES);
                self.counters.rx_overruns += 1;
            }
        }
        while let Some(r) = self.framer.poll_hdlc() {
            match r {
                Ok(frame) => {
                    self.counters.dchan_rx += 1;
                    self.dchan_rx.push_back(frame);
                }
                Err(e1::hdlc::HdlcError::BadFcs) => {
                    self.counters.dchan_bad_fcs += 1;
                    self.events.push_back(SpanEvent::BadFcs);
                }
                Err(_) => {
                    self.counters.dchan_aborts += 1;
                    self.events.push_back(SpanEvent::Abort);
                }
            }
        }
    }

    fn update_alarms(&mut self) {
        let a = self.framer.alarms();
        let mut n = Alarms::NONE;
        n.set(Alarms::RED, a.red());
        n.set(Alarms::BLUE, a.blue());
        n.set(Alarms::YELLOW, a.yellow());
        n.set(Alarms::RECOVER, a.recover);
        n.set(Alarms::LOS, a.los);
        n.set(Alarms::LFA, a.lof);
        n.set(Alarms::LMFA, a.lmfa);
        n.set(Alarms::LOOPBACK, self.loopback != Loopback::None);
        if n != self.alarms {
            self.alarms = n;
            self.events.push_back(SpanEvent::Alarms(n));
        }
    }
}

impl Span for VirtE1Span {
    type Error = VirtError;

    fn info(&self) -> SpanInfo {
        let red = self.alarms.contains(Alarms::RED) || self.alarms.contains(Alarms::BLUE);
        SpanInfo {
            span: self.cfg.span,
            kind: SpanKind::E1,
            total_channels: 31,
            framing: if self.cfg.framer.signalling == Signalling::Cas {
                Framing::Cas
            } else {
                Framing::Ccs
            },
            coding: Coding::None,
            crc4: self.cfg.framer.crc4 != Crc4Mode::Off,
            lbo: 0,
            clock: self.clock,
            sync_source: (self.clock.priority > 0 && !red).then_some(self.cfg.span),
            alarms: self.alarms,
            loopback: self.loopback,
        }
    }

    fn read_chunk(&mut self, out: &mut [Chunk]) -> Result<usize, VirtError> {
        if out.len() < E1_TIMESLOTS {
            return Err(VirtError::ChunkShape {
                need: E1_TIMESLOTS,
                got: out.len(),
            });
        }
        if self.rx_frames.len() < CHUNK_SAMPLES {
            return Ok(0);
        }
        for i in 0..CHUNK_SAMPLES {
            let f = self.rx_frames.pop_front().unwrap_or([IDLE_BYTE; FRAME_LEN]);
            for (slot, b) in out.iter_mut().zip(f) {
                slot[i] = b;
            }
        }
        Ok(E1_TIMESLOTS)
    }

    fn write_chunk(&mut self, chunk: &[Chunk]) -> Result<(), VirtError> {
        if chunk.len() < E1_TIMESLOTS {
            return Err(VirtError::ChunkShape {
                need: E1_TIMESLOTS,
                got: chunk.len(),
            });
        }
        if self.tx_payload.len() + CHUNK_SAMPLES > self.cfg.tx_chunks * CHUNK_SAMPLES {
            return Err(VirtError::TxFull);
        }
        for i in 0..CHUNK_SAMPLES {
            let mut f = [0u8; FRAME_LEN];
            for (b, c) in f.iter_mut().zip(chunk) {
                *b = c[i];
            }
            self.tx_payload.push_back(f);
        }
        Ok(())
    }

    fn read_dchannel(&mut self, buf: &mut [u8]) -> Result<Option<usize>, VirtError> {
        let Some(f) = self.dchan_rx.front() else {
            return Ok(None);
        };
        let Some(dst) = buf.get_mut(..f.len()) else {
            return Err(VirtError::BufferTooSmall {
                need: f.len(),
                got: buf.len(),
            });
        };
        dst.copy_from_slice(f);
        let n = f.len();
        self.dchan_rx.pop_front();
        Ok(Some(n))
    }

    fn write_dchannel(&mut self, frame: &[u8]) -> Result<(), VirtError> {
        self.framer.send_hdlc(frame)?;
        self.counters.dchan_tx += 1;
        Ok(())
    }

    fn set_abcd(&mut self, channel: u8, abcd: u8) -> Result<(), VirtError> {
        Ok(self.framer.set_abcd(channel, Abcd(abcd & 0x0F))?)
    }

    fn abcd(&self, channel: u8) -> Option<u8> {
        *self.abcd_rx.get(usize::from(channel).checked_sub(1)?)?
    }

    fn alarms(&self) -> Alarms {
        self.alarms
    }

    fn counters(&self) -> SpanCounters {
        let c = self.framer.counters();
        SpanCounters {
            bpv: c.bpv,
            crc4: c.crc4_errors,
            ebit: c.ebit_errors,
            fas: c.fas_errors,
            errsec: c.errored_seconds,
            slips: c.slips,
            ..self.counters
        }
    }

    fn poll_event(&mut self) -> Option<SpanEvent> {
        self.events.pop_front()
    }

    fn set_loopback(&mut self, mode: Loopback) -> Result<(), VirtError> {
        self.loopback = mode;
        self.loop_payload.clear();
        self.local_loop.clear();
        self.update_alarms();
        Ok(())
    }

    fn set_clock_source(&mut self, clock: ClockSource) {
        self.clock = clock;
    }
}

impl AsFd for VirtE1Span {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl AsRawFd for VirtE1Span {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}
