//! The analog virtual line: one two-wire loop over a `SOCK_SEQPACKET` socket.
//!
//! Every packet is one millisecond of the line from one end (format in
//! `docs/virtual-lines.md`, "Analog loop"):
//!
//! ```text
//! offset 0     1      2..4        4..20
//!        0xA1  state  seq (u16 LE) 8 samples, i16 LE, 8 kHz linear
//! ```
//!
//! `state` holds the bits the sender controls (bit 0 off-hook from the terminal end; bit 1
//! ring voltage, bit 2 reversed polarity, bit 3 battery from the exchange end, see
//! [`LineState::bits`]); the receiver ignores the others. A change of a bit between two
//! packets is a line event, so events fall on the 1 ms grid of the audio, and a dial pulse
//! or hook flash is a run of packets with the hook bit clear.

use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;

use socket2::Socket;

use super::{VirtError, recv_packet, send_packet};
use crate::analog::{AnalogPort, AudioChunk, LineSignal, LineState, PortKind};
use crate::span::CHUNK_SAMPLES;

/// First byte of every analog packet (format and version).
pub const ANALOG_MAGIC: u8 = 0xA1;
/// Bytes in an analog packet: magic, state, sequence, 8 samples.
pub const ANALOG_PACKET_LEN: usize = 4 + 2 * CHUNK_SAMPLES;

/// State bits the exchange end controls (ring, polarity, battery).
const EXCHANGE_BITS: u8 = 0b1110;
/// State bits the terminal end controls (hook).
const TERMINAL_BITS: u8 = 0b0001;

const fn own_bits(kind: PortKind) -> u8 {
    match kind {
        PortKind::Fxs => EXCHANGE_BITS,
        PortKind::Fxo => TERMINAL_BITS,
    }
}

/// Counters of an analog virtual line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnalogLineStats {
    /// Packets (milliseconds) sent.
    pub tx_packets: u64,
    /// Packets received and accepted.
    pub rx_packets: u64,
    /// Packets dropped: wrong length or magic byte.
    pub bad_packets: u64,
    /// Packets missing according to the sequence numbers.
    pub lost_packets: u64,
}

/// Encodes one packet.
#[must_use]
pub fn encode_packet(state: LineState, seq: u16, samples: &AudioChunk) -> [u8; ANALOG_PACKET_LEN] {
    let mut p = [0u8; ANALOG_PACKET_LEN];
    p[0] = ANALOG_MAGIC;
    p[1] = state.bits();
    p[2..4].copy_from_slice(&seq.to_le_bytes());
    for (d, s) in p[4..].chunks_exact_mut(2).zip(samples) {
        d.copy_from_slice(&s.to_le_bytes());
    }
    p
}

/// Decodes one packet: `(state, seq, samples)`, or `None` when it is not an analog packet.
#[must_use]
pub fn decode_packet(p: &[u8]) -> Option<(LineState, u16, AudioChunk)> {
    if p.len() != ANALOG_PACKET_LEN || p[0] != ANALOG_MAGIC {
        return None;
    }
    let mut samples = [0i16; CHUNK_SAMPLES];
    for (s, b) in samples.iter_mut().zip(p[4..].chunks_exact(2)) {
        *s = i16::from_le_bytes([b[0], b[1]]);
    }
    Some((
        LineState::from_bits(p[1]),
        u16::from_le_bytes([p[2], p[3]]),
        samples,
    ))
}

/// One end of an analog virtual line, offering the [`AnalogPort`] API.
///
/// Non-blocking. Call [`write_chunk`](AnalogPort::write_chunk) once per millisecond (it
/// carries the line state last set by [`send_signal`](AnalogPort::send_signal)) and
/// [`read_chunk`](AnalogPort::read_chunk) until `None`, draining
/// [`poll_signal`](AnalogPort::poll_signal) after each.
#[derive(Debug)]
pub struct VirtAnalogLine {
    sock: Socket,
    kind: PortKind,
    tx: LineState,
    rx: LineState,
    tx_seq: u16,
    rx_seq: Option<u16>,
    events: VecDeque<LineSignal>,
    stats: AnalogLineStats,
    buf: [u8; ANALOG_PACKET_LEN + 1],
}

impl VirtAnalogLine {
    /// Wraps a connected `SOCK_SEQPACKET` socket (made non-blocking) as the `kind` end.
    ///
    /// # Errors
    /// When the socket cannot be made non-blocking.
    pub fn new(sock: Socket, kind: PortKind) -> Result<Self, VirtError> {
        sock.set_nonblocking(true)?;
        Ok(Self {
            sock,
            kind,
            tx: LineState::default(),
            rx: LineState::default(),
            tx_seq: 0,
            rx_seq: None,
            events: VecDeque::new(),
            stats: AnalogLineStats::default(),
            buf: [0; ANALOG_PACKET_LEN + 1],
        })
    }

    /// Both ends of a new loop: (exchange end, terminal end).
    ///
    /// # Errors
    /// When the socketpair fails.
    pub fn pair() -> Result<(Self, Self), VirtError> {
        let (a, b) = super::pair()?;
        Ok((Self::new(a, PortKind::Fxs)?, Self::new(b, PortKind::Fxo)?))
    }

