//! Glare against the real libpri 1.6 (Q.931 §5.7, EN 300 403 §5.2.3.1): both sides send a
//! SETUP for B-channel 3 at the same time. The crossing is made deterministic by holding
//! libpri's SETUP unread until ours is on the wire. The network's call wins: with our TE,
//! libpri NT refuses our SETUP (cause 44, as chan_dahdi does) and we take and answer its
//! call on channel 3; with our NT, we refuse libpri's SETUP with cause 44 and libpri TE
//! answers ours.

use isdn::call::{CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role};

mod libpri;
use libpri::SERIAL;
use libpri::session::{LIMIT, Session};

/// libpri places a call on channel 3; once its SETUP is in our socket (unread) we place
/// ours on channel 3, then read libpri's. Returns our call.
fn crossed_setups(s: &mut Session) -> isdn::call::CallId {
    s.bring_up();
    s.hold_setups = true;
    s.command("call 4711 3");
    let ok = s.run_until(LIMIT, |s| !s.held.is_empty());
    assert!(ok, "libpri sent no SETUP:\n{}", s.report());
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(3),
        ..SetupParams::speech("5678")
    };
    let ours = s.pri.setup(now, params).unwrap();
    s.flush();
    s.deliver_held();
    ours
}

#[test]
fn glare_our_te_yields_to_libpri_nt() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(Role::User);
    let ours = crossed_setups(&mut s);
    // The network's call is offered to us on channel 3.
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. }))
    });
    assert!(ok, "libpri's call not offered:\n{}", s.report());
    let (theirs, channel) = s
        .find_event(|e| match e {
            Event::IncomingCall { call, channel, .. } => Some((*call, *channel)),
            _ => None,
        })
        .unwrap();
    assert_eq!(channel, Some(3), "{}", s.report());
    // Ours is refused by libpri with cause 44 and cleared.
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("glare") && s.pri.calls().state(ours).is_none()
    });
    assert!(ok, "our call not cleared after glare:\n{}", s.report());
    let cause = s.find_event(|e| match e {
        Event::Released { call, cause } | Event::Disconnected { call, cause } if *call == ours => {
            Some(*cause)
        }
        _ => None,
    });
    assert_eq!(
        cause,
        Some(CauseValue::REQUESTED_CHANNEL_NOT_AVAILABLE),
        "{}",
        s.report()
    );
    // And the winner is answered on channel 3.
    let now = s.now();
    s.pri.proceeding(now, theirs).unwrap();
    s.pri.connect(now, theirs).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_ANSWER channel=3")
            && s.pri.calls().state(theirs) == Some(CallState::Active)
    });
    assert!(ok, "libpri's call not answered:\n{}", s.report());
    assert_eq!(s.pri.calls().busy_channels(), [3]);
}

#[test]
fn glare_our_nt_wins_over_libpri_te() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(Role::Network);
    let ours = crossed_setups(&mut s);
    // libpri's SETUP is refused with RELEASE COMPLETE cause 44; libpri answers ours.
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Connected { call: ours })
            && s.peer_said("EVENT PRI_EVENT_HANGUP cause=44")
            && s.peer_said("EVENT PRI_EVENT_RING channel=3 called=5678")
    });
    assert!(
        ok,
        "glare not resolved in favour of the NT:\n{}",
        s.report()
    );
    assert!(
        !s.events
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. })),
        "{}",
        s.report()
    );
    assert_eq!(s.pri.calls().busy_channels(), [3]);
    assert_eq!(s.pri.calls().state(ours), Some(CallState::Active));
}
