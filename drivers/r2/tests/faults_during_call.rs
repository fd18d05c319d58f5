//! Line faults during a call over the raw E1 virtual line.
//!
//! - Bit errors (BER 1e-4 both ways) during set-up and conversation: the E1 framer's CAS
//!   debounce (two identical multiframes) hides them from the line signalling and the MF
//!   receiver bridges the clicks they make in the tones: the call completes unharmed.
//! - Controlled slips (a frame deleted every 250 ms) during set-up: the CAS multiframe is
//!   found again within a few milliseconds, ABCD states are unchanged, the call completes.
//! - A short loss of signal (60 ms) towards one end of an answered call: that end's span
//!   goes into red alarm, the call is cleared at once (LineAlarm, as chan_dahdi/OpenR2 do),
//!   the end sends the blocking pattern, which the other end reads as clear-back; once the
//!   red alarm clears (frame alignment regained; the RECOVER hold-off that follows is not
//!   an alarm for R2) and the far end is seen idle, both ends are idle and the channel takes
//!   a new call. Stale seizure bits held from before the fault are not taken as a new call.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use common::{E1Pair, both_idle, digits, offered_to};
use r2::{ClearReason, Config, Event, StateName};
use tdm::virt::Impairments;

fn cfg() -> Config {
    Config {
        max_dnis: 8,
        ..Config::china()
    }
}

fn set_up_and_answer(p: &mut E1Pair) {
    let now = p.now;
    p.a.r2
        .call(now, digits("87654321"), digits("13912345"))
        .expect("call");
    assert!(
        p.run_until(Duration::from_secs(10), |p| offered_to(&p.b.events)
            .is_some()),
        "A {:?} B {:?}",
        p.a.events(),
        p.b.events()
    );
    let (ani, dnis, _) = offered_to(&p.b.events).expect("offered");
    assert_eq!((ani.as_str(), dnis.as_str()), ("13912345", "87654321"));
    let now = p.now;
    p.b.r2.accept(now, true).expect("accept");
    p.b.r2.answer(now).expect("answer");
    assert!(p.run_until(Duration::from_secs(3), |p| p.a.has(&Event::Answered)));
}

#[test]
fn bit_errors_do_not_disturb_a_call() {
    let mut p = E1Pair::new(cfg(), cfg());
    p.impair_a_to_b(Impairments::with_ber(1e-4, 1));
    p.impair_b_to_a(Impairments::with_ber(1e-4, 2));
    set_up_and_answer(&mut p);
    p.run(Duration::from_secs(5));
    assert_eq!(p.a.r2.state(), StateName::OutAnswered);
    assert_eq!(p.b.r2.state(), StateName::InAnswered);
    let now = p.now;
    p.a.r2.hangup(now).expect("hangup");
    assert!(p.run_until(Duration::from_secs(1), both_idle));
    assert!(
        p.a.span.impairer().stats().bits_flipped > 0,
        "errors were injected"
    );
}

#[test]
fn slips_during_set_up_do_not_disturb_it() {
    let mut p = E1Pair::new(cfg(), cfg());
    let every = NonZeroU32::new(2000).expect("nonzero");
    p.impair_a_to_b(Impairments::slip_every(every));
    p.impair_b_to_a(Impairments::slip_every(every));
    set_up_and_answer(&mut p);
    assert!(tdm::Span::counters(&p.b.span).slips > 0, "slips happened");
    let now = p.now;
    p.b.r2.hangup(now).expect("hangup");
    assert!(p.run_until(Duration::from_secs(1), both_idle));
    assert!(p.a.has(&Event::Cleared {
        reason: ClearReason::ClearBack
    }));
}

#[test]
fn short_los_clears_an_answered_call_and_the_line_recovers() {
    let mut p = E1Pair::new(cfg(), cfg());
    set_up_and_answer(&mut p);
    p.impair_a_to_b(Impairments::los());
    p.run(Duration::from_millis(60));
    p.impair_a_to_b(Impairments::none());
    assert!(
        p.run_until(Duration::from_millis(200), |p| p.b.has(&Event::Cleared {
            reason: ClearReason::LineAlarm
        }))
    );
    assert!(
        p.run_until(Duration::from_millis(200), |p| p.a.has(&Event::Cleared {
            reason: ClearReason::ClearBack
        }))
    );
    assert_eq!(p.b.r2.state(), StateName::Fault);
    assert!(
        p.run_until(Duration::from_secs(5), both_idle),
        "A {:?} {:?} / B {:?} {:?}",
        p.a.r2.state(),
        p.a.events(),
        p.b.r2.state(),
        p.b.events()
    );
    // Exactly one Cleared per end, and no phantom incoming call on recovery.
    assert_eq!(
        p.b.events().iter().filter(|e| **e == Event::Seized).count(),
        1,
        "{:?}",
        p.b.events()
    );
    for end in [&p.a, &p.b] {
        let n = end
            .events()
            .iter()
            .filter(|e| matches!(e, Event::Cleared { .. }))
            .count();
        assert_eq!(n, 1, "{:?}", end.events());
    }
    // The channel works again.
    let now = p.now;
    p.b.r2
        .call(now, digits("1234"), digits(""))
        .expect("new call");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        offered_to(&p.a.events).is_some()
    }));
}
