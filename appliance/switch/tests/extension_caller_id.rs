//! An extension's own caller-ID settings against the trunk's rule, in simulated time: its
//! outbound number replaces the extension number on outside calls (prefix or pass), a
//! trunk with a fixed number keeps it, and an extension that withholds its number by
//! default goes out restricted (E1: number flagged restricted; SIP trunk: no number) and
//! reaches other extensions without a number. Other extensions are untouched.
mod common;

use common::H;
use switch::dialplan::{ChannelKind, ExtensionCallerId, OriginClass, Presentation};
use switch::engine::{Destination, LegEvent};

fn trunk_of(d: &Destination) -> &str {
    match d {
        Destination::Trunk { trunk, .. } => trunk,
        Destination::Extension { .. } => panic!("not a trunk"),
    }
}

/// 1002 has its own DID 5552002 and withholds nothing; 1003 withholds its number.
fn harness() -> H {
    let mut cfg = common::config();
    for e in &mut cfg.extensions {
        match e.name.as_str() {
            "1002" => {
                e.caller_id = ExtensionCallerId {
                    outbound_number: Some("5552002".into()),
                    presentation: Presentation::Allowed,
                };
            }
            "1003" => {
                e.caller_id = ExtensionCallerId {
                    outbound_number: None,
                    presentation: Presentation::Restricted,
                };
            }
            _ => {}
        }
    }
    H::with(cfg)
}

#[test]
fn own_outbound_number_replaces_the_prefix_rule_on_e1() {
    let mut h = harness();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1002",
    );
    let o = h.originated();
    assert_eq!(trunk_of(&o[0].1), "e1");
    assert_eq!(o[0].3.number.as_deref(), Some("5552002"));
    assert_eq!(o[0].3.presentation, Presentation::Allowed);
    // 1001 has no settings: the E1's prefix rule.
    h.take();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    assert_eq!(h.originated()[0].3.number.as_deref(), Some("5551001"));
}

#[test]
fn a_fixed_trunk_number_wins_over_the_extensions_own() {
    let mut h = harness();
    h.input(LegEvent::SpanAlarm {
        span: 1,
        alarm: true,
    });
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1002",
    );
    let o = h.originated();
    assert_eq!(trunk_of(&o[0].1), "sip-trunk");
    assert_eq!(o[0].3.number.as_deref(), Some("5550000"));
}

#[test]
fn a_withholding_extension_goes_out_restricted() {
    let mut h = harness();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1003",
    );
    let o = h.originated();
    assert_eq!(trunk_of(&o[0].1), "e1");
    // E1: the number still goes, flagged restricted (the network withholds it).
    assert_eq!(o[0].3.number.as_deref(), Some("5551003"));
    assert_eq!(o[0].3.presentation, Presentation::Restricted);

    // Over the SIP trunk (send_restricted_number off): no number at all.
    let mut h = harness();
    h.input(LegEvent::SpanAlarm {
        span: 1,
        alarm: true,
    });
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1003",
    );
    let o = h.originated();
    assert_eq!(trunk_of(&o[0].1), "sip-trunk");
    assert_eq!(o[0].3.number, None);
    assert_eq!(o[0].3.presentation, Presentation::Restricted);
}

#[test]
fn a_withholding_extension_reaches_colleagues_without_a_number() {
    let mut h = harness();
    h.incoming(ChannelKind::Sip, OriginClass::Extension, "1001", "1003");
    let o = h.originated();
    assert!(matches!(&o[0].1, Destination::Extension { name, .. } if name == "1001"));
    assert_eq!(o[0].3.number, None);
    assert_eq!(o[0].3.presentation, Presentation::Restricted);
    // 1002 (allowed, own DID inside is not used): its extension number.
    h.take();
    h.incoming(ChannelKind::Sip, OriginClass::Extension, "1001", "1002");
    assert_eq!(h.originated()[0].3.number.as_deref(), Some("1002"));
}

#[test]
fn settings_apply_only_to_calls_from_the_extension_itself() {
    // A carrier call whose calling number happens to be "1003" is not the extension.
    let mut h = harness();
    h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5551001",
        "1003",
    );
    let o = h.originated();
    assert_eq!(o[0].3.number.as_deref(), Some("1003"));
    assert_eq!(o[0].3.presentation, Presentation::Allowed);
}

#[test]
fn a_bad_outbound_number_is_refused() {
    let mut cfg = common::config();
    cfg.extensions[0].caller_id.outbound_number = Some("55x".into());
    assert!(cfg.validate().is_err());
}
