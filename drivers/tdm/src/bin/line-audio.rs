//! `line-audio`: plays an 8 kHz mono 16-bit WAV to an ALSA device, or records one from it,
//! through `tdm::alsa::AlsaChannel` in 1 ms chunks (a technician's check of a headset, a paging
//! amplifier or a music-on-hold input; docs/alsa.md).
//!
//! ```text
//! cargo run -p tdm --features line-audio --bin line-audio -- play DEVICE FILE.wav
//! cargo run -p tdm --features line-audio --bin line-audio -- record DEVICE FILE.wav MILLISECONDS
//! ```
//!
//! Waits on the channel's poll descriptors (at most 1 s per wait) and prints the negotiated
//! setup and the counters on stderr.
#![forbid(unsafe_code)]

use std::error::Error;
use std::process::ExitCode;

use tdm::alsa::{AlsaChannel, AlsaConfig, Direction, LinearChunk};

const USAGE: &str = "usage: line-audio play DEVICE FILE.wav | record DEVICE FILE.wav MILLISECONDS";

fn wait(ch: &AlsaChannel) -> Result<(), Box<dyn Error>> {
    let fds = ch.poll_fds()?;
    let mut pfds: Vec<alsa::poll::pollfd> = fds
        .iter()
        .map(|f| alsa::poll::pollfd {
            fd: f.fd,
            events: f.events,
            revents: 0,
        })
        .collect();
    if alsa::poll::poll(&mut pfds, 1000)? == 0 {
        return Err("the device gave no chunk within 1 s".into());
    }
    Ok(())
}

fn play(device: &str, path: &str) -> Result<(), Box<dyn Error>> {
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    if (spec.sample_rate, spec.channels, spec.bits_per_sample) != (8000, 1, 16) {
        return Err(format!("{path}: need 8000 Hz mono 16-bit, got {spec:?}").into());
    }
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    let mut ch = AlsaChannel::open(&AlsaConfig::new(device, Direction::Playback))?;
    eprintln!("{device}: {:?}", ch.setup());
    for piece in samples.chunks(8) {
        let mut chunk: LinearChunk = [0; 8];
        chunk[..piece.len()].copy_from_slice(piece);
        // Bounded: each wait returns within 1 s or fails.
        while !ch.write_chunk(&chunk)? {
            wait(&ch)?;
        }
    }
    // Let the card play what is queued (a buffer at most) before closing cuts it.
    let mut played = false;
    for _ in 0..400 {
        if ch.flush()? {
            played = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    if !played {
        return Err("the device did not finish playing within 2 s".into());
    }
    eprintln!("{device}: {:?}", ch.counters());
    Ok(())
}

fn record(device: &str, path: &str, ms: u64) -> Result<(), Box<dyn Error>> {
    let mut ch = AlsaChannel::open(&AlsaConfig::new(device, Direction::Capture))?;
    eprintln!("{device}: {:?}", ch.setup());
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)?;
    let mut chunk: LinearChunk = [0; 8];
    for _ in 0..ms {
        while !ch.read_chunk(&mut chunk)? {
            wait(&ch)?;
        }
        for s in chunk {
            writer.write_sample(s)?;
        }
    }
    writer.finalize()?;
    eprintln!("{device}: {:?}", ch.counters());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["play", device, path] => play(device, path),
        ["record", device, path, ms] => match ms.parse() {
            Ok(ms) => record(device, path, ms),
            Err(e) => Err(format!("MILLISECONDS {ms:?}: {e}").into()),
        },
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("line-audio: {e}");
            ExitCode::FAILURE
        }
    }
}
