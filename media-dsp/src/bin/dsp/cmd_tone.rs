//! `dsp tone-detect`.

use std::path::Path;

use anyhow::{Result, bail};

use crate::Country;

/// Prints JSON lines of call-progress tone events found in `file`.
pub(crate) fn detect(_file: &Path, _country: Country) -> Result<()> {
    bail!("tone-detect: not built yet")
}
