#![allow(dead_code, unreachable_pub, missing_docs, unused_imports)]
//! End-to-end set-up shared by the e2e_* tests: a daemon on the demo configuration but
//! **without** the built-in simulated carrier (the test's own E1 peer takes the line jack),
//! and sipp phones.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Child;

use crate::common::Daemon;

pub use crate::common::phones::{have_sipp, register};

/// A temp data directory holding a database seeded with the demo configuration (span1 a
/// virtual E1 PRI at `span1.sock`, accounts 1001–1004, 600/601, trunk group `carrier` with
/// span1, dial rule `0.` → `carrier`), then `f` for the test's own changes.
pub fn seeded(f: impl FnOnce(&mut store::Store)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let mut st = store::Store::open(data.join("appliance.db")).expect("store");
    st.seed_demo(store::Timestamp::from_secs(1_700_000_000))
        .expect("seed")
        .expect("fresh database");
    f(&mut st);
    drop(st);
    (dir, data)
}

/// Starts the daemon on a [`seeded`] directory (no `--demo`: no simulated carrier) and
/// waits for READY; returns it with its SIP address.
pub fn start(dir: tempfile::TempDir, data: PathBuf) -> (Daemon, String) {
    let mut d = Daemon::start_in(dir, data, &["--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let sip = d.sip_addr();
    (d, sip)
}

/// The span's line jack in `data`.
pub fn jack(d: &Daemon) -> PathBuf {
    d.data.join("span1.sock")
}

/// Runs sipp scenario `xml` against `sip` as account `user` (password `demo<user>`) calling
/// `service`, its SIP socket on `port`, `rtp_port` in its SDP ([`crate::common::sipp::phone`]), with
/// the digest uri set: sipp's defaults to host:port only, and the UA checks it against the
/// Request-URI (RFC 2617 §3.2.2.5).
pub fn sipp(
    sip: &str,
    xml: &str,
    user: &str,
    service: &str,
    rtp_port: u16,
    port: u16,
    extra: &[&str],
) -> Child {
    let auth_uri = format!("{service}@{sip}");
    let mut args = vec!["-auth_uri", auth_uri.as_str()];
    args.extend_from_slice(extra);
    crate::common::sipp::phone(sip, xml, user, service, rtp_port, port, &args)
}

/// A SIP phone that answers: `user` registers from a free port ([`register`] waits for the
/// daemon's log line), then sipp runs `xml` as `user` from that port with a fresh RTP socket in its SDP.
/// Returns sipp and the phone's RTP socket (the test sends and reads its audio there).
pub fn answering_phone(d: &mut Daemon, sip: &str, xml: &str, user: &str) -> (Child, UdpSocket) {
    let phone_port = crate::common::sipp::free_port();
    register(d, sip, user, phone_port);
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let port = rtp.local_addr().expect("rtp addr").port();
    (sipp(sip, xml, user, user, port, phone_port, &[]), rtp)
}
