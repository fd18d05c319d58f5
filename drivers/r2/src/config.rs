//! Per-variant and per-carrier settings: line signalling patterns, the meaning of Group A
//! and Group B signals, ANI handling and timers.

use core::time::Duration;

use crate::R2Error;

/// The R2 variants built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variant {
    /// ITU-T Q.400-series R2 (OpenR2's "ITU").
    Itu,
    /// China No.1 signalling (OpenR2's "CN", `r2config_china`).
    China,
}

/// ABCD patterns of the line signals (ITU-T Q.421 Table 1), as 4-bit values A..D with A
/// in bit 3. Forward signals are sent by the outgoing end, backward by the incoming end.
/// Received bits are compared under [`rx_mask`](Self::rx_mask) (A and B only by default:
/// C and D are fixed per variant and never signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineBits {
    /// Idle (both directions) and release guard (backward), and clear-forward (forward):
    /// a=1, b=0.
    pub idle: u8,
    /// Seizure (forward): a=0, b=0.
    pub seize: u8,
    /// Seizure acknowledged (backward): a=1, b=1.
    pub seize_ack: u8,
    /// Answered (backward): a=0, b=1.
    pub answer: u8,
    /// Clear-back (backward): a=1, b=1.
    pub clear_back: u8,
    /// Clear-forward (forward): a=1, b=0.
    pub clear_forward: u8,
    /// Blocked (backward, while the forward side is idle): a=1, b=1.
    pub blocked: u8,
    /// Forced release (backward, OpenR2 extension used by some carriers), `None` when the
    /// variant has none: a=0, b=0.
    pub forced_release: Option<u8>,
    /// Bits compared on reception.
    pub rx_mask: u8,
}

impl LineBits {
    /// The Q.421 patterns with the C and D bits `cd` (0b01 in the ITU variant, 0b11 in China).
    #[must_use]
    pub const fn q421(cd: u8) -> Self {
        let cd = cd & 0b11;
        Self {
            idle: 0b1000 | cd,
            seize: cd,
            seize_ack: 0b1100 | cd,
            answer: 0b0100 | cd,
            clear_back: 0b1100 | cd,
            clear_forward: 0b1000 | cd,
            blocked: 0b1100 | cd,
            forced_release: None,
            rx_mask: 0b1100,
        }
    }

    /// True when the received `abcd` is `pattern` (under the mask).
    #[must_use]
    pub fn is(&self, abcd: u8, pattern: u8) -> bool {
        abcd & self.rx_mask == pattern & self.rx_mask
    }

    fn validate(&self) -> Result<(), R2Error> {
        for v in [
            self.idle,
            self.seize,
            self.seize_ack,
            self.answer,
            self.clear_back,
            self.clear_forward,
            self.blocked,
            self.forced_release.unwrap_or(0),
            self.rx_mask,
        ] {
            if v > 0x0F {
                return Err(R2Error::BadAbcd(v));
            }
        }
        Ok(())
    }
}

/// Backward Group A signals: what the incoming register asks for (Q.441 Table 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupA {
    /// Send next digit of the called number.
    pub next_dnis: u8,
    /// Send next digit of the calling number (ITU: A-5; China: A-1).
    pub next_ani: u8,
    /// Send calling party's category (ITU: A-5; China: A-6).
    pub category: u8,
    /// Address complete, change over to Group B.
    pub address_complete: u8,
    /// Congestion.
    pub congestion: u8,
    /// Address complete, charge, set up speech conditions without Group B (ITU: A-6; China:
    /// none, A-6 is the category request).
    pub accept_without_b: Option<u8>,
}

/// Backward Group B signals: the state of the called line (Q.441 Table 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupB {
    /// Subscriber free, charge (ITU: B-6; China: B-1).
    pub free_charge: u8,
    /// Subscriber free, no charge (B-7).
    pub free_no_charge: u8,
    /// Subscriber busy (ITU: B-3; China: B-2).
    pub busy: u8,
    /// Congestion (B-4).
    pub congestion: u8,
    /// Unallocated number (B-5).
    pub unallocated: u8,
    /// Subscriber line out of order (B-8).
    pub out_of_order: u8,
}

/// Calling party category: the Group II signal sent when the incoming register asks for it
/// (Q.441 Table 5). Any signal 1..=15 may be configured; the usual ones have names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Category(pub u8);

impl Category {
    /// II-1: subscriber without priority (national).
    pub const SUBSCRIBER: Self = Self(1);
    /// II-2: subscriber with priority.
    pub const PRIORITY: Self = Self(2);
    /// II-3: maintenance equipment.
    pub const MAINTENANCE: Self = Self(3);
    /// II-5: operator.
    pub const OPERATOR: Self = Self(5);
    /// II-6: data transmission.
    pub const DATA: Self = Self(6);
}

