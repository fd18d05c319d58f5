//! Arbitrary input sequences into `Acd::handle_input` / `handle_timeout`: never a panic, and
//! the invariants hold after every step (inputs the ACD refuses must change nothing).
#![no_main]

use std::time::Duration;

use acd::{
    Acd, AgentConfig, AgentId, CallId, CallerData, Config, Input, Instant, Media, Member, PauseReason,
    QueueConfig, QueueId, SkillId, Strategy, TransferTarget,
};
use libfuzzer_sys::fuzz_target;

fn config(b: u8) -> Config {
    let queues = (0..3u32)
        .map(|q| {
            let s = Strategy::ALL[usize::from(b.wrapping_add(q as u8)) % Strategy::ALL.len()];
            let mut c = QueueConfig::new(
                QueueId(q),
                s,
                (0..4u32).filter(|a| (a + q) % 2 == 0 || b & 1 == 1).map(|a| Member::new(AgentId(a))).collect(),
            );
            c.skills = vec![(SkillId(q), b % 101)];
            c.max_len = u32::from(b % 5);
            c.max_wait = (b & 2 == 2).then(|| Duration::from_secs(30));
            c.leave_when_empty = b & 4 == 4;
            c.join_empty = b & 8 == 0;
            c
        })
        .collect();
    let agents = (0..4u32)
        .map(|a| AgentConfig { id: AgentId(a), skills: (0..3).map(|s| (SkillId(s), ((a * 31 + s * 7) % 101) as u8)).collect(), chat_capacity: (a % 3) as u8 })
        .collect();
    Config { queues, agents, ..Config::default() }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let Ok(mut acd) = Acd::new(config(first), u64::from(first)) else { return };
    let mut now = Instant::ZERO;
    for ch in rest.chunks(3) {
        let [op, x, y] = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let call = CallId(u64::from(x % 16));
        let agent = AgentId(u32::from(y % 5));
        let input = match op % 16 {
            0 if x & 2 == 2 => Input::ContactArrived { call, queue: QueueId(u32::from(y % 4)), media: Media::Chat, caller: CallerData { priority: y, ..Default::default() } },
            0 => Input::Arrived { call, queue: QueueId(u32::from(y % 4)), caller: CallerData { priority: y, vip: x & 1 == 1, ..Default::default() } },
            1 => Input::Abandoned { call },
            2 => Input::LoggedIn { agent },
            3 => Input::LoggedOut { agent },
            4 => Input::Ready { agent },
            5 => Input::NotReady { agent, reason: PauseReason::Code(u16::from(x)) },
            6 => Input::OfferAnswered { call, agent },
            7 => Input::OfferRejected { call, agent },
            8 => Input::OfferNoAnswer { call, agent },
            9 => Input::CallEnded { call },
            10 => Input::Transferred { call, target: TransferTarget::Queue { queue: QueueId(u32::from(y % 4)), caller: CallerData::default() } },
            11 => Input::CallbackRequested { call, number: "1".into() },
            12 => Input::CallbackFailed { call },
            13 => Input::ConfigChanged(config(x)),
            _ => {
                now += Duration::from_millis(u64::from(x) * 250);
                acd.handle_timeout(now);
                while acd.poll_output().is_some() {}
                acd::invariants::check(&acd, now).expect("invariants");
                continue;
            }
        };
        let _ = acd.handle_input(now, input);
        while acd.poll_output().is_some() {}
        acd::invariants::check(&acd, now).expect("invariants");
    }
});
