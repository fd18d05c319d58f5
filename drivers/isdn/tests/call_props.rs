//! Properties: call control never panics on any input, and any sequence of user requests,
//! line impairments and link failures leaves no call behind: once both users hang up,
//! every call reaches Null and every B-channel is free.

mod call_pair;

use std::time::Duration;

use call_pair::{Impair, Pair, Side};
use isdn::call::{CallState, Calls, ChannelRequest, Config, Input, SetupParams};
use isdn::pri::Pri;
use isdn::q931::{CauseValue, Role};
use proptest::prelude::*;
use tdm::Instant;

fn message_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        (
            any::<u16>(),
            any::<bool>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(cr, flag, kind, ies)| {
                let [hi, lo] = (cr & 0x7FFF).to_be_bytes();
                let mut v = vec![0x08, 2, hi | if flag { 0x80 } else { 0 }, lo, kind];
                v.extend(ies);
                v
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn calls_never_panic(msgs in proptest::collection::vec(message_like(), 0..30), network in any::<bool>()) {
        let role = if network { Role::Network } else { Role::User };
        let mut cc = Calls::new(Config::new(role));
        let mut t = Instant::ZERO;
        cc.handle_input(t, Input::LinkUp);
        let _ = cc.setup(t, SetupParams::speech("1"));
        for (i, m) in msgs.into_iter().enumerate() {
            t += Duration::from_millis(700);
            cc.handle_input(t, Input::Data(m));
            if i % 7 == 3 {
                cc.handle_input(t, Input::LinkDown);
                cc.handle_input(t, Input::LinkUp);
            }
            if cc.poll_timeout().is_some_and(|x| x <= t) {
                cc.handle_timeout(t);
            }
            while cc.poll_transmit().is_some() {}
            while cc.poll_event().is_some() {}
        }
    }

    #[test]
    fn pri_never_panics(frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 0..30)) {
        let mut pri = Pri::new(Role::User);
        let mut t = Instant::ZERO;
        pri.start(t);
        // A SABME from the network brings the link up, so later I frames reach layer 3.
        pri.handle_input(t, &[0x02, 0x01, 0x7F]);
        for f in frames {
            t += Duration::from_millis(300);
            let mut i = vec![0x02, 0x01, 0x00, 0x00];
            i.extend_from_slice(&f);
            pri.handle_input(t, &f);
            pri.handle_input(t, &i);
            pri.handle_timeout(t);
            while pri.poll_transmit().is_some() {}
            while pri.poll_event().is_some() {}
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Setup(bool, u8, bool, bool),
    Respond(bool, u8, u8),
    Hangup(bool, u8),
    Restart(bool, Option<u8>),
    Cut(u16),
    Wait(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), 0u8..8, any::<bool>(), any::<bool>()).prop_map(|(s, c, e, sc)| Op::Setup(s, c, e, sc)),
        4 => (any::<bool>(), any::<u8>(), 0u8..5).prop_map(|(s, i, k)| Op::Respond(s, i, k)),
        2 => (any::<bool>(), any::<u8>()).prop_map(|(s, i)| Op::Hangup(s, i)),
        1 => (any::<bool>(), proptest::option::of(1u8..8)).prop_map(|(s, c)| Op::Restart(s, c)),
        1 => (0u16..20_000).prop_map(Op::Cut),
        3 => (0u16..8_000).prop_map(Op::Wait),
    ]
}

fn side(nt: bool) -> Side {
    if nt { Side::Nt } else { Side::Te }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_call_leaks(seed in 1u64..u64::MAX, drop in 0.0f64..0.1, ops in proptest::collection::vec(op(), 1..40)) {
        let mut p = Pair::new(seed);
        p.impair_to_nt = Impair { drop, ..Impair::default() };
        p.impair_to_te = Impair { drop, ..Impair::default() };
        p.te.start(p.now);
        p.run_for(Duration::from_millis(100));
        for o in ops {
            let now = p.now;
            match o {
                Op::Setup(nt, ch, excl, complete) => {
                    let channel = match (ch, excl) {
                        (0, _) => ChannelRequest::Any,
                        (c, true) => ChannelRequest::Exclusive(c),
                        (c, false) => ChannelRequest::Preferred(c),
                    };
                    let params = SetupParams { channel, sending_complete: complete, ..SetupParams::speech("12") };
                    let _ = p.pri(side(nt)).setup(now, params);
                }
                Op::Respond(nt, i, k) => {
                    let pri = p.pri(side(nt));
                    let calls = pri.calls().calls();
                    if let Some(&c) = calls.get(usize::from(i) % calls.len().max(1)) {
                        let _ = pri.with_calls(now, |cc, now| match k {
                            0 => cc.setup_ack(now, c),
                            1 => cc.proceeding(now, c),
                            2 => cc.alerting(now, c),
                            3 => cc.connect(now, c),
                            _ => cc.info_digits(now, c, "3", true),
                        });
                    }
                }
                Op::Hangup(nt, i) => {
                    let pri = p.pri(side(nt));
                    let calls = pri.calls().calls();
                    if let Some(&c) = calls.get(usize::from(i) % calls.len().max(1)) {
                        let _ = pri.disconnect(now, c, CauseValue::NORMAL_CLEARING);
                    }
                }
                Op::Restart(nt, ch) => p.pri(side(nt)).restart(now, ch),
                Op::Cut(ms) => {
                    p.impair_to_nt.cut = true;
                    p.impair_to_te.cut = true;
                    p.run_for(Duration::from_millis(u64::from(ms)));
                    p.impair_to_nt.cut = false;
                    p.impair_to_te.cut = false;
                }
                Op::Wait(ms) => p.run_for(Duration::from_millis(u64::from(ms))),
            }
            p.run_for(Duration::from_millis(20));
        }
        // Both users hang up everything they still have, repeatedly, until nothing is left.
        for _ in 0..4 {
            for s in [Side::Nt, Side::Te] {
                let now = p.now;
                let pri = p.pri(s);
                for c in pri.calls().calls() {
                    if pri.calls().state(c) == Some(CallState::ReleaseRequest) {
                        continue;
                    }
                    let _ = pri.disconnect(now, c, CauseValue::NORMAL_CLEARING);
                }
            }
            p.run_for(Duration::from_secs(60));
        }
        prop_assert!(p.nt.calls().calls().is_empty(), "NT calls left: {:?}", p.nt.calls().calls());
        prop_assert!(p.te.calls().calls().is_empty(), "TE calls left: {:?}", p.te.calls().calls());
        prop_assert!(p.nt.calls().busy_channels().is_empty());
        prop_assert!(p.te.calls().busy_channels().is_empty());
    }
}
