//! Simulated days through the whole Center (switch + IVR + ACD + CTI) in simulated time:
//! seeded Poisson arrivals dial 8000, hear the welcome prompt, press 1 during the menu and
//! queue at 701 (one skill, eight agents); agents answer after a short ring, talk for an
//! exponential handle time and hang up; the CTI model runs a 5 s wrap-up. The service level
//! measured from the Center's own event-log rows (queue_enter → queue_connect) must land
//! within a few points of Erlang C (callcenter.md §3) computed independently here, with the
//! ring and the wrap-up counted into the handle time (the agent is busy for them) and the
//! ring taken off the threshold (the wait ends at answer). With impatient callers (log-normal
//! patience) some abandon and those who stay wait less.
#![allow(missing_docs)]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use callcenter::{Event, LogKind};
use common::*;
use switch::dialplan::{CallingParty, ChannelKind, OriginClass, Presentation};
use switch::engine::{CallId, Command, Destination, LegEvent, LegId, LegState};
use switch::{Cause, Instant};

/// Erlang C: `Pw`, `SL(t)`, `ASA` for offered load `a`, `n` agents, mean handle `h`.
fn erlang_c(a: f64, n: u32, h: f64, t: f64) -> (f64, f64, f64) {
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..n {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(n) / (f64::from(n) - a);
    let pw = top / (sum + top);
    let sl = 1.0 - pw * (-(f64::from(n) - a) * t / h).exp();
    (pw, sl, pw * h / (f64::from(n) - a))
}

struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let (u1, u2) = (1.0 - self.unit(), self.unit());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (sigma * z).exp()
    }
}

fn us(secs: f64) -> Duration {
    Duration::from_micros((secs * 1e6) as u64)
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Arrival,
    PromptDone(LegId),
    Key(LegId),
    AgentAlert(LegId),
    AgentAnswer(LegId),
    AgentHangup(LegId),
    GiveUp(CallId),
}

#[derive(Default, Debug)]
struct Tally {
    answered: u64,
    within: u64,
    abandoned: u64,
    wait_s: f64,
}

const AGENTS: u32 = 8;
const TALK: f64 = 100.0;
const RING: f64 = 2.0;
const WRAP: u64 = 5;

