//! Q.850 cause values (the cause IE, Q.931 §4.5.12, carries one of these).

use std::fmt;

/// A Q.850 cause value (7 bits, Q.850 Table 1). Named values are associated constants;
/// any other 7-bit value is representable (and preserved) too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CauseValue(pub u8);

macro_rules! causes {
    ($($name:ident = $v:literal, $text:literal;)*) => {
        impl CauseValue {
            $(
                #[doc = concat!("Cause ", stringify!($v), ": ", $text, ".")]
                pub const $name: Self = Self($v);
            )*

            /// The Q.850 name of this cause, if the value is defined in Q.850 Table 1.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

causes! {
    UNALLOCATED_NUMBER = 1, "unallocated (unassigned) number";
    NO_ROUTE_TO_TRANSIT_NETWORK = 2, "no route to specified transit network";
    NO_ROUTE_TO_DESTINATION = 3, "no route to destination";
    SEND_SPECIAL_INFORMATION_TONE = 4, "send special information tone";
    MISDIALLED_TRUNK_PREFIX = 5, "misdialled trunk prefix";
    CHANNEL_UNACCEPTABLE = 6, "channel unacceptable";
    CALL_AWARDED_IN_ESTABLISHED_CHANNEL = 7, "call awarded and being delivered in an established channel";
    PREEMPTION = 8, "preemption";
    PREEMPTION_CIRCUIT_RESERVED = 9, "preemption - circuit reserved for reuse";
    NORMAL_CLEARING = 16, "normal call clearing";
    USER_BUSY = 17, "user busy";
    NO_USER_RESPONDING = 18, "no user responding";
    NO_ANSWER = 19, "no answer from user (user alerted)";
    SUBSCRIBER_ABSENT = 20, "subscriber absent";
    CALL_REJECTED = 21, "call rejected";
    NUMBER_CHANGED = 22, "number changed";
    NON_SELECTED_USER_CLEARING = 26, "non-selected user clearing";
    DESTINATION_OUT_OF_ORDER = 27, "destination out of order";
    INVALID_NUMBER_FORMAT = 28, "invalid number format (address incomplete)";
    FACILITY_REJECTED = 29, "facility rejected";
    RESPONSE_TO_STATUS_ENQUIRY = 30, "response to STATUS ENQUIRY";
    NORMAL_UNSPECIFIED = 31, "normal, unspecified";
    NO_CIRCUIT_AVAILABLE = 34, "no circuit/channel available";
    NETWORK_OUT_OF_ORDER = 38, "network out of order";
    PERMANENT_FRAME_MODE_OOS = 39, "permanent frame mode connection out of service";
    PERMANENT_FRAME_MODE_OPERATIONAL = 40, "permanent frame mode connection operational";
    TEMPORARY_FAILURE = 41, "temporary failure";
    SWITCHING_EQUIPMENT_CONGESTION = 42, "switching equipment congestion";
    ACCESS_INFORMATION_DISCARDED = 43, "access information discarded";
    REQUESTED_CHANNEL_NOT_AVAILABLE = 44, "requested circuit/channel not available";
    PRECEDENCE_CALL_BLOCKED = 46, "precedence call blocked";
    RESOURCE_UNAVAILABLE = 47, "resource unavailable, unspecified";
    QOS_NOT_AVAILABLE = 49, "quality of service not available";
    FACILITY_NOT_SUBSCRIBED = 50, "requested facility not subscribed";
    OUTGOING_CALLS_BARRED_IN_CUG = 53, "outgoing calls barred within CUG";
    INCOMING_CALLS_BARRED_IN_CUG = 55, "incoming calls barred within CUG";
    BEARER_CAPABILITY_NOT_AUTHORIZED = 57, "bearer capability not authorized";
    BEARER_CAPABILITY_NOT_AVAILABLE = 58, "bearer capability not presently available";
    INCONSISTENCY_IN_ACCESS_INFORMATION = 62, "inconsistency in designated outgoing access information and subscriber class";
    SERVICE_NOT_AVAILABLE = 63, "service or option not available, unspecified";
    BEARER_CAPABILITY_NOT_IMPLEMENTED = 65, "bearer capability not implemented";
    CHANNEL_TYPE_NOT_IMPLEMENTED = 66, "channel type not implemented";
    FACILITY_NOT_IMPLEMENTED = 69, "requested facility not implemented";
    ONLY_RESTRICTED_DIGITAL_AVAILABLE = 70, "only restricted digital information bearer capability is available";
    SERVICE_NOT_IMPLEMENTED = 79, "service or option not implemented, unspecified";
    INVALID_CALL_REFERENCE = 81, "invalid call reference value";
    CHANNEL_DOES_NOT_EXIST = 82, "identified channel does not exist";
    SUSPENDED_CALL_EXISTS = 83, "a suspended call exists, but this call identity does not";
    CALL_IDENTITY_IN_USE = 84, "call identity in use";
    NO_CALL_SUSPENDED = 85, "no call suspended";
    CALL_IDENTITY_CLEARED = 86, "call having the requested call identity has been cleared";
    USER_NOT_MEMBER_OF_CUG = 87, "user not member of CUG";
    INCOMPATIBLE_DESTINATION = 88, "incompatible destination";
    NON_EXISTENT_CUG = 90, "non-existent CUG";
    INVALID_TRANSIT_NETWORK = 91, "invalid transit network selection";
    INVALID_MESSAGE_UNSPECIFIED = 95, "invalid message, unspecified";
    MANDATORY_IE_MISSING = 96, "mandatory information element is missing";
    MESSAGE_TYPE_NON_EXISTENT = 97, "message type non-existent or not implemented";
    MESSAGE_NOT_COMPATIBLE_WITH_STATE_OR_UNKNOWN = 98, "message not compatible with call state or message type non-existent or not implemented";
    IE_NON_EXISTENT = 99, "information element / parameter non-existent or not implemented";
    INVALID_IE_CONTENTS = 100, "invalid information element contents";
    MESSAGE_NOT_COMPATIBLE_WITH_STATE = 101, "message not compatible with call state";
    RECOVERY_ON_TIMER_EXPIRY = 102, "recovery on timer expiry";
    PARAMETER_NON_EXISTENT_PASSED_ON = 103, "parameter non-existent or not implemented - passed on";
    UNRECOGNIZED_PARAMETER_DISCARDED = 110, "message with unrecognized parameter discarded";
    PROTOCOL_ERROR_UNSPECIFIED = 111, "protocol error, unspecified";
    INTERWORKING_UNSPECIFIED = 127, "interworking, unspecified";
}

impl fmt::Display for CauseValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "#{} {n}", self.0),
            None => write!(f, "#{} (not defined in Q.850)", self.0),
        }
    }
}
