//! RTCP compound parsing on arbitrary octets: never panics, and whatever parses re-emits
//! (without padding) to octets that parse to the same packets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp::wire::rtcp::{emit_compound, parse_compound};

fuzz_target!(|data: &[u8]| {
    if let Ok(packets) = parse_compound(data) {
        let len = packets.iter().map(|p| p.buffer_len()).sum();
        let mut out = vec![0u8; len];
        // Unknown packet types with a body that is not whole words cannot be re-emitted.
        if let Ok(n) = emit_compound(&packets, &mut out) {
            assert_eq!(parse_compound(&out[..n]).as_ref(), Ok(&packets));
        }
    }
});
