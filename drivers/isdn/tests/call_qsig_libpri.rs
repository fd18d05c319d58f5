//! QSIG basic call (ECMA-143) of our call control (`Config::variant = Variant::Qsig`)
//! against the real libpri 1.6 with `PRI_SWITCH_QSIG`, in both roles (our side A =
//! `Role::Network` against libpri's `PRI_CPE` end, our side B = `Role::User` against
//! libpri's `PRI_NETWORK` end): layer 2 up, calls placed by libpri and by us set up,
//! answered, and cleared from either side with a cause; no STATUS (no §5.8 complaint)
//! from either end; overlap sending from a SETUP with no digits; RESTART both ways. The peer is `tests/peers/pri_peer.c` started with `qsig`, over a
//! `SOCK_SEQPACKET` socketpair in real time.

use std::time::Duration;

use isdn::call::{CallId, CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role, Variant};

mod libpri;
use libpri::SERIAL;
use libpri::session::{LIMIT, Session};

fn session(role: Role) -> Session {
    let mut s = Session::with_variant(role, Variant::Qsig);
    s.bring_up();
    // pri_peer prints pri_switch2str() of the switch type it gave pri_new_cb().
    assert!(s.peer_said("READY Q.SIG switch"), "{}", s.report());
    s
}

/// Neither end answered anything with STATUS (a §5.8 error) during the call.
fn no_status(s: &Session) {
    assert!(
        s.trace.iter().all(|(_, _, f)| !f.ends_with(" STATUS")),
        "a STATUS was exchanged:\n{}",
        s.report()
    );
}

/// Clears `call` (active) from our side (`we_clear`) or libpri's, with the causes checked.
fn clear(s: &mut Session, call: CallId, we_clear: bool) {
    // Let libpri settle in the active state before clearing.
    s.run_until(Duration::from_millis(300), |_| false);
    if we_clear {
        let now = s.now();
        s.pri.disconnect(now, call, CauseValue::USER_BUSY).unwrap();
        let ok = s.run_until(LIMIT, |s| {
            s.released(call).is_some() && s.peer_said("EVENT PRI_EVENT_HANGUP_REQ cause=17")
        });
        assert!(ok, "not cleared:\n{}", s.report());
        // pri_peer answers DISCONNECT with pri_hangup(16): RELEASE #16.
        assert!(s.released(call).is_some(), "{}", s.report());
    } else {
        s.command("hangup");
        let ok = s.run_until(LIMIT, |s| {
            s.events.contains(&Event::Disconnected {
                call,
                cause: CauseValue::NORMAL_CLEARING,
            })
        });
        assert!(ok, "no DISCONNECT #16:\n{}", s.report());
        let now = s.now();
        s.pri
            .release(now, call, CauseValue::NORMAL_CLEARING)
            .unwrap();
        let ok = s.run_until(LIMIT, |s| {
            s.released(call) == Some(CauseValue::NORMAL_CLEARING)
                && s.peer_said("EVENT PRI_EVENT_HANGUP cause=16")
        });
        assert!(ok, "not cleared:\n{}", s.report());
    }
    assert!(
        s.pri.calls().calls().is_empty() && s.pri.calls().busy_channels().is_empty(),
        "{}",
        s.report()
    );
    no_status(s);
}

fn libpri_calls_us(role: Role, we_clear: bool) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = session(role);
    s.command("call 4711 5");
    let ok = s.run_until(LIMIT, |s| {
        s.find_event(|e| matches!(e, Event::IncomingCall { .. }).then_some(()))
            .is_some()
    });
    assert!(ok, "no incoming call:\n{}", s.report());
    let (call, called, channel) = s
        .find_event(|e| match e {
            Event::IncomingCall {
                call,
                called,
                channel,
                ..
            } => Some((*call, called.clone(), *channel)),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (called.as_str(), channel),
        ("4711", Some(5)),
        "{}",
        s.report()
    );
    let now = s.now();
    s.pri.proceeding(now, call).unwrap();
    s.pri.alerting(now, call).unwrap();
    s.pri.connect(now, call).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_ANSWER")
            && s.pri.calls().state(call) == Some(CallState::Active)
    });
    assert!(ok, "call not answered:\n{}", s.report());
    clear(&mut s, call, we_clear);
}

