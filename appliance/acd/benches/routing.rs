//! Routing decisions at scale: 10 000 waiting callers, 1 000 agents in 50 queues.
//!
//! Every agent is a member of three queues (about 60 members a queue), all busy; each
//! iteration ends one agent's call (wrap-up 0), so the ACD makes one routing decision across
//! that agent's queues (cross-queue fairness: the best caller of its three queues), the
//! agent answers, and a new caller arrives to keep 10 000 waiting. The time per iteration is
//! an upper bound on the time per decision (it also includes the call end, the answer and
//! the arrival).
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use acd::{
    Acd, AgentConfig, AgentId, CallId, CallerData, Config, Input, Instant, Member, Output,
    QueueConfig, QueueId, SkillId, Strategy,
};
use criterion::{Criterion, criterion_group, criterion_main};

const QUEUES: u32 = 50;
const AGENTS: u32 = 1000;
const WAITING: u64 = 10_000;

struct Rig {
    acd: Acd,
    now: Instant,
    on_call: BTreeMap<AgentId, CallId>,
    next_call: u64,
    next_agent: u32,
}

impl Rig {
    fn new(strategy: Strategy) -> Self {
        let skilled = strategy == Strategy::SkillsBestMatch;
        let mut queues: Vec<QueueConfig> = (0..QUEUES)
            .map(|q| {
                let mut c = QueueConfig::new(QueueId(q), strategy, Vec::new());
                if skilled {
                    c.skills = vec![(SkillId(q % 5), 20)];
                }
                c
            })
            .collect();
        let mut agents = Vec::new();
        for i in 0..AGENTS {
            for off in [0, 17, 31] {
                queues[((i + off) % QUEUES) as usize]
                    .members
                    .push(Member::new(AgentId(i)));
            }
            agents.push(AgentConfig {
                id: AgentId(i),
                skills: (0..5)
                    .map(|s| (SkillId(s), 20 + ((i * 7 + s * 13) % 80) as u8))
                    .collect(),
                chat_capacity: 0,
            });
        }
        let config = Config {
            queues,
            agents,
            ..Config::default()
        };
        let mut rig = Self {
            acd: Acd::new(config, 1).unwrap(),
            now: Instant::ZERO,
            on_call: BTreeMap::new(),
            next_call: 0,
            next_agent: 0,
        };
        for i in 0..AGENTS {
            rig.input(Input::LoggedIn { agent: AgentId(i) });
            rig.input(Input::Ready { agent: AgentId(i) });
        }
        for _ in 0..(WAITING + u64::from(AGENTS)) {
            rig.arrive();
        }
        assert_eq!(rig.on_call.len(), AGENTS as usize);
        rig
    }

    fn input(&mut self, i: Input) {
        self.acd.handle_input(self.now, i).unwrap();
        let mut answer = Vec::new();
        while let Some(o) = self.acd.poll_output() {
            if let Output::Offer { call, agent, .. } = o {
                answer.push((call, agent));
            }
        }
        for (call, agent) in answer {
            self.acd
                .handle_input(self.now, Input::OfferAnswered { call, agent })
                .unwrap();
            while self.acd.poll_output().is_some() {}
            self.on_call.insert(agent, call);
        }
    }

    fn arrive(&mut self) {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let queue = QueueId((self.next_call % u64::from(QUEUES)) as u32);
        self.input(Input::Arrived {
            call,
            queue,
            caller: CallerData::default(),
        });
    }

    /// One agent ends a call and gets the next caller; one caller arrives.
    fn step(&mut self) {
        self.now += Duration::from_millis(10);
        let agent = AgentId(self.next_agent);
        self.next_agent = (self.next_agent + 1) % AGENTS;
        let call = self.on_call.remove(&agent).unwrap();
        self.input(Input::CallEnded { call });
        self.arrive();
    }
}

fn routing(c: &mut Criterion) {
    let mut g = c.benchmark_group("acd_10k_waiting_1k_agents_50_queues");
    for strategy in [
        Strategy::LongestIdle,
        Strategy::RoundRobin,
        Strategy::SkillsBestMatch,
    ] {
        let mut rig = Rig::new(strategy);
        g.bench_function(format!("{strategy:?}"), |b| {
            b.iter(|| {
                rig.step();
                black_box(rig.acd.counters().answered)
            });
        });
        assert!(rig.acd.waiting(QueueId(0)).len() > 100);
    }
    g.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
