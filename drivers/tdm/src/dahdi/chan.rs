//! DAHDI channels: what a channel is for (from its signalling type), the buffer policy each
//! kind gets, and the framing of what is read and written on its file descriptor. Pure
//! functions; the descriptors themselves are in [`super::device`].
//!
//! ## Conventions of a DAHDI channel descriptor
//! - **B-channel** (`bchan`, `cas`, analog ports): after `DAHDI_SET_BLOCKSIZE` 8, every `read`
//!   returns 8 samples (1 ms) and every `write` takes 8 (see [`BEARER_BLOCKSIZE`]).
//! - **D-channel** (`hardhdlc`, or `dchan` for the kernel's soft HDLC): one `read` returns one
//!   whole frame followed by its 2 FCS bytes (already checked by the card or the kernel, which
//!   drops bad frames and raises `DAHDI_EVENT_BADFCS`); one `write` takes one frame followed by
//!   2 bytes of room that the card or kernel overwrites with the FCS. libpri does the same
//!   (`read` then `len - 2`, `write(len + 2)`).
//! - A `read` or `write` fails with errno 500 (`ELAST`, [`super::sys::DAHDI_ELAST`]) when an
//!   event is waiting; it is then read with `DAHDI_GETEVENT`.
#![forbid(unsafe_code)]

use core::ffi::c_int;

use super::sys::{
    DAHDI_POLICY_IMMEDIATE, DAHDI_SIG_CAS, DAHDI_SIG_CLEAR, DAHDI_SIG_EM, DAHDI_SIG_EM_E1,
    DAHDI_SIG_FXO_BIT, DAHDI_SIG_FXS_BIT, DAHDI_SIG_HARDHDLC, DAHDI_SIG_HDLCFCS, DAHDI_SIG_HDLCRAW,
    DahdiBufferInfo,
};
use crate::span::CHUNK_SAMPLES;

/// Bytes per `read`/`write` on a B-channel: one 1 ms chunk (`DAHDI_SET_BLOCKSIZE`).
pub const BEARER_BLOCKSIZE: c_int = CHUNK_SAMPLES as c_int;

/// Buffers per direction on a B-channel: 16 chunks = 16 ms of slack for the daemon's loop.
pub const BEARER_NUMBUFS: c_int = 16;

/// Largest D-channel buffer, FCS included (Asterisk's PRI D-channel uses the same).
pub const DCHANNEL_BUFSIZE: c_int = 1024;

/// D-channel buffers per direction (as Asterisk's PRI D-channel).
pub const DCHANNEL_NUMBUFS: c_int = 32;

/// The FCS bytes DAHDI leaves at the end of a received frame and expects room for on write.
pub const HDLC_FCS_LEN: usize = 2;

/// Largest D-channel frame, without FCS.
pub const MAX_DCHANNEL_FRAME: usize = DCHANNEL_BUFSIZE as usize - HDLC_FCS_LEN;

/// What a channel carries, from its `sigtype` (`DAHDI_GET_PARAMS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelRole {
    /// Not configured (`sigtype` 0): left closed.
    Unconfigured,
    /// Audio/data, 8 samples a millisecond (`bchan`, analog ports).
    Bearer,
    /// Audio with CAS ABCD bits (`cas`: R2 lines).
    Cas,
    /// D-channel; `hardware` when the card does the HDLC (`hardhdlc`), else the kernel (`dchan`).
    DChannel {
        /// HDLC done by the card's controller.
        hardware: bool,
    },
    /// A kind this backend does not drive (raw HDLC, MTP2, DACS, ...): left closed.
    Other(c_int),
}

impl ChannelRole {
    /// The role of a channel of signalling type `sigtype` (`DAHDI_SIG_*`).
    #[must_use]
    pub const fn from_sigtype(sigtype: c_int) -> Self {
        match sigtype {
            0 => Self::Unconfigured,
            DAHDI_SIG_HARDHDLC => Self::DChannel { hardware: true },
            DAHDI_SIG_HDLCFCS => Self::DChannel { hardware: false },
            DAHDI_SIG_CLEAR => Self::Bearer,
            DAHDI_SIG_CAS => Self::Cas,
            s if s & DAHDI_SIG_HDLCRAW == DAHDI_SIG_HDLCRAW => Self::Other(s),
            // FXS/FXO (bits 0..5 with 12/13), E&M (6), E&M E1 (17): voice ports.
            s if s & (DAHDI_SIG_FXO_BIT | DAHDI_SIG_FXS_BIT | DAHDI_SIG_EM | DAHDI_SIG_EM_E1)
                != 0 =>
            {
                Self::Bearer
            }
            s => Self::Other(s),
        }
    }

    /// True for channels read and written in 1 ms chunks.
    #[must_use]
    pub const fn is_bearer(self) -> bool {
        matches!(self, Self::Bearer | Self::Cas)
    }
}

/// Buffer policy of a B-channel: start at once both ways, [`BEARER_NUMBUFS`] buffers of one
/// chunk, so a `read` returns as soon as 1 ms is in and a `write` goes out on the next tick.
#[must_use]
pub const fn bearer_bufinfo() -> DahdiBufferInfo {
    DahdiBufferInfo {
        txbufpolicy: DAHDI_POLICY_IMMEDIATE,
        rxbufpolicy: DAHDI_POLICY_IMMEDIATE,
        numbufs: BEARER_NUMBUFS,
        bufsize: BEARER_BLOCKSIZE,
        readbufs: 0,
        writebufs: 0,
    }
}

