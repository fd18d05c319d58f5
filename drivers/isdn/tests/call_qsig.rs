//! QSIG basic call (ECMA-143 / ISO/IEC 11572) through the same call control as EuroISDN,
//! selected with `call::Config::variant = Variant::Qsig`: our `Pri` against our `Pri` in
//! simulated time (the generic `sim_pair`), and one `Calls` fed raw SETUPs for what
//! ECMA-143 changes in the §5.8 checks.
//!
//! The two PINX ends (ECMA-143 side A and side B) are mapped onto Q.931's roles: side A
//! on `Role::Network`, side B on `Role::User`. What the variant changes, asserted here:
//! - channel identification and called party number are mandatory in a received SETUP in
//!   both directions (ECMA-143 §10; EuroISDN needs channel identification only towards
//!   the user and no called number);
//! - an overlap SETUP carries a called party number IE with no digits;
//! - the codeset-5 transit counter and party category IEs are recognised, other codeset-5
//!   IEs are reported with STATUS #99 (EuroISDN ignores codeset 5 silently).

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallState, Calls, Config, Event, Input, SetupParams};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::ie::{BearerCapability, ChannelId, Ie, PartyNumber};
use isdn::q931::{CallRef, CauseValue, Message, MessageType as T, Role, Variant};
use tdm::Instant;

const MS: Duration = Duration::from_millis(50);

fn config(role: Role, variant: Variant) -> Config {
    let mut c = Config::new(role);
    c.variant = variant;
    c
}

/// Side A on the network role, side B on the user role, both QSIG.
fn qsig_pair(seed: u64) -> Pair {
    let a = Pri::with_config(
        Role::Network,
        q921::Config::default(),
        config(Role::Network, Variant::Qsig),
    );
    let b = Pri::with_config(
        Role::User,
        q921::Config::default(),
        config(Role::User, Variant::Qsig),
    );
    let mut p = Pair::with(seed, a, b);
    p.up();
    p
}

fn setup_of(p: &Pair, from: Side) -> Message {
    p.q931
        .iter()
        .find(|x| x.1 == from && x.2.kind == T::Setup)
        .map(|x| x.2.clone())
        .expect("a SETUP")
}

fn cid_channel(c: &ChannelId) -> Option<u8> {
    match &c.channels {
        Some(isdn::q931::ie::ChannelList::Numbers(v)) => v.first().copied(),
        _ => None,
    }
}

fn cause_of(m: &Message) -> Option<CauseValue> {
    m.find(|ie| match ie {
        Ie::Cause(c) => Some(c.value),
        _ => None,
    })
}

/// One call from `caller` answered by the other side and cleared by `clearer` with
/// `cause`; asserts the states on both ends, the messages on the line and the causes.
fn call_answered_and_cleared(seed: u64, caller: Side, clearer: Side, cause: CauseValue) {
    let callee = if caller == Side::Nt {
        Side::Te
    } else {
        Side::Nt
    };
    let mut p = qsig_pair(seed);
    let now = p.now;
    let mut params = SetupParams::speech("2001");
    params.calling = Some("1001".into());
    let c = p.pri(caller).setup(now, params).unwrap();
    p.run_for(MS);
    let n = p.incoming(callee).expect("IncomingCall at the callee");
    assert!(
        p.events(callee).iter().any(|e| matches!(e,
            Event::IncomingCall { called, calling: Some(from), channel: Some(_), sending_complete: true, .. }
                if called == "2001" && from == "1001")),
        "{:?}",
        p.events(callee)
    );
    // ECMA-143 §10: channel identification and called number in SETUP, whichever side
    // sends it; side A offers exclusive, side B preferred (as network / user do).
    let setup = setup_of(&p, caller);
    let cid = setup
        .find(|ie| match ie {
            Ie::ChannelId(c) => Some(c.clone()),
            _ => None,
        })
        .expect("channel identification in SETUP");
    assert_eq!(cid.exclusive, caller == Side::Nt);
    assert!(
        setup
            .find(|ie| matches!(ie, Ie::CalledNumber(_)).then_some(()))
            .is_some()
    );

    let now = p.now;
    p.pri(callee).alerting(now, n).unwrap();
    p.run_for(MS);
    // U4 call delivered on side B; on side A the network numbering, N7 call received.
    let alerted = if caller == Side::Te {
        CallState::CallDelivered
    } else {
        CallState::CallReceived
    };
    assert_eq!(p.pri(caller).calls().state(c), Some(alerted));
    let now = p.now;
    p.pri(callee).connect(now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.pri(caller).calls().state(c), Some(CallState::Active));
    assert_eq!(p.pri(callee).calls().state(n), Some(CallState::Active));
    assert!(p.events(caller).contains(&Event::Connected { call: c }));
    // Both ends agree on the B-channel the SETUP named.
    let ch = p.pri(caller).calls().channel(c);
    assert!(ch.is_some());
    assert_eq!(p.pri(callee).calls().channel(n), ch);
    assert_eq!(cid_channel(&cid), ch);

    let (mine, theirs) = if clearer == caller { (c, n) } else { (n, c) };
    let other = if clearer == Side::Nt {
        Side::Te
    } else {
        Side::Nt
    };
    let now = p.now;
    p.pri(clearer).disconnect(now, mine, cause).unwrap();
    p.run_for(MS);
    assert!(
        p.events(other).contains(&Event::Disconnected {
            call: theirs,
            cause
        }),
        "{:?}",
        p.events(other)
    );
    let now = p.now;
    p.pri(other).release(now, theirs, cause).unwrap();
    p.run_for(MS);
    assert_eq!(p.released(clearer, mine), Some(cause));
    assert_eq!(p.released(other, theirs), Some(cause));
    assert!(p.nt.calls().calls().is_empty() && p.te.calls().calls().is_empty());
    assert!(p.nt.calls().busy_channels().is_empty() && p.te.calls().busy_channels().is_empty());
    assert_eq!(p.sent(caller), expected_caller(caller == clearer));
    // No §5.8 complaint either way.
    assert!(!p.sent(Side::Nt).contains(&T::Status) && !p.sent(Side::Te).contains(&T::Status));
}

