//! Toll-fraud policy: international and premium numbers only through rules that allow them;
//! callers that are not authenticated extensions never reach an outside line.
mod common;

use common::{H, config};
use switch::Cause;
use switch::dialplan::{ChannelKind, ConfigError, Denied, OriginClass, Rule, Target};
use switch::engine::Event;

fn denied(h: &H) -> Vec<Denied> {
    h.events
        .iter()
        .filter_map(|e| match e {
            Event::Denied { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

#[test]
fn international_number_is_denied_on_a_rule_without_allow() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0004412345678",
        "1001",
    );
    assert!(h.originated().is_empty(), "nothing went out");
    assert_eq!(h.hangups(), vec![(a, Cause::CALL_REJECTED)]);
    assert_eq!(denied(&h), vec![Denied::International { rule: 5 }]);
    assert_eq!(h.cdrs().len(), 1);
}

#[test]
fn international_number_passes_a_rule_that_allows_it() {
    let mut h = H::new();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "80044123456",
        "1001",
    );
    let o = h.originated();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].2, "0044123456");
}

#[test]
fn premium_number_is_denied_even_where_international_is_allowed() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "80900123456",
        "1001",
    );
    assert!(h.originated().is_empty());
    assert_eq!(h.hangups(), vec![(a, Cause::CALL_REJECTED)]);
    assert_eq!(denied(&h), vec![Denied::Premium { rule: 6 }]);
}

#[test]
fn unauthenticated_sip_never_reaches_a_trunk() {
    // Through the switch: the DID table has no trunk targets, so nothing goes out.
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Unauthenticated,
        "0301234567",
        "evil",
    );
    assert!(h.originated().is_empty());
    assert_eq!(h.hangups(), vec![(a, Cause::UNALLOCATED_NUMBER)]);
    // It still reaches what a DID may reach (an extension).
    let mut h = H::new();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Unauthenticated,
        "5551001",
        "guest",
    );
    assert_eq!(h.originated().len(), 1);

    // Even a configuration that tries to give the DID table a trunk is refused...
    let mut cfg = config();
    cfg.plan
        .did
        .push(Rule::new("_0.", Target::TrunkGroup("out".into())).unwrap());
    assert_eq!(cfg.validate(), Err(ConfigError::DidToTrunk(2)));
    // ...and the routing function itself refuses outside lines to non-extensions.
    for origin in [OriginClass::Unauthenticated, OriginClass::Trunk] {
        assert_eq!(
            cfg.route(origin, "0301234567"),
            Err(Denied::OutsideLine { origin })
        );
    }
}

#[test]
fn a_number_with_letters_is_refused_as_invalid_format() {
    let mut h = H::new();
    let a = h.incoming(ChannelKind::Sip, OriginClass::Extension, "0301abc", "1001");
    assert_eq!(h.hangups(), vec![(a, Cause::INVALID_NUMBER_FORMAT)]);
}
