//! `dsp`: the media-dsp kernels on WAV files, for technicians, tests and the demo.
//!
//! Works on 8 kHz mono 16-bit PCM WAV. Any other format, a truncated file or a non-WAV file
//! gets a one-line error naming the file and the problem, exit code 2, and no output file
//! is left behind (outputs are written to a temporary file and renamed into place).
//! Results are JSON, one object per line.

mod bench;
mod cmd_bench;
mod cmd_cid;
mod cmd_dtmf;
mod cmd_echo;
mod cmd_g711;
mod cmd_tone;
mod wav;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Voice DSP tools of the telephony appliance (8 kHz mono 16-bit WAV in, JSON out).
#[derive(Debug, Parser)]
#[command(name = "dsp", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// G.711 companding between raw s16le and one byte per sample, stdin to stdout.
    G711 {
        /// encode (s16le -> law) or decode (law -> s16le).
        #[arg(value_enum)]
        direction: Direction,
        /// Companding law.
        #[arg(long, value_enum)]
        law: LawArg,
    },
    /// Generate a DTMF digit string into a WAV file.
    DtmfGen {
        /// Digits from 0-9, *, #, A-D.
        digits: String,
        /// Output WAV file.
        out: PathBuf,
        /// Level of each tone in dBm0.
        #[arg(long, default_value_t = -10.0, allow_hyphen_values = true)]
        level: f32,
        /// Tone-on time per digit in ms.
        #[arg(long, default_value_t = 100)]
        on: u32,
        /// Silence after each digit in ms.
        #[arg(long, default_value_t = 100)]
        off: u32,
    },
    /// Detect DTMF digits; one JSON line per digit.
    DtmfDetect {
        /// WAV files to scan.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Remove line echo: OUT is NEAR with the echo of FAR cancelled, sample-aligned with NEAR.
    EchoCancel {
        /// Echo tail to cover, in ms (16-128).
        #[arg(long, default_value_t = 128)]
        tail_ms: u32,
        /// What was sent to the line.
        #[arg(long)]
        far: PathBuf,
        /// What came back from the line (echo plus near-end talk).
        #[arg(long)]
        near: PathBuf,
        /// Output WAV file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Detect call-progress tones; JSON lines of tone events.
    ToneDetect {
        /// WAV file to scan.
        file: PathBuf,
        /// Country tone plan.
        #[arg(long, value_enum, default_value_t = Country::Cn)]
        country: Country,
    },
    /// Generate a caller-ID signal into a WAV file.
    CidGen {
        /// Signalling standard.
        #[arg(long, value_enum)]
        standard: CidStandard,
        /// Calling number.
        #[arg(long)]
        number: String,
        /// Calling name (FSK standards only).
        #[arg(long)]
        name: Option<String>,
        /// Output WAV file.
        out: PathBuf,
    },
    /// Decode a caller-ID signal; JSON of the decoded message.
    CidDecode {
        /// WAV file to decode.
        file: PathBuf,
    },
    /// Measure each kernel: channels per core in real time, as JSON.
    Bench {
        /// Seconds of audio per kernel measurement.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Keep the measured signals here (raw s16le) for the peer harness; default: a temp dir.
        #[arg(long)]
        signals: Option<PathBuf>,
        /// Kernel groups to measure (default: all).
        #[arg(value_enum)]
        groups: Vec<cmd_bench::Group>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Direction {
    Encode,
    Decode,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LawArg {
    Alaw,
    Ulaw,
}

/// Country tone plans for `tone-detect`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Country {
    /// China (450 Hz).
    Cn,
    /// ETSI / most of Europe (425 Hz).
    Etsi,
    /// North America (dual tones).
    Us,
}

/// Caller-ID standards for `cid-gen`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum CidStandard {
    /// ETSI EN 300 659 V.23 FSK.
    V23,
    /// Bellcore GR-30 Bell 202 FSK.
    Bell202,
    /// DTMF CLIP (ETSI EN 300 659 Annex / Denmark, Netherlands...).
    Dtmf,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::G711 { direction, law } => {
            let law = match law {
                LawArg::Alaw => media_dsp::g711::Law::Alaw,
                LawArg::Ulaw => media_dsp::g711::Law::Ulaw,
            };
            match direction {
                Direction::Encode => cmd_g711::encode(law),
                Direction::Decode => cmd_g711::decode(law),
            }
        }
        Command::DtmfGen {
            digits,
            out,
            level,
            on,
            off,
        } => cmd_dtmf::generate(&digits, &out, level, on, off),
        Command::DtmfDetect { files } => cmd_dtmf::detect(&files),
        Command::EchoCancel {
            tail_ms,
            far,
            near,
            out,
        } => cmd_echo::cancel(tail_ms, &far, &near, &out),
        Command::ToneDetect { file, country } => cmd_tone::detect(&file, country),
        Command::CidGen {
            standard,
            number,
            name,
            out,
        } => cmd_cid::generate(standard, &number, name.as_deref(), &out),
        Command::CidDecode { file } => cmd_cid::decode(&file),
        Command::Bench {
            seconds,
            signals,
            groups,
        } => cmd_bench::run(seconds, signals.as_deref(), &groups),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dsp: {e:#}");
            ExitCode::from(2)
        }
    }
}