fn expected_caller(caller_clears: bool) -> Vec<T> {
    if caller_clears {
        vec![T::Setup, T::ConnectAck, T::Disconnect, T::ReleaseComplete]
    } else {
        vec![T::Setup, T::ConnectAck, T::Release]
    }
}

#[test]
fn side_a_calls_side_b_answered_and_cleared_by_the_caller() {
    call_answered_and_cleared(1, Side::Nt, Side::Nt, CauseValue::NORMAL_CLEARING);
}

#[test]
fn side_a_calls_side_b_answered_and_cleared_by_the_callee() {
    call_answered_and_cleared(2, Side::Nt, Side::Te, CauseValue::USER_BUSY);
}

#[test]
fn side_b_calls_side_a_answered_and_cleared_by_the_caller() {
    call_answered_and_cleared(3, Side::Te, Side::Te, CauseValue::NORMAL_CLEARING);
}

#[test]
fn side_b_calls_side_a_answered_and_cleared_by_the_callee() {
    call_answered_and_cleared(4, Side::Te, Side::Nt, CauseValue::CALL_REJECTED);
}

#[test]
fn overlap_setup_carries_an_empty_called_number_and_is_accepted() {
    let mut p = qsig_pair(5);
    let now = p.now;
    let mut params = SetupParams::speech("");
    params.sending_complete = false;
    let c = p.te.setup(now, params).unwrap();
    p.run_for(MS);
    let setup = setup_of(&p, Side::Te);
    let called = setup
        .find(|ie| match ie {
            Ie::CalledNumber(n) => Some(n.digits.clone()),
            _ => None,
        })
        .expect("QSIG SETUP carries the called party number IE");
    assert_eq!(called, "");
    let n = p.incoming(Side::Nt).expect("IncomingCall");
    assert!(p.events(Side::Nt).iter().any(|e| matches!(e,
        Event::IncomingCall { called, sending_complete: false, .. } if called.is_empty())));
    let now = p.now;
    p.nt.with_calls(now, |cc, t| cc.setup_ack(t, n)).unwrap();
    p.run_for(MS);
    assert!(p.te_events.contains(&Event::SetupAcknowledged { call: c }));
    let now = p.now;
    p.te.with_calls(now, |cc, t| cc.info_digits(t, c, "2001", true))
        .unwrap();
    p.run_for(MS);
    assert!(
        !p.sent(Side::Nt).contains(&T::Status) && !p.sent(Side::Nt).contains(&T::ReleaseComplete)
    );
    let now = p.now;
    p.nt.connect(now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));

    // The same overlap SETUP in EuroISDN leaves the IE out.
    let mut e = Pair::new(6);
    e.up();
    let now = e.now;
    let mut params = SetupParams::speech("");
    params.sending_complete = false;
    e.te.setup(now, params).unwrap();
    e.run_for(MS);
    let s = setup_of(&e, Side::Te);
    assert!(
        s.find(|ie| matches!(ie, Ie::CalledNumber(_)).then_some(()))
            .is_none()
    );
}

// ---- one `Calls` fed raw SETUPs -------------------------------------------------------

