//! RFC 3325 §9.1: towards a trusted trunk ([`TrunkConfig::assert_identity`]) an INVITE
//! carries the caller's number in `P-Asserted-Identity`; a caller who withholds it
//! ([`Invite::privacy`]) goes out with an anonymous From and `Privacy: id` (RFC 3323), the
//! number only in the asserted identity. Towards an untrusted trunk there is never a
//! `P-Asserted-Identity`, and a withheld number appears nowhere in the request.

mod ua_pair;

use core::time::Duration;
use sip::ua::{Invite, TrunkConfig, TrunkRef};
use ua_pair::{Pair, addr_a, addr_b, config, media};

/// The INVITE `a` sends through a trunk (trusted or not, with or without an account user)
/// for `from` (`privacy`: the caller withholds it).
fn invite(trusted: bool, user: &str, from: &str, privacy: bool) -> String {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("prov", addr_b(), "127.0.0.2", user, "");
    t.register = false;
    t.keepalive = None;
    t.assert_identity = trusted;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.allow_anonymous = true;
    let mut p = Pair::with(a, b);
    let now = p.now;
    let mut inv = Invite::trunk(TrunkRef(0), "0301234567", from, media(4000));
    inv.privacy = privacy;
    p.a.invite(now, inv).expect("invite");
    p.run_for(Duration::from_millis(200));
    p.sent_a
        .iter()
        .find(|(_, m)| m.starts_with("INVITE "))
        .expect("INVITE sent")
        .1
        .clone()
}

fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    msg.lines()
        .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].trim())
}

#[test]
fn trusted_trunk_gets_the_number_in_p_asserted_identity() {
    let m = invite(true, "", "5551002", false);
    assert!(
        header(&m, "From")
            .unwrap()
            .contains("<sip:5551002@127.0.0.2>"),
        "{m}"
    );
    assert_eq!(
        header(&m, "P-Asserted-Identity"),
        Some("<sip:5551002@127.0.0.2>")
    );
    assert_eq!(header(&m, "Privacy"), None, "{m}");
}

#[test]
fn withheld_caller_to_trusted_trunk_is_anonymous_with_privacy_and_asserted() {
    let m = invite(true, "", "5551003", true);
    let from = header(&m, "From").unwrap();
    assert!(from.contains("<sip:anonymous@anonymous.invalid>"), "{from}");
    assert_eq!(header(&m, "Privacy"), Some("id"));
    assert_eq!(
        header(&m, "P-Asserted-Identity"),
        Some("<sip:5551003@127.0.0.2>")
    );
    // Nowhere else: not in Contact either.
    let rest: String = m
        .lines()
        .filter(|l| !l.starts_with("P-Asserted-Identity"))
        .collect();
    assert!(!rest.contains("5551003"), "{m}");
}

#[test]
fn a_registered_trunk_keeps_its_account_in_from_and_asserts_the_caller() {
    let m = invite(true, "acct", "5551003", true);
    assert!(
        header(&m, "From").unwrap().contains("<sip:acct@127.0.0.2>"),
        "{m}"
    );
    assert_eq!(header(&m, "Privacy"), Some("id"));
    assert_eq!(
        header(&m, "P-Asserted-Identity"),
        Some("<sip:5551003@127.0.0.2>")
    );
}

#[test]
fn untrusted_trunk_never_gets_p_asserted_identity() {
    let m = invite(false, "", "5551002", false);
    assert_eq!(header(&m, "P-Asserted-Identity"), None, "{m}");
    // A withheld number with privacy asked goes nowhere.
    let m = invite(false, "", "5551003", true);
    assert_eq!(header(&m, "P-Asserted-Identity"), None, "{m}");
    assert_eq!(header(&m, "Privacy"), Some("id"));
    assert!(!m.contains("5551003"), "{m}");
    // Without a number at all, even a trusted trunk gets no assertion.
    let m = invite(true, "", "anonymous", false);
    assert_eq!(header(&m, "P-Asserted-Identity"), None, "{m}");
}

#[test]
fn trust_can_change_while_running() {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("prov", addr_b(), "127.0.0.2", "", "");
    t.register = false;
    t.keepalive = None;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.allow_anonymous = true;
    let mut p = Pair::with(a, b);
    p.a.set_assert_identity(TrunkRef(0), true).expect("trunk 0");
    assert!(p.a.set_assert_identity(TrunkRef(9), true).is_err());
    let now = p.now;
    p.a.invite(
        now,
        Invite::trunk(TrunkRef(0), "0301234567", "5551002", media(4000)),
    )
    .expect("invite");
    p.run_for(Duration::from_millis(200));
    let m = &p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("INVITE "))
        .expect("INVITE")
        .1;
    assert_eq!(
        header(m, "P-Asserted-Identity"),
        Some("<sip:5551002@127.0.0.2>")
    );
}
