//! Data link reset (Q.931 §5.8.8) against the real libpri 1.6, both roles: our SETUP is
//! lost on the line, then we re-establish the data link (Q.921 SABME while established,
//! which discards our unacknowledged I frames); our call control sends the SETUP again at
//! once and libpri rings and answers well before T303 (4 s) would have resent it.

use std::time::Duration;

use isdn::call::{CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, Role};

mod libpri;
use libpri::SERIAL;
use libpri::session::{LIMIT, Session};

fn setup_lost_then_reset(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    s.drop_tx_i = true;
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(4),
        ..SetupParams::speech("5678")
    };
    let call = s.pri.setup(now, params).unwrap();
    s.run_until(Duration::from_millis(100), |_| false);
    assert!(!s.peer_said("PRI_EVENT_RING"), "{}", s.report());
    s.drop_tx_i = false;
    let t0 = s.start.elapsed();
    let now = s.now();
    s.pri.start(now);
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_RING channel=4 called=5678")
            && s.events.contains(&Event::Connected { call })
    });
    assert!(ok, "not connected after the reset:\n{}", s.report());
    let took = s.start.elapsed() - t0;
    assert!(
        took < Duration::from_millis(1500),
        "{took:?}\n{}",
        s.report()
    );
    assert_eq!(s.pri.calls().state(call), Some(CallState::Active));
    s.run_until(Duration::from_millis(300), |_| false);
    let now = s.now();
    s.pri
        .disconnect(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| s.released(call).is_some());
    assert!(ok, "not cleared:\n{}", s.report());
}

#[test]
fn our_te_resets_the_link_after_losing_its_setup_to_libpri_nt() {
    setup_lost_then_reset(Role::User);
}

#[test]
fn our_nt_resets_the_link_after_losing_its_setup_to_libpri_te() {
    setup_lost_then_reset(Role::Network);
}
