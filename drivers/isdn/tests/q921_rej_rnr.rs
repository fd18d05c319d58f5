//! REJ recovery (Q.921 §5.6.4, §5.8.1) and peer receiver busy (RNR, §5.6.5).

mod q921_pair;

use std::time::Duration;

use isdn::q921::{Control, FrameRepr, Link, Role, State};
use q921_pair::{Pair, Side};
use tdm::Instant;

#[test]
fn out_of_sequence_i_frame_triggers_one_rej_and_go_back_n() {
    let mut p = Pair::new(1);
    p.establish(Side::Nt);
    let now = p.now;
    // Lose exactly the first I frame.
    p.impair_to_te.cut = true;
    p.nt.send(now, b"0").unwrap();
    p.run_for(Duration::from_millis(1));
    p.impair_to_te.cut = false;
    for m in [b"1", b"2", b"3"] {
        p.nt.send(now, m).unwrap();
    }
    p.run_for(Duration::from_millis(200));
    let rejs = p.trace.iter().filter(|t| t.2.contains("REJ")).count();
    assert_eq!(rejs, 1, "one REJ per exception condition: {:#?}", p.trace);
    assert_eq!(
        p.data(Side::Te),
        [b"0".to_vec(), b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]
    );
    assert!(
        p.nt.poll_timeout().unwrap() > p.now + Duration::from_secs(5),
        "T203 again, not T200"
    );
}

fn frame(role_cmd_cr: bool, control: Control, info: &[u8]) -> Vec<u8> {
    FrameRepr {
        sapi: 0,
        cr: role_cmd_cr,
        tei: 0,
        control,
        info,
    }
    .to_vec()
    .unwrap()
}

fn drain(l: &mut Link) -> Vec<String> {
    std::iter::from_fn(|| l.poll_transmit())
        .map(|f| q921_pair::describe(&f))
        .collect()
}

#[test]
fn rnr_stops_transmission_until_rr() {
    // Drive one NT entity by hand, playing the TE (commands C/R=0, responses C/R=1).
    let mut nt = Link::new(Role::Network, isdn::q921::Config::default());
    let t = Instant::ZERO;
    nt.handle_input(t, &frame(false, Control::Sabme { p: true }, &[]));
    assert_eq!(drain(&mut nt), ["SAPI=0 C/R=0 TEI=0 UA F=1"]);
    nt.handle_input(t, &frame(true, Control::Rnr { nr: 0, pf: false }, &[]));
    nt.send(t, b"held").unwrap();
    assert!(drain(&mut nt).is_empty(), "peer busy: no I frames");
    // While the peer is busy T200 runs and expiry polls it (§5.6.5).
    let t200 = nt.poll_timeout().unwrap();
    assert_eq!(t200, t + Duration::from_secs(1));
    nt.handle_timeout(t200);
    assert_eq!(drain(&mut nt), ["SAPI=0 C/R=1 TEI=0 RR N(R)=0 P/F=1"]);
    assert_eq!(nt.state(), State::TimerRecovery);
    // Answer: RR F=1, no longer busy: the queued frame goes out.
    nt.handle_input(t200, &frame(true, Control::Rr { nr: 0, pf: true }, &[]));
    assert_eq!(nt.state(), State::MultipleFrameEstablished);
    assert_eq!(
        drain(&mut nt),
        ["SAPI=0 C/R=1 TEI=0 I N(S)=0 N(R)=0 P=0 +4 octets"]
    );
}

#[test]
fn invalid_nr_is_mdl_j_and_reestablishment() {
    let mut nt = Link::new(Role::Network, isdn::q921::Config::default());
    let t = Instant::ZERO;
    nt.handle_input(t, &frame(false, Control::Sabme { p: true }, &[]));
    let _ = drain(&mut nt);
    nt.handle_input(t, &frame(true, Control::Rr { nr: 5, pf: false }, &[]));
    assert_eq!(nt.state(), State::AwaitingEstablishment);
    assert_eq!(drain(&mut nt), ["SAPI=0 C/R=1 TEI=0 SABME P=1"]);
    let ev: Vec<_> = std::iter::from_fn(|| nt.poll_event()).collect();
    assert!(ev.contains(&isdn::q921::Event::MdlError(isdn::q921::MdlError::J)));
}

#[test]
fn i_frame_with_poll_is_answered_rr_final() {
    let mut te = Link::new(Role::User, isdn::q921::Config::default());
    let t = Instant::ZERO;
    te.handle_input(t, &frame(true, Control::Sabme { p: true }, &[]));
    let _ = drain(&mut te);
    te.handle_input(
        t,
        &frame(
            true,
            Control::I {
                ns: 0,
                nr: 0,
                p: true,
            },
            b"q931",
        ),
    );
    // Response from the user side: C/R = 1.
    assert_eq!(drain(&mut te), ["SAPI=0 C/R=1 TEI=0 RR N(R)=1 P/F=1"]);
}
