//! The back-to-back call flow shared by `benches/call_setup.rs` (criterion) and
//! `examples/call_setup_rate.rs` (the JSON figure `scripts/bench-peers.sh pri` puts next to
//! libpri's): TE sends SETUP, NT answers with CALL PROCEEDING, ALERTING and CONNECT, TE
//! clears; one call ends at RELEASE COMPLETE on both sides.
#![allow(dead_code, missing_docs, unreachable_pub)]

use std::time::Duration;

use isdn::call::{Event, SetupParams};
use isdn::pri::Pri;
use isdn::q931::{CauseValue, Role};
use tdm::Instant;

/// Moves frames both ways until neither side sends; returns the events of (te, nt).
pub fn exchange(
    te: &mut Pri,
    nt: &mut Pri,
    now: Instant,
    tev: &mut Vec<Event>,
    ntv: &mut Vec<Event>,
) {
    loop {
        let mut moved = false;
        while let Some(f) = te.poll_transmit() {
            nt.handle_input(now, &f);
            moved = true;
        }
        while let Some(f) = nt.poll_transmit() {
            te.handle_input(now, &f);
            moved = true;
        }
        tev.extend(std::iter::from_fn(|| te.poll_event()));
        ntv.extend(std::iter::from_fn(|| nt.poll_event()));
        if !moved {
            return;
        }
    }
}

/// One whole call; `now` advances 1 ms per exchange.
pub fn one_call(te: &mut Pri, nt: &mut Pri, now: &mut Instant) {
    let (mut tev, mut ntv) = (Vec::new(), Vec::new());
    let call = te.setup(*now, SetupParams::speech("1234")).expect("setup");
    exchange(te, nt, *now, &mut tev, &mut ntv);
    let Some(&Event::IncomingCall { call: incoming, .. }) =
        ntv.iter().find(|e| matches!(e, Event::IncomingCall { .. }))
    else {
        panic!("no incoming call: {ntv:?}");
    };
    nt.proceeding(*now, incoming).unwrap();
    nt.alerting(*now, incoming).unwrap();
    nt.connect(*now, incoming).unwrap();
    *now += Duration::from_millis(1);
    exchange(te, nt, *now, &mut tev, &mut ntv);
    assert!(
        tev.iter().any(|e| matches!(e, Event::Connected { .. })),
        "{tev:?}"
    );
    te.disconnect(*now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    *now += Duration::from_millis(1);
    exchange(te, nt, *now, &mut tev, &mut ntv);
    for e in std::mem::take(&mut ntv) {
        if let Event::Disconnected { call, .. } = e {
            nt.release(*now, call, CauseValue::NORMAL_CLEARING).unwrap();
        }
    }
    exchange(te, nt, *now, &mut tev, &mut ntv);
    assert!(
        tev.iter().any(|e| matches!(e, Event::Released { .. })),
        "{tev:?}"
    );
    assert!(te.calls().calls().is_empty() && nt.calls().calls().is_empty());
    *now += Duration::from_millis(1);
    // Let the LAPD acknowledgement timers run so the windows never fill.
    te.handle_timeout(*now);
    nt.handle_timeout(*now);
    exchange(te, nt, *now, &mut tev, &mut ntv);
}

/// A TE/NT pair with the data link established.
pub fn pair() -> (Pri, Pri, Instant) {
    let mut te = Pri::new(Role::User);
    let mut nt = Pri::new(Role::Network);
    let now = Instant::ZERO;
    te.start(now);
    exchange(&mut te, &mut nt, now, &mut Vec::new(), &mut Vec::new());
    assert!(te.link().is_established() && nt.link().is_established());
    (te, nt, now)
}
