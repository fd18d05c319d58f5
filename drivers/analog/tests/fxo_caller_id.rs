//! A simulated CO (an FXS machine) rings an FXO port with caller ID; the FXO decodes it
//! before answering. FSK V.23 and Bell 202 between the first and second ring, FSK and DTMF
//! CLIP before the first ring after a polarity reversal, and the classic mismatch
//! (`cidstart` differs between the ends: no caller ID).
mod common;

use analog::{
    CallerInfo, CidSignalling, CidStart, Country, FxoConfig, FxoEvent, FxoState, FxsConfig,
    FxsEvent,
};
use common::Loop;

fn ring_and_answer(co: FxsConfig, port: FxoConfig, who: &CallerInfo) -> Loop {
    let mut l = Loop::new(co, port);
    l.run(50);
    l.fxs.ring(l.now, Some(who)).unwrap();
    assert!(
        l.run_until(15_000, |l| l
            .fxo_saw(|e| matches!(e, FxoEvent::Ring { count: 2, .. }))
            .is_some()),
        "{:?}",
        l.fxo_events
    );
    l.fxo.answer().unwrap();
    assert!(l.run_until(50, |l| l.fxs_saw(|e| *e == FxsEvent::Answered).is_some()));
    assert_eq!(l.fxo.state(), FxoState::Connected);
    l
}

fn cid_before_answer(l: &Loop, who: &CallerInfo) {
    let at = l
        .fxo_saw(|e| *e == FxoEvent::CallerId(who.clone()))
        .unwrap_or_else(|| panic!("no caller ID: {:?}", l.fxo_events));
    let answered = l.fxs_saw(|e| *e == FxsEvent::Answered).unwrap();
    assert!(at < answered);
    assert_eq!(l.fxo.caller_id(), Some(who));
    assert!(l.fxs_saw(|e| *e == FxsEvent::CallerIdSent).is_some());
}

#[test]
fn fsk_v23_between_first_and_second_ring() {
    let who = CallerInfo {
        number: Some("13800138000".into()),
        name: Some("ZHANG SAN".into()),
    };
    let l = ring_and_answer(FxsConfig::china(), FxoConfig::china(), &who);
    cid_before_answer(&l, &who);
    let ring1 = l
        .fxo_saw(|e| matches!(e, FxoEvent::Ring { count: 1, .. }))
        .unwrap();
    let cid = l.fxo_saw(|e| matches!(e, FxoEvent::CallerId(_))).unwrap();
    assert!(
        cid > ring1 + 500,
        "CID at {cid}, first ring ended at {ring1}"
    );
}

#[test]
fn bell202_north_america() {
    let who = CallerInfo::number("5551234");
    let l = ring_and_answer(
        FxsConfig::for_country(Country::NorthAmerica),
        FxoConfig::for_country(Country::NorthAmerica),
        &who,
    );
    cid_before_answer(&l, &who);
}

#[test]
fn fsk_after_polarity_reversal_before_first_ring() {
    let mut co = FxsConfig::for_country(Country::Etsi);
    co.cid_start = CidStart::Polarity;
    let mut port = FxoConfig::for_country(Country::Etsi);
    port.cid_start = CidStart::Polarity;
    let who = CallerInfo::number("0123456789");
    let l = ring_and_answer(co, port, &who);
    cid_before_answer(&l, &who);
    let cid = l.fxo_saw(|e| matches!(e, FxoEvent::CallerId(_))).unwrap();
    let ring1 = l
        .fxo_saw(|e| matches!(e, FxoEvent::Ring { count: 1, .. }))
        .unwrap();
    assert!(cid < ring1);
}

#[test]
fn dtmf_clip_after_polarity_reversal() {
    let mut co = FxsConfig::for_country(Country::Etsi);
    co.cid_start = CidStart::Polarity;
    co.cid_signalling = Some(CidSignalling::Dtmf);
    let mut port = FxoConfig::for_country(Country::Etsi);
    port.cid_start = CidStart::Polarity;
    port.cid_signalling = Some(CidSignalling::Dtmf);
    let who = CallerInfo::number("4570000000");
    let l = ring_and_answer(co, port, &who);
    cid_before_answer(&l, &who);
}

#[test]
fn cidstart_mismatch_gives_no_caller_id() {
    // The CO sends after a polarity reversal; the port listens after the first ring.
    let mut co = FxsConfig::china();
    co.cid_start = CidStart::Polarity;
    let l = ring_and_answer(co, FxoConfig::china(), &CallerInfo::number("13800138000"));
    assert!(l.fxs_saw(|e| *e == FxsEvent::CallerIdSent).is_some());
    assert!(l.fxo_saw(|e| matches!(e, FxoEvent::CallerId(_))).is_none());
}

#[test]
fn ring_with_wrong_cadence_is_rejected() {
    // The CO rings North American 2 s bursts; the port expects China's 1 s.
    let l = {
        let mut l = Loop::new(
            FxsConfig::for_country(Country::NorthAmerica),
            FxoConfig::china(),
        );
        l.run(10);
        l.fxs.ring(l.now, None).unwrap();
        l.run(13_000);
        l
    };
    assert!(l.fxo_saw(|e| matches!(e, FxoEvent::Ring { .. })).is_none());
    assert!(
        l.fxo_saw(|e| matches!(e, FxoEvent::RingRejected { on_ms: 2000, .. }))
            .is_some()
    );
    assert_eq!(l.fxo.state(), FxoState::Idle);
}

#[test]
fn caller_gives_up_ringing_stops() {
    let mut l = Loop::new(FxsConfig::china(), FxoConfig::china());
    l.run(10);
    l.fxs.ring(l.now, None).unwrap();
    l.run(1500);
    assert_eq!(l.fxo.state(), FxoState::Ringing);
    l.fxs.stop_ring();
    assert!(l.run_until(7000, |l| l.fxo.state() == FxoState::Idle));
    assert!(l.fxo_saw(|e| *e == FxoEvent::RingingStopped).is_some());
}
