//! Establishment and release of multiple frame operation (Q.921 §5.5), both directions,
//! including SABME collision (§5.5.1.3) and refusal by DM.

mod q921_pair;

use std::time::Duration;

use isdn::q921::{Event, Kind, State};
use q921_pair::{Pair, Side};

#[test]
fn nt_establishes_and_releases() {
    let mut p = Pair::new(1);
    p.establish(Side::Nt);
    assert_eq!(p.nt.state(), State::MultipleFrameEstablished);
    assert_eq!(p.te.state(), State::MultipleFrameEstablished);
    assert_eq!(p.nt_events, [Event::Established(Kind::Confirm)]);
    assert_eq!(p.te_events, [Event::Established(Kind::Indication)]);
    // SABME is a command from the network: C/R = 1; UA a response from the user: C/R = 1.
    assert_eq!(p.trace[0].2, "SAPI=0 C/R=1 TEI=0 SABME P=1");
    assert_eq!(p.trace[1].2, "SAPI=0 C/R=1 TEI=0 UA F=1");

    let now = p.now;
    p.nt.release(now);
    p.run_for(Duration::from_millis(100));
    assert_eq!(p.nt.state(), State::TeiAssigned);
    assert_eq!(p.te.state(), State::TeiAssigned);
    assert_eq!(p.nt_events.last(), Some(&Event::Released(Kind::Confirm)));
    assert_eq!(p.te_events.last(), Some(&Event::Released(Kind::Indication)));
}

#[test]
fn te_establishes_with_user_side_cr_bits() {
    let mut p = Pair::new(2);
    p.establish(Side::Te);
    // SABME from the user: command, C/R = 0; UA from the network: response, C/R = 0.
    assert_eq!(p.trace[0].2, "SAPI=0 C/R=0 TEI=0 SABME P=1");
    assert_eq!(p.trace[1].2, "SAPI=0 C/R=0 TEI=0 UA F=1");
    assert_eq!(p.te_events, [Event::Established(Kind::Confirm)]);
}

#[test]
fn sabme_collision_ends_established_on_both_sides() {
    let mut p = Pair::new(3);
    let now = p.now;
    p.nt.establish(now);
    p.te.establish(now);
    p.run_for(Duration::from_millis(200));
    assert!(p.nt.is_established() && p.te.is_established());
    assert_eq!(p.nt_events, [Event::Established(Kind::Confirm)]);
    assert_eq!(p.te_events, [Event::Established(Kind::Confirm)]);
}

#[test]
fn sabme_repeated_n200_times_then_released_with_mdl_g() {
    let mut cfg = isdn::q921::Config::default();
    cfg.persistent = false;
    let mut p = Pair::with_config(4, cfg);
    p.impair_to_te.cut = true;
    let now = p.now;
    p.nt.establish(now);
    p.run_for(Duration::from_secs(10));
    let sabmes: Vec<_> = p.trace.iter().filter(|t| t.2.contains("SABME")).collect();
    // The first SABME and N200 = 3 retransmissions, one T200 = 1 s apart.
    assert_eq!(sabmes.len(), 4);
    assert_eq!(sabmes[3].0.as_millis(), 3000);
    assert_eq!(p.nt.state(), State::TeiAssigned);
    assert_eq!(
        p.nt_events,
        [
            Event::MdlError(isdn::q921::MdlError::G),
            Event::Released(Kind::Indication)
        ]
    );
}

#[test]
fn data_link_comes_up_through_a_lossy_line() {
    for seed in 0..20 {
        let mut p = Pair::new(100 + seed);
        p.impair_to_te.drop = 0.3;
        p.impair_to_nt.drop = 0.3;
        let now = p.now;
        p.nt.establish(now);
        let ok = p.run_until_cond(Duration::from_secs(60), |p| {
            p.nt.is_established() && p.te.is_established()
        });
        assert!(ok, "seed {seed}: {:#?}", p.trace);
    }
}

#[test]
fn release_request_while_establishing_confirms_at_once() {
    let mut p = Pair::new(5);
    p.impair_to_te.cut = true;
    let now = p.now;
    p.nt.establish(now);
    p.run_for(Duration::from_millis(500));
    let now = p.now;
    p.nt.release(now);
    assert_eq!(p.nt.state(), State::TeiAssigned);
    p.run_for(Duration::from_secs(5));
    assert_eq!(
        p.nt.state(),
        State::TeiAssigned,
        "no persistent retry after DL-RELEASE request"
    );
}

#[test]
fn dm_f0_in_state_4_starts_establishment() {
    use isdn::q921::{Config, Control, FrameRepr, Link, Role};
    let mut te = Link::new(Role::User, Config::default());
    let dm = FrameRepr {
        sapi: 0,
        cr: false,
        tei: 0,
        control: Control::Dm { f: false },
        info: &[],
    };
    te.handle_input(tdm::Instant::ZERO, &dm.to_vec().unwrap());
    assert_eq!(te.state(), State::AwaitingEstablishment);
    let sabme = te.poll_transmit().unwrap();
    assert_eq!(q921_pair::describe(&sabme), "SAPI=0 C/R=0 TEI=0 SABME P=1");
}