    /// Connects to a loop listening at `path`, as the `kind` end.
    ///
    /// # Errors
    /// When nothing listens there.
    pub fn connect(path: impl AsRef<Path>, kind: PortKind) -> Result<Self, VirtError> {
        Self::new(super::connect(path)?, kind)
    }

    /// The state this end sends.
    #[must_use]
    pub fn tx_state(&self) -> LineState {
        self.tx
    }

    /// The far end's state as last received (only the bits the far end controls).
    #[must_use]
    pub fn rx_state(&self) -> LineState {
        self.rx
    }

    /// Counters since creation.
    #[must_use]
    pub fn stats(&self) -> AnalogLineStats {
        self.stats
    }

    /// The socket, e.g. to register with a reactor.
    #[must_use]
    pub fn socket(&self) -> &Socket {
        &self.sock
    }
}

impl AnalogPort for VirtAnalogLine {
    type Error = VirtError;

    fn kind(&self) -> PortKind {
        self.kind
    }

    fn read_chunk(&mut self) -> Result<Option<AudioChunk>, VirtError> {
        loop {
            let Some(n) = recv_packet(&self.sock, &mut self.buf)? else {
                return Ok(None);
            };
            let Some((state, seq, samples)) = decode_packet(&self.buf[..n]) else {
                self.stats.bad_packets += 1;
                continue;
            };
            if let Some(prev) = self.rx_seq {
                self.stats.lost_packets += u64::from(seq.wrapping_sub(prev).wrapping_sub(1));
            }
            self.rx_seq = Some(seq);
            self.stats.rx_packets += 1;
            let far = own_bits(match self.kind {
                PortKind::Fxs => PortKind::Fxo,
                PortKind::Fxo => PortKind::Fxs,
            });
            let new = LineState::from_bits(state.bits() & far);
            let events = &mut self.events;
            self.rx.diff(new, |s| events.push_back(s));
            self.rx = new;
            return Ok(Some(samples));
        }
    }

    fn write_chunk(&mut self, chunk: &AudioChunk) -> Result<(), VirtError> {
        let p = encode_packet(self.tx, self.tx_seq, chunk);
        send_packet(&self.sock, &p)?;
        self.tx_seq = self.tx_seq.wrapping_add(1);
        self.stats.tx_packets += 1;
        Ok(())
    }

    fn send_signal(&mut self, signal: LineSignal) -> Result<(), VirtError> {
        let mut s = self.tx;
        s.apply(signal);
        let allowed = own_bits(self.kind);
        let changes_other = (s.bits() ^ self.tx.bits()) & !allowed != 0;
        if changes_other || matches!(signal, LineSignal::Flash | LineSignal::PulseDigit(_)) {
            return Err(VirtError::NotThisEnd);
        }
        self.tx = s;
        Ok(())
    }

    fn poll_signal(&mut self) -> Option<LineSignal> {
        self.events.pop_front()
    }
}

impl AsFd for VirtAnalogLine {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl AsRawFd for VirtAnalogLine {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analog::{Hook, Polarity};

    #[test]
    fn packet_round_trip_and_rejects() {
        let s = LineState::from_bits(0b1011);
        let audio = [1, -2, 300, -400, i16::MAX, i16::MIN, 0, 7];
        let p = encode_packet(s, 0xBEEF, &audio);
        assert_eq!(p[0], ANALOG_MAGIC);
        assert_eq!(decode_packet(&p), Some((s, 0xBEEF, audio)));
        assert_eq!(decode_packet(&p[..19]), None);
        let mut q = p;
        q[0] = 0;
        assert_eq!(decode_packet(&q), None);
    }

    #[test]
    fn signals_cross_the_loop_on_the_next_chunk() {
        let (mut co, mut phone) = VirtAnalogLine::pair().unwrap();
        co.send_signal(LineSignal::Battery(true)).unwrap();
        co.send_signal(LineSignal::Polarity(Polarity::Reversed))
            .unwrap();
        assert!(matches!(
            co.send_signal(LineSignal::Hook(Hook::Off)),
            Err(VirtError::NotThisEnd)
        ));
        co.write_chunk(&[5; 8]).unwrap();
        assert_eq!(phone.read_chunk().unwrap(), Some([5; 8]));
        assert_eq!(phone.poll_signal(), Some(LineSignal::Battery(true)));
        assert_eq!(
            phone.poll_signal(),
            Some(LineSignal::Polarity(Polarity::Reversed))
        );
        assert_eq!(phone.poll_signal(), None);
        phone.send_signal(LineSignal::Hook(Hook::Off)).unwrap();
        assert!(phone.send_signal(LineSignal::Ring(true)).is_err());
        phone.write_chunk(&[0; 8]).unwrap();
        phone.write_chunk(&[0; 8]).unwrap();
        assert!(co.read_chunk().unwrap().is_some());
        assert_eq!(co.poll_signal(), Some(LineSignal::Hook(Hook::Off)));
        assert!(co.read_chunk().unwrap().is_some());
        assert_eq!(co.poll_signal(), None);
        assert_eq!(co.read_chunk().unwrap(), None);
        assert_eq!(co.stats().rx_packets, 2);
        assert_eq!(co.stats().lost_packets, 0);
    }
}
