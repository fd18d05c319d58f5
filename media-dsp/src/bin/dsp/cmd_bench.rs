//! `dsp bench`: channels per core in real time for each kernel, as JSON lines.
//!
//! Kernel groups and the kernels they report (the C peer harness uses the same names):
//! `g711` (g711_{alaw,ulaw}_{encode,decode}), `dtmf` (dtmf_rx), `echo` (echo_128ms),
//! `mixer` (mixer_{3,8,32}legs; a "channel" is one leg), `plc` (plc_{10,20}ms_10pct),
//! `tones` (tone_detect_cn, ans_detect), `cid` (cid_rx_v23, cid_rx_bell202), `r2mf` (r2mf_rx).

use std::path::Path;

use anyhow::{Context, Result};
use clap::ValueEnum;
use media_dsp::mixer::{Leg, Mixer};
use media_dsp::plc::Plc;

use crate::bench::{BenchResult, min_ns_per_sample, write_signal};

/// Timed runs per kernel measurement; the fastest counts (see [`crate::bench::min_ns_per_sample`]).
pub(crate) const RUNS: usize = 11;

/// A group of kernels `dsp bench` can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Group {
    /// G.711 encode and decode, both laws.
    G711,
    /// The DTMF detector.
    Dtmf,
    /// The line echo canceller.
    Echo,
    /// The conference mixer.
    Mixer,
    /// Packet-loss concealment.
    Plc,
    /// Call-progress and answer-tone detection.
    Tones,
    /// Caller-ID FSK reception.
    Cid,
    /// MFC/R2 register tone detection.
    R2mf,
}

/// Runs each kernel of `groups` (all when empty) on generated audio and prints its
/// real-time channel capacity. Any group's failure fails the whole run (nothing printed).
pub(crate) fn run(seconds: f64, signals: Option<&Path>, groups: &[Group]) -> Result<()> {
    anyhow::ensure!(
        seconds > 0.0 && seconds <= 600.0,
        "--seconds must be in (0, 600]"
    );
    let tmp;
    let dir = match signals {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("{}: cannot create", d.display()))?;
            d
        }
        None => {
            tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
            tmp.path()
        }
    };
    let wanted = |g: Group| groups.is_empty() || groups.contains(&g);
    let mut results: Vec<BenchResult> = Vec::new();
    if wanted(Group::G711) {
        results.extend(crate::cmd_g711::bench(dir, seconds)?);
    }
    if wanted(Group::Dtmf) {
        results.extend(crate::cmd_dtmf::bench(dir, seconds)?);
    }
    if wanted(Group::Echo) {
        results.extend(crate::cmd_echo::bench(dir, seconds)?);
    }
    if wanted(Group::Mixer) {
        results.extend(mixer(seconds)?);
    }
    if wanted(Group::Plc) {
        results.extend(plc(dir, seconds)?);
    }
    if wanted(Group::Tones) {
        results.extend(tones(seconds));
    }
    if wanted(Group::Cid) {
        results.extend(cid(seconds)?);
    }
    if wanted(Group::R2mf) {
        results.push(r2mf(dir, seconds)?);
    }
    for r in &results {
        println!("{}", serde_json::to_string(r)?);
    }
    Ok(())
}

/// Conferences of 3, 8 and 32 legs mixed in DAHDI 8-sample chunks; the cost is per
/// leg-sample, so "channels per core" counts conference legs. No peer library has a mixer.
fn mixer(seconds: f64) -> Result<Vec<BenchResult>> {
    const BLOCK: usize = 8;
    let n = ((seconds * 8000.0) as usize).clamp(8000, 80_000) / BLOCK * BLOCK;
    let mut out = Vec::new();
    for legs in [3usize, 8, 32] {
        let mut noise = media_dsp::noise::Noise::new(legs as u64);
        let inputs: Vec<Vec<i16>> = (0..legs)
            .map(|_| {
                let mut x = vec![0i16; n];
                noise.fill_white(&mut x, media_dsp::level::rms_for_dbm0(-20.0));
                x
            })
            .collect();
        let mut outputs = vec![vec![0i16; n]; legs];
        let mut m = Mixer::<32>::new();
        // One supervisor listening in, as in a monitored call-center conference.
        m.set_leg(legs - 1, Leg::LISTEN)?;
        let mut failed = None;
        let ns = min_ns_per_sample(n * legs, RUNS, || {
            for start in (0..n).step_by(BLOCK) {
                let ins: [&[i16]; 32] = core::array::from_fn(|i| {
                    inputs.get(i).map_or(&[][..], |x| &x[start..start + BLOCK])
                });
                let mut it = outputs.iter_mut();
                let mut outs: [&mut [i16]; 32] = core::array::from_fn(|_| {
                    it.next()
                        .map_or_else(Default::default, |o| &mut o[start..start + BLOCK])
                });
                if let Err(e) = m.mix(std::hint::black_box(&ins[..legs]), &mut outs[..legs]) {
                    failed = Some(e);
                }
            }
            std::hint::black_box(&mut outputs);
        });
        if let Some(e) = failed {
            return Err(e).context("mixer bench");
        }
        out.push(
            BenchResult::new(&format!("mixer_{legs}legs"), ns)
                .with("legs", legs)
                .with("block", BLOCK),
        );
    }
    Ok(out)
}

