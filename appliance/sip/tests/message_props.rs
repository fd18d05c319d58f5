//! Property tests of the message layer: the parser never panics on arbitrary or mutated
//! input, and built messages round-trip through emit and parse.

use proptest::prelude::*;
use sip::header::HeaderKind;
use sip::{HeaderAccess, Message, Method, Request, Uri};

fn seeds() -> Vec<Vec<u8>> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/sip-torture");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .expect("torture dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    v.into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dat"))
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = Message::parse(&bytes);
    }

    #[test]
    fn mutated_torture_messages_never_panic(idx in 0usize..49, edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..8)) {
        let seeds = seeds();
        let mut m = seeds[idx % seeds.len()].clone();
        for (pos, byte) in edits {
            if m.is_empty() { break; }
            let p = pos as usize % m.len();
            m[p] = byte;
        }
        let _ = Message::parse(&m);
    }

    #[test]
    fn built_requests_round_trip(
        user in "[a-z0-9]{1,12}",
        host in "[a-z]{1,10}\\.example\\.(com|net)",
        port in proptest::option::of(1u16..),
        seq in any::<u32>(),
        tag in "[A-Za-z0-9]{1,16}",
        branch in "[A-Za-z0-9]{1,16}",
        mf in any::<u8>(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut r = Request::new(Method::Invite, Uri::sip(Some(&user), &host, port));
        r.headers.push_kind(HeaderKind::Via, format!("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{branch};rport"));
        r.headers.push_kind(HeaderKind::From, format!("\"A \\\"q\\\"\" <sip:a@{host}>;tag={tag}"));
        r.headers.push_kind(HeaderKind::To, format!("<sip:{user}@{host}>"));
        r.headers.push_kind(HeaderKind::CallId, format!("{tag}@{host}"));
        r.headers.push_kind(HeaderKind::CSeq, format!("{seq} INVITE"));
        r.headers.push_kind(HeaderKind::MaxForwards, mf.to_string());
        r.body = body;
        let Ok(Message::Request(p)) = Message::parse(&r.to_bytes()) else { panic!("round trip") };
        prop_assert_eq!(&p.uri, &r.uri);
        prop_assert_eq!(p.cseq().unwrap().seq, seq);
        prop_assert_eq!(p.max_forwards().unwrap(), Some(mf));
        let from = p.hdr_from().unwrap();
        prop_assert_eq!(from.tag(), Some(tag.as_str()));
        prop_assert_eq!(from.display.as_deref(), Some("A \"q\""));
        let via = p.top_via().unwrap();
        prop_assert_eq!(via.rport(), Some(None));
        prop_assert_eq!(via.branch().map(str::to_owned), Some(format!("z9hG4bK{branch}")));
        prop_assert_eq!(&p.body, &r.body);
        prop_assert_eq!(p.to_bytes(), r.to_bytes());
    }
}
