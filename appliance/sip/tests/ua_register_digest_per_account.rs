//! REGISTER through the registrar with digest auth (RFC 3261 §10.3, §22; RFC 8760), the
//! algorithms offered per account, and the failed-login guard banning a source.
//! Side a registers with b like a phone would (a's trunk client is the REGISTER client).

mod ua_pair;

use core::time::Duration;
use sip::auth::{Algorithm, GuardConfig};
use sip::ua::{Account, TrunkConfig, TrunkRef, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config};

fn pair(user: &str, password: &str) -> Pair {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("pbx", addr_b(), "127.0.0.2", user, password);
    t.keepalive = None;
    t.expires = 120;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.accounts = vec![
        Account::new("1001", "demo1001").with_algorithms(&[Algorithm::Md5]),
        Account::new("1002", "demo1002"),
    ];
    b.guard = GuardConfig {
        max_failures: 2,
        window: Duration::from_secs(600),
        ..GuardConfig::default()
    };
    Pair::with(a, b)
}

fn challenges(p: &Pair) -> Vec<String> {
    let r = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("SIP/2.0 401"))
        .expect("401")
        .1
        .clone();
    r.lines()
        .filter(|l| l.starts_with("WWW-Authenticate:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn md5_only_account_is_challenged_with_md5_alone_and_registers() {
    let mut p = pair("1001", "demo1001");
    p.run_for(Duration::from_millis(100));
    let ch = challenges(&p);
    assert_eq!(ch.len(), 1, "{ch:?}");
    assert!(ch[0].contains("algorithm=MD5"));
    assert!(
        p.events_b.iter().any(
            |(_, e)| matches!(e, UaEvent::Registered { aor, bindings: 1, .. } if aor == "1001")
        )
    );
    assert!(p.events_a.iter().any(|(_, e)| *e
        == UaEvent::TrunkRegistered {
            trunk: TrunkRef(0),
            expires: 120
        }));
    let b = p.b.bindings(p.now, "1001");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].source, p.a_addr);
}

#[test]
fn default_account_gets_sha256_then_md5_and_answers_sha256() {
    let mut p = pair("1002", "demo1002");
    p.run_for(Duration::from_millis(100));
    let ch = challenges(&p);
    assert_eq!(ch.len(), 2, "{ch:?}");
    assert!(ch[0].contains("algorithm=SHA-256") && ch[1].contains("algorithm=MD5"));
    let reg = p
        .sent_a
        .iter()
        .rev()
        .find(|(_, m)| m.starts_with("REGISTER "))
        .unwrap()
        .1
        .clone();
    assert!(
        reg.contains("algorithm=SHA-256"),
        "the client picks SHA-256"
    );
    assert_eq!(p.b.bindings(p.now, "1002").len(), 1);
}

#[test]
fn wrong_password_is_refused_then_the_source_is_banned() {
    let mut p = pair("1001", "wrong");
    // a retries after each failure with backoff: 30 s, 60 s, ...
    p.run_for(Duration::from_secs(200));
    let fails: Vec<bool> = p
        .events_b
        .iter()
        .filter_map(|(_, e)| match e {
            UaEvent::AuthFailed { user, banned, .. } if user == "1001" => Some(*banned),
            _ => None,
        })
        .collect();
    assert_eq!(
        fails,
        vec![false, false, true],
        "banned at the third failure"
    );
    assert!(p.b.bindings(p.now, "1001").is_empty());
    // Banned: further REGISTERs get nothing at all.
    let answered = p.sent_b.len();
    p.run_for(Duration::from_secs(300));
    assert!(p.count_a("REGISTER ") > 4);
    assert_eq!(p.sent_b.len(), answered, "a banned source is not answered");
    assert!(
        p.events_a
            .iter()
            .any(|(_, e)| matches!(e, UaEvent::TrunkRegistrationFailed { status: 408, .. }))
    );
}
