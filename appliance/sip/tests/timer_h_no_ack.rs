//! RFC 3261 §17.2.1: when the ACK for a non-2xx never arrives, Timer G retransmits the
//! response (T1 doubling up to T2) and Timer H (64*T1) ends the transaction with a timeout.

mod tx_pair;
use sip::Method;
use sip::transaction::TxEvent;
use tdm::Instant;
use tx_pair::{Pair, is_ack};

#[test]
fn timer_g_retransmits_and_timer_h_gives_up() {
    let mut p = Pair::new(false);
    p.lose_ab = Box::new(is_ack);
    let inv = p.request(Method::Invite);
    p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(10));
    let (sid, r) = p.b_request(0);
    p.b.send_response(
        p.now,
        sid,
        r.response(480, "Temporarily Unavailable", Some("t")),
    )
    .unwrap();
    p.run_until(Instant::from_millis(40_000));
    let t = p.b_sent_status_times(480);
    let rel: Vec<u64> = t.iter().map(|x| x - 10).collect();
    assert_eq!(rel[..6], [0, 500, 1500, 3500, 7500, 11500]);
    assert_eq!(*rel.last().unwrap(), 31500);
    let timeout = p
        .events_b
        .iter()
        .find(|(_, e)| matches!(e, TxEvent::Timeout { id } if *id == sid));
    assert_eq!(timeout.map(|(t, _)| t.as_millis()), Some(10 + 32_000));
    assert!(p.b.is_empty());
}
