//! Voicemail messages: a caller-only recording and the message row linking it to its
//! mailbox, queue and CRM customer, written together; bad input is refused whole.

use store::Store;
use store::Timestamp;
use store::recordings::{Legs, Recording, Voicemail};

fn rec(path: &str, legs: Legs) -> Recording {
    Recording {
        id: 0,
        call_id: "c9".into(),
        path: path.into(),
        legs,
        started: Timestamp::from_secs(1_700_000_000),
        duration_ms: 12_000,
        paused: vec![],
        retain_until: None,
        agent: None,
        queue: Some("support".into()),
    }
}

fn vm(customer_id: Option<i64>) -> Voicemail {
    Voicemail {
        id: 0,
        recording_id: 0,
        mailbox: "702".into(),
        caller: "13800138000".into(),
        customer_id,
        queue: Some("support".into()),
        data: serde_json::json!({"account": "4111"}),
        heard: false,
    }
}

#[test]
fn a_message_is_stored_with_its_recording_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("vm.db")).unwrap();
    let id = s
        .add_voicemail(&rec("/rec/vm1.wav", Legs::Caller), &vm(None))
        .unwrap();
    let all = s.voicemails("702", false).unwrap();
    assert_eq!(all.len(), 1);
    let m = &all[0];
    assert_eq!(
        (m.id, m.caller.as_str(), m.queue.as_deref()),
        (id, "13800138000", Some("support"))
    );
    assert_eq!(m.data["account"], "4111");
    let r = s.recording(m.recording_id).unwrap().unwrap();
    assert_eq!(
        (r.path.as_str(), r.legs, r.duration_ms),
        ("/rec/vm1.wav", Legs::Caller, 12_000)
    );
    assert!(s.voicemails("701", true).unwrap().is_empty());

    // Heard: gone from the unheard list, still in the full one.
    s.mark_voicemail_heard(id).unwrap();
    assert!(s.voicemails("702", false).unwrap().is_empty());
    assert!(s.voicemails("702", true).unwrap()[0].heard);
    assert!(s.mark_voicemail_heard(id + 100).is_err());

    // A customer the CRM does not know is dropped, not an error.
    let id2 = s
        .add_voicemail(&rec("/rec/vm2.wav", Legs::Caller), &vm(Some(4242)))
        .unwrap();
    let m2 = s.voicemails("702", false).unwrap();
    assert_eq!((m2[0].id, m2[0].customer_id), (id2, None));
}

#[test]
fn bad_messages_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("vm.db")).unwrap();
    // Both legs: not a voicemail.
    assert!(
        s.add_voicemail(&rec("/rec/a.wav", Legs::Both), &vm(None))
            .is_err()
    );
    // Empty mailbox.
    let mut bad = vm(None);
    bad.mailbox.clear();
    assert!(
        s.add_voicemail(&rec("/rec/b.wav", Legs::Caller), &bad)
            .is_err()
    );
    // Data not an object.
    let mut bad = vm(None);
    bad.data = serde_json::json!([1, 2]);
    assert!(
        s.add_voicemail(&rec("/rec/c.wav", Legs::Caller), &bad)
            .is_err()
    );
    // A duplicate path: the second message is refused, the first stays alone.
    s.add_voicemail(&rec("/rec/d.wav", Legs::Caller), &vm(None))
        .unwrap();
    assert!(
        s.add_voicemail(&rec("/rec/d.wav", Legs::Caller), &vm(None))
            .is_err()
    );
    assert_eq!(s.voicemails("702", true).unwrap().len(), 1);
    for p in ["/rec/a.wav", "/rec/b.wav", "/rec/c.wav"] {
        assert!(
            s.recordings_for_call("c9")
                .unwrap()
                .iter()
                .all(|r| r.path != p),
            "{p} not written"
        );
    }
}
