//! RTP and telephone-event parsing on arbitrary octets: never panics, and whatever parses
//! re-emits to a packet that parses to the same representation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp::wire::event::EventRepr;
use rtp::wire::rtp::{Packet, RtpRepr};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::new_checked(data) {
        let r = RtpRepr::parse(&p);
        let mut out = vec![0u8; r.buffer_len()];
        let n = r.emit(&mut out).expect("a parsed packet re-emits");
        assert_eq!(RtpRepr::parse_bytes(&out[..n]), Ok(r));
        if let Ok(e) = EventRepr::parse_bytes(p.payload()) {
            let mut b = [0u8; 4];
            e.emit(&mut b).expect("a parsed event re-emits");
        }
    }
});
