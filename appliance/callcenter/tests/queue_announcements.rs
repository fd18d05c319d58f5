//! Queue announcements through the Center: position, expected wait and a periodic prompt
//! (and the callback offer) are read out to a waiting caller as recorded prompts, one after
//! the other, then music on hold again; an offer stops an announcement at once, and nothing
//! is ever played over an answer (a late `PromptFinished` from the media path plays nothing).
#![allow(missing_docs)]
mod common;

use common::*;
use switch::engine::{Command, LegEvent, LegId, MediaCommand, Source};

fn announcing_config() -> callcenter::Config {
    let mut cfg = config_with(s(10), &["2001"]);
    let a = &mut cfg.queues[0].acd.announcements;
    a.first_after = s(10);
    a.every = s(30);
    a.position = true;
    a.wait_time = true;
    a.periodic_prompts = 2;
    cfg.queues[0].acd.initial_aht = s(120);
    cfg
}

/// Prompts played to `leg` from command index `from` on.
fn prompts_to(h: &H, leg: LegId, from: usize) -> Vec<String> {
    h.commands[from..]
        .iter()
        .filter_map(|c| match c {
            Command::PlayPrompt { leg: l, prompt, .. } if *l == leg => Some(prompt.clone()),
            _ => None,
        })
        .collect()
}

fn moh_after(h: &H, leg: LegId, from: usize) -> bool {
    h.commands[from..].iter().any(|c| {
        matches!(c, Command::Media(MediaCommand::Play { leg: l, source: Source::MusicOnHold }) if *l == leg)
    })
}

#[test]
fn position_wait_and_periodic_prompts_then_music_again() {
    let mut h = H::with(announcing_config());
    h.login_ready("2001");
    // 2001 is busy with a first caller.
    let first = h.incoming("111", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    let mark = h.commands.len();
    let w = h.incoming("13900000001", "701");
    h.advance(s(9));
    assert!(
        prompts_to(&h, w, mark).is_empty(),
        "nothing before first_after"
    );
    h.advance(s(1));
    // One prompt at a time: the media path plays it and reports its end.
    assert_eq!(prompts_to(&h, w, mark), ["queue-position"]);
    let language = h.commands.iter().rev().find_map(|c| match c {
        Command::PlayPrompt { language, .. } => Some(language.clone()),
        _ => None,
    });
    assert_eq!(language.as_deref(), Some("en"));
    let before_moh = h.commands.len();
    for _ in 0..10 {
        h.input(LegEvent::PromptFinished { leg: w });
    }
    // Position 1; wait: 1 caller × 120 s AHT / 1 agent = 2 minutes; periodic prompt 0;
    // the queue allows callbacks and the number is known: the callback offer.
    assert_eq!(
        prompts_to(&h, w, mark),
        [
            "queue-position",
            "num-1",
            "queue-wait",
            "num-2",
            "minutes",
            "queue-periodic-0",
            "callback-offer"
        ]
    );
    assert!(
        moh_after(&h, w, before_moh),
        "music on hold after the last prompt"
    );

    // The second announcement (every 30 s) cycles the periodic prompt.
    let mark2 = h.commands.len();
    h.advance(s(30));
    for _ in 0..10 {
        h.input(LegEvent::PromptFinished { leg: w });
    }
    assert!(prompts_to(&h, w, mark2).contains(&"queue-periodic-1".to_owned()));

    // A third starts; the agent frees up in the middle of it.
    let mark3 = h.commands.len();
    h.advance(s(30));
    assert_eq!(prompts_to(&h, w, mark3), ["queue-position"]);
    h.hangup(first);
    h.advance(s(10)); // 2001's wrap-up
    let offered = h.commands.len();
    let c = h.last_leg_to("2001");
    assert_ne!(c, b, "2001 is offered the waiting caller");
    // The announcement was stopped before the offer...
    assert!(h.commands[mark3..offered].iter().any(|x| matches!(x,
        Command::Media(MediaCommand::StopPlay { leg }) if *leg == w)));
    // ...and a late end-of-prompt report plays nothing more, ringing or answered.
    let after_offer = h.commands.len();
    h.input(LegEvent::PromptFinished { leg: w });
    h.input(LegEvent::Answered { leg: c });
    h.input(LegEvent::PromptFinished { leg: w });
    h.advance(s(60));
    assert!(
        prompts_to(&h, w, after_offer).is_empty(),
        "never over an answer"
    );
    assert_eq!(h.c.switch().bridge_of(w), h.c.switch().bridge_of(c));
}

#[test]
fn a_caller_who_hangs_up_during_an_announcement_is_an_abandon_and_nothing_plays_on() {
    let mut h = H::with(announcing_config());
    h.login_ready("2001");
    let first = h.incoming("111", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    let w = h.incoming("anonymous", "701");
    h.advance(s(10));
    let mark = h.commands.len();
    h.hangup(w);
    // The media path's report for a leg already gone is refused, and changes nothing.
    let now = h.now;
    assert!(
        h.c.handle_input(now, LegEvent::PromptFinished { leg: w })
            .is_err()
    );
    h.drain();
    assert!(prompts_to(&h, w, mark).is_empty());
    assert!(
        h.log_kinds().contains(&callcenter::LogKind::QueueAbandon),
        "{:?}",
        h.log_kinds()
    );
    let _ = first;
}
