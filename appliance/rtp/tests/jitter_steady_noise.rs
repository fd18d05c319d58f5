//! A steady G.711 stream of full-scale noise whose packets arrive with a little scheduler
//! jitter (0–3 ms, mostly 1–2 ms, the fastest path rare) plays out unaltered: once the
//! buffer has settled, no chunk is inserted, skipped or concealed, and every sample played
//! is the sample sent, in order.
//!
//! Why it matters: this is what a switch's two jitter buffers see on a bridged call on a
//! quiet LAN. Each insert or skip alters a 20 ms frame the caller hears (and the SIP load
//! bench counts); chasing every 1 ms change of the fastest transit cost about one altered
//! frame per 2 s per buffer before the buffer got a dead band.

use media_dsp::g711::Law;
use rtp::jitter::{JitterBuffer, JitterConfig};

/// Sample `n` of the noise: an A-law code from a xorshift sequence (every code equally
/// likely, so almost no 1 ms chunk is quiet).
fn code(n: u64) -> u8 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 29) as u8
}

/// Extra transit of packet `k`, ms: 1 or 2 most of the time, 3 now and then, 0 rarely.
fn jitter(k: u64) -> u64 {
    let mut x = k.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ 0x94D0_49BB_1331_11EB;
    x ^= x >> 31;
    match x % 1000 {
        0..=4 => 0,
        5..=494 => 1,
        495..=979 => 2,
        _ => 3,
    }
}

#[test]
fn noise_with_small_jitter_plays_unaltered() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; 8];
    let mut codes = [0u8; 8];
    let mut played: Vec<u8> = Vec::new();
    let mut pending: Vec<(u64, u64)> = Vec::new();
    let mut k = 0u64;
    let mut settled = None;
    for ms in 0..30_000u64 {
        while 5 + k * 20 <= ms {
            pending.push((5 + k * 20 + jitter(k), k));
            k += 1;
        }
        pending.sort_unstable();
        while pending.first().is_some_and(|p| p.0 <= ms) {
            let (_, kk) = pending.remove(0);
            let payload: Vec<u8> = (kk * 160..kk * 160 + 160).map(code).collect();
            jb.push((kk * 160) as u32, kk == 0, &payload);
        }
        jb.pull(&mut out);
        if ms == 3000 {
            settled = Some(jb.stats());
        }
        if ms >= 3000 {
            Law::Alaw.encode(&out, &mut codes);
            played.extend_from_slice(&codes);
        }
    }
    let before = settled.expect("settled");
    let s = jb.stats();
    assert_eq!(s.late, 0, "{s:?}");
    assert_eq!(
        (
            s.inserted_chunks - before.inserted_chunks,
            s.dropped_chunks - before.dropped_chunks,
            s.concealed_chunks - before.concealed_chunks,
            s.underrun_chunks - before.underrun_chunks,
        ),
        (0, 0, 0, 0),
        "inserted, skipped, concealed, underrun after 3 s: {before:?} → {s:?}"
    );
    // Every sample played after 3 s continues the sequence without a gap or repeat.
    let first = (0..40_000u64)
        .find(|&n| (0..64).all(|i| code(n + i) == played[i as usize]))
        .expect("the played audio is the sent noise");
    let bad = played
        .iter()
        .enumerate()
        .filter(|&(i, &c)| c != code(first + i as u64))
        .count();
    assert_eq!(bad, 0, "of {} samples played", played.len());
}
