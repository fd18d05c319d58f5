//! Shared pieces of `dsp bench` and the side-by-side peer comparison.
//!
//! Each kernel's bench function writes the exact signal it measures to `<dir>/<name>.raw`
//! (s16le, 8 kHz mono) so that the C peer harness (`media-dsp/benches/peers/`) can run the
//! peer library on identical samples, then reports one [`BenchResult`] per measurement.
//! `scripts/bench-peers.sh` runs both sides in one run and tabulates them.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

/// One measurement, printed as one JSON line. The C peers print the same shape.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BenchResult {
    /// Kernel name, shared with the peer harness (e.g. "g711_ulaw_encode", "dtmf_rx", "echo_128ms").
    pub kernel: String,
    /// Implementation, e.g. "media-dsp" or "spandsp-0.0.6".
    pub implementation: String,
    /// Median CPU cost per sample over the runs, in nanoseconds.
    pub ns_per_sample: f64,
    /// Channels one core can process in real time at 8 kHz: 1e9 / (ns_per_sample * 8000).
    pub channels_per_core: f64,
    /// Kernel-specific quality figures (detections, ERLE...), when the kernel has any.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub quality: serde_json::Map<String, serde_json::Value>,
}

impl BenchResult {
    /// Adds one quality figure (shown in the table's quality column).
    pub(crate) fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.quality.insert(key.to_owned(), value.into());
        self
    }

    /// A result for `kernel` from a median cost per sample.
    pub(crate) fn new(kernel: &str, ns_per_sample: f64) -> Self {
        Self {
            kernel: kernel.to_owned(),
            implementation: "media-dsp".to_owned(),
            ns_per_sample,
            channels_per_core: 1e9 / (ns_per_sample * 8000.0),
            quality: serde_json::Map::new(),
        }
    }
}

/// Runs `f` (which processes `samples` samples) and returns the median nanoseconds per
/// sample over `runs` timed runs. `f` is called once first to warm caches and to size the
/// runs: each timed run repeats `f` until it lasts at least [`MIN_RUN`], so that kernels
/// costing a fraction of a nanosecond per sample are not lost in timer resolution.
///
/// This is wall-clock time (std has no thread CPU clock), so on a loaded machine every
/// run may include time when another process had the core; [`min_ns_per_sample`] is the
/// better estimate of CPU cost there.
pub(crate) fn median_ns_per_sample(samples: usize, runs: usize, f: impl FnMut()) -> f64 {
    let mut t = timed_runs(samples, runs, f);
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Like [`median_ns_per_sample`] but returns the fastest of `runs` runs: preemption and
/// co-runners only ever add wall-clock time, so the minimum is the closest wall-clock
/// estimate of the CPU time the C peers measure directly.
pub(crate) fn min_ns_per_sample(samples: usize, runs: usize, f: impl FnMut()) -> f64 {
    timed_runs(samples, runs, f)
        .into_iter()
        .fold(f64::INFINITY, f64::min)
}

/// Nanoseconds per sample of each of `runs` timed runs (see [`median_ns_per_sample`]).
fn timed_runs(samples: usize, runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_nanos(1));
    let reps = (MIN_RUN.as_nanos() / once.as_nanos()).clamp(1, 1_000_000) as usize;
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            for _ in 0..reps {
                f();
            }
            start.elapsed().as_nanos() as f64 / (samples * reps) as f64
        })
        .collect()
}

/// Shortest timed run of [`median_ns_per_sample`].
const MIN_RUN: Duration = Duration::from_millis(5);

/// Writes `samples` as raw s16le to `<dir>/<name>.raw` for the peer harness.
pub(crate) fn write_signal(dir: &Path, name: &str, samples: &[i16]) -> Result<()> {
    let path = dir.join(format!("{name}.raw"));
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}
