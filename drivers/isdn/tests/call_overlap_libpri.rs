//! Overlap sending and receiving (Q.931 §5.1.3, §5.2.4) against the real libpri 1.6, both
//! directions and both roles: a SETUP without Sending Complete, SETUP ACKNOWLEDGE, the rest
//! of the number in INFORMATION messages, then the call completes and clears. libpri runs
//! with `pri_set_overlapdial(1)`: as the called side it answers an incomplete SETUP with
//! `pri_need_more_info`, as the calling side it sends digits with `pri_information`.

use isdn::call::{CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role, Variant};

mod libpri;
use libpri::session::Session;

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
    let mut s = Session::serial(role, Variant::EuroIsdn);
    s.command("overlap");
    s.bring_up();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(2),
        sending_complete: false,
        ..SetupParams::speech("12")
    };
    let call = s.call_until_setup_ack(
        params,
        "EVENT PRI_EVENT_RING channel=2 called=12 complete=0",
    );
    assert_eq!(s.pri.calls().state(call), Some(overlap_state(role, true)));
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.info_digits(now, call, "34", false))
        .unwrap();
    s.expect("libpri did not get the INFORMATION digits", |s| {
        s.peer_said("EVENT PRI_EVENT_INFO_RECEIVED called=34 complete=0")
    });
    assert_eq!(s.pri.calls().state(call), Some(overlap_state(role, true)));
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.info_digits(now, call, "5", true))
        .unwrap();
    s.expect("call not answered after Sending Complete", |s| {
        s.events.contains(&Event::Connected { call })
            && s.pri.calls().state(call) == Some(CallState::Active)
            && s.peer_said("EVENT PRI_EVENT_INFO_RECEIVED called=5 complete=1")
    });
    s.we_clear(call, CauseValue::NORMAL_CLEARING);
    s.assert_idle();
}

/// libpri dials "12" without Sending Complete; we answer with SETUP ACKNOWLEDGE, libpri
/// sends "3", "4", "5" one INFORMATION each; we collect them, proceed, alert and connect.
fn libpri_sends_overlap(role: Role) {
    let mut s = Session::serial(role, Variant::EuroIsdn);
    s.bring_up();
    s.command("callov 12 4");
    let inc = s.incoming_call();
    let call = inc.call;
    assert_eq!(
        (inc.called.as_str(), inc.channel, inc.sending_complete),
        ("12", Some(4), false),
        "{}",
        s.report()
    );
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.setup_ack(now, call))
        .unwrap();
    s.expect("libpri saw no SETUP ACKNOWLEDGE", |s| {
        s.peer_said("EVENT PRI_EVENT_SETUP_ACK channel=4")
    });
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
    s.expect("INFORMATION digits not received", |s| digits(s) == "345");
    s.answer(call, "EVENT PRI_EVENT_ANSWER channel=4");
    s.libpri_clears(call);
    s.assert_idle();
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
