//! Three-way conference: A–B, B holds A, B consults C, B conferences: each party hears the
//! sum of the other two, sample by sample, through the media path (G.711 in, mixer, G.711
//! out). When one leaves, the other two carry on as a plain bridge.
mod common;

use common::{H, Media};
use media_dsp::g711::{Law, alaw_to_linear, linear_to_alaw};
use switch::Cause;
use switch::engine::{Event, LegEvent};
use switch::media::FRAME;

/// A 20 ms payload whose samples are the A-law code `c`.
fn frame(c: u8) -> [u8; FRAME] {
    [c; FRAME]
}

/// Runs 20 ticks with one frame in on each packet slot; returns each slot's frame out.
fn run_20ms(m: &mut Media, codes: &[(usize, u8)]) -> Vec<(usize, [u8; FRAME])> {
    for &(slot, c) in codes {
        m.path.packet_rx(slot, &frame(c)).unwrap();
    }
    for _ in 0..20 {
        m.path.tick();
    }
    codes
        .iter()
        .map(|&(slot, _)| (slot, *m.path.poll_frame(slot).expect("a frame every 20 ms")))
        .collect()
}

#[test]
fn each_party_hears_the_other_two() {
    let mut h = H::new();
    let mut m = Media::new(8);
    for slot in 0..4 {
        m.path.set_packet(slot, Law::Alaw).unwrap();
    }
    let (a, b) = h.connected_call("1001", "1002");
    m.slots.insert(a, 0);
    m.slots.insert(b, 1);
    h.input(LegEvent::Hold { leg: b });
    let (b2, c) = h.connected_call("1002", "1003");
    m.slots.insert(b2, 3);
    m.slots.insert(c, 2);
    h.input(LegEvent::Conference {
        leg: b,
        consultation: b2,
    });
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::Conferenced { legs, .. } if legs.len() == 3))
    );
    let bridge = h.sw.bridge_of(a).expect("in the conference");
    assert_eq!(h.sw.bridge_of(b), Some(bridge));
    assert_eq!(h.sw.bridge_of(c), Some(bridge));
    m.sync(&h);

    // Three different levels (A-law codes; even bit inversion pattern of 0x55).
    let (ca, cb, cc) = (0xa5u8 ^ 0x55 ^ 0x10, 0x55u8 ^ 0x40, 0xd5u8 ^ 0x30);
    let (xa, xb, xc) = (
        i32::from(alaw_to_linear(ca)),
        i32::from(alaw_to_linear(cb)),
        i32::from(alaw_to_linear(cc)),
    );
    assert!(xa != 0 && xb != 0 && xc != 0);
    let enc = |x: i32| linear_to_alaw(x.clamp(-32768, 32767) as i16);
    let out = run_20ms(&mut m, &[(0, ca), (1, cb), (2, cc)]);
    for (slot, f) in out {
        let want = match slot {
            0 => enc(xb + xc),
            1 => enc(xa + xc),
            _ => enc(xa + xb),
        };
        assert!(
            f.iter().all(|&s| s == want),
            "slot {slot}: {:#x} want {want:#x}",
            f[0]
        );
    }

    // C leaves: A and B carry on, each hearing only the other.
    h.input(LegEvent::Hangup {
        leg: c,
        cause: Cause::NORMAL_CLEARING,
    });
    m.sync(&h);
    assert!(h.hangups().iter().all(|(l, _)| *l != a && *l != b));
    let out = run_20ms(&mut m, &[(0, ca), (1, cb)]);
    assert!(out[0].1.iter().all(|&s| s == cb), "A hears B");
    assert!(out[1].1.iter().all(|&s| s == ca), "B hears A");
}
