//! TS16 CAS (G.704 §5.1.3.2, G.732 §5.2): the multiframe is found, ABCD changes on every
//! channel reach the far end (debounced over two multiframes, single-MF glitches filtered),
//! two corrupted MF alignment words lose it, and the far end then sees Y (CAS MF remote alarm).

mod common;

use common::{Pair, first};
use e1::frame::Abcd;
use e1::{Alarm, Config, Crc4Mode, Error, Event, Signalling};

fn cas() -> Config {
    Config {
        signalling: Signalling::Cas,
        crc4: Crc4Mode::Off,
        recovery_holdoff: 10,
        ..Config::default()
    }
}

#[test]
fn abcd_changes_reach_the_far_end_on_all_30_channels() {
    let mut p = Pair::new(cas(), cas());
    p.step(100);
    assert!(p.b.rx().is_cas_aligned());
    assert!(p.ev_b().contains(&Event::CasSync(true)));
    p.clear_events();
    for ch in 1..=30u8 {
        p.a.set_abcd(ch, Abcd((ch % 16) | 0x1)).unwrap();
    }
    let t0 = p.frames;
    p.step(64);
    for ch in 1..=30u8 {
        let want = Abcd((ch % 16) | 0x1);
        let changed = want != Abcd::IDLE;
        assert_eq!(p.b.rx().abcd(ch), Some(want), "channel {ch}");
        let ev = Event::CasChanged {
            channel: ch,
            abcd: want,
        };
        if changed {
            let at = first(&p.events_b, ev).expect("event") - t0;
            // Debounce: seen in two consecutive multiframes (2 ms each) -> within 3 MF.
            assert!(at <= 48, "ch {ch} at {at}");
        }
    }
    // Seize/answer style change on channel 16 (timeslot 17).
    p.a.set_abcd(16, Abcd(0b0001)).unwrap();
    p.step(48);
    assert_eq!(p.b.rx().abcd(16), Some(Abcd(0b0001)));
    assert_eq!(p.a.set_abcd(31, Abcd(0)), Err(Error::BadChannel(31)));
    assert_eq!(p.a.send_hdlc(&[1, 2, 3]), Err(Error::NotCcs));
}

#[test]
fn one_multiframe_glitch_is_filtered() {
    let mut p = Pair::new(cas(), cas());
    p.step(100);
    p.clear_events();
    p.a.set_abcd(5, Abcd(0b0101)).unwrap();
    p.step(16); // one multiframe
    p.a.set_abcd(5, Abcd::IDLE).unwrap();
    p.step(64);
    assert!(
        !p.ev_b()
            .iter()
            .any(|e| matches!(e, Event::CasChanged { .. })),
        "{:?}",
        p.ev_b()
    );
    assert_eq!(p.b.rx().abcd(5), Some(Abcd::IDLE));
}

#[test]
fn loss_of_cas_multiframe_raises_alarm_and_far_end_sees_y() {
    let mut p = Pair::new(cas(), cas());
    p.step(100);
    p.clear_events();
    // Corrupt TS16 of the MF alignment frame twice in a row on A -> B: step frame by frame and
    // flip bit 1 of TS16 whenever A sends the MFAS word (0000 1011).
    let mut corrupted = 0;
    while corrupted < 2 {
        let f = p.a.build_frame(&p.payload);
        let mut g = f;
        if f[16] & 0xF0 == 0 {
            g[16] |= 0x80;
            corrupted += 1;
        }
        p.b.handle_input(&g);
        let fb = p.b.build_frame(&p.payload);
        p.a.handle_input(&fb);
        while let Some(e) = p.b.poll_event() {
            p.events_b.push((0, e));
        }
    }
    assert!(p.b.alarms().cas_multiframe, "{:?}", p.ev_b());
    assert!(p.ev_b().contains(&Event::CasSync(false)));
    // B realigns on the next good MFAS (preceded by non-zero TS16, G.732 §5.2); in between
    // its MF alignment word carries Y = 1, which A reports.
    p.step(80);
    assert!(
        p.ev_a().contains(&Event::AlarmRaised(Alarm::CasRemote)),
        "A sees Y = 1: {:?}",
        p.ev_a()
    );
    assert!(p.ev_a().contains(&Event::AlarmCleared(Alarm::CasRemote)));
    assert!(!p.b.alarms().cas_multiframe);
    assert!(
        p.ev_b()
            .contains(&Event::AlarmCleared(Alarm::CasMultiframe))
    );
    assert!(!p.a.alarms().cas_remote);
}
