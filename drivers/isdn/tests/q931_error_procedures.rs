//! The error procedures of Q.931 §5.8 (EN 300 403-1 §5.8): one case per row of the table
//! in `isdn::q931::validate`, checking the action and the response message built.

use isdn::q931::ie::{
    BearerCapability, CallState, Cause, ChannelId, Ie, IeError, Location, NumberingPlan,
    PartyNumber, RestartClass, TypeOfNumber,
};
use isdn::q931::validate::{Action, Context, ProtocolError, check, check_bytes};
use isdn::q931::{CallRef, CauseValue, Message, MessageType as T, Role, Variant};

const EURO_USER: Context = Context {
    variant: Variant::EuroIsdn,
    role: Role::User,
    call_known: true,
};
const NEW_CALL: Context = Context {
    call_known: false,
    ..EURO_USER
};

fn cr() -> CallRef {
    CallRef::pri(5, true)
}

fn setup() -> Message {
    Message::new(CallRef::pri(5, false), T::Setup)
        .with(Ie::BearerCapability(BearerCapability::speech_alaw()))
        .with(Ie::ChannelId(ChannelId::pri_channel(3, true)))
        .with(Ie::CalledNumber(PartyNumber::new(
            TypeOfNumber::Unknown,
            NumberingPlan::Isdn,
            "100",
        )))
}

fn bytes(m: &Message) -> Vec<u8> {
    m.to_vec().unwrap()
}

fn reject(error: ProtocolError, response: T) -> Action {
    Action::Reject { error, response }
}

fn report(error: ProtocolError, response: T) -> Action {
    Action::ProcessAndReport { error, response }
}

#[test]
fn valid_setup_is_processed() {
    assert_eq!(check(&setup(), &NEW_CALL), Action::Process);
}

#[test]
fn s5_8_1_too_short_is_ignored() {
    for b in [&[][..], &[0x08], &[0x08, 0x02, 0x00, 0x05]] {
        assert_eq!(
            check_bytes(b, &EURO_USER).1,
            Action::Ignore(ProtocolError::TooShort),
            "{b:?}"
        );
    }
}

#[test]
fn s5_8_2_protocol_discriminator_is_ignored() {
    let mut b = bytes(&setup());
    b[0] = 0x41;
    assert_eq!(
        check_bytes(&b, &NEW_CALL),
        (
            None,
            Action::Ignore(ProtocolError::ProtocolDiscriminator(0x41))
        )
    );
}

#[test]
fn s5_8_3_1_call_reference_length_is_ignored() {
    let b = [0x08, 0x13, 0x00, 0x01, 0x05];
    assert_eq!(
        check_bytes(&b, &NEW_CALL).1,
        Action::Ignore(ProtocolError::CallRefLength(0x13))
    );
}

#[test]
fn s5_8_3_2_unknown_call_reference() {
    // a) any other message: RELEASE COMPLETE #81 on the received call reference.
    for kind in [
        T::Alerting,
        T::Connect,
        T::Disconnect,
        T::Release,
        T::Information,
        T::Other(0x33),
    ] {
        let m =
            Message::new(cr(), kind).with(Ie::Cause(Cause::new(Location::User, CauseValue(16))));
        let a = check(&m, &NEW_CALL);
        assert_eq!(
            a,
            reject(ProtocolError::UnknownCallRef, T::ReleaseComplete),
            "{kind:?}"
        );
        let r = a.response(m.call_ref, Role::User, 0).unwrap();
        assert_eq!(r.kind, T::ReleaseComplete);
        assert_eq!(r.call_ref, CallRef::pri(5, false), "reply flips the flag");
        assert_eq!(r.cause().unwrap().value, CauseValue::INVALID_CALL_REFERENCE);
    }
    // b) RELEASE COMPLETE: ignored.
    let rc = Message::new(cr(), T::ReleaseComplete);
    assert_eq!(
        check(&rc, &NEW_CALL),
        Action::Ignore(ProtocolError::UnknownCallRef)
    );
    // e) STATUS ENQUIRY: processed (the call control answers STATUS, Null state).
    assert_eq!(
        check(&Message::new(cr(), T::StatusEnquiry), &NEW_CALL),
        Action::Process
    );
    // c) + §5.8.11: STATUS for no call: Null state ignored, other states RELEASE COMPLETE #101.
    let status = |state| {
        Message::new(cr(), T::Status)
            .with(Ie::Cause(Cause::new(Location::User, CauseValue(30))))
            .with(Ie::CallState(CallState {
                coding_standard: 0,
                state,
            }))
    };
    assert_eq!(
        check(&status(0), &NEW_CALL),
        Action::Ignore(ProtocolError::UnknownCallRef)
    );
    let a = check(&status(10), &NEW_CALL);
    assert_eq!(
        a,
        reject(
            ProtocolError::StatusIncompatibleState(10),
            T::ReleaseComplete
        )
    );
    assert_eq!(
        a.response(cr(), Role::User, 0)
            .unwrap()
            .cause()
            .unwrap()
            .value,
        CauseValue::MESSAGE_NOT_COMPATIBLE_WITH_STATE
    );
}

