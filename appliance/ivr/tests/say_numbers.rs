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

#[test]
fn negative_numbers_and_amounts_start_with_minus() {
    use ivr::say::{signed_amount, signed_number};
    assert_eq!(
        s(&signed_amount("-12345", En).unwrap()),
        "minus 1 hundred 20 3 currency-major 40 5 currency-minor"
    );
    assert_eq!(
        s(&signed_amount("-5", Zh).unwrap()),
        "minus 5 currency-minor"
    );
    assert_eq!(
        s(&signed_amount("1200", Zh).unwrap()),
        "10 2 currency-major"
    );
    assert_eq!(s(&signed_number("-15", Zh).unwrap()), "minus 10 5");
    assert_eq!(s(&signed_number("0", En).unwrap()), "0");
    assert_eq!(s(&signed_number("-0", En).unwrap()), "0", "no minus zero");
    for bad in ["", "-", "12.5", "x", "--1", "99999999999999999999"] {
        assert_eq!(signed_amount(bad, En), None, "{bad:?}");
    }
    // i64::MIN has no positive counterpart in i64: read through its magnitude.
    assert!(signed_number(&i64::MIN.to_string(), En).is_some());
}

#[test]
fn dates_and_times_in_english() {
    use ivr::say::date_time;
    assert_eq!(
        s(&date_time("2026-11-25", En).unwrap()),
        "month-11 day-25 2 thousand 20 6"
    );
    assert_eq!(
        s(&date_time("2026-03-01 09:05", En).unwrap()),
        "month-3 day-1 2 thousand 20 6 9 time-oh 5"
    );
    assert_eq!(
        s(&date_time("2026-03-01T14:30", En).unwrap()),
        "month-3 day-1 2 thousand 20 6 14 30"
    );
    assert_eq!(s(&date_time("10:00", En).unwrap()), "10 time-oclock");
}

#[test]
fn dates_and_times_in_mandarin() {
    use ivr::say::date_time;
    // 二零二六年十一月二十五日
    assert_eq!(
        s(&date_time("2026-11-25", Zh).unwrap()),
        "2 0 2 6 date-year 10 1 date-month 2 10 5 date-day"
    );
    // 十点零五分; 十四点三十分; 八点
    assert_eq!(
        s(&date_time("10:05", Zh).unwrap()),
        "10 time-hour 0 5 time-minute"
    );
    assert_eq!(
        s(&date_time("2027-01-02 14:30", Zh).unwrap()),
        "2 0 2 7 date-year 1 date-month 2 date-day 10 4 time-hour 3 10 time-minute"
    );
    assert_eq!(s(&date_time("08:00", Zh).unwrap()), "8 time-hour");
}

#[test]
fn bad_dates_and_times_read_nothing() {
    use ivr::say::date_time;
    for bad in [
        "",
        "2026-13-01",
        "2026-02-29",
        "2026-04-31",
        "2026-1-5",
        "26-01-05",
        "2026-01-05 24:00",
        "2026-01-05 10:60",
        "2026-01-05 1000",
        "10:5",
        "tomorrow",
        "2026-01-05-01",
    ] {
        assert_eq!(date_time(bad, En), None, "{bad:?}");
        assert_eq!(date_time(bad, Zh), None, "{bad:?}");
    }
    assert!(date_time("2028-02-29", En).is_some(), "leap year");
    assert!(date_time("2000-02-29", Zh).is_some(), "400-year leap");
    assert_eq!(date_time("1900-02-29", Zh), None, "not a leap year");
}
