//! Any sequence of host inputs (digits, prompt ends, look-up answers with right or wrong
//! ids, transfer results, agent leg ends, hang-ups, timeouts at any moment) into a call on
//! the demo flow of 8000: the engine never panics and never asks for work after it is done.
//! The first bytes pick the caller's local time (business hours, holidays, weekends).
#![no_main]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ivr::{Action, Call, Input, LocalTime, LookUpOutcome, TransferOutcome, ValidFlow};
use libfuzzer_sys::fuzz_target;
use tdm::Instant;

/// Bound on inputs per run (each is one byte anyway).
const MAX_STEPS: usize = 4096;

fn flow() -> Arc<ValidFlow> {
    static FLOW: OnceLock<Arc<ValidFlow>> = OnceLock::new();
    FLOW.get_or_init(|| {
        ivr::parse_and_validate(ivr::DEMO_FLOW_8000)
            .expect("the demo flow validates")
            .into_arc()
    })
    .clone()
}

fuzz_target!(|data: &[u8]| {
    let [y, mo, d, h, mi, rest @ ..] = data else {
        return;
    };
    let Ok(local) = LocalTime::new(
        2026 + i32::from(y % 2),
        1 + mo % 12,
        1 + d % 28,
        h % 24,
        mi % 60,
        0,
    ) else {
        return;
    };
    let mut call = Call::new(flow(), "13800138000", "8000");
    let mut now = Instant::ZERO;
    call.start(now, local);
    let mut last_lookup = 0u32;
    for &b in rest.iter().take(MAX_STEPS) {
        while let Some(a) = call.poll_action() {
            if let Action::LookUp(r) = a {
                last_lookup = r.id;
            }
        }
        let finished = call.is_finished();
        let input = match b % 12 {
            0..=3 => Some(Input::Digit(
                ['0', '1', '2', '9', '*', '#', '5', 'A'][usize::from(b >> 5)],
            )),
            4 => Some(Input::PromptFinished),
            5 => Some(Input::LookUpResult {
                id: if b & 0x80 == 0 {
                    last_lookup
                } else {
                    last_lookup ^ 1
                },
                outcome: match b >> 5 & 3 {
                    0 => LookUpOutcome::NotFound,
                    1 => LookUpOutcome::Failed,
                    _ => LookUpOutcome::Found(BTreeMap::from([
                        (
                            "balance_cents".to_owned(),
                            format!("{}", u32::from(b) * 1234),
                        ),
                        ("name".to_owned(), "Li Lei".to_owned()),
                    ])),
                },
            }),
            6 => Some(Input::TransferResult(if b & 0x80 == 0 {
                TransferOutcome::Connected
            } else {
                TransferOutcome::Failed
            })),
            7 => Some(Input::AgentLegEnded),
            8 if b & 0xF0 == 0xF0 => Some(Input::CallerHungUp),
            _ => {
                // Time passes: to the engine's own deadline, or a bit.
                now = match call.poll_timeout() {
                    Some(t) if b & 0x80 == 0 => t.max(now),
                    _ => now + Duration::from_millis(u64::from(b) * 37),
                };
                // Early calls must do nothing, so call it whatever the deadline.
                call.handle_timeout(now, local);
                None
            }
        };
        if let Some(input) = input {
            call.handle_input(now, local, input);
        }
        if finished {
            // Inputs after the end are ignored: no prompt, transfer or look-up follows.
            assert_eq!(
                call.poll_action(),
                None,
                "work asked for after the call was finished"
            );
        }
    }
});
