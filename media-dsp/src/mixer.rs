//! Conference mixer: each leg hears the sum of the others, saturated to 16 bits.
//!
//! **What it does.** Mixes up to `MAX` legs (a const generic) of linear 16-bit audio. Every
//! leg's output is the sum of what the *other* talking legs said, so nobody hears
//! themselves. Per-leg flags cover what a call center needs on top of plain conferencing:
//! a gain per leg, **mute / listen-only** (supervisor silent monitoring: hears everyone, is
//! heard by nobody), **whisper** (supervisor coaching: heard by one leg only, typically the
//! agent, not by the customer), **barge** (an ordinary talking leg), and **deaf** (a leg
//! that is heard but hears nothing, e.g. a recorder feed or a party on hold with music
//! elsewhere).
//!
//! **How it works.** Per block, one pass sums the gain-scaled input of every leg that talks
//! to everyone into an `i32` total (no overflow before saturation: 1024 legs at +12 dB fit
//! easily). Each listening leg's output is then `total − own contribution + whispers to
//! it`, saturated once to `i16`. That is O(N) per sample rather than the naive O(N²); the
//! whisper term costs nothing for legs nobody whispers to (a per-leg count is kept when the
//! flags change). Blocks of any length are processed in internal chunks of
//! [`CHUNK`] samples on a stack accumulator, so a DAHDI 8-sample chunk is one pass. With
//! the `std` feature the inner loops are compiled for AVX2 too and picked at run time.
//! Gains are Q12 fixed point (4096 = 0 dB), so the mix is exact integer arithmetic: with
//! unity gains a two-party conference is a plain swap of the two inputs.
//!
//! **Spec.** No ITU recommendation governs conference bridges; the behaviour follows
//! common practice (Asterisk `app_confbridge`; DAHDI's `DAHDI_CONF_*` modes: talker,
//! listener, monitor). The supervisor modes follow the usual ACD terms (listen / whisper /
//! barge).
//!
//! **Limits.** No automatic gain control, no loudest-talker selection and no noise gate:
//! with many open microphones, background noise adds up; the caller should mute idle legs
//! (or use a VAD upstream). Saturation, not soft clipping, when the sum exceeds full
//! scale. All legs of one call to [`Mixer::mix`] must have the same block length and
//! sample rate.

use thiserror::Error;

/// Samples per internal processing chunk (the stack accumulator's size).
pub const CHUNK: usize = 64;

/// Q12 unity gain (0 dB).
pub const UNITY_GAIN: i32 = 1 << 12;

/// Largest gain accepted: +12 dB in Q12.
pub const MAX_GAIN: i32 = 4 * UNITY_GAIN;

/// Whom a leg's voice reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Talk {
    /// Heard by every other listening leg (normal party; a supervisor "barge").
    #[default]
    Everyone,
    /// Heard by nobody: muted, or a supervisor in listen-only (silent monitor) mode.
    Nobody,
    /// Heard only by the leg with this index (supervisor "whisper" / coaching).
    Only(usize),
}

/// One leg's mixing flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    /// Whom this leg's input reaches.
    pub talk: Talk,
    /// Whether this leg receives the mix; a deaf leg's output is silence.
    pub hears: bool,
    /// Gain applied to this leg's input, Q12 (4096 = 0 dB), 0..=[`MAX_GAIN`].
    pub gain_q12: i32,
}

impl Default for Leg {
    fn default() -> Self {
        Self::PARTY
    }
}

impl Leg {
    /// An ordinary party: talks to everyone, hears everyone, 0 dB. Also "barge".
    pub const PARTY: Self = Self {
        talk: Talk::Everyone,
        hears: true,
        gain_q12: UNITY_GAIN,
    };
    /// Listen-only (silent monitoring): hears everyone, heard by nobody.
    pub const LISTEN: Self = Self {
        talk: Talk::Nobody,
        ..Self::PARTY
    };
    /// Absent: neither heard nor hearing (an empty slot).
    pub const ABSENT: Self = Self {
        talk: Talk::Nobody,
        hears: false,
        gain_q12: UNITY_GAIN,
    };

