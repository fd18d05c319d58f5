//! Typed errors of the crate.

use std::path::PathBuf;

use thiserror::Error;

/// The flow JSON does not have the flow's shape.
#[derive(Debug, Error)]
#[error("flow JSON: {0}")]
pub struct ParseError(#[from] serde_json::Error);

impl ParseError {
    /// Line of the problem (1-based).
    #[must_use]
    pub fn line(&self) -> usize {
        self.0.line()
    }
    /// Column of the problem (1-based).
    #[must_use]
    pub fn column(&self) -> usize {
        self.0.column()
    }
}

/// Which rule a flow breaks (see [`ValidationError`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Rule {
    /// `version` is not a format this crate reads.
    #[error("unsupported flow format version {found} (this build reads {supported})")]
    UnsupportedVersion {
        /// In the flow.
        found: u32,
        /// Read by this build.
        supported: u32,
    },
    /// The flow has no nodes.
    #[error("the flow has no nodes")]
    NoNodes,
    /// The name is empty or not `[A-Za-z0-9_.-]{1,64}`.
    #[error("flow name {0:?} is not 1-64 of A-Z a-z 0-9 _ . -")]
    BadFlowName(String),
    /// A node id is empty or not `[A-Za-z0-9_.-]{1,64}`.
    #[error("node id is not 1-64 of A-Z a-z 0-9 _ . -")]
    BadNodeId,
    /// `start` or a `next`-like field names a node that does not exist.
    #[error("`{field}` names unknown node {target:?}")]
    UnknownNode {
        /// Field (`start`, `next`, `options`, `on_fail`…).
        field: &'static str,
        /// The missing id.
        target: String,
    },
    /// No path from `start` (or `post_call`) reaches the node.
    #[error("unreachable from `start` and `post_call`")]
    Unreachable,
    /// A cycle that passes through no menu, collect or survey node: the call would loop
    /// forever without the caller doing anything.
    #[error("loop without any input node through {cycle:?}")]
    LoopWithoutInput {
        /// The node ids on the cycle.
        cycle: Vec<String>,
    },
    /// A play/menu/collect/survey node has no prompt to play.
    #[error("no prompts in `{field}`")]
    MissingPrompt {
        /// The empty field.
        field: &'static str,
    },
    /// A prompt id is not in the catalogue for a language the flow uses.
    #[error("prompt {prompt:?} ({field}) has no recording in {language}")]
    UnknownPrompt {
        /// Field naming it.
        field: &'static str,
        /// Prompt id.
        prompt: String,
        /// Language code.
        language: &'static str,
    },
    /// A prompt id is not `[a-z0-9_-]{1,64}`.
    #[error("prompt id {0:?} is not 1-64 of a-z 0-9 _ -")]
    BadPromptId(String),
    /// A menu lacks its invalid or timeout branch.
    #[error("menu has no `{0}` branch")]
    MenuWithoutBranch(&'static str),
    /// A menu option key is not one of `0-9 * #`.
    #[error("menu option {0:?} is not one digit 0-9, * or #")]
    BadOptionKey(String),
    /// A menu has no options.
    #[error("menu has no options")]
    NoOptions,
    /// A collect node lacks `on_fail`.
    #[error("collect has no `on_fail` branch")]
    CollectWithoutFail,
    /// min/max length out of order or out of 1..=32.
    #[error("lengths min {min} max {max} are not 1 <= min <= max <= 32")]
    BadLength {
        /// min_len.
        min: u8,
        /// max_len.
        max: u8,
    },
    /// The terminator is not `#` or `*`.
    #[error("terminator {0:?} is not # or *")]
    BadTerminator(char),
    /// The pattern does not compile (or is too large).
    #[error("pattern {pattern:?} does not compile")]
    BadPattern {
        /// The pattern.
        pattern: String,
    },
    /// Unknown checksum kind.
    #[error("checksum {0:?} is not one of luhn, gb11643")]
    UnknownChecksum(String),
    /// Unknown look-up request.
    #[error("look-up {0:?} is not one of customer_by_phone, account_balance, bill, appointment")]
    UnknownLookup(String),
    /// A timeout is 0 or longer than 10 minutes.
    #[error("`{field}` = {ms} ms is not 1..=600000")]
    BadTimeout {
        /// Field.
        field: &'static str,
        /// Value.
        ms: u32,
    },
    /// A variable name is not `[a-z_][a-z0-9_.]{0,63}`.
    #[error("variable name {0:?} is not [a-z_][a-z0-9_.]{{0,63}}")]
    BadVariable(String),
    /// A template (`${var}`) is malformed.
    #[error("template {0:?} has an unclosed or bad ${{…}}")]
    BadTemplate(String),
    /// `set language` to something that is not a flow language.
    #[error("language {0:?} is not one of the flow's languages")]
    BadLanguage(String),
    /// A transfer target is malformed.
    #[error("transfer target {0:?} is not 1-15 digits (external: optional + then 3-20 digits)")]
    BadTarget(String),
    /// A voicemail box is not 1-15 digits.
    #[error("mailbox {0:?} is not 1-15 digits")]
    BadMailbox(String),
    /// A time of day is not `HH:MM`.
    #[error("time {0:?} is not HH:MM (00:00-24:00)")]
    BadTime(String),
    /// A date is not a real `YYYY-MM-DD`.
    #[error("date {0:?} is not a valid YYYY-MM-DD")]
    BadDate(String),
    /// A weekday is not `mon`…`sun`.
    #[error("weekday {0:?} is not mon..sun")]
    BadWeekday(String),
    /// A condition node has no branch.
    #[error("condition has no branches")]
    NoBranches,
    /// `max_steps` is 0 or above 10 000.
    #[error("max_steps {0} is not 1..=10000")]
    BadMaxSteps(u32),
}

/// One problem in a flow: the node (if any) and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: {rule}", node.as_deref().map_or_else(|| "flow".to_owned(), |n| format!("node {n:?}")))]
pub struct ValidationError {
    /// Node id, `None` for flow-level problems.
    pub node: Option<String>,
    /// The rule.
    pub rule: Rule,
}

/// Every problem found in a flow (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{} problem(s) in flow: {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    /// Whether some problem is `rule` at `node`.
    #[must_use]
    pub fn has(&self, node: Option<&str>, rule: &Rule) -> bool {
        self.0
            .iter()
            .any(|e| e.node.as_deref() == node && &e.rule == rule)
    }
}

