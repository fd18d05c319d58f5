//! Configuration changes apply live, to callers already waiting: a queue with no serving
//! member gets one and its waiting caller is offered at once; a new agent added by
//! `reconfigure` can log on through CTI and take calls; a bad configuration changes nothing.
#![allow(missing_docs)]
mod common;

use callcenter::{CenterError, ConfigProblem};
use common::*;

#[test]
fn new_members_serve_callers_already_waiting() {
    let mut h = H::with(config_with(s(10), &[]));
    h.login_ready("2001");
    let a = h.incoming("111", "701");
    h.advance(s(30));
    assert!(h.legs_to("2001").is_empty(), "2001 is not a member yet");
    assert_eq!(h.c.acd().waiting(acd::QueueId(1)).len(), 1);

    let now = h.now;
    h.c.reconfigure(now, config_with(s(10), &["2001"])).unwrap();
    h.drain();
    let b = h.last_leg_to("2001");
    h.input(switch::engine::LegEvent::Answered { leg: b });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
}

#[test]
fn bad_configuration_changes_nothing() {
    let mut h = H::new();
    let mut bad = config();
    bad.queues[0].acd.wrapup = s(5);
    let now = h.now;
    assert_eq!(
        h.c.reconfigure(now, bad),
        Err(CenterError::Config(ConfigProblem::AcdWrapUp))
    );
    let mut bad = config();
    bad.agents[0].extension = "4999".into();
    assert_eq!(
        h.c.reconfigure(now, bad),
        Err(CenterError::Config(ConfigProblem::NoSuchExtension))
    );
    let mut bad = config();
    bad.queues[1].acd.ring_timeout = s(0);
    assert!(matches!(
        h.c.reconfigure(now, bad),
        Err(CenterError::Acd(_))
    ));
    // Still the old one: 2001 is a member and gets the call.
    h.login_ready("2001");
    h.incoming("111", "701");
    assert_eq!(h.legs_to("2001").len(), 1);
}
