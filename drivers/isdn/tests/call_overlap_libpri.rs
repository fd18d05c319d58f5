//! Overlap sending and receiving (Q.931 §5.1.3, §5.2.4) against the real libpri 1.6, both
//! directions and both roles: a SETUP without Sending Complete, SETUP ACKNOWLEDGE, the rest
//! of the number in INFORMATION messages, then the call completes and clears. libpri runs
//! with `pri_set_overlapdial(1)`: as the called side it answers an incomplete SETUP with
//! `pri_need_more_info`, as the calling side it sends digits with `pri_information`.

use isdn::call::{CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role};

mod libpri;
use libpri::SERIAL;
use libpri::session::{LIMIT, Session};

/// The overlap state as `role` reports it when the user side is sending the number (U2 /
/// N2) or receiving it (U25 / N25): the network names its states after the user's role.
fn overlap_state(role: Role, we_send: bool) -> CallState {
    match (role, we_send) {
        (Role::User, true) | (Role::Network, false) => CallState::OverlapSending,
        (Role::User, false) | (Role::Network, true) => CallState::OverlapReceiving,
    }
}

/// We dial "12" in the SETUP, then "34" and "5" + Sending Complete by INFORMATION; libpri
/// sees the call incomplete, sends SETUP ACKNOWLEDGE, collects the digits and answers once
/// the number is complete.
fn we_send_overlap(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.command("overlap");
    s.bring_up();
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(2),
        sending_complete: false,
        ..SetupParams::speech("12")
    };
    let call = s.pri.setup(now, params).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::SetupAcknowledged { call })
            && s.peer_said("EVENT PRI_EVENT_RING channel=2 called=12 complete=0")
    });
    assert!(
        ok,
        "no SETUP ACKNOWLEDGE for an incomplete SETUP:\n{}",
        s.report()
    );
    assert_eq!(s.pri.calls().state(call), Some(overlap_state(role, true)));
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.info_digits(now, call, "34", false))
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_INFO_RECEIVED called=34 complete=0")
    });
    assert!(
        ok,
        "libpri did not get the INFORMATION digits:\n{}",
        s.report()
    );
    assert_eq!(s.pri.calls().state(call), Some(overlap_state(role, true)));
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.info_digits(now, call, "5", true))
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Connected { call })
            && s.pri.calls().state(call) == Some(CallState::Active)
            && s.peer_said("EVENT PRI_EVENT_INFO_RECEIVED called=5 complete=1")
    });
    assert!(
        ok,
        "call not answered after Sending Complete:\n{}",
        s.report()
    );
    let now = s.now();
    s.pri
        .disconnect(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.released(call).is_some() && s.peer_said("EVENT PRI_EVENT_HANGUP_REQ cause=16")
    });
    assert!(ok, "not cleared:\n{}", s.report());
    assert!(s.pri.calls().calls().is_empty() && s.pri.calls().busy_channels().is_empty());
}

/// libpri dials "12" without Sending Complete; we answer with SETUP ACKNOWLEDGE, libpri
/// sends "3", "4", "5" one INFORMATION each; we collect them, proceed, alert and connect.
fn libpri_sends_overlap(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    s.command("callov 12 4");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. }))
    });
    assert!(ok, "no incoming call:\n{}", s.report());
    let (call, called, channel, complete) = s
        .find_event(|e| match e {
            Event::IncomingCall {
                call,
                called,
                channel,
                sending_complete,
                ..
            } => Some((*call, called.clone(), *channel, *sending_complete)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (called.as_str(), channel, complete),
        ("12", Some(4), false),
        "{}",
        s.report()
    );
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.setup_ack(now, call))
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_SETUP_ACK channel=4")
    });
    assert!(ok, "libpri saw no SETUP ACKNOWLEDGE:\n{}", s.report());
    assert_eq!(s.pri.calls().state(call), Some(overlap_state(role, false)));
    s.command("info 345");
    let digits = |s: &Session| -> String {
        s.events
            .iter()
            .filter_map(|e| match e {
                Event::Digits {
                    call: c, digits, ..
                } if *c == call => Some(digits.as_str()),
                _ => None,
            })
            .collect()
    };
    let ok = s.run_until(LIMIT, |s| digits(s) == "345");
    assert!(ok, "INFORMATION digits not received:\n{}", s.report());
    let now = s.now();
    s.pri.proceeding(now, call).unwrap();
    s.pri.alerting(now, call).unwrap();
    s.pri.connect(now, call).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_ANSWER channel=4")
            && s.pri.calls().state(call) == Some(CallState::Active)
    });
    assert!(ok, "call not answered:\n{}", s.report());
    s.command("hangup");
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Disconnected {
            call,
            cause: CauseValue::NORMAL_CLEARING,
        })
    });
    assert!(ok, "no DISCONNECT:\n{}", s.report());
    let now = s.now();
    s.pri
        .release(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| s.released(call).is_some());
    assert!(ok, "not cleared:\n{}", s.report());
    assert!(s.pri.calls().calls().is_empty());
}

#[test]
fn our_te_overlap_sends_to_libpri_nt() {
    we_send_overlap(Role::User);
}

#[test]
fn our_nt_overlap_sends_to_libpri_te() {
    we_send_overlap(Role::Network);
}

#[test]
fn libpri_te_overlap_sends_to_our_nt() {
    libpri_sends_overlap(Role::Network);
}

#[test]
fn libpri_nt_overlap_sends_to_our_te() {
    libpri_sends_overlap(Role::User);
}
