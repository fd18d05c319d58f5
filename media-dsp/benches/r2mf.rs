//! R2 MF detector and generator throughput (criterion), and the side-by-side comparison with
//! spandsp 0.0.6's `r2_mf_rx` on the identical signal in the same run: the signal is written
//! to a file, the spandsp peer (`tests/peers/r2mf_spandsp.c`, built here with cc) times its
//! detector over it in 8-sample chunks, ours is timed the same way (median of 21 runs, wall
//! clock), and one line per implementation is printed with the signals each recognised.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::level::rms_for_dbm0;
use media_dsp::noise::Noise;
use media_dsp::r2mf::{Direction, R2MfDetector, R2MfEvent, R2MfGenerator, Signal};

const SECONDS: usize = 4;
const RUNS: usize = 21;

/// Forward signals 1..15 in turn, 50 ms on / 50 ms off at -11.5 dBm0 per tone, over
/// -45 dBm0 white noise (or the noise alone).
fn signal(with_tones: bool) -> Vec<i16> {
    let mut s = vec![0i16; SECONDS * 8000];
    if with_tones {
        let mut g = R2MfGenerator::new(Direction::Forward);
        for (i, period) in s.chunks_mut(800).enumerate() {
            g.set(Some(Signal::ALL[i % 15]));
            g.fill(&mut period[..400]);
            g.set(None);
            g.fill(&mut period[400..]);
        }
    }
    Noise::new(15).add_white(&mut s, rms_for_dbm0(-45.0));
    s
}

fn detect(sig: &[i16], block: usize) -> usize {
    let mut det = R2MfDetector::new(Direction::Forward);
    let mut n = 0;
    for chunk in sig.chunks(block) {
        det.process(std::hint::black_box(chunk), |e| {
            if matches!(e, R2MfEvent::Start { .. }) {
                n += 1;
            }
        });
    }
    n
}

fn detector(c: &mut Criterion) {
    let mut group = c.benchmark_group("r2mf_detect");
    for (name, sig) in [("tones", signal(true)), ("noise", signal(false))] {
        group.throughput(Throughput::Elements(sig.len() as u64));
        for block in [8usize, 160] {
            group.bench_function(format!("{name}/block{block}"), |b| {
                b.iter(|| detect(&sig, block));
            });
        }
    }
    group.finish();
}

fn generator(c: &mut Criterion) {
    let mut group = c.benchmark_group("r2mf_generate");
    let mut out = vec![0i16; 8000];
    group.throughput(Throughput::Elements(out.len() as u64));
    group.bench_function("one_second_block8", |b| {
        b.iter(|| {
            let mut g = R2MfGenerator::new(Direction::Backward);
            g.set(Signal::new(6));
            for c in out.chunks_mut(8) {
                g.fill(c);
            }
            out[7999]
        });
    });
    group.finish();
}

fn build_peer(dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/r2mf_spandsp.c");
    let exe = dir.join("r2mf_spandsp");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "spandsp"])
        .output()
        .ok()?;
    let flags = String::from_utf8(flags.stdout).ok()?;
    let ok = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .args(flags.split_whitespace())
        .arg("-lm")
        .status()
        .ok()?
        .success();
    ok.then_some(exe)
}

/// Ours and spandsp's on the identical signal, same run; prints one line each.
fn side_by_side(_c: &mut Criterion) {
    let sig = signal(true);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("r2mf-bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let file = dir.join("r2mf.raw");
    let bytes: Vec<u8> = sig.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(&file, bytes).expect("write signal");
    let expected = sig.len() / 800;
    let mut ns: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(detect(&sig, 8));
            t.elapsed().as_nanos() as f64 / sig.len() as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    let ours = ns[RUNS / 2];
    let found = detect(&sig, 8);
    println!(
        "r2mf side-by-side (forward set, 8-sample chunks, {SECONDS} s, {expected} signals sent): \
         media-dsp {ours:.2} ns/sample ({:.0} channels/core), {found} recognised",
        1e9 / (ours * 8000.0)
    );
    match build_peer(&dir) {
        Some(exe) => {
            let out = Command::new(exe)
                .args(["bench", "fwd"])
                .arg(&file)
                .arg(RUNS.to_string())
                .output()
                .expect("run spandsp peer");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut it = text.split_whitespace();
            let theirs: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
            let found: String = it.next().unwrap_or("?").to_owned();
            println!(
                "r2mf side-by-side: spandsp-0.0.6 r2_mf_rx {theirs:.2} ns/sample ({:.0} channels/core), {found} recognised",
                1e9 / (theirs * 8000.0)
            );
        }
        None => {
            println!("r2mf side-by-side: spandsp peer not built (libspandsp-dev, cc, pkg-config)")
        }
    }
}

criterion_group!(benches, side_by_side, detector, generator);
criterion_main!(benches);
