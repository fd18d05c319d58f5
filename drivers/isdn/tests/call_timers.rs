//! Call-control timers in simulated time (Q.931 §9, EN 300 403-1 §9): T303, T305, T308,
//! T309, T310, T313, T301, against our NT (`Pair`) or a scripted peer (`Calls` alone).

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallState, Calls, Config, Event, Input, SetupParams};
use isdn::q921::State;
use isdn::q931::ie::{BearerCapability, ChannelId, Ie};
use isdn::q931::{CallRef, CauseValue, Message, MessageType as T, Role};
use tdm::Instant;

const MS: Duration = Duration::from_millis(50);

fn s(n: u64) -> Instant {
    Instant::from_millis(n * 1000)
}

fn drain(c: &mut Calls) -> Vec<Message> {
    std::iter::from_fn(|| c.poll_transmit())
        .map(|b| Message::parse(&b).unwrap())
        .collect()
}

fn events(c: &mut Calls) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn kinds(v: &[Message]) -> Vec<T> {
    v.iter().map(|m| m.kind).collect()
}

fn cause(m: &Message) -> CauseValue {
    m.cause().unwrap().value
}

#[test]
fn t303_setup_sent_twice_then_release_complete_102() {
    // Pair: the NT's user never answers, so the TE's T303 runs out.
    let mut p = Pair::new(10);
    p.up();
    let t0 = p.now;
    let c = p.te.setup(t0, SetupParams::speech("1")).unwrap();
    p.run_for(Duration::from_millis(3900));
    assert_eq!(p.sent(Side::Te), [T::Setup]);
    p.run_for(Duration::from_millis(200));
    // First expiry at 4 s: SETUP again (the NT ignores it: call reference in use, §5.8.3.2 g).
    assert_eq!(p.sent(Side::Te), [T::Setup, T::Setup]);
    assert_eq!(p.te.calls().state(c), Some(CallState::CallInitiated));
    p.run_for(Duration::from_secs(4));
    assert_eq!(p.sent(Side::Te), [T::Setup, T::Setup, T::ReleaseComplete]);
    let rc = &p.q931.last().unwrap().2;
    assert_eq!(cause(rc), CauseValue::RECOVERY_ON_TIMER_EXPIRY);
    assert_eq!(
        p.released(Side::Te, c),
        Some(CauseValue::RECOVERY_ON_TIMER_EXPIRY)
    );
    let n = p.incoming(Side::Nt).unwrap();
    assert_eq!(
        p.released(Side::Nt, n),
        Some(CauseValue::RECOVERY_ON_TIMER_EXPIRY)
    );
    assert!(p.nt.calls().busy_channels().is_empty() && p.te.calls().busy_channels().is_empty());
    let t_rc = p.q931.last().unwrap().0;
    assert!(t_rc >= t0 + Duration::from_secs(8) && t_rc < t0 + Duration::from_millis(8100));
}

