//! Disconnect supervision on an FXO port: the CO answers with a polarity reversal and
//! clears by reversing it back; the FXO goes on-hook at once.
mod common;

use analog::{DisconnectReason, DisconnectSignals, FxoConfig, FxoEvent, FxsConfig};
use common::{cleared, released_within_3s};

#[test]
fn polarity_reversal() {
    let mut co = FxsConfig::china();
    co.disconnect = DisconnectSignals {
        polarity: true,
        battery_drop: false,
    };
    let mut port = FxoConfig::china();
    port.busy_detect = false;
    let (mut l, t) = cleared(co, port);
    assert!(l.fxo_saw(|e| *e == FxoEvent::Answered).is_some());
    released_within_3s(&mut l, t, DisconnectReason::PolarityReversal);
}
