//! Caller-ID FSK transmitter: channel seizure, mark, message, trailing mark.

use super::{CallerId, CidError, MAX_MESSAGE_LEN};
use crate::fsk::{BitSource, FskModulator, FskStandard};

/// What goes on the line before and after the message, in bits (1200 bit/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preamble {
    /// Channel seizure: alternating space and mark bits, starting with space.
    pub seizure_bits: u32,
    /// Continuous mark before the message.
    pub mark_bits: u32,
    /// Continuous mark after the checksum.
    pub trailing_mark_bits: u32,
}

impl Preamble {
    /// Bellcore GR-30: 30 bytes of 0x55 (300 bits), then 150 ms (180 bits) of mark.
    pub const BELLCORE: Self = Self {
        seizure_bits: 300,
        mark_bits: 180,
        trailing_mark_bits: 6,
    };
    /// ETSI EN 300 659-1 §6.1: 96–315 seizure bits (300 here), then at least 55 ms of
    /// mark (80 bits, 67 ms, here).
    pub const ETSI: Self = Self {
        seizure_bits: 300,
        mark_bits: 80,
        trailing_mark_bits: 6,
    };

    /// The usual preamble for `standard`: Bellcore for Bell 202, ETSI for V.23.
    #[must_use]
    pub const fn for_standard(standard: FskStandard) -> Self {
        match standard {
            FskStandard::Bell202 => Self::BELLCORE,
            FskStandard::V23 => Self::ETSI,
        }
    }
}

#[derive(Debug, Clone)]
struct TxBits {
    preamble: Preamble,
    message: [u8; MAX_MESSAGE_LEN],
    len: usize,
    index: u32,
}

impl BitSource for TxBits {
    fn next_bit(&mut self) -> Option<bool> {
        let p = self.preamble;
        let mut i = self.index;
        self.index = self.index.saturating_add(1);
        if i < p.seizure_bits {
            return Some(i % 2 == 1);
        }
        i -= p.seizure_bits;
        if i < p.mark_bits {
            return Some(true);
        }
        i -= p.mark_bits;
        let char_bits = 10 * self.len as u32;
        if i < char_bits {
            let byte = self.message[(i / 10) as usize];
            return Some(match i % 10 {
                0 => false,
                9 => true,
                b => (byte >> (b - 1)) & 1 == 1,
            });
        }
        i -= char_bits;
        (i < p.trailing_mark_bits).then_some(true)
    }
}

/// Sends one caller-ID message as an FSK signal.
///
/// ```
/// use media_dsp::cid::{CallerId, CidTx, Number};
/// use media_dsp::fsk::FskStandard;
/// let mut id = CallerId::mdmf();
/// id.number = Some(Number::number("5551234").unwrap());
/// let mut tx = CidTx::from_caller_id(FskStandard::Bell202, &id, -13.0).unwrap();
/// let mut chunk = [0i16; 8];
/// while tx.fill(&mut chunk) == chunk.len() { /* send the chunk */ }
/// ```
#[derive(Debug, Clone)]
pub struct CidTx {
    modulator: FskModulator,
    bits: TxBits,
    done: bool,
}

impl CidTx {
    /// A transmitter for the message bytes `message` (type through checksum, as
    /// [`CallerId::emit`] writes them), sent as-is.
    ///
    /// # Errors
    /// [`CidError::BufferTooSmall`] if `message` is longer than 258 bytes.
    pub fn new(
        modulator: FskModulator,
        preamble: Preamble,
        message: &[u8],
    ) -> Result<Self, CidError> {
        if message.len() > MAX_MESSAGE_LEN {
            return Err(CidError::BufferTooSmall(message.len()));
        }
        let mut buf = [0u8; MAX_MESSAGE_LEN];
        buf[..message.len()].copy_from_slice(message);
        Ok(Self {
            modulator,
            bits: TxBits {
                preamble,
                message: buf,
                len: message.len(),
                index: 0,
            },
            done: false,
        })
    }

    /// A transmitter for `id` on `standard` at `level_dbm0`, with the usual preamble.
    ///
    /// # Errors
    /// As [`CallerId::emit`].
    pub fn from_caller_id(
        standard: FskStandard,
        id: &CallerId,
        level_dbm0: f32,
    ) -> Result<Self, CidError> {
        let mut buf = [0u8; MAX_MESSAGE_LEN];
        let n = id.emit(&mut buf)?;
        Self::new(
            FskModulator::new(standard, level_dbm0),
            Preamble::for_standard(standard),
            &buf[..n],
        )
    }

    /// Fills `out` with the next samples; returns how many were written (fewer than
    /// `out.len()` once the signal is complete, then 0).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        if self.done {
            return 0;
        }
        let n = self.modulator.modulate(&mut self.bits, out);
        self.done = n < out.len();
        n
    }

    /// Whether the whole signal has been sent.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Total length of the signal in samples (at the nominal bit rate: a transmitter made
    /// with a clock error runs longer or shorter by that error).
    #[must_use]
    pub fn total_samples(&self) -> usize {
        let p = self.bits.preamble;
        let bits = u64::from(p.seizure_bits)
            + u64::from(p.mark_bits)
            + 10 * self.bits.len as u64
            + u64::from(p.trailing_mark_bits);
        (bits * 20).div_ceil(3) as usize
    }
}
