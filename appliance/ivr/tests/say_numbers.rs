//! Numbers and amounts read out by concatenating digit prompts, English and Mandarin.

use ivr::Language::{En, Zh};
use ivr::say::{amount, digits, number};

fn s(v: &[String]) -> String {
    v.iter()
        .map(|p| p.trim_start_matches("num-"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn digits_one_by_one() {
    assert_eq!(s(&digits("80-01")), "8 0 0 1");
}

#[test]
fn english_numbers() {
    assert_eq!(s(&number(0, En)), "0");
    assert_eq!(s(&number(7, En)), "7");
    assert_eq!(s(&number(15, En)), "15");
    assert_eq!(s(&number(40, En)), "40");
    assert_eq!(s(&number(123, En)), "1 hundred 20 3");
    assert_eq!(s(&number(1005, En)), "1 thousand 5");
    assert_eq!(s(&number(2_300_017, En)), "2 million 3 hundred thousand 17");
    // No "billion" prompt: read digit by digit.
    assert_eq!(s(&number(1_000_000_000, En)), "1 0 0 0 0 0 0 0 0 0");
}

#[test]
fn mandarin_numbers_with_zero_rules() {
    assert_eq!(s(&number(0, Zh)), "0");
    assert_eq!(s(&number(10, Zh)), "10");
    assert_eq!(s(&number(15, Zh)), "10 5");
    assert_eq!(s(&number(20, Zh)), "2 10");
    assert_eq!(s(&number(105, Zh)), "1 hundred 0 5");
    assert_eq!(s(&number(1010, Zh)), "1 thousand 0 1 10");
    assert_eq!(s(&number(100_000, Zh)), "10 wan");
    assert_eq!(s(&number(100_001, Zh)), "10 wan 0 1");
    assert_eq!(s(&number(10_010_000, Zh)), "1 thousand 0 1 wan");
    assert_eq!(s(&number(120_000_000, Zh)), "1 yi 2 thousand wan");
    assert_eq!(s(&number(100_000_003, Zh)), "1 yi 0 3");
}

#[test]
fn amounts() {
    assert_eq!(
        s(&amount(12_345, En)),
        "1 hundred 20 3 currency-major 40 5 currency-minor"
    );
    assert_eq!(s(&amount(1_200, En)), "12 currency-major");
    assert_eq!(s(&amount(7, En)), "7 currency-minor");
    assert_eq!(s(&amount(0, En)), "0 currency-major");
    assert_eq!(
        s(&amount(12_345, Zh)),
        "1 hundred 2 10 3 currency-major 4 jiao 5 currency-minor"
    );
    assert_eq!(
        s(&amount(1_204, Zh)),
        "10 2 currency-major 0 4 currency-minor"
    );
    assert_eq!(s(&amount(1_230, Zh)), "10 2 currency-major 3 jiao");
    assert_eq!(s(&amount(5, Zh)), "5 currency-minor");
    assert_eq!(s(&amount(50, Zh)), "5 jiao");
}
