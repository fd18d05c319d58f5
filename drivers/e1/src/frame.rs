//! The E1 frame on the wire (G.704 §2.3): a checked view over 32 bytes and the meaning of
//! timeslot 0 and of the TS16 CAS multiframe.
//!
//! Bit numbering follows G.704: bit 1 of a timeslot is the first on the wire and is the most
//! significant bit of the byte here.
//!
//! | TS0 of | bit 1 | bits 2-8 |
//! |---|---|---|
//! | frames with FAS (even) | Si (C-bit with CRC-4) | `0011011` |
//! | frames without FAS (odd) | Si (MFAS or E-bit with CRC-4) | `1 A Sa4 Sa5 Sa6 Sa7 Sa8` |

/// Bytes per E1 frame: 32 timeslots of 8 bits (G.704 §2.3.1).
pub const FRAME_LEN: usize = 32;
/// Frames per second (G.704 §2.3.1: 125 µs per frame).
pub const FRAMES_PER_SECOND: u32 = 8000;
/// The frame alignment signal in bits 2-8 of TS0 (G.704 §2.3.2, table 4a).
pub const FAS: u8 = 0x1B;
/// Mask of bits 2-8 of TS0.
pub const FAS_MASK: u8 = 0x7F;
/// Bit 2 of TS0, fixed to 1 in frames without FAS (G.704 §2.3.2).
pub const NFAS_BIT2: u8 = 0x40;
/// Bit 3 of TS0 in frames without FAS: A, the remote alarm indication.
pub const A_BIT: u8 = 0x20;
/// The CRC-4 multiframe alignment signal carried in Si of NFAS frames 1,3,5,7,9,11 of the
/// CRC-4 multiframe (G.704 §2.3.3.1, table 5b), oldest bit first.
pub const CRC4_MFAS: u8 = 0b00_1011;

/// Why bytes could not be viewed as an E1 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer than 32 bytes.
    #[error("E1 frame needs 32 bytes, got {0}")]
    Truncated(usize),
    /// TS0 is neither a frame alignment word nor a non-FAS word (bit 2 = 0 without FAS).
    #[error("TS0 {0:#04x} is neither FAS nor NFAS")]
    BadTs0(u8),
}

/// A checked view over one E1 frame (32 bytes, TS0 first).
#[derive(Debug, Clone, Copy)]
pub struct E1Frame<T: AsRef<[u8]>> {
    buf: T,
}

impl<T: AsRef<[u8]>> E1Frame<T> {
    /// Wraps `buf` after checking it holds at least 32 bytes; no accessor panics afterwards.
    ///
    /// # Errors
    /// [`FrameError::Truncated`] when `buf` is shorter than 32 bytes.
    pub fn new_checked(buf: T) -> Result<Self, FrameError> {
        let len = buf.as_ref().len();
        if len < FRAME_LEN {
            return Err(FrameError::Truncated(len));
        }
        Ok(Self { buf })
    }

    /// Timeslot 0 (framing).
    #[must_use]
    pub fn ts0(&self) -> u8 {
        self.buf.as_ref()[0]
    }

    /// Timeslot 16 (signalling).
    #[must_use]
    pub fn ts16(&self) -> u8 {
        self.buf.as_ref()[16]
    }

    /// Timeslot `ts` (0..=31), or `None` beyond 31.
    #[must_use]
    pub fn timeslot(&self, ts: usize) -> Option<u8> {
        if ts < FRAME_LEN {
            self.buf.as_ref().get(ts).copied()
        } else {
            None
        }
    }

    /// The 32 bytes of the frame.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf.as_ref()[..FRAME_LEN]
    }

    /// The meaning of TS0.
    ///
    /// # Errors
    /// [`FrameError::BadTs0`] when TS0 is neither FAS nor NFAS.
    pub fn ts0_repr(&self) -> Result<Ts0, FrameError> {
        Ts0::parse(self.ts0())
    }
}

/// The Sa4..Sa8 national bits of an NFAS word (Sa4 is the most significant of the 5 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SaBits(pub u8);

impl SaBits {
    /// All Sa bits at 1: what G.704 §2.3.2 note 3 asks for on international links when unused.
    pub const ALL_ONES: Self = Self(0x1F);

    /// Bit `n` (4..=8), `None` for other `n`.
    #[must_use]
    pub fn get(self, n: u8) -> Option<bool> {
        (4..=8).contains(&n).then(|| (self.0 >> (8 - n)) & 1 == 1)
    }
}

/// Timeslot 0 parsed (G.704 §2.3.2, table 4a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ts0 {
    /// A frame containing the frame alignment signal.
    Fas {
        /// Bit 1: the international bit, a CRC-4 C-bit when CRC-4 is used.
        si: bool,
    },
    /// A frame not containing the frame alignment signal.
    Nfas {
        /// Bit 1: the international bit, MFAS or E-bit when CRC-4 is used.
        si: bool,
        /// Bit 3: remote alarm indication.
        a: bool,
        /// Bits 4-8.
        sa: SaBits,
    },
}

