//! RFC 3261 §17.2.3: server transactions match by branch + sent-by + method, with the
//! RFC 2543 fallback for requests without the magic cookie (RFC 4475 §3.4.1 inv2543,
//! §3.2.1 badbranch). Retransmissions reach the TU once; the last response is resent.

use sip::transaction::{TimerConfig, TransactionManager, TxEvent};
use tdm::Instant;

fn torture(name: &str) -> Vec<u8> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../shared/testdata/sip-torture/{name}.dat"));
    std::fs::read(p).expect("torture file")
}

fn requests(m: &mut TransactionManager) -> usize {
    let mut n = 0;
    while let Some(e) = m.poll_event() {
        if matches!(e, TxEvent::Request { .. }) {
            n += 1;
        }
    }
    n
}

#[test]
fn rfc2543_invite_retransmission_matches_its_transaction() {
    let mut m = TransactionManager::new(TimerConfig::default(), false, 1);
    let from = "192.0.2.1:5060".parse().unwrap();
    let bytes = torture("inv2543");
    m.handle_input(Instant::ZERO, from, &bytes);
    assert_eq!(requests(&mut m), 1);
    let first = m.poll_transmit().expect("100 Trying");
    assert!(first.bytes.starts_with(b"SIP/2.0 100 "));
    m.handle_input(Instant::from_millis(500), from, &bytes);
    assert_eq!(requests(&mut m), 0, "retransmission absorbed");
    assert_eq!(
        m.poll_transmit().map(|t| t.bytes),
        Some(first.bytes),
        "last response resent"
    );
    assert_eq!(m.len(), 1);
}

#[test]
fn magic_cookie_alone_does_not_crash_matching() {
    let mut m = TransactionManager::new(TimerConfig::default(), false, 1);
    let from = "192.0.2.1:5060".parse().unwrap();
    let bytes = torture("badbranch");
    m.handle_input(Instant::ZERO, from, &bytes);
    m.handle_input(Instant::from_millis(500), from, &bytes);
    assert_eq!(requests(&mut m), 1);
}

#[test]
fn same_branch_different_method_is_another_transaction() {
    let mut m = TransactionManager::new(TimerConfig::default(), false, 1);
    let from = "192.0.2.1:5060".parse().unwrap();
    let inv = b"INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let can = b"CANCEL sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
    m.handle_input(Instant::ZERO, from, inv);
    m.handle_input(Instant::ZERO, from, can);
    assert_eq!(requests(&mut m), 2);
    assert_eq!(m.len(), 2);
}

#[test]
fn received_and_rport_are_stamped() {
    let mut m = TransactionManager::new(TimerConfig::default(), false, 1);
    let from = "198.51.100.7:40000".parse().unwrap();
    let opt = b"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKq;rport\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    m.handle_input(Instant::ZERO, from, opt);
    let Some(TxEvent::Request { id, request, .. }) = m.poll_event() else {
        panic!()
    };
    use sip::HeaderAccess;
    let via = request.top_via().unwrap();
    assert_eq!(via.received(), Some("198.51.100.7"));
    assert_eq!(via.rport(), Some(Some(40000)));
    m.send_response(Instant::ZERO, id, request.response(200, "OK", None))
        .unwrap();
    // RFC 3581 §4: the response goes back to the source address and port.
    assert_eq!(m.poll_transmit().map(|t| t.to), Some(from));
}
