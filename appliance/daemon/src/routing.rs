//! The switch's configuration, built from the store ([`switch::dialplan::Config`]).
//!
//! - Trunks: every span is an E1 trunk named after it, span number = its position in the
//!   store's span list + 1 (what [`switch::LegEvent::SpanAlarm`] uses); every enabled SIP
//!   trunk is a SIP trunk. Trunk groups keep their members' order (failover).
//! - Extensions: SIP accounts are switch extensions (endpoint = the number); FXS line ports
//!   are extensions of kind `AnalogFxs` (endpoint `analog/<port>`); FXO line ports are
//!   trunks `fxo<port>` (kind `AnalogFxo`), the last members of their trunk group.
//! - Internal table (what phones dial): each extension number (SIP account, echo test, test
//!   tone), each queue number, then the store's dial rules by priority (strip/prepend,
//!   `allow_toll` allows international and premium numbers through that rule).
//! - DID table (what the carrier dials): first each extension, line-port extension and
//!   queue number (literals), then the store's DID rules by priority (strip/prepend; target
//!   an extension, queue, IVR flow, the dialled extension, or a rejection), then `8000` →
//!   IVR `main` when nothing matched it. In this order the derived literals can never be
//!   shadowed (a pattern is never checked against what comes before it, and the store
//!   refuses a literal DID rule that is an extension, port or queue number), so a plan the
//!   store accepted is not refused for shadowing; an extension is always reachable by its
//!   own number, and a DID rule only decides numbers that are no extension.
//! - Caller ID: each span's and SIP trunk's stored rule (pass / prefix / fixed;
//!   `send_restricted`: E1 octet 3a, SIP trunks P-Asserted-Identity, see
//!   [`crate::siptrunk`]); FXO lines pass the number. Each extension's own outbound number
//!   and default presentation go to the switch's [`switch::dialplan::ExtensionCallerId`].
//! - Toll-fraud prefixes: international `00`, premium `0900` (denied unless a rule allows).
//!
//! Rebuilt on SIGHUP and given to the running switch with `reconfigure`.

use std::collections::HashMap;
use std::time::Duration;