    /// Whisper to leg `to`: hears everyone, heard only by `to`.
    #[must_use]
    pub const fn whisper(to: usize) -> Self {
        Self {
            talk: Talk::Only(to),
            ..Self::PARTY
        }
    }

    /// This leg with its input gain set to `db` decibels (clamped to −∞..=+12 dB).
    #[must_use]
    pub fn with_gain_db(self, db: f32) -> Self {
        let g = libm::roundf(UNITY_GAIN as f32 * libm::powf(10.0, db / 20.0));
        Self {
            // `as` saturates and maps NaN to 0.
            gain_q12: (g as i32).clamp(0, MAX_GAIN),
            ..self
        }
    }
}

/// Why a mixer call was refused (always a caller bug, never a data condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MixError {
    /// A leg index is not below the mixer's `MAX`.
    #[error("leg {leg} out of range (mixer has {max} legs)")]
    NoSuchLeg {
        /// The index given.
        leg: usize,
        /// The mixer's capacity.
        max: usize,
    },
    /// A leg was told to whisper to itself.
    #[error("leg {leg} cannot whisper to itself")]
    WhisperToSelf {
        /// The leg.
        leg: usize,
    },
    /// A gain outside 0..=MAX_GAIN.
    #[error("leg {leg}: gain {gain_q12} outside 0..=16384 (Q12)")]
    Gain {
        /// The leg.
        leg: usize,
        /// The gain given.
        gain_q12: i32,
    },
    /// `inputs` and `outputs` hold different numbers of legs, or more than `MAX`.
    #[error("{inputs} inputs and {outputs} outputs for a mixer of {max} legs")]
    LegCount {
        /// Input slices given.
        inputs: usize,
        /// Output slices given.
        outputs: usize,
        /// The mixer's capacity.
        max: usize,
    },
    /// A leg's input or output block length differs from leg 0's input.
    #[error("leg {leg}: block of {len} samples, expected {expected}")]
    BlockLength {
        /// The leg.
        leg: usize,
        /// Its length.
        len: usize,
        /// Leg 0's input length.
        expected: usize,
    },
}

/// An N-party conference of up to `MAX` legs with fixed-size state.
///
/// A monitored call: customer (leg 0), agent (leg 1), and a supervisor (leg 2) who first
/// listens, then coaches the agent without the customer hearing.
///
/// ```
/// use media_dsp::mixer::{Leg, Mixer};
///
/// let mut conf = Mixer::<4>::new();
/// conf.set_leg(2, Leg::LISTEN)?;
/// let (customer, agent, supervisor) = ([1000i16; 8], [200i16; 8], [30i16; 8]);
/// let (mut to_customer, mut to_agent, mut to_supervisor) = ([0i16; 8], [0i16; 8], [0i16; 8]);
/// conf.mix(
///     &[&customer, &agent, &supervisor],
///     &mut [&mut to_customer, &mut to_agent, &mut to_supervisor],
/// )?;
/// assert_eq!((to_customer[0], to_agent[0], to_supervisor[0]), (200, 1000, 1200));
///
/// conf.set_leg(2, Leg::whisper(1))?; // now the agent hears the supervisor too
/// conf.mix(
///     &[&customer, &agent, &supervisor],
///     &mut [&mut to_customer, &mut to_agent, &mut to_supervisor],
/// )?;
/// assert_eq!((to_customer[0], to_agent[0]), (200, 1030));
/// # Ok::<(), media_dsp::mixer::MixError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mixer<const MAX: usize> {
    legs: [Leg; MAX],
    /// How many legs whisper to each leg.
    whisperers: [u16; MAX],
}

impl<const MAX: usize> Default for Mixer<MAX> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MAX: usize> Mixer<MAX> {
    const CHECK: () = assert!(
        MAX > 0 && MAX <= 1024,
        "mixer: MAX must be 1..=1024 (the i32 sum must not overflow)"
    );

