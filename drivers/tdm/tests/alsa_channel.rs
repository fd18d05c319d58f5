//! `tdm::alsa::AlsaChannel` against alsa-lib itself: no card, no mock. Each test writes an
//! asoundrc into a temporary directory (including the system's `/usr/share/alsa/alsa.conf`)
//! defining devices built from alsa-lib's `null` and `file` PCM plugins (plus `alaw`, `plug`
//! and `asym` on top), and runs its body in a child process of this test binary started with
//! `ALSA_CONFIG_PATH` pointing at it (alsa-lib reads the variable from the environment, which a
//! test cannot change in-process without `unsafe`).
//!
//! - playback: the `file` plugin over `null` writes every sample it is given to a raw file,
//!   which the test reads back;
//! - capture: the `file` plugin's `infile` replaces what `null` captures (silence) with a file
//!   the test wrote;
//! - conversions: `plug` and `alaw` plugins in front of a `file` plugin show what the card would
//!   receive.
#![cfg(feature = "alsa")]

use std::path::{Path, PathBuf};
use std::process::Command;

use media_dsp::g711::linear_to_alaw;
use tdm::alsa::{AlsaChannel, AlsaConfig, AlsaError, Direction, LinearChunk, Stream};

const CHILD_DIR: &str = "TDM_ALSA_TEST_DIR";

/// Samples in `in.raw`, the capture input.
const IN_SAMPLES: usize = 400;

fn known_input() -> Vec<i16> {
    (0..IN_SAMPLES)
        .map(|i| (i as i16).wrapping_mul(97).wrapping_sub(12_000))
        .collect()
}

fn asoundrc(dir: &Path) -> String {
    let d = dir.display();
    format!(
        r#"</usr/share/alsa/alsa.conf>
# Playback: every sample goes to out.raw, then to the null sink.
pcm.tap_out {{
    type file
    slave.pcm "null"
    file "{d}/out.raw"
    format "raw"
}}
# Capture: null captures silence, the file plugin replaces it with in.raw.
pcm.tap_in {{
    type file
    slave.pcm "null"
    file "{d}/captured.raw"
    infile "{d}/in.raw"
    format "raw"
}}
# A headset: both ways.
pcm.headset {{
    type asym
    playback.pcm "tap_out"
    capture.pcm "tap_in"
}}
# An amplifier that takes 32-bit samples at 16 kHz: plug converts.
pcm.wide_file {{
    type file
    slave.pcm "null"
    file "{d}/wide.raw"
    format "raw"
}}
pcm.amp_s32 {{
    type plug
    slave {{ pcm "wide_file" format S32_LE }}
}}
pcm.rate_file {{
    type file
    slave.pcm "null"
    file "{d}/rate.raw"
    format "raw"
}}
pcm.amp_16k {{
    type plug
    slave {{ pcm "rate_file" format S16_LE rate 16000 }}
    # alsa-lib's built-in converter, whatever libasound2-plugins provides.
    rate_converter "linear"
}}
# A line that carries A-law: the alaw plugin encodes what we write.
pcm.alaw_file {{
    type file
    slave.pcm "null"
    file "{d}/alaw.raw"
    format "raw"
}}
pcm.alaw_line {{
    type alaw
    slave {{ pcm "alaw_file" format A_LAW }}
}}
# A device that only takes A-law from its client: S16 needs the plug layer.
pcm.alaw_only {{
    type alaw
    slave {{ pcm "null" format S16_LE }}
}}
"#
    )
}

/// Runs `body` in a child process where `ALSA_CONFIG_PATH` points at the test's asoundrc;
/// `name` must be the calling test's function name.
fn with_asoundrc(name: &str, body: impl FnOnce(&Path)) {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        body(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("asound.conf");
    std::fs::write(&conf, asoundrc(dir.path())).expect("write asoundrc");
    let input: Vec<u8> = known_input().iter().flat_map(|s| s.to_ne_bytes()).collect();
    std::fs::write(dir.path().join("in.raw"), input).expect("write in.raw");
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("ALSA_CONFIG_PATH", &conf)
        .env(CHILD_DIR, dir.path())
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child run of {name} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test {name}:\n{stdout}"
    );
}

