//! One-second statistics (G.826): clean seconds are not errored; a second with a few CRC-4
//! errors is errored but not severely; >= 30 % errored blocks or a defect (LOS) make a
//! severely errored second; BPV counts come from the line interface.

mod common;

use common::{LineState, Pair};
use e1::{Config, Event, SecondReport};

fn seconds(p: &Pair) -> Vec<SecondReport> {
    p.ev_b()
        .into_iter()
        .filter_map(|e| match e {
            Event::Second(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn errored_and_severely_errored_seconds() {
    let cfg = Config {
        recovery_holdoff: 100,
        ..Config::default()
    };
    let mut p = Pair::new(cfg, cfg);
    // Second 1: start-up (LOF at first) is a defect second.
    p.step(8000);
    // Seconds 2-3 clean.
    p.step(16_000);
    // Second 4: a few bit errors.
    p.ab.ber = 2e-6;
    p.step(8000);
    // Second 5: heavy errors, >= 300 errored blocks but still aligned.
    p.ab.ber = 3e-4;
    p.step(8000);
    // Second 6: LOS for part of the second.
    p.ab.ber = 0.0;
    p.ab.state = LineState::Los;
    p.step(400);
    p.ab.state = LineState::Normal;
    p.step(7600);
    // Seconds 7-8: clean again (after recovery).
    p.step(16_000);

    let s = seconds(&p);
    assert_eq!(s.len(), 8, "{s:?}");
    assert!(s[0].defect && s[0].severely_errored);
    for (i, x) in s[1..3].iter().enumerate() {
        assert!(!x.errored, "second {}: {x:?}", i + 2);
    }
    assert!(s[3].errored && !s[3].severely_errored, "{:?}", s[3]);
    assert!(s[3].crc4_errors > 0 && s[3].crc4_errors < 300);
    assert!(s[4].crc4_errors >= 300, "{:?}", s[4]);
    assert!(s[4].severely_errored && !s[4].defect, "{:?}", s[4]);
    assert!(s[5].defect && s[5].severely_errored);
    assert!(!s[6].errored && !s[7].errored, "{:?}", &s[6..]);
    let c = p.b.counters();
    assert_eq!(c.errored_seconds, 4);
    assert_eq!(c.severely_errored_seconds, 3);
    let total: u64 = s.iter().map(|x| u64::from(x.crc4_errors)).sum();
    assert_eq!(total, c.crc4_errors);
    let fas: u64 = s.iter().map(|x| u64::from(x.fas_errors)).sum();
    assert_eq!(fas, c.fas_errors);
    // The E-bits A received in each second mirror B's CRC-4 errors.
    assert_eq!(p.a.counters().ebit_errors, c.crc4_errors);
}

#[test]
fn bpv_comes_from_the_line_interface() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.step(10);
    assert_eq!(p.b.counters().bpv, 0);
    p.b.rx_mut().add_bpv(3);
    assert_eq!(p.b.counters().bpv, 3);
}
