//! Prometheus metrics (prometheus-client: the Prometheus project's own Rust client, typed
//! metrics, an explicit registry and no global state, OpenMetrics text output).
//!
//! Every metric name starts with `appliance_`; docs/daemon.md lists them.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Labels of per-span call counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct CallLabels {
    /// Span name.
    pub(crate) span: String,
    /// What happened: `incoming`, `answered`, `rejected`, `released`.
    pub(crate) result: String,
}

/// Labels of per-span gauges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct SpanLabels {
    /// Span name.
    pub(crate) span: String,
}

/// Labels of the simulated carrier's counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct CarrierLabels {
    /// `placed`, `connected`, `released`, `media_heard`.
    pub(crate) result: String,
}

/// All metrics of the daemon. Clones share the values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct TrunkLabels {
    pub(crate) trunk: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct TrunkResultLabels {
    pub(crate) trunk: String,
    pub(crate) result: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    registry: Arc<Registry>,
    pub(crate) config_revision: Gauge,
    pub(crate) reloads: Counter,
    pub(crate) reload_errors: Counter,
    pub(crate) active_calls: Gauge,
    pub(crate) calls: Family<CallLabels, Counter>,
    pub(crate) dchannel_up: Family<SpanLabels, Gauge>,
    pub(crate) span_alarms: Family<SpanLabels, Gauge>,
    pub(crate) media_ticks: Counter,
    pub(crate) media_late_ticks: Counter,
    pub(crate) media_max_lateness_us: Gauge,
    pub(crate) media_realtime: Gauge,
    pub(crate) media_queue_full: Counter,
    pub(crate) rtp_relayed: Counter,
    pub(crate) rtp_relay_legs: Gauge,
    pub(crate) carrier_calls: Family<CarrierLabels, Counter>,
    pub(crate) sip_trunk_registered: Family<TrunkLabels, Gauge>,
    pub(crate) sip_trunk_registrations: Family<TrunkResultLabels, Counter>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut r = Registry::with_prefix("appliance");
        let m = Self {
            registry: Arc::new(Registry::default()),
            config_revision: Gauge::default(),
            reloads: Counter::default(),
            reload_errors: Counter::default(),
            active_calls: Gauge::default(),
            calls: Family::default(),
            dchannel_up: Family::default(),
            span_alarms: Family::default(),
            media_ticks: Counter::default(),
            media_late_ticks: Counter::default(),
            media_max_lateness_us: Gauge::default(),
            media_realtime: Gauge::default(),
            media_queue_full: Counter::default(),
            rtp_relayed: Counter::default(),
            rtp_relay_legs: Gauge::default(),
            carrier_calls: Family::default(),
            sip_trunk_registered: Family::default(),
            sip_trunk_registrations: Family::default(),
        };
        r.register(
            "config_revision",
            "Config revision the daemon runs with",
            m.config_revision.clone(),
        );
        r.register(
            "config_reloads",
            "Successful configuration reloads (SIGHUP)",
            m.reloads.clone(),
        );
        r.register(
            "config_reload_errors",
            "Failed configuration reloads",
            m.reload_errors.clone(),
        );
        r.register(
            "active_calls",
            "Calls up on all spans",
            m.active_calls.clone(),
        );
        r.register("span_calls", "Calls on spans by result", m.calls.clone());
        r.register(
            "span_dchannel_up",
            "1 when the span's Q.921 data link is established",
            m.dchannel_up.clone(),
        );
        r.register(
            "span_alarms",
            "The span's alarm bits (DAHDI values; 0 = no alarm)",
            m.span_alarms.clone(),
        );
        r.register(
            "media_ticks",
            "1 ms ticks of the media thread",
            m.media_ticks.clone(),
        );
        r.register(
            "media_late_ticks",
            "Media ticks that started more than 1 ms after their due time",
            m.media_late_ticks.clone(),
        );
        r.register(
            "media_max_lateness_us",
            "Largest lateness of a media tick seen, in microseconds",
            m.media_max_lateness_us.clone(),
        );
        r.register(
            "media_realtime",
            "1 when the media thread runs with SCHED_FIFO",
            m.media_realtime.clone(),
        );
        r.register(
            "media_queue_full",
            "Items dropped because a queue between the media thread and the async side was full, or an RTP socket's send buffer was",
            m.media_queue_full.clone(),
        );
        r.register(
            "rtp_relayed_packets",
            "RTP audio packets relayed whole between two bridged legs (no decoding, no jitter buffer)",
            m.rtp_relayed.clone(),
        );
        r.register(
            "rtp_relay_legs",
            "RTP legs whose received audio is relayed whole to their bridged peer",
            m.rtp_relay_legs.clone(),
        );
        r.register(
            "carrier_calls",
            "Simulated carrier (demo): calls it placed and what became of them",
            m.carrier_calls.clone(),
        );
        r.register(
            "sip_trunk_registered",
            "1 while the SIP trunk's registration with its provider is up",
            m.sip_trunk_registered.clone(),
        );
        r.register(
            "sip_trunk_registrations",
            "SIP trunk REGISTER outcomes (ok, failed)",
            m.sip_trunk_registrations.clone(),
        );
        Self {
            registry: Arc::new(r),
            ..m
        }
    }

    /// The OpenMetrics text of every metric.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    pub(crate) fn call(&self, span: &str, result: &str) {
        self.calls
            .get_or_create(&CallLabels {
                span: span.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    pub(crate) fn carrier(&self, result: &str) {
        self.carrier_calls
            .get_or_create(&CarrierLabels {
                result: result.to_owned(),
            })
            .inc();
    }
}
