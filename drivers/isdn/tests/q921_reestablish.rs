//! Re-establishment (Q.921 §5.7): after the line breaks, after the peer restarts (state 4,
//! answering DM), when the peer sends SABME in state 7 (MDL-ERROR F), and persistent layer 2
//! after a DISC from the peer.

mod q921_pair;

use std::time::Duration;

use isdn::q921::{Config, Event, Kind, Link, MdlError, Role, State};
use q921_pair::{Pair, Side};

#[test]
fn link_recovers_after_the_line_breaks_for_a_minute() {
    let mut p = Pair::new(1);
    p.establish(Side::Nt);
    p.impair_to_te.cut = true;
    p.impair_to_nt.cut = true;
    p.run_for(Duration::from_secs(60));
    assert!(!p.nt.is_established());
    p.impair_to_te.cut = false;
    p.impair_to_nt.cut = false;
    let ok = p.run_until_cond(Duration::from_secs(30), |p| {
        p.nt.is_established() && p.te.is_established()
    });
    assert!(ok);
    let now = p.now;
    p.nt.send(now, b"after").unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(p.data(Side::Te), [b"after".to_vec()]);
}

#[test]
fn peer_restart_is_detected_and_link_reestablished() {
    let mut p = Pair::new(2);
    p.establish(Side::Nt);
    // The TE restarts: a fresh entity in state 4 that does not initiate establishment.
    let mut cfg = Config::default();
    cfg.persistent = false;
    p.te = Link::new(Role::User, cfg);
    let now = p.now;
    p.nt.send(now, b"to a restarted peer").unwrap();
    let ok = p.run_until_cond(Duration::from_secs(10), |p| {
        p.nt.is_established() && p.te.is_established() && p.line_idle()
    });
    assert!(ok, "{:#?}", p.trace);
    assert!(p.te_events.contains(&Event::Established(Kind::Indication)));
}

#[test]
fn sabme_in_state_7_is_mdl_f_and_renumbers() {
    let mut p = Pair::new(3);
    p.establish(Side::Nt);
    let now = p.now;
    p.nt.send(now, b"a").unwrap();
    p.run_for(Duration::from_millis(50));
    p.te.establish(p.now);
    p.run_for(Duration::from_millis(50));
    assert!(p.nt_events.contains(&Event::MdlError(MdlError::F)));
    assert!(p.nt.is_established() && p.te.is_established());
    let now = p.now;
    p.nt.send(now, b"b").unwrap();
    p.run_for(Duration::from_millis(50));
    assert_eq!(p.data(Side::Te), [b"a".to_vec(), b"b".to_vec()]);
    assert!(
        p.trace
            .iter()
            .rev()
            .any(|t| t.2.contains("I N(S)=0 N(R)=0"))
    );
}

#[test]
fn persistent_layer2_reestablishes_after_peer_disc() {
    let mut p = Pair::new(4);
    p.establish(Side::Nt);
    let now = p.now;
    p.te.release(now); // the TE is not persistent after its own DL-RELEASE request
    p.run_for(Duration::from_millis(50));
    assert_eq!(p.nt.state(), State::TeiAssigned);
    assert_eq!(p.nt_events.last(), Some(&Event::Released(Kind::Indication)));
    // The NT tries again one T200 later.
    p.run_for(Duration::from_millis(1100));
    assert!(p.nt.is_established() && p.te.is_established());
}
