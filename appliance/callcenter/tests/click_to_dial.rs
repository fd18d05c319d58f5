//! Click-to-dial through the Center, as on the bare switch: the extension rings first;
//! when it answers, the number is routed as if dialled from it (here: into queue 702,
//! where agent 2002 takes it). Unknown extensions are refused and change nothing.
#![allow(missing_docs)]
mod common;

use callcenter::CenterError;
use common::*;
use switch::engine::{LegEvent, SwitchError};

#[test]
fn click_to_dial_rings_the_extension_then_routes_the_number() {
    let mut h = H::new();
    h.login_ready("2002");
    let now = h.now;
    assert_eq!(
        h.c.make_call(now, "4999", "702"),
        Err(CenterError::Switch(SwitchError::NoSuchExtension))
    );
    let (_, a) = h.c.make_call(now, "2001", "702").unwrap();
    h.drain();
    assert_eq!(h.legs_to("2001"), [a]);
    h.input(LegEvent::Answered { leg: a });
    let b = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg: b });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
    assert!(h.c.switch().bridge_of(a).is_some());
    assert!(h.log_kinds().contains(&callcenter::LogKind::QueueConnect));
}
