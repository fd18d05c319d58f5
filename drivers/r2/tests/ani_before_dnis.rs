//! The incoming register's ANI-first option (OpenR2 `get_ani_first`): after the first
//! called-number digit it asks for the category and the whole calling number, then the rest
//! of the called number. Without it, the calling number comes after the called number.

mod common;

use std::time::Duration;

use common::{E1Pair, digit_order, digits, offered_to};
use r2::{Category, Config};

fn run(ani_first: bool) -> (String, (String, String, Category)) {
    // China counts ANI digits at both ends: they must agree on max_ani.
    let caller = Config {
        category: Category::OPERATOR,
        max_ani: 5,
        ..Config::china()
    };
    let callee = Config {
        ani_first,
        max_dnis: 6,
        max_ani: 5,
        ..Config::china()
    };
    let mut p = E1Pair::new(caller, callee);
    let now = p.now;
    p.a.r2
        .call(now, digits("654321"), digits("12345"))
        .expect("call");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        offered_to(&p.b.events).is_some()
    }));
    (
        digit_order(&p.b.events),
        offered_to(&p.b.events).expect("offered"),
    )
}

#[test]
fn ani_first_takes_the_calling_number_after_the_first_digit() {
    let (order, (ani, dnis, cat)) = run(true);
    assert_eq!(order, "daaaaaddddd");
    assert_eq!(
        (ani.as_str(), dnis.as_str(), cat),
        ("12345", "654321", Category::OPERATOR)
    );
}

#[test]
fn by_default_the_calling_number_follows_the_called_number() {
    let (order, (ani, dnis, cat)) = run(false);
    assert_eq!(order, "ddddddaaaaa");
    assert_eq!(
        (ani.as_str(), dnis.as_str(), cat),
        ("12345", "654321", Category::OPERATOR)
    );
}

#[test]
fn china_takes_exactly_max_ani_digits() {
    // The caller has a longer calling number than the callee takes: exactly max_ani pass,
    // and the called number still completes (both ends count, no end-of-ANI signal).
    let callee = Config {
        max_ani: 4,
        max_dnis: 4,
        ..Config::china()
    };
    let caller = Config {
        max_ani: 4,
        ..Config::china()
    };
    let mut p = E1Pair::new(caller, callee);
    let now = p.now;
    p.a.r2
        .call(now, digits("4321"), digits("13800138000"))
        .expect("call");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        offered_to(&p.b.events).is_some()
    }));
    let (ani, dnis, _) = offered_to(&p.b.events).expect("offered");
    assert_eq!((ani.as_str(), dnis.as_str()), ("1380", "4321"));
}
