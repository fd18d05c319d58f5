//! An inbound call through queue 701 to agent 2001: Queued → Diverted (from the queue) →
//! Delivered with the screen pop → Established → ConnectionCleared, and the wrap-up.
mod common;
use common::*;
use cti::*;
use std::time::Duration;

#[test]
fn queue_call_event_sequence_and_screen_pop() {
    let mut b = Bench::new();
    b.ready("2001");
    b.take_reports();
    b.inbound_answered("2001");
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "701"),
        vec![
            ("Queued", Some(LocalConnectionState::Queued)),
            ("Diverted", Some(LocalConnectionState::Null)),
        ]
    );
    assert_eq!(
        Bench::seen_by(&r, "2001"),
        vec![
            ("Delivered", Some(LocalConnectionState::Alerting)),
            ("Established", Some(LocalConnectionState::Connected)),
        ]
    );
    let delivered = r.iter().find(|x| x.device.0 == "2001").unwrap();
    assert_eq!(delivered.cause, EventCause::Distributed);
    let CstaEvent::Delivered {
        calling_device,
        last_redirection_device,
        screen_pop,
        ..
    } = &delivered.event
    else {
        panic!("{delivered:?}");
    };
    assert_eq!(calling_device.0, "+8613800138000");
    assert_eq!(
        last_redirection_device.as_ref().map(|d| d.0.as_str()),
        Some("701")
    );
    assert_eq!(screen_pop.ivr_data["account"], "12345678");
    assert_eq!(screen_pop.customer.as_ref().map(|c| c.id), Some(1));
    assert_eq!(screen_pop.queue.as_ref().map(|q| q.0.as_str()), Some("701"));

    b.advance(Duration::from_secs(60));
    b.req(
        &agent("2001"),
        ServiceRequest::ClearConnection {
            connection_to_be_cleared: conn(1, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Clear { leg: LegId(11) })]
    );
    b.hap(Happening::Cleared {
        leg: LegId(11),
        cause: ClearCause::Normal,
    });
    b.hap(Happening::Cleared {
        leg: LegId(10),
        cause: ClearCause::Normal,
    });
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "2001"),
        vec![
            ("ConnectionCleared", Some(LocalConnectionState::Null)),
            ("AgentWorkingAfterCall", None),
        ]
    );
    assert!(
        b.m.snapshot_call(CallId(1)).is_none(),
        "call forgotten after the last leg"
    );
    b.assert_observers_agree();
}

#[test]
fn abandoned_in_queue_writes_an_abandoned_record() {
    let mut b = Bench::new();
    b.hap(Happening::Incoming {
        call: CallId(5),
        leg: LegId(50),
        caller: dev("+861011112222"),
        called: dev("8000"),
    });
    b.hap(Happening::Queued {
        call: CallId(5),
        queue: dev("701"),
        ivr_data: Default::default(),
        customer: None,
    });
    b.advance(Duration::from_secs(40));
    b.hap(Happening::Cleared {
        leg: LegId(50),
        cause: ClearCause::Cancelled,
    });
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "701"),
        vec![
            ("Queued", Some(LocalConnectionState::Queued)),
            // The caller hung up: every device in the call sees it, the queue still holding.
            ("ConnectionCleared", Some(LocalConnectionState::Queued)),
            ("ConnectionCleared", Some(LocalConnectionState::Null)),
        ]
    );
    assert_eq!(b.records.len(), 1);
    let rec = &b.records[0];
    assert_eq!(rec.disposition, "abandoned");
    assert_eq!(rec.agent, None);
    assert_eq!(rec.queue.as_deref(), Some("701"));
    assert_eq!(rec.ended - rec.offered, Duration::from_secs(40));
    b.assert_observers_agree();
}
