//! Property tests of the caller-ID codecs and the FSK receiver: round trips, block-size
//! independence, and no panic on any input.

use media_dsp::cid::{
    Absence, CallerId, CidRx, CidTx, DateTime, DtmfClip, DtmfClipAbsence, DtmfClipFormat,
    MAX_DTMF_CLIP_LEN, MAX_MESSAGE_LEN, Message, Name, Number,
};
use media_dsp::fsk::FskStandard;
use proptest::prelude::*;

fn absence() -> impl Strategy<Value = Absence> {
    prop_oneof![Just(Absence::Private), Just(Absence::Unavailable)]
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (1u8..=12, 1u8..=31, 0u8..24, 0u8..60)
        .prop_map(|(m, d, h, mi)| DateTime::new(m, d, h, mi).expect("in range"))
}

fn number() -> impl Strategy<Value = Number> {
    "[0-9*#+]{0,20}".prop_map(|s| Number::number(&s).expect("valid"))
}

fn name() -> impl Strategy<Value = Name> {
    proptest::collection::vec(any::<u8>(), 0..=50).prop_map(|b| Name::from_bytes(&b).expect("fits"))
}

fn mdmf() -> impl Strategy<Value = CallerId> {
    (
        proptest::option::of(date_time()),
        proptest::option::of(number()),
        proptest::option::of(absence()),
        proptest::option::of(name()),
        proptest::option::of(absence()),
        proptest::collection::vec(
            (
                any::<u8>()
                    .prop_filter("not a known parameter", |t| ![1u8, 2, 4, 7, 8].contains(t)),
                proptest::collection::vec(any::<u8>(), 0..20),
            ),
            0..4,
        ),
    )
        .prop_map(|(d, n, na, m, ma, unknown)| {
            let mut id = CallerId::mdmf();
            id.date_time = d;
            id.number = n;
            id.number_absence = na;
            id.name = m;
            id.name_absence = ma;
            for (t, v) in unknown {
                id.push_unknown(t, &v).expect("fits");
            }
            id
        })
}

fn sdmf() -> impl Strategy<Value = CallerId> {
    (
        date_time(),
        prop_oneof![
            "[0-9]{1,20}".prop_map(|s| (Some(Number::number(&s).expect("valid")), None)),
            absence().prop_map(|a| (None, Some(a))),
        ],
    )
        .prop_map(|(d, (n, a))| {
            let mut id = CallerId::sdmf();
            id.date_time = Some(d);
            id.number = n;
            id.number_absence = a;
            id
        })
}

fn caller_id() -> impl Strategy<Value = CallerId> {
    prop_oneof![mdmf(), sdmf()]
}

fn standard() -> impl Strategy<Value = FskStandard> {
    prop_oneof![Just(FskStandard::Bell202), Just(FskStandard::V23)]
}

fn modulate(std: FskStandard, id: &CallerId, level: f32) -> Vec<i16> {
    let mut tx = CidTx::from_caller_id(std, id, level).expect("tx");
    let mut s = vec![0i16; 400 + tx.total_samples() + 800];
    let n = tx.fill(&mut s[400..]);
    assert_eq!(n, tx.total_samples());
    s
}

proptest! {
    #[test]
    fn parse_emit_round_trip(id in caller_id()) {
        let mut buf = [0u8; MAX_MESSAGE_LEN];
        let n = id.emit(&mut buf).expect("emit");
        prop_assert_eq!(n, id.message_len().expect("len"));
        let m = Message::new_checked(&buf[..n]).expect("checked");
        prop_assert_eq!(CallerId::parse(&m), Ok(id));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(m) = Message::new_checked(&bytes[..]) {
            let _ = m.body();
            let _ = CallerId::parse(&m);
        }
        // And with a valid checksum forced, so parsing is reached more often.
        let mut b = bytes.clone();
        if b.len() >= 3 {
            let len = usize::from(b[1]).min(b.len() - 3);
            b[1] = len as u8;
            let sum = b[..len + 2].iter().fold(0u8, |a, &x| a.wrapping_add(x));
            b[len + 2] = 0u8.wrapping_sub(sum);
            let m = Message::new_checked(&b[..]).expect("forced valid");
            let _ = CallerId::parse(&m);
        }
        let _ = DtmfClip::decode(&bytes);
    }

    #[test]
    fn dtmf_clip_round_trip(
        n in proptest::option::of("[0-9]{1,20}"),
        r in proptest::option::of("[0-9]{1,20}"),
        a in proptest::option::of(prop_oneof![Just(DtmfClipAbsence::Private), Just(DtmfClipAbsence::Unavailable)]),
    ) {
        let clip = DtmfClip {
            format: DtmfClipFormat::CTerminated,
            number: n.map(|s| Number::number(&s).expect("valid")),
            redirect: r.map(|s| Number::number(&s).expect("valid")),
            absence: a,
        };
        let mut out = [0u8; MAX_DTMF_CLIP_LEN];
        match clip.encode(&mut out) {
            Ok(len) => prop_assert_eq!(DtmfClip::decode(&out[..len]), Ok(clip)),
            Err(_) => prop_assert!(clip.number.is_none() && clip.redirect.is_none() && clip.absence.is_none()),
        }
    }

    #[test]
    fn modulate_demodulate_round_trip(id in caller_id(), std in standard(), level in -40.0f32..0.0) {
        let s = modulate(std, &id, level);
        let mut rx = CidRx::new(std);
        let mut got = Vec::new();
        rx.process(&s, |r| got.push(r));
        prop_assert_eq!(got, vec![Ok(id)]);
    }

    #[test]
    fn any_block_sizes_give_the_same_result(
        id in caller_id(),
        std in standard(),
        sizes in proptest::collection::vec(1usize..400, 1..50),
    ) {
        let s = modulate(std, &id, -20.0);
        let mut whole = Vec::new();
        CidRx::new(std).process(&s, |r| whole.push(r));
        let mut rx = CidRx::new(std);
        let mut pieces = Vec::new();
        let mut rest = &s[..];
        for &k in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (a, b) = rest.split_at(k.min(rest.len()));
            rx.process(a, |r| pieces.push(r));
            rest = b;
        }
        prop_assert_eq!(&pieces, &whole);
        prop_assert_eq!(whole, vec![Ok(id)]);
    }

    #[test]
    fn receiver_never_panics_on_arbitrary_samples(
        samples in proptest::collection::vec(any::<i16>(), 0..4000),
        std in standard(),
    ) {
        let mut rx = CidRx::new(std);
        rx.process(&samples, |_| {});
    }
}
