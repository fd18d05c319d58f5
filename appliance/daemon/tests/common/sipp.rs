//! sipp (Debian sip-tester) helpers shared by the daemon's SIP tests.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs sipp.
pub const SIPP: &str = "/usr/bin/sipp";

/// The path of a scenario in tests/sipp/.
pub fn scenario(name: &str) -> String {
    format!("{}/tests/sipp/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A free UDP port on loopback for sipp's own SIP socket (tests run in parallel).
pub fn free_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr").port()
}

/// Waits up to `limit` for a sipp run to end and asserts it succeeded (its stderr in the message).
pub fn finish(mut child: Child, what: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            assert!(st.success(), "sipp {what} failed: {st} {err}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sipp {what} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `rtp_port=N` a sipp scenario logged.
pub fn rtp_port_of(line: &str) -> u16 {
    let at = line.find("rtp_port=").expect("rtp_port=") + 9;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("port")
}

/// One sipp phone run: scenario `xml` as demo account `user` (password `demo` + the number)
/// toward `service` at the daemon's `sip` address, with its RTP port (the scenario's
/// `[rtp_port]` key) and its own SIP port `port`; one call, bounded to 40 s.
pub fn phone(
    sip: &str,
    xml: &str,
    user: &str,
    service: &str,
    rtp_port: u16,
    port: u16,
    extra: &[&str],
) -> Child {
    Command::new(SIPP)
        .arg(sip)
        .args(["-sf", &scenario(xml)])
        .args(["-s", service, "-au", user, "-ap", &format!("demo{user}")])
        .args(extra)
        .args([
            "-key",
            "user",
            user,
            "-key",
            "rtp_port",
            &rtp_port.to_string(),
        ])
        .args(["-nostdin", "-m", "1", "-timeout", "40", "-timeout_error"])
        .args(["-p", &port.to_string()])
        // Loopback unless the caller names its own local address (another 127/8 source).
        .args(if extra.contains(&"-i") {
            &[][..]
        } else {
            &["-i", "127.0.0.1"][..]
        })
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp")
}

/// An RTP packet with payload type `pt` (SSRC 0x0badcafe).
pub fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, pt | if marker { 0x80 } else { 0 }];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&0x0bad_cafeu32.to_be_bytes());
    p.extend_from_slice(payload);
    p
}
