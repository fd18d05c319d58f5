//! Virtual lines over Unix `SOCK_SEQPACKET` sockets (level 3, feature `virt`).
//!
//! Three wire formats, all documented for foreign tools in `docs/virtual-lines.md`:
//! - **D-channel only** ([`VirtDchan`]): one packet per LAPD frame, exactly as a DAHDI
//!   hardware-HDLC channel delivers it: address, control, information, then the FCS-16
//!   (CRC-16/X.25), low byte first. Bad FCS: dropped and counted. libpri's `pri_new_cb()`
//!   works over this directly.
//! - **raw E1** ([`VirtE1Span`]): each packet carries 1–16 whole 32-byte E1 frames, TS0
//!   first, MSB first on the wire, nominally 8000 frames/s. The span runs the `e1` framer
//!   over it and offers the [`Span`](crate::Span) API; [`Impairer`] injects faults on the
//!   transmit side.
//! - **analog loop** ([`VirtAnalogLine`]): one packet per millisecond per direction, a
//!   line-state byte (hook, ring, polarity, battery) and 8 linear samples; offers the
//!   [`AnalogPort`](crate::AnalogPort) API.
//!
//! Sockets come from [`pair`] (both ends in one process), [`Listener::bind`] +
//! [`Listener::accept`], or [`connect`]. They are `socket2::Socket`s, put in non-blocking
//! mode by the line types. Pacing is the caller's: nothing here sleeps or reads the clock.
//!
//! Why `socket2` rather than `nix`: std has no stable `SOCK_SEQPACKET` type, `socket2`
//! offers it (pair, bind, listen, accept, connect) through a safe API, and the workspace
//! already builds it (the `isdn` interop tests use it); `nix` stays for the DAHDI ioctls.

mod analog;
mod dchan;
mod e1span;
mod faults;

use std::io;
use std::path::Path;

pub use analog::{
    ANALOG_MAGIC, ANALOG_PACKET_LEN, AnalogLineStats, AnalogPacket, AnalogPacketError,
    AnalogPacketRepr, VirtAnalogLine, decode_packet, encode_packet,
};
pub use dchan::{DchanCounters, MAX_DCHAN_PACKET, VirtDchan};
pub use e1span::{MAX_FRAMES_PER_PACKET, PACKET_MAX_BYTES, VirtE1Config, VirtE1Span, VirtE1Stats};
pub use faults::{ImpairStats, Impairer, Impairments};
pub use socket2::Socket;

use socket2::{Domain, SockAddr, Type};

/// Errors from the virtual lines.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VirtError {
    /// The socket failed.
    #[error("virtual line socket: {0}")]
    Io(#[from] io::Error),
    /// The far end closed its socket (a zero-length read).
    #[error("the far end closed the virtual line")]
    Closed,
    /// The socket's send buffer is full (the far end is not reading).
    #[error("the virtual line's send buffer is full")]
    WouldBlock,
    /// The transmit queue of 1 ms chunks is full (the caller writes faster than it pumps).
    #[error("transmit chunk queue full")]
    TxFull,
    /// A caller's buffer is too short for the frame waiting.
    #[error("buffer of {got} bytes too short for a {need}-byte frame")]
    BufferTooSmall {
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// A chunk slice shorter than the span's timeslots.
    #[error("chunk slice has {got} timeslots, the span has {need}")]
    ChunkShape {
        /// Timeslots the span has.
        need: usize,
        /// Timeslots given.
        got: usize,
    },
    /// A D-channel frame longer than a packet may carry.
    #[error("D-channel frame of {len} bytes is longer than {max}")]
    FrameTooLong {
        /// Frame length (without FCS).
        len: usize,
        /// Largest accepted.
        max: usize,
    },
    /// An analog line signal this end of the loop cannot apply (hook at the exchange end;
    /// ring, polarity or battery at the terminal end; a pre-timed flash or pulse digit).
    #[error("this end of the analog loop cannot apply that signal")]
    NotThisEnd,
    /// The framer refused (no CCS, bad channel, HDLC queue full).
    #[error("E1 framer: {0}")]
    E1(#[from] e1::Error),
}

/// A connected pair of `SOCK_SEQPACKET` sockets: the two ends of one virtual line.
///
/// # Errors
/// When the system refuses the socketpair.
pub fn pair() -> Result<(Socket, Socket), VirtError> {
    Ok(Socket::pair(Domain::UNIX, Type::SEQPACKET, None)?)
}

/// Connects to a virtual line listening at `path`.
///
/// # Errors
/// When nothing listens there.
pub fn connect(path: impl AsRef<Path>) -> Result<Socket, VirtError> {
    let s = Socket::new(Domain::UNIX, Type::SEQPACKET, None)?;
    s.connect(&SockAddr::unix(path)?)?;
    Ok(s)
}

/// A listening `SOCK_SEQPACKET` socket at a filesystem path: the "line jack" a foreign tool
/// (libpri, socat, a script) connects to.
#[derive(Debug)]
pub struct Listener {
    sock: Socket,
}

impl Listener {
    /// Binds and listens at `path` (which must not exist yet).
    ///
    /// # Errors
    /// When the path is taken or not writable.
    pub fn bind(path: impl AsRef<Path>) -> Result<Self, VirtError> {
        let sock = Socket::new(Domain::UNIX, Type::SEQPACKET, None)?;
        sock.bind(&SockAddr::unix(path)?)?;
        sock.listen(1)?;
        Ok(Self { sock })
    }

    /// Waits for the far end to connect (blocking).
    ///
    /// # Errors
    /// When accept fails.
    pub fn accept(&self) -> Result<Socket, VirtError> {
        Ok(self.sock.accept()?.0)
    }
}

/// Reads one packet: `Ok(None)` when none is waiting.
fn recv_packet(sock: &Socket, buf: &mut [u8]) -> Result<Option<usize>, VirtError> {
    use std::io::Read;
    loop {
        match (&*sock).read(buf) {
            Ok(0) => return Err(VirtError::Closed),
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Sends one packet.
fn send_packet(sock: &Socket, packet: &[u8]) -> Result<(), VirtError> {
    loop {
        match sock.send(packet) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(VirtError::WouldBlock),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}
