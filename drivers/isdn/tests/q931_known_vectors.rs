//! Hand-checked byte vectors (decoded field by field against Q.931 §4 / EN 300 403 and
//! cross-checked with Wireshark's Q.931 dissector in `pcap_tshark.rs`).

use isdn::q931::ie::{
    BearerCapability, CallState, Cause, ChannelId, ChannelList, ChannelMapping, ChannelSelection,
    DateTime, Ie, IeError, Layer1Protocol, Location, NumberingPlan, PartyNumber, PresScreen,
    Presentation, Progress, ProgressDescription, RedirectReason, RestartClass, Screening,
    TransferCapability, TypeOfNumber,
};
use isdn::q931::{CallRef, CauseValue, Message, MessageType, ParseError};

/// EuroISDN SETUP, network to user, call reference 1 (2 octets), B-channel 1 exclusive.
const SETUP: &[u8] = &[
    0x08, 0x02, 0x00, 0x01, 0x05, // PD, CR len 2, CR 0x0001 flag 0, SETUP
    0xA1, // sending complete
    0x04, 0x03, 0x80, 0x90, 0xA3, // bearer capability: speech, circuit 64k, G.711 A-law
    0x18, 0x03, 0xA9, 0x83, 0x81, // channel id: PRI, exclusive, B-channel 1
    0x6C, 0x06, 0x21, 0x80, b'1', b'2', b'3', b'4', // calling: national/ISDN, allowed, user
    0x70, 0x05, 0x81, b'5', b'6', b'7', b'8', // called: unknown/ISDN, "5678"
];

#[test]
fn euroisdn_setup_decodes() {
    let m = Message::parse(SETUP).unwrap();
    assert_eq!(
        m.call_ref,
        CallRef {
            len: 2,
            value: 1,
            flag: false
        }
    );
    assert_eq!(m.kind, MessageType::Setup);
    assert_eq!(m.kind.name(), Some("SETUP"));
    assert_eq!(m.ies[0], Ie::SendingComplete);
    assert_eq!(
        m.ies[1],
        Ie::BearerCapability(BearerCapability::speech_alaw())
    );
    let Ie::BearerCapability(bc) = &m.ies[1] else {
        panic!()
    };
    assert_eq!(bc.capability, TransferCapability::Speech);
    assert_eq!(bc.transfer_rate, 0x10);
    assert_eq!(bc.layer1, Some(Layer1Protocol::G711ALaw));
    let ch = m.channel_id().unwrap();
    assert_eq!(ch, &ChannelId::pri_channel(1, true));
    assert!(ch.primary && ch.exclusive && !ch.d_channel);
    assert_eq!(ch.selection, ChannelSelection::AsIndicated);
    assert_eq!(
        m.ies[3],
        Ie::CallingNumber(PartyNumber {
            ton: TypeOfNumber::National,
            plan: NumberingPlan::Isdn,
            pres_screen: Some(PresScreen {
                presentation: Presentation::Allowed,
                screening: Screening::UserNotScreened,
            }),
            reason: None,
            digits: "1234".into(),
        })
    );
    let called = m.called_number().unwrap();
    assert_eq!(
        called,
        &PartyNumber::new(TypeOfNumber::Unknown, NumberingPlan::Isdn, "5678")
    );
    assert_eq!(m.to_vec().unwrap(), SETUP);
}

#[test]
fn euroisdn_setup_builds_to_the_same_bytes() {
    let m = Message::new(CallRef::pri(1, false), MessageType::Setup)
        .with(Ie::SendingComplete)
        .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
        .with(Ie::ChannelId(ChannelId::pri_channel(1, true)))
        .with(Ie::CallingNumber(PartyNumber {
            pres_screen: Some(PresScreen {
                presentation: Presentation::Allowed,
                screening: Screening::UserNotScreened,
            }),
            ..PartyNumber::new(TypeOfNumber::National, NumberingPlan::Isdn, "1234")
        }))
        .with(Ie::CalledNumber(PartyNumber::new(
            TypeOfNumber::Unknown,
            NumberingPlan::Isdn,
            "5678",
        )));
    let mut buf = [0u8; 64];
    let n = m.emit(&mut buf).unwrap();
    assert_eq!(&buf[..n], SETUP);
}