fn simulate(seed: u64, hours: u64, rate: f64, patience: Option<f64>) -> Tally {
    let members: Vec<String> = (2001..2001 + AGENTS).map(|n| n.to_string()).collect();
    let m: Vec<&str> = members.iter().map(String::as_str).collect();
    let mut h = H::with(config_with(s(WRAP), &m));
    for a in &members {
        h.login_ready(a);
    }
    h.commands.clear();
    h.events.clear();
    h.cti.clear();
    let mut rng = Rng(seed);
    let t0 = h.now;
    let end = t0 + Duration::from_secs(hours * 3600);
    let warmup = t0 + Duration::from_secs(3600);
    let mut plan: BTreeMap<(Instant, u64), Step> = BTreeMap::new();
    let mut seq = 0u64;
    let mut at = |plan: &mut BTreeMap<(Instant, u64), Step>, t: Instant, s: Step| {
        seq += 1;
        plan.insert((t, seq), s);
    };
    at(&mut plan, t0 + us(rng.exp(1.0 / rate)), Step::Arrival);
    let mut entered: BTreeMap<String, Instant> = BTreeMap::new();
    let mut agent_leg_of: BTreeMap<String, LegId> = BTreeMap::new();
    let mut caller_of: BTreeMap<CallId, LegId> = BTreeMap::new();
    let mut connected: BTreeSet<String> = BTreeSet::new();
    let mut tally = Tally::default();
    let live = |h: &H, leg: LegId| {
        h.c.switch()
            .leg_state(leg)
            .is_some_and(|s| s != LegState::Ended)
    };
    for _ in 0..10_000_000u64 {
        let next_plan = plan.first_key_value().map(|(k, _)| k.0);
        let next = [next_plan, h.c.poll_timeout()].into_iter().flatten().min();
        let Some(now) = next.filter(|t| *t < end) else {
            break;
        };
        h.now = now;
        if next_plan == Some(now) {
            let (_, step) = plan.pop_first().unwrap();
            match step {
                Step::Arrival => {
                    let leg = h.c.allocate_leg();
                    h.c.handle_input(
                        now,
                        LegEvent::Incoming {
                            leg,
                            kind: ChannelKind::E1Bchannel,
                            endpoint: "e1/1/1".into(),
                            origin: OriginClass::Trunk,
                            called: "8000".into(),
                            calling: CallingParty {
                                number: Some("13900000000".into()),
                                presentation: Presentation::Allowed,
                            },
                        },
                    )
                    .unwrap();
                    at(&mut plan, now + us(rng.exp(1.0 / rate)), Step::Arrival);
                }
                Step::PromptDone(leg) | Step::Key(leg) if !live(&h, leg) => {}
                Step::PromptDone(leg) => {
                    h.c.handle_input(now, LegEvent::PromptFinished { leg })
                        .unwrap();
                }
                Step::Key(leg) => {
                    h.c.handle_input(
                        now,
                        LegEvent::Digits {
                            leg,
                            digits: "1".into(),
                        },
                    )
                    .unwrap();
                }
                Step::AgentAlert(leg) | Step::AgentAnswer(leg) | Step::AgentHangup(leg)
                    if !live(&h, leg) => {}
                Step::AgentAlert(leg) => h.c.handle_input(now, LegEvent::Alerting { leg }).unwrap(),
                Step::AgentAnswer(leg) => {
                    h.c.handle_input(now, LegEvent::Answered { leg }).unwrap()
                }
                Step::AgentHangup(leg) => {
                    h.c.handle_input(
                        now,
                        LegEvent::Hangup {
                            leg,
                            cause: Cause::NORMAL_CLEARING,
                        },
                    )
                    .unwrap()
                }
                Step::GiveUp(call) => {
                    if let Some(&leg) = caller_of.get(&call)
                        && live(&h, leg)
                        && !connected.contains(&call.0.to_string())
                    {
                        h.c.handle_input(
                            now,
                            LegEvent::Hangup {
                                leg,
                                cause: Cause::NORMAL_CLEARING,
                            },
                        )
                        .unwrap();
                    }
                }
            }
        } else {
            h.c.handle_timeout(now);
        }
        // The phones and the media path.
        while let Some(c) = h.c.poll_command() {
            match c {
                Command::PlayPrompt { leg, prompt, .. } => {
                    if prompt == "main-menu" {
                        at(&mut plan, now + us(1.0 + rng.unit()), Step::Key(leg));
                    } else {
                        at(&mut plan, now + us(2.0), Step::PromptDone(leg));
                    }
                }
                Command::Originate {
                    leg,
                    call,
                    destination: Destination::Extension { .. },
                    ..
                } => {
                    agent_leg_of.insert(call.0.to_string(), leg);
                    at(&mut plan, now + us(0.2), Step::AgentAlert(leg));
                    at(
                        &mut plan,
                        now + us(RING - 1.0 + 2.0 * rng.unit()),
                        Step::AgentAnswer(leg),
                    );
                }
                _ => {}
            }
        }
        while let Some((t, e)) = h.c.poll_event() {
            match e {
                Event::LookUp { call, request } => {
                    h.c.answer_lookup(t, call, request.id, ivr::LookUpOutcome::NotFound)
                        .unwrap();
                }
                Event::Switch(switch::Event::CallStarted { call, leg, .. }) => {
                    caller_of.insert(call, leg);
                }
                Event::Log(l) => {
                    let Some(call) = l.call.clone() else { continue };
                    match l.kind {
                        LogKind::QueueEnter => {
                            entered.insert(call.clone(), t);
                            if let Some(p) = patience {
                                let id = CallId(call.parse().unwrap());
                                at(&mut plan, t + us(rng.lognormal(p, 1.0)), Step::GiveUp(id));
                            }
                        }
                        LogKind::QueueConnect => {
                            let joined = entered.remove(&call).expect("entered before connect");
                            connected.insert(call.clone());
                            if joined >= warmup {
                                let w = t.saturating_duration_since(joined).as_secs_f64();
                                tally.answered += 1;
                                tally.wait_s += w;
                                if w <= 20.0 {
                                    tally.within += 1;
                                }
                            }
                            let leg = agent_leg_of[&call];
                            at(&mut plan, t + us(rng.exp(TALK)), Step::AgentHangup(leg));
                        }
                        LogKind::QueueAbandon
                            if entered.remove(&call).is_some_and(|j| j >= warmup) =>
                        {
                            tally.abandoned += 1;
                        }
                        LogKind::CallEnd => {
                            connected.remove(&call);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        while h.c.poll_cti_event().is_some() {}
    }
    tally
}

#[test]
fn service_level_matches_erlang_c() {
    let handle = TALK + RING + WRAP as f64;
    let a = 6.0;
    let rate = a / handle;
    let (pw, sl, asa) = erlang_c(a, AGENTS, handle, 20.0 - RING);
    let r = simulate(2026, 60, rate, None);
    let measured = r.within as f64 / r.answered as f64;
    let masa = r.wait_s / r.answered as f64;
    eprintln!(
        "Erlang C: Pw {pw:.3} SL {sl:.3} ASA {asa:.1} s (+{RING} s ring); simulated {} calls: SL {measured:.3} ASA {masa:.1} s",
        r.answered
    );
    assert!(r.answered > 10_000);
    assert!(
        (measured - sl).abs() < 0.04,
        "SL {measured:.3} vs Erlang C {sl:.3}"
    );
    assert!(
        (masa - (asa + RING)).abs() / (asa + RING) < 0.2,
        "ASA {masa:.1} vs Erlang C {:.1}",
        asa + RING
    );
}

#[test]
fn impatient_callers_abandon_and_the_rest_wait_less() {
    let handle = TALK + RING + WRAP as f64;
    let rate = 7.0 / handle;
    let base = simulate(7, 12, rate, None);
    let r = simulate(7, 12, rate, Some(40.0));
    let ab = r.abandoned as f64 / (r.abandoned + r.answered) as f64;
    let sl = r.within as f64 / r.answered as f64;
    let sl0 = base.within as f64 / base.answered as f64;
    eprintln!("with patience: abandon {ab:.3}, SL {sl:.3} (no abandonment: {sl0:.3})");
    assert!(ab > 0.02 && ab < 0.5, "abandon rate {ab}");
    assert!(sl > sl0, "abandonment shortens the line for those who stay");
}
