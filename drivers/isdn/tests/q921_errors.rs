//! Exception conditions reported as MDL-ERROR indications (Q.921 §5.8, Appendix II
//! Table II.1) and the SDL's reaction to each in state 7.

mod q921_pair;

use isdn::q921::{Config, Control, Event, FrameRepr, Kind, Link, MdlError, Role, State};
use tdm::Instant;

/// An NT entity in state 7, driven by hand; the "peer" is a user side, so its commands
/// carry C/R = 0 and its responses C/R = 1.
fn established_nt() -> Link {
    let mut nt = Link::new(Role::Network, Config::default());
    nt.handle_input(
        Instant::ZERO,
        &frame(false, Control::Sabme { p: true }, &[]),
    );
    while nt.poll_transmit().is_some() {}
    assert_eq!(nt.poll_event(), Some(Event::Established(Kind::Indication)));
    nt
}

fn frame(cr: bool, control: Control, info: &[u8]) -> Vec<u8> {
    FrameRepr {
        sapi: 0,
        cr,
        tei: 0,
        control,
        info,
    }
    .to_vec()
    .unwrap()
}

fn events(l: &mut Link) -> Vec<Event> {
    std::iter::from_fn(|| l.poll_event()).collect()
}

fn sent(l: &mut Link) -> Vec<String> {
    std::iter::from_fn(|| l.poll_transmit())
        .map(|f| q921_pair::describe(&f))
        .collect()
}

#[test]
fn frame_errors_l_m_n_o_reestablish() {
    let mut too_long = vec![0x00, 0x01, 0x00, 0x00];
    too_long.resize(4 + 261, 0x55); // an I frame with N201 + 1 octets
    let cases: [(Vec<u8>, MdlError); 4] = [
        (vec![0x00, 0x01, 0x0D, 0x00], MdlError::L), // undefined S-format code
        (vec![0x00, 0x01, 0x73, 0xAA], MdlError::M), // UA with an information field
        (vec![0x00, 0x01, 0x01, 0x00, 0xAA], MdlError::N), // RR five octets long
        (too_long, MdlError::O),
    ];
    for (octets, code) in cases {
        let mut nt = established_nt();
        nt.handle_input(Instant::ZERO, &octets);
        assert_eq!(events(&mut nt), [Event::MdlError(code)]);
        assert_eq!(nt.state(), State::AwaitingEstablishment);
        assert_eq!(sent(&mut nt), ["SAPI=0 C/R=1 TEI=0 SABME P=1"]);
        assert_eq!(nt.stats().rx_invalid, 1);
    }
}

#[test]
fn frmr_is_k_and_reestablishment() {
    let mut nt = established_nt();
    nt.handle_input(
        Instant::ZERO,
        &frame(true, Control::Frmr { f: false }, &[0, 0, 0, 0, 1]),
    );
    assert_eq!(events(&mut nt), [Event::MdlError(MdlError::K)]);
    assert_eq!(nt.state(), State::AwaitingEstablishment);
}

#[test]
fn unsolicited_responses_are_reported_without_leaving_state_7() {
    let mut nt = established_nt();
    nt.handle_input(
        Instant::ZERO,
        &frame(true, Control::Rr { nr: 0, pf: true }, &[]),
    );
    nt.handle_input(Instant::ZERO, &frame(true, Control::Ua { f: true }, &[]));
    nt.handle_input(Instant::ZERO, &frame(true, Control::Ua { f: false }, &[]));
    nt.handle_input(Instant::ZERO, &frame(true, Control::Dm { f: true }, &[]));
    assert_eq!(
        events(&mut nt),
        [
            Event::MdlError(MdlError::A),
            Event::MdlError(MdlError::C),
            Event::MdlError(MdlError::D),
            Event::MdlError(MdlError::B)
        ]
    );
    assert_eq!(nt.state(), State::MultipleFrameEstablished);
}

#[test]
fn dm_f0_in_state_7_is_e_and_reestablishment() {
    let mut nt = established_nt();
    nt.handle_input(Instant::ZERO, &frame(true, Control::Dm { f: false }, &[]));
    assert_eq!(events(&mut nt), [Event::MdlError(MdlError::E)]);
    assert_eq!(nt.state(), State::AwaitingEstablishment);
}

#[test]
fn frames_for_other_addresses_and_wrong_cr_are_ignored() {
    let mut nt = established_nt();
    // TEI 5, SAPI 63 (TEI management), and a SABME sent as a response.
    nt.handle_input(
        Instant::ZERO,
        &FrameRepr {
            sapi: 0,
            cr: false,
            tei: 5,
            control: Control::Disc { p: true },
            info: &[],
        }
        .to_vec()
        .unwrap(),
    );
    nt.handle_input(
        Instant::ZERO,
        &FrameRepr {
            sapi: 63,
            cr: false,
            tei: 127,
            control: Control::Ui { p: false },
            info: &[0x0f, 0, 1, 1, 0xff],
        }
        .to_vec()
        .unwrap(),
    );
    nt.handle_input(Instant::ZERO, &frame(true, Control::Sabme { p: true }, &[]));
    assert!(events(&mut nt).is_empty());
    assert!(sent(&mut nt).is_empty());
    assert_eq!(nt.state(), State::MultipleFrameEstablished);
    assert_eq!(nt.stats().rx_not_for_us, 2);
    assert_eq!(nt.stats().rx_ignored, 1);
}

#[test]
fn ui_frames_are_unit_data() {
    let mut nt = established_nt();
    nt.handle_input(
        Instant::ZERO,
        &frame(false, Control::Ui { p: false }, b"\x08\x01\x00\x75"),
    );
    assert_eq!(
        events(&mut nt),
        [Event::UnitData(b"\x08\x01\x00\x75".to_vec())]
    );
    nt.send_unit_data(b"x").unwrap();
    assert_eq!(sent(&mut nt), ["SAPI=0 C/R=1 TEI=0 UI P=0 +1 octets"]);
}
