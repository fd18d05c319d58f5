//! RFC 3261 §17.1.2/§17.2.2 on a lossy path: a lost final response is recovered by the
//! client's retransmission (Timer E) and the server's Completed state (Timer J keeps the
//! response); the TU sees one request and one response; Timers J (64*T1) and K (T4) end them.

mod tx_pair;
use sip::Method;
use sip::transaction::TxEvent;
use tdm::Instant;
use tx_pair::Pair;

#[test]
fn lost_final_response_is_resent_on_retransmission() {
    let mut p = Pair::new(false);
    let mut n = 0;
    p.lose_ba = Box::new(move |b| {
        if b.starts_with(b"SIP/2.0 200") {
            n += 1;
            return n == 1;
        }
        false
    });
    let req = p.request(Method::Register);
    let cid = p.a.send_request(p.now, req, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(10));
    let (sid, r) = p.b_request(0);
    p.b.send_response(p.now, sid, r.response(200, "OK", Some("x")))
        .unwrap();
    p.run_until(Instant::from_millis(40_000));
    assert_eq!(p.a_sent_times("REGISTER"), vec![0, 500]);
    assert_eq!(p.b_sent_status_times(200), vec![10, 510]);
    assert_eq!(p.a_responses(), vec![200]);
    assert_eq!(
        p.events_b
            .iter()
            .filter(|(_, e)| matches!(e, TxEvent::Request { .. }))
            .count(),
        1
    );
    let term = |ev: &[(Instant, TxEvent)], id| {
        ev.iter()
            .find(|(_, e)| matches!(e, TxEvent::Terminated { id: x } if *x == id))
            .map(|(t, _)| t.as_millis())
    };
    assert_eq!(term(&p.events_a, cid), Some(520 + 5000), "Timer K = T4");
    assert_eq!(term(&p.events_b, sid), Some(10 + 32_000), "Timer J = 64*T1");
}

#[test]
fn random_loss_still_completes_or_times_out_cleanly() {
    // A fixed pseudo-random loss pattern (40 %) in both directions, many transactions.
    for seed in 1u64..30 {
        let mut p = Pair::new(false);
        let mut s = seed;
        let mut s2 = seed * 7919;
        p.lose_ab = Box::new(move |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) % 10 < 4
        });
        p.lose_ba = Box::new(move |_| {
            s2 = s2
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s2 >> 33) % 10 < 4
        });
        let req = p.request(Method::Options);
        let cid = p.a.send_request(p.now, req, p.b_addr).unwrap();
        for step in 0..70 {
            p.run_until(Instant::from_millis(500 * (step + 1)));
            for (id, r) in p
                .events_b
                .iter()
                .filter_map(|(_, e)| match e {
                    TxEvent::Request { id, request, .. } => Some((*id, request.clone())),
                    _ => None,
                })
                .collect::<Vec<_>>()
            {
                let _ = p.b.send_response(p.now, id, r.response(200, "OK", None));
            }
        }
        // A request that reached b late keeps b's transaction for Timer J after it.
        p.run_until(Instant::from_millis(100_000));
        let got = p.a_responses();
        let timed_out = p
            .events_a
            .iter()
            .any(|(_, e)| matches!(e, TxEvent::Timeout { id } if *id == cid));
        assert!(
            got == vec![200] || (got.is_empty() && timed_out),
            "seed {seed}: {got:?}"
        );
        assert!(
            p.a.is_empty() && p.b.is_empty(),
            "seed {seed}: all transactions ended"
        );
    }
}
