//! Click-to-dial through the Center, as on the bare switch: the extension rings first;
//! when it answers, the number is routed as if dialled from it (here: into queue 702,
//! where agent 2002 takes it). Unknown extensions are refused and change nothing. A
//! customer's number as the CRM keeps it (no outside-line prefix) gets the prefix the dial
//! plan implies, from the host's click-to-dial and from CTI MakeCall alike.
#![allow(missing_docs)]
mod common;

use callcenter::CenterError;
use common::*;
use switch::dialplan::{CallerIdRule, ChannelKind, CidMode, Rule, Target, Trunk, TrunkGroup};
use switch::engine::{Command, Destination, LegEvent, SwitchError};

#[test]
fn click_to_dial_rings_the_extension_then_routes_the_number() {
    let mut h = H::new();
    h.login_ready("2002");
    let now = h.now;
    assert_eq!(
        h.c.make_call(now, "4999", "702"),
        Err(CenterError::Switch(SwitchError::NoSuchExtension))
    );
    let (_, a) = h.c.make_call(now, "2001", "702").unwrap();
    h.drain();
    assert_eq!(h.legs_to("2001"), [a]);
    h.input(LegEvent::Answered { leg: a });
    let b = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg: b });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
    assert!(h.c.switch().bridge_of(a).is_some());
    assert!(h.log_kinds().contains(&callcenter::LogKind::QueueConnect));
}

const CUSTOMER: &str = "13800138000";

/// The demo's shape of dial plan: `0` + the number goes out on trunk group `out` (E1),
/// the `0` stripped.
fn prefix_config() -> callcenter::Config {
    let mut cfg = config();
    cfg.switch.plan.internal.push(
        Rule::new("_0.", Target::TrunkGroup("out".into()))
            .unwrap()
            .rewrite(1, ""),
    );
    cfg.switch.trunks.push(Trunk {
        name: "e1".into(),
        kind: ChannelKind::E1Bchannel,
        span: Some(1),
        caller_id: CallerIdRule {
            mode: CidMode::Pass,
            send_restricted_number: true,
        },
    });
    cfg.switch.trunk_groups.push(TrunkGroup {
        name: "out".into(),
        members: vec!["e1".into()],
    });
    cfg
}

fn trunk_called(h: &H) -> Vec<String> {
    h.commands
        .iter()
        .filter_map(|c| match c {
            Command::Originate {
                destination: Destination::Trunk { .. },
                called,
                ..
            } => Some(called.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_customer_number_without_the_prefix_reaches_the_trunk() {
    // From the host (the desk's scheduled callback, click-to-dial).
    let mut h = H::with(prefix_config());
    let now = h.now;
    let (_, a) = h.c.make_call(now, "2001", CUSTOMER).unwrap();
    h.drain();
    h.input(LegEvent::Answered { leg: a });
    assert_eq!(
        trunk_called(&h),
        [CUSTOMER],
        "out on the E1, prefix stripped"
    );

    // From CTI MakeCall.
    let mut h = H::with(prefix_config());
    let r = h.cti_req(
        "2002",
        cti::ServiceRequest::MakeCall {
            calling_device: cti::DeviceId::new("2002"),
            called_directory_number: CUSTOMER.into(),
        },
    );
    assert_eq!(r, cti::ServiceResult::Ack);
    let a = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg: a });
    assert_eq!(trunk_called(&h), [CUSTOMER]);

    // Dialled with the prefix already: as it is (not prefixed twice).
    let mut h = H::with(prefix_config());
    let now = h.now;
    let (_, a) = h.c.make_call(now, "2001", &format!("0{CUSTOMER}")).unwrap();
    h.drain();
    h.input(LegEvent::Answered { leg: a });
    assert_eq!(trunk_called(&h), [CUSTOMER]);
}
