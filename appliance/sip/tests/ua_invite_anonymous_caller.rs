//! A call whose caller is withheld (`Invite::from_user` = [`sip::ua::ANONYMOUS`] or empty)
//! goes out as `"Anonymous" <sip:anonymous@anonymous.invalid>` with `Privacy: id`
//! (RFC 3323 §4.1.1.3, §4.2); a caller with a number keeps it and asks no privacy.

mod ua_pair;

use sip::Uri;
use sip::ua::{ANONYMOUS, Invite, Ua};
use tdm::Instant;
use ua_pair::{addr_a, addr_b, config, media};

fn invite_from(user: &str) -> String {
    let mut ua = Ua::new(config(addr_a(), 7));
    let target = Uri::sip(Some("1001"), "127.0.0.2", Some(5080));
    ua.invite(
        Instant::ZERO,
        Invite::direct(target, addr_b(), user, media(4000)),
    )
    .expect("invite");
    let t = ua.poll_transmit().expect("INVITE sent");
    String::from_utf8(t.bytes).expect("text")
}

fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find(|l| {
        l.to_ascii_lowercase()
            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
    })
}

#[test]
fn withheld_caller_goes_out_anonymous_with_privacy_id() {
    for user in [ANONYMOUS, ""] {
        let m = invite_from(user);
        let from = header(&m, "From").expect("From");
        assert!(
            from.contains("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag="),
            "{from}"
        );
        assert_eq!(header(&m, "Privacy"), Some("Privacy: id"), "{m}");
    }
}

#[test]
fn caller_with_a_number_keeps_it() {
    let m = invite_from("0215550100");
    let from = header(&m, "From").expect("From");
    assert!(from.contains("<sip:0215550100@"), "{from}");
    assert_eq!(header(&m, "Privacy"), None, "{m}");
}

/// The called side of `from_user`'s call: did the caller ask for privacy?
fn privacy_seen_by_callee(from_user: &str) -> bool {
    let mut p = ua_pair::Pair::new();
    let now = p.now;
    let target = Uri::sip(Some("1001"), "127.0.0.2", Some(5080));
    p.a.invite(
        now,
        Invite::direct(target, addr_b(), from_user, media(4000)),
    )
    .expect("invite");
    p.run_for(core::time::Duration::from_millis(100));
    let call = p
        .events_b
        .iter()
        .find_map(|(_, e)| match e {
            sip::ua::UaEvent::Incoming { call, .. } => Some(*call),
            _ => None,
        })
        .expect("incoming call at b");
    p.b.privacy_requested(call)
}

#[test]
fn the_callee_sees_the_privacy_request() {
    assert!(privacy_seen_by_callee(ANONYMOUS));
    assert!(!privacy_seen_by_callee("0215550100"));
}