fn we_call_libpri(role: Role, we_clear: bool) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = session(role);
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(3),
        calling: Some("1001".into()),
        ..SetupParams::speech("5678")
    };
    let call = s.pri.setup(now, params).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Connected { call })
            && s.pri.calls().state(call) == Some(CallState::Active)
            && s.peer_said("EVENT PRI_EVENT_RING channel=3 called=5678")
    });
    assert!(ok, "not connected:\n{}", s.report());
    clear(&mut s, call, we_clear);
}

#[test]
fn libpri_side_b_calls_our_side_a_cleared_by_libpri() {
    libpri_calls_us(Role::Network, false);
}

#[test]
fn libpri_side_b_calls_our_side_a_cleared_by_us() {
    libpri_calls_us(Role::Network, true);
}

#[test]
fn libpri_side_a_calls_our_side_b_cleared_by_libpri() {
    libpri_calls_us(Role::User, false);
}

#[test]
fn libpri_side_a_calls_our_side_b_cleared_by_us() {
    libpri_calls_us(Role::User, true);
}

#[test]
fn our_side_a_calls_libpri_side_b_cleared_by_us() {
    we_call_libpri(Role::Network, true);
}

#[test]
fn our_side_a_calls_libpri_side_b_cleared_by_libpri() {
    we_call_libpri(Role::Network, false);
}

#[test]
fn our_side_b_calls_libpri_side_a_cleared_by_us() {
    we_call_libpri(Role::User, true);
}

#[test]
fn our_side_b_calls_libpri_side_a_cleared_by_libpri() {
    we_call_libpri(Role::User, false);
}

/// Overlap sending from our end with no digits in the SETUP: in QSIG the SETUP carries an
/// empty called party number IE (ECMA-143 §10); libpri (overlap dialling on) asks for more
/// with SETUP ACKNOWLEDGE, takes the digits from INFORMATION and answers.
fn we_send_overlap_with_no_digits(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = session(role);
    s.command("overlap");
    s.run_until(Duration::from_millis(100), |_| false);
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(2),
        sending_complete: false,
        ..SetupParams::speech("")
    };
    let call = s.pri.setup(now, params).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::SetupAcknowledged { call })
            && s.peer_said("EVENT PRI_EVENT_RING channel=2 called= complete=0")
    });
    assert!(ok, "no SETUP ACKNOWLEDGE:\n{}", s.report());
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.info_digits(now, call, "2001", true))
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Connected { call })
            && s.peer_said("EVENT PRI_EVENT_INFO_RECEIVED called=2001 complete=1")
    });
    assert!(ok, "not connected after the digits:\n{}", s.report());
    clear(&mut s, call, true);
}

#[test]
fn our_side_a_overlap_sends_to_libpri_side_b() {
    we_send_overlap_with_no_digits(Role::Network);
}

#[test]
fn our_side_b_overlap_sends_to_libpri_side_a() {
    we_send_overlap_with_no_digits(Role::User);
}

/// RESTART (Q.931 §5.5, kept by ECMA-143) of one channel and of the interface both ways.
fn restarts(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = session(role);
    let now = s.now();
    s.pri.restart(now, Some(7));
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: Some(7) })
    });
    assert!(ok, "no RESTART ACKNOWLEDGE for channel 7:\n{}", s.report());
    let now = s.now();
    s.pri.restart(now, None);
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: None })
    });
    assert!(
        ok,
        "no RESTART ACKNOWLEDGE for the interface:\n{}",
        s.report()
    );
    s.command("reset");
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: Some(1) })
            && s.peer_said("EVENT PRI_EVENT_RESTART_ACK channel=1")
    });
    assert!(ok, "libpri's RESTART not acknowledged:\n{}", s.report());
    no_status(&s);
}

#[test]
fn restarts_with_libpri_side_b() {
    restarts(Role::Network);
}

#[test]
fn restarts_with_libpri_side_a() {
    restarts(Role::User);
}
