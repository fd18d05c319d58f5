//! `dsp echo-cancel` and the echo canceller's bench (kernel "echo_128ms").

use std::path::Path;

use anyhow::{Context, Result, bail};
use media_dsp::g711::Law;
use media_dsp::lec::{EchoCanceller, EchoConfig};

/// Cancels the echo of `far` in `near` and writes the result to `out`.
///
/// FAR is what was sent to the line, NEAR what came back; OUT is NEAR with the echo removed,
/// sample-aligned with NEAR. Both inputs must have the same length.
pub(crate) fn cancel(tail_ms: u32, far: &Path, near: &Path, out: &Path) -> Result<()> {
    let mut ec = EchoCanceller::new(EchoConfig {
        tail_ms,
        ..EchoConfig::default()
    })
    .context("--tail-ms")?;
    let far_s = crate::wav::read(far)?;
    let near_s = crate::wav::read(near)?;
    if far_s.len() != near_s.len() {
        bail!(
            "{} has {} samples but {} has {}: FAR and NEAR must be sample-aligned recordings of the same length",
            far.display(),
            far_s.len(),
            near.display(),
            near_s.len()
        );
    }
    let mut clean = vec![0i16; near_s.len()];
    for ((f, n), o) in far_s
        .chunks(8)
        .zip(near_s.chunks(8))
        .zip(clean.chunks_mut(8))
    {
        ec.process(f, n, o)?;
    }
    crate::wav::write(out, &clean)
}

/// CPU time of this thread in ns (Linux `/proc/thread-self/schedstat`), like the C peers'
/// `CLOCK_THREAD_CPUTIME_ID`, so that other load on the machine does not count; wall-clock
/// time where that file is missing.
fn cpu_time_ns() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or_else(|| {
            START
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_nanos() as f64
        })
}

/// The bench's echo path: 60 ms of pure delay, then a decaying, ringing 8 ms hybrid
/// response (a line-echo shape like the G.168 Annex D models), scaled to 6 dB ERL.
fn bench_echo_path() -> Vec<f32> {
    let delay = 480;
    let mut h = vec![0.0f32; delay + 64];
    for k in 0..64 {
        let t = k as f32;
        h[delay + k] = (-t / 12.0).exp() * (0.9 * t).cos() - 0.3 * (-t / 30.0).exp();
    }
    let energy: f32 = h.iter().map(|v| v * v).sum();
    let scale = 10f32.powf(-6.0 / 20.0) / energy.sqrt();
    h.iter_mut().for_each(|v| *v *= scale);
    h
}

/// ERLE figures of `out` against the echo-only `near`, over 125 ms windows: at 1 s
/// (the window ending at 1 s), steady state (the last 2 s), and the time after which every
/// window stays at or above 20 dB.
pub(crate) fn erle_figures(
    near: &[i16],
    out: &[i16],
) -> serde_json::Map<String, serde_json::Value> {
    const WIN: usize = 1000;
    let erle = |a: usize, b: usize| {
        let pn: f64 = near[a..b].iter().map(|&v| f64::from(v).powi(2)).sum();
        let po: f64 = out[a..b].iter().map(|&v| f64::from(v).powi(2)).sum();
        10.0 * (pn / po.max(1.0)).log10()
    };
    let n = near.len() / WIN * WIN;
    let mut t20 = f64::NAN;
    for w in (0..n / WIN).rev() {
        if erle(w * WIN, (w + 1) * WIN) < 20.0 {
            t20 = (w + 1) as f64 * WIN as f64 / 8000.0;
            break;
        }
        t20 = w as f64 * WIN as f64 / 8000.0;
    }
    let round = |v: f64| serde_json::json!((v * 10.0).round() / 10.0);
    let mut q = serde_json::Map::new();
    q.insert("erle_db_at_1s".into(), round(erle(7000, 8000)));
    q.insert("erle_db_steady".into(), round(erle(n - 16_000, n)));
    q.insert(
        "t_20db_s".into(),
        serde_json::json!((t20 * 1000.0).round() / 1000.0),
    );
    q
}

/// Measures the echo canceller (kernel "echo_128ms") on signals written to `dir`.
///
/// Signal: white noise at -20 dBm0 (spandsp's canceller overflows at -10 dBm0) through µ-law, echoed over [`bench_echo_path`] and
/// µ-law again on the way back (no near-end talk), at least 6 s. Our canceller runs with a
/// 128 ms tail in 8-sample (1 ms) chunks, NLP off (linear ERLE, like the peers).
pub(crate) fn bench(dir: &Path, seconds: f64) -> Result<Vec<crate::bench::BenchResult>> {
    use crate::bench::{BenchResult, write_signal};
    let n = ((seconds.max(6.0) * 8000.0) as usize) / 160 * 160;
    let mut far = vec![0i16; n];
    media_dsp::noise::Noise::new(168).fill_white(&mut far, media_dsp::level::rms_for_dbm0(-20.0));
    Law::Ulaw.round_trip(&mut far);
    let h = bench_echo_path();
    let mut near: Vec<i16> = (0..n)
        .map(|i| {
            let acc: f32 = (480..h.len().min(i + 1))
                .map(|k| h[k] * f32::from(far[i - k]))
                .sum();
            media_dsp::level::saturate(acc)
        })
        .collect();
    Law::Ulaw.round_trip(&mut near);
    write_signal(dir, "echo_far", &far)?;
    write_signal(dir, "echo_near", &near)?;
    let cfg = EchoConfig {
        tail_ms: 128,
        nlp: false,
        cng: false,
        tone_disabler: true,
    };
    let mut out = vec![0i16; n];
    let stream = |out: &mut [i16]| {
        let mut ec = EchoCanceller::new(cfg).expect("valid config");
        for ((f, x), o) in far.chunks(8).zip(near.chunks(8)).zip(out.chunks_mut(8)) {
            ec.process(std::hint::black_box(f), x, o)
                .expect("equal blocks");
        }
    };
    // The thread's run time in schedstat only advances at scheduler ticks (4 ms at 250 Hz)
    // while it runs, so one 6 s stream (about 10 ms) would be measured to ±40 %: each timed
    // run repeats the stream until it has cost at least 0.5 s.
    let t0 = cpu_time_ns();
    stream(&mut out);
    let once = (cpu_time_ns() - t0).max(1e6);
    let reps = ((5e8 / once).ceil() as usize).clamp(1, 200);
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let t0 = cpu_time_ns();
            for _ in 0..reps {
                stream(&mut out);
            }
            (cpu_time_ns() - t0) / (n * reps) as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    let ns = runs[runs.len() / 2];
    let mut r = BenchResult::new("echo_128ms", ns);
    r.quality = erle_figures(&near, &out);
    r.quality.insert("block_ms".into(), serde_json::json!(1));
    Ok(vec![r])
}
