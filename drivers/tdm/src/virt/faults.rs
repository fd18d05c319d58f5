//! Fault injection on a raw E1 frame stream (the transmit side of one end).

use std::num::NonZeroU32;

use e1::frame::FRAME_LEN;

/// Faults to inject into a raw E1 stream. All deterministic for a given `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct Impairments {
    /// Bit error rate: each bit is inverted independently with this probability (0 = off).
    pub ber: f64,
    /// Loss of signal: every frame sent as all zeros.
    pub los: bool,
    /// Alarm indication signal: every frame sent as all ones (ignored while `los`).
    pub ais: bool,
    /// A controlled slip every this many frames: one frame deleted.
    pub slip_every: Option<NonZeroU32>,
    /// Transmit clock offset from nominal, in ppm. The far end's elastic store slips once
    /// every 10^6 / |ppm| frames: a frame is deleted when we are fast (> 0) and repeated
    /// when we are slow (< 0). ±50 ppm is the G.703 tolerance; one slip every 2.5 s.
    pub ppm_offset: i32,
    /// Seed of the bit-error generator.
    pub seed: u64,
}

impl Impairments {
    /// No fault.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Bit errors at `ber` with `seed`.
    #[must_use]
    pub fn with_ber(ber: f64, seed: u64) -> Self {
        Self {
            ber,
            seed,
            ..Self::default()
        }
    }

    /// Loss of signal.
    #[must_use]
    pub fn los() -> Self {
        Self {
            los: true,
            ..Self::default()
        }
    }

    /// AIS (all ones).
    #[must_use]
    pub fn ais() -> Self {
        Self {
            ais: true,
            ..Self::default()
        }
    }

    /// A frame deleted every `frames` frames.
    #[must_use]
    pub fn slip_every(frames: NonZeroU32) -> Self {
        Self {
            slip_every: Some(frames),
            ..Self::default()
        }
    }

    /// A clock offset of `ppm`.
    #[must_use]
    pub fn ppm(ppm: i32) -> Self {
        Self {
            ppm_offset: ppm,
            ..Self::default()
        }
    }
}

/// What the impairer did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImpairStats {
    /// Frames given to [`Impairer::apply`].
    pub frames_in: u64,
    /// Bits inverted.
    pub bits_flipped: u64,
    /// Frames deleted (slips, fast clock).
    pub frames_deleted: u64,
    /// Frames repeated (slow clock).
    pub frames_repeated: u64,
}

/// Applies [`Impairments`] to a stream of E1 frames, one frame at a time.
#[derive(Debug, Clone)]
pub struct Impairer {
    cfg: Impairments,
    rng: u64,
    /// Bits to pass untouched before the next bit error.
    gap: u64,
    ppm_acc: i64,
    stats: ImpairStats,
}

impl Impairer {
    /// An impairer applying `cfg`.
    #[must_use]
    pub fn new(cfg: Impairments) -> Self {
        let mut s = Self {
            cfg,
            rng: 0,
            gap: 0,
            ppm_acc: 0,
            stats: ImpairStats::default(),
        };
        s.set(cfg);
        s
    }

    /// Replaces the impairments (reseeds the generator; counters kept).
    pub fn set(&mut self, cfg: Impairments) {
        self.cfg = cfg;
        // splitmix64 needs any seed; xorshift below must not start at 0.
        self.rng = cfg.seed ^ 0x9E37_79B9_7F4A_7C15;
        self.ppm_acc = 0;
        self.gap = self.draw_gap();
    }

    /// The impairments in force.
    #[must_use]
    pub fn impairments(&self) -> Impairments {
        self.cfg
    }

    /// What was done so far.
    #[must_use]
    pub fn stats(&self) -> ImpairStats {
        self.stats
    }

    /// True when no fault is configured (frames pass untouched).
    #[must_use]
    pub fn is_clear(&self) -> bool {
        let c = &self.cfg;
        c.ber <= 0.0 && !c.los && !c.ais && c.slip_every.is_none() && c.ppm_offset == 0
    }

    /// Impairs one frame and appends what goes on the line (0, 1 or 2 frames) to `out`.
    pub fn apply(&mut self, mut frame: [u8; FRAME_LEN], out: &mut Vec<[u8; FRAME_LEN]>) {
        self.stats.frames_in += 1;
        if self.cfg.los {
            frame = [0; FRAME_LEN];
        } else if self.cfg.ais {
            frame = [0xFF; FRAME_LEN];
        } else if self.cfg.ber > 0.0 {
            self.flip_bits(&mut frame);
        }
        if let Some(n) = self.cfg.slip_every
            && self.stats.frames_in.is_multiple_of(u64::from(n.get()))
        {
            self.stats.frames_deleted += 1;
            return;
        }
        if self.cfg.ppm_offset != 0 {
            self.ppm_acc += i64::from(self.cfg.ppm_offset);
            if self.ppm_acc >= 1_000_000 {
                self.ppm_acc -= 1_000_000;
                self.stats.frames_deleted += 1;
                return;
            }
            if self.ppm_acc <= -1_000_000 {
                self.ppm_acc += 1_000_000;
                self.stats.frames_repeated += 1;
                out.push(frame);
            }
        }
        out.push(frame);
    }

    fn flip_bits(&mut self, frame: &mut [u8; FRAME_LEN]) {
        const BITS: u64 = (FRAME_LEN * 8) as u64;
        let mut pos = 0u64;
        loop {
            let left = BITS - pos;
            if self.gap >= left {
                self.gap -= left;
                return;
            }
            pos += self.gap;
            let idx = usize::try_from(pos).unwrap_or(0);
            // Bit k of the frame is bit (k % 8) of byte k / 8, MSB first on the wire.
            frame[idx / 8] ^= 0x80 >> (idx % 8);
            self.stats.bits_flipped += 1;
            pos += 1;
            self.gap = self.draw_gap();
        }
    }

    /// Bits until the next error: geometric with parameter `ber`.
    fn draw_gap(&mut self) -> u64 {
        let p = self.cfg.ber;
        if p <= 0.0 {
            return u64::MAX;
        }
        if p >= 1.0 {
            return 0;
        }
        // u in (0, 1].
        #[allow(clippy::cast_precision_loss)]
        let u = ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let g = (u.ln() / (1.0 - p).ln()).floor();
        if g.is_finite() && (0.0..1e18).contains(&g) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let g = g as u64;
            g
        } else {
            u64::MAX
        }
    }

    /// splitmix64.
    fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_is_close_to_the_rate_and_deterministic() {
        let run = || {
            let mut imp = Impairer::new(Impairments::with_ber(1e-3, 7));
            let mut out = Vec::new();
            for _ in 0..8000 {
                imp.apply([0x55; FRAME_LEN], &mut out);
            }
            (imp.stats().bits_flipped, out)
        };
        let (n, a) = run();
        // 2 048 000 bits at 1e-3: about 2048.
        assert!((1800..2300).contains(&n), "{n}");
        assert_eq!(a, run().1);
    }

    #[test]
    fn slips_and_ppm_delete_or_repeat_frames() {
        let mut imp = Impairer::new(Impairments::slip_every(NonZeroU32::new(100).unwrap()));
        let mut out = Vec::new();
        for _ in 0..1000 {
            imp.apply([1; FRAME_LEN], &mut out);
        }
        assert_eq!(out.len(), 990);
        let mut imp = Impairer::new(Impairments::ppm(-100));
        out.clear();
        for _ in 0..20_000 {
            imp.apply([1; FRAME_LEN], &mut out);
        }
        assert_eq!(out.len(), 20_002);
        assert_eq!(imp.stats().frames_repeated, 2);
    }
}
