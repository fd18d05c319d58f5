//! Property tests: `parse(emit(x)) == x` for arbitrary typed messages of every kind, and
//! the parser and the §5.8 check never panic on arbitrary bytes.

use isdn::q931::ie::{
    BearerCapability, CallState, Cause, ChannelId, ChannelList, ChannelSelection, DateTime, Ie,
    Layer1Protocol, Location, Notification, NumberingPlan, PartyNumber, PresScreen, Presentation,
    Progress, ProgressDescription, RedirectReason, RestartClass, Screening, TransferCapability,
    TypeOfNumber,
};
use isdn::q931::validate::{Context, check_bytes};
use isdn::q931::{CallRef, CauseValue, Message, MessageType, MessageView, Role, Variant};
use proptest::collection::vec;
use proptest::prelude::*;

fn call_ref() -> impl Strategy<Value = CallRef> {
    prop_oneof![
        Just(CallRef::DUMMY),
        (0u16..0x80, any::<bool>()).prop_map(|(value, flag)| CallRef {
            len: 1,
            value,
            flag
        }),
        (0u16..0x8000, any::<bool>()).prop_map(|(value, flag)| CallRef {
            len: 2,
            value,
            flag
        }),
    ]
}

fn kind() -> impl Strategy<Value = MessageType> {
    (0u8..0x80).prop_map(MessageType::from_u8)
}

/// Octets with bit 8 clear on all but the last, which has it set (an extension group).
fn ext_group() -> impl Strategy<Value = Vec<u8>> {
    (vec(0u8..0x80, 0..3), 0x80u8..=0xFF).prop_map(|(mut v, last)| {
        v.push(last);
        v
    })
}

fn bearer() -> impl Strategy<Value = BearerCapability> {
    (
        0u8..4,
        0u8..0x20,
        0u8..4,
        0u8..0x20,
        proptest::option::of(0u8..0x80),
        proptest::option::of(0u8..0x20),
        prop_oneof![Just(vec![]), ext_group()],
        prop_oneof![Just(vec![]), Just(vec![0xC2]), Just(vec![0xC2, 0xE6])],
    )
        .prop_map(
            |(cs, itc, mode, rate, mult, l1, l1x, rest)| BearerCapability {
                coding_standard: cs,
                capability: TransferCapability::from_u8(itc),
                transfer_mode: mode,
                transfer_rate: rate,
                rate_multiplier: mult,
                layer1: l1.map(Layer1Protocol::from_u8),
                layer1_extra: if l1.is_some() { l1x } else { vec![] },
                rest,
            },
        )
}

fn channel_id() -> impl Strategy<Value = ChannelId> {
    (
        any::<bool>(),
        proptest::option::of(0u8..0x80),
        any::<bool>(),
        any::<bool>(),
        0u8..4,
        prop_oneof![
            Just(None),
            vec(0u8..0x80, 1..4).prop_map(|n| Some(ChannelList::Numbers(n))),
            vec(any::<u8>(), 1..4).prop_map(|m| Some(ChannelList::SlotMap(m))),
        ],
    )
        .prop_map(
            |(primary, interface_id, exclusive, d_channel, sel, channels)| ChannelId {
                primary,
                interface_id,
                exclusive,
                d_channel,
                selection: [
                    ChannelSelection::None,
                    ChannelSelection::AsIndicated,
                    ChannelSelection::B2,
                    ChannelSelection::Any,
                ][usize::from(sel)],
                channels: if primary { channels } else { None },
            },
        )
}

/// A party number valid for an IE allowing `extra` octets after octet 3.
fn number(extra: usize) -> impl Strategy<Value = PartyNumber> {
    (
        0u8..8,
        0u8..16,
        proptest::option::of((0u8..4, 0u8..4)),
        proptest::option::of(0u8..16),
        "[0-9*#]{0,20}",
    )
        .prop_map(move |(ton, plan, ps, reason, digits)| {
            let pres_screen = if extra >= 1 {
                ps.map(|(p, s)| PresScreen {
                    presentation: Presentation::from_u8(p),
                    screening: Screening::from_u8(s),
                })
            } else {
                None
            };
            PartyNumber {
                ton: TypeOfNumber::from_u8(ton),
                plan: NumberingPlan::from_u8(plan),
                pres_screen,
                reason: if extra >= 2 && pres_screen.is_some() {
                    reason.map(RedirectReason::from_u8)
                } else {
                    None
                },
                digits,
            }
        })
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (any::<[u8; 3]>(), 0usize..4, any::<[u8; 3]>()).prop_map(|([y, mo, d], n, t)| DateTime {
        year: y,
        month: mo,
        day: d,
        hour: (n >= 1).then_some(t[0]),
        minute: (n >= 2).then_some(t[1]),
        second: (n >= 3).then_some(t[2]),
    })
}