/// A voiced, speech-like signal: harmonics of a pitch gliding between 95 and 240 Hz with a
/// formant-like spectrum and a slow envelope (the same family as tests/plc_concealment.rs).
fn voiced(len: usize) -> Vec<i16> {
    use core::f32::consts::PI;
    let mut phase = 0.0f32;
    (0..len)
        .map(|n| {
            let t = n as f32 / 8000.0;
            let f0 = 95.0 + 145.0 * 0.5 * (1.0 - (2.0 * PI * t / 2.3).cos());
            phase = (phase + 2.0 * PI * f0 / 8000.0) % (2.0 * PI);
            let mut x = 0.0;
            for k in 1..=12 {
                let f = k as f32 * f0;
                if f > 3600.0 {
                    break;
                }
                let formant = 1.0 + 2.0 * (-((f - 700.0) / 250.0).powi(2)).exp();
                x += formant / k as f32 * (k as f32 * phase).sin();
            }
            let env = 0.75 + 0.25 * (2.0 * PI * 3.0 * t).sin();
            media_dsp::level::saturate(3500.0 * env * x)
        })
        .collect()
}

/// Packet-loss concealment on a voiced signal with every tenth frame lost, for 10 and
/// 20 ms frames (kernels "plc_10ms_10pct", "plc_20ms_10pct"). The cost is per output
/// sample of the whole stream; quality is the SNR over the lost frames against the truth
/// (silence substitution scores 0 dB). The signal goes to `plc.raw` for the spandsp peer,
/// which applies the same loss pattern and the same SNR.
fn plc(dir: &Path, seconds: f64) -> Result<Vec<BenchResult>> {
    let n = ((seconds * 8000.0) as usize).max(16_000) / 160 * 160;
    let truth = voiced(n);
    write_signal(dir, "plc", &truth)?;
    let mut y = truth.clone();
    let mut out = Vec::new();
    for (frame, name) in [(80usize, "plc_10ms_10pct"), (160, "plc_20ms_10pct")] {
        let lost = |i: usize| i % 10 == 9;
        let mut pass = || {
            y.copy_from_slice(&truth);
            let mut p = Plc::new();
            for (i, f) in y.chunks_exact_mut(frame).enumerate() {
                if lost(i) {
                    p.lost_frame(f);
                } else {
                    p.good_frame(f);
                }
            }
            std::hint::black_box(&mut y);
        };
        let ns = min_ns_per_sample(n, RUNS, &mut pass);
        pass();
        let (mut sig, mut err) = (0.0f64, 0.0f64);
        for (i, (t, c)) in truth
            .chunks_exact(frame)
            .zip(y.chunks_exact(frame))
            .enumerate()
        {
            if lost(i) {
                for (&a, &b) in t.iter().zip(c) {
                    sig += f64::from(a).powi(2);
                    err += (f64::from(a) - f64::from(b)).powi(2);
                }
            }
        }
        let snr = 10.0 * (sig / err.max(1.0)).log10();
        out.push(BenchResult::new(name, ns).with("snr_db", (snr * 100.0).round() / 100.0));
    }
    Ok(out)
}

/// Call-progress detection (China plan) on a busy tone with noise, and the 2100 Hz
/// answer-tone detector on an ANS/PR tone, both fed in 8-sample chunks as the media thread
/// does. Quality: how many tones each detector reported.
fn tones(seconds: f64) -> Vec<BenchResult> {
    use media_dsp::ans::{AnsDetector, AnsGenerator};
    use media_dsp::tones::{Country, ToneDetector, ToneGenerator, ToneKind};
    const BLOCK: usize = 8;
    let n = ((seconds * 8000.0) as usize).clamp(8000, 80_000) / BLOCK * BLOCK;
    let mut out = Vec::new();

    let busy = Country::China
        .profile()
        .tone(ToneKind::Busy)
        .expect("the China plan has busy tone");
    let mut signal = vec![0i16; n];
    ToneGenerator::with_level(busy, -20.0).fill(&mut signal);
    media_dsp::noise::Noise::new(450).add_white(&mut signal, media_dsp::level::rms_for_dbm0(-45.0));
    let mut detected = 0usize;
    let ns = min_ns_per_sample(n, RUNS, || {
        let mut d = ToneDetector::new(Country::China);
        detected = 0;
        for chunk in signal.chunks(BLOCK) {
            d.process(std::hint::black_box(chunk));
            while d.poll_event().is_some() {
                detected += 1;
            }
        }
    });
    out.push(
        BenchResult::new("tone_detect_cn", ns)
            .with("block", BLOCK)
            .with("events", detected),
    );

    let mut ans = vec![0i16; n];
    AnsGenerator::new(2100.0, -15.0, true, false).fill(&mut ans);
    let mut events = 0usize;
    let ns = min_ns_per_sample(n, RUNS, || {
        let mut d = AnsDetector::new();
        events = 0;
        for chunk in ans.chunks(BLOCK) {
            d.process(std::hint::black_box(chunk));
            while d.poll_event().is_some() {
                events += 1;
            }
        }
    });
    out.push(
        BenchResult::new("ans_detect", ns)
            .with("block", BLOCK)
            .with("events", events),
    );
    out
}

