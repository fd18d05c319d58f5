//! Supervisor monitoring: a caller (A) talks to an agent (B); the supervisor's phone (S) is
//! rung and joins the call to listen, whisper, then barge. What each one hears is checked
//! sample by sample through the media path (G.711 in, per-listener mixer, G.711 out):
//! - listen: S hears A + B; A hears B only; B hears A only;
//! - whisper: S hears A + B; B hears A + S; A still hears B only;
//! - barge: everyone hears the other two.
//!
//! The supervisor's hang-up leaves A and B talking; the end of the monitored call clears
//! the supervisor's leg with it.
mod common;

use common::{H, Media};
use media_dsp::g711::{Law, alaw_to_linear, linear_to_alaw};
use switch::Cause;
use switch::engine::{
    Command, Destination, Event, LegEvent, LegId, MediaCommand, Member, MonitorMode, SwitchError,
};
use switch::media::FRAME;

/// Runs 20 ticks with one frame of A-law code `c` in on each packet slot; returns each
/// slot's frame out.
fn run_20ms(m: &mut Media, codes: &[(usize, u8)]) -> Vec<[u8; FRAME]> {
    for &(slot, c) in codes {
        m.path.packet_rx(slot, &[c; FRAME]).unwrap();
    }
    for _ in 0..20 {
        m.path.tick();
    }
    codes
        .iter()
        .map(|&(slot, _)| *m.path.poll_frame(slot).expect("a frame every 20 ms"))
        .collect()
}

/// Three distinct levels (A-law codes) and their linear values.
const CODES: [u8; 3] = [0xa5 ^ 0x55 ^ 0x10, 0x55 ^ 0x40, 0xd5 ^ 0x30];

fn lin(c: u8) -> i32 {
    i32::from(alaw_to_linear(c))
}

fn enc(x: i32) -> u8 {
    linear_to_alaw(x.clamp(-32768, 32767) as i16)
}

/// A monitored call set up: returns (A, B, S) after S answered in `mode`.
fn monitored(h: &mut H, m: &mut Media, mode: MonitorMode) -> (LegId, LegId, LegId) {
    for slot in 0..3 {
        m.path.set_packet(slot, Law::Alaw).unwrap();
    }
    let (a, b) = h.connected_call("1001", "1002");
    m.slots.insert(a, 0);
    m.slots.insert(b, 1);
    let s = h.sw.monitor(h.now, "1003", b, mode).unwrap();
    h.drain();
    let (leg, dest, _, _) = h.originated().last().cloned().unwrap();
    assert_eq!(leg, s);
    assert!(matches!(dest, Destination::Extension { name, .. } if name == "1003"));
    h.input(LegEvent::Alerting { leg: s });
    h.input(LegEvent::Answered { leg: s });
    m.slots.insert(s, 2);
    m.sync(h);
    (a, b, s)
}

/// What (A, B, S) hear when each sends its own level.
fn heard(m: &mut Media) -> [u8; 3] {
    let out = run_20ms(m, &[(0, CODES[0]), (1, CODES[1]), (2, CODES[2])]);
    for f in &out {
        assert!(f.iter().all(|&x| x == f[0]), "a steady level");
    }
    [out[0][0], out[1][0], out[2][0]]
}

#[test]
fn listen_whisper_barge_mid_call() {
    let mut h = H::new();
    let mut m = Media::new(4);
    let (a, b, s) = monitored(&mut h, &mut m, MonitorMode::Listen);
    let (xa, xb, xs) = (lin(CODES[0]), lin(CODES[1]), lin(CODES[2]));
    assert!(xa != 0 && xb != 0 && xs != 0);
    let bridge = h.sw.bridge_of(a).unwrap();
    assert_eq!(h.sw.bridge_of(s), Some(bridge));
    assert!(h.media().iter().any(|c| matches!(c,
        MediaCommand::Mix { members, .. } if members.contains(&(s, Member::Listen)))));
    assert!(h.events.iter().any(|e| matches!(e,
        Event::Monitoring { leg, target, mode: MonitorMode::Listen, .. } if *leg == s && *target == b)));

    // Listen: nobody hears S.
    assert_eq!(heard(&mut m), [enc(xb), enc(xa), enc(xa + xb)]);

    // Whisper: B hears S, A does not.
    h.sw.set_monitor_mode(h.now, s, MonitorMode::Whisper)
        .unwrap();
    h.drain();
    m.sync(&h);
    assert_eq!(heard(&mut m), [enc(xb), enc(xa + xs), enc(xa + xb)]);

    // Barge: a full three-way call.
    h.sw.set_monitor_mode(h.now, s, MonitorMode::Barge).unwrap();
    h.drain();
    m.sync(&h);
    assert_eq!(heard(&mut m), [enc(xb + xs), enc(xa + xs), enc(xa + xb)]);

    // And back to listening.
    h.sw.set_monitor_mode(h.now, s, MonitorMode::Listen)
        .unwrap();
    h.drain();
    m.sync(&h);
    assert_eq!(heard(&mut m), [enc(xb), enc(xa), enc(xa + xb)]);

    // The supervisor hangs up: A and B carry on, each hearing only the other.
    h.input(LegEvent::Hangup {
        leg: s,
        cause: Cause::NORMAL_CLEARING,
    });
    m.sync(&h);
    assert!(h.hangups().is_empty(), "nobody else is cleared");
    assert_eq!(h.sw.bridge_of(a), Some(bridge));
    let out = run_20ms(&mut m, &[(0, CODES[0]), (1, CODES[1])]);
    assert!(out[0].iter().all(|&x| x == CODES[1]), "A hears B");
    assert!(out[1].iter().all(|&x| x == CODES[0]), "B hears A");
    assert_eq!(
        h.sw.set_monitor_mode(h.now, s, MonitorMode::Barge),
        Err(SwitchError::NotMonitoring(s))
    );
}

