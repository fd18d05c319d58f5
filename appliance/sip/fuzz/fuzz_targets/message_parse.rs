//! Any bytes through the SIP message parser; whatever parses must emit and parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match sip::Message::parse(data) {
        Ok(m) => {
            let again = sip::Message::parse(&m.to_bytes());
            assert!(again.is_ok(), "emitted message does not parse: {again:?}");
        }
        Err(rej) => {
            if let Some(answer) = rej.answer {
                let _ = answer.to_bytes();
            }
        }
    }
});
