//! Malformed datagrams through the transaction manager (RFC 4475 §3.1.2): a request that
//! can be answered gets its 400/505 back to the source; responses and unanswerable
//! requests are dropped; nothing creates a transaction.

use sip::transaction::{TimerConfig, TransactionManager, TxEvent};
use tdm::Instant;

fn torture(name: &str) -> Vec<u8> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../shared/testdata/sip-torture/{name}.dat"));
    std::fs::read(p).expect("torture file")
}

#[test]
fn answers_and_drops() {
    let from = "192.0.2.9:5060".parse().unwrap();
    for (name, answer) in [
        ("badinv01", Some(400)),
        ("ncl", Some(400)),
        ("badvers", Some(505)),
        ("mismatch01", Some(400)),
        ("insuf", Some(400)),
        ("scalarlg", None),
        ("bigcode", None),
    ] {
        let mut m = TransactionManager::new(TimerConfig::default(), false, 1);
        m.handle_input(Instant::ZERO, from, &torture(name));
        let sent = m.poll_transmit();
        assert_eq!(sent.as_ref().map(|t| t.to), answer.map(|_| from), "{name}");
        if let (Some(t), Some(code)) = (sent, answer) {
            assert!(
                t.bytes.starts_with(format!("SIP/2.0 {code} ").as_bytes()),
                "{name}"
            );
        }
        assert!(
            matches!(m.poll_event(), Some(TxEvent::Malformed { .. })),
            "{name}"
        );
        assert!(m.is_empty(), "{name}");
    }
}

#[test]
fn garbage_is_reported_and_dropped() {
    let mut m = TransactionManager::new(TimerConfig::default(), false, 1);
    m.handle_input(
        Instant::ZERO,
        "192.0.2.9:5060".parse().unwrap(),
        b"\x00\xffhello",
    );
    assert!(m.poll_transmit().is_none());
    assert!(matches!(m.poll_event(), Some(TxEvent::Malformed { .. })));
}
