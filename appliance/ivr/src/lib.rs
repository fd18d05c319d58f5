//! IVR flows for the call-center appliance (L2, sans-IO).
//!
//! What it is:
//! - [`flow`]: the JSON flow model (nodes play, say, menu, collect, lookup, set, condition,
//!   transfer, voicemail, survey, hangup), stored as versioned rows by the `store` crate;
//! - [`validate`](mod@validate): the check run before a version is activated, reporting
//!   every problem with its node id and rule;
//! - [`engine`]: one [`Call`] per caller, driven by `handle_input(now, local, input)`,
//!   `handle_timeout(now, local)`, `poll_action()`, `poll_timeout()`;
//! - [`prompts`]: the prompt catalogue and a strict 8 kHz WAV loader; [`say`]: numbers and
//!   amounts read out by concatenating prompts in English and Mandarin;
//! - [`checksum`]: Luhn and GB 11643 check digits.
//!
//! What it is NOT: it does no I/O in the engine (no clock, no files, no database, no audio):
//! the host (the `switch` crate) plays prompts, detects digits, performs look-ups against the
//! store and carries out transfers. It does not route calls inside queues (that is `acd`).
//! No speech recognition or text-to-speech at run time (prompts are recordings).

pub mod checksum;
pub mod clock;
pub mod engine;
mod error;
pub mod flow;
pub mod prompts;
pub mod say;
pub mod validate;

pub use clock::LocalTime;
pub use engine::{
    Action, Call, CallData, CollectParams, HangupReason, Input, LookUpOutcome, LookUpRequest,
    TransferOutcome,
};
pub use error::{BadLocalTime, ParseError, PromptError, Rule, ValidationError, ValidationErrors};
pub use flow::{Flow, Language, Node, Target};
pub use validate::{LookupKind, ValidFlow, parse_and_validate, validate, validate_with_prompts};

/// Parsing or validation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// Not flow-shaped JSON.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Semantically invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

/// The demo flow for 8000 (issue 6): 1 sales (queue 701), 2 support (702), 9 balance
/// look-up by account number, 0 operator; closed outside business hours and on holidays.
pub const DEMO_FLOW_8000: &str = include_str!("../flows/main-8000.json");
