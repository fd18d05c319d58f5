//! RESTART and RESTART ACKNOWLEDGE (Q.931 §5.5) for one channel and for the interface, T316.

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallId, CallState, Calls, ChannelRequest, Config, Event, SetupParams};
use isdn::q931::ie::{Ie, RestartClass};
use isdn::q931::{MessageType as T, Role};
use tdm::Instant;

const MS: Duration = Duration::from_millis(50);

fn call_on(p: &mut Pair, ch: u8) -> (CallId, CallId) {
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(ch),
        ..SetupParams::speech("1")
    };
    let c = p.te.setup(p.now, params).unwrap();
    p.run_for(MS);
    let n = p.incoming(Side::Nt).unwrap();
    p.nt.connect(p.now, n).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().state(c), Some(CallState::Active));
    (c, n)
}

#[test]
fn restart_one_channel() {
    let mut p = Pair::new(30);
    p.up();
    let (c3, n3) = call_on(&mut p, 3);
    let (c4, n4) = call_on(&mut p, 4);
    p.nt.restart(p.now, Some(3));
    p.run_for(MS);
    assert!(p.released(Side::Nt, n3).is_some() && p.released(Side::Te, c3).is_some());
    assert_eq!(p.te.calls().state(c4), Some(CallState::Active));
    assert_eq!(p.nt.calls().state(n4), Some(CallState::Active));
    assert_eq!(p.nt.calls().busy_channels(), [4]);
    assert_eq!(p.te.calls().busy_channels(), [4]);
    assert!(
        p.nt_events
            .contains(&Event::RestartDone { channel: Some(3) })
    );
    assert!(
        p.te_events
            .contains(&Event::RestartDone { channel: Some(3) })
    );
    let restart = p.q931.iter().find(|x| x.2.kind == T::Restart).unwrap();
    assert!(restart.2.call_ref.is_global() && !restart.2.call_ref.flag);
    let ack = p.q931.iter().find(|x| x.2.kind == T::RestartAck).unwrap();
    assert_eq!(ack.1, Side::Te);
    assert!(ack.2.call_ref.is_global() && ack.2.call_ref.flag);
    assert!(
        ack.2
            .ies
            .contains(&Ie::RestartIndicator(RestartClass::Indicated))
    );
    assert_eq!(ack.2.channel_id(), restart.2.channel_id());
}

#[test]
fn restart_interface() {
    let mut p = Pair::new(31);
    p.up();
    let (c3, n3) = call_on(&mut p, 3);
    let (c4, n4) = call_on(&mut p, 4);
    p.te.restart(p.now, None);
    p.run_for(MS);
    for (c, n) in [(c3, n3), (c4, n4)] {
        assert!(p.released(Side::Te, c).is_some() && p.released(Side::Nt, n).is_some());
    }
    assert!(p.nt.calls().busy_channels().is_empty() && p.te.calls().busy_channels().is_empty());
    assert!(p.te_events.contains(&Event::RestartDone { channel: None }));
    assert!(p.nt_events.contains(&Event::RestartDone { channel: None }));
    assert_eq!(p.sent(Side::Nt), [T::Connect, T::Connect, T::RestartAck]);
}

#[test]
fn t316_restart_repeated_then_failed() {
    let s = |n: u64| Instant::from_millis(n * 1000);
    let mut cc = Calls::new(Config::new(Role::Network));
    cc.restart(s(0), Some(1));
    assert!(cc.poll_transmit().is_some());
    assert_eq!(cc.poll_timeout(), Some(s(120)));
    cc.handle_timeout(s(120));
    assert!(cc.poll_transmit().is_some());
    cc.handle_timeout(s(240));
    assert!(cc.poll_transmit().is_some());
    assert_eq!(cc.poll_event(), None);
    cc.handle_timeout(s(360));
    assert_eq!(cc.poll_transmit(), None);
    assert_eq!(
        cc.poll_event(),
        Some(Event::RestartFailed { channel: Some(1) })
    );
    assert_eq!(cc.poll_timeout(), None);
}
