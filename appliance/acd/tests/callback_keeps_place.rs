//! In-queue callback: the caller hangs up and keeps their place in line.
#![allow(missing_docs)]
mod common;

use acd::{Input, Output, Strategy};
use common::*;

#[test]
fn callback_keeps_place_counts_in_positions_and_retries_in_place() {
    let mut cfg = one_queue(Strategy::Linear, 1);
    cfg.queues[0].callback_retry_after = s(60);
    cfg.queues[0].callback_attempts = 2;
    cfg.queues[0].announcements.first_after = s(10);
    cfg.queues[0].announcements.position = true;
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c0, _) = h.arrive(Q1); // busy agent
    h.input(Input::OfferAnswered {
        call: c0,
        agent: a(1),
    });
    let (ca, _) = h.arrive(Q1);
    h.advance(s(1));
    let (cb, _) = h.arrive(Q1);
    h.advance(s(1));
    let (cc, _) = h.arrive(Q1);
    let out = h.input(Input::CallbackRequested {
        call: cb,
        number: "13800000000".into(),
    });
    assert!(out.contains(&Output::CallbackScheduled {
        call: cb,
        position: 2
    }));
    // The caller's leg goes away: that is not an abandon.
    h.input(Input::Abandoned { call: cb });
    assert_eq!(h.acd.waiting(Q1), vec![ca, cb, cc]);
    // Position announcements count the callback: cc is still third.
    let out = h.advance(s(10));
    let pos: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::Announce { call, announcement } => Some((*call, announcement.position)),
            _ => None,
        })
        .collect();
    assert!(pos.contains(&(cc, Some(3))), "{pos:?}");
    assert!(
        !pos.iter().any(|(c, _)| *c == cb),
        "no announcements to a callback"
    );
    // Agent frees up: ca, then the callback (with its number), then cc.
    h.input(Input::CallEnded { call: c0 });
    h.input(Input::OfferAnswered {
        call: ca,
        agent: a(1),
    });
    let out = h.input(Input::CallEnded { call: ca });
    assert!(out.contains(&Output::Offer {
        call: cb,
        agent: a(1),
        queue: Q1,
        callback: Some("13800000000".into())
    }));
    h.input(Input::OfferAnswered {
        call: cb,
        agent: a(1),
    });
    // Nobody picks up: the callback goes back to its place, not before 60 s.
    let out = h.input(Input::CallbackFailed { call: cb });
    assert_eq!(
        offered(&out),
        vec![(cc, a(1))],
        "cc served while cb waits for its retry"
    );
    h.input(Input::OfferAnswered {
        call: cc,
        agent: a(1),
    });
    let (cd, _) = h.arrive(Q1);
    h.advance(s(70));
    let out = h.input(Input::CallEnded { call: cc });
    assert_eq!(
        offered(&out),
        vec![(cb, a(1))],
        "the retry keeps its place ahead of cd"
    );
    h.input(Input::OfferAnswered {
        call: cb,
        agent: a(1),
    });
    let out = h.input(Input::CallbackFailed { call: cb });
    assert!(out.contains(&Output::CallbackAbandoned { call: cb }));
    assert_eq!(offered(&out), vec![(cd, a(1))]);
    assert_eq!(h.acd.counters().callbacks_abandoned, 1);
}
