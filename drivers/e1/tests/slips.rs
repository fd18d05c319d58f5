//! Slips: a dropped or repeated frame (a controlled slip upstream) is counted, the FAS parity
//! is re-aligned without declaring loss of frame alignment, and CRC-4 multiframe alignment is
//! found again; payload keeps flowing.

mod common;

use common::Pair;
use e1::{Config, Event};

fn settled() -> Pair {
    let cfg = Config {
        recovery_holdoff: 10,
        ..Config::default()
    };
    let mut p = Pair::new(cfg, cfg);
    p.step(200);
    assert!(p.b.rx().is_crc4_aligned());
    p.clear_events();
    p
}

fn check_slip(p: &mut Pair) {
    p.step(100);
    let ev = p.ev_b();
    assert_eq!(p.b.counters().slips, 1, "{ev:?}");
    assert!(ev.contains(&Event::Slip));
    assert!(!ev.contains(&Event::FrameSync(false)), "no LOF: {ev:?}");
    assert!(!p.b.alarms().lof);
    assert!(ev.contains(&Event::Crc4Sync(false)));
    assert!(p.b.rx().is_crc4_aligned(), "CRC-4 MF found again");
    // Only the frames around the slip were in error.
    assert!(p.b.counters().fas_errors <= 2);
    let crc = p.b.counters().crc4_errors;
    p.step(8000);
    assert_eq!(p.b.counters().crc4_errors, crc, "clean after re-alignment");
    assert_eq!(p.b.counters().slips, 1);
}

#[test]
fn dropped_frame_is_a_slip() {
    let mut p = settled();
    p.ab.drop_next = true;
    check_slip(&mut p);
}

#[test]
fn repeated_frame_is_a_slip() {
    let mut p = settled();
    p.ab.repeat_next = true;
    check_slip(&mut p);
}

#[test]
fn repeated_slips_from_clock_offset_are_each_counted() {
    // 50 ppm offset: one frame slip every 20 000 frames; here every 2000 frames for speed.
    let mut p = settled();
    for i in 0..6 {
        if i % 2 == 0 {
            p.ab.drop_next = true;
        } else {
            p.ab.repeat_next = true;
        }
        p.step(2000);
    }
    assert_eq!(p.b.counters().slips, 6);
    assert!(!p.ev_b().contains(&Event::FrameSync(false)));
}

#[test]
fn two_frame_slip_keeps_fas_but_crc4_catches_it() {
    // An even slip leaves the FAS parity intact; CRC-4 then fails in every block, and after
    // 915 of 1000 errored blocks (G.706 §4.3.2) alignment is searched again.
    let mut p = settled();
    p.ab.drop_next = true;
    p.step(1);
    p.ab.drop_next = true;
    // The 1000-block (1 s) window that started before the slip may end short of 915 errors;
    // the next one is almost all errors (15 of 16 CRCs wrong by chance).
    p.step(17_000);
    let ev = p.ev_b();
    assert_eq!(p.b.counters().slips, 0);
    assert!(ev.contains(&Event::FrameSync(false)), "{ev:?}");
    assert!(p.b.rx().is_crc4_aligned());
    let crc = p.b.counters().crc4_errors;
    assert!(crc >= 915, "{crc}");
    p.step(8000);
    assert_eq!(p.b.counters().crc4_errors, crc);
}
