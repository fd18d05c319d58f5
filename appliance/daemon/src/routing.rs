//! The switch's configuration, built from the store ([`switch::dialplan::Config`]).
//!
//! - Trunks: every span is an E1 trunk named after it, span number = its position in the
//!   store's span list + 1 (what [`switch::LegEvent::SpanAlarm`] uses); every enabled SIP
//!   trunk is a SIP trunk. Trunk groups keep their members' order (failover).
//! - Extensions: SIP accounts are switch extensions (endpoint = the number).
//! - Internal table (what phones dial): each extension number (SIP account, echo test, test
//!   tone), each queue number, then the store's dial rules by priority (strip/prepend,
//!   `allow_toll` allows international and premium numbers through that rule).
//! - DID table (what the carrier dials): each extension and queue number.
//! - Toll-fraud prefixes: international `00`, premium `0900` (denied unless a rule allows).
//!
//! Rebuilt on SIGHUP and given to the running switch with `reconfigure`.

use std::collections::HashMap;

use store::Store;
use store::config::{DialTarget, ExtensionKind, TrunkRef};
use switch::dialplan::{
    Allow, CallerIdRule, ChannelKind, CidMode, Config, DialPlan, Extension, Rule, Target, Trunk,
    TrunkGroup,
};

/// International prefix denied unless a dial rule allows toll calls.
pub(crate) const INTERNATIONAL: &str = "00";
/// Premium-rate prefix denied unless a dial rule allows toll calls.
pub(crate) const PREMIUM: &str = "0900";

/// Span names in span-number order (number = index + 1).
pub(crate) type SpanNames = Vec<String>;

/// Builds the switch configuration from the store.
///
/// # Errors
/// Store errors; a pattern or configuration the switch refuses (as text in the error).
pub(crate) fn build(store: &Store) -> anyhow::Result<(Config, SpanNames)> {
    let mut cfg = Config::default();
    let spans = store.spans()?;
    let span_names: SpanNames = spans.iter().map(|s| s.config.name.clone()).collect();
    let mut trunk_by_ref: Vec<(TrunkRef, String)> = Vec::new();
    let pass = CallerIdRule {
        mode: CidMode::Pass,
        send_restricted_number: false,
    };
    for (i, s) in spans.iter().enumerate() {
        cfg.trunks.push(Trunk {
            name: s.config.name.clone(),
            kind: ChannelKind::E1Bchannel,
            span: u16::try_from(i + 1).ok(),
            caller_id: pass.clone(),
        });
        trunk_by_ref.push((TrunkRef::Span(s.id), s.config.name.clone()));
    }
    for t in store.sip_trunks()?.into_iter().filter(|t| t.config.enabled) {
        cfg.trunks.push(Trunk {
            name: t.config.name.clone(),
            kind: ChannelKind::Sip,
            span: None,
            caller_id: pass.clone(),
        });
        trunk_by_ref.push((TrunkRef::SipTrunk(t.id), t.config.name.clone()));
    }
    let mut group_names = HashMap::new();
    for g in store.trunk_groups()? {
        let members: Vec<String> = g
            .config
            .members
            .iter()
            .filter_map(|m| {
                trunk_by_ref
                    .iter()
                    .find(|(r, _)| r == m)
                    .map(|(_, n)| n.clone())
            })
            .collect();
        group_names.insert(g.id, g.config.name.clone());
        if !members.is_empty() {
            cfg.trunk_groups.push(TrunkGroup {
                name: g.config.name,
                members,
            });
        }
    }
    let mut ext_target = HashMap::new();
    let mut internal = Vec::new();
    let mut did = Vec::new();
    for e in store.extensions()? {
        let n = e.config.number;
        let target = match e.config.kind {
            ExtensionKind::EchoTest => Target::EchoTest,
            ExtensionKind::TestTone => Target::TestTone,
            _ => {
                cfg.extensions.push(Extension {
                    name: n.clone(),
                    kind: ChannelKind::Sip,
                    endpoint: n.clone(),
                });
                Target::Extension(n.clone())
            }
        };
        ext_target.insert(e.id, target.clone());
        let rule = Rule::new(&n, target).map_err(|e| anyhow::anyhow!("extension {n}: {e}"))?;
        internal.push(rule.clone());
        did.push(rule);
    }
    let mut queue_names = HashMap::new();
    for q in store.queues()? {
        queue_names.insert(q.id, q.config.name.clone());
        if let Some(n) = q.config.number {
            let rule = Rule::new(&n, Target::Queue(q.config.name.clone()))
                .map_err(|e| anyhow::anyhow!("queue {n}: {e}"))?;
            internal.push(rule.clone());
            did.push(rule);
        }
    }
    let mut rules = store.dial_rules()?;
    rules.sort_by_key(|r| r.config.priority);
    for r in rules {
        let c = r.config;
        let target = match &c.target {
            DialTarget::Extension(id) => ext_target.get(id).cloned(),
            DialTarget::TrunkGroup(id) => group_names
                .get(id)
                .filter(|n| cfg.trunk_groups.iter().any(|g| &g.name == *n))
                .cloned()
                .map(Target::TrunkGroup),
            DialTarget::Queue(id) => queue_names.get(id).cloned().map(Target::Queue),
            DialTarget::Ivr(name) => Some(Target::Ivr(name.clone())),
        };
        let Some(target) = target else {
            tracing::warn!(pattern = %c.pattern, "dial rule skipped: its target is gone or empty");
            continue;
        };
        // The store writes patterns without the switch's `_` marker for non-literal ones.
        let pattern = if c
            .pattern
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        {
            c.pattern.clone()
        } else {
            format!("_{}", c.pattern)
        };
        let rule = Rule::new(&pattern, target)
            .map_err(|e| anyhow::anyhow!("dial rule {}: {e}", c.pattern))?
            .rewrite(usize::from(c.strip), &c.prepend)
            .allowing(Allow {
                international: c.allow_toll,
                premium: c.allow_toll,
            });
        internal.push(rule);
    }
    cfg.plan = DialPlan {
        internal,
        did,
        international_prefixes: vec![INTERNATIONAL.into()],
        premium_prefixes: vec![PREMIUM.into()],
    };
    cfg.validate()
        .map_err(|e| anyhow::anyhow!("dial plan refused by the switch: {e}"))?;
    Ok((cfg, span_names))
}
