//! Layer 1 lost under an established data link (PH-DEACTIVATE indication, Q.921 Annex B):
//! DL-RELEASE indication at once, state 4, queues discarded; persistent layer 2 then
//! re-establishes by itself once frames get through again.

mod q921_pair;

use std::time::Duration;

use isdn::q921::{Event, Kind, State};
use q921_pair::{Pair, Side};

#[test]
fn deactivation_releases_at_once_and_link_comes_back() {
    let mut p = Pair::new(41);
    p.establish(Side::Nt);
    let now = p.now;
    p.te.send(now, b"lost with layer 1").unwrap();
    // The line fails (nothing passes) and the TE's span reports the alarm.
    p.impair_to_te.cut = true;
    p.impair_to_nt.cut = true;
    let now = p.now;
    p.te.physical_deactivated(now);
    assert_eq!(p.te.state(), State::TeiAssigned);
    assert_eq!(p.te.queued(), 0);
    assert!(
        p.te.poll_transmit().is_none(),
        "frames for a dead line discarded"
    );
    p.run_for(Duration::from_millis(10));
    assert!(p.te_events.contains(&Event::Released(Kind::Indication)));
    // Deactivation again in state 4 is nothing.
    let n = p.te_events.len();
    let now = p.now;
    p.te.physical_deactivated(now);
    p.run_for(Duration::from_millis(10));
    assert_eq!(p.te_events.len(), n);
    // Layer 1 back: the link is re-established without anyone asking.
    p.impair_to_te.cut = false;
    p.impair_to_nt.cut = false;
    let ok = p.run_until_cond(Duration::from_secs(30), |p| {
        p.nt.is_established() && p.te.is_established() && p.line_idle()
    });
    assert!(ok, "{:#?}", p.trace);
    assert!(!p.data(Side::Nt).contains(&b"lost with layer 1".to_vec()));
}
