//! A sound-card extension through the real daemon: line port 5 is `alsa:paging`, extension
//! 1200. A sipp phone calls 1200, the port answers at once and the phone's 1 kHz (RTP) must
//! come out of the sound card. No card: `paging` is alsa-lib's `file` PCM plugin over the
//! `null` device, defined in an asoundrc in a temp directory, so every sample the daemon
//! plays lands in a raw file the test measures (Goertzel). alsa-lib reads the asoundrc from
//! `ALSA_CONFIG_PATH`, which a test cannot set in its own process without `unsafe`: the test
//! runs its body in a child process of this test binary with the variable set (as
//! drivers/tdm/tests/alsa_channel.rs does); the daemon inherits it. Skipped with a message
//! when sipp is missing.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use audio::{phone_media, sine, tone_windows};
use common::sipp::{finish, free_port, rtp_port_of};
use nix::sys::signal::Signal;
use store::lines::LinePortConfig;

/// Who the test's configuration changes are by.
const TEST: store::CommandContext<'static> = store::CommandContext {
    actor: "test",
    ts: store::Timestamp::from_secs(1_700_000_001),
};
const CHILD_DIR: &str = "APPLIANCE_SOUND_TEST_DIR";
const NAME: &str = "a_sip_call_to_the_paging_extension_plays_into_the_sound_card";

#[test]
fn a_sip_call_to_the_paging_extension_plays_into_the_sound_card() {
    if let Ok(dir) = std::env::var(CHILD_DIR) {
        body(Path::new(&dir));
        return;
    }
    if !e2e::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let rc = dir.path().join("asoundrc");
    std::fs::write(
        &rc,
        format!(
            "</usr/share/alsa/alsa.conf>\n\
             # Paging amplifier: every sample goes to paging.raw, then to the null sink.\n\
             pcm.paging {{\n    type file\n    slave.pcm \"null\"\n    file \"{}/paging.raw\"\n    format \"raw\"\n}}\n",
            dir.path().display()
        ),
    )
    .expect("asoundrc");
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([NAME, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_DIR, dir.path())
        .env("ALSA_CONFIG_PATH", &rc)
        .output()
        .expect("run the test body");
    assert!(
        out.status.success(),
        "the test body failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = std::fs::read(dir.path().join("paging.raw")).expect("paging.raw written");
    let samples: Vec<i16> = raw
        .chunks_exact(2)
        .map(|b| i16::from_ne_bytes([b[0], b[1]]))
        .collect();
    let tone = tone_windows(&samples, 1000.0);
    assert!(
        tone >= 100,
        "the sound card played only {tone} x 20 ms of the caller's 1 kHz ({} samples)",
        samples.len()
    );
}

/// In the child (`dir` holds the asoundrc and gets paging.raw): daemon with the sound port,
/// a sipp call to 1200 sending 3 s of 1 kHz.
fn body(dir: &Path) {
    assert!(dir.join("asoundrc").exists());
    let (tmp, data) = e2e::seeded(|s| {
        s.add_line_port(TEST, &LinePortConfig::sound(5, "paging", "1200"))
            .expect("sound port");
    });
    let (mut d, sip) = e2e::start(tmp, data);
    d.wait_log(&["sound card opened", "sound/5"]);
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("rtp");
    let call = e2e::sipp(
        &sip,
        "call_long.xml",
        "1001",
        "1200",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    );
    d.wait_log(&["sound card answers", "sound/5"]);
    let l = d.wait_log(&["rtp session started"]);
    let theirs = rtp_port_of(&l);
    let _ = phone_media(
        &rtp,
        ([127, 0, 0, 1], theirs).into(),
        &sine(1000.0, 3000, 8000.0),
        "",
        Duration::from_millis(3400),
    );
    d.wait_log(&["sound card: playing the call", "sound/5"]);
    // call_long.xml hangs up after 8 s.
    finish(call, "call 1200", Duration::from_secs(30));
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));
}
