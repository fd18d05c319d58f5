//! Both ends seize in the same instant (Q.422 dual seizure on a both-way circuit): each sees
//! the other's seizure instead of an acknowledgement, both back off and the line is idle.

mod common;

use std::time::Duration;

use common::{DirectPair, digits};
use r2::{ClearReason, Config, Event, StateName};

#[test]
fn both_back_off_to_idle() {
    let mut p = DirectPair::new(Config::china(), Config::china());
    let now = p.now;
    p.a.call(now, digits("1"), digits("")).expect("call a");
    p.b.call(now, digits("2"), digits("")).expect("call b");
    p.run(Duration::from_millis(50));
    let dual = Event::Cleared {
        reason: ClearReason::DualSeizure,
    };
    assert!(p.events_a().contains(&dual), "{:?}", p.events_a());
    assert!(p.events_b().contains(&dual), "{:?}", p.events_b());
    assert_eq!(p.a.state(), StateName::Idle);
    assert_eq!(p.b.state(), StateName::Idle);
    // And the line works afterwards.
    let now = p.now;
    p.a.call(now, digits("1234"), digits("")).expect("retry");
    p.run(Duration::from_secs(3));
    assert!(
        p.events_b()
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. }))
    );
}
