//! # D-channel capture in pcap format, link type 177 (`LINKTYPE_LINUX_LAPD`)
//!
//! **What it is:** a writer of classic libpcap files (magic `0xA1B2C3D4`, version 2.4,
//! microsecond timestamps) whose packets are LAPD frames (Q.921 address, control and
//! information, **without** the FCS) behind the 16-octet `LINUX_LAPD` pseudo-header that
//! Wireshark, tshark and libpcap read (libpcap `pcap-linktype(7)`; Wireshark
//! `wiretap/pcap-common.c`):
//!
//! | offset | size | field | value here |
//! |---|---|---|---|
//! | 0 | 2 | packet type (big endian) | 0 = received by us (`PACKET_HOST`), 4 = sent by us (`PACKET_OUTGOING`) |
//! | 2 | 2 | ARPHRD type | 8445 (`ARPHRD_LAPD`) |
//! | 4 | 2 | address length | 1 |
//! | 6 | 8 | address | octet 0: 1 if we are the network side, 0 if the user side |
//! | 14 | 2 | protocol (big endian) | 0x0030 (`ETH_P_LAPD`) |
//!
//! Wireshark uses the packet type and the network/user octet to tell commands from
//! responses (the C/R bit means the opposite in each direction, Q.921 §3.3.2).
//!
//! **What it is not:** no files and no clock: it writes into any [`std::io::Write`] it is
//! given, and timestamps are [`tdm::Instant`]s mapped to Unix time with an offset the
//! caller supplies. No pcapng, no FCS.

use std::io::{self, Write};
use tdm::Instant;

/// `LINKTYPE_LINUX_LAPD`.
pub const LINKTYPE_LINUX_LAPD: u32 = 177;
/// `ARPHRD_LAPD` (the sll hardware type of mISDN/vISDN LAPD sockets).
pub const ARPHRD_LAPD: u16 = 8445;
/// `ETH_P_LAPD`, the sll protocol field of a LAPD packet.
pub const ETH_P_LAPD: u16 = 0x0030;
/// Length of the `LINUX_LAPD` pseudo-header.
pub const PSEUDO_HEADER_LEN: usize = 16;
/// Snapshot length written in the global header (a LAPD frame is at most 260 octets).
pub const SNAPLEN: u32 = 65_535;

/// Which way a frame went, seen from the capturing side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received from the peer (`PACKET_HOST`, 0).
    Received,
    /// Sent by us (`PACKET_OUTGOING`, 4).
    Sent,
}

impl Direction {
    /// The sll packet type value.
    #[must_use]
    pub const fn packet_type(self) -> u16 {
        match self {
            Self::Received => 0,
            Self::Sent => 4,
        }
    }
}

/// The 24-octet pcap global header for link type 177.
#[must_use]
pub fn global_header() -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    // thiszone 0, sigfigs 0
    h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
    h[20..24].copy_from_slice(&LINKTYPE_LINUX_LAPD.to_le_bytes());
    h
}

/// The `LINUX_LAPD` pseudo-header for one frame.
#[must_use]
pub fn pseudo_header(dir: Direction, we_are_network: bool) -> [u8; PSEUDO_HEADER_LEN] {
    let mut h = [0u8; PSEUDO_HEADER_LEN];
    h[0..2].copy_from_slice(&dir.packet_type().to_be_bytes());
    h[2..4].copy_from_slice(&ARPHRD_LAPD.to_be_bytes());
    h[4..6].copy_from_slice(&1u16.to_be_bytes());
    h[6] = u8::from(we_are_network);
    h[14..16].copy_from_slice(&ETH_P_LAPD.to_be_bytes());
    h
}

/// Writes a pcap stream of LAPD frames into `W`.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    we_are_network: bool,
    unix_offset_micros: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Write the global header and return the writer.
    ///
    /// `we_are_network` says which side captures (pseudo-header address octet);
    /// `unix_offset_micros` is the Unix time, in µs, of [`Instant::ZERO`].
    ///
    /// # Errors
    /// Any error of the underlying writer.
    pub fn new(mut out: W, we_are_network: bool, unix_offset_micros: u64) -> io::Result<Self> {
        out.write_all(&global_header())?;
        Ok(Self {
            out,
            we_are_network,
            unix_offset_micros,
        })
    }

    /// Append one LAPD frame (address, control, information; no FCS) seen at `at`.
    ///
    /// # Errors
    /// Any error of the underlying writer; [`io::ErrorKind::InvalidInput`] if the frame is
    /// longer than the snapshot length.
    pub fn write_frame(&mut self, at: Instant, dir: Direction, frame: &[u8]) -> io::Result<()> {
        let len = u32::try_from(frame.len() + PSEUDO_HEADER_LEN)
            .ok()
            .filter(|&l| l <= SNAPLEN)
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        let t = self.unix_offset_micros.saturating_add(at.as_micros());
        let secs = u32::try_from(t / 1_000_000).unwrap_or(u32::MAX);
        let micros = (t % 1_000_000) as u32;
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&secs.to_le_bytes());
        rec[4..8].copy_from_slice(&micros.to_le_bytes());
        rec[8..12].copy_from_slice(&len.to_le_bytes());
        rec[12..16].copy_from_slice(&len.to_le_bytes());
        self.out.write_all(&rec)?;
        self.out
            .write_all(&pseudo_header(dir, self.we_are_network))?;
        self.out.write_all(frame)
    }

    /// Flush the underlying writer.
    ///
    /// # Errors
    /// Any error of the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}
