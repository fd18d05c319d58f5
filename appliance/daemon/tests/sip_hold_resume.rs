//! Hold and resume through the real daemon: 1001 calls 1002 (both sipp, 1002 registered);
//! after 3 s 1001 holds by re-INVITE with a=sendonly and sipp checks the daemon's answer
//! says a=recvonly (RFC 3264 §8.4); 3 s later 1001 resumes with a=sendrecv and the answer
//! says a=sendrecv. What the switch promises for the other leg: no re-INVITE to 1002, the
//! bridge is opened and 1002 is played music on hold (`playing … MusicOnHold`: silence until
//! there is MOH content). The test plays 1001's audio all along and listens on 1002's RTP
//! socket: 1001's pattern reaches 1002 before the hold, never while held, and again after
//! the resume. Skipped when sipp is missing; every wait is bounded.

mod common;

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::phones::{
    Phone, carries, daemon_rtp_port, demo_daemon, have_sipp, pattern, register, rtp, rtp_socket,
    stop,
};
use common::sipp::{finish, free_port};

const CODE: [u8; 4] = [0x1a, 0x9a, 0x2b, 0xab];

/// Plays 1001's pattern to the daemon and 1002's silence, and records when 1002 got a
/// packet and whether it carried the pattern, until `stop` (at most 20 s).
fn talk(
    a: UdpSocket,
    a_leg: u16,
    b: UdpSocket,
    b_leg: u16,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<(Instant, bool)>> {
    std::thread::spawn(move || {
        let payload = pattern(CODE);
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        let t0 = Instant::now();
        let mut i: u16 = 0;
        while !stop.load(Ordering::Relaxed) && t0.elapsed() < Duration::from_secs(20) {
            let next = t0 + Duration::from_millis(20 * (u64::from(i) + 1));
            let ts = u32::from(i) * 160;
            let _ = a.send_to(&rtp(8, i, ts, 0x1111, &payload), ("127.0.0.1", a_leg));
            let _ = b.send_to(&rtp(8, i, ts, 0x2222, &[0xd5; 160]), ("127.0.0.1", b_leg));
            i = i.wrapping_add(1);
            while Instant::now() < next {
                if let Ok((n, _)) = b.recv_from(&mut buf)
                    && n > 12
                    && buf[1] & 0x7f == 8
                {
                    got.push((Instant::now(), carries(&buf[..n], CODE)));
                }
            }
        }
        got
    })
}

#[test]
fn caller_holds_and_resumes_and_the_other_phone_gets_music_on_hold_between() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let b_port = free_port();
    register(&mut d, &sip, "1002", b_port);
    let (b_sock, b_rtp) = rtp_socket();
    let b = Phone::new(&sip, "agent_phone.xml", "1002", "1002")
        .port(b_port)
        .rtp(b_rtp)
        .spawn();
    let (a_sock, a_rtp) = rtp_socket();
    let a = Phone::new(&sip, "call_hold_resume.xml", "1001", "1002")
        .rtp(a_rtp)
        .spawn();
    let b_leg = daemon_rtp_port(&mut d, b_rtp);
    let a_leg = daemon_rtp_port(&mut d, a_rtp);
    let stop_flag = Arc::new(AtomicBool::new(false));
    let t = talk(a_sock, a_leg, b_sock, b_leg, Arc::clone(&stop_flag));
    let talking = Instant::now();
    d.wait_log(&["call held"]);
    let held = Instant::now();
    d.wait_log(&["playing", "MusicOnHold"]);
    d.wait_log(&["call resumed"]);
    let resumed = Instant::now();
    finish(a, "1001 holds and resumes", Duration::from_secs(25));
    let ended = Instant::now();
    stop_flag.store(true, Ordering::Relaxed);
    let got = t.join().expect("talker");
    finish(b, "1002 answers", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    stop(&mut d);

    let margin = Duration::from_millis(400);
    let count = |from: Instant, to: Instant| {
        let p: Vec<_> = got.iter().filter(|(t, _)| *t > from && *t < to).collect();
        (p.iter().filter(|(_, c)| *c).count(), p.len())
    };
    let (before, n) = count(talking + margin, held);
    assert!(before >= 10, "before the hold 1002 heard {before} of {n}");
    // `resumed` is when the test read the log line, a little after the resume itself: the
    // window ends a margin before it so no resumed audio falls inside.
    let (during, n) = count(held + margin, resumed - margin);
    assert!(n >= 10, "1002 got only {n} packets while held");
    assert_eq!(during, 0, "1002 heard 1001 while held ({during} of {n})");
    let (after, n) = count(resumed + margin, ended);
    assert!(after >= 10, "after the resume 1002 heard {after} of {n}");
    // No re-INVITE went to 1002: its scenario (INVITE, 180, 200, ACK, BYE) passed as is.

    // The event log has the hold and the retrieve of this plain call, between its answer
    // and its end.
    let st = store::Store::open(d.db()).expect("store");
    let kinds: Vec<store::events::EventKind> = st
        .events(&store::events::EventFilter::default())
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    use store::events::EventKind as K;
    assert_eq!(
        kinds,
        [
            K::CallStart,
            K::CallAnswer,
            K::CallHold,
            K::CallRetrieve,
            K::CallEnd
        ],
        "event log rows"
    );
}
