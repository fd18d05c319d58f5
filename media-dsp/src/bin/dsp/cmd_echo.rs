//! `dsp echo-cancel`.

use std::path::Path;

use anyhow::{Result, bail};

/// Cancels the echo of `far` in `near` and writes the result to `out`.
pub(crate) fn cancel(_tail_ms: u32, _far: &Path, _near: &Path, _out: &Path) -> Result<()> {
    bail!("echo-cancel: not built yet")
}

/// Measures the echo canceller (kernel "echo_128ms") on signals written to `dir`.
pub(crate) fn bench(_dir: &Path, _seconds: f64) -> Result<Vec<crate::bench::BenchResult>> {
    bail!("echo bench: not built yet")
}
