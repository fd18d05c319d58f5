//! `dsp g711 encode|decode`: stdin to stdout, raw s16le <-> one byte per sample.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use media_dsp::g711::Law;

const CHUNK: usize = 8192;

/// Reads s16le from stdin and writes one G.711 byte per sample to stdout.
pub(crate) fn encode(law: Law) -> Result<()> {
    let mut input = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut bytes = vec![0u8; CHUNK * 2];
    let mut pcm = vec![0i16; CHUNK];
    let mut codes = vec![0u8; CHUNK];
    let mut carry: Option<u8> = None;
    loop {
        let start = usize::from(carry.is_some());
        if let Some(b) = carry.take() {
            bytes[0] = b;
        }
        let n = read_some(&mut input, &mut bytes[start..])?;
        let have = start + n;
        if n == 0 {
            if have == 1 {
                bail!("stdin: odd number of bytes; s16le input needs 2 bytes per sample");
            }
            break;
        }
        let whole = have / 2;
        for (i, s) in pcm[..whole].iter_mut().enumerate() {
            *s = i16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]);
        }
        if have % 2 == 1 {
            carry = Some(bytes[have - 1]);
        }
        law.encode(&pcm[..whole], &mut codes[..whole]);
        out.write_all(&codes[..whole])
            .context("stdout: write failed")?;
    }
    out.flush().context("stdout: write failed")
}

/// Reads G.711 bytes from stdin and writes s16le to stdout.
pub(crate) fn decode(law: Law) -> Result<()> {
    let mut input = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut codes = vec![0u8; CHUNK];
    let mut pcm = vec![0i16; CHUNK];
    let mut bytes = Vec::with_capacity(CHUNK * 2);
    loop {
        let n = read_some(&mut input, &mut codes)?;
        if n == 0 {
            break;
        }
        law.decode(&codes[..n], &mut pcm[..n]);
        bytes.clear();
        bytes.extend(pcm[..n].iter().flat_map(|s| s.to_le_bytes()));
        out.write_all(&bytes).context("stdout: write failed")?;
    }
    out.flush().context("stdout: write failed")
}

fn read_some(input: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    loop {
        match input.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("stdin: read failed"),
        }
    }
}

/// Measures G.711 encode and decode (kernels "g711_{alaw,ulaw}_{encode,decode}").
pub(crate) fn bench(dir: &Path, seconds: f64) -> Result<Vec<crate::bench::BenchResult>> {
    use crate::bench::{BenchResult, min_ns_per_sample, write_signal};
    let n = ((seconds * 8000.0) as usize).max(8000);
    let mut noise = media_dsp::noise::Noise::new(711);
    let mut pcm = vec![0i16; n];
    noise.fill_white(&mut pcm, media_dsp::level::rms_for_dbm0(-15.0));
    write_signal(dir, "g711", &pcm)?;
    let mut codes = vec![0u8; n];
    let mut back = vec![0i16; n];
    let mut out = Vec::new();
    for (law, name) in [(Law::Alaw, "alaw"), (Law::Ulaw, "ulaw")] {
        let enc = min_ns_per_sample(n, crate::cmd_bench::RUNS, || {
            law.encode(std::hint::black_box(&pcm), &mut codes);
            std::hint::black_box(&mut codes);
        });
        out.push(BenchResult::new(&format!("g711_{name}_encode"), enc));
        let dec = min_ns_per_sample(n, crate::cmd_bench::RUNS, || {
            law.decode(std::hint::black_box(&codes), &mut back);
            std::hint::black_box(&mut back);
        });
        out.push(BenchResult::new(&format!("g711_{name}_decode"), dec));
    }
    Ok(out)
}
