//! `dsp bench`: channels per core in real time for each kernel, as JSON lines.

use std::path::Path;

use anyhow::{Context, Result};

use crate::bench::BenchResult;

/// Runs each kernel on generated audio and prints its real-time channel capacity.
pub(crate) fn run(seconds: f64, signals: Option<&Path>) -> Result<()> {
    anyhow::ensure!(
        seconds > 0.0 && seconds <= 600.0,
        "--seconds must be in (0, 600]"
    );
    let tmp;
    let dir = match signals {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("{}: cannot create", d.display()))?;
            d
        }
        None => {
            tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
            tmp.path()
        }
    };
    let mut results: Vec<BenchResult> = Vec::new();
    results.extend(crate::cmd_g711::bench(dir, seconds)?);
    results.extend(crate::cmd_dtmf::bench(dir, seconds)?);
    results.extend(crate::cmd_echo::bench(dir, seconds)?);
    for r in &results {
        println!("{}", serde_json::to_string(r)?);
    }
    Ok(())
}