#[test]
fn s5_8_3_2_setup_call_reference_errors() {
    // f) flag set to 1: ignored.
    let mut m = setup();
    m.call_ref.flag = true;
    assert_eq!(
        check(&m, &NEW_CALL),
        Action::Ignore(ProtocolError::SetupWithFlag)
    );
    // g) call reference already in use: ignored.
    assert_eq!(
        check(&setup(), &EURO_USER),
        Action::Ignore(ProtocolError::CallRefInUse)
    );
}

#[test]
fn s5_8_3_2_global_call_reference() {
    let restart = Message::new(CallRef::global(false), T::Restart)
        .with(Ie::RestartIndicator(RestartClass::AllInterfaces));
    assert_eq!(check(&restart, &NEW_CALL), Action::Process);
    let m = Message::new(CallRef::global(false), T::Connect);
    let a = check(&m, &NEW_CALL);
    assert_eq!(a, reject(ProtocolError::GlobalCallRef, T::Status));
    let r = a.response(m.call_ref, Role::Network, 0).unwrap();
    assert!(r.call_ref.is_global());
    assert_eq!(
        r.cause().unwrap(),
        &Cause::new(Location::PrivateLocal, CauseValue::INVALID_CALL_REFERENCE)
    );
    assert_eq!(
        r.ies[1],
        Ie::CallState(CallState {
            coding_standard: 0,
            state: 0
        })
    );
}

#[test]
fn dummy_call_reference_only_for_facility() {
    let f = Message::new(CallRef::DUMMY, T::Facility).with(Ie::Facility(vec![0x91]));
    assert_eq!(check(&f, &NEW_CALL), Action::Process);
    let m = Message::new(CallRef::DUMMY, T::Setup);
    assert_eq!(
        check(&m, &NEW_CALL),
        Action::Ignore(ProtocolError::DummyCallRef)
    );
}

#[test]
fn s5_8_4_unknown_message_type_status_97() {
    let m = Message::new(cr(), T::from_u8(0x33));
    let a = check(&m, &EURO_USER);
    assert_eq!(
        a,
        reject(ProtocolError::UnknownMessageType(0x33), T::Status)
    );
    let r = a.response(cr(), Role::User, 10).unwrap();
    assert_eq!(r.kind, T::Status);
    let c = r.cause().unwrap();
    assert_eq!(c.value, CauseValue::MESSAGE_TYPE_NON_EXISTENT);
    assert_eq!(c.diagnostics, [0x33]);
    assert_eq!(
        r.ies[1],
        Ie::CallState(CallState {
            coding_standard: 0,
            state: 10
        })
    );
    // The response encodes and parses back.
    assert_eq!(Message::parse(&r.to_vec().unwrap()).unwrap(), r);
}

