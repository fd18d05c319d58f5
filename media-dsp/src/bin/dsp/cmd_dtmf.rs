//! `dsp dtmf-gen` and `dsp dtmf-detect`, and the DTMF detector's benchmark.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use media_dsp::dtmf::{
    Digit, DtmfDetector, DtmfEvent, DtmfGenerator, GeneratorConfig, generated_len, parse_digits,
};
use serde::Serialize;

use crate::wav;

/// Writes `digits` as DTMF into `out`: each digit is `on` ms of tone at `level` dBm0 per
/// tone, then `off` ms of silence. Nothing is written unless every digit and setting is valid.
pub(crate) fn generate(digits: &str, out: &Path, level: f32, on: u32, off: u32) -> Result<()> {
    let digits: Vec<Digit> = parse_digits(digits)
        .collect::<Result<_, _>>()
        .context("dtmf-gen")?;
    if digits.is_empty() {
        bail!("dtmf-gen: no digits given");
    }
    let cfg = GeneratorConfig {
        level_dbm0: level,
        twist_db: 0.0,
        on_ms: on,
        off_ms: off,
    };
    let mut generator = DtmfGenerator::new(cfg).context("dtmf-gen")?;
    let mut samples = vec![0i16; generated_len(digits.len(), &cfg)];
    let mut at = 0;
    for d in digits {
        generator.start(d);
        at += generator.fill(&mut samples[at..]);
    }
    debug_assert_eq!(at, samples.len());
    wav::write(out, &samples)
}

/// One detected digit, as printed.
#[derive(Debug, Serialize)]
struct DigitLine<'a> {
    file: &'a str,
    digit: String,
    start_ms: u64,
    end_ms: u64,
}

/// Prints one JSON line per detected digit for each file, in file order. Every file is read
/// and checked before anything is printed, so a bad file produces an error and no output.
pub(crate) fn detect(files: &[PathBuf]) -> Result<()> {
    let inputs: Vec<Vec<i16>> = files.iter().map(|f| wav::read(f)).collect::<Result<_>>()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (path, samples) in files.iter().zip(&inputs) {
        let name = path.to_string_lossy();
        let mut det = DtmfDetector::new();
        let mut found = Vec::new();
        let mut collect = |e: DtmfEvent| {
            if let DtmfEvent::Digit(d) = e {
                found.push(d);
            }
        };
        det.process(samples, &mut collect);
        det.finish(&mut collect);
        for d in found {
            let line = DigitLine {
                file: &name,
                digit: d.digit.to_string(),
                start_ms: ms_rounded(d.start),
                end_ms: ms_rounded(d.end),
            };
            use std::io::Write;
            writeln!(out, "{}", serde_json::to_string(&line)?).context("stdout: write failed")?;
        }
    }
    use std::io::Write;
    out.flush().context("stdout: write failed")
}

/// Milliseconds from a sample index at 8 kHz, to the nearest millisecond.
fn ms_rounded(sample: u64) -> u64 {
    wav::ms(sample + u64::from(wav::RATE / 2000))
}

/// The benchmark signal: digits in keypad order, 50 ms of tone at −10 dBm0 per tone then
/// 50 ms of silence each, over white noise at −45 dBm0; a whole number of 100 ms periods.
/// `benches/peers/dtmf.c` rebuilds the expected digit string the same way.
pub(crate) fn bench_signal(seconds: f64) -> (Vec<i16>, String) {
    const PERIOD: usize = 800;
    let n = ((seconds * 8000.0) as usize).max(8000) / PERIOD * PERIOD;
    let cfg = GeneratorConfig {
        level_dbm0: -10.0,
        twist_db: 0.0,
        on_ms: 50,
        off_ms: 50,
    };
    let mut generator = DtmfGenerator::new(cfg).expect("valid bench config");
    let mut samples = vec![0i16; n];
    let mut expected = String::new();
    for (i, period) in samples.chunks_mut(PERIOD).enumerate() {
        let d = Digit::ALL[i % 16];
        generator.start(d);
        generator.fill(period);
        expected.push(d.as_char());
    }
    media_dsp::noise::Noise::new(1633)
        .add_white(&mut samples, media_dsp::level::rms_for_dbm0(-45.0));
    (samples, expected)
}

/// Measures the DTMF detector (kernel "dtmf_rx" in 160-sample blocks, "dtmf_rx_block8" in
/// DAHDI-style 8-sample blocks) on the signal written to `<dir>/dtmf.raw`.
pub(crate) fn bench(dir: &Path, seconds: f64) -> Result<Vec<crate::bench::BenchResult>> {
    use crate::bench::{BenchResult, median_ns_per_sample, write_signal};
    let (signal, expected) = bench_signal(seconds);
    write_signal(dir, "dtmf", &signal)?;
    let mut out = Vec::new();
    for (kernel, block) in [("dtmf_rx", 160usize), ("dtmf_rx_block8", 8)] {
        let mut digits = String::new();
        let ns = median_ns_per_sample(signal.len(), 11, || {
            let mut det = DtmfDetector::new();
            digits.clear();
            let mut on_event = |e: DtmfEvent| {
                if let DtmfEvent::Digit(d) = e {
                    digits.push(d.digit.as_char());
                }
            };
            for chunk in std::hint::black_box(&signal).chunks(block) {
                det.process(chunk, &mut on_event);
            }
            det.finish(&mut on_event);
        });
        let mut r = BenchResult::new(kernel, ns);
        let correct = digits
            .chars()
            .zip(expected.chars())
            .filter(|(a, b)| a == b)
            .count();
        r.quality.insert("block".into(), block.into());
        r.quality
            .insert("digits_expected".into(), expected.chars().count().into());
        r.quality
            .insert("digits_detected".into(), digits.chars().count().into());
        r.quality.insert("digits_in_place".into(), correct.into());
        out.push(r);
    }
    Ok(out)
}
