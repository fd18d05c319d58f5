//! The D-channel-only virtual line.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;

use socket2::Socket;

use super::{VirtError, recv_packet, send_packet};

/// Largest packet accepted: a LAPD frame of N201 = 260 information octets, 4 octets of
/// address and control, 2 of FCS, with room to spare (DAHDI's default buffer is 1024).
pub const MAX_DCHAN_PACKET: usize = 1024;

/// D-channel line counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DchanCounters {
    /// Frames received with a good FCS.
    pub rx_frames: u64,
    /// Frames sent.
    pub tx_frames: u64,
    /// Packets dropped because the FCS did not match.
    pub bad_fcs: u64,
    /// Packets dropped because they were shorter than 2 bytes (no FCS).
    pub too_short: u64,
}

/// One end of a D-channel-only virtual line: one `SOCK_SEQPACKET` packet per LAPD frame,
/// frame + FCS-16 low byte first, as a DAHDI hardware-HDLC channel reads and writes.
///
/// Non-blocking: wait on its file descriptor, then call [`recv`](Self::recv) until `None`.
#[derive(Debug)]
pub struct VirtDchan {
    sock: Socket,
    counters: DchanCounters,
    buf: Vec<u8>,
}

impl VirtDchan {
    /// Wraps a connected `SOCK_SEQPACKET` socket (made non-blocking).
    ///
    /// # Errors
    /// When the socket cannot be made non-blocking.
    pub fn new(sock: Socket) -> Result<Self, VirtError> {
        sock.set_nonblocking(true)?;
        Ok(Self {
            sock,
            counters: DchanCounters::default(),
            buf: vec![0; MAX_DCHAN_PACKET + 1],
        })
    }

    /// Both ends of a new line.
    ///
    /// # Errors
    /// When the socketpair fails.
    pub fn pair() -> Result<(Self, Self), VirtError> {
        let (a, b) = super::pair()?;
        Ok((Self::new(a)?, Self::new(b)?))
    }

    /// Connects to a line listening at `path`.
    ///
    /// # Errors
    /// When nothing listens there.
    pub fn connect(path: impl AsRef<Path>) -> Result<Self, VirtError> {
        Self::new(super::connect(path)?)
    }

    /// Sends `frame` (address, control, information) with its FCS appended.
    ///
    /// # Errors
    /// [`VirtError::FrameTooLong`], [`VirtError::WouldBlock`] when the far end does not read,
    /// [`VirtError::Io`].
    pub fn send(&mut self, frame: &[u8]) -> Result<(), VirtError> {
        let max = MAX_DCHAN_PACKET - 2;
        if frame.len() > max {
            return Err(VirtError::FrameTooLong {
                len: frame.len(),
                max,
            });
        }
        let mut p = Vec::with_capacity(frame.len() + 2);
        p.extend_from_slice(frame);
        e1::hdlc::append_fcs(&mut p);
        send_packet(&self.sock, &p)?;
        self.counters.tx_frames += 1;
        Ok(())
    }

    /// Sends `packet` as it is (its last two bytes are taken as the FCS by the far end):
    /// for relaying foreign frames and for tests that corrupt the FCS.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn send_raw(&mut self, packet: &[u8]) -> Result<(), VirtError> {
        if packet.len() > MAX_DCHAN_PACKET {
            return Err(VirtError::FrameTooLong {
                len: packet.len(),
                max: MAX_DCHAN_PACKET,
            });
        }
        send_packet(&self.sock, packet)?;
        self.counters.tx_frames += 1;
        Ok(())
    }

    /// Next received frame with a good FCS, copied (without FCS) into `buf`: `Ok(Some(len))`,
    /// or `Ok(None)` when nothing is waiting. Packets with a bad FCS or shorter than 2
    /// bytes are dropped and counted on the way.
    ///
    /// # Errors
    /// [`VirtError::Closed`] when the far end closed, [`VirtError::BufferTooSmall`] (the
    /// frame is lost then), [`VirtError::Io`].
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<Option<usize>, VirtError> {
        loop {
            let Some(n) = recv_packet(&self.sock, &mut self.buf)? else {
                return Ok(None);
            };
            match e1::hdlc::check_fcs(&self.buf[..n]) {
                Ok(body) => {
                    self.counters.rx_frames += 1;
                    let Some(dst) = buf.get_mut(..body.len()) else {
                        return Err(VirtError::BufferTooSmall {
                            need: body.len(),
                            got: buf.len(),
                        });
                    };
                    dst.copy_from_slice(body);
                    return Ok(Some(body.len()));
                }
                Err(e1::hdlc::HdlcError::BadFcs) => self.counters.bad_fcs += 1,
                Err(_) => self.counters.too_short += 1,
            }
        }
    }

    /// Counters since creation.
    #[must_use]
    pub fn counters(&self) -> DchanCounters {
        self.counters
    }

    /// The socket, e.g. to register with a reactor.
    #[must_use]
    pub fn socket(&self) -> &Socket {
        &self.sock
    }
}

impl AsFd for VirtDchan {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl AsRawFd for VirtDchan {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}