fn drain(c: &mut Calls) -> Vec<Message> {
    std::iter::from_fn(|| c.poll_transmit())
        .map(|b| Message::parse(&b).unwrap())
        .collect()
}

/// Feeds `setup` (call reference 7 from the peer) to a `Calls` of `role`/`variant`;
/// returns whether an IncomingCall came out and what was sent back.
fn receive_setup(role: Role, variant: Variant, setup: Message) -> (bool, Vec<Message>) {
    let t = Instant::ZERO;
    let mut cc = Calls::new(config(role, variant));
    cc.handle_input(t, Input::LinkUp);
    cc.handle_input(t, Input::Data(setup.to_vec().unwrap()));
    let incoming =
        std::iter::from_fn(|| cc.poll_event()).any(|e| matches!(e, Event::IncomingCall { .. }));
    (incoming, drain(&mut cc))
}

fn base_setup() -> Message {
    Message::new(CallRef::pri(7, false), T::Setup)
        .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
        .with(Ie::ChannelId(ChannelId::pri_channel(3, true)))
        .with(Ie::CalledNumber(PartyNumber::new(
            isdn::q931::ie::TypeOfNumber::Unknown,
            isdn::q931::ie::NumberingPlan::Isdn,
            "2001",
        )))
}

/// `setup` with a locking shift to codeset 5 and `ies` (identifier, contents) after it.
fn with_codeset5(setup: Message, ies: &[(u8, &[u8])]) -> Message {
    let mut m = setup.with(Ie::Shift {
        locking: true,
        codeset: 5,
    });
    for (id, data) in ies {
        m = m.with(Ie::Other {
            id: *id,
            data: data.to_vec(),
        });
    }
    m
}

#[test]
fn transit_counter_and_party_category_are_accepted_in_codeset_5() {
    use isdn::q931::ie::id;
    // Transit counter 1 (ECMA-143 §11.3.3), party category "extension" (§11.3.2).
    let setup = with_codeset5(
        base_setup(),
        &[
            (id::QSIG_TRANSIT_COUNTER, &[0x81]),
            (id::QSIG_PARTY_CATEGORY, &[0x81]),
        ],
    );
    for role in [Role::Network, Role::User] {
        let (incoming, sent) = receive_setup(role, Variant::Qsig, setup.clone());
        assert!(incoming, "{role:?}");
        assert!(sent.is_empty(), "{role:?}: {sent:?}");
    }
}

#[test]
fn other_codeset_5_ies_are_reported_in_qsig_only() {
    let setup = with_codeset5(base_setup(), &[(0x33, &[0x01])]);
    let (incoming, sent) = receive_setup(Role::User, Variant::Qsig, setup.clone());
    assert!(incoming);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].kind, T::Status);
    assert_eq!(cause_of(&sent[0]), Some(CauseValue::IE_NON_EXISTENT));
    // EuroISDN: national codeset-5 IEs are ignored without a STATUS.
    let (incoming, sent) = receive_setup(Role::User, Variant::EuroIsdn, setup);
    assert!(incoming);
    assert!(sent.is_empty(), "{sent:?}");
}

#[test]
fn setup_without_called_number_is_refused_in_qsig_only() {
    let mut setup = base_setup();
    setup.ies.retain(|ie| !matches!(ie, Ie::CalledNumber(_)));
    for role in [Role::Network, Role::User] {
        let (incoming, sent) = receive_setup(role, Variant::Qsig, setup.clone());
        assert!(!incoming, "{role:?}");
        assert_eq!(sent.len(), 1, "{role:?}: {sent:?}");
        assert_eq!(sent[0].kind, T::ReleaseComplete);
        assert_eq!(cause_of(&sent[0]), Some(CauseValue::MANDATORY_IE_MISSING));
        // EuroISDN: overlap receiving, the number comes later.
        let (incoming, sent) = receive_setup(role, Variant::EuroIsdn, setup.clone());
        assert!(incoming && sent.is_empty(), "{role:?}: {sent:?}");
    }
}

#[test]
fn setup_without_channel_id_is_refused_by_side_a_in_qsig_only() {
    let mut setup = base_setup();
    setup.ies.retain(|ie| !matches!(ie, Ie::ChannelId(_)));
    let (incoming, sent) = receive_setup(Role::Network, Variant::Qsig, setup.clone());
    assert!(!incoming);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].kind, T::ReleaseComplete);
    assert_eq!(cause_of(&sent[0]), Some(CauseValue::MANDATORY_IE_MISSING));
    // EuroISDN: the user may leave the choice to the network (EN 300 403-1 §5.1.2).
    let (incoming, _) = receive_setup(Role::Network, Variant::EuroIsdn, setup);
    assert!(incoming);
}