impl Ts0 {
    /// Parses a TS0 byte.
    ///
    /// # Errors
    /// [`FrameError::BadTs0`] when bits 2-8 are not the FAS and bit 2 is 0.
    pub fn parse(b: u8) -> Result<Self, FrameError> {
        let si = b & 0x80 != 0;
        if b & FAS_MASK == FAS {
            Ok(Self::Fas { si })
        } else if b & NFAS_BIT2 != 0 {
            Ok(Self::Nfas {
                si,
                a: b & A_BIT != 0,
                sa: SaBits(b & 0x1F),
            })
        } else {
            Err(FrameError::BadTs0(b))
        }
    }

    /// The TS0 byte.
    #[must_use]
    pub fn emit(self) -> u8 {
        match self {
            Self::Fas { si } => (u8::from(si) << 7) | FAS,
            Self::Nfas { si, a, sa } => {
                (u8::from(si) << 7) | NFAS_BIT2 | (u8::from(a) << 5) | (sa.0 & 0x1F)
            }
        }
    }
}

/// ABCD signalling bits of one channel (G.704 §5.1.3.2), A in the most significant of 4 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Abcd(pub u8);

impl Abcd {
    /// A = 1 and the unused B, C, D at their recommended values 1, 0, 1 (G.704 §5.1.3.2.2).
    pub const IDLE: Self = Self(0b1101);
    /// The A bit.
    #[must_use]
    pub fn a(self) -> bool {
        self.0 & 8 != 0
    }
    /// The B bit.
    #[must_use]
    pub fn b(self) -> bool {
        self.0 & 4 != 0
    }
    /// The C bit.
    #[must_use]
    pub fn c(self) -> bool {
        self.0 & 2 != 0
    }
    /// The D bit.
    #[must_use]
    pub fn d(self) -> bool {
        self.0 & 1 != 0
    }
}

/// TS16 of the CAS multiframe (G.704 §5.1.3.2, table 9): frame 0 carries `0000 X Y X X`,
/// frame k (1..=15) the ABCD bits of channels k and k+15.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasTs16 {
    /// Frame 0 of the CAS multiframe.
    Mfas {
        /// Bit 6: multiframe remote alarm (loss of CAS multiframe alignment at the far end).
        y: bool,
        /// Spare bits 5, 7, 8 (set to 1 when unused), as bits 2, 1, 0.
        x: u8,
    },
    /// Frames 1..=15: the first channel's ABCD in bits 1-4, the second's in bits 5-8.
    Channels(Abcd, Abcd),
}

impl CasTs16 {
    /// The CAS multiframe alignment byte with spare bits at 1 and the given Y bit.
    #[must_use]
    pub fn mfas(y: bool) -> Self {
        Self::Mfas { y, x: 0b111 }
    }

    /// Parses TS16 of CAS multiframe frame `frame_in_mf` (0..=15).
    #[must_use]
    pub fn parse(b: u8, frame_in_mf: u8) -> Self {
        if frame_in_mf == 0 {
            Self::Mfas {
                y: b & 0x04 != 0,
                x: ((b >> 1) & 0b100) | (b & 0b11),
            }
        } else {
            Self::Channels(Abcd(b >> 4), Abcd(b & 0x0F))
        }
    }

    /// The TS16 byte.
    #[must_use]
    pub fn emit(self) -> u8 {
        match self {
            Self::Mfas { y, x } => ((x & 0b100) << 1) | (u8::from(y) << 2) | (x & 0b11),
            Self::Channels(a, b) => ((a.0 & 0x0F) << 4) | (b.0 & 0x0F),
        }
    }
}

/// The timeslot that carries channel `ch` (1..=30): 1..=15 -> TS1..15, 16..=30 -> TS17..31.
#[must_use]
pub fn channel_timeslot(ch: u8) -> Option<usize> {
    match ch {
        1..=15 => Some(usize::from(ch)),
        16..=30 => Some(usize::from(ch) + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts0_round_trip() {
        for b in 0..=255u8 {
            if let Ok(t) = Ts0::parse(b) {
                assert_eq!(t.emit(), b);
            } else {
                assert_eq!(b & 0x40, 0);
            }
        }
        assert_eq!(Ts0::Fas { si: true }.emit(), 0x9B);
        assert_eq!(
            Ts0::Nfas {
                si: false,
                a: true,
                sa: SaBits::ALL_ONES
            }
            .emit(),
            0x7F
        );
    }

    #[test]
    fn cas_ts16_round_trip() {
        assert_eq!(CasTs16::mfas(false).emit(), 0x0B);
        assert_eq!(CasTs16::mfas(true).emit(), 0x0F);
        for b in 0..=255u8 {
            for f in [0u8, 1, 15] {
                if f == 0 && b >= 16 {
                    continue; // bits 1-4 of the MFAS word are 0000 by definition
                }
                let p = CasTs16::parse(b, f);
                assert_eq!(p.emit(), b);
            }
        }
    }

    #[test]
    fn view_rejects_short_and_never_panics() {
        assert_eq!(
            E1Frame::new_checked(&[0u8; 31][..]).unwrap_err(),
            FrameError::Truncated(31)
        );
        let f = E1Frame::new_checked([0x1Bu8; 40]).unwrap();
        assert_eq!(f.timeslot(32), None);
        assert_eq!(f.as_bytes().len(), 32);
        assert_eq!(f.ts0_repr(), Ok(Ts0::Fas { si: false }));
        assert_eq!(channel_timeslot(16), Some(17));
        assert_eq!(channel_timeslot(31), None);
    }
}
