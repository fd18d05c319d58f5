//! The flow model: the JSON an operator writes (or the admin panel produces), stored as a
//! versioned row in the store (`ivr_flows`) and checked by [`crate::validate`] before a
//! version is activated. See docs/ivr.md for the reference.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ParseError;

/// The flow format this crate reads (`"version"` in the JSON).
pub const FORMAT_VERSION: u32 = 1;

/// Default runaway guard: node entries per call before the engine hangs up.
pub const DEFAULT_MAX_STEPS: u32 = 200;

/// A caller language with default prompts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// Mandarin Chinese (espeak-ng voice `cmn` for the default prompts).
    Zh,
}

impl Language {
    /// All languages, in catalogue order.
    pub const ALL: [Self; 2] = [Self::En, Self::Zh];

    /// The code used in JSON, directories and variables (`en`, `zh`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh",
        }
    }

    /// From a code (`en`, `zh`).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Self::En),
            "zh" => Some(Self::Zh),
            _ => None,
        }
    }
}

/// A whole flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Flow format version; must be [`FORMAT_VERSION`]. (Revisions of one flow are numbered
    /// by the store, one active version per name.)
    pub version: u32,
    /// Flow name (as in the store).
    pub name: String,
    /// First node.
    pub start: String,
    /// Language at the start of the call.
    #[serde(default)]
    pub language: Language,
    /// Languages callers may switch to (prompts must exist in each); default: `language` only.
    #[serde(default)]
    pub languages: Vec<Language>,
    /// Node the switch returns the caller to after the agent leg (the CSAT survey).
    #[serde(default)]
    pub post_call: Option<String>,
    /// Runaway guard: node entries per call before the engine hangs up.
    #[serde(default = "default_max_steps")]
    pub max_steps: u32,
    /// The nodes, by id (duplicate ids are a parse error).
    #[serde(deserialize_with = "unique_map")]
    pub nodes: BTreeMap<String, Node>,
}

fn default_max_steps() -> u32 {
    DEFAULT_MAX_STEPS
}

impl Flow {
    /// Parses flow JSON. Never panics; shape errors (unknown fields, wrong types, unknown node
    /// types, duplicate node ids) come back as [`ParseError`]. Semantics are checked by
    /// [`crate::validate`].
    ///
    /// # Errors
    /// [`ParseError`] with serde_json's line and column.
    pub fn from_json(text: &str) -> Result<Self, ParseError> {
        serde_json::from_str(text).map_err(ParseError::from)
    }

    /// The flow as JSON (what goes into the store).
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Languages the flow plays prompts in.
    #[must_use]
    pub fn all_languages(&self) -> Vec<Language> {
        let mut v = vec![self.language];
        for l in &self.languages {
            if !v.contains(l) {
                v.push(*l);
            }
        }
        v
    }
}

fn unique_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Node>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = BTreeMap<String, Node>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of nodes by id")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = m.next_entry::<String, Node>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format_args!(
                        "duplicate node id `{k}`"
                    )));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

