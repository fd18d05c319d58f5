//! `LegEvent::PromptFinished` (the media path's end of an IVR prompt) is accepted for a live
//! leg, changes nothing, and is refused for an unknown one.
mod common;

use common::H;
use switch::dialplan::{ChannelKind, OriginClass};
use switch::engine::{LegEvent, LegId, LegState, SwitchError};

#[test]
fn prompt_finished_is_accepted_for_live_legs_only() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5550000",
        "0123",
    );
    let (n_cmd, n_ev) = (h.commands.len(), h.events.len());
    h.input(LegEvent::PromptFinished { leg: a });
    assert_eq!((h.commands.len(), h.events.len()), (n_cmd, n_ev));
    assert_eq!(h.sw.leg_state(a), Some(LegState::Answered));
    assert_eq!(
        h.sw.handle_input(h.now, LegEvent::PromptFinished { leg: LegId(999) }),
        Err(SwitchError::UnknownLeg(LegId(999)))
    );
}
