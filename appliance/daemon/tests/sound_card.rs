//! A sound-card extension through the real daemon: line port 5 is `alsa:paging`, extension
//! 1200. A sipp phone calls 1200, the port answers at once, the phone's 1 kHz (RTP) must
//! come out of the sound card, and the 600 Hz the card captures (a headset's microphone)
//! must reach the phone. No card: `paging` is alsa-lib's `file` PCM plugin over the `null`
//! device, defined in an asoundrc in a temp directory, so every sample the daemon plays
//! lands in a raw file the test measures (Goertzel), and what it captures is read from
//! another raw file the test wrote (`infile`). Port 6 (`alsa:amp`, playback only through
//! the `asym` plugin) must open for playback alone. alsa-lib reads the asoundrc from
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
             pcm.paging {{\n    type file\n    slave.pcm \"null\"\n    file \"{d}/paging.raw\"\n    infile \"{d}/mic.raw\"\n    format \"raw\"\n}}\n\
             # An amplifier: playback only.\n\
             pcm.amp {{\n    type asym\n    playback.pcm \"null\"\n}}\n",
            d = dir.path().display()
        ),
    )
    .expect("asoundrc");
    // The microphone: 20 s of 600 Hz (longer than the call), native-endian 16-bit.
    let mic: Vec<u8> = sine(600.0, 20_000, 8000.0)
        .iter()
        .flat_map(|s| s.to_ne_bytes())
        .collect();
    std::fs::write(dir.path().join("mic.raw"), mic).expect("mic.raw");
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
        s.add_line_port(TEST, &LinePortConfig::sound(6, "amp", "1201"))
            .expect("amplifier port");
    });
    let (mut d, sip) = e2e::start(tmp, data);
    d.wait_log(&["sound card opened", "sound/5", "captures=true"]);
    d.wait_log(&["sound card has no capture side", "sound/6"]);
    d.wait_log(&["sound card opened", "sound/6", "captures=false"]);
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
    let got = phone_media(
        &rtp,
        ([127, 0, 0, 1], theirs).into(),
        &sine(1000.0, 3000, 8000.0),
        "",
        Duration::from_millis(3400),
    );
    d.wait_log(&["sound card: playing the call", "sound/5"]);
    d.wait_log(&["sound card: capturing into the call", "sound/5"]);
    let mic = tone_windows(&got.audio, 600.0);
    assert!(
        mic >= 100,
        "the phone heard only {mic} x 20 ms of the card's 600 Hz ({} samples)",
        got.audio.len()
    );
    // call_long.xml hangs up after 8 s.
    finish(call, "call 1200", Duration::from_secs(30));
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));
}