fn chunks(samples: &[i16]) -> Vec<LinearChunk> {
    samples
        .chunks_exact(8)
        .map(|c| c.try_into().expect("8 samples"))
        .collect()
}

fn read_i16(path: PathBuf) -> Vec<i16> {
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .chunks_exact(2)
        .map(|b| i16::from_ne_bytes([b[0], b[1]]))
        .collect()
}

fn sweep(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| ((i as f64 * 0.3).sin() * 20_000.0) as i16)
        .collect()
}

#[test]
fn playback_chunks_reach_the_file_plugin_bit_exact() {
    with_asoundrc("playback_chunks_reach_the_file_plugin_bit_exact", |dir| {
        let samples = sweep(800); // 100 ms
        {
            let mut ch = AlsaChannel::open(&AlsaConfig::new("tap_out", Direction::Playback))
                .expect("open tap_out");
            let setup = ch.setup();
            let p = setup.playback.expect("playback negotiated");
            assert_eq!((p.rate, p.channels), (8000, 1));
            assert_eq!(p.period_frames, 80, "10 ms periods, as asked");
            assert_eq!(p.buffer_frames, 320, "4 periods");
            assert!(setup.capture.is_none());
            for c in chunks(&samples) {
                assert!(
                    ch.write_chunk(&c).expect("write"),
                    "the null sink never fills"
                );
            }
            let n = ch.counters();
            assert_eq!((n.chunks_written, n.playback_xruns), (100, 0));
            assert!(ch.flush().expect("flush"), "the null sink plays at once");
            let mut buf = [0i16; 8];
            assert!(matches!(
                ch.read_chunk(&mut buf),
                Err(AlsaError::NotOpenFor {
                    stream: Stream::Capture,
                    ..
                })
            ));
        } // closing flushes the file plugin
        assert_eq!(read_i16(dir.join("out.raw")), samples);

        // Less than the period that starts playback: flush starts it.
        let mut ch = AlsaChannel::open(&AlsaConfig::new("tap_out", Direction::Playback)).unwrap();
        assert_eq!(ch.state(Stream::Playback), Some(alsa::pcm::State::Prepared));
        assert!(ch.flush().unwrap(), "nothing queued, nothing to play");
        assert!(ch.write_chunk(&[3; 8]).unwrap());
        assert_eq!(ch.state(Stream::Playback), Some(alsa::pcm::State::Prepared));
        assert!(ch.flush().unwrap());
        assert_eq!(ch.state(Stream::Playback), Some(alsa::pcm::State::Running));
    });
}

#[test]
fn capture_from_a_known_infile_gives_the_known_samples() {
    with_asoundrc(
        "capture_from_a_known_infile_gives_the_known_samples",
        |_| {
            let mut ch = AlsaChannel::open(&AlsaConfig::new("tap_in", Direction::Capture))
                .expect("open tap_in");
            let c = ch.setup().capture.expect("capture negotiated");
            assert_eq!((c.rate, c.channels, c.period_frames), (8000, 1, 80));
            let mut got = Vec::new();
            let mut chunk = [0i16; 8];
            for _ in 0..IN_SAMPLES / 8 {
                assert!(
                    ch.read_chunk(&mut chunk).expect("read"),
                    "null always has data"
                );
                got.extend_from_slice(&chunk);
            }
            assert_eq!(got, known_input());
            // Past the end of the infile the plugin keeps delivering chunks (what they hold is
            // alsa-lib's business: leftovers of its buffer, then the null plugin's silence).
            assert!(ch.read_chunk(&mut chunk).expect("read"));
            assert_eq!(ch.counters().chunks_read, IN_SAMPLES as u64 / 8 + 1);
            assert_eq!(ch.counters().capture_xruns, 0);
            assert!(matches!(
                ch.write_chunk(&chunk),
                Err(AlsaError::NotOpenFor {
                    stream: Stream::Playback,
                    ..
                })
            ));
        },
    );
}

