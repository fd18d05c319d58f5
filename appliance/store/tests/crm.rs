//! CRM: customers and contacts with the screen-pop look-up by caller ID, orders,
//! interactions, tickets with notes, knowledge-base search (English and Chinese).

use store::crm::{Interaction, NewContact, NewCustomer, Order, TicketStatus};
use store::{Invalid, Rule, Store, StoreError, Timestamp};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("crm.db")).unwrap();
    (dir, s)
}

fn contact(name: &str, phone: &str) -> NewContact {
    NewContact {
        name: name.into(),
        phone: phone.into(),
        email: String::new(),
    }
}

#[test]
fn screen_pop_finds_the_customer_whatever_form_the_caller_id_takes() {
    let (_d, mut s) = open();
    let li = s
        .create_customer(
            &NewCustomer {
                name: "李雷".into(),
                company: "韩梅梅贸易".into(),
                vip: true,
                account_owner: Some("2001".into()),
                contacts: vec![
                    contact("李雷", "138-0013-8000"),
                    contact("Office", "010 6552 9988"),
                ],
                ..NewCustomer::default()
            },
            Timestamp(1),
        )
        .unwrap();
    s.create_customer(
        &NewCustomer {
            name: "Other".into(),
            contacts: vec![contact("x", "+86 139 0000 0000")],
            ..NewCustomer::default()
        },
        Timestamp(2),
    )
    .unwrap();
    for cid in [
        "+8613800138000",
        "008613800138000",
        "13800138000",
        "+86 10 6552 9988",
        "01065529988",
    ] {
        let c = s
            .customer_by_phone(cid)
            .unwrap()
            .unwrap_or_else(|| panic!("{cid}"));
        assert_eq!(c.id, li, "{cid}");
        assert!(c.vip);
        assert_eq!(c.account_owner.as_deref(), Some("2001"));
        assert_eq!(c.contacts.len(), 2);
    }
    assert!(s.customer_by_phone("13800138001").unwrap().is_none());
    assert!(s.customer_by_phone("anonymous").unwrap().is_none());
    assert!(s.customer_by_phone("").unwrap().is_none());

    // A bad number is refused with nothing written.
    let err = s
        .create_customer(
            &NewCustomer {
                name: "Bad".into(),
                contacts: vec![contact("ok", "12345678"), contact("bad", "12ab")],
                ..NewCustomer::default()
            },
            Timestamp(3),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Invalid(Invalid {
            field: "contact.phone",
            rule: Rule::BadPhoneNumber
        })
    ));
    assert!(s.customer_by_phone("12345678").unwrap().is_none());

    // A contact added later is found too; deleting the customer removes its numbers.
    s.add_contact(li, &contact("Mobile 2", "+86 186 0000 1111"))
        .unwrap();
    assert_eq!(s.customer_by_phone("18600001111").unwrap().unwrap().id, li);
    s.delete_customer(li).unwrap();
    assert!(s.customer_by_phone("13800138000").unwrap().is_none());
    s.check_integrity().unwrap();
}

