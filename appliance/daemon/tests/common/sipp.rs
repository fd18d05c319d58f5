//! sipp (Debian sip-tester) helpers shared by the daemon's SIP tests.

use std::net::UdpSocket;
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
pub fn finish(mut child: std::process::Child, what: &str, limit: Duration) {
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
