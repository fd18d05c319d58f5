//! WAV input and output for the `dsp` tool: 8 kHz mono 16-bit PCM only, checked strictly.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The only sample rate the telephony kernels work at.
pub(crate) const RATE: u32 = 8000;

/// Reads a whole 8 kHz mono 16-bit PCM WAV file.
///
/// Errors name the file and the problem: not a WAV file, wrong rate, width, channel count
/// or sample format, or a data chunk shorter than its header says (truncated file).
pub(crate) fn read(path: &Path) -> Result<Vec<i16>> {
    let file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let reader = hound::WavReader::new(BufReader::new(file))
        .with_context(|| format!("{}: not a readable WAV file", path.display()))?;
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Int {
        bail!(
            "{}: samples are floating point; need 16-bit integer PCM",
            path.display()
        );
    }
    if spec.bits_per_sample != 16 {
        bail!(
            "{}: {} bits per sample; need 16",
            path.display(),
            spec.bits_per_sample
        );
    }
    if spec.channels != 1 {
        bail!("{}: {} channels; need mono", path.display(), spec.channels);
    }
    if spec.sample_rate != RATE {
        bail!(
            "{}: sample rate {} Hz; need {RATE} Hz",
            path.display(),
            spec.sample_rate
        );
    }
    let declared = reader.len() as usize;
    let samples = reader
        .into_samples::<i16>()
        .collect::<Result<Vec<i16>, _>>()
        .with_context(|| format!("{}: truncated or corrupt sample data", path.display()))?;
    if samples.len() != declared {
        bail!(
            "{}: truncated: header declares {declared} samples, file holds {}",
            path.display(),
            samples.len()
        );
    }
    Ok(samples)
}

/// Writes samples as an 8 kHz mono 16-bit PCM WAV file, atomically: the data goes to a
/// temporary file beside `path` that is renamed into place only when complete, so a failure
/// leaves no partial output behind.
pub(crate) fn write(path: &Path, samples: &[i16]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".dsp-")
        .suffix(".wav.tmp")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create output", path.display()))?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    {
        let mut w = hound::WavWriter::new(std::io::BufWriter::new(tmp.as_file()), spec)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        for &s in samples {
            w.write_sample(s)
                .with_context(|| format!("{}: write failed", path.display()))?;
        }
        w.finalize()
            .with_context(|| format!("{}: write failed", path.display()))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("{}: sync failed", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("{}: cannot move into place", path.display()))?;
    Ok(())
}

/// Milliseconds from a sample index at 8 kHz.
pub(crate) fn ms(sample: u64) -> u64 {
    sample / u64::from(RATE / 1000)
}