#[test]
fn orders_interactions_and_tickets_hang_off_the_customer() {
    let (_d, mut s) = open();
    let c = s
        .create_customer(
            &NewCustomer {
                name: "Ann".into(),
                contacts: vec![contact("Ann", "13800138000")],
                ..NewCustomer::default()
            },
            Timestamp(1),
        )
        .unwrap();
    s.add_order(&Order {
        id: 0,
        customer_id: c,
        reference: "SO-1".into(),
        placed: Timestamp(10),
        status: "paid".into(),
        total_cents: 12_900,
        currency: "CNY".into(),
        items: serde_json::json!([{"sku": "A1", "qty": 2}]),
    })
    .unwrap();
    s.add_order(&Order {
        id: 0,
        customer_id: c,
        reference: "SO-2".into(),
        placed: Timestamp(20),
        status: "shipped".into(),
        total_cents: 500,
        currency: "CNY".into(),
        items: serde_json::json!([]),
    })
    .unwrap();
    let orders = s.orders(c).unwrap();
    assert_eq!(
        orders
            .iter()
            .map(|o| o.reference.as_str())
            .collect::<Vec<_>>(),
        ["SO-2", "SO-1"]
    );
    assert_eq!(orders[1].items[0]["qty"], 2);
    let bad = Order {
        currency: "cny".into(),
        ..orders[0].clone()
    };
    assert!(matches!(
        s.add_order(&bad),
        Err(StoreError::Invalid(Invalid {
            field: "order.currency",
            ..
        }))
    ));
    let bad = Order {
        customer_id: 999,
        ..orders[0].clone()
    };
    assert!(matches!(
        s.add_order(&bad),
        Err(StoreError::Invalid(Invalid {
            field: "order.customer_id",
            rule: Rule::NoSuchReference
        }))
    ));

    // Every call writes one interaction back.
    for (i, call) in ["call-1", "call-2"].into_iter().enumerate() {
        s.record_interaction(&Interaction {
            id: 0,
            customer_id: Some(c),
            channel: "call".into(),
            call_id: Some(call.into()),
            remote_number: "13800138000".into(),
            direction: "inbound".into(),
            agent: Some("2001".into()),
            queue: Some("support".into()),
            started: Timestamp(100 * (i as i64 + 1)),
            ended: Timestamp(100 * (i as i64 + 1) + 50),
            disposition: "resolved".into(),
            notes: "asked about delivery".into(),
            data: serde_json::json!({"ivr": {"account": "778899"}}),
        })
        .unwrap();
    }
    let hist = s.interactions(c, 10).unwrap();
    assert_eq!(
        hist.iter()
            .map(|i| i.call_id.as_deref().unwrap())
            .collect::<Vec<_>>(),
        ["call-2", "call-1"]
    );
    assert_eq!(hist[0].data["ivr"]["account"], "778899");
    let mut bad = hist[0].clone();
    bad.ended = Timestamp(0);
    assert!(matches!(
        s.record_interaction(&bad),
        Err(StoreError::Invalid(Invalid {
            field: "interaction.ended",
            rule: Rule::EndBeforeStart
        }))
    ));

    // Tickets: open, note, assign, resolve; open-only listing.
    let t = s
        .create_ticket(Some(c), "Parcel late", 2, None, Timestamp(300))
        .unwrap();
    s.add_ticket_note(t, "2001", "Called the courier.", Timestamp(310))
        .unwrap();
    s.update_ticket(t, TicketStatus::Pending, None, Timestamp(320))
        .unwrap();
    let open = s.tickets(c, true).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].notes,
        [(
            "2001".to_owned(),
            Timestamp(310),
            "Called the courier.".to_owned()
        )]
    );
    assert_eq!(open[0].updated, Timestamp(320));
    s.update_ticket(t, TicketStatus::Resolved, None, Timestamp(330))
        .unwrap();
    assert!(s.tickets(c, true).unwrap().is_empty());
    assert_eq!(
        s.tickets(c, false).unwrap()[0].status,
        TicketStatus::Resolved
    );
    assert!(matches!(
        s.create_ticket(Some(c), " ", 2, None, Timestamp(0)),
        Err(StoreError::Invalid(Invalid {
            field: "ticket.subject",
            rule: Rule::Empty
        }))
    ));
    assert!(matches!(
        s.create_ticket(Some(c), "x", 9, None, Timestamp(0)),
        Err(StoreError::Invalid(Invalid {
            field: "ticket.priority",
            ..
        }))
    ));
    assert!(matches!(
        s.update_ticket(999, TicketStatus::Closed, None, Timestamp(0)),
        Err(StoreError::NotFound { id: 999, .. })
    ));
    assert!(matches!(
        s.create_ticket(None, "x", 3, Some(42), Timestamp(0)),
        Err(StoreError::Invalid(Invalid {
            field: "ticket.assignee",
            rule: Rule::NoSuchReference
        }))
    ));

    // Deleting the customer keeps history rows, detached.
    s.delete_customer(c).unwrap();
    assert!(s.orders(c).unwrap().is_empty());
    s.check_integrity().unwrap();
}