#[test]
fn s5_8_6_1_missing_mandatory_ie() {
    // SETUP without bearer capability: RELEASE COMPLETE #96, diagnostic 0x04.
    let mut m = setup();
    m.ies.remove(0);
    let a = check(&m, &NEW_CALL);
    assert_eq!(
        a,
        reject(ProtocolError::MissingMandatoryIe(0x04), T::ReleaseComplete)
    );
    let c = a.response(m.call_ref, Role::User, 0).unwrap();
    assert_eq!(c.cause().unwrap().value, CauseValue::MANDATORY_IE_MISSING);
    assert_eq!(c.cause().unwrap().diagnostics, [0x04]);
    // EuroISDN: channel identification is mandatory network -> user only.
    let mut m = setup();
    m.ies.remove(1);
    assert_eq!(
        check(&m, &NEW_CALL),
        reject(ProtocolError::MissingMandatoryIe(0x18), T::ReleaseComplete)
    );
    let net = Context {
        role: Role::Network,
        ..NEW_CALL
    };
    assert_eq!(check(&m, &net), Action::Process);
    // DISCONNECT without cause: clearing continues, RELEASE carries #96.
    let d = Message::new(cr(), T::Disconnect);
    assert_eq!(
        check(&d, &EURO_USER),
        report(ProtocolError::MissingMandatoryIe(0x08), T::Release)
    );
    // STATUS without call state: STATUS #96.
    let s =
        Message::new(cr(), T::Status).with(Ie::Cause(Cause::new(Location::User, CauseValue(30))));
    assert_eq!(
        check(&s, &EURO_USER),
        reject(ProtocolError::MissingMandatoryIe(0x14), T::Status)
    );
    // RESTART without restart indicator.
    let r = Message::new(CallRef::global(false), T::Restart);
    assert_eq!(
        check(&r, &EURO_USER),
        reject(ProtocolError::MissingMandatoryIe(0x79), T::Status)
    );
}

#[test]
fn s5_8_6_2_invalid_mandatory_ie() {
    // Bearer capability with one octet only.
    let b = [
        0x08, 0x02, 0x00, 0x05, 0x05, 0x04, 0x01, 0x80, 0x18, 0x03, 0xA9, 0x83, 0x83,
    ];
    let (m, a) = check_bytes(&b, &NEW_CALL);
    assert!(matches!(
        m.unwrap().ies[0],
        Ie::Invalid {
            id: 0x04,
            error: IeError::TooShort,
            ..
        }
    ));
    assert_eq!(
        a,
        reject(ProtocolError::InvalidMandatoryIe(0x04), T::ReleaseComplete)
    );
    assert_eq!(
        a.response(CallRef::pri(5, false), Role::User, 0)
            .unwrap()
            .cause()
            .unwrap()
            .value,
        CauseValue::INVALID_IE_CONTENTS
    );
    // DISCONNECT whose cause lacks octet 4: clearing continues, RELEASE #100.
    let b = [0x08, 0x02, 0x80, 0x05, 0x45, 0x08, 0x01, 0x80];
    assert_eq!(
        check_bytes(&b, &EURO_USER).1,
        report(ProtocolError::InvalidMandatoryIe(0x08), T::Release)
    );
}

