//! Routing of incoming span calls through the `switch` crate's dial plan.
//!
//! The dial plan ([`switch::dialplan::Config`]) is built from the store's extensions: one
//! literal DID rule per extension (echo test → [`Target::EchoTest`], test tone →
//! [`Target::TestTone`], SIP account → [`Target::Extension`]), so a call from the carrier
//! is routed by the switch's own pattern matching and policy (unknown numbers get the
//! switch's cause, #1). It is rebuilt on SIGHUP.
//!
//! **Not yet:** the switch's call engine ([`switch::Switch`]: legs, bridges, CDRs) and its
//! media path are not driven by the daemon in this slice; the store's outgoing dial rules and
//! trunk groups are not mapped (no outgoing calls yet).

use store::Store;
use store::config::ExtensionKind;
use switch::dialplan::{ChannelKind, Config, DialPlan, Extension, OriginClass, Rule, Target};

/// What the daemon does with an incoming span call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Answer, the B-channel loops audio back.
    EchoTest,
    /// Answer, the B-channel sends 1 kHz.
    TestTone,
    /// Clear with this Q.850 cause, for this reason.
    Clear(u8, &'static str),
}

/// Builds the dial plan from the store.
///
/// # Errors
/// Store errors; a pattern or configuration the switch refuses (as text in the error).
pub(crate) fn build(store: &Store) -> anyhow::Result<Config> {
    let mut cfg = Config::default();
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
        did.push(Rule::new(&n, target).map_err(|e| anyhow::anyhow!("extension {n}: {e}"))?);
    }
    cfg.plan = DialPlan {
        did,
        ..DialPlan::default()
    };
    cfg.validate()
        .map_err(|e| anyhow::anyhow!("dial plan refused by the switch: {e}"))?;
    Ok(cfg)
}

/// Routes a call from a carrier (E1) to `called`.
pub(crate) fn decide(cfg: &Config, called: &str) -> Decision {
    match cfg.route(OriginClass::Trunk, called) {
        Ok(r) => match r.target {
            Target::EchoTest => Decision::EchoTest,
            Target::TestTone => Decision::TestTone,
            Target::Extension(_) => Decision::Clear(
                20,
                "SIP extension, but SIP is not wired into the daemon yet (subscriber absent)",
            ),
            _ => Decision::Clear(20, "target not handled by the daemon yet"),
        },
        Err(d) => Decision::Clear(d.cause().0, "no route in the dial plan"),
    }
}
