//! The jitter buffer alone, pulled 8 samples per ms as the media thread does: clock drift
//! between sender and receiver in both directions, reordering, a timestamp jump without a
//! marker, and a talkspurt after silence (marker bit). Delay stays bounded and nothing is
//! concealed that arrived.

use media_dsp::g711::Law;
use rtp::jitter::{JitterBuffer, JitterConfig};

/// A 20 ms PCMA frame of a 500 Hz tone, for packet `k`.
fn frame(k: u64) -> [u8; 160] {
    let pcm: [i16; 160] = core::array::from_fn(|i| {
        let n = (k * 160 + i as u64) as f64;
        (6000.0 * (2.0 * std::f64::consts::PI * 500.0 * n / 8000.0).sin()) as i16
    });
    let mut out = [0u8; 160];
    Law::Alaw.encode(&pcm, &mut out);
    out
}

/// Runs `secs` seconds: packet k (timestamp `ts0 + 160k`) arrives at receiver ms
/// `arrival(k)`; returns the buffer and the largest buffered amount seen (ms).
fn run(
    secs: u64,
    ts0: u32,
    mut arrival: impl FnMut(u64) -> f64,
    mut ts_of: impl FnMut(u64) -> (u32, bool),
) -> (JitterBuffer, u32) {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; 8];
    let mut k = 0;
    let mut max_buffered = 0;
    let mut pending: Vec<(f64, u64)> = Vec::new();
    for ms in 0..secs * 1000 {
        while arrival(k) <= ms as f64 {
            pending.push((arrival(k), k));
            k += 1;
        }
        pending.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (_, kk) in pending.drain(..) {
            let (ts, marker) = ts_of(kk);
            jb.push(ts0.wrapping_add(ts), marker, &frame(kk));
        }
        jb.pull(&mut out);
        if ms > 2000 {
            max_buffered = max_buffered.max(jb.buffered_ms());
        }
    }
    (jb, max_buffered)
}

fn plain(k: u64) -> (u32, bool) {
    ((k * 160) as u32, k == 0)
}

#[test]
fn fast_sender_clock_drops_chunks_and_keeps_the_delay() {
    // The sender's 20 ms are 19.9 ms here (0.5 % fast): 60 s bring 300 ms extra audio.
    let (jb, max_buffered) = run(60, 4_000_000_000, |k| 10.0 + k as f64 * 19.9, plain);
    let s = jb.stats();
    assert_eq!(s.concealed_chunks, 0, "{s:?}");
    assert_eq!(s.late, 0);
    assert!((250..=350).contains(&s.dropped_chunks), "{s:?}");
    // 20 ms packet + 10 ms target + at most 10 ms before a chunk of tone is skipped.
    assert!(max_buffered <= 45, "buffer grew to {max_buffered} ms");
}

#[test]
fn slow_sender_clock_inserts_chunks() {
    let (jb, max_buffered) = run(60, 0, |k| 10.0 + k as f64 * 20.1, plain);
    let s = jb.stats();
    assert!((250..=350).contains(&s.inserted_chunks), "{s:?}");
    assert_eq!(s.late, 0);
    assert!(s.concealed_chunks + s.underrun_chunks < 100, "{s:?}");
    assert!(max_buffered <= 40, "buffer {max_buffered} ms");
}

#[test]
fn reordered_pairs_are_played_in_order_without_concealment() {
    // Every 10th packet is overtaken by the next one (5 ms ahead of it).
    let (jb, _) = run(
        10,
        7,
        |k| 5.0 + k as f64 * 20.0 + if k % 10 == 9 { 25.0 } else { 0.0 },
        plain,
    );
    let s = jb.stats();
    assert_eq!(s.concealed_chunks, 0, "{s:?}");
    assert_eq!(s.late, 0, "{s:?}");
    assert_eq!(
        s.packets, 499,
        "all but the last, still in flight at the end"
    );
}

#[test]
fn timestamp_jump_without_marker_resyncs() {
    // At packet 250 the sender's timestamps jump ahead by 10 s (a restart, a switched
    // stream) with no marker bit.
    let (jb, max_buffered) = run(
        10,
        123,
        |k| k as f64 * 20.0,
        |k| {
            let base = if k >= 250 { 80_000 } else { 0 };
            ((base + k * 160) as u32, k == 0)
        },
    );
    let s = jb.stats();
    assert_eq!(s.resyncs, 1, "{s:?}");
    assert!(s.concealed_chunks + s.underrun_chunks < 120, "{s:?}");
    assert!(max_buffered <= 60);
}

#[test]
fn talkspurt_after_silence_is_not_loss() {
    // 2 s of speech, 2 s of silence (no packets, DTX), speech again with the marker bit.
    let (jb, _) = run(
        6,
        0,
        |k| {
            let t = 3.0 + k as f64 * 20.0;
            if k >= 100 { t + 2000.0 } else { t }
        },
        |k| {
            let ts = if k >= 100 { k * 160 + 16_000 } else { k * 160 };
            (ts as u32, k == 0 || k == 100)
        },
    );
    let s = jb.stats();
    assert_eq!(s.concealed_chunks, 0, "{s:?}");
    assert_eq!(s.resyncs, 0);
    assert_eq!(s.late, 0);
    assert!(
        s.underrun_chunks >= 1900,
        "the silence plays as underrun: {s:?}"
    );
}

#[test]
fn delay_rises_with_jitter_and_falls_back_when_it_calms() {
    // 10 s clean, 10 s with 0-60 ms of extra delay per packet, 20 s clean again.
    let mut dice = 0x1234_5678_9abc_def1u64;
    let mut jitter = move || {
        dice ^= dice << 13;
        dice ^= dice >> 7;
        dice ^= dice << 17;
        (dice % 60_000) as f64 / 1000.0
    };
    let arrivals: Vec<f64> = (0..2000u64)
        .map(|k| {
            let t = 5.0 + k as f64 * 20.0;
            if (500..1000).contains(&k) {
                t + jitter()
            } else {
                t
            }
        })
        .collect();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; 8];
    let mut k = 0usize;
    let mut pending: Vec<(f64, usize)> = Vec::new();
    let mut target_at = Vec::new();
    let mut late_in_jitter = 0;
    for ms in 0..40_000u64 {
        while k < arrivals.len() && k as f64 * 20.0 - 100.0 <= ms as f64 {
            pending.push((arrivals[k], k));
            k += 1;
        }
        pending.sort_by(|a, b| a.0.total_cmp(&b.0));
        while pending.first().is_some_and(|p| p.0 <= ms as f64) {
            let (_, kk) = pending.remove(0);
            let before = jb.stats().late;
            jb.push((kk * 160) as u32, kk == 0, &frame(kk as u64));
            if jb.stats().late > before && (600..1000).contains(&kk) {
                late_in_jitter += 1;
            }
        }
        jb.pull(&mut out);
        if ms % 1000 == 999 {
            target_at.push(jb.target_delay_ms());
        }
    }
    eprintln!("target per second: {target_at:?}, late while jittery: {late_in_jitter}");
    // Clean: the minimum. Jittery: close to the 60 ms spread (within 2 s). Clean again: back
    // to the minimum once the 2.5 s window has forgotten the jitter.
    assert!(target_at[8] <= 12, "{target_at:?}");
    assert!((50..=70).contains(&target_at[13]), "{target_at:?}");
    assert!(target_at[25] <= 12, "{target_at:?}");
    assert!(
        late_in_jitter <= 12,
        "{late_in_jitter} late of 400: {target_at:?}"
    );
}
