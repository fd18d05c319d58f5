//! LAPD frame parsing (Q.921 §2–3): never panics; whatever parses re-emits to the same octets.
#![no_main]

use isdn::q921::{Frame, FrameRepr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(view) = Frame::new_checked(data) {
        let repr = FrameRepr::parse(&view);
        let _ = repr.to_string();
        let mut out = vec![0u8; repr.buffer_len()];
        let n = repr.emit(&mut out).expect("a parsed frame re-emits");
        assert_eq!(&out[..n], data);
    }
});
