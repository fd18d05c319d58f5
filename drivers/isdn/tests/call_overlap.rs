//! Overlap sending and receiving (Q.931 §5.1.3, §5.2.4): SETUP ACKNOWLEDGE, INFORMATION
//! with called number digits, sending complete, T302 and T304.

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallState, Config, Event, SetupParams};
use isdn::pri::Pri;
use isdn::q931::{CauseValue, MessageType as T, Role};

const MS: Duration = Duration::from_millis(50);

fn overlap(called: &str) -> SetupParams {
    SetupParams {
        sending_complete: false,
        ..SetupParams::speech(called)
    }
}

#[test]
fn te_overlap_sending_to_nt() {
    let mut p = Pair::new(20);
    p.up();
    let c = p.te.setup(p.now, overlap("12")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    assert!(
        matches!(&p.nt_events[0], Event::IncomingCall { called, sending_complete: false, .. } if called == "12")
    );
    p.nt.with_calls(p.now, |cc, now| cc.setup_ack(now, n))
        .unwrap();
    p.run_for(MS);
    assert!(p.te_events.contains(&Event::SetupAcknowledged { call: c }));
    assert_eq!(p.te.calls().state(c), Some(CallState::OverlapSending)); // U2
    assert_eq!(p.nt.calls().state(n), Some(CallState::OverlapSending)); // N2
    p.te.with_calls(p.now, |cc, now| cc.info_digits(now, c, "34", false))
        .unwrap();
    p.run_for(Duration::from_secs(10));
    p.te.with_calls(p.now, |cc, now| cc.info_digits(now, c, "5", true))
        .unwrap();
    p.run_for(MS);
    let digits: Vec<(String, bool)> = p
        .nt_events
        .iter()
        .filter_map(|e| match e {
            Event::Digits {
                digits, complete, ..
            } => Some((digits.clone(), *complete)),
            _ => None,
        })
        .collect();
    assert_eq!(digits, [("34".to_owned(), false), ("5".to_owned(), true)]);
    // 10 s between the two INFORMATION messages: T302 (15 s) was restarted, no clearing.
    p.nt.proceeding(p.now, n).unwrap();
    p.run_for(Duration::from_secs(20));
    assert_eq!(
        p.te.calls().state(c),
        Some(CallState::OutgoingCallProceeding)
    );
    assert_eq!(p.sent(Side::Te), [T::Setup, T::Information, T::Information]);
    assert_eq!(p.sent(Side::Nt), [T::SetupAck, T::CallProceeding]);
    // Sending complete in the SETUP is carried through.
    assert!(
        !p.q931[0]
            .2
            .ies
            .contains(&isdn::q931::ie::Ie::SendingComplete)
    );
}

#[test]
fn t302_expiry_clears_with_28() {
    let mut p = Pair::new(21);
    p.up();
    let c = p.te.setup(p.now, overlap("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.with_calls(p.now, |cc, now| cc.setup_ack(now, n))
        .unwrap();
    p.run_for(Duration::from_secs(14));
    assert_eq!(p.nt.calls().state(n), Some(CallState::OverlapSending));
    p.run_for(Duration::from_secs(2));
    assert!(p.te_events.contains(&Event::Disconnected {
        call: c,
        cause: CauseValue::INVALID_NUMBER_FORMAT
    }));
}

#[test]
fn t304_expiry_clears_with_102() {
    let mut cfg = Config::new(Role::Network);
    cfg.timers.t302 = Duration::from_secs(60);
    let nt = Pri::with_config(Role::Network, isdn::q921::Config::default(), cfg);
    let mut p = Pair::with(22, nt, Pri::new(Role::User));
    p.up();
    let c = p.te.setup(p.now, overlap("1")).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.with_calls(p.now, |cc, now| cc.setup_ack(now, n))
        .unwrap();
    p.run_for(Duration::from_secs(19));
    assert_eq!(p.te.calls().state(c), Some(CallState::OverlapSending));
    p.run_for(Duration::from_secs(2));
    assert_eq!(p.te.calls().state(c), Some(CallState::DisconnectRequest));
    assert!(p.nt_events.contains(&Event::Disconnected {
        call: n,
        cause: CauseValue::RECOVERY_ON_TIMER_EXPIRY
    }));
}

#[test]
fn te_overlap_receiving_from_nt() {
    let mut p = Pair::new(23);
    p.up();
    let n = p.nt.setup(p.now, overlap("4")).unwrap();
    p.run_for(MS);
    let c = p.incoming(Side::Te).unwrap();
    p.te.with_calls(p.now, |cc, now| cc.setup_ack(now, c))
        .unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::OverlapReceiving)); // U25
    assert_eq!(p.nt.calls().state(n), Some(CallState::OverlapReceiving)); // N25
    p.nt.with_calls(p.now, |cc, now| cc.info_digits(now, n, "56", true))
        .unwrap();
    p.run_for(MS);
    assert!(p.te_events.contains(&Event::Digits {
        call: c,
        digits: "56".into(),
        complete: true
    }));
    p.te.alerting(p.now, c).unwrap();
    p.run_for(MS);
    assert_eq!(p.nt.calls().state(n), Some(CallState::CallReceived));
}
