//! SDP offer/answer (RFC 3264) for G.711 + telephone-event: codec choice, the offerer's
//! PT mapping, ptime, hold and resume by direction attributes, refused streams, parse
//! errors, and the RFC 4475 INVITE bodies.

use sip::sdp::{
    Codec, Direction, LocalMedia, Sdp, SdpError, answer, negotiated_from_answer, offer,
};

fn local(dir: Direction) -> LocalMedia {
    LocalMedia {
        addr: "192.0.2.10".into(),
        port: 40000,
        codecs: vec![Codec::Pcma, Codec::Pcmu],
        telephone_event_pt: Some(101),
        ptime: 20,
        direction: dir,
    }
}

const PHONE_OFFER: &str = "v=0\r\no=phone 123 1 IN IP4 198.51.100.5\r\ns=call\r\nc=IN IP4 198.51.100.5\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0 8 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\na=ptime:30\r\nm=video 5006 RTP/AVP 99\r\na=rtpmap:99 H264/90000\r\n";

#[test]
fn answer_uses_our_codec_preference_and_their_te_pt() {
    let o = Sdp::parse(PHONE_OFFER.as_bytes()).unwrap();
    let (a, n) = answer(&o, &local(Direction::SendRecv), 7, 1).unwrap();
    assert_eq!(n.codec, Codec::Pcma);
    assert_eq!(n.codec_pt, 8);
    assert_eq!(n.telephone_event_pt, Some(96), "offerer's mapping");
    assert_eq!(n.ptime, 30);
    assert_eq!(
        (n.remote_addr.as_str(), n.remote_port),
        ("198.51.100.5", 5004)
    );
    assert_eq!(n.direction, Direction::SendRecv);
    // Same number of m-lines, video refused with port 0 (RFC 3264 §6).
    assert_eq!(a.media.len(), 2);
    assert_eq!(a.media[1].port, 0);
    assert_eq!(a.media[0].formats, vec!["8", "96"]);
    // The answer re-parses, and the offerer side reads the same agreement from it.
    let back = Sdp::parse(&a.to_bytes()).unwrap();
    assert_eq!(back, a);
    let mut phone = local(Direction::SendRecv);
    phone.telephone_event_pt = Some(96);
    let seen = negotiated_from_answer(&back, &phone).unwrap();
    assert_eq!(
        (seen.codec, seen.codec_pt, seen.telephone_event_pt),
        (Codec::Pcma, 8, Some(96))
    );
    assert_eq!(
        (seen.remote_addr.as_str(), seen.remote_port),
        ("192.0.2.10", 40000)
    );
}

#[test]
fn hold_and_resume() {
    // We hold: our re-offer says sendonly; the phone answers recvonly.
    let mut me = local(Direction::SendOnly);
    let o = offer(&me, 7, 2);
    let o = Sdp::parse(&o.to_bytes()).unwrap();
    assert_eq!(o.media[0].direction, Some(Direction::SendOnly));
    let phone = LocalMedia {
        addr: "198.51.100.5".into(),
        port: 5004,
        ..local(Direction::SendRecv)
    };
    let (a, n_phone) = answer(&o, &phone, 1, 2).unwrap();
    assert_eq!(n_phone.direction, Direction::RecvOnly);
    assert_eq!(
        negotiated_from_answer(&a, &me).unwrap().direction,
        Direction::SendOnly
    );
    // Resume: sendrecv again.
    me.direction = Direction::SendRecv;
    let (_, n) = answer(&offer(&me, 7, 3), &phone, 1, 3).unwrap();
    assert_eq!(n.direction, Direction::SendRecv);
    // The phone holds us with inactive; and the RFC 2543 way, c=0.0.0.0.
    let inactive = PHONE_OFFER.replace("a=ptime:30", "a=ptime:30\r\na=inactive");
    let (_, n) = answer(
        &Sdp::parse(inactive.as_bytes()).unwrap(),
        &local(Direction::SendRecv),
        7,
        4,
    )
    .unwrap();
    assert_eq!(n.direction, Direction::Inactive);
    let zero = PHONE_OFFER.replace("c=IN IP4 198.51.100.5", "c=IN IP4 0.0.0.0");
    let (_, n) = answer(
        &Sdp::parse(zero.as_bytes()).unwrap(),
        &local(Direction::SendRecv),
        7,
        5,
    )
    .unwrap();
    assert_eq!(n.direction, Direction::RecvOnly);
}

#[test]
fn no_common_codec_and_bad_bodies() {
    let g729 = "v=0\r\no=- 1 1 IN IP4 198.51.100.5\r\ns=-\r\nc=IN IP4 198.51.100.5\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    let o = Sdp::parse(g729.as_bytes()).unwrap();
    assert_eq!(
        answer(&o, &local(Direction::SendRecv), 1, 1).unwrap_err(),
        SdpError::NoCommonCodec
    );
    assert_eq!(
        Sdp::parse(b"o=- 1 1 IN IP4 x\r\n").unwrap_err(),
        SdpError::BadVersion
    );
    assert_eq!(
        Sdp::parse(b"v=0\r\ns=-\r\n").unwrap_err(),
        SdpError::BadOrigin
    );
    assert_eq!(
        Sdp::parse(b"v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n").unwrap_err(),
        SdpError::NoConnection
    );
    assert_eq!(
        Sdp::parse(b"v=0\r\no=- 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n").unwrap_err(),
        SdpError::BadMedia
    );
    // Static PTs without rtpmap are understood.
    let bare = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";
    let (_, n) = answer(
        &Sdp::parse(bare.as_bytes()).unwrap(),
        &local(Direction::SendRecv),
        1,
        1,
    )
    .unwrap();
    assert_eq!(
        (n.codec, n.codec_pt, n.telephone_event_pt, n.ptime),
        (Codec::Pcmu, 0, None, 20)
    );
}

#[test]
fn torture_invite_bodies_parse() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/sip-torture");
    for name in ["wsinv", "esc01", "longreq", "inv2543", "mpart01"] {
        let Ok(sip::Message::Request(r)) =
            sip::Message::parse(&std::fs::read(dir.join(format!("{name}.dat"))).unwrap())
        else {
            panic!("{name}")
        };
        if name == "mpart01" {
            // multipart/mixed: our parser must refuse it cleanly, not panic.
            assert!(Sdp::parse(&r.body).is_err());
            continue;
        }
        let sdp = Sdp::parse(&r.body);
        assert!(sdp.is_ok(), "{name}: {sdp:?}");
    }
}

proptest::proptest! {
    #[test]
    fn sdp_parser_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        let _ = Sdp::parse(&bytes);
    }
}
