//! Simulated days in simulated time (ten days of traffic, first hour discarded): seeded Poisson arrivals, exponential handle times,
//! log-normal caller patience, simulated agents who answer at once. For a single-skill queue
//! without abandonment the measured service level must land within a few points of Erlang C,
//! computed here independently from the formula of callcenter.md §3.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use acd::{
    Acd, AgentConfig, AgentId, CallId, CallerData, Config, Input, Instant, Member, Output,
    QueueConfig, QueueId, SkillId, SplitMix64, Strategy,
};

const Q: QueueId = QueueId(1);

/// Erlang C per callcenter.md §3: `Pw = [A^N/N! · N/(N−A)] / [Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)]`,
/// terms built iteratively (A^k/k! = A^(k−1)/(k−1)! · A/k) so nothing overflows;
/// `SL(t) = 1 − Pw·e^{−(N−A)t/h}`, `ASA = Pw·h/(N−A)`.
fn erlang_c(a: f64, n: u32, h: f64, t: f64) -> (f64, f64, f64) {
    let mut term = 1.0; // A^0/0!
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

fn exp_sample(rng: &mut SplitMix64, mean: f64) -> f64 {
    -mean * (1.0 - rng.unit()).ln()
}

fn lognormal(rng: &mut SplitMix64, median: f64, sigma: f64) -> f64 {
    // Box–Muller.
    let (u1, u2) = (1.0 - rng.unit(), rng.unit());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    median * (sigma * z).exp()
}

fn us(secs: f64) -> Duration {
    Duration::from_micros((secs * 1e6) as u64)
}

struct Result {
    answered: u64,
    within: u64,
    abandoned: u64,
    total_wait: f64,
}

/// `hours` of traffic at `rate` calls/s into one queue of `agents` (one skill), mean handle
/// `aht` s; with `patience` (median s) callers hang up if not answered by then.
fn simulate(
    seed: u64,
    hours: u64,
    rate: f64,
    aht: f64,
    agents: u32,
    patience: Option<f64>,
) -> Result {
    let mut q = QueueConfig::new(
        Q,
        Strategy::LongestIdle,
        (0..agents).map(|i| Member::new(AgentId(i))).collect(),
    );
    q.skills = vec![(SkillId(1), 50)];
    let cfg = Config {
        queues: vec![q],
        agents: (0..agents)
            .map(|i| AgentConfig {
                id: AgentId(i),
                skills: vec![(SkillId(1), 80)],
                chat_capacity: 0,
            })
            .collect(),
        ..Config::default()
    };
    let mut acd = Acd::new(cfg, seed).unwrap();
    let mut rng = SplitMix64::new(seed ^ 0xD1CE);
    let t0 = Instant::ZERO;
    for i in 0..agents {
        acd.handle_input(t0, Input::LoggedIn { agent: AgentId(i) })
            .unwrap();
        acd.handle_input(t0, Input::Ready { agent: AgentId(i) })
            .unwrap();
    }
    while acd.poll_output().is_some() {}
    let end = t0 + Duration::from_secs(hours * 3600);
    let warmup = t0 + Duration::from_secs(3600);
    let mut next_arrival = t0 + us(exp_sample(&mut rng, 1.0 / rate));
    let mut hangups: BTreeMap<(Instant, u64), CallId> = BTreeMap::new(); // handle-time ends
    let mut give_up: BTreeMap<(Instant, u64), CallId> = BTreeMap::new(); // patience ends
    let mut arrived_at: BTreeMap<CallId, Instant> = BTreeMap::new();
    let mut r = Result {
        answered: 0,
        within: 0,
        abandoned: 0,
        total_wait: 0.0,
    };
    let mut next_id = 0u64;
    let mut steps = 0u64;
    loop {
        let mut now = next_arrival;
        if let Some((&(t, _), _)) = hangups.first_key_value() {
            now = now.min(t);
        }
        if let Some((&(t, _), _)) = give_up.first_key_value() {
            now = now.min(t);
        }
        if let Some(t) = acd.poll_timeout() {
            now = now.min(t);
        }
        if now >= end {
            break;
        }
        if now == next_arrival {
            next_id += 1;
            let call = CallId(next_id);
            acd.handle_input(
                now,
                Input::Arrived {
                    call,
                    queue: Q,
                    caller: CallerData::default(),
                },
            )
            .unwrap();
            arrived_at.insert(call, now);
            if let Some(p) = patience {
                give_up.insert((now + us(lognormal(&mut rng, p, 1.0)), next_id), call);
            }
            next_arrival = now + us(exp_sample(&mut rng, 1.0 / rate));
        } else if let Some((&(t, k), &call)) = hangups.first_key_value().filter(|(k, _)| k.0 == now)
        {
            hangups.remove(&(t, k));
            acd.handle_input(now, Input::CallEnded { call }).unwrap();
        } else if let Some((&(t, k), &call)) = give_up.first_key_value().filter(|(k, _)| k.0 == now)
        {
            give_up.remove(&(t, k));
            if arrived_at.remove(&call).is_some() {
                acd.handle_input(now, Input::Abandoned { call }).unwrap();
                if now >= warmup {
                    r.abandoned += 1;
                }
            }
        } else {
            acd.handle_timeout(now);
        }
        // Simulated agents answer every offer at once.
        let mut offers = Vec::new();
        while let Some(o) = acd.poll_output() {
            if let Output::Offer { call, agent, .. } = o {
                offers.push((call, agent));
            }
        }
        for (call, agent) in offers {
            acd.handle_input(now, Input::OfferAnswered { call, agent })
                .unwrap();
            while acd.poll_output().is_some() {}
            let joined = arrived_at.remove(&call).expect("offered call was waiting");
            let wait = now.saturating_duration_since(joined).as_secs_f64();
            if joined >= warmup {
                r.answered += 1;
                r.total_wait += wait;
                if wait <= 20.0 {
                    r.within += 1;
                }
            }
            hangups.insert((now + us(exp_sample(&mut rng, aht)), call.0), call);
        }
        steps += 1;
        if steps.is_multiple_of(512) {
            acd::invariants::check(&acd, now).expect("invariants");
        }
    }
    r
}

#[test]
fn service_level_matches_erlang_c_without_abandonment() {
    let (rate, aht, agents) = (16.0 / 120.0, 120.0, 18);
    let (pw, sl, asa) = erlang_c(rate * aht, agents, aht, 20.0);
    let r = simulate(2026, 240, rate, aht, agents, None);
    let measured = r.within as f64 / r.answered as f64;
    let masa = r.total_wait / r.answered as f64;
    eprintln!(
        "Erlang C: Pw {pw:.3} SL(20 s) {sl:.3} ASA {asa:.1} s; simulated {} calls: SL {measured:.3} ASA {masa:.1} s",
        r.answered
    );
    assert!(r.answered > 100_000);
    assert!(
        (measured - sl).abs() < 0.03,
        "SL {measured:.3} vs Erlang C {sl:.3}"
    );
    assert!(
        (masa - asa).abs() / asa < 0.15,
        "ASA {masa:.1} vs Erlang C {asa:.1}"
    );
}

#[test]
fn impatient_callers_abandon_and_the_rest_wait_less() {
    let (rate, aht, agents) = (16.0 / 120.0, 120.0, 18);
    let base = simulate(7, 24, rate, aht, agents, None);
    let r = simulate(7, 24, rate, aht, agents, Some(60.0));
    let ab = r.abandoned as f64 / (r.abandoned + r.answered) as f64;
    let sl = r.within as f64 / r.answered as f64;
    let sl0 = base.within as f64 / base.answered as f64;
    eprintln!("with patience: abandon {ab:.3}, SL {sl:.3} (no abandonment: {sl0:.3})");
    assert!(ab > 0.02 && ab < 0.5, "abandon rate {ab}");
    assert!(sl > sl0, "abandonment shortens the line for those who stay");
}
