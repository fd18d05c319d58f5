//! `dsp dtmf-gen` and `dsp dtmf-detect`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Writes `digits` as DTMF into `out`.
pub(crate) fn generate(_digits: &str, _out: &Path, _level: f32, _on: u32, _off: u32) -> Result<()> {
    bail!("dtmf-gen: not built yet")
}

/// Prints one JSON line per detected digit for each file.
pub(crate) fn detect(_files: &[PathBuf]) -> Result<()> {
    bail!("dtmf-detect: not built yet")
}

/// Measures the DTMF detector (kernel "dtmf_rx") on a signal written to `dir`.
pub(crate) fn bench(_dir: &Path, _seconds: f64) -> Result<Vec<crate::bench::BenchResult>> {
    bail!("dtmf bench: not built yet")
}
