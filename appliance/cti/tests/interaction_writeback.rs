//! The interaction record maps 1:1 onto the store's interaction API: written for real into
//! a temporary database and read back from the customer's history.
mod common;
use common::*;
use cti::*;
use std::time::Duration;
use store::{Store, Timestamp};

fn to_store(r: &InteractionRecord) -> store::crm::Interaction {
    store::crm::Interaction {
        id: 0,
        customer_id: r.customer_id,
        channel: InteractionRecord::CHANNEL.to_owned(),
        call_id: Some(r.call.to_string()),
        remote_number: r.remote_number.clone(),
        direction: r.direction.as_str().to_owned(),
        agent: r.agent.clone(),
        queue: r.queue.clone(),
        started: Timestamp(i64::try_from(r.offered.as_micros()).unwrap()),
        ended: Timestamp(i64::try_from(r.ended.as_micros()).unwrap()),
        disposition: r.disposition.clone(),
        notes: r.notes.clone(),
        data: r.data_json(),
    }
}

#[test]
fn record_written_into_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("t.db")).unwrap();
    let customer = st
        .create_customer(
            &store::crm::NewCustomer {
                name: "Li Wei".into(),
                contacts: vec![store::crm::NewContact {
                    name: "Li Wei".into(),
                    phone: "+8613800138000".into(),
                    email: String::new(),
                }],
                ..Default::default()
            },
            Timestamp::from_secs(1_700_000_000),
        )
        .unwrap();
    // The host's screen-pop look-up: the store finds the caller, the model carries the card.
    let found = st.customer_by_phone("+8613800138000").unwrap().unwrap();
    assert_eq!(found.id, customer);

    let mut b = Bench::new();
    b.now = tdm::Instant::from_micros(1_700_000_100_000_000);
    b.ready("2001");
    b.inbound_answered("2001"); // carries CustomerCard id 1
    assert_eq!(customer, 1);
    b.hap(Happening::RecordingStarted {
        call: CallId(1),
        recording_id: "rec-42".into(),
    });
    b.req(
        &agent("2001"),
        ServiceRequest::AssociateData {
            call: CallId(1),
            disposition: Some("resolved".into()),
            notes: Some("reset password".into()),
        },
    )
    .unwrap();
    b.advance(Duration::from_secs(90));
    b.hap(Happening::Cleared {
        leg: LegId(10),
        cause: ClearCause::Normal,
    });
    b.hap(Happening::Cleared {
        leg: LegId(11),
        cause: ClearCause::Normal,
    });
    b.req(
        &agent("2001"),
        ServiceRequest::SetAgentState {
            agent: AgentId::new("2001"),
            requested_agent_state: RequestedAgentState::Ready,
        },
    )
    .unwrap();
    assert_eq!(b.records.len(), 1);
    let rec = &b.records[0];
    let id = st.record_interaction(&to_store(rec)).unwrap();
    let hist = st.interactions(customer, 10).unwrap();
    assert_eq!(hist.len(), 1);
    let h = &hist[0];
    assert_eq!(h.id, id);
    assert_eq!(h.call_id.as_deref(), Some("1"));
    assert_eq!(h.remote_number, "+8613800138000");
    assert_eq!(h.direction, "inbound");
    assert_eq!(h.agent.as_deref(), Some("2001"));
    assert_eq!(h.queue.as_deref(), Some("701"));
    assert_eq!(h.disposition, "resolved");
    assert_eq!(h.notes, "reset password");
    assert_eq!(h.ended.0 - h.started.0, 93_000_000);
    assert_eq!(h.data["recordingId"], "rec-42");
    assert_eq!(h.data["ivr"]["account"], "12345678");
    assert_eq!(h.data["answeredUs"], 1_700_000_103_000_000_u64);
}