#[test]
fn disconnect_with_cause_and_progress() {
    // DISCONNECT from the side that did not allocate CR 1 (flag 1): cause #16 from the
    // user, progress "in-band information available" from the local private network.
    let b = [
        0x08, 0x02, 0x80, 0x01, 0x45, 0x08, 0x02, 0x80, 0x90, 0x1E, 0x02, 0x81, 0x88,
    ];
    let m = Message::parse(&b).unwrap();
    assert_eq!(m.call_ref, CallRef::pri(1, true));
    assert_eq!(m.kind, MessageType::Disconnect);
    let c = m.cause().unwrap();
    assert_eq!(c, &Cause::new(Location::User, CauseValue::NORMAL_CLEARING));
    assert_eq!(c.value.name(), Some("normal call clearing"));
    assert_eq!(
        m.ies[1],
        Ie::Progress(Progress {
            coding_standard: 0,
            location: Location::PrivateLocal,
            description: ProgressDescription::InbandAvailable,
        })
    );
    assert_eq!(m.to_vec().unwrap(), b);
}

#[test]
fn cause_with_recommendation_and_diagnostics() {
    // Cause #97 with octet 3a (recommendation Q.931) and the message type as diagnostic.
    let b = [
        0x08, 0x02, 0x80, 0x05, 0x7D, 0x08, 0x04, 0x02, 0x80, 0xE1, 0x33, 0x14, 0x01, 0x0A,
    ];
    let m = Message::parse(&b).unwrap();
    let c = m.cause().unwrap();
    assert_eq!(c.location, Location::PublicLocal);
    assert_eq!(c.recommendation, Some(0));
    assert_eq!(c.value, CauseValue::MESSAGE_TYPE_NON_EXISTENT);
    assert_eq!(c.diagnostics, [0x33]);
    assert_eq!(
        m.ies[1],
        Ie::CallState(CallState {
            coding_standard: 0,
            state: 10
        })
    );
    assert_eq!(m.to_vec().unwrap(), b);
}

#[test]
fn restart_all_interfaces_on_global_call_reference() {
    let b = [0x08, 0x02, 0x00, 0x00, 0x46, 0x79, 0x01, 0x87];
    let m = Message::parse(&b).unwrap();
    assert!(m.call_ref.is_global());
    assert_eq!(m.kind, MessageType::Restart);
    assert_eq!(m.ies, [Ie::RestartIndicator(RestartClass::AllInterfaces)]);
}

#[test]
fn connect_with_date_time_and_connected_number() {
    let b = [
        0x08, 0x02, 0x80, 0x01, 0x07, // CONNECT
        0x29, 0x05, 26, 11, 24, 14, 35, // 2026-11-24 14:35
        0x4C, 0x05, 0x41, 0xA3, b'9', b'9',
        b'9', // connected: 0x41 = subscriber/ISDN, 0xA3 = restricted, network provided
    ];
    let m = Message::parse(&b).unwrap();
    assert_eq!(
        m.ies[0],
        Ie::DateTime(DateTime {
            year: 26,
            month: 11,
            day: 24,
            hour: Some(14),
            minute: Some(35),
            second: None
        })
    );
    let Ie::ConnectedNumber(n) = &m.ies[1] else {
        panic!("{:?}", m.ies[1])
    };
    assert_eq!(n.ton, TypeOfNumber::Subscriber);
    assert_eq!(n.plan, NumberingPlan::Isdn);
    assert_eq!(
        n.pres_screen.unwrap().presentation,
        Presentation::Restricted
    );
    assert_eq!(n.pres_screen.unwrap().screening, Screening::Network);
    assert_eq!(n.digits, "999");
}

#[test]
fn redirecting_number_with_reason() {
    // Redirecting: national/ISDN, allowed + user not screened (3a ext 0), reason CFU (3b).
    let b = [
        0x08, 0x02, 0x00, 0x07, 0x05, 0x74, 0x05, 0x21, 0x00, 0x8F, b'4', b'2',
    ];
    let m = Message::parse(&b).unwrap();
    let Ie::RedirectingNumber(n) = &m.ies[0] else {
        panic!()
    };
    assert_eq!(n.reason, Some(RedirectReason::Unconditional));
    assert_eq!(n.digits, "42");
    assert_eq!(m.to_vec().unwrap(), b);
}

#[test]
fn channel_id_variants() {
    // Preferred, any channel (no list), and a two-channel list.
    let m = Message::parse(&[0x08, 0x02, 0x00, 0x01, 0x05, 0x18, 0x01, 0xA3]).unwrap();
    let c = m.channel_id().unwrap();
    assert!(!c.exclusive);
    assert_eq!(c.selection, ChannelSelection::Any);
    assert_eq!(c.channels, None);
    let m = Message::parse(&[
        0x08, 0x02, 0x00, 0x01, 0x05, 0x18, 0x04, 0xA1, 0x83, 0x11, 0x92,
    ])
    .unwrap();
    assert_eq!(
        m.channel_id().unwrap().channels,
        Some(ChannelList::Numbers(vec![17, 18]))
    );
    // H0 channel type (0x86) is not supported: kept as invalid.
    let m = Message::parse(&[0x08, 0x02, 0x00, 0x01, 0x05, 0x18, 0x03, 0xA9, 0x86, 0x81]).unwrap();
    assert!(matches!(
        m.ies[0],
        Ie::Invalid {
            id: 0x18,
            error: IeError::Unsupported,
            ..
        }
    ));
}

