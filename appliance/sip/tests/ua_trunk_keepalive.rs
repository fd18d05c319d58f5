//! OPTIONS keep-alive to a trunk peer (RFC 3261 §11): the trunk is reported up when it
//! answers, down when an OPTIONS times out (Timer F), up again when it answers again.

mod ua_pair;

use core::time::Duration;
use sip::ua::{TrunkConfig, TrunkRef, UaEvent};
use std::cell::Cell;
use std::rc::Rc;
use ua_pair::{Pair, addr_a, addr_b, config};

#[test]
fn trunk_goes_down_and_up_with_options() {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("peer-pbx", addr_b(), "127.0.0.2", "pbx1", "");
    t.register = false;
    t.keepalive = Some(Duration::from_secs(20));
    a.trunks = vec![t];
    let b = config(addr_b(), 0xb);
    let mut p = Pair::with(a, b);
    let down = Rc::new(Cell::new(false));
    let d = down.clone();
    p.lose_ab = Box::new(move |_| d.get());
    p.run_for(Duration::from_secs(50));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::TrunkStatus {
            trunk: TrunkRef(0),
            up: true
        }]
    );
    assert_eq!(p.count_a("OPTIONS sip:127.0.0.2 "), 3, "at 0, 20 and 40 s");
    down.set(true);
    p.run_for(Duration::from_secs(60));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::TrunkStatus {
            trunk: TrunkRef(0),
            up: false
        }]
    );
    down.set(false);
    p.run_for(Duration::from_secs(60));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::TrunkStatus {
            trunk: TrunkRef(0),
            up: true
        }]
    );
}
