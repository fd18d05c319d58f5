//! Two simulated phones on two FXS ports, joined by a minimal connector standing in for the
//! switch: phone A dials (DTMF, then in a second call by pulses), hears ringback; phone B
//! rings with the China cadence (1 s on, 4 s off), receives A's number as FSK caller ID
//! between the first and second ring, and answers; A sees the answer as a polarity
//! reversal; audio flows both ways; A hangs up and B is released.
mod common;

use analog::{
    CallerInfo, DialMode, FxoConfig, FxoEvent, FxoState, FxsConfig, FxsEvent, FxsState, Polarity,
    ToneKind,
};
use common::{Loop, SILENCE};

/// The connector: what the switch will do later, reduced to one call A → B.
struct Connector {
    a: Loop,
    b: Loop,
    a_number: &'static str,
    /// Audio the phones sent last step, for the bridge.
    from_a: [i16; 8],
    from_b: [i16; 8],
    /// A sample pattern the phones "say" once connected.
    voice_a: [i16; 8],
    voice_b: [i16; 8],
    heard_at_a: usize,
    heard_at_b: usize,
}

impl Connector {
    fn step(&mut self) {
        let bridged =
            self.a.fxs.state() == FxsState::Connected && self.b.fxs.state() == FxsState::Connected;
        let (to_a, to_b) = if bridged {
            (self.from_b, self.from_a)
        } else {
            (SILENCE, SILENCE)
        };
        let (va, vb) = if bridged {
            (self.voice_a, self.voice_b)
        } else {
            (SILENCE, SILENCE)
        };
        let na = self.a.fxs_events.len();
        let nb = self.b.fxs_events.len();
        self.from_a = self.a.step_with(to_a, va);
        self.from_b = self.b.step_with(to_b, vb);
        if bridged && self.from_b == self.voice_b && to_a == self.voice_b {
            self.heard_at_a += 1;
        }
        if bridged && self.from_a == self.voice_a && to_b == self.voice_a {
            self.heard_at_b += 1;
        }
        let now = self.a.now;
        let new_a: Vec<_> = self.a.fxs_events[na..]
            .iter()
            .map(|(_, e)| e.clone())
            .collect();
        let new_b: Vec<_> = self.b.fxs_events[nb..]
            .iter()
            .map(|(_, e)| e.clone())
            .collect();
        for e in new_a {
            match e {
                FxsEvent::Dialed { number } => {
                    assert_eq!(number, "8002");
                    self.b
                        .fxs
                        .ring(now, Some(&CallerInfo::number(self.a_number)))
                        .unwrap();
                    self.a.fxs.play(ToneKind::Ringback).unwrap();
                }
                FxsEvent::OnHook => self.b.fxs.hangup(now),
                _ => {}
            }
        }
        for e in new_b {
            if e == FxsEvent::Answered {
                self.a.fxs.answer().unwrap();
            }
        }
    }

    fn run_until(&mut self, max_ms: u64, cond: impl Fn(&Self) -> bool) -> bool {
        for _ in 0..max_ms {
            if cond(self) {
                return true;
            }
            self.step();
        }
        cond(self)
    }
}

fn call(mode: DialMode) {
    let mut c = Connector {
        a: Loop::new(FxsConfig::china(), FxoConfig::china()),
        b: Loop::new(FxsConfig::china(), FxoConfig::china()),
        a_number: "13800138000",
        from_a: SILENCE,
        from_b: SILENCE,
        voice_a: [100, 200, 300, 400, 500, 600, 700, 800],
        voice_b: [-8, -7, -6, -5, -4, -3, -2, -1],
        heard_at_a: 0,
        heard_at_b: 0,
    };
    c.run_until(10, |_| false);
    c.a.fxo.seize().unwrap();
    assert!(c.run_until(1500, |c| {
        c.a.fxo_saw(|e| *e == FxoEvent::Tone(ToneKind::Dial))
            .is_some()
    }));
    c.a.fxo.dial(c.a.now, "8002#", mode).unwrap_or_else(|_| {
        // Pulse dialling cannot send '#': dial the digits and let the timeout end it.
        c.a.fxo.dial(c.a.now, "8002", mode).unwrap();
    });
    // Ringback at A, confirmed by A's tone detector (1 s on, 4 s off needs one cycle).
    assert!(
        c.run_until(20_000, |c| c
            .a
            .fxo_saw(|e| *e == FxoEvent::Tone(ToneKind::Ringback))
            .is_some()),
        "A heard no ringback: {:?}",
        c.a.fxo_events
    );
    // B rings; answer on the second ring, after the caller ID.
    assert!(c.run_until(12_000, |c| {
        c.b.fxo_saw(|e| matches!(e, FxoEvent::Ring { count: 2, .. }))
            .is_some()
    }));
    let rings: Vec<_> =
        c.b.fxo_events
            .iter()
            .filter_map(|(_, e)| match e {
                FxoEvent::Ring {
                    count,
                    on_ms,
                    off_ms,
                } => Some((*count, *on_ms, *off_ms)),
                _ => None,
            })
            .collect();
    assert_eq!(rings.len(), 2);
    assert!((995..=1005).contains(&rings[0].1), "ring on {rings:?}");
    assert!((995..=1005).contains(&rings[1].1), "ring on {rings:?}");
    assert!(
        matches!(rings[1].2, Some(o) if (3995..=4005).contains(&o)),
        "ring off {rings:?}"
    );
    let cid_at =
        c.b.fxo_saw(|e| *e == FxoEvent::CallerId(CallerInfo::number("13800138000")))
            .expect("B got no caller ID");
    let ring2_at =
        c.b.fxo_saw(|e| matches!(e, FxoEvent::Ring { count: 2, .. }))
            .unwrap();
    assert!(cid_at < ring2_at);
    c.b.fxo.answer().unwrap();
    assert!(c.run_until(100, |c| c.a.fxo_saw(|e| *e == FxoEvent::Answered).is_some()));
    assert!(
        c.a.fxo_saw(|e| *e == FxoEvent::Polarity(Polarity::Reversed))
            .is_some()
    );
    assert_eq!(c.a.fxo.state(), FxoState::Connected);
    assert_eq!(c.b.fxo.state(), FxoState::Connected);
    c.run_until(200, |_| false);
    assert!(
        c.heard_at_a > 150 && c.heard_at_b > 150,
        "audio: {} {}",
        c.heard_at_a,
        c.heard_at_b
    );
    // A hangs up: B is released by the battery drop and polarity (its FXO goes on-hook).
    c.a.fxo.hangup();
    assert!(c.run_until(3000, |c| c.b.fxo.state() == FxoState::Idle));
    assert!(
        c.b.fxo_saw(|e| matches!(e, FxoEvent::Disconnected(_)))
            .is_some()
    );
    assert!(c.run_until(2000, |c| c.b.fxs.state() == FxsState::Idle
        && c.a.fxs.state() == FxsState::Idle));
}

#[test]
fn dtmf_call_with_ringback_china_cadence_and_caller_id() {
    call(DialMode::Dtmf);
}

#[test]
fn pulse_call_with_ringback_china_cadence_and_caller_id() {
    call(DialMode::Pulse);
}