#[test]
fn e1_timeslot_mapping() {
    let ts = ChannelMapping::Timeslot;
    assert_eq!(ts.timeslot(1), Some(1));
    assert_eq!(ts.timeslot(16), None);
    assert_eq!(ts.timeslot(31), Some(31));
    let lg = ChannelMapping::Logical;
    assert_eq!(lg.timeslot(15), Some(15));
    assert_eq!(lg.timeslot(16), Some(17));
    assert_eq!(lg.timeslot(30), Some(31));
    assert_eq!(lg.timeslot(31), None);
    for c in 1..=30 {
        assert_eq!(lg.channel(lg.timeslot(c).unwrap()), Some(c));
    }
    assert_eq!(ts.channel(0), None);
    assert_eq!(ts.channel(16), None);
}

#[test]
fn codeset_shifts_are_preserved() {
    // Locking shift to codeset 6 with a national IE, in a CONNECT ACK.
    let b = [0x08, 0x02, 0x80, 0x01, 0x0F, 0x96, 0x01, 0x02, 0xAA, 0xBB];
    let m = Message::parse(&b).unwrap();
    assert_eq!(
        m.ies[0],
        Ie::Shift {
            locking: true,
            codeset: 6
        }
    );
    assert_eq!(
        m.ies[1],
        Ie::Other {
            id: 0x01,
            data: vec![0xAA, 0xBB]
        }
    );
    let cs: Vec<u8> = m.ies_with_codeset().map(|(c, _)| c).collect();
    assert_eq!(cs, [0, 6]);
    // Non-locking shift to codeset 5 (ECMA-143 party category) then back to codeset 0:
    // the display after it is typed again.
    let b = [
        0x08, 0x02, 0x00, 0x01, 0x05, 0x9D, 0x32, 0x01, 0x81, 0x28, 0x02, b'h', b'i',
    ];
    let m = Message::parse(&b).unwrap();
    assert_eq!(
        m.ies[1],
        Ie::Other {
            id: 0x32,
            data: vec![0x81]
        }
    );
    assert_eq!(m.ies[2], Ie::Display(b"hi".to_vec()));
    assert_eq!(m.to_vec().unwrap(), b);
}

#[test]
fn header_errors() {
    assert_eq!(Message::parse(&[]), Err(ParseError::TooShort));
    assert_eq!(
        Message::parse(&[0x08, 0x02, 0x00]),
        Err(ParseError::TooShort)
    );
    assert_eq!(
        Message::parse(&[0x09, 0x00, 0x05]),
        Err(ParseError::ProtocolDiscriminator(0x09))
    );
    assert_eq!(
        Message::parse(&[0x08, 0x03, 0, 0, 0, 5]),
        Err(ParseError::CallRefLength(3))
    );
    assert_eq!(
        Message::parse(&[0x08, 0x02, 0x00, 0x01, 0x05, 0x70, 0x05, 0x81]),
        Err(ParseError::IeTruncated {
            id: 0x70,
            offset: 5
        })
    );
    // Dummy call reference.
    let m = Message::parse(&[0x08, 0x00, 0x62, 0x1C, 0x01, 0x91]).unwrap();
    assert!(m.call_ref.is_dummy());
    assert_eq!(m.ies, [Ie::Facility(vec![0x91])]);
}

#[test]
fn cause_table_names() {
    assert_eq!(CauseValue::USER_BUSY.0, 17);
    assert_eq!(CauseValue(34).name(), Some("no circuit/channel available"));
    assert_eq!(
        CauseValue(81).to_string(),
        "#81 invalid call reference value"
    );
    assert_eq!(CauseValue(120).name(), None);
}

/// The messages of `tests/data/q931_vectors.hex`.
fn vector_file() -> Vec<Vec<u8>> {
    include_str!("data/q931_vectors.hex")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").replace(' ', ""))
        .filter(|l| !l.is_empty())
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn vector_file_parses_and_reemits_byte_identically() {
    let v = vector_file();
    assert_eq!(v.len(), 10);
    for b in v {
        let m = Message::parse(&b).unwrap();
        assert!(
            m.ies
                .iter()
                .all(|ie| !matches!(ie, Ie::Invalid { .. } | Ie::OtherSingle(_))),
            "{m:?}"
        );
        assert_eq!(m.to_vec().unwrap(), b, "{m:?}");
    }
}
