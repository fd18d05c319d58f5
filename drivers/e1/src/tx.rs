//! The E1 transmit framer: per-timeslot bytes in, complete frames out.
//!
//! **What it does:** writes TS0 (FAS in even frames, NFAS with the A bit and Sa4..Sa8 in odd
//! frames, G.704 §2.3.2), the CRC-4 multiframe in the Si bits (C-bits computed over the
//! previous sub-multiframe, the MF alignment signal `001011`, E-bits reporting received CRC-4
//! errors, G.704 §2.3.3), and TS16: HDLC bytes for CCS, the CAS multiframe with ABCD bits
//! per channel (G.704 §5.1.3.2), or the caller's byte.
//!
//! Unused Si bits are sent as 1 when CRC-4 is off (G.704 §2.3.2 note 1).

use crate::crc4::Crc4;
use crate::frame::{Abcd, CasTs16, FRAME_LEN, SaBits, Ts0};
use crate::hdlc::{HdlcEncoder, HdlcError};
use crate::{Signalling, TxConfig};

/// Sans-IO E1 transmitter: call [`build_frame`](Self::build_frame) 8000 times a second.
#[derive(Debug, Clone)]
pub struct Transmitter {
    cfg: TxConfig,
    mf_pos: u8,
    cas_pos: u8,
    crc_cur: Crc4,
    crc_prev: u8,
    rai: bool,
    ebits_pending: u32,
    ebits_zero: bool,
    cas_remote_alarm: bool,
    abcd: [Abcd; 31],
    hdlc: HdlcEncoder,
    frames: u64,
}

impl Transmitter {
    /// A transmitter at frame 0 of both multiframes, RAI off, all channels [`Abcd::IDLE`].
    #[must_use]
    pub fn new(cfg: TxConfig) -> Self {
        Self {
            cfg,
            mf_pos: 0,
            cas_pos: 0,
            crc_cur: Crc4::new(),
            crc_prev: 0,
            rai: false,
            ebits_pending: 0,
            ebits_zero: false,
            cas_remote_alarm: false,
            abcd: [Abcd::IDLE; 31],
            hdlc: HdlcEncoder::new(),
            frames: 0,
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &TxConfig {
        &self.cfg
    }

    /// Sends the A bit (RAI) as `on` from the next NFAS frame.
    pub fn set_rai(&mut self, on: bool) {
        self.rai = on;
    }

    /// Sets Sa4..Sa8 for the next NFAS frames.
    pub fn set_sa(&mut self, sa: SaBits) {
        self.cfg.sa = SaBits(sa.0 & 0x1F);
    }

    /// Reports `n` more received errored sub-multiframes to the far end: one E-bit at 0 each
    /// (G.704 §2.3.3.4), in the next E-bit positions.
    pub fn report_crc4_errors(&mut self, n: u32) {
        self.ebits_pending = self.ebits_pending.saturating_add(n);
    }

    /// Forces all E-bits to 0: the G.706 Annex B indication that we receive no CRC-4
    /// multiframe from the far end *(verify: quoted from framer data sheets)*.
    pub fn set_ebits_zero(&mut self, on: bool) {
        self.ebits_zero = on;
    }

    /// Sends Y = 1 in the CAS multiframe alignment word (loss of CAS MF alignment, G.732 §5.2).
    pub fn set_cas_remote_alarm(&mut self, on: bool) {
        self.cas_remote_alarm = on;
    }

    /// Sets the ABCD bits sent for channel `ch` (1..=30); other channels are ignored and
    /// `false` is returned. G.704 §5.1.3.2 forbids 0000 on channels 1-15 (it would imitate the
    /// MF alignment word); it is sent anyway if asked for.
    pub fn set_abcd(&mut self, ch: u8, abcd: Abcd) -> bool {
        if (1..=30).contains(&ch) {
            self.abcd[usize::from(ch)] = Abcd(abcd.0 & 0x0F);
            true
        } else {
            false
        }
    }

    /// Queues an HDLC frame for TS16 (CCS); the FCS is added.
    ///
    /// # Errors
    /// See [`HdlcEncoder::push_frame`].
    pub fn send_hdlc(&mut self, frame: &[u8]) -> Result<(), HdlcError> {
        self.hdlc.push_frame(frame)
    }

    /// The HDLC encoder for TS16 (to queue "frame + FCS" buffers, abort, or check idleness).
    pub fn hdlc_mut(&mut self) -> &mut HdlcEncoder {
        &mut self.hdlc
    }

    /// HDLC frames waiting to be sent on TS16.
    #[must_use]
    pub fn hdlc_queued(&self) -> usize {
        self.hdlc.queued()
    }

    /// Frames built so far.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Builds the next frame. `payload` gives TS1-31 (TS0 is ignored; TS16 is used only with
    /// [`Signalling::Transparent`]).
    pub fn build_frame(&mut self, payload: &[u8; FRAME_LEN]) -> [u8; FRAME_LEN] {
        let mut out = *payload;
        out[16] = match self.cfg.signalling {
            Signalling::Ccs => self.hdlc.next_byte(),
            Signalling::Cas => self.cas_byte(),
            Signalling::Transparent => payload[16],
        };
        let pos = self.mf_pos;
        let crc4 = self.cfg.crc4;
        let ts0 = if pos.is_multiple_of(2) {
            let si = if crc4 {
                (self.crc_prev >> (3 - (pos % 8) / 2)) & 1 == 1
            } else {
                true
            };
            Ts0::Fas { si }
        } else {
            let si = if crc4 {
                match pos {
                    1 | 3 | 7 => false,
                    5 | 9 | 11 => true,
                    _ => self.next_ebit(),
                }
            } else {
                true
            };
            Ts0::Nfas {
                si,
                a: self.rai,
                sa: self.cfg.sa,
            }
        }
        .emit();
        out[0] = ts0;
        if crc4 {
            self.crc_cur.update_byte(if pos.is_multiple_of(2) {
                ts0 & 0x7F
            } else {
                ts0
            });
            self.crc_cur.update(&out[1..]);
            if pos % 8 == 7 {
                self.crc_prev = self.crc_cur.value();
                self.crc_cur = Crc4::new();
            }
        }
        self.mf_pos = (pos + 1) % 16;
        self.frames += 1;
        out
    }

    fn next_ebit(&mut self) -> bool {
        if self.ebits_zero {
            false
        } else if self.ebits_pending > 0 {
            self.ebits_pending -= 1;
            false
        } else {
            true
        }
    }

    fn cas_byte(&mut self) -> u8 {
        let pos = self.cas_pos;
        self.cas_pos = (pos + 1) % 16;
        if pos == 0 {
            CasTs16::mfas(self.cas_remote_alarm).emit()
        } else {
            let p = usize::from(pos);
            CasTs16::Channels(self.abcd[p], self.abcd[p + 15]).emit()
        }
    }
}
