//! Any text as flow JSON (what the admin panel stores and the switch loads): parsing and
//! validation never panic, and a flow that validates survives a JSON round trip through the
//! parser and validates again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(flow) = ivr::Flow::from_json(text) else {
        return;
    };
    if let Ok(valid) = ivr::validate(&flow) {
        assert!(
            ivr::parse_and_validate(text).is_ok(),
            "validated once, not twice"
        );
        // A valid flow can be entered: the start node exists.
        let _ = ivr::Call::new(valid.into_arc(), "13800138000", "8000");
    }
});