/// Timers, with OpenR2's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timers {
    /// Outgoing end: seizure sent, no seizure acknowledgement (OpenR2 `r2_seize`, 8 s).
    pub seize_ack: Duration,
    /// Outgoing register: a compelled cycle not completed by the far end, that is, no
    /// backward signal in answer to ours, or one that does not end (OpenR2 `mf_fwd_safety`,
    /// 10 s; Q.476 asks registers to give up after some seconds).
    pub mf_fwd_safety: Duration,
    /// Incoming register: no next forward signal after we removed our backward signal
    /// (OpenR2 `mf_back_cycle`, 1.5 s). While collecting the called number this is how the
    /// end of a number of unknown length is found (then address complete is sent as a pulse).
    pub mf_back_cycle: Duration,
    /// Length of a pulsed backward signal (Q.442: 150 ± 50 ms).
    pub mf_pulse: Duration,
    /// Incoming register: seizure acknowledged, no first forward signal.
    pub first_digit: Duration,
    /// Line signalling recognition time: a change of the received a/b bits counts once it
    /// has lasted this long (Q.421: 20 ± 10 ms), on top of the E1 framer's debounce over
    /// two CAS multiframes. Zero takes every change at once.
    pub recognition: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            seize_ack: Duration::from_millis(8000),
            mf_fwd_safety: Duration::from_millis(10_000),
            mf_back_cycle: Duration::from_millis(1500),
            mf_pulse: Duration::from_millis(150),
            first_digit: Duration::from_millis(10_000),
            recognition: Duration::from_millis(20),
        }
    }
}

/// Settings of one channel. Start from [`Config::china`] or [`Config::itu`] and adjust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Config {
    /// The variant the tables came from (informational: behaviour follows the tables).
    pub variant: Variant,
    /// Line signalling patterns.
    pub bits: LineBits,
    /// Group A meanings.
    pub group_a: GroupA,
    /// Group B meanings.
    pub group_b: GroupB,
    /// Group I "end of identification / end of pulsing" (I-15).
    pub end_of_ani: u8,
    /// Group I "calling number not available" (I-12).
    pub ani_unavailable: u8,
    /// Incoming: ask for the category and ANI at all.
    pub get_ani: bool,
    /// Incoming: ask for category and ANI after the first DNIS digit instead of after the
    /// whole DNIS (OpenR2 `get_ani_first`).
    pub ani_first: bool,
    /// Incoming: take at most this many ANI digits; in the China variant exactly this many
    /// are exchanged (both ends count them, no end-of-ANI signal after the last).
    pub max_ani: u8,
    /// Outgoing (China): after sending `max_ani` ANI digits, go back to sending DNIS digits
    /// without an end-of-ANI signal.
    pub exact_ani: bool,
    /// Incoming: the called number is complete at this many digits (address complete is
    /// sent at once); shorter numbers end by [`Timers::mf_back_cycle`].
    pub max_dnis: u8,
    /// Outgoing: category sent when asked.
    pub category: Category,
    /// Timers.
    pub timers: Timers,
}

impl Config {
    /// The ITU variant: C/D bits 0/1, A-5 category and next ANI digit, B-6 free with charge,
    /// B-3 busy.
    #[must_use]
    pub fn itu() -> Self {
        Self {
            variant: Variant::Itu,
            bits: LineBits::q421(0b01),
            group_a: GroupA {
                next_dnis: 1,
                next_ani: 5,
                category: 5,
                address_complete: 3,
                congestion: 4,
                accept_without_b: Some(6),
            },
            group_b: GroupB {
                free_charge: 6,
                free_no_charge: 7,
                busy: 3,
                congestion: 4,
                unallocated: 5,
                out_of_order: 8,
            },
            end_of_ani: 15,
            ani_unavailable: 12,
            get_ani: true,
            ani_first: false,
            max_ani: 15,
            exact_ani: false,
            max_dnis: 4,
            category: Category::SUBSCRIBER,
            timers: Timers::default(),
        }
    }

    /// China No.1: C/D bits 1/1; A-1 next digit of either number, A-6 category, no
    /// "address complete, charge, set-up speech" signal; B-1 free with charge, B-2 busy;
    /// exactly `max_ani` ANI digits (OpenR2 `r2config_china`).
    #[must_use]
    pub fn china() -> Self {
        let itu = Self::itu();
        Self {
            variant: Variant::China,
            bits: LineBits::q421(0b11),
            group_a: GroupA {
                next_ani: 1,
                category: 6,
                accept_without_b: None,
                ..itu.group_a
            },
            group_b: GroupB {
                free_charge: 1,
                busy: 2,
                ..itu.group_b
            },
            max_ani: 8,
            exact_ani: true,
            ..itu
        }
    }

    /// Checks signal numbers and bit patterns.
    ///
    /// # Errors
    /// [`R2Error::BadSignal`] or [`R2Error::BadAbcd`] for the first bad value.
    pub fn validate(&self) -> Result<(), R2Error> {
        self.bits.validate()?;
        let a = &self.group_a;
        let b = &self.group_b;
        for s in [
            a.next_dnis,
            a.next_ani,
            a.category,
            a.address_complete,
            a.congestion,
            a.accept_without_b.unwrap_or(1),
            b.free_charge,
            b.free_no_charge,
            b.busy,
            b.congestion,
            b.unallocated,
            b.out_of_order,
            self.end_of_ani,
            self.ani_unavailable,
            self.category.0,
        ] {
            if !(1..=15).contains(&s) {
                return Err(R2Error::BadSignal(s));
            }
        }
        Ok(())
    }
}
