//! Interop of our Q.931 call control (`isdn::pri::Pri`) with the real libpri 1.6 (Debian
//! libpri-dev), both roles: calls placed by libpri (`pri_setup`, hung up with `pri_hangup`)
//! and calls placed by us (libpri answers with `pri_proceeding` + `pri_answer`) are set up,
//! answered and cleared. The peer is `tests/peers/pri_peer.c` over a `SOCK_SEQPACKET`
//! socketpair, one LAPD frame with its FCS per packet, in real time (a few seconds each).

use std::time::Duration;

use isdn::call::{CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role};

mod libpri;
use libpri::SERIAL;
use libpri::session::{LIMIT, Session};

fn libpri_calls_us(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    s.command("call 4711 5");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. }))
    });
    assert!(ok, "no incoming call:\n{}", s.report());
    let Some(Event::IncomingCall {
        call,
        called,
        channel,
        ..
    }) = s
        .events
        .iter()
        .find(|e| matches!(e, Event::IncomingCall { .. }))
        .cloned()
    else {
        unreachable!()
    };
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
    // libpri hangs up after a while: DISCONNECT #16; we answer with RELEASE.
    s.run_until(Duration::from_millis(300), |_| false);
    s.command("hangup");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { .. }))
    });
    assert!(ok, "no DISCONNECT:\n{}", s.report());
    assert!(s.events.contains(&Event::Disconnected {
        call,
        cause: CauseValue::NORMAL_CLEARING
    }));
    let now = s.now();
    s.pri
        .release(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.released(call).is_some() && s.peer_said("EVENT PRI_EVENT_HANGUP cause=16")
    });
    assert!(ok, "not cleared:\n{}", s.report());
    assert!(s.pri.calls().calls().is_empty() && s.pri.calls().busy_channels().is_empty());
}

fn we_call_libpri(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(3),
        ..SetupParams::speech("5678")
    };
    let call = s.pri.setup(now, params).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Connected { call })
            && s.pri.calls().state(call) == Some(CallState::Active)
            && s.peer_said("EVENT PRI_EVENT_RING channel=3 called=5678")
    });
    assert!(ok, "not connected:\n{}", s.report());
    s.run_until(Duration::from_millis(300), |_| false);
    let now = s.now();
    s.pri
        .disconnect(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.released(call).is_some() && s.peer_said("EVENT PRI_EVENT_HANGUP_REQ cause=16")
    });
    assert!(ok, "not cleared:\n{}", s.report());
    assert_eq!(s.released(call), Some(CauseValue::NORMAL_CLEARING));
    assert!(s.pri.calls().calls().is_empty() && s.pri.calls().busy_channels().is_empty());
}

#[test]
fn libpri_te_calls_our_nt() {
    libpri_calls_us(Role::Network);
}

#[test]
fn libpri_nt_calls_our_te() {
    libpri_calls_us(Role::User);
}

#[test]
fn our_nt_calls_libpri_te() {
    we_call_libpri(Role::Network);
}

#[test]
fn our_te_calls_libpri_nt() {
    we_call_libpri(Role::User);
}

fn restarts(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    // Ours: one channel, then the interface; libpri acknowledges both (Q.931 §5.5).
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
    // libpri's: pri_reset(1); we clear channel 1 and acknowledge.
    s.command("reset");
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: Some(1) })
            && s.peer_said("EVENT PRI_EVENT_RESTART_ACK channel=1")
    });
    assert!(ok, "libpri's RESTART not acknowledged:\n{}", s.report());
}

#[test]
fn restarts_with_libpri_te() {
    restarts(Role::Network);
}

#[test]
fn restarts_with_libpri_nt() {
    restarts(Role::User);
}
