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

/// Why bytes are not an analog packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalogPacketError {
    /// Not exactly [`ANALOG_PACKET_LEN`] bytes.
    #[error("analog packet of {0} bytes, expected 20")]
    Length(usize),
    /// The first byte is not [`ANALOG_MAGIC`].
    #[error("analog packet starts with {0:#04x}, expected 0xa1")]
    Magic(u8),
}

/// A checked view over the bytes of one analog packet (smoltcp style): after
/// [`new_checked`](Self::new_checked) no accessor can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalogPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> AnalogPacket<T> {
    /// Wraps `buffer` after checking its length and magic byte.
    ///
    /// # Errors
    /// [`AnalogPacketError`] naming what is wrong.
    pub fn new_checked(buffer: T) -> Result<Self, AnalogPacketError> {
        let b = buffer.as_ref();
        if b.len() != ANALOG_PACKET_LEN {
            return Err(AnalogPacketError::Length(b.len()));
        }
        if b[0] != ANALOG_MAGIC {
            return Err(AnalogPacketError::Magic(b[0]));
        }
        Ok(Self { buffer })
    }

    /// The state byte as sent (bits 4-7 included).
    #[must_use]
    pub fn state_byte(&self) -> u8 {
        self.buffer.as_ref()[1]
    }

    /// The line state bits.
    #[must_use]
    pub fn state(&self) -> LineState {
        LineState::from_bits(self.state_byte())
    }

    /// The sequence number.
    #[must_use]
    pub fn seq(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_le_bytes([b[2], b[3]])
    }

    /// The 8 samples.
    #[must_use]
    pub fn samples(&self) -> AudioChunk {
        let mut out = [0i16; CHUNK_SAMPLES];
        for (s, b) in out
            .iter_mut()
            .zip(self.buffer.as_ref()[4..].chunks_exact(2))
        {
            *s = i16::from_le_bytes([b[0], b[1]]);
        }
        out
    }
}

/// The meaning of an analog packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnalogPacketRepr {
    /// Line state bits of the sender.
    pub state: LineState,
    /// Sequence number.
    pub seq: u16,
    /// One millisecond of audio.
    pub samples: AudioChunk,
}

impl AnalogPacketRepr {
    /// Reads a checked packet.
    #[must_use]
    pub fn parse<T: AsRef<[u8]>>(p: &AnalogPacket<T>) -> Self {
        Self {
            state: p.state(),
            seq: p.seq(),
            samples: p.samples(),
        }
    }

    /// Writes the packet into `out`.
    pub fn emit(&self, out: &mut [u8; ANALOG_PACKET_LEN]) {
        out[0] = ANALOG_MAGIC;
        out[1] = self.state.bits();
        out[2..4].copy_from_slice(&self.seq.to_le_bytes());
        for (d, s) in out[4..].chunks_exact_mut(2).zip(&self.samples) {
            d.copy_from_slice(&s.to_le_bytes());
        }
    }
}

/// Encodes one packet ([`AnalogPacketRepr::emit`] as a function).
#[must_use]
pub fn encode_packet(state: LineState, seq: u16, samples: &AudioChunk) -> [u8; ANALOG_PACKET_LEN] {
    let mut p = [0u8; ANALOG_PACKET_LEN];
    AnalogPacketRepr {
        state,
        seq,
        samples: *samples,
    }
    .emit(&mut p);
    p
}

/// Decodes one packet: `(state, seq, samples)`, or `None` when it is not an analog packet
/// ([`AnalogPacket::new_checked`] + [`AnalogPacketRepr::parse`] as a function).
#[must_use]
pub fn decode_packet(p: &[u8]) -> Option<(LineState, u16, AudioChunk)> {
    let r = AnalogPacketRepr::parse(&AnalogPacket::new_checked(p).ok()?);
    Some((r.state, r.seq, r.samples))
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
        assert_eq!(
            AnalogPacket::new_checked(&p[..19]),
            Err(AnalogPacketError::Length(19))
        );
        let mut q = p;
        q[0] = 0;
        assert_eq!(decode_packet(&q), None);
        assert_eq!(
            AnalogPacket::new_checked(&q),
            Err(AnalogPacketError::Magic(0))
        );
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