/// One node, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Node {
    /// Play prompts, then go on (digits pressed meanwhile are ignored).
    Play {
        /// Prompt ids, played in order.
        #[serde(default)]
        prompts: Vec<String>,
        /// Next node.
        next: String,
    },
    /// Read a variable out by concatenating digit/number prompts.
    Say {
        /// Variable to read.
        var: String,
        /// How to read it.
        #[serde(rename = "as")]
        mode: SayAs,
        /// Prompts before the value.
        #[serde(default)]
        before: Vec<String>,
        /// Prompts after the value.
        #[serde(default)]
        after: Vec<String>,
        /// Next node.
        next: String,
    },
    /// A DTMF menu: one digit chooses an option; barge-in, timeouts and retries.
    Menu {
        /// Menu prompts.
        #[serde(default)]
        prompts: Vec<String>,
        /// Digit (`0`–`9`, `*`, `#`) → node.
        options: BTreeMap<String, String>,
        /// Timeouts, retries, invalid/timeout prompts (`"input": {…}`).
        #[serde(default)]
        input: InputSettings,
        /// Node after the last invalid choice.
        #[serde(default)]
        on_invalid: Option<String>,
        /// Node after the last timeout.
        #[serde(default)]
        on_timeout: Option<String>,
    },
    /// Collect digits into a variable, with validation.
    Collect {
        /// Prompts.
        #[serde(default)]
        prompts: Vec<String>,
        /// Variable that receives the digits.
        var: String,
        /// Minimum length.
        min_len: u8,
        /// Maximum length (input stops there).
        max_len: u8,
        /// Terminator key (default `#`; `null` for none).
        #[serde(default = "default_terminator")]
        terminator: Option<char>,
        /// Regular expression the whole input must match (e.g. `[1-9][0-9]{5}`).
        #[serde(default)]
        pattern: Option<String>,
        /// Check digit (`luhn`, `gb11643`).
        #[serde(default)]
        checksum: Option<String>,
        /// Timeouts, retries, invalid/timeout prompts (`"input": {…}`).
        #[serde(default)]
        input: InputSettings,
        /// Next node on valid input.
        next: String,
        /// Node after the last failed attempt.
        #[serde(default)]
        on_fail: Option<String>,
    },
    /// Ask the host for data (CRM/store) and branch on the answer.
    Lookup {
        /// What to look up (`customer_by_phone`, `account_balance`, `bill`, `appointment`).
        request: String,
        /// The key, a template (`${account}`, `${caller}`).
        key: String,
        /// Prefix of the variables that receive the fields (`acct` → `acct.balance_cents`).
        var: String,
        /// Give up after this long.
        #[serde(default = "default_lookup_timeout")]
        timeout_ms: u32,
        /// Next node when found.
        on_found: String,
        /// Next node when not found.
        on_not_found: String,
        /// Next node on failure or timeout.
        on_error: String,
    },
    /// Set a variable (`language` switches prompt language).
    Set {
        /// Variable.
        var: String,
        /// Value, a template.
        value: String,
        /// Next node.
        next: String,
    },
    /// Branch on time, date, weekday or variables; first match wins.
    Condition {
        /// Branches in order.
        branches: Vec<Branch>,
        /// Node when nothing matches.
        otherwise: String,
    },
    /// Hand the call over; collected data travels with it.
    Transfer {
        /// Where to.
        target: Target,
        /// Node when the transfer fails (default: hang up).
        #[serde(default)]
        on_fail: Option<String>,
    },
    /// Send the caller to a voicemail box.
    Voicemail {
        /// Mailbox (extension number).
        mailbox: String,
    },
    /// Post-call CSAT survey: one digit 1–5.
    Survey {
        /// Question prompts.
        #[serde(default)]
        prompts: Vec<String>,
        /// Variable receiving the score (default `csat`).
        #[serde(default = "default_csat")]
        var: String,
        /// Timeouts, retries, invalid/timeout prompts (`"input": {…}`).
        #[serde(default)]
        input: InputSettings,
        /// Next node (after a score or after the last attempt).
        next: String,
    },
    /// Play optional prompts, then hang up.
    Hangup {
        /// Goodbye prompts.
        #[serde(default)]
        prompts: Vec<String>,
    },
}

fn default_terminator() -> Option<char> {
    Some('#')
}
fn default_lookup_timeout() -> u32 {
    5_000
}
fn default_csat() -> String {
    "csat".to_owned()
}

/// How a [`Node::Say`] reads its variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SayAs {
    /// Digit by digit (`1 2 3`).
    Digits,
    /// A whole number (`one hundred twenty-three`, `一百二十三`).
    Number,
    /// An amount in cents (`12 yuan 34 fen`, `十二元三角四分`); negative amounts start
    /// with "minus" (负). A whole number may be negative too.
    Amount,
    /// A date `YYYY-MM-DD`, a date and time `YYYY-MM-DD HH:MM`, or a time `HH:MM`
    /// (`November twenty-fifth two thousand twenty six`, `二零二六年十一月二十五日`).
    Date,
}

/// Timeouts and retries shared by menu, collect and survey nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSettings {
    /// Wait for the first digit after the prompts end.
    #[serde(default = "default_first")]
    pub first_digit_timeout_ms: u32,
    /// Wait between digits.
    #[serde(default = "default_inter")]
    pub inter_digit_timeout_ms: u32,
    /// Retries after the first attempt.
    #[serde(default = "default_retries")]
    pub retries: u8,
    /// Played after an invalid entry, before the prompts again.
    #[serde(default)]
    pub invalid_prompts: Vec<String>,
    /// Played after a timeout, before the prompts again.
    #[serde(default)]
    pub timeout_prompts: Vec<String>,
}

fn default_first() -> u32 {
    5_000
}
fn default_inter() -> u32 {
    3_000
}
fn default_retries() -> u8 {
    2
}

impl Default for InputSettings {
    fn default() -> Self {
        Self {
            first_digit_timeout_ms: default_first(),
            inter_digit_timeout_ms: default_inter(),
            retries: default_retries(),
            invalid_prompts: Vec::new(),
            timeout_prompts: Vec::new(),
        }
    }
}

/// One branch of a condition node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// The test.
    pub when: Cond,
    /// Where to go when it holds.
    pub next: String,
}