/// The caller-ID receiver on back-to-back MDMF messages (number and name) in 8-sample
/// chunks. Quality: messages decoded and expected.
fn cid(seconds: f64) -> Result<Vec<BenchResult>> {
    use media_dsp::cid::{CallerId, CidRx, CidTx, Name, Number};
    use media_dsp::fsk::FskStandard;
    const BLOCK: usize = 8;
    let n = ((seconds * 8000.0) as usize).clamp(8000, 160_000) / BLOCK * BLOCK;
    let mut id = CallerId::mdmf();
    id.number = Some(Number::number("13800138000").map_err(|e| anyhow::anyhow!("{e}"))?);
    id.name = Some(Name::name("ZHANG WEI").map_err(|e| anyhow::anyhow!("{e}"))?);
    let mut out = Vec::new();
    for (standard, name) in [
        (FskStandard::V23, "cid_rx_v23"),
        (FskStandard::Bell202, "cid_rx_bell202"),
    ] {
        let mut signal = vec![0i16; n];
        let mut expected = 0usize;
        let mut at = 0;
        loop {
            let mut tx =
                CidTx::from_caller_id(standard, &id, -13.0).map_err(|e| anyhow::anyhow!("{e}"))?;
            let len = tx.total_samples() + 800;
            if at + len > n {
                break;
            }
            tx.fill(&mut signal[at..at + len]);
            at += len;
            expected += 1;
        }
        let mut decoded = 0usize;
        let ns = min_ns_per_sample(n, RUNS, || {
            let mut rx = CidRx::new(standard);
            decoded = 0;
            for chunk in signal.chunks(BLOCK) {
                rx.process(std::hint::black_box(chunk), |m| {
                    decoded += usize::from(m.is_ok())
                });
            }
        });
        out.push(
            BenchResult::new(name, ns)
                .with("block", BLOCK)
                .with("messages_decoded", decoded)
                .with("messages_expected", expected),
        );
    }
    Ok(out)
}

/// The R2 MF detector (kernel "r2mf_rx") in 8-sample chunks on forward signals 1..15 in turn,
/// 50 ms on / 50 ms off at -11.5 dBm0 per tone over -45 dBm0 noise, written to `r2mf.raw`
/// (the signal of `benches/r2mf.rs`, whose side-by-side run times spandsp's r2_mf_rx on it).
fn r2mf(dir: &Path, seconds: f64) -> Result<BenchResult> {
    use media_dsp::r2mf::{Direction, R2MfDetector, R2MfEvent, R2MfGenerator, Signal};
    let n = ((seconds * 8000.0) as usize).max(8000) / 800 * 800;
    let mut sig = vec![0i16; n];
    let mut g = R2MfGenerator::new(Direction::Forward);
    for (i, period) in sig.chunks_mut(800).enumerate() {
        g.set(Some(Signal::ALL[i % 15]));
        g.fill(&mut period[..400]);
        g.set(None);
        g.fill(&mut period[400..]);
    }
    media_dsp::noise::Noise::new(15).add_white(&mut sig, media_dsp::level::rms_for_dbm0(-45.0));
    write_signal(dir, "r2mf", &sig)?;
    let mut found = 0usize;
    let ns = crate::bench::median_ns_per_sample(n, RUNS, || {
        let mut det = R2MfDetector::new(Direction::Forward);
        found = 0;
        for c in std::hint::black_box(&sig).chunks(8) {
            det.process(c, |e| {
                if matches!(e, R2MfEvent::Start { .. }) {
                    found += 1;
                }
            });
        }
    });
    Ok(BenchResult::new("r2mf_rx", ns)
        .with("block", 8)
        .with("signals_expected", n / 800)
        .with("signals_detected", found))
}
