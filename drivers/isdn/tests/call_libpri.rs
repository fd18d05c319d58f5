//! Interop of our Q.931 call control (`isdn::pri::Pri`) with the real libpri 1.6 (Debian
//! libpri-dev), both roles: calls placed by libpri (`pri_setup`, hung up with `pri_hangup`)
//! and calls placed by us (libpri answers with `pri_proceeding` + `pri_answer`) are set up,
//! answered and cleared. The peer is `tests/peers/pri_peer.c` over a `SOCK_SEQPACKET`
//! socketpair, one LAPD frame with its FCS per packet, in real time (a few seconds each).

use std::time::Duration;

use isdn::call::{ChannelRequest, SetupParams};
use isdn::q931::{CauseValue, Role, Variant};

mod libpri;
use libpri::session::Session;

fn session(role: Role) -> Session {
    let mut s = Session::serial(role, Variant::EuroIsdn);
    s.bring_up();
    s
}

fn libpri_calls_us(role: Role) {
    let mut s = session(role);
    s.command("call 4711 5");
    let inc = s.incoming_call();
    assert_eq!(
        (inc.called.as_str(), inc.channel),
        ("4711", Some(5)),
        "{}",
        s.report()
    );
    s.answer(inc.call, "EVENT PRI_EVENT_ANSWER");
    // libpri hangs up after a while: DISCONNECT #16; we answer with RELEASE.
    s.run_until(Duration::from_millis(300), |_| false);
    s.libpri_clears(inc.call);
    s.assert_idle();
}

fn we_call_libpri(role: Role) {
    let mut s = session(role);
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(3),
        ..SetupParams::speech("5678")
    };
    let call = s.call_until_connected(params, "EVENT PRI_EVENT_RING channel=3 called=5678");
    s.run_until(Duration::from_millis(300), |_| false);
    s.we_clear(call, CauseValue::NORMAL_CLEARING);
    assert_eq!(s.released(call), Some(CauseValue::NORMAL_CLEARING));
    s.assert_idle();
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

/// Ours: one channel, then the interface; libpri acknowledges both (Q.931 §5.5). libpri's:
/// `pri_reset(1)`; we clear channel 1 and acknowledge.
fn restarts(role: Role) {
    session(role).restarts_both_ways();
}

#[test]
fn restarts_with_libpri_te() {
    restarts(Role::Network);
}

#[test]
fn restarts_with_libpri_nt() {
    restarts(Role::User);
}
