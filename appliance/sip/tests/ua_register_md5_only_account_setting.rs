//! A phone known to fail a whole challenge that names SHA-256 (baresip 1.x: libre 1.x
//! answers ENOSYS instead of picking the MD5 challenge, against RFC 8760 §2.4) is served by
//! its account's setting, `Account::algorithms` = `[Md5]` (the store's per-extension
//! `digest_algorithms = md5`): it is challenged with MD5 alone and registers, whatever its
//! User-Agent. An account left at the default gets SHA-256 and MD5. Side a registers with b
//! like a phone would.

mod ua_pair;

use core::time::Duration;
use sip::auth::Algorithm;
use sip::ua::{Account, TrunkConfig, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config};

fn register_as(user_agent: &str, algorithms: &[Algorithm]) -> (Vec<String>, bool) {
    let mut a = config(addr_a(), 0xa);
    a.user_agent = user_agent.to_owned();
    let mut t = TrunkConfig::new("pbx", addr_b(), "127.0.0.2", "1003", "demo1003");
    t.keepalive = None;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.accounts = vec![Account::new("1003", "demo1003").with_algorithms(algorithms)];
    let mut p = Pair::with(a, b);
    p.run_for(Duration::from_millis(100));
    let r = &p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("SIP/2.0 401"))
        .expect("401")
        .1;
    let ch = r
        .lines()
        .filter(|l| l.starts_with("WWW-Authenticate:"))
        .map(str::to_owned)
        .collect();
    let registered = p
        .events_b
        .iter()
        .any(|(_, e)| matches!(e, UaEvent::Registered { aor, bindings: 1, .. } if aor == "1003"));
    (ch, registered)
}

#[test]
fn md5_only_account_gets_md5_alone() {
    let (ch, registered) = register_as("baresip v1.0.0 (x86_64/linux)", &[Algorithm::Md5]);
    assert_eq!(ch.len(), 1, "{ch:?}");
    assert!(ch[0].contains("algorithm=MD5"), "{ch:?}");
    assert!(registered);
}

#[test]
fn default_account_gets_sha256_and_md5_whatever_the_user_agent() {
    let (ch, registered) = register_as(
        "baresip v1.0.0 (x86_64/linux)",
        &[Algorithm::Sha256, Algorithm::Md5],
    );
    assert_eq!(ch.len(), 2, "{ch:?}");
    assert!(ch[0].contains("algorithm=SHA-256") && ch[1].contains("algorithm=MD5"));
    assert!(registered);
}