    /// A mixer whose `MAX` legs are all ordinary parties ([`Leg::PARTY`]).
    #[must_use]
    pub fn new() -> Self {
        let () = Self::CHECK;
        Self {
            legs: [Leg::PARTY; MAX],
            whisperers: [0; MAX],
        }
    }

    /// The flags of leg `leg`, if it exists.
    #[must_use]
    pub fn leg(&self, leg: usize) -> Option<Leg> {
        self.legs.get(leg).copied()
    }

    /// Sets leg `leg`'s flags (takes effect from the next [`Self::mix`] call).
    ///
    /// # Errors
    /// [`MixError::NoSuchLeg`] for an index (or whisper target) not below `MAX`,
    /// [`MixError::WhisperToSelf`], [`MixError::Gain`] for a gain outside 0..=[`MAX_GAIN`].
    pub fn set_leg(&mut self, leg: usize, flags: Leg) -> Result<(), MixError> {
        if leg >= MAX {
            return Err(MixError::NoSuchLeg { leg, max: MAX });
        }
        if let Talk::Only(to) = flags.talk {
            if to >= MAX {
                return Err(MixError::NoSuchLeg { leg: to, max: MAX });
            }
            if to == leg {
                return Err(MixError::WhisperToSelf { leg });
            }
        }
        if !(0..=MAX_GAIN).contains(&flags.gain_q12) {
            return Err(MixError::Gain {
                leg,
                gain_q12: flags.gain_q12,
            });
        }
        if let Talk::Only(old) = self.legs[leg].talk {
            self.whisperers[old] -= 1;
        }
        if let Talk::Only(to) = flags.talk {
            self.whisperers[to] += 1;
        }
        self.legs[leg] = flags;
        Ok(())
    }

    /// Mixes one block: `outputs[i]` receives what leg `i` hears, given every leg's
    /// `inputs[i]`. Legs `inputs.len()..MAX` take no part. All blocks must have the same
    /// length (any length; 8 samples is a DAHDI chunk).
    ///
    /// # Errors
    /// [`MixError::LegCount`] or [`MixError::BlockLength`] for mismatched slices, or
    /// [`MixError::NoSuchLeg`] if a leg whispers to a leg that takes no part; nothing is
    /// written then.
    pub fn mix(&self, inputs: &[&[i16]], outputs: &mut [&mut [i16]]) -> Result<(), MixError> {
        let n = inputs.len();
        if n != outputs.len() || n > MAX {
            return Err(MixError::LegCount {
                inputs: n,
                outputs: outputs.len(),
                max: MAX,
            });
        }
        let Some(len) = inputs.first().map(|x| x.len()) else {
            return Ok(());
        };
        for leg in 0..n {
            for l in [inputs[leg].len(), outputs[leg].len()] {
                if l != len {
                    return Err(MixError::BlockLength {
                        leg,
                        len: l,
                        expected: len,
                    });
                }
            }
            if let Talk::Only(to) = self.legs[leg].talk
                && to >= n
            {
                return Err(MixError::NoSuchLeg { leg: to, max: n });
            }
        }
        let legs = &self.legs[..n];
        let whisperers = &self.whisperers[..n];
        let mut start = 0;
        while start < len {
            let end = (start + CHUNK).min(len);
            mix_chunk(legs, whisperers, inputs, outputs, start, end);
            start = end;
        }
        Ok(())
    }
}

/// Adds `x · gain` (Q12) to `acc`.
#[inline(always)]
fn accumulate(acc: &mut [i32], x: &[i16], gain_q12: i32) {
    if gain_q12 == UNITY_GAIN {
        for (a, &s) in acc.iter_mut().zip(x) {
            *a += i32::from(s);
        }
    } else {
        for (a, &s) in acc.iter_mut().zip(x) {
            *a += (i32::from(s) * gain_q12) >> 12;
        }
    }
}

