//! Chat transcripts: saved with their interaction in one go, listed in the customer's
//! history beside calls, read back in order; bad transcripts are refused whole.
#![allow(missing_docs)]

use store::chat::{ChatLine, MAX_BODY_CHARS, Sender};
use store::crm::{Interaction, NewContact, NewCustomer};
use store::{Store, StoreError, Timestamp};

fn chat(customer: Option<i64>) -> Interaction {
    Interaction {
        id: 0,
        customer_id: customer,
        channel: "chat".into(),
        call_id: Some("chat-7".into()),
        remote_number: String::new(),
        direction: "inbound".into(),
        agent: Some("2001".into()),
        queue: Some("web".into()),
        started: Timestamp(100),
        ended: Timestamp(900),
        disposition: "solved".into(),
        notes: String::new(),
        data: serde_json::json!({"name": "Li Lei"}),
    }
}

fn line(at: i64, sender: Sender, body: &str) -> ChatLine {
    ChatLine {
        at: Timestamp(at),
        sender,
        author: "x".into(),
        body: body.into(),
    }
}

#[test]
fn transcript_saved_with_interaction_and_found_by_email() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("a.db")).unwrap();
    let id = s
        .create_customer(
            &NewCustomer {
                name: "Li Lei".into(),
                contacts: vec![NewContact {
                    name: "Li".into(),
                    phone: "13800138000".into(),
                    email: "Li.Lei@example.com".into(),
                }],
                ..Default::default()
            },
            Timestamp(1),
        )
        .unwrap();
    assert_eq!(
        s.customer_by_email("li.lei@EXAMPLE.com")
            .unwrap()
            .unwrap()
            .id,
        id
    );
    assert!(s.customer_by_email("nobody@example.com").unwrap().is_none());
    let lines = vec![
        line(110, Sender::Customer, "<b>hello</b>"),
        line(120, Sender::Agent, "hi, how can I help?"),
        line(900, Sender::System, "closed"),
    ];
    let iid = s.record_chat(&chat(Some(id)), &lines).unwrap();
    let hist = s.interactions(id, 10).unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!((hist[0].id, hist[0].channel.as_str()), (iid, "chat"));
    assert_eq!(s.chat_transcript(iid).unwrap(), lines);
}

#[test]
fn bad_transcripts_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("a.db")).unwrap();
    let long = "x".repeat(MAX_BODY_CHARS + 1);
    let r = s.record_chat(
        &chat(None),
        &[
            line(1, Sender::Customer, "ok"),
            line(2, Sender::Customer, &long),
        ],
    );
    assert!(
        matches!(r, Err(StoreError::Invalid(ref i)) if i.field == "chat.body"),
        "{r:?}"
    );
    let r = s.record_chat(&chat(Some(4242)), &[line(1, Sender::Customer, "ok")]);
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    let mut call = chat(None);
    call.channel = "call".into();
    assert!(s.record_chat(&call, &[]).is_err());
    // Nothing half-written: no interaction row, no message row.
    let ok = s
        .record_chat(&chat(None), &[line(1, Sender::Customer, "ok")])
        .unwrap();
    assert_eq!(s.chat_transcript(ok).unwrap().len(), 1);
    assert_eq!(ok, 1, "the refused transcripts left no interaction behind");
}
