//! T200 and N200 in multiple frame operation (Q.921 §5.6.7 timer recovery, §5.9.1/§5.9.2):
//! a lost I frame is recovered by RR P=1 enquiry after T200; N200 unanswered enquiries lead to
//! MDL-ERROR I and re-establishment.

mod q921_pair;

use std::time::Duration;

use isdn::q921::{Event, MdlError, State};
use q921_pair::{Pair, Side};

#[test]
fn lost_i_frame_is_recovered_after_t200() {
    let mut p = Pair::new(1);
    p.establish(Side::Nt);
    p.impair_to_te.cut = true;
    let t0 = p.now;
    p.nt.send(t0, b"lost once").unwrap();
    p.run_for(Duration::from_millis(10));
    p.impair_to_te.cut = false;
    assert_eq!(
        p.nt.poll_timeout(),
        Some(t0 + Duration::from_secs(1)),
        "T200 runs"
    );
    p.run_for(Duration::from_millis(1100));
    assert_eq!(p.data(Side::Te), [b"lost once".to_vec()]);
    let after: Vec<_> = p
        .trace
        .iter()
        .filter(|t| t.0 >= t0 + Duration::from_millis(999))
        .collect();
    // T200 expiry: RR command P=1 (timer recovery), the TE's RR response F=1 N(R)=0, then the
    // I frame goes again.
    assert_eq!(after[0].2, "SAPI=0 C/R=1 TEI=0 RR N(R)=0 P/F=1");
    assert_eq!(after[1].2, "SAPI=0 C/R=1 TEI=0 RR N(R)=0 P/F=1");
    assert!(after[2].2.contains("I N(S)=0"), "{after:?}");
    assert_eq!(p.nt.state(), State::MultipleFrameEstablished);
    assert_eq!(p.nt.stats().retransmissions, 1);
}

#[test]
fn n200_unanswered_enquiries_reestablish_with_mdl_i() {
    let mut p = Pair::new(2);
    p.establish(Side::Nt);
    p.impair_to_te.cut = true;
    let t0 = p.now;
    p.nt.send(t0, b"x").unwrap();
    p.run_for(Duration::from_millis(3500));
    assert_eq!(p.nt.state(), State::TimerRecovery);
    let polls = p
        .trace
        .iter()
        .filter(|t| t.2.contains("RR N(R)=0 P/F=1") && t.1 == Side::Nt)
        .count();
    assert_eq!(polls, 3, "N200 = 3 enquiries");
    p.run_for(Duration::from_millis(600));
    assert!(p.nt_events.contains(&Event::MdlError(MdlError::I)));
    assert_eq!(p.nt.state(), State::AwaitingEstablishment);
    assert!(p.trace.last().unwrap().2.contains("SABME P=1"));
    p.impair_to_te.cut = false;
    p.run_for(Duration::from_secs(2));
    assert!(p.nt.is_established() && p.te.is_established());
}