#[test]
fn s5_8_7_1_unrecognised_ies() {
    // Comprehension required (0000 xxxx, here 0x0E): treated as a missing mandatory IE.
    let m = setup().with(Ie::Other {
        id: 0x0E,
        data: vec![1],
    });
    let a = check(&m, &NEW_CALL);
    assert_eq!(
        a,
        reject(
            ProtocolError::ComprehensionRequired(0x0E),
            T::ReleaseComplete
        )
    );
    assert_eq!(
        a.response(m.call_ref, Role::User, 0)
            .unwrap()
            .cause()
            .unwrap()
            .value,
        CauseValue::MANDATORY_IE_MISSING
    );
    let m = Message::new(cr(), T::Alerting).with(Ie::Other {
        id: 0x0E,
        data: vec![],
    });
    assert_eq!(
        check(&m, &EURO_USER),
        reject(ProtocolError::ComprehensionRequired(0x0E), T::Status)
    );
    // Not comprehension required (0x5F): process, STATUS #99.
    let m = Message::new(cr(), T::Alerting).with(Ie::Other {
        id: 0x5F,
        data: vec![],
    });
    let a = check(&m, &EURO_USER);
    assert_eq!(a, report(ProtocolError::UnrecognisedIe(0x5F), T::Status));
    let r = a.response(cr(), Role::User, 7).unwrap();
    assert_eq!(r.cause().unwrap().value, CauseValue::IE_NON_EXISTENT);
    assert_eq!(r.cause().unwrap().diagnostics, [0x5F]);
    // In RELEASE: reported in the RELEASE COMPLETE; in RELEASE COMPLETE: nothing.
    let m = Message::new(cr(), T::Release).with(Ie::Other {
        id: 0x5F,
        data: vec![],
    });
    assert_eq!(
        check(&m, &EURO_USER),
        report(ProtocolError::UnrecognisedIe(0x5F), T::ReleaseComplete)
    );
    let m = Message::new(cr(), T::ReleaseComplete).with(Ie::Other {
        id: 0x5F,
        data: vec![],
    });
    assert_eq!(check(&m, &EURO_USER), Action::Process);
    // Known but untyped IEs (user-user, LLC) are recognised.
    let m = Message::new(cr(), T::Alerting).with(Ie::Other {
        id: 0x7E,
        data: vec![4, 1],
    });
    assert_eq!(check(&m, &EURO_USER), Action::Process);
    // A national IE behind a shift to codeset 6 is not reported.
    let m = Message::new(cr(), T::Alerting)
        .with(Ie::Shift {
            locking: false,
            codeset: 6,
        })
        .with(Ie::Other {
            id: 0x05,
            data: vec![],
        });
    assert_eq!(check(&m, &EURO_USER), Action::Process);
}

#[test]
fn s5_8_7_2_invalid_optional_ie() {
    // Calling party number with an IA5 octet with bit 8 set: process, STATUS #100.
    let b = [
        0x08, 0x02, 0x80, 0x05, 0x01, 0x1E, 0x02, 0x81, 0x88, 0x6C, 0x02, 0x81, 0xB1,
    ];
    let (_, a) = check_bytes(&b, &EURO_USER);
    assert_eq!(a, report(ProtocolError::InvalidOptionalIe(0x6C), T::Status));
}

#[test]
fn qsig_variant_differences() {
    let qsig = Context {
        variant: Variant::Qsig,
        role: Role::Network,
        call_known: false,
    };
    // Called party number and channel identification mandatory in both directions.
    let mut m = setup();
    m.ies.remove(2);
    assert_eq!(
        check(&m, &qsig),
        reject(ProtocolError::MissingMandatoryIe(0x70), T::ReleaseComplete)
    );
    let euro_net = Context {
        variant: Variant::EuroIsdn,
        ..qsig
    };
    assert_eq!(check(&m, &euro_net), Action::Process);
    // Codeset 5 party category (ECMA-143) recognised; an unknown codeset-5 IE reported.
    let with_cs5 = |id| {
        setup()
            .with(Ie::Shift {
                locking: false,
                codeset: 5,
            })
            .with(Ie::Other { id, data: vec![1] })
    };
    assert_eq!(check(&with_cs5(0x32), &qsig), Action::Process);
    assert_eq!(
        check(&with_cs5(0x3F), &qsig),
        report(ProtocolError::UnrecognisedIe(0x3F), T::Status)
    );
    assert_eq!(check(&with_cs5(0x3F), &euro_net), Action::Process);
}

#[test]
fn causes_of_errors() {
    assert_eq!(ProtocolError::TooShort.cause(), None);
    assert_eq!(ProtocolError::UnknownCallRef.cause(), Some(CauseValue(81)));
    assert_eq!(
        ProtocolError::UnknownMessageType(1).cause(),
        Some(CauseValue(97))
    );
    assert_eq!(
        ProtocolError::MissingMandatoryIe(1).cause(),
        Some(CauseValue(96))
    );
    assert_eq!(
        ProtocolError::InvalidMandatoryIe(1).cause(),
        Some(CauseValue(100))
    );
    assert_eq!(
        ProtocolError::UnrecognisedIe(1).cause(),
        Some(CauseValue(99))
    );
    assert_eq!(
        Action::Ignore(ProtocolError::TooShort).response(cr(), Role::User, 0),
        None
    );
    assert_eq!(
        ProtocolError::MissingMandatoryIe(4).to_string(),
        "mandatory information element 0x04 missing (Q.931 §5.8.6.1)"
    );
}
