//! Ring-all / ring-progressive at the switch: a handed-off caller redirected to several
//! phones at once; the first answer is bridged, the others are cancelled with #26, and the
//! caller goes back to the ACD only when the last destination fails.
mod common;

use std::time::Duration;

use common::H;
use switch::Cause;
use switch::dialplan::{ChannelKind, OriginClass};
use switch::engine::{Event, LegEvent, LegState};

fn queued_caller(h: &mut H) -> switch::engine::LegId {
    h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5550000",
        "0123",
    )
}

fn redirect_failed(h: &H) -> usize {
    h.events
        .iter()
        .filter(|e| matches!(e, Event::RedirectFailed { .. }))
        .count()
}

#[test]
fn first_answer_wins_and_the_others_are_cancelled() {
    let mut h = H::new();
    let a = queued_caller(&mut h);
    for to in ["1001", "1002", "1003"] {
        h.input(LegEvent::Redirect {
            leg: a,
            to: to.into(),
        });
    }
    let legs: Vec<_> = h.originated().iter().map(|o| o.0).collect();
    assert_eq!(legs.len(), 3, "three phones ring");
    for &l in &legs {
        h.input(LegEvent::Alerting { leg: l });
    }
    // 1002 is busy: the others ring on, the caller is not handed back.
    h.input(LegEvent::Hangup {
        leg: legs[1],
        cause: Cause::USER_BUSY,
    });
    assert_eq!(redirect_failed(&h), 0);
    // 1003 answers: bridged to the caller; 1001 is cancelled with #26.
    h.input(LegEvent::Answered { leg: legs[2] });
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(legs[2]));
    assert!(h.sw.bridge_of(a).is_some());
    assert!(
        h.hangups()
            .contains(&(legs[0], Cause::NON_SELECTED_USER_CLEARING)),
        "{:?}",
        h.hangups()
    );
    assert_eq!(h.sw.leg_state(legs[0]), Some(LegState::Ended));
    assert_eq!(redirect_failed(&h), 0);
    // The call is no longer the ACD's: no more forks.
    assert!(
        h.sw.handle_input(
            h.now,
            LegEvent::Redirect {
                leg: a,
                to: "1001".into()
            }
        )
        .is_err()
    );
}

#[test]
fn the_caller_goes_back_only_when_every_destination_failed() {
    let mut h = H::new();
    let a = queued_caller(&mut h);
    h.input(LegEvent::Redirect {
        leg: a,
        to: "1001".into(),
    });
    // Added later (ring-progressive), while 1001 rings.
    h.advance(Duration::from_secs(5));
    h.input(LegEvent::Redirect {
        leg: a,
        to: "1002".into(),
    });
    let legs: Vec<_> = h.originated().iter().map(|o| o.0).collect();
    for &l in &legs {
        h.input(LegEvent::Alerting { leg: l });
    }
    h.input(LegEvent::Hangup {
        leg: legs[0],
        cause: Cause::CALL_REJECTED,
    });
    assert_eq!(redirect_failed(&h), 0);
    assert_eq!(h.sw.leg_state(a), Some(LegState::Answered));
    h.input(LegEvent::Hangup {
        leg: legs[1],
        cause: Cause::USER_BUSY,
    });
    assert_eq!(redirect_failed(&h), 1, "handed back once, after the last");
    assert_eq!(
        h.sw.leg_state(a),
        Some(LegState::Answered),
        "the caller stays"
    );
    // The ACD has it again and may send it on.
    h.input(LegEvent::Redirect {
        leg: a,
        to: "1003".into(),
    });
    let d = h.originated()[2].0;
    h.input(LegEvent::Answered { leg: d });
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(d));

    // The caller hanging up while two phones ring cancels both.
    let b = queued_caller(&mut h);
    for to in ["1001", "1002"] {
        h.input(LegEvent::Redirect {
            leg: b,
            to: to.into(),
        });
    }
    let forks: Vec<_> = h.originated()[3..].iter().map(|o| o.0).collect();
    assert_eq!(forks.len(), 2);
    h.input(LegEvent::Hangup {
        leg: b,
        cause: Cause::NORMAL_CLEARING,
    });
    for f in forks {
        assert_eq!(
            h.sw.leg_state(f).unwrap_or(LegState::Ended),
            LegState::Ended
        );
    }
}
