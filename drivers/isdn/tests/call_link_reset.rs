//! Data link reset (Q.931 §5.8.8): a DL-ESTABLISH indication or confirmation while the
//! link was already up. Layer 2 discards the I frames not yet acknowledged, so a SETUP
//! lost on the line just before is gone for good; call control sends it again at once
//! instead of waiting for T303 (4 s). Other calls in the establishment phase are checked
//! with STATUS ENQUIRY (§5.8.10). Our `Pri` NT against our `Pri` TE in simulated time.

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallState, Event, SetupParams};
use isdn::q931::MessageType as T;

const MS: Duration = Duration::from_millis(50);

/// The TE's SETUP is lost on the line, then `resetter` re-establishes the data link.
fn setup_lost_then_reset(seed: u64, resetter: Side) {
    let mut p = Pair::new(seed);
    p.up();
    p.impair_to_nt.cut = true;
    let now = p.now;
    let c = p.te.setup(now, SetupParams::speech("5678")).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.incoming(Side::Nt).is_none());
    p.impair_to_nt.cut = false;
    let t0 = p.now;
    p.pri(resetter).start(t0);
    let ok = p.run_until_cond(Duration::from_secs(3), |p| p.incoming(Side::Nt).is_some());
    assert!(ok, "no IncomingCall after the reset:\n{:#?}", p.trace);
    // Well before T303 (4 s after the first SETUP) would have sent it again.
    assert!(p.now - t0 < Duration::from_millis(500), "{:?}", p.now - t0);
    // The SETUP went out twice (the second time as I frame N(S)=0 of the new link).
    assert_eq!(te_i_frames(&p), 2, "{:#?}", p.trace);
    let n = p.incoming(Side::Nt).unwrap();
    let now = p.now;
    p.nt.connect(now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    assert!(p.te_events.contains(&Event::Connected { call: c }));
    // T303 was restarted by the resend and stopped by CONNECT: nothing more happens.
    p.run_for(Duration::from_secs(10));
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    assert_eq!(p.sent(Side::Te), [T::Setup, T::ConnectAck]);
    assert_eq!(te_i_frames(&p), 3, "{:#?}", p.trace);
}

#[test]
fn setup_lost_then_the_caller_resets_the_link() {
    setup_lost_then_reset(1, Side::Te);
}

#[test]
fn setup_lost_then_the_far_end_resets_the_link() {
    setup_lost_then_reset(2, Side::Nt);
}

#[test]
fn calls_in_the_establishment_phase_are_enquired_after_a_reset() {
    let mut p = Pair::new(3);
    p.up();
    let now = p.now;
    let c = p.te.setup(now, SetupParams::speech("5678")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    let now = p.now;
    p.nt.proceeding(now, n).unwrap();
    p.run_for(MS);
    assert_eq!(
        p.te.calls().state(c),
        Some(CallState::OutgoingCallProceeding)
    );
    let now = p.now;
    p.nt.start(now);
    p.run_for(Duration::from_millis(200));
    // The resetting end asks (DL-ESTABLISH confirmation); the TE, which had nothing
    // outstanding, gets no indication from layer 2 (Q.921: V(S) = V(A)) and answers with
    // its state, compatible: the call goes on, the SETUP is not sent again.
    assert!(
        p.sent(Side::Nt).contains(&T::StatusEnquiry),
        "{:?}",
        p.sent(Side::Nt)
    );
    assert!(
        p.sent(Side::Te).contains(&T::Status),
        "{:?}",
        p.sent(Side::Te)
    );
    assert!(!p.sent(Side::Nt).contains(&T::Release) && !p.sent(Side::Te).contains(&T::Release));
    assert_eq!(
        p.sent(Side::Te).iter().filter(|k| **k == T::Setup).count(),
        1
    );
    let now = p.now;
    p.nt.connect(now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    assert_eq!(p.nt.calls().state(n), Some(CallState::Active));
}

#[test]
fn the_first_establishment_resends_nothing() {
    // A call placed before the link is up goes out once when it comes up.
    let mut p = Pair::new(4);
    let now = p.now;
    let c = p.te.setup(now, SetupParams::speech("5678")).unwrap();
    p.up();
    p.run_for(MS);
    assert!(p.incoming(Side::Nt).is_some());
    assert_eq!(p.sent(Side::Te), [T::Setup], "{c:?}");
}

/// I frames the TE put on the line (retransmissions included).
fn te_i_frames(p: &Pair) -> usize {
    p.trace
        .iter()
        .filter(|(_, s, d)| *s == Side::Te && d.contains(" I N(S)="))
        .count()
}
