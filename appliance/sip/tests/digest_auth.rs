//! Digest authentication: RFC 7616 §3.9.1 vectors (MD5 and SHA-256), our server against our
//! client, stale nonces, nonce-count replay, wrong passwords, and the failed-auth guard.

use core::time::Duration;
use sip::auth::{
    Algorithm, AuthError, AuthGuard, DigestClient, DigestServer, GuardConfig, Verdict, response,
};
use sip::header::{AuthHeader, HeaderKind};
use tdm::Instant;

#[test]
fn rfc7616_example_vectors() {
    let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    for (alg, want) in [
        (Algorithm::Md5, "8ca523f5e9506fed4657c9700eebdbec"),
        (
            Algorithm::Sha256,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        ),
    ] {
        let ha1 = alg.ha1("Mufasa", "http-auth@example.org", "Circle of Life");
        let r = response(
            alg,
            &ha1,
            nonce,
            Some(("00000001", cnonce)),
            "GET",
            "/dir/index.html",
        );
        assert_eq!(r, want, "{alg:?}");
    }
}

fn creds(v: &str) -> AuthHeader {
    AuthHeader::parse(v, HeaderKind::Authorization).unwrap()
}

fn server() -> DigestServer {
    DigestServer::new("pbx.example", b"0123456789abcdef", 300)
}

fn ha1_of(user: &str, alg: Algorithm) -> Option<String> {
    (user == "1001").then(|| alg.ha1("1001", "pbx.example", "demo1001"))
}

fn challenges(s: &DigestServer, now: u64) -> Vec<AuthHeader> {
    s.challenges(now, false)
        .iter()
        .map(|c| AuthHeader::parse(c, HeaderKind::WwwAuthenticate).unwrap())
        .collect()
}

#[test]
fn server_offers_sha256_then_md5_and_client_prefers_sha256() {
    let mut s = server();
    let ch = challenges(&s, 1000);
    assert_eq!(ch.len(), 2);
    assert_eq!(ch[0].get("algorithm"), Some("SHA-256"));
    assert_eq!(ch[1].get("algorithm"), Some("MD5"));
    let mut c = DigestClient::new("1001", "demo1001");
    let a = c.answer(&ch, "REGISTER", "sip:pbx.example", "c1").unwrap();
    assert!(a.contains("algorithm=SHA-256"));
    assert_eq!(
        s.verify(1001, &creds(&a), "REGISTER", "sip:pbx.example", ha1_of),
        Ok("1001".into())
    );
    // Second request on the same nonce: nc 2 is accepted.
    let a2 = c.answer(&ch, "REGISTER", "sip:pbx.example", "c2").unwrap();
    assert!(a2.contains("nc=00000002"));
    assert!(
        s.verify(1002, &creds(&a2), "REGISTER", "sip:pbx.example", ha1_of)
            .is_ok()
    );
    // Replaying it is refused.
    assert_eq!(
        s.verify(1003, &creds(&a2), "REGISTER", "sip:pbx.example", ha1_of),
        Err(AuthError::Replay)
    );
}

#[test]
fn md5_only_client_works() {
    let mut s = server();
    let ch = challenges(&s, 0);
    let mut c = DigestClient::new("1001", "demo1001");
    let a = c
        .answer(&ch[1..], "INVITE", "sip:600@pbx.example", "x")
        .unwrap();
    assert!(a.contains("algorithm=MD5"));
    assert!(
        s.verify(0, &creds(&a), "INVITE", "sip:600@pbx.example", ha1_of)
            .is_ok()
    );
}

