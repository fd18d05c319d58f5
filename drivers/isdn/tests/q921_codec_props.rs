//! Q.921 codec: parse(emit(x)) == x for every representable frame, and neither the parser
//! nor `Link::handle_input` panics on arbitrary octets.

use isdn::q921::{Config, Control, Frame, FrameRepr, Link, N201, Role};
use proptest::prelude::*;
use tdm::Instant;

fn control() -> impl Strategy<Value = Control> {
    let seq = 0u8..128;
    prop_oneof![
        (seq.clone(), seq.clone(), any::<bool>()).prop_map(|(ns, nr, p)| Control::I { ns, nr, p }),
        (seq.clone(), any::<bool>()).prop_map(|(nr, pf)| Control::Rr { nr, pf }),
        (seq.clone(), any::<bool>()).prop_map(|(nr, pf)| Control::Rnr { nr, pf }),
        (seq, any::<bool>()).prop_map(|(nr, pf)| Control::Rej { nr, pf }),
        any::<bool>().prop_map(|p| Control::Sabme { p }),
        any::<bool>().prop_map(|f| Control::Dm { f }),
        any::<bool>().prop_map(|p| Control::Ui { p }),
        any::<bool>().prop_map(|p| Control::Disc { p }),
        any::<bool>().prop_map(|f| Control::Ua { f }),
        any::<bool>().prop_map(|f| Control::Frmr { f }),
        any::<bool>().prop_map(|pf| Control::Xid { pf }),
    ]
}

proptest! {
    #[test]
    fn emit_then_parse_round_trips(
        sapi in 0u8..64,
        cr in any::<bool>(),
        tei in 0u8..128,
        control in control(),
        info in proptest::collection::vec(any::<u8>(), 0..=N201),
    ) {
        let info: &[u8] = if control.allows_info() { &info } else { &[] };
        let repr = FrameRepr { sapi, cr, tei, control, info };
        let bytes = repr.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        let view = Frame::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(FrameRepr::parse(&view), repr);
        prop_assert_eq!(FrameRepr::parse_bytes(&bytes).unwrap(), repr);
    }

    #[test]
    fn parse_then_emit_reproduces_the_octets(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(repr) = FrameRepr::parse_bytes(&bytes) {
            prop_assert_eq!(repr.to_vec().unwrap(), bytes);
        }
    }

    #[test]
    fn emit_into_a_short_buffer_is_an_error(len in 0usize..4) {
        let repr = FrameRepr { sapi: 0, cr: false, tei: 0, control: Control::Rr { nr: 1, pf: false }, info: &[] };
        let mut buf = vec![0; len];
        prop_assert!(repr.emit(&mut buf).is_err());
    }

    #[test]
    fn handle_input_never_panics(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..40),
        network in any::<bool>(),
        establish in any::<bool>(),
    ) {
        let role = if network { Role::Network } else { Role::User };
        let mut link = Link::new(role, Config::default());
        let mut now = Instant::ZERO;
        if establish {
            link.establish(now);
        }
        for f in &frames {
            now += std::time::Duration::from_millis(300);
            link.handle_input(now, f);
            link.handle_timeout(now);
            while link.poll_transmit().is_some() {}
            while link.poll_event().is_some() {}
        }
    }

    #[test]
    fn handle_input_never_panics_on_structured_frames(
        frames in proptest::collection::vec((any::<bool>(), control()), 0..60),
        network in any::<bool>(),
    ) {
        let role = if network { Role::Network } else { Role::User };
        let mut link = Link::new(role, Config::default());
        let mut now = Instant::ZERO;
        link.establish(now);
        for (cr, control) in &frames {
            now += std::time::Duration::from_millis(150);
            let info: &[u8] = if control.allows_info() { b"x" } else { &[] };
            let f = FrameRepr { sapi: 0, cr: *cr, tei: 0, control: *control, info }.to_vec().unwrap();
            link.handle_input(now, &f);
            link.handle_timeout(now);
            while link.poll_transmit().is_some() {}
            while link.poll_event().is_some() {}
            prop_assert!(link.queued() <= link.config().max_queue);
        }
    }
}
