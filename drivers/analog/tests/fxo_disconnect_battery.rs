//! Disconnect supervision on an FXO port: the CO clears by dropping battery for DAHDI's
//! 500 ms open-loop pulse; the FXO goes on-hook after 250 ms without battery.
mod common;

use analog::{DisconnectReason, DisconnectSignals, FxoConfig, FxsConfig};
use common::{cleared, released_within_3s};

#[test]
fn battery_drop() {
    let mut co = FxsConfig::china();
    co.reverse_on_answer = false;
    co.disconnect = DisconnectSignals {
        polarity: false,
        battery_drop: true,
    };
    let mut port = FxoConfig::china();
    port.busy_detect = false;
    let (mut l, t) = cleared(co, port);
    released_within_3s(&mut l, t, DisconnectReason::BatteryDrop);
    // The battery comes back after DAHDI's 500 ms open-loop pulse.
    assert!(l.fxo.battery());
}
