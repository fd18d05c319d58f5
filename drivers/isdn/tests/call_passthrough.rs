//! PROGRESS, NOTIFY and FACILITY passed through call control (Q.931 §5.1.6, §5.9, Q.932
//! §8.1): what one side sends with `Calls::progress` / `notify` / `facility` reaches the
//! other side's user as an `Event` with the indicator or the facility IE contents intact,
//! and changes no call state. Our `Pri` NT against our `Pri` TE in simulated time.

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallError, CallId, CallState, Event, SetupParams};
use isdn::q931::ie::{Location, Notification, Progress, ProgressDescription};
use isdn::q931::{CauseValue, MessageType as T};

const MS: Duration = Duration::from_millis(50);

fn inband() -> Progress {
    Progress {
        coding_standard: 0,
        location: Location::PublicRemote,
        description: ProgressDescription::InbandAvailable,
    }
}

/// A TE → NT call in state Call delivered; returns (te call, nt call).
fn delivered(p: &mut Pair) -> (CallId, CallId) {
    p.up();
    let c = p.te.setup(p.now, SetupParams::speech("100")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.proceeding(p.now, n).unwrap();
    p.nt.alerting(p.now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::CallDelivered));
    (c, n)
}

#[test]
fn progress_inband_reaches_the_caller() {
    let mut p = Pair::new(61);
    let (c, n) = delivered(&mut p);
    p.nt.with_calls(p.now, |cc, _| cc.progress(n, inband(), None))
        .unwrap();
    p.run_for(MS);
    assert!(p.te_events.contains(&Event::Progress {
        call: c,
        progress: inband(),
        cause: None
    }));
    // PROGRESS is no state change (§5.1.6): still Call delivered on both sides.
    assert_eq!(p.te.calls().state(c), Some(CallState::CallDelivered));
    assert_eq!(p.nt.calls().state(n), Some(CallState::CallDelivered));
    assert!(p.sent(Side::Nt).contains(&T::Progress));
    assert!(
        !p.sent(Side::Te).contains(&T::Status),
        "no STATUS: PROGRESS is valid here"
    );
}

#[test]
fn progress_with_cause_carries_the_cause() {
    let mut p = Pair::new(62);
    let (c, n) = delivered(&mut p);
    p.nt.with_calls(p.now, |cc, _| {
        cc.progress(n, inband(), Some(CauseValue::USER_BUSY))
    })
    .unwrap();
    p.run_for(MS);
    assert!(p.te_events.contains(&Event::Progress {
        call: c,
        progress: inband(),
        cause: Some(CauseValue::USER_BUSY)
    }));
}

#[test]
fn notify_both_ways_in_the_active_state() {
    let mut p = Pair::new(63);
    let (c, n) = delivered(&mut p);
    p.nt.connect(p.now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    let hold = Notification {
        description: 0x79,
        extra: Vec::new(),
    };
    let retrieve = Notification {
        description: 0x7A,
        extra: vec![0x01, 0x82],
    };
    p.te.with_calls(p.now, |cc, _| cc.notify(c, hold.clone()))
        .unwrap();
    p.nt.with_calls(p.now, |cc, _| cc.notify(n, retrieve.clone()))
        .unwrap();
    p.run_for(MS);
    assert!(p.nt_events.contains(&Event::Notify {
        call: n,
        notification: hold
    }));
    assert!(p.te_events.contains(&Event::Notify {
        call: c,
        notification: retrieve
    }));
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    assert_eq!(p.nt.calls().state(n), Some(CallState::Active));
}

#[test]
fn facility_contents_arrive_verbatim() {
    let mut p = Pair::new(64);
    let (c, n) = delivered(&mut p);
    // Protocol profile 0x91 (ROSE), an invoke component: bytes are opaque to call control.
    let rose = vec![0x91, 0xA1, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x21];
    p.te.with_calls(p.now, |cc, _| cc.facility(c, rose.clone()))
        .unwrap();
    p.run_for(MS);
    assert!(p.nt_events.contains(&Event::Facility {
        call: n,
        contents: rose
    }));
    assert_eq!(p.nt.calls().state(n), Some(CallState::CallDelivered));
}

#[test]
fn passthrough_refused_for_unknown_or_released_calls() {
    let mut p = Pair::new(65);
    let (c, n) = delivered(&mut p);
    p.te.disconnect(p.now, c, CauseValue::NORMAL_CLEARING)
        .unwrap();
    p.run_for(MS);
    p.nt.release(p.now, n, CauseValue::NORMAL_CLEARING).unwrap();
    // Release request: nothing more may be sent on this call.
    assert!(matches!(
        p.nt.with_calls(p.now, |cc, _| cc.progress(n, inband(), None)),
        Err(CallError::WrongState(_))
    ));
    p.run_for(MS);
    assert_eq!(
        p.te.with_calls(p.now, |cc, _| cc.facility(c, vec![0x91])),
        Err(CallError::UnknownCall(c))
    );
    assert_eq!(
        p.te.with_calls(p.now, |cc, _| cc.notify(
            c,
            Notification {
                description: 0,
                extra: Vec::new()
            }
        )),
        Err(CallError::UnknownCall(c))
    );
}