/// Buffer policy of a D-channel: immediate both ways, one frame per buffer.
#[must_use]
pub const fn dchannel_bufinfo() -> DahdiBufferInfo {
    DahdiBufferInfo {
        txbufpolicy: DAHDI_POLICY_IMMEDIATE,
        rxbufpolicy: DAHDI_POLICY_IMMEDIATE,
        numbufs: DCHANNEL_NUMBUFS,
        bufsize: DCHANNEL_BUFSIZE,
        readbufs: 0,
        writebufs: 0,
    }
}

/// Length of the frame in a D-channel `read` of `read_len` bytes, once the 2 FCS bytes are
/// dropped; `None` when nothing is left of the frame (a malformed read, counted as an abort).
#[must_use]
pub const fn hdlc_rx_frame_len(read_len: usize) -> Option<usize> {
    if read_len > HDLC_FCS_LEN {
        Some(read_len - HDLC_FCS_LEN)
    } else {
        None
    }
}

/// Builds what one D-channel `write` takes: `frame` then 2 bytes of room for the FCS.
/// `None` when `frame` is empty or longer than [`MAX_DCHANNEL_FRAME`].
#[must_use]
pub fn hdlc_tx_buffer(frame: &[u8]) -> Option<Vec<u8>> {
    if frame.is_empty() || frame.len() > MAX_DCHANNEL_FRAME {
        return None;
    }
    let mut buf = Vec::with_capacity(frame.len() + HDLC_FCS_LEN);
    buf.extend_from_slice(frame);
    buf.extend_from_slice(&[0; HDLC_FCS_LEN]);
    Some(buf)
}

/// Index in a chunk array (`Span::read_chunk`'s `out`) of the channel at position `chanpos`
/// in its span: E1 channel n is timeslot n (TS16 is channel 16), analog port n is index n.
#[must_use]
pub const fn slot_of(chanpos: c_int) -> Option<usize> {
    if chanpos >= 1 {
        Some(chanpos as usize)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_system_conf_signalling() {
        assert_eq!(ChannelRole::from_sigtype(0), ChannelRole::Unconfigured);
        assert_eq!(
            ChannelRole::from_sigtype(DAHDI_SIG_HARDHDLC),
            ChannelRole::DChannel { hardware: true }
        );
        assert_eq!(
            ChannelRole::from_sigtype(DAHDI_SIG_HDLCFCS),
            ChannelRole::DChannel { hardware: false }
        );
        assert_eq!(
            ChannelRole::from_sigtype(DAHDI_SIG_CLEAR),
            ChannelRole::Bearer
        );
        assert_eq!(ChannelRole::from_sigtype(DAHDI_SIG_CAS), ChannelRole::Cas);
        // fxoks (FXS port hardware): (1 << 5) | (1 << 12).
        assert_eq!(
            ChannelRole::from_sigtype((1 << 5) | (1 << 12)),
            ChannelRole::Bearer
        );
        assert_eq!(ChannelRole::from_sigtype(DAHDI_SIG_EM), ChannelRole::Bearer);
        assert_eq!(
            ChannelRole::from_sigtype(DAHDI_SIG_HDLCRAW),
            ChannelRole::Other(DAHDI_SIG_HDLCRAW)
        );
        // MTP2 = (1 << 20) | HDLCFCS.
        let mtp2 = (1 << 20) | DAHDI_SIG_HDLCFCS;
        assert_eq!(ChannelRole::from_sigtype(mtp2), ChannelRole::Other(mtp2));
        assert!(
            ChannelRole::Cas.is_bearer() && !ChannelRole::DChannel { hardware: true }.is_bearer()
        );
    }

    #[test]
    fn buffer_policies() {
        let b = bearer_bufinfo();
        assert_eq!(
            (b.bufsize, b.numbufs, b.txbufpolicy, b.rxbufpolicy),
            (8, 16, 0, 0)
        );
        let d = dchannel_bufinfo();
        assert_eq!((d.bufsize, d.numbufs), (1024, 32));
    }

    #[test]
    fn hdlc_fcs_bytes_are_stripped_on_read_and_reserved_on_write() {
        assert_eq!(hdlc_rx_frame_len(5), Some(3));
        assert_eq!(hdlc_rx_frame_len(3), Some(1));
        assert_eq!(hdlc_rx_frame_len(2), None);
        assert_eq!(hdlc_rx_frame_len(0), None);
        assert_eq!(
            hdlc_tx_buffer(&[0x02, 0x01, 0x7f]).unwrap(),
            [0x02, 0x01, 0x7f, 0, 0]
        );
        assert!(hdlc_tx_buffer(&[]).is_none());
        assert_eq!(
            hdlc_tx_buffer(&[0; MAX_DCHANNEL_FRAME]).unwrap().len(),
            1024
        );
        assert!(hdlc_tx_buffer(&[0; MAX_DCHANNEL_FRAME + 1]).is_none());
    }

    #[test]
    fn channel_positions_are_timeslots() {
        assert_eq!(slot_of(1), Some(1));
        assert_eq!(slot_of(16), Some(16));
        assert_eq!(slot_of(31), Some(31));
        assert_eq!(slot_of(0), None);
        assert_eq!(slot_of(-1), None);
    }
}