#[test]
fn the_end_of_the_monitored_call_clears_the_supervisor() {
    let mut h = H::new();
    let mut m = Media::new(4);
    let (a, b, s) = monitored(&mut h, &mut m, MonitorMode::Whisper);
    h.take();
    h.input(LegEvent::Hangup {
        leg: a,
        cause: Cause::NORMAL_CLEARING,
    });
    let cleared: Vec<LegId> = h.hangups().iter().map(|(l, _)| *l).collect();
    assert!(cleared.contains(&b), "the agent's leg is cleared");
    assert!(cleared.contains(&s), "the supervisor's leg is cleared");
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 1, "one call, one CDR");
    assert!(
        cdrs[0].legs.contains(&s),
        "the supervisor's leg is in the call's CDR"
    );
}

#[test]
fn a_supervisor_still_ringing_is_cancelled_when_the_call_ends() {
    let mut h = H::new();
    let (a, b) = h.connected_call("1001", "1002");
    let s = h.sw.monitor(h.now, "1003", b, MonitorMode::Listen).unwrap();
    h.drain();
    h.input(LegEvent::Alerting { leg: s });
    h.take();
    h.input(LegEvent::Hangup {
        leg: a,
        cause: Cause::NORMAL_CLEARING,
    });
    assert!(h.hangups().contains(&(s, Cause::NORMAL_CLEARING)));
    assert_eq!(h.cdrs().len(), 1);
}

#[test]
fn monitoring_needs_a_connected_party_and_an_extension() {
    let mut h = H::new();
    let (a, b) = h.connected_call("1001", "1002");
    assert_eq!(
        h.sw.monitor(h.now, "9999", b, MonitorMode::Listen),
        Err(SwitchError::NoSuchExtension)
    );
    // A call still ringing has no bridge to join.
    let c = h.incoming(
        switch::dialplan::ChannelKind::Sip,
        switch::dialplan::OriginClass::Extension,
        "1003",
        "2001",
    );
    assert_eq!(
        h.sw.monitor(h.now, "1003", c, MonitorMode::Listen),
        Err(SwitchError::NotBridged(c))
    );
    assert_eq!(
        h.sw.set_monitor_mode(h.now, a, MonitorMode::Barge),
        Err(SwitchError::NotMonitoring(a))
    );
    // Nothing was originated by the refusals.
    let before = h.originated().len();
    h.drain();
    assert_eq!(h.originated().len(), before);
}

#[test]
fn the_agent_may_hold_and_resume_a_monitored_call() {
    let mut h = H::new();
    let mut m = Media::new(4);
    let (a, b, s) = monitored(&mut h, &mut m, MonitorMode::Listen);
    h.input(LegEvent::Hold { leg: b });
    assert!(h.media().iter().any(|c| matches!(c,
        MediaCommand::Play { leg, source: switch::engine::Source::MusicOnHold } if *leg == a)));
    let n = h.commands.len();
    h.input(LegEvent::Resume { leg: b });
    // The mixed bridge is back with the supervisor still listening.
    assert!(h.commands[n..].iter().any(|c| matches!(c,
        Command::Media(MediaCommand::Mix { members, .. }) if members.contains(&(s, Member::Listen)))));
    m.sync(&h);
    let (xa, xb) = (lin(CODES[0]), lin(CODES[1]));
    assert_eq!(heard(&mut m), [enc(xb), enc(xa), enc(xa + xb)]);
}
