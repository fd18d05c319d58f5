//! China No.1 calls over the raw E1 virtual line (CAS multiframe + MF tones in the
//! B-channel), in both directions: ANI, DNIS and category arrive, the call is accepted,
//! answered and cleared from either side, and both ends return to idle.

mod common;

use std::time::Duration;

use common::{E1Pair, digits};
use r2::{Category, ClearReason, Config, Event, StateName};

fn china() -> Config {
    Config {
        max_dnis: 8,
        ..Config::china()
    }
}

fn offered(p: &E1Pair, callee_is_b: bool) -> Option<(String, String, Category)> {
    let end = if callee_is_b { &p.b } else { &p.a };
    end.events.iter().find_map(|(_, e)| match e {
        Event::IncomingCall {
            ani,
            dnis,
            category,
        } => Some((ani.to_string(), dnis.to_string(), *category)),
        _ => None,
    })
}

/// A calls B, B accepts and answers; returns the pair in the answered state.
fn answered_call(a_to_b: bool) -> E1Pair {
    let mut p = E1Pair::new(china(), china());
    let t0 = p.now;
    {
        let (caller, _) = if a_to_b {
            (&mut p.a, &mut p.b)
        } else {
            (&mut p.b, &mut p.a)
        };
        caller
            .r2
            .call(t0, digits("87654321"), digits("13800138"))
            .expect("call");
    }
    assert!(
        p.run_until(Duration::from_secs(10), |p| offered(p, a_to_b).is_some()),
        "no incoming call; caller events {:?} callee events {:?}",
        p.a.events(),
        p.b.events()
    );
    let (ani, dnis, cat) = offered(&p, a_to_b).expect("offered");
    assert_eq!(dnis, "87654321");
    assert_eq!(ani, "13800138");
    assert_eq!(cat, Category::SUBSCRIBER);
    let now = p.now;
    {
        let callee = if a_to_b { &mut p.b } else { &mut p.a };
        assert_eq!(callee.r2.state(), StateName::InOffered);
        callee.r2.accept(now, true).expect("accept");
        callee.r2.answer(now).expect("answer");
    }
    let ok = p.run_until(Duration::from_secs(3), |p| {
        let caller = if a_to_b { &p.a } else { &p.b };
        caller.has(&Event::Answered)
    });
    let (caller, callee) = if a_to_b { (&p.a, &p.b) } else { (&p.b, &p.a) };
    assert!(
        ok,
        "not answered: caller {:?} callee {:?}",
        caller.events(),
        callee.events()
    );
    assert!(caller.has(&Event::Accepted { charge: true }));
    assert_eq!(caller.r2.state(), StateName::OutAnswered);
    assert_eq!(callee.r2.state(), StateName::InAnswered);
    assert!(!caller.r2.in_register_phase() && !callee.r2.in_register_phase());
    p
}

fn both_idle(p: &E1Pair) -> bool {
    p.a.r2.state() == StateName::Idle && p.b.r2.state() == StateName::Idle
}

#[test]
fn a_calls_b_and_a_clears_forward() {
    let mut p = answered_call(true);
    let now = p.now;
    p.a.r2.hangup(now).expect("hangup");
    assert!(
        p.run_until(Duration::from_secs(1), both_idle),
        "{:?} {:?}",
        p.a.events(),
        p.b.events()
    );
    assert!(p.a.has(&Event::Cleared {
        reason: ClearReason::LocalHangup
    }));
    assert!(p.b.has(&Event::Cleared {
        reason: ClearReason::ClearForward
    }));
    assert!(p.a.has(&Event::Idle) && p.b.has(&Event::Idle));
}

#[test]
fn b_calls_a_and_the_called_side_clears_back() {
    let mut p = answered_call(false);
    let now = p.now;
    // A is the incoming end here: it hangs up first (clear-back).
    p.a.r2.hangup(now).expect("hangup");
    assert!(
        p.run_until(Duration::from_secs(1), both_idle),
        "{:?} {:?}",
        p.a.events(),
        p.b.events()
    );
    assert!(p.a.has(&Event::Cleared {
        reason: ClearReason::LocalHangup
    }));
    assert!(p.b.has(&Event::Cleared {
        reason: ClearReason::ClearBack
    }));
    // The line is reusable: another call in the other direction.
    let now = p.now;
    p.a.r2
        .call(now, digits("1234"), digits("5678"))
        .expect("second call");
    assert!(p.run_until(Duration::from_secs(10), |p| offered(p, true).is_some()));
}

#[test]
fn busy_subscriber_is_reported_with_group_b_busy() {
    let mut p = E1Pair::new(china(), china());
    let now = p.now;
    p.a.r2
        .call(now, digits("87654321"), digits("1380013"))
        .expect("call");
    assert!(p.run_until(Duration::from_secs(10), |p| offered(p, true).is_some()));
    let now = p.now;
    p.b.r2.reject(now, ClearReason::Busy).expect("reject");
    assert!(
        p.run_until(Duration::from_secs(2), both_idle),
        "{:?} {:?}",
        p.a.events(),
        p.b.events()
    );
    assert!(
        p.a.has(&Event::Cleared {
            reason: ClearReason::Busy
        }),
        "{:?}",
        p.a.events()
    );
    assert!(!p.a.has(&Event::Answered));
}