/// Any codeset-0 IE (no shifts).
fn ie0() -> impl Strategy<Value = Ie> {
    prop_oneof![
        Just(Ie::SendingComplete),
        Just(Ie::MoreData),
        (0u8..16).prop_map(Ie::CongestionLevel),
        (0u8..16).prop_map(Ie::RepeatIndicator),
        bearer().prop_map(Ie::BearerCapability),
        (
            0u8..4,
            0u8..16,
            proptest::option::of(0u8..0x80),
            0u8..0x80,
            vec(any::<u8>(), 0..4)
        )
            .prop_map(|(cs, loc, rec, v, diag)| Ie::Cause(Cause {
                coding_standard: cs,
                location: Location::from_u8(loc),
                recommendation: rec,
                value: CauseValue(v),
                diagnostics: diag,
            })),
        (0u8..4, 0u8..64).prop_map(|(c, s)| Ie::CallState(CallState {
            coding_standard: c,
            state: s
        })),
        channel_id().prop_map(Ie::ChannelId),
        vec(any::<u8>(), 0..30).prop_map(Ie::Facility),
        (0u8..4, 0u8..16, 0u8..0x80).prop_map(|(c, l, d)| Ie::Progress(Progress {
            coding_standard: c,
            location: Location::from_u8(l),
            description: ProgressDescription::from_u8(d),
        })),
        (0u8..0x80, vec(any::<u8>(), 0..3)).prop_map(|(d, extra)| Ie::Notification(Notification {
            description: d,
            extra
        })),
        vec(0x20u8..0x7F, 0..20).prop_map(Ie::Display),
        date_time().prop_map(Ie::DateTime),
        vec(0x20u8..0x7F, 0..8).prop_map(Ie::Keypad),
        number(0).prop_map(Ie::CalledNumber),
        number(1).prop_map(Ie::CallingNumber),
        number(1).prop_map(Ie::ConnectedNumber),
        number(2).prop_map(Ie::RedirectingNumber),
        (0u8..8).prop_map(|c| Ie::RestartIndicator(RestartClass::from_u8(c))),
        // Untyped variable-length IEs, e.g. LLC/HLC/user-user/subaddresses or unknown ones.
        (0u8..0x80)
            .prop_filter("typed", |id| !Ie::is_typed(*id))
            .prop_flat_map(
                |id| vec(any::<u8>(), 0..10).prop_map(move |data| Ie::Other { id, data })
            ),
        // Unknown single-octet IEs (not shift, more data, sending complete, congestion, repeat).
        prop_oneof![0x80u8..0x90, 0xA2u8..0xB0, 0xC0u8..0xD0, 0xE0u8..=0xFF]
            .prop_map(Ie::OtherSingle),
    ]
}

/// Codeset 0 IEs, then optionally a shift to codeset 5-7 followed by verbatim IEs.
fn ies() -> impl Strategy<Value = Vec<Ie>> {
    (
        vec(ie0(), 0..8),
        proptest::option::of((
            any::<bool>(),
            5u8..8,
            vec((0u8..0x80, vec(any::<u8>(), 0..6)), 1..3),
        )),
    )
        .prop_map(|(mut v, shifted)| {
            if let Some((locking, codeset, others)) = shifted {
                let n = if locking { others.len() } else { 1 };
                v.push(Ie::Shift { locking, codeset });
                for (id, data) in others.into_iter().take(n) {
                    v.push(Ie::Other { id, data });
                }
            }
            v
        })
}

fn message() -> impl Strategy<Value = Message> {
    (call_ref(), kind(), ies()).prop_map(|(call_ref, kind, ies)| Message {
        call_ref,
        kind,
        ies,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_emit_roundtrip(m in message()) {
        let n = m.buffer_len().unwrap();
        let mut buf = vec![0u8; n + 3];
        let written = m.emit(&mut buf).unwrap();
        prop_assert_eq!(written, n);
        let back = Message::parse(&buf[..n]).unwrap();
        prop_assert_eq!(&back, &m);
        // The view agrees with the representation.
        let v = Message::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!(v.call_ref(), m.call_ref);
        prop_assert_eq!(v.message_type(), m.kind);
        prop_assert_eq!(v.ies().count(), m.ies.len());
        // Emit is a fixed point after one parse.
        prop_assert_eq!(back.to_vec().unwrap(), buf[..n].to_vec());
    }

    #[test]
    fn emit_into_short_buffer_fails_cleanly(m in message()) {
        let n = m.buffer_len().unwrap();
        let mut buf = vec![0u8; n - 1];
        prop_assert!(m.emit(&mut buf).is_err());
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(b in vec(any::<u8>(), 0..80)) {
        let _ = Message::parse(&b);
        if let Ok(v) = MessageView::new_checked(&b[..]) {
            let _ = (v.call_ref(), v.message_type(), v.ies().count());
        }
        for variant in [Variant::EuroIsdn, Variant::Qsig] {
            for role in [Role::User, Role::Network] {
                for call_known in [false, true] {
                    let ctx = Context { variant, role, call_known };
                    let (_, a) = check_bytes(&b, &ctx);
                    let _ = a.response(CallRef::pri(1, false), role, 10);
                }
            }
        }
    }

    #[test]
    fn never_panics_on_q931_shaped_bytes(cr in call_ref(), t in any::<u8>(), body in vec(any::<u8>(), 0..60)) {
        let mut b = Message::new(cr, MessageType::from_u8(t)).to_vec().unwrap();
        b.extend_from_slice(&body);
        if let Ok(m) = Message::parse(&b) {
            // Whatever parses re-emits and re-parses to the same message.
            let again = Message::parse(&m.to_vec().unwrap()).unwrap();
            prop_assert_eq!(again, m);
        }
    }
}