#[test]
fn a_headset_loops_capture_to_playback_and_polls_ready_both_ways() {
    with_asoundrc(
        "a_headset_loops_capture_to_playback_and_polls_ready_both_ways",
        |dir| {
            {
                let mut ch = AlsaChannel::open(&AlsaConfig::new("headset", Direction::Both))
                    .expect("open headset");
                let fds = ch.poll_fds().expect("poll descriptors");
                assert!(fds.iter().any(|f| f.stream == Stream::Capture));
                assert!(fds.iter().any(|f| f.stream == Stream::Playback));
                let mut pfds: Vec<alsa::poll::pollfd> = fds
                    .iter()
                    .map(|f| alsa::poll::pollfd {
                        fd: f.fd,
                        events: f.events,
                        revents: 0,
                    })
                    .collect();
                let n = alsa::poll::poll(&mut pfds, 1000).expect("poll");
                assert!(n > 0, "null is always ready");
                let revents: Vec<i16> = pfds.iter().map(|p| p.revents).collect();
                assert_eq!(ch.ready(&revents).expect("revents"), (true, true));
                assert!(ch.ready(&revents[1..]).is_err(), "wrong length");

                let mut chunk = [0i16; 8];
                for _ in 0..IN_SAMPLES / 8 {
                    assert!(ch.read_chunk(&mut chunk).expect("read"));
                    assert!(ch.write_chunk(&chunk).expect("write"));
                }
            }
            assert_eq!(read_i16(dir.join("out.raw")), known_input());
        },
    );
}

#[test]
fn plug_converts_to_what_the_device_takes() {
    with_asoundrc("plug_converts_to_what_the_device_takes", |dir| {
        let samples = sweep(160);
        {
            let mut ch = AlsaChannel::open(&AlsaConfig::new("amp_s32", Direction::Playback))
                .expect("open amp_s32");
            assert_eq!(
                ch.setup().playback.unwrap().rate,
                8000,
                "our side stays 8 kHz"
            );
            for c in chunks(&samples) {
                assert!(ch.write_chunk(&c).unwrap());
            }
        }
        let wide: Vec<i32> = std::fs::read(dir.join("wide.raw"))
            .unwrap()
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let want: Vec<i32> = samples.iter().map(|&s| i32::from(s) << 16).collect();
        assert_eq!(wide, want, "S16 -> S32_LE is a 16-bit shift, bit-exact");

        // 8 -> 16 kHz: twice the frames; a steady level stays that level.
        {
            let mut ch = AlsaChannel::open(&AlsaConfig::new("amp_16k", Direction::Playback))
                .expect("open amp_16k");
            for _ in 0..100 {
                assert!(ch.write_chunk(&[1000; 8]).unwrap());
            }
        }
        let out = read_i16(dir.join("rate.raw"));
        assert!(
            (1500..=1600).contains(&out.len()),
            "800 frames at 8 kHz are {} at 16 kHz",
            out.len()
        );
        // alsa-lib's linear converter (chosen in the asoundrc, so the test does not depend on
        // libasound2-plugins) may ramp in from 0 at the start; the rest is the level.
        let settled = &out[100..out.len() - 100];
        assert!(
            settled.iter().all(|&s| (998..=1002).contains(&s)),
            "a steady 1000 stays 1000: {settled:?}"
        );

        // A-law: what the alaw plugin encodes is G.711 A-law, as media-dsp's encoder says.
        {
            let mut ch = AlsaChannel::open(&AlsaConfig::new("alaw_line", Direction::Playback))
                .expect("open alaw_line");
            for c in chunks(&samples) {
                assert!(ch.write_chunk(&c).unwrap());
            }
        }
        let alaw = std::fs::read(dir.join("alaw.raw")).unwrap();
        let want: Vec<u8> = samples.iter().map(|&s| linear_to_alaw(s)).collect();
        assert_eq!(alaw, want);
    });
}

#[test]
fn a_device_refusing_s16_is_a_typed_error_unless_plug_converts() {
    with_asoundrc(
        "a_device_refusing_s16_is_a_typed_error_unless_plug_converts",
        |_| {
            let cfg = AlsaConfig::new("alaw_only", Direction::Playback);
            let err = AlsaChannel::open(&cfg.clone().without_conversion()).unwrap_err();
            let AlsaError::UnsupportedFormat {
                device,
                stream,
                what,
            } = &err
            else {
                panic!("want UnsupportedFormat, got {err:?}");
            };
            assert_eq!(
                (device.as_str(), *stream, *what),
                ("alaw_only", Stream::Playback, "S16 samples")
            );
            assert!(err.to_string().contains("alaw_only"), "{err}");
            let mut ch = AlsaChannel::open(&cfg).expect("through plug");
            assert!(ch.write_chunk(&[5; 8]).unwrap());
        },
    );
}

