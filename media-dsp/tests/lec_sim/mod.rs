//! Echo-path simulation shared by the `lec_*` tests: the G.168 Annex D hybrid models (read
//! from spandsp's `g168models.h` at test time), pure delay, ERL scaling, G.711, speech-like
//! and noise sources, and ERLE measurement.
#![allow(dead_code, unreachable_pub, missing_docs)]

use media_dsp::g711::Law;
use media_dsp::lec::{EchoCanceller, EchoConfig};
use media_dsp::level::{rms_for_dbm0, saturate};
use media_dsp::noise::Noise;

pub const RATE: usize = 8000;
const HEADER: &str = "/usr/include/spandsp/g168models.h";

/// The impulse response of G.168 Annex D hybrid model `D.n` (n = 2..=9), with the header's
/// gain applied, parsed from spandsp's `g168models.h`.
pub fn hybrid_model(n: u32) -> Vec<f32> {
    let text = std::fs::read_to_string(HEADER).unwrap_or_else(|e| {
        panic!("{HEADER}: {e}: the G.168 hybrid models come from libspandsp-dev; run `make deps`")
    });
    let start = text
        .find(&format!("line_model_d{n}_coeffs[]"))
        .unwrap_or_else(|| panic!("{HEADER}: no line_model_d{n}_coeffs"));
    let open = start + text[start..].find('{').expect("opening brace");
    let close = open + text[open..].find('}').expect("closing brace");
    let coeffs: Vec<f32> = text[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<i32>().expect("integer coefficient") as f32)
        .collect();
    let key = format!("LINE_MODEL_D{n}_GAIN");
    let g = text.find(&key).expect("gain define") + key.len();
    let gain: f32 = text[g..]
        .split_whitespace()
        .next()
        .expect("gain value")
        .trim_end_matches('f')
        .parse()
        .expect("gain number");
    assert!(
        coeffs.len() >= 32,
        "D.{n}: only {} coefficients",
        coeffs.len()
    );
    coeffs.into_iter().map(|c| c * gain).collect()
}

/// An echo path: `delay_ms` of pure delay, then hybrid model D.`model` scaled so that the
/// echo return loss on white noise is `erl_db`.
pub fn echo_path(model: u32, delay_ms: f32, erl_db: f32) -> Vec<f32> {
    let h = hybrid_model(model);
    let energy: f32 = h.iter().map(|v| v * v).sum();
    let scale = 10f32.powf(-erl_db / 20.0) / energy.sqrt();
    let delay = (delay_ms * 8.0).round() as usize;
    let mut p = vec![0.0; delay];
    p.extend(h.iter().map(|v| v * scale));
    p
}

/// Convolves `x` with `h` (same length as `x`, causal).
pub fn convolve(x: &[i16], h: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    let first = h.iter().position(|v| *v != 0.0).unwrap_or(h.len());
    for (n, out) in y.iter_mut().enumerate() {
        let mut acc = 0.0f32;
        for k in first..h.len().min(n + 1) {
            acc += h[k] * f32::from(x[n - k]);
        }
        *out = acc;
    }
    y
}

/// White Gaussian noise at `dbm0`.
pub fn white(seconds: f32, dbm0: f32, seed: u64) -> Vec<i16> {
    let mut v = vec![0i16; (seconds * RATE as f32) as usize];
    Noise::new(seed).fill_white(&mut v, rms_for_dbm0(dbm0));
    v
}

/// A speech-like synthetic source (our own, deterministic): a glottal pulse train at a
/// wandering pitch of 90–220 Hz mixed with noise, through two formant resonators whose
/// frequencies change every syllable, switched by a syllabic envelope (syllables of
/// 120–320 ms with 10 ms ramps, pauses of 40–400 ms). The result is strongly coloured (low-pass
/// tilt, formants, harmonics) and intermittent like speech, scaled to `dbm0` over its active
/// parts.
pub fn speech_like(seconds: f32, dbm0: f32, seed: u64) -> Vec<i16> {
    let n = (seconds * RATE as f32) as usize;
    let mut rng = Noise::new(seed);
    let mut raw = vec![0.0f32; n];
    let mut env = vec![0.0f32; n];
    let (mut i, mut phase) = (0usize, 0.0f32);
    let mut r1 = [0.0f32; 2];
    let mut r2 = [0.0f32; 2];
    let mut pre = 0.0f32;
    while i < n {
        let syl = 960 + (rng.next_u32() % 1600) as usize;
        let pause = 320 + (rng.next_u32() % 2880) as usize;
        let f0 = 90.0 + 130.0 * (rng.uniform() * 0.5 + 0.5);
        let fa = 300.0 + 600.0 * (rng.uniform() * 0.5 + 0.5);
        let fb = 900.0 + 1600.0 * (rng.uniform() * 0.5 + 0.5);
        let voiced = rng.uniform() > -0.6;
        let coef = |f: f32, r: f32| {
            (
                2.0 * r * (2.0 * std::f32::consts::PI * f / 8000.0).cos(),
                -r * r,
            )
        };
        let (a1, a2) = coef(fa, 0.97);
        let (b1, b2) = coef(fb, 0.94);
        for k in 0..syl.min(n - i) {
            phase += f0 * (1.0 + 0.1 * (k as f32 / 800.0).sin()) / 8000.0;
            let mut ex = 0.15 * rng.gaussian();
            if voiced && phase >= 1.0 {
                phase -= 1.0;
                ex += 6.0;
            }
            // First-difference pre-emphasis keeps DC and hum out, as a telephone band does.
            let e = ex - pre;
            pre = ex;
            let y1 = e + a1 * r1[0] + a2 * r1[1];
            r1 = [y1, r1[0]];
            let y2 = y1 + b1 * r2[0] + b2 * r2[1];
            r2 = [y2, r2[0]];
            raw[i + k] = y2;
            let ramp = 80.0;
            env[i + k] = (k as f32 / ramp).min(1.0).min((syl - k) as f32 / ramp);
        }
        i += syl + pause;
    }
    let mut sum = 0.0f64;
    let mut cnt = 0usize;
    for k in 0..n {
        raw[k] *= env[k];
        if env[k] > 0.5 {
            sum += f64::from(raw[k]) * f64::from(raw[k]);
            cnt += 1;
        }
    }
    let rms = (sum / cnt.max(1) as f64).sqrt() as f32;
    let g = rms_for_dbm0(dbm0) / rms.max(1e-9);
    raw.iter().map(|v| saturate(v * g)).collect()
}

