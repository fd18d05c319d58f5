//! `cti`: the computer-telephony integration model of the appliance (L2, pure logic), in the
//! vocabulary of ECMA-269 CSTA Phase III: devices, calls and connections with CSTA connection
//! states; ACD agents with CSTA agent states; services in (MakeCall, AnswerCall,
//! ClearConnection, Hold/Retrieve/Alternate, Consultation/Transfer/SingleStepTransfer,
//! Conference, Deflect, GenerateDigits, SetAgentState, snapshots, monitors, and the supervisor's
//! SingleStepConference: listen, whisper, barge); events out per
//! monitored device (Delivered with the screen pop, Established, Held, …, ConnectionCleared,
//! Agent*); the interaction record written to the customer's history when an agent's part of
//! a call ends; and the versioned JSON wire format with its OpenAPI document.
//!
//! It is NOT the switch or the ACD: accepted services become neutral [`Command`]s the daemon
//! maps onto the `switch` and `acd` crates, and what those report comes back as
//! [`Happening`]s. It does no I/O, reads no clock (`now` is passed in as [`tdm::Instant`]),
//! never queries the store (the host passes the CRM customer in with [`Happening::Queued`] /
//! [`Happening::Alerting`]), and does not authenticate: the web layer does, and hands the
//! model a [`Principal`] (agent + role) with every request, which the model enforces.
//!
//! Driving loop (the project's sans-IO surface; `poll_transmit` yields commands):
//! 1. configure: [`Cti::add_agent`], [`Cti::add_queue`];
//! 2. a client frame: [`ClientMessage::parse`] → [`Cti::handle_request`] →
//!    [`ServerMessage::response`] back to that client;
//! 3. the switch/ACD reports: [`Cti::handle_happening`];
//! 4. at [`Cti::poll_timeout`]: [`Cti::handle_timeout`] (wrap-up ends);
//! 5. after each step drain [`Cti::poll_transmit`] to the switch/ACD and [`Cti::poll_event`]:
//!    [`Output::Event`] goes to the WebSocket owning the monitor ([`Cti::monitor_owner`]),
//!    [`Output::Interaction`] into `store::Store::record_interaction`.
//!
//! ```no_run
//! use cti::*;
//! use std::time::Duration;
//! let mut m = Cti::new();
//! m.add_agent(AgentId::new("2001"), DeviceId::new("2001"), Duration::from_secs(10)).unwrap();
//! let me = Principal { agent: AgentId::new("2001"), role: Role::Agent };
//! let now = tdm::Instant::from_millis(0);
//! let msg = ClientMessage::parse(br#"{"v":1,"invokeId":1,"request":{"service":"MonitorStart","monitorObject":"2001"}}"#).unwrap();
//! let reply = ServerMessage::response(msg.invoke_id, m.handle_request(now, &me, msg.invoke_id, msg.request));
//! println!("{}", reply.emit());
//! while let Some(c) = m.poll_transmit() { let _ = c; /* to the switch / ACD */ }
//! while let Some(o) = m.poll_event() { let _ = o; /* to clients / the store */ }
//! ```

pub mod events;
pub mod interaction;
pub mod model;
pub mod observer;
pub mod openapi;
pub mod services;
pub mod switch;
pub mod types;
pub mod wire;

pub use events::{ConnectionListEntry, CstaEvent, EventReport};
pub use interaction::InteractionRecord;
pub use model::{Cti, ModelError, Output};
pub use observer::DeviceObserver;
pub use services::{
    CallSnapshot, CallSnapshotEntry, CstaError, DeviceSnapshot, DeviceSnapshotEntry,
    ParticipationType, ServiceRequest, ServiceResult,
};
pub use switch::{AcdCommand, ClearCause, Command, Happening, RecordingAction, SwitchCommand};
pub use types::*;
pub use wire::{ClientMessage, ServerMessage, WIRE_VERSION, WireError};
