//! Digit-by-digit dialling (FXS phones, Q.931 overlap receiving): the dial plan says when a
//! number is complete, ambiguous (wait for the inter-digit timer) or hopeless.
mod common;

use common::config;
use switch::dialplan::{DialState, OriginClass};

#[test]
fn the_plan_says_when_to_stop_collecting() {
    let c = config();
    let ext = OriginClass::Extension;
    let states: Vec<DialState> = ["", "6", "60", "600"]
        .iter()
        .map(|n| c.dial_state(ext, n))
        .collect();
    assert_eq!(
        states,
        [
            DialState::Incomplete,
            DialState::Incomplete,
            DialState::Incomplete,
            DialState::Complete
        ]
    );
    assert_eq!(c.dial_state(ext, "100"), DialState::Incomplete);
    assert_eq!(c.dial_state(ext, "1002"), DialState::Complete);
    assert_eq!(c.dial_state(ext, "0"), DialState::Incomplete);
    assert_eq!(
        c.dial_state(ext, "0301"),
        DialState::Ambiguous,
        "_0. takes any length"
    );
    assert_eq!(c.dial_state(ext, "5"), DialState::Invalid);
    assert_eq!(c.dial_state(ext, "10021"), DialState::Invalid);
    // DIDs from the E1 use the DID table.
    assert_eq!(
        c.dial_state(OriginClass::Trunk, "5551"),
        DialState::Incomplete
    );
    assert_eq!(
        c.dial_state(OriginClass::Trunk, "5551002"),
        DialState::Complete
    );
    assert_eq!(c.dial_state(OriginClass::Trunk, "600"), DialState::Invalid);
}