use store::Store;
use store::config::{DialTarget, DidTarget, ExtensionKind, TrunkRef};
use store::lines::LinePortKind;
use switch::dialplan::{
    Allow, CallerIdRule, ChannelKind, CidMode, Config, DialPlan, Extension, ExtensionCallerId,
    Presentation, Rule, Target, Trunk, TrunkGroup,
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
pub(crate) fn build(store: &Store) -> anyhow::Result<(callcenter::Config, SpanNames)> {
    let (sw, spans) = build_switch(store)?;
    Ok((center(store, sw)?, spans))
}

/// The IVR flow name the demo number 8000 goes to.
pub(crate) const MAIN_FLOW: &str = "main";
/// The demo IVR number (internal and DID) when nothing else uses it.
pub(crate) const IVR_NUMBER: &str = "8000";

/// The call center around the switch configuration: queues and agents from the store,
/// IVR flows (the active version of each stored flow; `main` is [`ivr::DEMO_FLOW_8000`]
/// unless the store has one), and `8000` → IVR `main` when no extension, queue or rule
/// uses it.
fn center(store: &Store, mut sw: Config) -> anyhow::Result<callcenter::Config> {
    let mut flows = Vec::new();
    for f in store.ivr_flows()?.into_iter().filter(|f| f.active) {
        match ivr::parse_and_validate(&f.flow) {
            Ok(v) => flows.push(callcenter::FlowSpec {
                name: f.name,
                flow: std::sync::Arc::new(v),
            }),
            Err(e) => tracing::warn!(flow = %f.name, "IVR flow skipped: {e}"),
        }
    }
    if !flows.iter().any(|f| f.name == MAIN_FLOW) {
        flows.push(callcenter::FlowSpec {
            name: MAIN_FLOW.into(),
            flow: std::sync::Arc::new(
                ivr::parse_and_validate(ivr::DEMO_FLOW_8000)
                    .map_err(|e| anyhow::anyhow!("demo IVR flow: {e}"))?,
            ),
        });
    }
    let taken = |rules: &[Rule]| rules.iter().any(|r| r.pattern.matches(IVR_NUMBER));
    let ivr_rule = Rule::new(IVR_NUMBER, Target::Ivr(MAIN_FLOW.into()))
        .map_err(|e| anyhow::anyhow!("ivr rule: {e}"))?;
    if !taken(&sw.plan.internal) {
        sw.plan.internal.push(ivr_rule.clone());
    }
    if !taken(&sw.plan.did) {
        sw.plan.did.push(ivr_rule);
    }
    let agent_rows = store.agents()?;
    let agent_id = |id: i64| u32::try_from(id).map(acd::AgentId);
    let mut queues = Vec::new();
    let mut wrap_up = HashMap::new();
    // The calendar each queue is open by (store step v10), by business-hours name.
    let hours_names: HashMap<i64, String> = store
        .business_hours()?
        .into_iter()
        .map(|h| (h.id, h.config.name))
        .collect();
    let schedules = store.queue_schedules()?;
    let queue_hours: HashMap<i64, String> = schedules
        .iter()
        .filter_map(|s| Some((s.queue_id, hours_names.get(&s.hours_id)?.clone())))
        .collect();
    let queue_rows = store.queues()?;
    // Each queue's own closed destination (store step v13).
    let queue_closed: HashMap<i64, acd::Destination> = schedules
        .iter()
        .filter_map(|s| {
            let d = closed_destination(s.closed.as_ref()?, &queue_rows);
            if d.is_none() {
                tracing::warn!(queue = s.queue_id, closed = ?s.closed,
                    "queue's closed destination unusable: the closed message is played");
            }
            Some((s.queue_id, d?))
        })
        .collect();
    for q in queue_rows {
        let c = q.config;
        let Some(number) = c.number else { continue };
        let strategy = match c.strategy.as_str() {
            "least_idle" => acd::Strategy::LeastIdle,
            "round_robin" => acd::Strategy::RoundRobin,
            "fewest_calls" => acd::Strategy::FewestCalls,
            "least_talk_time" => acd::Strategy::LeastTalkTime,
            "linear" => acd::Strategy::Linear,
            "random" => acd::Strategy::Random,
            "weighted_random" => acd::Strategy::WeightedRandom,
            "skills_best_match" => acd::Strategy::SkillsBestMatch,
            "longest_idle" => acd::Strategy::LongestIdle,
            "ring_all" => acd::Strategy::RingAll,
            "ring_progressive" => acd::Strategy::RingProgressive,
            other => {
                tracing::warn!(queue = %c.name, strategy = other,
                    "unknown strategy: longest idle used");
                acd::Strategy::LongestIdle
            }
        };
        let members = c
            .members
            .iter()
            .filter_map(|&(a, tier)| {
                let mut m = acd::Member::new(agent_id(a).ok()?);
                m.tier = tier;
                Some(m)
            })
            .collect();
        let mut acd_q =
            acd::QueueConfig::new(acd::QueueId(u32::try_from(q.id)?), strategy, members);
        acd_q.max_len = c.max_len;
        acd_q.max_wait = (c.max_wait_s > 0).then(|| Duration::from_secs(u64::from(c.max_wait_s)));
        // Announcements and the callback offer (settings table; docs/recordings.md).
        if let Some(a) = store.queue_announcements(&c.name)? {
            let secs = |s: u32| Duration::from_secs(u64::from(s));
            acd_q.announcements = acd::Announcements {
                first_after: secs(a.first_after_s),
                every: secs(a.every_s),
                position: a.position,
                wait_time: a.wait_time,
                periodic_prompts: a.periodic_prompts,
                position_only_up: false,
            };
            acd_q.callback_attempts = a.callback_attempts;
        }
        acd_q.overflow.closed = queue_closed.get(&q.id).cloned();
        for &(a, _) in &c.members {
            let w = wrap_up.entry(a).or_insert(0u32);
            *w = (*w).max(c.wrapup_s);
        }
        queues.push(callcenter::QueueSpec {
            number,
            name: c.name,
            acd: acd_q,
            // Outside its calendar the queue is closed: callers go to its closed
            // destination, else the ACD's default (the closed message, then hang up).
            calendar: queue_hours.get(&q.id).cloned(),
        });
    }
    let mut agents = Vec::new();
    for a in agent_rows {
        // An agent works at the extension of its own number (the demo's layout).
        if !sw.extensions.iter().any(|e| e.name == a.config.number) {
            tracing::warn!(agent = %a.config.number, "agent skipped: no SIP extension with its number");
            continue;
        }
        let mut acd_a = acd::AgentConfig::new(agent_id(a.id)?);
        acd_a.skills = a
            .config
            .skills
            .iter()
            .filter_map(|&(s, l)| Some((acd::SkillId(u32::try_from(s).ok()?), l)))
            .collect();
        agents.push(callcenter::AgentSpec {
            extension: a.config.number.clone(),
            number: a.config.number,
            wrap_up: Duration::from_secs(u64::from(wrap_up.get(&a.id).copied().unwrap_or(0))),
            acd: acd_a,
        });
    }
    // Queues naming agents that were skipped would be refused: drop those members.
    let known: std::collections::HashSet<_> = agents.iter().map(|a| a.acd.id).collect();
    for q in &mut queues {
        q.acd.members.retain(|m| known.contains(&m.agent));
    }
    sw.validate()
        .map_err(|e| anyhow::anyhow!("dial plan refused by the switch: {e}"))?;
    // Business-hours calendars (web-admin edits them) for IVR `{"open": name}` conditions.
    let mut calendars = Vec::new();
    for h in store.business_hours()? {
        let c = h.config;
        let weekly: Vec<(u8, u16, u16)> = c
            .weekly
            .iter()
            .map(|s| (s.day, s.open_min, s.close_min))
            .collect();
        let holidays: Vec<&str> = c.holidays.iter().map(|d| d.date.as_str()).collect();
        match callcenter::Calendar::from_rows(&c.name, c.utc_offset_min, &weekly, &holidays) {
            Ok(cal) => calendars.push(cal),
            Err(e) => tracing::warn!(calendar = %c.name, "calendar skipped: {e}"),
        }
    }
    for q in &mut queues {
        if let Some(name) = &q.calendar
            && !calendars.iter().any(|c| &c.name == name)
        {
            tracing::warn!(queue = %q.name, calendar = %name, "queue calendar unusable: the queue is always open");
            q.calendar = None;
        }
    }
    Ok(callcenter::Config {
        switch: sw,
        queues,
        agents,
        flows,
        // Set by the call engine from its clock.
        epoch_unix_s: 0,
        utc_offset_s: 0,
        calendars,
    })
}

/// The ACD destination of a queue's stored closed destination: another queue by its row
/// id (`None` when no queue with a number has that name any more), an IVR flow, a voicemail box, or a
/// number the switch routes through the dial plan (extension, queue or IVR number,
/// outside number).
fn closed_destination(
    d: &store::queuehours::ClosedDestination,
    queues: &[store::config::Stored<store::config::QueueConfig>],
) -> Option<acd::Destination> {
    use store::queuehours::ClosedDestination as C;
    Some(match d {
        C::Hangup => acd::Destination::Hangup,
        C::Voicemail(m) => acd::Destination::Voicemail(m.clone()),
        C::Ivr(f) => acd::Destination::Ivr(f.clone()),
        C::Number(n) => acd::Destination::Extension(n.clone()),
        C::Queue(name) => {
            // Queues without a number are not in the call center.
            let q = queues
                .iter()
                .find(|q| &q.config.name == name && q.config.number.is_some())?;
            acd::Destination::Queue(acd::QueueId(u32::try_from(q.id).ok()?))
        }
        _ => return None,
    })
}

fn build_switch(store: &Store) -> anyhow::Result<(Config, SpanNames)> {
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
            // ISDN carries a restricted number flagged in octet 3a (the network withholds
            // it) when the span's rule says so (the default).
            caller_id: caller_id_rule(&s.config.caller_id),
        });
        trunk_by_ref.push((TrunkRef::Span(s.id), s.config.name.clone()));
    }
    for t in store.sip_trunks()?.into_iter().filter(|t| t.config.enabled) {
        cfg.trunks.push(Trunk {
            name: t.config.name.clone(),
            kind: ChannelKind::Sip,
            span: None,
            // `send_restricted` on a SIP trunk: the number goes to the trusted provider
            // in P-Asserted-Identity only (sipside / siptrunk).
            caller_id: caller_id_rule(&t.config.caller_id),
        });
        trunk_by_ref.push((TrunkRef::SipTrunk(t.id), t.config.name.clone()));
    }
    // Line ports: FXO ports are trunks (joining their trunk group last), FXS ports are
    // extensions (below).
    let ports = store.line_ports()?;
    for p in ports.iter().filter(|p| p.config.kind == LinePortKind::Fxo) {
        cfg.trunks.push(Trunk {
            name: crate::lines::trunk_name(p),
            kind: ChannelKind::AnalogFxo,
            span: None,
            caller_id: pass.clone(),
        });
    }
    let mut group_names = HashMap::new();
    for g in store.trunk_groups()? {
        let mut members: Vec<String> = g
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
        members.extend(
            ports
                .iter()
                .filter(|p| {
                    p.config.kind == LinePortKind::Fxo
                        && p.config.trunk_group.as_deref() == Some(g.config.name.as_str())
                })
                .map(crate::lines::trunk_name),
        );
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
                    caller_id: ExtensionCallerId {
                        outbound_number: e.config.caller_id.number.clone(),
                        presentation: match e.config.caller_id.presentation {
                            store::config::Presentation::Restricted => Presentation::Restricted,
                            _ => Presentation::Allowed,
                        },
                    },
                });
                Target::Extension(n.clone())
            }
        };
        ext_target.insert(e.id, target.clone());
        let rule = Rule::new(&n, target).map_err(|e| anyhow::anyhow!("extension {n}: {e}"))?;
        internal.push(rule.clone());
        did.push(rule);
    }
    for p in ports.iter().filter(|p| p.config.kind != LinePortKind::Fxo) {
        let Some(n) = p.config.extension.clone() else {
            continue;
        };
        cfg.extensions.push(Extension {
            name: n.clone(),
            kind: if p.config.kind == LinePortKind::Sound {
                ChannelKind::SoundCard
            } else {
                ChannelKind::AnalogFxs
            },
            endpoint: crate::lines::endpoint(p),
            caller_id: Default::default(),
        });
        let rule = Rule::new(&n, Target::Extension(n.clone()))
            .map_err(|e| anyhow::anyhow!("line port extension {n}: {e}"))?;
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
        let rule = Rule::new(&switch_pattern(&c.pattern), target)
            .map_err(|e| anyhow::anyhow!("dial rule {}: {e}", c.pattern))?
            .rewrite(usize::from(c.strip), &c.prepend)
            .allowing(Allow {
                international: c.allow_toll,
                premium: c.allow_toll,
            });
        internal.push(rule);
    }
    // The store's DID rules, after the literal numbers above (module doc: why this order).
    for r in store.did_rules()? {
        let c = r.config;
        let target = match &c.target {
            DidTarget::Extension(id) => ext_target.get(id).cloned(),
            DidTarget::Queue(id) => queue_names.get(id).cloned().map(Target::Queue),
            DidTarget::Ivr(name) => Some(Target::Ivr(name.clone())),
            DidTarget::DialedExtension => Some(Target::DialedExtension),
            DidTarget::Reject(cause) => Some(Target::Reject(switch::Cause(*cause))),
        };
        let Some(target) = target else {
            tracing::warn!(pattern = %c.pattern, "DID rule skipped: its target is gone");
            continue;
        };
        let rule = Rule::new(&switch_pattern(&c.pattern), target)
            .map_err(|e| anyhow::anyhow!("DID rule {}: {e}", c.pattern))?
            .rewrite(usize::from(c.strip), &c.prepend);
        did.push(rule);
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

/// The switch's form of a stored pattern: the store writes patterns without the switch's
/// `_` marker for non-literal ones.
fn switch_pattern(p: &str) -> String {
    if p.bytes()
        .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
    {
        p.to_owned()
    } else {
        format!("_{p}")
    }
}

/// A span's or SIP trunk's stored caller-ID rule for the switch.
fn caller_id_rule(c: &store::config::TrunkCallerId) -> CallerIdRule {
    use store::config::CallerIdMode;
    CallerIdRule {
        mode: match c.mode {
            CallerIdMode::Prefix => CidMode::Prefix(c.number.clone()),
            CallerIdMode::Fixed => CidMode::Fixed(c.number.clone()),
            _ => CidMode::Pass,
        },
        send_restricted_number: c.send_restricted,
    }
}
