//! Q.421 blocking: the far end's blocking pattern (backward a=1 b=1 on an idle circuit)
//! makes the channel unusable until it is withdrawn.

mod common;

use std::time::Duration;

use common::{E1Pair, both_idle, digits, offered_to};
use r2::{Config, Event, R2Error, StateName};

#[test]
fn a_blocked_channel_refuses_calls_until_unblocked() {
    let mut p = E1Pair::new(Config::china(), Config::china());
    let now = p.now;
    p.b.r2.block(now).expect("block");
    assert!(p.run_until(Duration::from_millis(200), |p| p.a.r2.state()
        == StateName::RemotelyBlocked));
    assert!(p.a.has(&Event::Blocked));
    assert_eq!(p.b.r2.state(), StateName::LocallyBlocked);
    let now = p.now;
    assert_eq!(
        p.a.r2.call(now, digits("1234"), digits("")),
        Err(R2Error::Blocked)
    );
    // A blocked end does not take calls either: its own call attempt is refused locally.
    assert_eq!(
        p.b.r2.call(now, digits("1234"), digits("")),
        Err(R2Error::NotIdle)
    );
    p.run(Duration::from_millis(500));
    assert_eq!(p.a.r2.state(), StateName::RemotelyBlocked);

    let now = p.now;
    p.b.r2.unblock(now).expect("unblock");
    assert!(p.run_until(Duration::from_millis(200), both_idle));
    assert!(p.a.has(&Event::Idle));
    let now = p.now;
    p.a.r2
        .call(now, digits("1234"), digits("5678"))
        .expect("call after unblocking");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        offered_to(&p.b.events).is_some()
    }));
}

#[test]
fn blocking_a_busy_channel_is_refused() {
    let mut p = E1Pair::new(Config::china(), Config::china());
    let now = p.now;
    p.a.r2.call(now, digits("1234"), digits("")).expect("call");
    p.run(Duration::from_millis(100));
    let now = p.now;
    assert_eq!(p.a.r2.block(now), Err(R2Error::NotIdle));
    assert_eq!(p.b.r2.block(now), Err(R2Error::NotIdle));
}
