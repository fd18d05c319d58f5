//! Position-aware predicted wait from live handle times, and overflow on it; queue limits.
#![allow(missing_docs)]
mod common;

use acd::{Action, Destination, Input, Output, OverflowReason, Strategy};
use common::*;

fn overflow_reason(out: &[Output]) -> Option<OverflowReason> {
    decisions(out).into_iter().find_map(|d| match d.action {
        Action::Overflow { reason, .. } => Some(reason),
        _ => None,
    })
}

#[test]
fn estimate_is_position_aware_and_learns_from_handle_times() {
    let mut cfg = one_queue(Strategy::LongestIdle, 2);
    cfg.queues[0].initial_aht = s(100);
    cfg.queues[0].overflow.predicted_wait_over = Some(s(120));
    cfg.queues[0].overflow.predicted_wait = Some(Destination::Queue(Q2));
    let mut h = Harness::new(cfg);
    h.login_ready(&[1, 2]);
    let (c1, _) = h.arrive(Q1);
    let (c2, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    h.input(Input::OfferAnswered {
        call: c2,
        agent: a(2),
    });
    // Two serving agents, none free: position k waits k × 100 / 2.
    assert_eq!(h.acd.predicted_wait(Q1, 1), Some(s(50)));
    assert_eq!(h.acd.predicted_wait(Q1, 2), Some(s(100)));
    let (_, out) = h.arrive(Q1); // position 1: 50 s
    assert!(overflow_reason(&out).is_none());
    let (_, out) = h.arrive(Q1); // position 2: 100 s
    assert!(overflow_reason(&out).is_none());
    let (c5, out) = h.arrive(Q1); // position 3: 150 s > 120 s
    assert_eq!(
        overflow_reason(&out),
        Some(OverflowReason::PredictedWait {
            ewt: s(150),
            threshold: s(120)
        })
    );
    assert!(out.contains(&Output::Overflow {
        call: c5,
        destination: Destination::Queue(Q2)
    }));
    // A VIP is placed at position 1 and gets in.
    let (_, out) = h.arrive_with(
        Q1,
        acd::CallerData {
            priority: 9,
            ..Default::default()
        },
    );
    assert!(overflow_reason(&out).is_none());
    // Live handle times of 300 s pull the average up (α = 1/8 per call).
    let before = h.acd.predicted_wait(Q1, 1).unwrap();
    h.advance(s(300));
    h.input(Input::CallEnded { call: c1 });
    let after = h.acd.predicted_wait(Q1, 1).unwrap();
    assert!(after > before, "{after:?} > {before:?}");
}

#[test]
fn max_len_join_empty_leave_when_empty_and_max_wait() {
    let mut cfg = one_queue(Strategy::LongestIdle, 1);
    let q = &mut cfg.queues[0];
    q.max_len = 2;
    q.join_empty = false;
    q.leave_when_empty = true;
    q.max_wait = Some(s(60));
    q.overflow.destination = Destination::Extension("100".into());
    let mut h = Harness::new(cfg);
    let (_, out) = h.arrive(Q1);
    assert_eq!(overflow_reason(&out), Some(OverflowReason::JoinEmpty));
    h.login_ready(&[1]);
    h.input(Input::NotReady {
        agent: a(1),
        reason: acd::PauseReason::Break,
    });
    // Paused is not serving: still join-empty.
    let (_, out) = h.arrive(Q1);
    assert_eq!(overflow_reason(&out), Some(OverflowReason::JoinEmpty));
    h.input(Input::Ready { agent: a(1) });
    let (c1, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    let (c2, _) = h.arrive(Q1);
    h.advance(s(30));
    let (_c3, _) = h.arrive(Q1);
    let (_, out) = h.arrive(Q1);
    assert_eq!(
        overflow_reason(&out),
        Some(OverflowReason::Full { waiting: 2 })
    );
    // c2 reaches max wait at 60 s.
    let out = h.advance(s(30));
    assert_eq!(overflow_reason(&out), Some(OverflowReason::MaxWait));
    assert!(out.contains(&Output::Overflow {
        call: c2,
        destination: Destination::Extension("100".into())
    }));
    // The agent logs out after the call: the remaining caller leaves.
    h.input(Input::LoggedOut { agent: a(1) });
    let out = h.input(Input::CallEnded { call: c1 });
    assert_eq!(overflow_reason(&out), Some(OverflowReason::LeaveWhenEmpty));
    assert!(h.acd.waiting(Q1).is_empty());
}