/// A test on the local wall clock or call variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Cond {
    /// Local time of day in `[from, to)`, `HH:MM`; wraps midnight when `from > to`.
    Time {
        /// Start, `HH:MM`.
        from: String,
        /// End (excluded), `HH:MM`.
        to: String,
    },
    /// Local weekday is one of these (`mon` … `sun`).
    Weekdays(Vec<String>),
    /// Local date is one of these (`YYYY-MM-DD`): a holiday calendar.
    Dates(Vec<String>),
    /// The named business-hours calendar (the store's `business_hours`, with its holidays)
    /// is open now; the host evaluates calendars and tells the call
    /// (`Call::set_calendar_open`). `{"open": "main"}`.
    Open(String),
    /// A variable comparison.
    Var {
        /// Variable name.
        var: String,
        /// Operator.
        op: CmpOp,
        /// Operand (ignored by `present`/`absent`).
        #[serde(default)]
        value: String,
    },
    /// All of these hold.
    All(Vec<Self>),
    /// Any of these holds.
    Any(Vec<Self>),
    /// This does not hold.
    Not(Box<Self>),
}

/// Comparison operators of [`Cond::Var`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// Equal text.
    Eq,
    /// Different text (or absent).
    Ne,
    /// Starts with.
    Prefix,
    /// Numerically less (both integers).
    Lt,
    /// Numerically greater (both integers).
    Gt,
    /// Set.
    Present,
    /// Not set.
    Absent,
}

/// Where a transfer goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Target {
    /// An ACD queue by number (`701`).
    Queue(String),
    /// An agent by number (`2001`).
    Agent(String),
    /// An extension (`1001`).
    Extension(String),
    /// An outside number through the dial plan (`+861012345678`, `010…`).
    External(String),
}

impl Node {
    /// Every `(field, node id)` this node can continue to.
    #[must_use]
    pub fn successors(&self) -> Vec<(&'static str, &str)> {
        let mut v: Vec<(&'static str, &str)> = Vec::new();
        match self {
            Self::Play { next, .. } | Self::Say { next, .. } | Self::Set { next, .. } => {
                v.push(("next", next));
            }
            Self::Menu {
                options,
                on_invalid,
                on_timeout,
                ..
            } => {
                v.extend(options.values().map(|n| ("options", n.as_str())));
                v.extend(on_invalid.as_deref().map(|n| ("on_invalid", n)));
                v.extend(on_timeout.as_deref().map(|n| ("on_timeout", n)));
            }
            Self::Collect { next, on_fail, .. } => {
                v.push(("next", next));
                v.extend(on_fail.as_deref().map(|n| ("on_fail", n)));
            }
            Self::Lookup {
                on_found,
                on_not_found,
                on_error,
                ..
            } => {
                v.push(("on_found", on_found));
                v.push(("on_not_found", on_not_found));
                v.push(("on_error", on_error));
            }
            Self::Condition {
                branches,
                otherwise,
            } => {
                v.extend(branches.iter().map(|b| ("branches", b.next.as_str())));
                v.push(("otherwise", otherwise));
            }
            Self::Transfer { on_fail, .. } => v.extend(on_fail.as_deref().map(|n| ("on_fail", n))),
            Self::Survey { next, .. } => v.push(("next", next)),
            Self::Voicemail { .. } | Self::Hangup { .. } => {}
        }
        v
    }

    /// Whether the node waits for caller input (menu, collect, survey).
    #[must_use]
    pub const fn takes_input(&self) -> bool {
        matches!(
            self,
            Self::Menu { .. } | Self::Collect { .. } | Self::Survey { .. }
        )
    }

    /// Every prompt id the node plays, with the field naming it.
    #[must_use]
    pub fn prompt_refs(&self) -> Vec<(&'static str, &str)> {
        let mut v: Vec<(&'static str, &str)> = Vec::new();
        match self {
            Self::Play { prompts, .. } | Self::Hangup { prompts } => {
                v.extend(prompts.iter().map(|p| ("prompts", p.as_str())));
            }
            Self::Say { before, after, .. } => {
                v.extend(before.iter().map(|p| ("before", p.as_str())));
                v.extend(after.iter().map(|p| ("after", p.as_str())));
            }
            Self::Menu { prompts, input, .. }
            | Self::Collect { prompts, input, .. }
            | Self::Survey { prompts, input, .. } => {
                v.extend(prompts.iter().map(|p| ("prompts", p.as_str())));
                v.extend(
                    input
                        .invalid_prompts
                        .iter()
                        .map(|p| ("invalid_prompts", p.as_str())),
                );
                v.extend(
                    input
                        .timeout_prompts
                        .iter()
                        .map(|p| ("timeout_prompts", p.as_str())),
                );
            }
            _ => {}
        }
        v
    }

    /// Short name of the node type, as in JSON.
    #[must_use]
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Play { .. } => "play",
            Self::Say { .. } => "say",
            Self::Menu { .. } => "menu",
            Self::Collect { .. } => "collect",
            Self::Lookup { .. } => "lookup",
            Self::Set { .. } => "set",
            Self::Condition { .. } => "condition",
            Self::Transfer { .. } => "transfer",
            Self::Voicemail { .. } => "voicemail",
            Self::Survey { .. } => "survey",
            Self::Hangup { .. } => "hangup",
        }
    }
}
