//! Position, wait-time and periodic announcements; never while ringing, never after an answer.
#![allow(missing_docs)]
mod common;

use acd::{Announcement, Input, Output, Strategy};
use common::*;

fn announces(out: &[Output]) -> Vec<(acd::CallId, Announcement)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Announce { call, announcement } => Some((*call, *announcement)),
            _ => None,
        })
        .collect()
}

#[test]
fn schedule_contents_and_suppression() {
    let mut cfg = one_queue(Strategy::Linear, 2);
    let q = &mut cfg.queues[0];
    q.announcements.first_after = s(5);
    q.announcements.every = s(10);
    q.announcements.position = true;
    q.announcements.wait_time = true;
    q.announcements.periodic_prompts = 2;
    q.initial_aht = s(120);
    q.ring_timeout = s(60);
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c0, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c0,
        agent: a(1),
    });
    h.login_ready(&[2]);
    h.input(Input::NotReady {
        agent: a(2),
        reason: acd::PauseReason::Break,
    });
    let (c, _) = h.arrive(Q1);
    let out = h.advance(s(5));
    // One serving agent, AHT 120 s, position 1 with no free agent: 120 s.
    assert_eq!(
        announces(&out),
        vec![(
            c,
            Announcement {
                position: Some(1),
                wait: Some(s(120)),
                periodic: Some(0)
            }
        )]
    );
    let out = h.advance(s(10));
    assert_eq!(announces(&out)[0].1.periodic, Some(1));
    // Agent 2 becomes ready at 17 s: the announcement is stopped before the offer.
    h.advance(s(2));
    let out = h.input(Input::Ready { agent: a(2) });
    let stop = out
        .iter()
        .position(|o| *o == Output::StopAnnouncement { call: c })
        .unwrap();
    let offer = out
        .iter()
        .position(|o| matches!(o, Output::Offer { call, .. } if *call == c))
        .unwrap();
    assert!(stop < offer);
    // Ringing for 20 s spans the 25 s slot: nothing is played over the ringing.
    assert!(announces(&h.advance(s(20))).is_empty());
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(2),
    });
    // After the answer, nothing ever again (the observer in the harness checks it too).
    assert!(announces(&h.advance(s(300))).is_empty());
}

#[test]
fn an_answer_at_the_very_instant_of_an_announcement_wins() {
    let mut cfg = one_queue(Strategy::Linear, 1);
    cfg.queues[0].announcements.first_after = s(10);
    cfg.queues[0].announcements.every = s(10);
    cfg.queues[0].announcements.position = true;
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    h.input(Input::NotReady {
        agent: a(1),
        reason: acd::PauseReason::Break,
    });
    let (c, _) = h.arrive(Q1);
    h.advance(s(9));
    // At 10 s the agent is ready and answers before timers are handled.
    h.now += s(1);
    h.input(Input::Ready { agent: a(1) });
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(1),
    });
    assert!(announces(&h.advance(s(60))).is_empty());
}

#[test]
fn position_only_up_never_announces_a_worse_place() {
    let mut cfg = one_queue(Strategy::Linear, 1);
    let q = &mut cfg.queues[0];
    q.announcements.first_after = s(10);
    q.announcements.every = s(10);
    q.announcements.position = true;
    q.announcements.position_only_up = true;
    let mut h = Harness::new(cfg);
    let (c1, _) = h.arrive(Q1);
    let (c2, _) = h.arrive(Q1);
    let out = h.advance(s(10));
    let pos = |out: &[Output], c| {
        announces(out)
            .into_iter()
            .find(|(x, _)| *x == c)
            .map(|(_, a)| a.position)
    };
    assert_eq!(pos(&out, c2), Some(Some(2)));
    // A VIP joins ahead: c2 is now third, but does not hear "3".
    h.arrive_with(
        Q1,
        acd::CallerData {
            priority: 9,
            ..Default::default()
        },
    );
    let out = h.advance(s(10));
    assert_eq!(pos(&out, c2), Some(None));
    assert_eq!(
        pos(&out, c1),
        Some(None),
        "c1 went from 1 to 2: not announced"
    );
    // The VIP leaves: back to 2, announced again.
    let vip = h.acd.waiting(Q1)[0];
    h.input(Input::Abandoned { call: vip });
    let out = h.advance(s(10));
    assert_eq!(pos(&out, c2), Some(Some(2)));
}
