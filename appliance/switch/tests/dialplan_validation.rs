//! A bad configuration gets a clear error and the running one stays.
mod common;

use common::{H, config};
use switch::dialplan::{CidMode, ConfigError, Pattern, PatternError, Rule, Table, Target};

#[test]
fn faults_are_named() {
    let mut c = config();
    c.plan
        .internal
        .push(Rule::new("1002", Target::EchoTest).unwrap());
    assert_eq!(
        c.validate(),
        Err(ConfigError::Shadowed {
            table: Table::Internal,
            rule: 7,
            pattern: "1002".into(),
            by: 4
        })
    );

    let mut c = config();
    c.plan.internal[0] = Rule::new("600", Target::Extension("9999".into())).unwrap();
    assert!(matches!(
        c.validate(),
        Err(ConfigError::NoSuchExtension { rule: 0, .. })
    ));

    let mut c = config();
    c.trunk_groups[0].members.push("nope".into());
    assert_eq!(c.validate(), Err(ConfigError::NoSuchTrunk("nope".into())));

    let mut c = config();
    c.trunk_groups[0].members.clear();
    assert_eq!(c.validate(), Err(ConfigError::EmptyGroup("out".into())));

    let mut c = config();
    c.trunks[0].caller_id.mode = CidMode::Fixed("555-1000".into());
    assert_eq!(
        c.validate(),
        Err(ConfigError::NotANumber("555-1000".into()))
    );

    let mut c = config();
    c.extensions[1].name = "1001".into();
    assert_eq!(c.validate(), Err(ConfigError::Duplicate("1001".into())));

    assert_eq!(
        Pattern::parse("_9X.1"),
        Err(PatternError::WildcardNotLast { pos: 3 })
    );
}

#[test]
fn reconfigure_with_a_bad_plan_keeps_the_old_one() {
    let mut h = H::new();
    let mut bad = config();
    bad.trunk_groups[0].members.clear();
    assert!(h.sw.reconfigure(bad).is_err());
    assert_eq!(h.sw.config(), &config());
}
