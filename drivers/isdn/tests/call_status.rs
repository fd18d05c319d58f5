//! STATUS ENQUIRY / STATUS (Q.931 §5.8.10, §5.8.11) and the §5.8 error procedures as call
//! control applies them (through `isdn::q931::validate`).

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallId, CallState, Calls, Config, Event, Input, SetupParams};
use isdn::q931::ie::{BearerCapability, CallState as CallStateIe, Cause, ChannelId, Ie, Location};
use isdn::q931::{CallRef, CauseValue, Message, MessageType as T, Role};
use tdm::Instant;

const MS: Duration = Duration::from_millis(50);

fn drain(c: &mut Calls) -> Vec<Message> {
    std::iter::from_fn(|| c.poll_transmit())
        .map(|b| Message::parse(&b).unwrap())
        .collect()
}

fn call_state(m: &Message) -> u8 {
    m.find(|ie| match ie {
        Ie::CallState(s) => Some(s.state),
        _ => None,
    })
    .unwrap()
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
    (cc, call, cr)
}

fn status(cr: CallRef, state: u8) -> Vec<u8> {
    Message::new(cr, T::Status)
        .with(Ie::Cause(Cause::new(
            Location::PublicLocal,
            CauseValue::RESPONSE_TO_STATUS_ENQUIRY,
        )))
        .with(Ie::CallState(CallStateIe {
            coding_standard: 0,
            state,
        }))
        .to_vec()
        .unwrap()
}

