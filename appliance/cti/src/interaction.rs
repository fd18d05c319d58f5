//! The interaction record the model emits when an agent's part of a call ends (or when a
//! call ends that no agent answered). Its fields map 1:1 onto `store::crm::Interaction`
//! (the daemon converts, see [`InteractionRecord`]): the store is L3, this crate L2.

use std::collections::BTreeMap;

use tdm::Instant;

use crate::types::{CallId, Direction};

/// One call's (or one agent's part of a call's) entry for the customer's history.
///
/// Mapping onto `store::Interaction` (same names unless said):
/// `customer_id`; `channel` = `"call"`; `call_id` = `Some(call.to_string())`;
/// `remote_number`; `direction` = [`Direction::as_str`]; `agent`; `queue`;
/// `started`/`ended` = `Timestamp(instant µs)` (the daemon passes wall-clock µs since the
/// Unix epoch as `now`); `disposition`; `notes`; `data` = [`Self::data_json`] (answer time,
/// recording id, IVR data, transfer target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRecord {
    /// The CRM customer, when known.
    pub customer_id: Option<i64>,
    /// The call.
    pub call: CallId,
    /// The customer's number (the caller for inbound calls, the dialled number for outbound).
    pub remote_number: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The agent whose part this is; `None` for a call no agent answered (abandoned).
    pub agent: Option<String>,
    /// The queue the call came through.
    pub queue: Option<String>,
    /// When the call was offered (appeared at the switch).
    pub offered: Instant,
    /// When the agent answered (inbound) or the far end answered (outbound).
    pub answered: Option<Instant>,
    /// When this part ended.
    pub ended: Instant,
    /// The recording, if one was made.
    pub recording_id: Option<String>,
    /// Disposition code set by the agent (`AssociateData`), `""` if none; `abandoned` for
    /// calls no agent answered.
    pub disposition: String,
    /// Agent notes.
    pub notes: String,
    /// IVR-collected data.
    pub ivr_data: BTreeMap<String, String>,
    /// Where the agent transferred the call, if it did.
    pub transferred: bool,
}

impl InteractionRecord {
    /// The store's `channel` value.
    pub const CHANNEL: &'static str = "call";

    /// The store's `data` object: `{"answeredUs", "recordingId", "ivr", "transferred"}`.
    #[must_use]
    pub fn data_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert(
            "answeredUs".into(),
            self.answered
                .map_or(serde_json::Value::Null, |a| a.as_micros().into()),
        );
        m.insert(
            "recordingId".into(),
            self.recording_id
                .clone()
                .map_or(serde_json::Value::Null, serde_json::Value::String),
        );
        let ivr: serde_json::Map<String, serde_json::Value> = self
            .ivr_data
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        m.insert("ivr".into(), serde_json::Value::Object(ivr));
        m.insert("transferred".into(), self.transferred.into());
        serde_json::Value::Object(m)
    }
}
