//! Text the console parses from outside: the daemon's metrics, the slot state file, the
//! networkd file, NTP servers, addresses and times. Never a panic.
#![no_main]

use console::daemon::Metrics;
use console::system::{Network, Slots, check_host, check_time, parse_cidr, parse_ntp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Metrics::parse(text);
    if let Ok(s) = Slots::parse(text, std::path::Path::new("slots")) {
        assert_eq!(Slots::parse(&s.render(), std::path::Path::new("slots")).ok(), Some(s));
    }
    if let Some(n) = Network::parse(text) {
        assert_eq!(Network::parse(&n.render("eth0")), Some(n));
    }
    let _ = parse_ntp(text);
    let _ = check_host(text);
    let _ = check_time(text);
    let _ = parse_cidr(text);
});
