//! Glare: both sides offer a call on the same B-channel at once (Q.931 §5.7 channel
//! collision, EN 300 403-1 §5.1.2/§5.2.3): the network side wins.

mod call_pair;

use std::time::Duration;

use call_pair::{Pair, Side};
use isdn::call::{CallState, ChannelRequest, Event, SetupParams};
use isdn::q931::{CauseValue, MessageType as T};

const MS: Duration = Duration::from_millis(50);

fn on(ch: ChannelRequest) -> SetupParams {
    SetupParams {
        channel: ch,
        ..SetupParams::speech("1")
    }
}

#[test]
fn exclusive_glare_network_wins() {
    let mut p = Pair::new(40);
    p.up();
    let now = p.now;
    let c = p.te.setup(now, on(ChannelRequest::Exclusive(5))).unwrap();
    let n = p.nt.setup(now, on(ChannelRequest::Exclusive(5))).unwrap();
    p.run_for(MS);
    // The NT refuses the TE's SETUP with #44; the TE accepts the NT's call on channel 5.
    assert_eq!(
        p.released(Side::Te, c),
        Some(CauseValue::REQUESTED_CHANNEL_NOT_AVAILABLE)
    );
    let ct = p.incoming(Side::Te).unwrap();
    assert!(matches!(
        p.te_events
            .iter()
            .find(|e| matches!(e, Event::IncomingCall { .. })),
        Some(Event::IncomingCall {
            channel: Some(5),
            ..
        })
    ));
    assert!(p.incoming(Side::Nt).is_none());
    p.te.connect(p.now, ct).unwrap();
    p.run_for(MS);
    assert_eq!(p.nt.calls().state(n), Some(CallState::Active));
    assert_eq!(p.te.calls().busy_channels(), [5]);
    assert_eq!(p.nt.calls().busy_channels(), [5]);
    assert!(
        p.sent(Side::Nt)
            .starts_with(&[T::Setup, T::ReleaseComplete])
    );
}

#[test]
fn preferred_glare_te_call_moved_to_another_channel() {
    let mut p = Pair::new(41);
    p.up();
    let now = p.now;
    let c = p.te.setup(now, on(ChannelRequest::Preferred(5))).unwrap();
    let n = p.nt.setup(now, on(ChannelRequest::Exclusive(5))).unwrap();
    p.run_for(MS);
    let nt_in = p
        .incoming(Side::Nt)
        .expect("preferred: the NT accepts on another channel");
    let ch = p.nt.calls().channel(nt_in).unwrap();
    assert_ne!(ch, 5);
    p.nt.proceeding(p.now, nt_in).unwrap();
    p.run_for(MS);
    assert_eq!(p.te.calls().channel(c), Some(ch));
    assert_eq!(p.nt.calls().channel(n), Some(5));
    let te_in = p.incoming(Side::Te).unwrap();
    assert_eq!(p.te.calls().channel(te_in), Some(5));
    let mut busy = vec![5, ch];
    busy.sort_unstable();
    assert_eq!(p.te.calls().busy_channels(), busy);
    assert_eq!(p.nt.calls().busy_channels(), busy);
}
