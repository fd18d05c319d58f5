//! Q.850 cause values, the switch's one vocabulary for why a call or leg ended.
//!
//! The switch keeps its own small type instead of `isdn::q931::cause::CauseValue` so that
//! it does not depend on the Q.931 stack: SIP, analog and R2 legs end with causes too (the
//! daemon maps SIP status codes to and from Q.850 per RFC 3398 / RFC 6432). Both types are
//! a plain 7-bit value, so the daemon converts with `Cause(v.0)` / `CauseValue(c.0)`.

use core::fmt;

/// A Q.850 cause value (ITU-T Q.850 Table 1), 7 bits. Any value is representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cause(pub u8);

impl Cause {
    /// #1 unallocated (unassigned) number.
    pub const UNALLOCATED_NUMBER: Self = Self(1);
    /// #3 no route to destination.
    pub const NO_ROUTE_TO_DESTINATION: Self = Self(3);
    /// #16 normal call clearing.
    pub const NORMAL_CLEARING: Self = Self(16);
    /// #17 user busy.
    pub const USER_BUSY: Self = Self(17);
    /// #18 no user responding.
    pub const NO_USER_RESPONDING: Self = Self(18);
    /// #19 no answer from user (user alerted).
    pub const NO_ANSWER: Self = Self(19);
    /// #21 call rejected.
    pub const CALL_REJECTED: Self = Self(21);
    /// #26 non-selected user clearing: another phone rung for the same call answered
    /// first (Q.850 Table 1; SIP CANCEL with `Reason: Q.850;cause=26`).
    pub const NON_SELECTED_USER_CLEARING: Self = Self(26);
    /// #27 destination out of order.
    pub const DESTINATION_OUT_OF_ORDER: Self = Self(27);
    /// #28 invalid number format (address incomplete).
    pub const INVALID_NUMBER_FORMAT: Self = Self(28);
    /// #31 normal, unspecified.
    pub const NORMAL_UNSPECIFIED: Self = Self(31);
    /// #34 no circuit/channel available.
    pub const NO_CIRCUIT_AVAILABLE: Self = Self(34);
    /// #38 network out of order.
    pub const NETWORK_OUT_OF_ORDER: Self = Self(38);
    /// #41 temporary failure.
    pub const TEMPORARY_FAILURE: Self = Self(41);
    /// #42 switching equipment congestion.
    pub const SWITCHING_EQUIPMENT_CONGESTION: Self = Self(42);
    /// #44 requested circuit/channel not available.
    pub const REQUESTED_CHANNEL_NOT_AVAILABLE: Self = Self(44);
    /// #47 resource unavailable, unspecified.
    pub const RESOURCE_UNAVAILABLE: Self = Self(47);
    /// #57 bearer capability not authorized.
    pub const BEARER_CAPABILITY_NOT_AUTHORIZED: Self = Self(57);
    /// #102 recovery on timer expiry.
    pub const RECOVERY_ON_TIMER_EXPIRY: Self = Self(102);
    /// #127 interworking, unspecified.
    pub const INTERWORKING: Self = Self(127);

    /// True when the cause says the *route* failed, not the called user, so another member
    /// of the trunk group should be tried. Q.850 §2.2.5 / Table 1 puts these in the class
    /// "resource unavailable" (011): #34 no circuit/channel available, #38 network out of
    /// order, #41 temporary failure, #42 switching equipment congestion, #44 requested
    /// circuit/channel not available, #47 resource unavailable, unspecified. User causes of
    /// the "normal event" class (#1 unallocated number, #17 user busy, #19 no answer, #21
    /// call rejected, ...) are the called party's answer and would get the same answer on
    /// any route: they are passed back to the caller instead.
    #[must_use]
    pub const fn is_reroute(self) -> bool {
        matches!(self.0, 34 | 38 | 41 | 42 | 44 | 47)
    }

    /// The Q.850 class (bits 7–5 of the value, Q.850 §2.2.5): 0–1 normal event, 2 resource
    /// unavailable, 3 service or option not available, 4 not implemented, 5 invalid
    /// message, 6 protocol error, 7 interworking.
    #[must_use]
    pub const fn class(self) -> u8 {
        (self.0 >> 4) & 0x7
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Cause;

    #[test]
    fn reroute_causes_are_the_resource_unavailable_ones() {
        for c in [34u8, 38, 41, 42, 44, 47] {
            assert!(Cause(c).is_reroute(), "#{c}");
        }
        for c in [1u8, 16, 17, 18, 19, 21, 27, 28, 31, 102] {
            assert!(!Cause(c).is_reroute(), "#{c}");
        }
        assert_eq!(Cause::SWITCHING_EQUIPMENT_CONGESTION.class(), 2);
        assert_eq!(Cause::USER_BUSY.class(), 1);
    }
}