#[test]
fn failures_are_typed() {
    let mut s = server();
    let ch = challenges(&s, 0);
    let mut wrong = DigestClient::new("1001", "guess");
    let a = wrong
        .answer(&ch, "REGISTER", "sip:pbx.example", "x")
        .unwrap();
    assert_eq!(
        s.verify(0, &creds(&a), "REGISTER", "sip:pbx.example", ha1_of),
        Err(AuthError::WrongResponse)
    );
    let mut nobody = DigestClient::new("9999", "x");
    let a = nobody
        .answer(&ch, "REGISTER", "sip:pbx.example", "x")
        .unwrap();
    assert_eq!(
        s.verify(0, &creds(&a), "REGISTER", "sip:pbx.example", ha1_of),
        Err(AuthError::UnknownUser)
    );
    let mut ok = DigestClient::new("1001", "demo1001");
    let a = ok.answer(&ch, "REGISTER", "sip:pbx.example", "x").unwrap();
    assert_eq!(
        s.verify(0, &creds(&a), "REGISTER", "sip:other", ha1_of),
        Err(AuthError::UriMismatch)
    );
    // A nonce from another secret is not ours; an old one of ours is stale.
    let other = DigestServer::new("pbx.example", b"another secret", 300);
    let a = DigestClient::new("1001", "demo1001")
        .answer(&challenges(&other, 0), "REGISTER", "sip:pbx.example", "x")
        .unwrap();
    assert_eq!(
        s.verify(0, &creds(&a), "REGISTER", "sip:pbx.example", ha1_of),
        Err(AuthError::BadNonce)
    );
    let a = ok.answer(&ch, "REGISTER", "sip:pbx.example", "y").unwrap();
    assert_eq!(
        s.verify(301, &creds(&a), "REGISTER", "sip:pbx.example", ha1_of),
        Err(AuthError::Stale)
    );
    assert!(s.challenges(301, true)[0].contains("stale=true"));
    // RFC 4475 §3.3.7 regaut01: an unknown scheme.
    let unknown = creds("NoOneKnowsThisScheme opaque-data=here");
    assert_eq!(
        s.verify(0, &unknown, "REGISTER", "sip:pbx.example", ha1_of),
        Err(AuthError::Unsupported)
    );
}

#[test]
fn guard_bans_after_repeated_failures_and_lifts_the_ban() {
    let cfg = GuardConfig {
        max_failures: 3,
        window: Duration::from_secs(60),
        ban: Duration::from_secs(600),
        max_sources: 100,
    };
    let mut g = AuthGuard::new(cfg);
    let ip = "198.51.100.9".parse().unwrap();
    let other = "198.51.100.10".parse().unwrap();
    for i in 0..3 {
        assert_eq!(
            g.failure(Instant::from_millis(i * 1000), ip),
            Verdict::Allow
        );
    }
    let v = g.failure(Instant::from_millis(3000), ip);
    assert_eq!(v, Verdict::Banned(Instant::from_millis(603_000)));
    assert_eq!(
        g.check(Instant::from_millis(600_000), other),
        Verdict::Allow
    );
    assert!(matches!(
        g.check(Instant::from_millis(602_999), ip),
        Verdict::Banned(_)
    ));
    assert_eq!(g.check(Instant::from_millis(603_000), ip), Verdict::Allow);
    // Failures spread wider than the window never ban.
    let mut g = AuthGuard::new(cfg);
    for i in 0..20 {
        assert_eq!(
            g.failure(Instant::from_millis(i * 30_000), other),
            Verdict::Allow
        );
    }
}

/// sipp answers every challenge with nc=1 and one cnonce. Two challenges in the same second
/// must carry different nonces (RFC 7616 §3.3), so the second answer is not a replay of the
/// first; a real replay (the same nonce and nc again) still is.
#[test]
fn each_challenge_has_a_fresh_nonce_so_nc_1_is_valid_again() {
    let mut s = server();
    let (ch1, ch2) = (challenges(&s, 500), challenges(&s, 500));
    assert_ne!(ch1[0].get("nonce"), ch2[0].get("nonce"));
    let a1 = DigestClient::new("1001", "demo1001")
        .answer(&ch1, "INVITE", "sip:600@pbx.example", "same")
        .unwrap();
    let a2 = DigestClient::new("1001", "demo1001")
        .answer(&ch2, "INVITE", "sip:600@pbx.example", "same")
        .unwrap();
    assert!(a1.contains("nc=00000001") && a2.contains("nc=00000001"));
    for a in [&a1, &a2] {
        assert_eq!(
            s.verify(501, &creds(a), "INVITE", "sip:600@pbx.example", ha1_of),
            Ok("1001".into())
        );
    }
    assert_eq!(
        s.verify(502, &creds(&a2), "INVITE", "sip:600@pbx.example", ha1_of),
        Err(AuthError::Replay)
    );
    // A forged serial fails the HMAC.
    let n = ch2[0].get("nonce").unwrap();
    let forged = a2.replace(n, &n.replacen('-', "-f", 1));
    assert_eq!(
        s.verify(
            503,
            &creds(&forged),
            "INVITE",
            "sip:600@pbx.example",
            ha1_of
        ),
        Err(AuthError::BadNonce)
    );
}