/// A local wall-clock value is not a real date/time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("not a valid local date/time")]
pub struct BadLocalTime;

/// A prompt file or catalogue problem.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PromptError {
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Not a RIFF/WAVE file, or chunks cut short.
    #[error("{path}: not a WAV file (RIFF/WAVE with fmt and data chunks)")]
    NotWav {
        /// File.
        path: PathBuf,
    },
    /// Wrong sample rate.
    #[error(
        "{path}: sample rate {rate} Hz, prompts must be 8000 Hz (sox in.wav -r 8000 -c 1 -b 16 out.wav)"
    )]
    Rate {
        /// File.
        path: PathBuf,
        /// Found.
        rate: u32,
    },
    /// Not mono.
    #[error("{path}: {channels} channels, prompts must be mono (sox in.wav -c 1 out.wav)")]
    Channels {
        /// File.
        path: PathBuf,
        /// Found.
        channels: u16,
    },
    /// Neither 16-bit PCM nor 8-bit A-law.
    #[error(
        "{path}: format tag {format} with {bits} bits, prompts must be 16-bit PCM or 8-bit A-law"
    )]
    Format {
        /// File.
        path: PathBuf,
        /// WAVE format tag (1 PCM, 6 A-law, 7 µ-law…).
        format: u16,
        /// Bits per sample.
        bits: u16,
    },
    /// A prompt is missing from the catalogue.
    #[error("prompt {prompt:?} has no {language} recording under {dir}")]
    Missing {
        /// Catalogue root.
        dir: PathBuf,
        /// Prompt id.
        prompt: String,
        /// Language code.
        language: &'static str,
    },
}
