//! CRM accounts, bills and appointments over REST, and a queue's closed schedule (schema
//! step v13): a supervisor creates, updates and lists them; an agent is refused; bad input
//! gets a 422 naming the field and writes nothing. The queue schedule goes through the
//! audited command (the config revision moves) and shows on the queues page.

mod common;

use axum::http::{Method, StatusCode};
use common::{Harness, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn accounts_bills_and_appointments_through_the_api() {
    let h = Harness::new();
    let mut s = h.login("sup", PASSWORD).await;
    // The demo's customer and account (seeded with the demo).
    let list = s.get("/api/v1/crm/accounts").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let demo = list.json()[0].clone();
    assert_eq!(demo["number"], store::DEMO_ACCOUNT);
    assert_eq!(demo["balance_minor"], store::DEMO_BALANCE_MINOR);
    let customer = demo["customer_id"].as_i64().unwrap();

    let r = s
        .json(
            Method::POST,
            "/api/v1/crm/accounts",
            &json!({"number": "4242", "customer_id": customer, "balance_minor": 500, "currency": "CNY"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let acct = r.json()["id"].as_i64().unwrap();
    // Duplicate number, bad currency: 422 with the field, nothing written.
    for (body, field) in [
        (
            json!({"number": "4242", "customer_id": customer, "balance_minor": 1, "currency": "CNY"}),
            "account.number",
        ),
        (
            json!({"number": "4343", "customer_id": customer, "balance_minor": 1, "currency": "yuan"}),
            "account.currency",
        ),
    ] {
        let r = s.json(Method::POST, "/api/v1/crm/accounts", &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.json()["field"], field);
    }
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/crm/accounts/{acct}"),
            &json!({"number": "4242", "customer_id": customer, "balance_minor": -250, "currency": "CNY"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mine = s
        .get(&format!("/api/v1/crm/accounts?customer_id={customer}"))
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 2);
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|a| a["number"] == "4242" && a["balance_minor"] == -250)
    );
    assert_eq!(h.peek().accounts(None, 10).unwrap().len(), 2);

    // Bills.
    let bill = json!({"account_id": acct, "period": "2026-11", "amount_minor": 3300,
        "due_date": "2026-12-15", "status": "open"});
    let r = s.json(Method::POST, "/api/v1/crm/bills", &bill).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let b = r.json()["id"].as_i64().unwrap();
    let mut paid = bill.clone();
    paid["status"] = json!("paid");
    let r = s
        .json(Method::PUT, &format!("/api/v1/crm/bills/{b}"), &paid)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut bad = bill.clone();
    bad["status"] = json!("overdue");
    let r = s.json(Method::POST, "/api/v1/crm/bills", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "bill.status");
    let bills = s
        .get(&format!("/api/v1/crm/accounts/{acct}/bills"))
        .await
        .json();
    assert_eq!(bills[0]["status"], "paid");
    assert_eq!(bills.as_array().unwrap().len(), 1);

    // Appointments.
    let ap = json!({"customer_id": customer, "account_id": acct, "start_us": common::T0 + 86_400_000_000i64,
        "what": "installation", "status": "booked"});
    let r = s.json(Method::POST, "/api/v1/crm/appointments", &ap).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let mut cancelled = ap.clone();
    cancelled["status"] = json!("cancelled");
    let r = s
        .json(
            Method::PUT,
            &format!("/api/v1/crm/appointments/{id}"),
            &cancelled,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = s
        .json(Method::PUT, "/api/v1/crm/appointments/999999", &cancelled)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let all = s
        .get(&format!("/api/v1/crm/customers/{customer}/appointments"))
        .await
        .json();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|a| a["what"] == "installation" && a["status"] == "cancelled")
    );

    // An agent may not read or write them.
    let mut a = h.login("agent1", PASSWORD).await;
    assert_eq!(
        a.get("/api/v1/crm/accounts").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.json(Method::POST, "/api/v1/crm/bills", &bill)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_queue_schedule_with_its_closed_destination() {
    let h = Harness::new();
    let mut s = h.login("sup", PASSWORD).await;
    let queues = s.get("/api/v1/queues").await.json();
    let support = queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "support")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let hours = {
        let mut st = h.peek();
        st.execute(
            store::CommandContext {
                actor: "test",
                ts: store::Timestamp(1),
            },
            &store::Command::CreateBusinessHours(store::desk::BusinessHoursConfig {
                name: "office".into(),
                utc_offset_min: 480,
                weekly: vec![store::desk::OpenSpan {
                    day: 0,
                    open_min: 540,
                    close_min: 1080,
                }],
                holidays: Vec::new(),
            }),
        )
        .unwrap()
        .id
    };
    let url = format!("/api/v1/queues/{support}/calendar");
    let r = s.get(&url).await;
    assert_eq!(r.json(), json!({"hours_id": null, "closed_to": null}));
    let rev = h.revision();
    let r = s
        .json(
            Method::PUT,
            &url,
            &json!({"hours_id": hours, "closed_to": "voicemail:702"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(h.revision() > rev);
    assert_eq!(
        s.get(&url).await.json(),
        json!({"hours_id": hours, "closed_to": "voicemail:702"})
    );
    // Refused: a bad destination, an unknown queue name, a destination without a calendar.
    let rev = h.revision();
    for body in [
        json!({"hours_id": hours, "closed_to": "ext:1001"}),
        json!({"hours_id": hours, "closed_to": "queue:nope"}),
        json!({"hours_id": null, "closed_to": "hangup"}),
    ] {
        let r = s.json(Method::PUT, &url, &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.json()["field"], "queue.closed_to", "{body}");
    }
    assert_eq!(h.revision(), rev);
    // The queues page shows it, and its form sets it.
    let page = s.get("/admin/queues").await;
    assert!(page.text.contains("voicemail:702"), "{}", page.text);
    let sup = support.to_string();
    let hrs = hours.to_string();
    let r = s
        .form(
            "/admin/queues/calendar",
            &[
                ("queue", &sup),
                ("hours", &hrs),
                ("closed_to", "queue:sales"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(s.get(&url).await.json()["closed_to"], "queue:sales");
    let r = s
        .form(
            "/admin/queues/calendar",
            &[("queue", &sup), ("hours", &hrs), ("closed_to", "ivr:a b")],
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("queue.closed_to"), "{}", r.text);
    // An agent is refused.
    let mut a = h.login("agent1", PASSWORD).await;
    assert_eq!(a.get(&url).await.status, StatusCode::FORBIDDEN);
}