/// Subtracts `x · gain` (Q12) from `acc`; exactly undoes [`accumulate`].
#[inline(always)]
fn deduct(acc: &mut [i32], x: &[i16], gain_q12: i32) {
    if gain_q12 == UNITY_GAIN {
        for (a, &s) in acc.iter_mut().zip(x) {
            *a -= i32::from(s);
        }
    } else {
        for (a, &s) in acc.iter_mut().zip(x) {
            *a -= (i32::from(s) * gain_q12) >> 12;
        }
    }
}

/// One chunk `start..end` (at most [`CHUNK`] samples) of [`Mixer::mix`], after validation.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1", "aarch64+neon"))]
fn mix_chunk(
    legs: &[Leg],
    whisperers: &[u16],
    inputs: &[&[i16]],
    outputs: &mut [&mut [i16]],
    start: usize,
    end: usize,
) {
    let m = end - start;
    let mut total = [0i32; CHUNK];
    let total = &mut total[..m];
    for (leg, x) in legs.iter().zip(inputs) {
        if leg.talk == Talk::Everyone {
            accumulate(total, &x[start..end], leg.gain_q12);
        }
    }
    let mut own = [0i32; CHUNK];
    let own = &mut own[..m];
    for (i, (leg, out)) in legs.iter().zip(outputs.iter_mut()).enumerate() {
        let out = &mut out[start..end];
        if !leg.hears {
            out.fill(0);
            continue;
        }
        own.copy_from_slice(total);
        if leg.talk == Talk::Everyone {
            deduct(own, &inputs[i][start..end], leg.gain_q12);
        }
        if whisperers[i] > 0 {
            for (w, x) in legs.iter().zip(inputs) {
                if w.talk == Talk::Only(i) {
                    accumulate(own, &x[start..end], w.gain_q12);
                }
            }
        }
        for (o, &v) in out.iter_mut().zip(own.iter()) {
            *o = v.clamp(-32768, 32767) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_parties_hear_the_other_two() {
        let m = Mixer::<4>::new();
        let (a, b, c) = ([100i16; 8], [20i16; 8], [3i16; 8]);
        let (mut oa, mut ob, mut oc) = ([0i16; 8], [0i16; 8], [0i16; 8]);
        m.mix(&[&a, &b, &c], &mut [&mut oa, &mut ob, &mut oc])
            .unwrap();
        assert_eq!(oa, [23; 8]);
        assert_eq!(ob, [103; 8]);
        assert_eq!(oc, [120; 8]);
    }

    #[test]
    fn gain_db_round_trips_to_q12() {
        assert_eq!(Leg::PARTY.with_gain_db(0.0).gain_q12, UNITY_GAIN);
        assert_eq!(Leg::PARTY.with_gain_db(-6.0206).gain_q12, UNITY_GAIN / 2);
        assert_eq!(Leg::PARTY.with_gain_db(40.0).gain_q12, MAX_GAIN);
        assert_eq!(Leg::PARTY.with_gain_db(f32::NEG_INFINITY).gain_q12, 0);
    }

    #[test]
    fn whisper_bookkeeping_follows_changes() {
        let mut m = Mixer::<3>::new();
        m.set_leg(2, Leg::whisper(0)).unwrap();
        assert_eq!(m.whisperers, [1, 0, 0]);
        m.set_leg(2, Leg::whisper(1)).unwrap();
        assert_eq!(m.whisperers, [0, 1, 0]);
        m.set_leg(2, Leg::LISTEN).unwrap();
        assert_eq!(m.whisperers, [0, 0, 0]);
        assert_eq!(
            m.set_leg(1, Leg::whisper(1)),
            Err(MixError::WhisperToSelf { leg: 1 })
        );
        assert_eq!(
            m.set_leg(3, Leg::PARTY),
            Err(MixError::NoSuchLeg { leg: 3, max: 3 })
        );
    }
}
