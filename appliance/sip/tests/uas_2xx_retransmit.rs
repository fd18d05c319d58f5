//! RFC 3261 §13.3.1.4: the UAS core resends its 2xx at T1, 2*T1, ... capped at T2 until
//! the ACK, and reports NoAck after 64*T1.

use sip::retransmit::{OkEvent, OkRetransmitter};
use sip::transaction::TimerConfig;
use tdm::Instant;

fn run(
    r: &mut OkRetransmitter,
    until_ms: u64,
    ack_at: Option<u64>,
) -> (Vec<u64>, Option<(u64, OkEvent)>) {
    let (mut sent, mut ev) = (Vec::new(), None);
    for _ in 0..1000 {
        let Some(t) = r.poll_timeout() else { break };
        if t.as_millis() > until_ms {
            break;
        }
        if ack_at.is_some_and(|a| a <= t.as_millis()) {
            r.ack_received();
            continue;
        }
        r.handle_timeout(t);
        while let Some(x) = r.poll_transmit() {
            assert_eq!(x.bytes, b"SIP/2.0 200 OK\r\n\r\n");
            sent.push(t.as_millis());
        }
        if let Some(e) = r.poll_event() {
            ev = Some((t.as_millis(), e));
        }
    }
    (sent, ev)
}

#[test]
fn resends_until_the_ack() {
    let mut r = OkRetransmitter::new(
        Instant::ZERO,
        b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
        "127.0.0.1:5060".parse().unwrap(),
        TimerConfig::default(),
    );
    let (sent, ev) = run(&mut r, 100_000, Some(4000));
    assert_eq!(sent, vec![500, 1500, 3500]);
    assert_eq!(ev, None);
    assert!(!r.is_active());
}

#[test]
fn gives_up_after_64_t1() {
    let mut r = OkRetransmitter::new(
        Instant::ZERO,
        b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
        "127.0.0.1:5060".parse().unwrap(),
        TimerConfig::default(),
    );
    let (sent, ev) = run(&mut r, 100_000, None);
    assert_eq!(sent[..5], [500, 1500, 3500, 7500, 11500]);
    assert_eq!(*sent.last().unwrap(), 31500);
    assert_eq!(ev, Some((32_000, OkEvent::NoAck)));
}