#[test]
fn status_enquiry_answered_with_the_call_state() {
    let mut p = Pair::new(50);
    p.up();
    let c = p.te.setup(p.now, SetupParams::speech("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.alerting(p.now, n).unwrap();
    p.run_for(MS);
    p.te.with_calls(p.now, |cc, t| cc.status_enquiry(t, c))
        .unwrap();
    p.run_for(MS);
    let st = &p.q931.last().unwrap();
    assert_eq!((st.1, st.2.kind), (Side::Nt, T::Status));
    assert_eq!(
        st.2.cause().unwrap().value,
        CauseValue::RESPONSE_TO_STATUS_ENQUIRY
    );
    assert_eq!(call_state(&st.2), 4); // N4 call delivered
    // Compatible: nothing happens.
    assert_eq!(p.te.calls().state(c), Some(CallState::CallDelivered));
}

#[test]
fn status_incompatible_state_clears_with_101() {
    let (mut cc, call, cr) = active_user();
    cc.handle_input(Instant::ZERO, Input::Data(status(cr, 1)));
    let out = drain(&mut cc);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, T::Release);
    assert_eq!(
        out[0].cause().unwrap().value,
        CauseValue::MESSAGE_NOT_COMPATIBLE_WITH_STATE
    );
    assert_eq!(cc.state(call), Some(CallState::ReleaseRequest));
}

#[test]
fn status_null_releases_locally() {
    let (mut cc, call, cr) = active_user();
    cc.handle_input(Instant::ZERO, Input::Data(status(cr, 0)));
    assert!(drain(&mut cc).is_empty());
    assert_eq!(cc.state(call), None);
    assert!(cc.busy_channels().is_empty());
}

#[test]
fn status_compatible_is_ignored() {
    let (mut cc, call, cr) = active_user();
    cc.handle_input(Instant::ZERO, Input::Data(status(cr, 10)));
    assert!(drain(&mut cc).is_empty());
    assert_eq!(cc.state(call), Some(CallState::Active));
}

#[test]
fn message_not_compatible_with_state_gets_status_101() {
    let (mut cc, call, cr) = active_user();
    cc.handle_input(
        Instant::ZERO,
        Input::Data(Message::new(cr, T::Alerting).to_vec().unwrap()),
    );
    let out = drain(&mut cc);
    assert_eq!(out[0].kind, T::Status);
    assert_eq!(
        out[0].cause().unwrap().value,
        CauseValue::MESSAGE_NOT_COMPATIBLE_WITH_STATE
    );
    assert_eq!(call_state(&out[0]), 10);
    assert_eq!(cc.state(call), Some(CallState::Active));
}

#[test]
fn error_procedures_of_5_8() {
    let (mut cc, call, cr) = active_user();
    let t = Instant::ZERO;
    // §5.8.3.2 a: unknown call reference: RELEASE COMPLETE #81.
    cc.handle_input(
        t,
        Input::Data(
            Message::new(CallRef::pri(99, false), T::Alerting)
                .to_vec()
                .unwrap(),
        ),
    );
    let out = drain(&mut cc);
    assert_eq!(
        (out[0].kind, out[0].cause().unwrap().value),
        (T::ReleaseComplete, CauseValue::INVALID_CALL_REFERENCE)
    );
    assert_eq!(out[0].call_ref, CallRef::pri(99, true));
    // §5.8.3.2 e: STATUS ENQUIRY for an unknown call: STATUS, Null.
    cc.handle_input(
        t,
        Input::Data(
            Message::new(CallRef::pri(98, false), T::StatusEnquiry)
                .to_vec()
                .unwrap(),
        ),
    );
    let out = drain(&mut cc);
    assert_eq!(out[0].kind, T::Status);
    assert_eq!(call_state(&out[0]), 0);
    // §5.8.6.1: SETUP without bearer capability: RELEASE COMPLETE #96, no call.
    let bad = Message::new(CallRef::pri(97, false), T::Setup)
        .with(Ie::ChannelId(ChannelId::pri_channel(3, true)));
    cc.handle_input(t, Input::Data(bad.to_vec().unwrap()));
    let out = drain(&mut cc);
    assert_eq!(
        (out[0].kind, out[0].cause().unwrap().value),
        (T::ReleaseComplete, CauseValue::MANDATORY_IE_MISSING)
    );
    assert_eq!(cc.calls(), [call]);
    // §5.8.4: unknown message type on the call: STATUS #97 with our state.
    cc.handle_input(
        t,
        Input::Data(Message::new(cr, T::Other(0x33)).to_vec().unwrap()),
    );
    let out = drain(&mut cc);
    assert_eq!(
        (out[0].kind, out[0].cause().unwrap().value),
        (T::Status, CauseValue::MESSAGE_TYPE_NON_EXISTENT)
    );
    assert_eq!(call_state(&out[0]), 10);
    // §5.8.6.1: DISCONNECT without cause: processed, RELEASE #96.
    cc.handle_input(
        t,
        Input::Data(Message::new(cr, T::Disconnect).to_vec().unwrap()),
    );
    let out = drain(&mut cc);
    assert_eq!(
        (out[0].kind, out[0].cause().unwrap().value),
        (T::Release, CauseValue::MANDATORY_IE_MISSING)
    );
    assert_eq!(cc.state(call), Some(CallState::ReleaseRequest));
    assert!(std::iter::from_fn(|| cc.poll_event()).any(|e| e
        == Event::Disconnected {
            call,
            cause: CauseValue::NORMAL_UNSPECIFIED
        }));
    // §5.8.1-§5.8.3.1: garbage is ignored.
    for junk in [
        &[][..],
        &[0x08],
        &[0x09, 0x02, 0, 5, 1],
        &[0x08, 0x0F, 1, 2, 3],
    ] {
        cc.handle_input(t, Input::Data(junk.to_vec()));
    }
    assert!(drain(&mut cc).is_empty());
    // SETUP with a call reference flag of 1 (§5.8.3.2 f): ignored.
    let f = Message::new(CallRef::pri(96, true), T::Setup)
        .with(Ie::BearerCapability(BearerCapability::speech_alaw()));
    cc.handle_input(t, Input::Data(f.to_vec().unwrap()));
    assert!(drain(&mut cc).is_empty());
}
