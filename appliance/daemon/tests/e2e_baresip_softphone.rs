//! baresip (Debian's baresip 1.0, a real softphone) against the real daemon: it registers
//! as a demo account with digest auth, the account set to `digest_algorithms = md5` in the
//! store (libre 1.x fails a 401 that also names SHA-256; the daemon then challenges that
//! account with MD5 alone), then calls
//! - 600, the echo test, with an 800 Hz WAV as its microphone: what it received (its
//!   sndfile dump) holds its own 800 Hz, back through the daemon's media path: audio passed
//!   both ways;
//! - 601, the test tone, with silence as its microphone: what it received holds 1 kHz.
//!
//! Tones are measured with media-dsp's Goertzel. Skipped when baresip or its modules are
//! missing; bounded by baresip's own `-t` and a kill.

#[path = "common/audio.rs"]
mod audio;
#[path = "common/baresip.rs"]
mod baresip;
mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::time::Duration;

use audio::{sine, tone_windows};
use baresip::{Phone, have_baresip, wait_quit, write_wav};
use nix::sys::signal::Signal;

/// Calls `service` from baresip as `user` with `source_hz` as its microphone (0: silence)
/// for about 7 s; returns what it received.
fn call(user: &str, service: &str, source_hz: f32) -> Vec<i16> {
    let (dir, data) = e2e::seeded(|s| md5_only(s, user));
    let src = dir.path().join("mic.wav");
    let mic = if source_hz > 0.0 {
        sine(source_hz, 10_000, 8000.0)
    } else {
        vec![0; 80_000]
    };
    write_wav(&src, &mic);
    let phone_dir = dir.path().to_path_buf();
    let (mut d, sip) = e2e::start(dir, data);
    let phone = Phone::new(&phone_dir, &sip, user, &src);
    let child = phone.dial(&format!("sip:{service}@{sip}"), 7);
    d.wait_log(&["sip registered", &format!("aor={user}"), "bindings=1"]);
    d.wait_log(&["sip incoming call", &format!("called={service}")]);
    d.wait_log(&["call answered"]);
    // baresip quits by itself after 7 s (-t), hanging up.
    wait_quit(child, Duration::from_secs(12));
    d.wait_log(&["call ended", "cause=16"]);
    let heard = phone.received();
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
    heard
}

/// Sets the demo extension `user` to MD5-only digest, as an operator does for baresip 1.0.
fn md5_only(s: &mut store::Store, user: &str) {
    let e = s
        .extension_by_number(user)
        .expect("store")
        .expect("demo extension");
    let config = store::config::ExtensionConfig {
        digest_algorithms: store::config::DigestAlgorithms::Md5,
        ..e.config
    };
    s.execute(
        store::CommandContext {
            actor: "test",
            ts: store::Timestamp::from_secs(1_700_000_001),
        },
        &store::Command::UpdateExtension { id: e.id, config },
    )
    .expect("set md5 only");
}

#[test]
fn baresip_registers_and_hears_its_800_hz_back_from_the_echo_test() {
    if !have_baresip() {
        return;
    }
    let heard = call("1003", "600", 800.0);
    let echoed = tone_windows(&heard, 800.0);
    assert!(
        echoed >= 50,
        "baresip heard only {echoed} x 20 ms of its 800 Hz echoed ({} samples)",
        heard.len()
    );
}

#[test]
fn baresip_hears_the_1_khz_test_tone() {
    if !have_baresip() {
        return;
    }
    let heard = call("1004", "601", 0.0);
    let tone = tone_windows(&heard, 1000.0);
    assert!(
        tone >= 100,
        "baresip heard only {tone} x 20 ms of 601's 1 kHz ({} samples)",
        heard.len()
    );
    assert_eq!(tone_windows(&heard, 800.0), 0);
}
