//! QSIG basic call (ECMA-143) of our call control (`Config::variant = Variant::Qsig`)
//! against the real libpri 1.6 with `PRI_SWITCH_QSIG`, in both roles (our side A =
//! `Role::Network` against libpri's `PRI_CPE` end, our side B = `Role::User` against
//! libpri's `PRI_NETWORK` end): layer 2 up, calls placed by libpri and by us set up,
//! answered, and cleared from either side with a cause; no STATUS (no §5.8 complaint)
//! from either end; overlap sending from a SETUP with no digits; RESTART both ways. The peer is `tests/peers/pri_peer.c` started with `qsig`, over a
//! `SOCK_SEQPACKET` socketpair in real time.

use std::time::Duration;

use isdn::call::{CallId, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role, Variant};

mod libpri;
use libpri::session::Session;

fn session(role: Role) -> Session {
    let mut s = Session::serial(role, Variant::Qsig);
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
        // pri_peer answers DISCONNECT with pri_hangup(16): RELEASE #16.
        s.we_clear(call, CauseValue::USER_BUSY);
    } else {
        s.libpri_clears(call);
    }
    s.assert_idle();
    no_status(s);
}

fn libpri_calls_us(role: Role, we_clear: bool) {
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
    clear(&mut s, inc.call, we_clear);
}

fn we_call_libpri(role: Role, we_clear: bool) {
    let mut s = session(role);
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(3),
        calling: Some("1001".into()),
        ..SetupParams::speech("5678")
    };
    let call = s.call_until_connected(params, "EVENT PRI_EVENT_RING channel=3 called=5678");
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
    let mut s = session(role);
    s.command("overlap");
    s.run_until(Duration::from_millis(100), |_| false);
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(2),
        sending_complete: false,
        ..SetupParams::speech("")
    };
    let call = s.call_until_setup_ack(params, "EVENT PRI_EVENT_RING channel=2 called= complete=0");
    let now = s.now();
    s.pri
        .with_calls(now, |cc, now| cc.info_digits(now, call, "2001", true))
        .unwrap();
    s.expect("not connected after the digits", |s| {
        s.events.contains(&Event::Connected { call })
            && s.peer_said("EVENT PRI_EVENT_INFO_RECEIVED called=2001 complete=1")
    });
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
    let mut s = session(role);
    s.restarts_both_ways();
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