#[test]
fn t310_call_proceeding_without_progress_disconnect_102() {
    let mut p = Pair::new(11);
    p.up();
    let c = p.te.setup(p.now, SetupParams::speech("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.proceeding(p.now, n).unwrap();
    p.run_for(Duration::from_secs(29));
    assert_eq!(
        p.te.calls().state(c),
        Some(CallState::OutgoingCallProceeding)
    );
    p.run_for(Duration::from_secs(2));
    assert_eq!(p.te.calls().state(c), Some(CallState::DisconnectRequest));
    assert!(p.nt_events.contains(&Event::Disconnected {
        call: n,
        cause: CauseValue::RECOVERY_ON_TIMER_EXPIRY
    }));
    p.nt.release(p.now, n, CauseValue::NORMAL_CLEARING).unwrap();
    p.run_for(MS);
    assert!(p.te.calls().calls().is_empty() && p.nt.calls().calls().is_empty());
}

#[test]
fn t305_disconnect_unanswered_release_with_its_cause() {
    let mut p = Pair::new(12);
    p.up();
    let c = p.te.setup(p.now, SetupParams::speech("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.connect(p.now, n).unwrap();
    p.run_for(MS);
    p.te.disconnect(p.now, c, CauseValue::USER_BUSY).unwrap();
    // The NT's user never answers the DISCONNECT.
    p.run_for(Duration::from_millis(29_900));
    assert_eq!(p.te.calls().state(c), Some(CallState::DisconnectRequest));
    p.run_for(Duration::from_millis(200));
    let rel = p
        .q931
        .iter()
        .rev()
        .find(|x| x.1 == Side::Te && x.2.kind == T::Release)
        .expect("RELEASE at T305");
    assert_eq!(cause(&rel.2), CauseValue::USER_BUSY);
    p.run_for(MS);
    assert_eq!(p.released(Side::Te, c), Some(CauseValue::USER_BUSY));
    assert!(p.released(Side::Nt, n).is_some());
}

#[test]
fn t308_release_sent_twice_then_null() {
    let mut cc = Calls::new(Config::new(Role::User));
    cc.handle_input(s(0), Input::LinkUp);
    let c = cc.setup(s(0), SetupParams::speech("1")).unwrap();
    let setup = drain(&mut cc).remove(0);
    let reply = setup.call_ref.reply();
    let cp =
        Message::new(reply, T::CallProceeding).with(Ie::ChannelId(ChannelId::pri_channel(1, true)));
    cc.handle_input(s(1), Input::Data(cp.to_vec().unwrap()));
    cc.release(s(2), c, CauseValue::NORMAL_CLEARING).unwrap();
    assert_eq!(kinds(&drain(&mut cc)), [T::Release]);
    assert_eq!(cc.poll_timeout(), Some(s(6)));
    cc.handle_timeout(s(6));
    assert_eq!(kinds(&drain(&mut cc)), [T::Release]);
    assert_eq!(cc.state(c), Some(CallState::ReleaseRequest));
    cc.handle_timeout(s(10));
    assert!(drain(&mut cc).is_empty());
    assert_eq!(cc.state(c), None);
    assert!(cc.busy_channels().is_empty());
    assert!(events(&mut cc).contains(&Event::Released {
        call: c,
        cause: CauseValue::RECOVERY_ON_TIMER_EXPIRY
    }));
}

#[test]
fn t313_connect_unacknowledged_disconnect_102() {
    let mut cc = Calls::new(Config::new(Role::User));
    cc.handle_input(s(0), Input::LinkUp);
    let setup = Message::new(CallRef::pri(77, false), T::Setup)
        .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
        .with(Ie::ChannelId(ChannelId::pri_channel(9, true)));
    cc.handle_input(s(0), Input::Data(setup.to_vec().unwrap()));
    let Some(Event::IncomingCall {
        call,
        channel: Some(9),
        ..
    }) = cc.poll_event()
    else {
        panic!("no IncomingCall");
    };
    cc.connect(s(1), call).unwrap();
    let out = drain(&mut cc);
    assert_eq!(kinds(&out), [T::Connect]);
    assert_eq!(out[0].call_ref, CallRef::pri(77, true));
    cc.handle_timeout(s(4));
    assert!(drain(&mut cc).is_empty());
    cc.handle_timeout(s(5));
    let out = drain(&mut cc);
    assert_eq!(kinds(&out), [T::Disconnect]);
    assert_eq!(cause(&out[0]), CauseValue::RECOVERY_ON_TIMER_EXPIRY);
    assert_eq!(cc.state(call), Some(CallState::DisconnectRequest));
}

#[test]
fn t301_alerting_without_answer() {
    let mut cc = Calls::new(Config::new(Role::Network));
    let c = cc.setup(s(0), SetupParams::speech("1")).unwrap();
    let setup = drain(&mut cc).remove(0);
    let al = Message::new(setup.call_ref.reply(), T::Alerting);
    cc.handle_input(s(1), Input::Data(al.to_vec().unwrap()));
    assert_eq!(cc.state(c), Some(CallState::CallReceived)); // N7
    cc.handle_timeout(s(181));
    let out = drain(&mut cc);
    assert_eq!(kinds(&out), [T::Disconnect]);
    assert_eq!(cc.state(c), Some(CallState::DisconnectIndication)); // N12
}

fn active_call(p: &mut Pair) -> (isdn::call::CallId, isdn::call::CallId) {
    let c = p.te.setup(p.now, SetupParams::speech("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.connect(p.now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    (c, n)
}

#[test]
fn t309_active_call_survives_a_short_link_failure() {
    let mut p = Pair::new(13);
    p.up();
    let (c, n) = active_call(&mut p);
    p.impair_to_nt.cut = true;
    p.impair_to_te.cut = true;
    // T203, then N200 tries in timer recovery, then N200 SABMEs: DL-RELEASE at ~18 s.
    let down = p.run_until_cond(Duration::from_secs(30), |p| {
        p.nt.link().state() == State::TeiAssigned && p.te.link().state() == State::TeiAssigned
    });
    assert!(down, "link failure not detected");
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    assert_eq!(p.nt.calls().state(n), Some(CallState::Active));
    let before = p.q931.len();
    p.impair_to_nt.cut = false;
    p.impair_to_te.cut = false;
    let up = p.run_until_cond(Duration::from_secs(5), |p| {
        p.nt.link().is_established() && p.te.link().is_established()
    });
    assert!(up);
    p.run_for(Duration::from_secs(1));
    // Q.921 re-established: STATUS ENQUIRY, answered by STATUS (Active); the call lives on.
    let after: Vec<T> = p.q931[before..].iter().map(|x| x.2.kind).collect();
    assert!(
        after.contains(&T::StatusEnquiry) && after.contains(&T::Status),
        "{after:?}"
    );
    p.run_for(Duration::from_secs(10));
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    assert_eq!(p.nt.calls().state(n), Some(CallState::Active));
}

#[test]
fn t309_expiry_clears_the_call_27() {
    let mut p = Pair::new(14);
    p.up();
    let (c, n) = active_call(&mut p);
    p.impair_to_nt.cut = true;
    p.impair_to_te.cut = true;
    p.run_for(Duration::from_secs(40));
    assert_eq!(
        p.released(Side::Te, c),
        Some(CauseValue::DESTINATION_OUT_OF_ORDER)
    );
    assert_eq!(
        p.released(Side::Nt, n),
        Some(CauseValue::DESTINATION_OUT_OF_ORDER)
    );
    assert!(p.nt.calls().busy_channels().is_empty() && p.te.calls().busy_channels().is_empty());
}

#[test]
fn link_failure_clears_calls_being_set_up_41() {
    let mut p = Pair::new(15);
    p.up();
    let c = p.te.setup(p.now, SetupParams::speech("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.proceeding(p.now, n).unwrap();
    p.run_for(MS);
    p.impair_to_nt.cut = true;
    p.impair_to_te.cut = true;
    p.run_for(Duration::from_secs(25));
    assert_eq!(p.released(Side::Te, c), Some(CauseValue::TEMPORARY_FAILURE));
    assert_eq!(p.released(Side::Nt, n), Some(CauseValue::TEMPORARY_FAILURE));
}