#[test]
fn knowledge_base_search_with_snippets_in_english_and_chinese() {
    let (_d, mut s) = open();
    let refund = s
        .put_article(None, "Refund policy", "billing", "Customers may ask for a refund within thirty days of delivery. Refunds go back to the original card.", Timestamp(1))
        .unwrap();
    s.put_article(
        None,
        "Delivery times",
        "logistics",
        "Parcels arrive within three working days in the city.",
        Timestamp(2),
    )
    .unwrap();
    let zh = s
        .put_article(
            None,
            "退款政策",
            "账单",
            "客户可以在收货后三十天内申请退款，退款将退回原支付卡。",
            Timestamp(3),
        )
        .unwrap();

    let hits = s.search_kb("refund", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, refund);
    assert_eq!(hits[0].title, "[Refund] policy");
    assert!(hits[0].snippet.contains("[refund]"), "{}", hits[0].snippet);

    // All words must match.
    assert_eq!(s.search_kb("within days", 10).unwrap().len(), 2);
    assert_eq!(s.search_kb("within city", 10).unwrap().len(), 1);
    // FTS5 syntax in user input is taken literally, not as operators.
    assert!(s.search_kb("refund OR \"delivery", 10).unwrap().is_empty());
    assert!(s.search_kb("NEAR(refund", 10).unwrap().is_empty());

    // Chinese: three-character words use the trigram index...
    let hits = s.search_kb("三十天", 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [zh]);
    assert!(hits[0].snippet.contains("[三十天]"), "{}", hits[0].snippet);
    // ...two-character words the scan.
    let hits = s.search_kb("退款", 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [zh]);
    assert_eq!(hits[0].title, "[退款]政策");
    assert!(hits[0].snippet.contains("[退款]"), "{}", hits[0].snippet);

    // Edits and deletes keep the index in step.
    s.put_article(
        Some(refund),
        "Returns",
        "billing",
        "Send the parcel back within a week.",
        Timestamp(4),
    )
    .unwrap();
    assert!(s.search_kb("refund", 10).unwrap().is_empty());
    assert_eq!(s.search_kb("week", 10).unwrap()[0].id, refund);
    s.delete_article(refund).unwrap();
    assert!(s.search_kb("week", 10).unwrap().is_empty());
    assert!(matches!(
        s.search_kb("  ", 10),
        Err(StoreError::Invalid(Invalid {
            field: "kb.query",
            rule: Rule::Empty
        }))
    ));
    s.check_integrity().unwrap();
}

#[test]
fn changing_the_numbering_plan_renormalises_stored_numbers() {
    let (_d, mut s) = open();
    let plan = s.number_plan().unwrap();
    assert_eq!(
        (
            plan.country_code.as_str(),
            plan.international_prefix.as_str(),
            plan.trunk_prefix.as_str()
        ),
        ("86", "00", "0")
    );
    let c = s
        .create_customer(
            &NewCustomer {
                name: "UK".into(),
                contacts: vec![contact("x", "020 7946 0000")],
                ..NewCustomer::default()
            },
            Timestamp(1),
        )
        .unwrap();
    // Under the Chinese plan the number reads as +86 20…; a caller ID of +44 20… misses.
    assert!(s.customer_by_phone("+44 20 7946 0000").unwrap().is_none());
    s.set_number_plan(&store::phone::NumberPlan {
        country_code: "44".into(),
        international_prefix: "00".into(),
        trunk_prefix: "0".into(),
    })
    .unwrap();
    assert_eq!(
        s.customer_by_phone("+44 20 7946 0000").unwrap().unwrap().id,
        c
    );
    let bad = store::phone::NumberPlan {
        country_code: "4x".into(),
        international_prefix: "00".into(),
        trunk_prefix: "0".into(),
    };
    assert!(matches!(
        s.set_number_plan(&bad),
        Err(StoreError::Invalid(Invalid {
            field: "number_plan.country_code",
            ..
        }))
    ));
    assert_eq!(s.number_plan().unwrap().country_code, "44");
}
