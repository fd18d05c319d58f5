//! Events per second through the Center: whole calls of issue 6 (caller → IVR 8000 →
//! look-up answered → prompts → key 1 → queue 701 → agent rung → answers → hangs up →
//! the caller hangs up at the post-call survey → wrap-up → ready), ten agents, in
//! simulated time. One iteration is one call; the throughput is counted in inputs (leg
//! events, look-up answers, timeouts) handed to the Center, every output drained and
//! dropped.
#![allow(missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switch::engine::{Command, Destination, LegEvent};

struct Rig {
    h: common::H,
    inputs: u64,
}

impl Rig {
    fn new() -> Self {
        let members: Vec<String> = common::agents();
        let m: Vec<&str> = members.iter().map(String::as_str).collect();
        let mut cfg = common::config_with(common::s(10), &m);
        // 2027-01-04 09:00 local: no holiday of the demo flow comes after it, however long
        // the simulated clock runs (a holiday sends callers to voicemail).
        cfg.epoch_unix_s = 1_799_024_400;
        let mut h = common::H::with(cfg);
        for a in &members {
            h.login_ready(a);
        }
        Self { h, inputs: 0 }
    }

    fn drain(&mut self) -> Option<switch::engine::LegId> {
        let mut agent_leg = None;
        while let Some(c) = self.h.c.poll_command() {
            if let Command::Originate {
                leg,
                destination: Destination::Extension { .. },
                ..
            } = c
            {
                agent_leg = Some(leg);
            }
            black_box(c);
        }
        while let Some(e) = self.h.c.poll_event() {
            if let (_, callcenter::Event::LookUp { call, request }) = &e {
                self.h
                    .c
                    .answer_lookup(self.h.now, *call, request.id, ivr::LookUpOutcome::NotFound)
                    .unwrap();
                self.inputs += 1;
            }
            black_box(e);
        }
        while let Some(e) = self.h.c.poll_cti_event() {
            black_box(e);
        }
        agent_leg
    }

    fn input(&mut self, e: LegEvent) -> Option<switch::engine::LegId> {
        self.h.c.handle_input(self.h.now, e).unwrap();
        self.inputs += 1;
        self.drain()
    }

    fn advance(&mut self, d: std::time::Duration) {
        let end = self.h.now + d;
        while let Some(t) = self.h.c.poll_timeout().filter(|t| *t <= end) {
            self.h.now = self.h.now.max(t);
            self.h.c.handle_timeout(self.h.now);
            self.inputs += 1;
            self.drain();
        }
        self.h.now = end;
    }

    /// One whole call; returns the inputs it took.
    fn call(&mut self) -> u64 {
        let start = self.inputs;
        let a = self.h.c.allocate_leg();
        self.input(LegEvent::Incoming {
            leg: a,
            kind: switch::dialplan::ChannelKind::E1Bchannel,
            endpoint: "e1/1/1".into(),
            origin: switch::dialplan::OriginClass::Trunk,
            called: "8000".into(),
            calling: switch::dialplan::CallingParty {
                number: Some("13900000000".into()),
                presentation: switch::dialplan::Presentation::Allowed,
            },
        });
        self.drain();
        self.input(LegEvent::PromptFinished { leg: a });
        let b = self
            .input(LegEvent::Digits {
                leg: a,
                digits: "1".into(),
            })
            .expect("an agent is rung");
        self.input(LegEvent::Alerting { leg: b });
        self.input(LegEvent::Answered { leg: b });
        self.advance(common::s(30));
        self.input(LegEvent::Hangup {
            leg: b,
            cause: switch::Cause::NORMAL_CLEARING,
        });
        // The flow's post-call survey asks the caller, who hangs up.
        self.input(LegEvent::Hangup {
            leg: a,
            cause: switch::Cause::NORMAL_CLEARING,
        });
        self.advance(common::s(11));
        self.inputs - start
    }
}

fn bench(c: &mut Criterion) {
    let mut rig = Rig::new();
    let per_call = rig.call();
    let mut g = c.benchmark_group("center");
    g.throughput(Throughput::Elements(per_call));
    g.bench_function("ivr_queue_agent_call", |b| {
        b.iter(|| black_box(rig.call()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
