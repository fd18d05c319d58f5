//! SIGHUP reloads the prompts: the daemon (`--demo`, the simulated carrier calling the IVR
//! 8000 every 3 s) starts with a 1 s `welcome` prompt; the file is replaced by a 2.5 s one
//! and a `main-menu` prompt is added; after SIGHUP the log says the prompts were loaded
//! again (two clips) and the next caller's `welcome` is the new 2.5 s clip (the old one
//! stayed in memory without the reload). Every wait is bounded.

mod common;

use std::path::Path;
use std::time::Duration;

use common::Daemon;
use nix::sys::signal::Signal;

/// A mono 8 kHz 16-bit PCM WAV of `ms` milliseconds of a 440 Hz tone.
fn wav(path: &Path, ms: u32) {
    let n = ms * 8;
    let mut b = Vec::with_capacity(44 + 2 * n as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let x = (f64::from(i) * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0;
        #[allow(clippy::cast_possible_truncation)]
        b.extend_from_slice(&(x as i16).to_le_bytes());
    }
    // Written whole and renamed: the daemon never sees half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, b).expect("write wav");
    std::fs::rename(&tmp, path).expect("rename wav");
}

#[test]
fn sighup_reads_new_and_changed_prompt_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let zh = data.join("prompts").join("zh");
    std::fs::create_dir_all(&zh).expect("prompt dir");
    wav(&zh.join("welcome.wav"), 1000);
    let mut d = Daemon::start_in(
        dir,
        data,
        &[
            "--demo",
            "--carrier-dids",
            "8000",
            "--carrier-interval-ms",
            "3000",
            "--carrier-max-calls",
            "1",
            "--carrier-hold-ms",
            "2000",
            "--carrier-dtmf-after-ms",
            "1500",
            "--drain-secs",
            "1",
        ],
    );
    d.wait_notify("READY=1");
    d.wait_log(&["prompts loaded", "clips=1"]);
    d.wait_log(&["prompt", "welcome", "ms=1000"]);

    wav(&zh.join("welcome.wav"), 2500);
    wav(&zh.join("main-menu.wav"), 1500);
    d.signal(Signal::SIGHUP);
    d.wait_log(&["configuration reloaded"]);
    d.wait_log(&["prompts loaded", "clips=2"]);
    d.wait_log(&["prompt", "welcome", "ms=2500"]);

    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}
