//! RFC 3261 §9: CANCEL of a ringing INVITE. The client builds the CANCEL from its INVITE
//! (same branch, CSeq number), the server matches it to the INVITE transaction, answers
//! 200 to the CANCEL and 487 to the INVITE, which the client transaction ACKs.

mod tx_pair;
use sip::transaction::{TxError, TxEvent};
use sip::{HeaderAccess, Method};
use tdm::Instant;
use tx_pair::{Pair, is_ack};

#[test]
fn cancel_during_ringing() {
    let mut p = Pair::new(false);
    let inv = p.request(Method::Invite);
    let cid = p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(15));
    let (sid, r) = p.b_request(0);
    p.b.send_response(p.now, sid, r.response(180, "Ringing", Some("b")))
        .unwrap();
    p.run_until(Instant::from_millis(100));
    let cancel_id = p.a.cancel(p.now, cid).unwrap();
    p.run_until(Instant::from_millis(200));
    let Some((
        _,
        TxEvent::Request {
            id: xid,
            request: c,
            cancels,
            ..
        },
    )) = p.events_b.iter().find(
        |(_, e)| matches!(e, TxEvent::Request { request, .. } if request.method == Method::Cancel),
    )
    else {
        panic!("b got no CANCEL");
    };
    assert_eq!(*cancels, Some(sid));
    assert_eq!(c.top_via().unwrap().branch(), r.top_via().unwrap().branch());
    assert_eq!(c.cseq().unwrap().seq, 1);
    let (xid, c) = (*xid, c.clone());
    p.b.send_response(p.now, xid, c.response(200, "OK", None))
        .unwrap();
    p.b.send_response(p.now, sid, r.response(487, "Request Terminated", Some("b")))
        .unwrap();
    p.run_until(Instant::from_millis(300));
    let got: Vec<_> = p
        .events_a
        .iter()
        .filter_map(|(_, e)| match e {
            TxEvent::Response { id, response } => Some((*id, response.status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        vec![(cid, 100), (cid, 180), (cancel_id, 200), (cid, 487)]
    );
    assert_eq!(p.sent_a.iter().filter(|(_, b)| is_ack(b)).count(), 1);
}

#[test]
fn cancel_before_a_provisional_is_refused() {
    let mut p = Pair::new(false);
    p.lose_ab = Box::new(|_| true);
    let inv = p.request(Method::Invite);
    let cid = p.a.send_request(p.now, inv, p.b_addr).unwrap();
    assert_eq!(p.a.cancel(p.now, cid), Err(TxError::WrongState));
}
