//! T322 (Q.931 §5.8.10): STATUS ENQUIRY sent again when no STATUS (or DISCONNECT,
//! RELEASE, RELEASE COMPLETE) answers it, N322 times, then the call cleared with #41;
//! in simulated time on one `Calls`, and through a `Pair` where the peer answers.

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallId, CallState, Calls, Config, Event, Input, SetupParams};
use isdn::q931::ie::{BearerCapability, CallState as CallStateIe, Cause, ChannelId, Ie, Location};
use isdn::q931::{CallRef, CauseValue, Message, MessageType as T, Role};
use tdm::Instant;

const S: Duration = Duration::from_secs(1);

fn drain(c: &mut Calls) -> Vec<Message> {
    std::iter::from_fn(|| c.poll_transmit())
        .map(|b| Message::parse(&b).unwrap())
        .collect()
}

/// A user-side call control with an active incoming call (call reference 5 from the NT).
fn active_user() -> (Calls, CallId, CallRef) {
    let t = Instant::ZERO;
    let mut cc = Calls::new(Config::new(Role::User));
    cc.handle_input(t, Input::LinkUp);
    let cr = CallRef::pri(5, false);
    let setup = Message::new(cr, T::Setup)
        .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
        .with(Ie::ChannelId(ChannelId::pri_channel(2, true)));
    cc.handle_input(t, Input::Data(setup.to_vec().unwrap()));
    let Some(Event::IncomingCall { call, .. }) = cc.poll_event() else {
        panic!()
    };
    cc.connect(t, call).unwrap();
    cc.handle_input(
        t,
        Input::Data(Message::new(cr, T::ConnectAck).to_vec().unwrap()),
    );
    drain(&mut cc);
    while cc.poll_event().is_some() {}
    assert_eq!(cc.state(call), Some(CallState::Active));
    assert_eq!(cc.poll_timeout(), None);
    (cc, call, cr)
}

fn kinds(v: &[Message]) -> Vec<T> {
    v.iter().map(|m| m.kind).collect()
}

#[test]
fn unanswered_enquiry_is_repeated_then_the_call_cleared_with_41() {
    let (mut cc, call, _) = active_user();
    let t0 = Instant::ZERO + Duration::from_secs(10);
    cc.status_enquiry(t0, call).unwrap();
    assert_eq!(kinds(&drain(&mut cc)), [T::StatusEnquiry]);
    // A second request while T322 runs sends nothing more.
    cc.status_enquiry(t0 + S, call).unwrap();
    assert!(drain(&mut cc).is_empty());
    // N322 = 2 retransmissions, T322 = 4 s apart.
    for i in 1..=2u32 {
        let due = t0 + 4 * i * S;
        assert_eq!(cc.poll_timeout(), Some(due));
        cc.handle_timeout(t0 + (4 * i * S - Duration::from_millis(1)));
        assert!(drain(&mut cc).is_empty());
        cc.handle_timeout(due);
        assert_eq!(kinds(&drain(&mut cc)), [T::StatusEnquiry], "retry {i}");
        assert_eq!(cc.state(call), Some(CallState::Active));
    }
    let due = t0 + 12 * S;
    assert_eq!(cc.poll_timeout(), Some(due));
    cc.handle_timeout(due);
    let out = drain(&mut cc);
    assert_eq!(kinds(&out), [T::Disconnect]);
    assert_eq!(out[0].cause().unwrap().value, CauseValue::TEMPORARY_FAILURE);
    assert_eq!(
        cc.poll_event(),
        Some(Event::Disconnected {
            call,
            cause: CauseValue::TEMPORARY_FAILURE
        })
    );
    assert_eq!(cc.state(call), Some(CallState::DisconnectRequest));
}

#[test]
fn status_stops_t322() {
    let (mut cc, call, cr) = active_user();
    let t0 = Instant::ZERO + S;
    cc.status_enquiry(t0, call).unwrap();
    drain(&mut cc);
    let status = Message::new(cr, T::Status)
        .with(Ie::Cause(Cause::new(
            Location::PublicLocal,
            CauseValue::RESPONSE_TO_STATUS_ENQUIRY,
        )))
        .with(Ie::CallState(CallStateIe {
            coding_standard: 0,
            state: 10, // active
        }));
    cc.handle_input(t0 + S, Input::Data(status.to_vec().unwrap()));
    assert_eq!(cc.poll_timeout(), None);
    cc.handle_timeout(t0 + 60 * S);
    assert!(drain(&mut cc).is_empty());
    assert_eq!(cc.state(call), Some(CallState::Active));
    // T322 can be started again afterwards.
    cc.status_enquiry(t0 + 61 * S, call).unwrap();
    assert_eq!(kinds(&drain(&mut cc)), [T::StatusEnquiry]);
}

#[test]
fn disconnect_stops_t322() {
    let (mut cc, call, cr) = active_user();
    let t0 = Instant::ZERO + S;
    cc.status_enquiry(t0, call).unwrap();
    drain(&mut cc);
    let disc = Message::new(cr, T::Disconnect).with(Ie::Cause(Cause::new(
        Location::PublicLocal,
        CauseValue::NORMAL_CLEARING,
    )));
    cc.handle_input(t0 + S, Input::Data(disc.to_vec().unwrap()));
    // Only the user's own clearing is left to do: no T322 deadline.
    assert_eq!(cc.poll_timeout(), None);
    cc.handle_timeout(t0 + 60 * S);
    assert!(drain(&mut cc).is_empty());
}

#[test]
fn enquiry_answered_by_our_peer_is_not_repeated() {
    let mut p = Pair::new(9);
    p.up();
    let c = p.te.setup(p.now, SetupParams::speech("1")).unwrap();
    p.run_for(S / 10);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.connect(p.now, n).unwrap();
    p.run_for(S / 10);
    p.te.with_calls(p.now, |cc, t| cc.status_enquiry(t, c))
        .unwrap();
    p.run_for(20 * S);
    let se = p
        .sent(Side::Te)
        .iter()
        .filter(|k| **k == T::StatusEnquiry)
        .count();
    assert_eq!(se, 1, "{:?}", p.sent(Side::Te));
    assert!(p.sent(Side::Nt).contains(&T::Status));
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
}
