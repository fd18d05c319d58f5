//! `dsp cid-gen` and `dsp cid-decode`.

use std::path::Path;

use anyhow::{Result, bail};

use crate::CidStandard;

/// Writes a caller-ID signal for `number` (and `name`) to `out`.
pub(crate) fn generate(
    _standard: CidStandard,
    _number: &str,
    _name: Option<&str>,
    _out: &Path,
) -> Result<()> {
    bail!("cid-gen: not built yet")
}

/// Prints the caller-ID message decoded from `file` as JSON.
pub(crate) fn decode(_file: &Path) -> Result<()> {
    bail!("cid-decode: not built yet")
}