#[test]
fn unknown_and_malformed_device_names_are_clear_errors() {
    with_asoundrc(
        "unknown_and_malformed_device_names_are_clear_errors",
        |_| {
            for convert in [true, false] {
                let mut cfg = AlsaConfig::new("no_such_card", Direction::Capture);
                cfg.convert = convert;
                let err = AlsaChannel::open(&cfg).unwrap_err();
                assert!(
                    matches!(&err, AlsaError::NoSuchDevice { device, stream: Stream::Capture } if device == "no_such_card"),
                    "{err:?}"
                );
                assert_eq!(
                    err.to_string(),
                    "no ALSA device \"no_such_card\" (capture): see `aplay -L`"
                );
            }
            for bad in ["", "tap\0out"] {
                let err = AlsaChannel::open(&AlsaConfig::new(bad, Direction::Both)).unwrap_err();
                assert!(
                    matches!(&err, AlsaError::BadName { device } if device == bad),
                    "{err:?}"
                );
            }
        },
    );
}

#[test]
fn a_file_that_cannot_be_written_is_an_error_naming_the_device() {
    with_asoundrc(
        "a_file_that_cannot_be_written_is_an_error_naming_the_device",
        |_| {
            // The file plugin's built-in `file:` device, writing to /dev/full: every flush of
            // the plugin's buffer fails with ENOSPC, reported by snd_pcm_writei as EIO.
            let mut ch = AlsaChannel::open(&AlsaConfig::new(
                "file:'/dev/full',raw",
                Direction::Playback,
            ))
            .expect("open");
            let mut err = None;
            for _ in 0..10_000 {
                match ch.write_chunk(&[7; 8]) {
                    Ok(_) => {}
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            let err = err.expect("a write to /dev/full fails within 10 s of audio");
            assert!(
                matches!(&err, AlsaError::Alsa { device, stream: Stream::Playback, op: "snd_pcm_writei", .. } if device == "file:'/dev/full',raw"),
                "{err:?}"
            );
            assert!(err.to_string().contains("/dev/full"), "{err}");
        },
    );
}

/// The `line-audio` binary (feature `line-audio`), built by cargo for this test.
#[cfg(feature = "line-audio")]
fn line_audio() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_line-audio"))
}

#[cfg(feature = "line-audio")]
#[test]
fn the_line_audio_tool_plays_and_records_wav_files() {
    with_asoundrc("the_line_audio_tool_plays_and_records_wav_files", |dir| {
        let samples = sweep(400);
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let wav = dir.join("prompt.wav");
        let mut w = hound::WavWriter::create(&wav, spec).unwrap();
        for &s in &samples {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        let out = Command::new(line_audio())
            .args(["play", "tap_out"])
            .arg(&wav)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(read_i16(dir.join("out.raw")), samples);

        let rec = dir.join("rec.wav");
        let out = Command::new(line_audio())
            .args(["record", "tap_in"])
            .arg(&rec)
            .arg("50")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<i16> = hound::WavReader::open(&rec)
            .unwrap()
            .samples::<i16>()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, known_input(), "50 ms = the 400 known samples");

        // A WAV of the wrong rate is refused, naming the file.
        let wide = dir.join("wide.wav");
        let mut w = hound::WavWriter::create(
            &wide,
            hound::WavSpec {
                sample_rate: 16000,
                ..spec
            },
        )
        .unwrap();
        w.write_sample(0i16).unwrap();
        w.finalize().unwrap();
        let out = Command::new(line_audio())
            .args(["play", "tap_out"])
            .arg(&wide)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("need 8000 Hz mono 16-bit"), "{err}");
        let out = Command::new(line_audio())
            .args(["play", "no_such_card"])
            .arg(&wav)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no ALSA device \"no_such_card\""), "{err}");
    });
}
