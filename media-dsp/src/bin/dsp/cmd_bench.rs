//! `dsp bench`: channels per core in real time for each kernel, as JSON.

use anyhow::{Result, bail};

/// Runs each kernel on generated audio and prints its real-time channel capacity.
pub(crate) fn run(_seconds: f64) -> Result<()> {
    bail!("bench: not built yet")
}
