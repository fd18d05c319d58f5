//! Alarms: LOS (all zeros) -> red, AIS (all ones) -> blue; the far end sees RAI (yellow) while
//! we are in red or blue; recovery hold-off (RECOVER) lasts exactly the configured frames.

mod common;

use common::{LineState, Pair, first};
use e1::{Alarm, Config, Event};

const HOLDOFF: u32 = 800;

fn pair() -> Pair {
    let cfg = Config {
        recovery_holdoff: HOLDOFF,
        ..Config::default()
    };
    let mut p = Pair::new(cfg, cfg);
    p.step(u64::from(HOLDOFF) + 200);
    assert!(p.a.alarms().is_clear(), "{:?}", p.a.alarms());
    assert!(p.b.alarms().is_clear(), "{:?}", p.b.alarms());
    p.clear_events();
    p
}

#[test]
fn start_up_goes_red_recover_clear() {
    let cfg = Config {
        recovery_holdoff: HOLDOFF,
        ..Config::default()
    };
    let mut p = Pair::new(cfg, cfg);
    p.step(u64::from(HOLDOFF) + 100);
    let ev = p.ev_b();
    assert_eq!(ev[0], Event::AlarmRaised(Alarm::Lof));
    assert!(ev.contains(&Event::AlarmCleared(Alarm::Lof)));
    let rec = first(&p.events_b, Event::AlarmRaised(Alarm::Recover)).unwrap();
    let clr = first(&p.events_b, Event::AlarmCleared(Alarm::Recover)).unwrap();
    assert_eq!(clr - rec, u64::from(HOLDOFF) - 1);
}

#[test]
fn los_is_red_and_far_end_sees_rai_then_recovers_after_holdoff() {
    let mut p = pair();
    let t0 = p.frames;
    p.ab.state = LineState::Los;
    p.step(20);
    assert!(p.b.alarms().los, "{:?}", p.ev_b());
    p.step(20);
    assert!(p.b.alarms().lof && p.b.alarms().red());
    assert!(p.a.alarms().rai && p.a.alarms().yellow(), "A sees yellow");
    // LOS after 255 zero bits: within the first frame or two.
    let los_at = first(&p.events_b, Event::AlarmRaised(Alarm::Los)).unwrap() - t0;
    assert!(los_at <= 2, "{los_at}");

    p.ab.state = LineState::Normal;
    p.clear_events();
    p.step(u64::from(HOLDOFF) + 50);
    let ev = p.ev_b();
    assert!(ev.contains(&Event::AlarmCleared(Alarm::Los)));
    assert!(ev.contains(&Event::AlarmCleared(Alarm::Lof)));
    let rec = first(&p.events_b, Event::AlarmRaised(Alarm::Recover)).unwrap();
    let clr = first(&p.events_b, Event::AlarmCleared(Alarm::Recover)).unwrap();
    assert_eq!(clr - rec, u64::from(HOLDOFF) - 1, "hold-off honoured");
    assert!(p.b.alarms().is_clear());
    assert!(p.ev_a().contains(&Event::AlarmCleared(Alarm::Rai)));
    assert!(!p.a.alarms().rai);
}

#[test]
fn recover_is_cancelled_if_the_fault_returns() {
    let mut p = pair();
    p.ab.state = LineState::Los;
    p.step(20);
    p.ab.state = LineState::Normal;
    p.step(100);
    assert!(p.b.alarms().recover);
    p.ab.state = LineState::Los;
    p.step(20);
    assert!(!p.b.alarms().recover);
    assert!(p.b.alarms().los);
    p.ab.state = LineState::Normal;
    p.clear_events();
    p.step(u64::from(HOLDOFF) - 10);
    assert!(
        p.b.alarms().recover,
        "hold-off restarted from the second clearing"
    );
    p.step(20);
    assert!(p.b.alarms().is_clear());
}

#[test]
fn ais_is_blue_not_red_and_far_end_sees_rai() {
    let mut p = pair();
    let t0 = p.frames;
    p.ab.state = LineState::Ais;
    p.step(10);
    let a = p.b.alarms();
    assert!(a.ais && a.blue(), "{a:?}");
    assert!(!a.red(), "AIS is reported blue, not red");
    assert!(!a.los);
    // AIS needs two double frames (4 frames) with < 3 zeros.
    let ais_at = first(&p.events_b, Event::AlarmRaised(Alarm::Ais)).unwrap() - t0;
    assert!(ais_at <= 4, "{ais_at}");
    p.step(10);
    assert!(p.a.alarms().rai, "A sees RAI while B is blue");

    p.ab.state = LineState::Normal;
    p.step(u64::from(HOLDOFF) + 50);
    assert!(p.b.alarms().is_clear(), "{:?}", p.b.alarms());
    assert!(!p.a.alarms().rai);
}

#[test]
fn a_signal_with_few_zeros_is_not_ais_if_it_has_three_per_double_frame() {
    // Frames with exactly 3 zeros per 64 bytes are not AIS (G.775 threshold).
    let mut r = e1::rx::Receiver::new(e1::rx::RxConfig::default());
    let mut d = [0xFFu8; 64];
    d[5] = 0xFE;
    d[20] = 0xFE;
    d[40] = 0x7F;
    for _ in 0..100 {
        r.handle_input(&d);
    }
    assert!(!r.alarms().ais);
    d[40] = 0xFF; // now 2 zeros
    for _ in 0..2 {
        r.handle_input(&d);
    }
    assert!(r.alarms().ais);
}

#[test]
fn forty_minutes_of_los_do_not_overflow_the_zero_run_counter() {
    // 40 min of all zeros = 4.9e9 zero bits: more than a 32-bit run counter holds.
    let mut r = e1::rx::Receiver::new(e1::rx::RxConfig {
        frame_queue: 0,
        ..e1::rx::RxConfig::default()
    });
    let zeros = vec![0u8; 1 << 16];
    for _ in 0..(40u64 * 60 * 256_000 / (1 << 16)) {
        r.handle_input(&zeros);
        while r.poll_event().is_some() {}
    }
    assert!(r.alarms().los);
}
