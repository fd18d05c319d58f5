//! `dsp echo-cancel`.

use std::path::Path;

use anyhow::{Result, bail};

/// Cancels the echo of `far` in `near` and writes the result to `out`.
pub(crate) fn cancel(_tail_ms: u32, _far: &Path, _near: &Path, _out: &Path) -> Result<()> {
    bail!("echo-cancel: not built yet")
}
