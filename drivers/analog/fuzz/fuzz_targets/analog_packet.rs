//! The analog virtual-line packet decoder: never panics on any bytes, and what it accepts
//! encodes back to the same bytes (bits 4-7 of the state byte excepted).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdm::virt::{decode_packet, encode_packet};

fuzz_target!(|data: &[u8]| {
    if let Some((state, seq, samples)) = decode_packet(data) {
        let back = encode_packet(state, seq, &samples);
        assert_eq!(back[0], data[0]);
        assert_eq!(back[1], data[1] & 0x0F);
        assert_eq!(&back[2..], &data[2..]);
    }
});