/// A simulated call: `far` (what we send) through G.711 if `law` is set, its echo through
/// `path`, plus `near_talk` (already at line level), and the near-end sum through G.711.
pub struct Scenario {
    pub far: Vec<i16>,
    /// The echo alone (float, before the near-end codec).
    pub echo: Vec<f32>,
    pub near: Vec<i16>,
}

pub fn scenario(
    far: &[i16],
    path: &[f32],
    near_talk: Option<&[i16]>,
    law: Option<Law>,
) -> Scenario {
    let mut far = far.to_vec();
    if let Some(l) = law {
        l.round_trip(&mut far);
    }
    let echo = convolve(&far, path);
    let mut near: Vec<i16> = echo
        .iter()
        .enumerate()
        .map(|(i, e)| saturate(e + near_talk.map_or(0.0, |t| f32::from(t[i]))))
        .collect();
    if let Some(l) = law {
        l.round_trip(&mut near);
    }
    Scenario { far, echo, near }
}

/// Runs a canceller over `far`/`near` in 8-sample chunks and returns its output.
pub fn run(cfg: EchoConfig, far: &[i16], near: &[i16]) -> Vec<i16> {
    let mut ec = EchoCanceller::new(cfg).expect("config");
    run_with(&mut ec, far, near)
}

pub fn run_with(ec: &mut EchoCanceller, far: &[i16], near: &[i16]) -> Vec<i16> {
    let mut out = vec![0i16; near.len()];
    for ((f, n), o) in far.chunks(8).zip(near.chunks(8)).zip(out.chunks_mut(8)) {
        ec.process(f, n, o).expect("process");
    }
    out
}

/// The linear canceller configuration of G.168 Test 2B (NLP off).
pub fn linear(tail_ms: u32) -> EchoConfig {
    EchoConfig {
        tail_ms,
        nlp: false,
        cng: false,
        tone_disabler: true,
    }
}

/// ERLE in dB over samples `[from, to)`: echo power over residual power, where the residual
/// is the output minus `near_talk` (if any).
pub fn erle(echo: &[f32], out: &[i16], from: usize, to: usize) -> f32 {
    let pe: f64 = echo[from..to].iter().map(|v| f64::from(*v).powi(2)).sum();
    let pr: f64 = out[from..to].iter().map(|v| f64::from(*v).powi(2)).sum();
    (10.0 * (pe / pr.max(1e-3)).log10()) as f32
}

/// ERLE over consecutive windows of `win` samples in `[from, to)`, skipping windows whose
/// echo is below -50 dBm0 (speech pauses).
pub fn erle_windows(
    echo: &[f32],
    out: &[i16],
    from: usize,
    to: usize,
    win: usize,
) -> Vec<(usize, f32)> {
    let floor = rms_for_dbm0(-50.0).powi(2) as f64;
    (from..to)
        .step_by(win)
        .filter(|&s| s + win <= to)
        .filter(|&s| {
            let p: f64 = echo[s..s + win].iter().map(|v| f64::from(*v).powi(2)).sum();
            p / win as f64 > floor
        })
        .map(|s| (s, erle(echo, out, s, s + win)))
        .collect()
}

pub fn secs(s: f32) -> usize {
    (s * RATE as f32) as usize
}

/// Speech from espeak-ng (generated at test time, resampled to 8 kHz with sox), scaled to
/// `dbm0` over the whole utterance.
pub fn espeak(text: &str, voice: &str, dbm0: f32) -> Vec<i16> {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = dir.path().join("raw.wav");
    let pcm = dir.path().join("pcm.wav");
    let st = Command::new("espeak-ng")
        .args(["-v", voice, "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng not found: run `make deps`");
    assert!(st.success(), "espeak-ng failed");
    let st = Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-b", "16", "-c", "1"])
        .arg(&pcm)
        .status()
        .expect("sox not found: run `make deps`");
    assert!(st.success(), "sox failed");
    let r = hound::WavReader::open(&pcm).expect("sox output");
    let sp: Vec<i16> = r
        .into_samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let p = sp.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / sp.len() as f64;
    let g = (f64::from(rms_for_dbm0(dbm0)) / p.sqrt()) as f32;
    sp.iter().map(|&s| saturate(f32::from(s) * g)).collect()
}

/// Sentences for the speech tests.
pub const SENTENCES: &str = "The quick brown fox jumps over the lazy dog. Please hold while \
     we connect your call to the next available agent. Your call is important to us.";
