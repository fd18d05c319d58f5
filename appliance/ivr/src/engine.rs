//! The per-call engine: sans-IO. The host (the switch) feeds [`Input`]s and timeouts with the
//! monotonic `now` and the local wall clock, and carries out the [`Action`]s it polls.
//!
//! Driving loop:
//! 1. [`Call::new`], then [`Call::start`].
//! 2. Drain [`Call::poll_action`] until `None`; carry each action out.
//! 3. Arm a timer for [`Call::poll_timeout`]; on expiry call [`Call::handle_timeout`].
//! 4. On a DTMF digit, end of a prompt, a look-up answer, a transfer result or the caller
//!    hanging up, call [`Call::handle_input`]; go to 2.
//!
//! Ends when [`Call::is_finished`] (hung up, sent to voicemail) or the call is with an agent
//! ([`Call::with_agent`]); the switch may then hand it back with [`Input::AgentLegEnded`] for
//! the post-call survey.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tdm::Instant;

use crate::checksum::Checksum;
use crate::clock::{LocalTime, parse_date, parse_hhmm, parse_weekday};
use crate::flow::{CmpOp, Cond, InputSettings, Language, Node, SayAs, Target};
use crate::say;
use crate::validate::{LookupKind, ValidFlow, target_ok};

/// Longest a single prompt may play before the engine treats it as finished (a host that
/// loses a "prompt finished" must not leave the caller in silence forever).
pub const PROMPT_GUARD: Duration = Duration::from_secs(120);

/// What the host tells the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// A DTMF digit (`0-9`, `*`, `#`, `A-D`), from the detector or RFC 4733.
    Digit(char),
    /// The prompt last asked for ended (or was stopped).
    PromptFinished,
    /// The answer to a [`Action::LookUp`].
    LookUpResult {
        /// The request id.
        id: u32,
        /// What the host found.
        outcome: LookUpOutcome,
    },
    /// Result of an [`Action::Transfer`].
    TransferResult(TransferOutcome),
    /// The agent leg ended and the switch hands the caller back (post-call survey).
    AgentLegEnded,
    /// The caller hung up.
    CallerHungUp,
}

/// What a look-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookUpOutcome {
    /// Found: fields (`balance_cents`, `name`, `vip`…) copied to `<var>.<field>`.
    Found(BTreeMap<String, String>),
    /// No such record.
    NotFound,
    /// The store failed.
    Failed,
}

/// Result of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferOutcome {
    /// The call is queued/ringing/answered at the target: the IVR's part is done.
    Connected,
    /// The target refused or does not exist.
    Failed,
}

/// A look-up the host performs against the store and answers with [`Input::LookUpResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookUpRequest {
    /// Echo this in the answer.
    pub id: u32,
    /// What to look up.
    pub kind: LookupKind,
    /// The key (account number, phone number), templates expanded.
    pub key: String,
}

/// What the host must collect digits with (for detector set-up and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectParams {
    /// Maximum digits.
    pub max_digits: u8,
    /// Terminator key.
    pub terminator: Option<char>,
}

/// Data collected in the IVR, exported with a transfer for the agent's screen pop (and the
/// CRM interaction's `data`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallData(pub BTreeMap<String, String>);

impl CallData {
    /// As a JSON object.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.0).unwrap_or_default()
    }
}

/// Why the engine hung up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HangupReason {
    /// A hangup node.
    Flow,
    /// A transfer failed with no `on_fail`.
    TransferFailed,
    /// The runaway guard (`max_steps`) tripped.
    StepLimit,
    /// After the agent leg with no `post_call` node.
    AfterAgent,
}

/// What the host must do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Play a prompt; answer with [`Input::PromptFinished`].
    Play {
        /// Prompt id (catalogue key).
        prompt: String,
        /// Language.
        language: Language,
    },
    /// Stop the prompt now playing (barge-in); no `PromptFinished` is expected for it.
    StopPlayback,
    /// Start listening for digits.
    CollectDigits(CollectParams),
    /// Perform a look-up.
    LookUp(LookUpRequest),
    /// Transfer the call; answer with [`Input::TransferResult`].
    Transfer {
        /// Where.
        target: Target,
        /// Data for the agent.
        data: CallData,
    },
    /// Send the call to voicemail (the IVR is done).
    Voicemail {
        /// Mailbox.
        mailbox: String,
        /// Data for the message.
        data: CallData,
    },
    /// A CSAT score was recorded.
    SurveyResult {
        /// 1–5.
        score: u8,
        /// Everything known about the call.
        data: CallData,
    },
    /// Hang up (the IVR is done).
    Hangup(HangupReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    Invalid,
    Timeout,
}

#[derive(Debug)]
enum Then {
    Goto(String),
    Hangup,
}

#[derive(Debug)]
enum State {
    NotStarted,
    /// Non-interruptible prompts (play, say, hangup).
    Playing {
        queue: VecDeque<String>,
        then: Then,
        guard: Instant,
    },
    /// Menu, collect or survey.
    Gather {
        node: String,
        attempt: u8,
        digits: String,
        queue: VecDeque<String>,
        playing: bool,
        deadline: Option<Instant>,
    },
    LookingUp {
        node: String,
        id: u32,
        deadline: Instant,
    },
    Transferring {
        node: String,
    },
    WithAgent,
    Done,
}

/// One call in the IVR.
#[derive(Debug)]
pub struct Call {
    flow: Arc<ValidFlow>,
    vars: BTreeMap<String, String>,
    language: Language,
    state: State,
    actions: VecDeque<Action>,
    steps: u32,
    next_lookup: u32,
    /// Business-hours calendars the host says are open now.
    open_calendars: BTreeSet<String>,
}

impl Call {
    /// A call entering `flow`. `caller`/`called` become the variables `caller` and `called`.
    #[must_use]
    pub fn new(flow: Arc<ValidFlow>, caller: &str, called: &str) -> Self {
        let language = flow.flow().language;
        let mut vars = BTreeMap::new();
        vars.insert("caller".to_owned(), caller.to_owned());
        vars.insert("called".to_owned(), called.to_owned());
        vars.insert("language".to_owned(), language.code().to_owned());
        Self {
            flow,
            vars,
            language,
            state: State::NotStarted,
            actions: VecDeque::new(),
            steps: 0,
            next_lookup: 1,
            open_calendars: BTreeSet::new(),
        }
    }

    /// The flow this call runs.
    #[must_use]
    pub const fn flow(&self) -> &Arc<ValidFlow> {
        &self.flow
    }

    /// Tells the call whether the business-hours calendar `name` is open now (the host
    /// evaluates its calendars; the engine reads no clock). Conditions
    /// `{"open": "name"}` test it; a calendar never set is closed.
    pub fn set_calendar_open(&mut self, name: &str, open: bool) {
        if open {
            self.open_calendars.insert(name.to_owned());
        } else {
            self.open_calendars.remove(name);
        }
    }

    /// Sets a variable before or during the call (CRM data the switch already has…).
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), value.to_owned());
        if name == "language"
            && let Some(l) = Language::from_code(value)
        {
            self.language = l;
        }
    }

    /// A variable.
    #[must_use]
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The call data exported to the agent.
    #[must_use]
    pub fn call_data(&self) -> CallData {
        CallData(self.vars.clone())
    }

    /// Current prompt language.
    #[must_use]
    pub const fn language(&self) -> Language {
        self.language
    }

    /// Enters the start node.
    pub fn start(&mut self, now: Instant, local: LocalTime) {
        if matches!(self.state, State::NotStarted) {
            let start = self.flow.flow().start.clone();
            self.goto(&start, now, local);
        }
    }

    /// The IVR is done with the call (hung up or voicemail), or the caller hung up.
    #[must_use]
    pub const fn is_finished(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The call is with an agent (until [`Input::AgentLegEnded`]).
    #[must_use]
    pub const fn with_agent(&self) -> bool {
        matches!(self.state, State::WithAgent)
    }

    /// Next action for the host; call until `None` after every input, timeout and start.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`Call::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            State::Playing { guard, .. } => Some(*guard),
            State::Gather { deadline, .. } => *deadline,
            State::LookingUp { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// Handles a timer expiry (early calls do nothing).
    pub fn handle_timeout(&mut self, now: Instant, local: LocalTime) {
        match self.poll_timeout() {
            Some(t) if t <= now => {}
            _ => return,
        }
        match std::mem::replace(&mut self.state, State::Done) {
            State::Playing { queue, then, .. } => self.play_next(queue, then, now, local),
            State::Gather {
                node,
                attempt,
                digits,
                queue,
                playing,
                ..
            } => {
                if playing {
                    // Prompt guard: treat as finished.
                    self.gather_prompt_done(node, attempt, digits, queue, now, local);
                } else if digits.is_empty() {
                    self.retry(&node, attempt, Retry::Timeout, now, local);
                } else {
                    // Inter-digit timeout ends the entry.
                    self.gather_complete(node, attempt, digits, now, local);
                }
            }
            State::LookingUp { node, .. } => {
                if let Some(Node::Lookup { on_error, .. }) = self.node(&node) {
                    let n = on_error.clone();
                    self.goto(&n, now, local);
                }
            }
            other => self.state = other,
        }
    }

    /// Handles an input.
    pub fn handle_input(&mut self, now: Instant, local: LocalTime, input: Input) {
        if let Input::CallerHungUp = input {
            self.state = State::Done;
            return;
        }
        match (std::mem::replace(&mut self.state, State::Done), input) {
            (State::Playing { queue, then, .. }, Input::PromptFinished) => {
                self.play_next(queue, then, now, local)
            }
            (
                State::Gather {
                    node,
                    attempt,
                    digits,
                    queue,
                    playing: true,
                    ..
                },
                Input::PromptFinished,
            ) => {
                self.gather_prompt_done(node, attempt, digits, queue, now, local);
            }
            (
                State::Gather {
                    node,
                    attempt,
                    mut digits,
                    playing,
                    ..
                },
                Input::Digit(d),
            ) => {
                if playing {
                    self.actions.push_back(Action::StopPlayback);
                }
                self.gather_digit(node, attempt, &mut digits, d, now, local);
            }
            (State::LookingUp { node, id, deadline }, Input::LookUpResult { id: got, outcome }) => {
                if got != id {
                    self.state = State::LookingUp { node, id, deadline };
                    return;
                }
                let Some(Node::Lookup {
                    var,
                    on_found,
                    on_not_found,
                    on_error,
                    ..
                }) = self.node(&node)
                else {
                    return;
                };
                let (var, on_found, on_not_found, on_error) = (
                    var.clone(),
                    on_found.clone(),
                    on_not_found.clone(),
                    on_error.clone(),
                );
                match outcome {
                    LookUpOutcome::Found(fields) => {
                        for (k, v) in fields {
                            self.vars.insert(format!("{var}.{k}"), v);
                        }
                        self.goto(&on_found, now, local);
                    }
                    LookUpOutcome::NotFound => self.goto(&on_not_found, now, local),
                    LookUpOutcome::Failed => self.goto(&on_error, now, local),
                }
            }
            (State::Transferring { node }, Input::TransferResult(r)) => match r {
                TransferOutcome::Connected => self.state = State::WithAgent,
                TransferOutcome::Failed => match self.node(&node) {
                    Some(Node::Transfer {
                        on_fail: Some(n), ..
                    }) => {
                        let n = n.clone();
                        self.goto(&n, now, local);
                    }
                    _ => self.hangup(HangupReason::TransferFailed),
                },
            },
            (State::WithAgent, Input::AgentLegEnded) => match self.flow.flow().post_call.clone() {
                Some(n) => self.goto(&n, now, local),
                None => self.hangup(HangupReason::AfterAgent),
            },
            // Anything else (digits during plain prompts, stale answers) is ignored.
            (s, _) => self.state = s,
        }
    }

    fn node(&self, id: &str) -> Option<&Node> {
        self.flow.flow().nodes.get(id)
    }

    fn hangup(&mut self, why: HangupReason) {
        self.actions.push_back(Action::Hangup(why));
        self.state = State::Done;
    }

    fn play(&mut self, prompt: String) {
        self.actions.push_back(Action::Play {
            prompt,
            language: self.language,
        });
    }

    fn play_next(
        &mut self,
        mut queue: VecDeque<String>,
        then: Then,
        now: Instant,
        local: LocalTime,
    ) {
        if let Some(p) = queue.pop_front() {
            self.play(p);
            self.state = State::Playing {
                queue,
                then,
                guard: guard(now),
            };
            return;
        }
        match then {
            Then::Goto(n) => self.goto(&n, now, local),
            Then::Hangup => self.hangup(HangupReason::Flow),
        }
    }

    /// Enters `id`, running non-waiting nodes (set, condition) until one waits.
    fn goto(&mut self, id: &str, now: Instant, local: LocalTime) {
        let flow = Arc::clone(&self.flow);
        let mut id = id.to_owned();
        loop {
            self.steps += 1;
            if self.steps > flow.flow().max_steps {
                self.hangup(HangupReason::StepLimit);
                return;
            }
            let Some(node) = flow.flow().nodes.get(&id) else {
                // Validated flows name only existing nodes; be safe anyway.
                self.hangup(HangupReason::Flow);
                return;
            };
            match node {
                Node::Play { prompts, next } => {
                    return self.play_next(
                        prompts.iter().cloned().collect(),
                        Then::Goto(next.clone()),
                        now,
                        local,
                    );
                }
                Node::Say {
                    var,
                    mode,
                    before,
                    after,
                    next,
                } => {
                    let mut q: VecDeque<String> = before.iter().cloned().collect();
                    let v = self.vars.get(var).map_or("", String::as_str);
                    q.extend(match mode {
                        SayAs::Digits => say::digits(v),
                        SayAs::Number => say::signed_number(v, self.language).unwrap_or_default(),
                        SayAs::Amount => say::signed_amount(v, self.language).unwrap_or_default(),
                        SayAs::Date => say::date_time(v, self.language).unwrap_or_default(),
                    });
                    q.extend(after.iter().cloned());
                    return self.play_next(q, Then::Goto(next.clone()), now, local);
                }
                Node::Menu { .. } | Node::Collect { .. } | Node::Survey { .. } => {
                    return self.gather_enter(id, 0, None, now);
                }
                Node::Lookup {
                    request,
                    key,
                    timeout_ms,
                    ..
                } => {
                    let Some(kind) = LookupKind::from_name(request) else {
                        return self.hangup(HangupReason::Flow);
                    };
                    let req = LookUpRequest {
                        id: self.next_lookup,
                        kind,
                        key: self.expand(key),
                    };
                    self.next_lookup = self.next_lookup.wrapping_add(1);
                    let deadline = now + Duration::from_millis(u64::from(*timeout_ms));
                    self.state = State::LookingUp {
                        node: id,
                        id: req.id,
                        deadline,
                    };
                    self.actions.push_back(Action::LookUp(req));
                    return;
                }
                Node::Set { var, value, next } => {
                    let v = self.expand(value);
                    self.set_var(var, &v);
                    id.clone_from(next);
                }
                Node::Condition {
                    branches,
                    otherwise,
                } => {
                    let hit = branches
                        .iter()
                        .find(|b| self.eval(&b.when, local))
                        .map_or(otherwise, |b| &b.next);
                    id.clone_from(hit);
                }
                Node::Transfer { target, on_fail } => {
                    if target_ok(target) {
                        self.actions.push_back(Action::Transfer {
                            target: target.clone(),
                            data: self.call_data(),
                        });
                        self.state = State::Transferring { node: id };
                        return;
                    }
                    match on_fail {
                        Some(n) => id.clone_from(n),
                        None => return self.hangup(HangupReason::TransferFailed),
                    }
                }
                Node::Voicemail { mailbox } => {
                    self.actions.push_back(Action::Voicemail {
                        mailbox: mailbox.clone(),
                        data: self.call_data(),
                    });
                    self.state = State::Done;
                    return;
                }
                Node::Hangup { prompts } => {
                    return self.play_next(
                        prompts.iter().cloned().collect(),
                        Then::Hangup,
                        now,
                        local,
                    );
                }
            }
        }
    }

    fn gather_enter(&mut self, node: String, attempt: u8, why: Option<Retry>, now: Instant) {
        let Some((prompts, input, params)) = self.gather_info(&node) else {
            return self.hangup(HangupReason::Flow);
        };
        let mut queue: VecDeque<String> = VecDeque::new();
        match why {
            Some(Retry::Invalid) => queue.extend(input.invalid_prompts.iter().cloned()),
            Some(Retry::Timeout) => queue.extend(input.timeout_prompts.iter().cloned()),
            None => {}
        }
        queue.extend(prompts.iter().cloned());
        if attempt == 0 {
            self.actions.push_back(Action::CollectDigits(params));
        }
        let first = queue.pop_front();
        let playing = first.is_some();
        if let Some(p) = first {
            self.play(p);
        }
        let deadline = Some(if playing {
            guard(now)
        } else {
            now + ms(input.first_digit_timeout_ms)
        });
        self.state = State::Gather {
            node,
            attempt,
            digits: String::new(),
            queue,
            playing,
            deadline,
        };
    }

    fn gather_info(&self, node: &str) -> Option<(Vec<String>, InputSettings, CollectParams)> {
        match self.node(node)? {
            Node::Menu { prompts, input, .. } => Some((
                prompts.clone(),
                input.clone(),
                CollectParams {
                    max_digits: 1,
                    terminator: None,
                },
            )),
            Node::Collect {
                prompts,
                input,
                max_len,
                terminator,
                ..
            } => Some((
                prompts.clone(),
                input.clone(),
                CollectParams {
                    max_digits: *max_len,
                    terminator: *terminator,
                },
            )),
            Node::Survey { prompts, input, .. } => Some((
                prompts.clone(),
                input.clone(),
                CollectParams {
                    max_digits: 1,
                    terminator: None,
                },
            )),
            _ => None,
        }
    }

    fn input_settings(&self, node: &str) -> InputSettings {
        match self.node(node) {
            Some(
                Node::Menu { input, .. } | Node::Collect { input, .. } | Node::Survey { input, .. },
            ) => input.clone(),
            _ => InputSettings::default(),
        }
    }

    fn gather_prompt_done(
        &mut self,
        node: String,
        attempt: u8,
        digits: String,
        mut queue: VecDeque<String>,
        now: Instant,
        _local: LocalTime,
    ) {
        if let Some(p) = queue.pop_front() {
            self.play(p);
            self.state = State::Gather {
                node,
                attempt,
                digits,
                queue,
                playing: true,
                deadline: Some(guard(now)),
            };
        } else {
            let input = self.input_settings(&node);
            let deadline = Some(now + ms(input.first_digit_timeout_ms));
            self.state = State::Gather {
                node,
                attempt,
                digits,
                queue,
                playing: false,
                deadline,
            };
        }
    }

    fn gather_digit(
        &mut self,
        node: String,
        attempt: u8,
        digits: &mut String,
        d: char,
        now: Instant,
        local: LocalTime,
    ) {
        let flow = Arc::clone(&self.flow);
        match flow.flow().nodes.get(&node) {
            Some(Node::Menu { options, .. }) => {
                let mut key = [0u8; 4];
                match options.get(&*d.encode_utf8(&mut key)) {
                    Some(next) => self.goto(next, now, local),
                    None => self.retry(&node, attempt, Retry::Invalid, now, local),
                }
            }
            Some(Node::Survey { var, next, .. }) => match d.to_digit(10) {
                Some(s @ 1..=5) => {
                    let score = u8::try_from(s).unwrap_or(0);
                    self.vars.insert(var.clone(), score.to_string());
                    self.actions.push_back(Action::SurveyResult {
                        score,
                        data: self.call_data(),
                    });
                    self.goto(next, now, local);
                }
                _ => self.retry(&node, attempt, Retry::Invalid, now, local),
            },
            Some(Node::Collect {
                max_len,
                terminator,
                input,
                ..
            }) => {
                if Some(d) == *terminator {
                    return self.gather_complete(node, attempt, std::mem::take(digits), now, local);
                }
                digits.push(d);
                if digits.len() >= usize::from(*max_len) {
                    return self.gather_complete(node, attempt, std::mem::take(digits), now, local);
                }
                let deadline = Some(now + ms(input.inter_digit_timeout_ms));
                self.state = State::Gather {
                    node,
                    attempt,
                    digits: std::mem::take(digits),
                    queue: VecDeque::new(),
                    playing: false,
                    deadline,
                };
            }
            _ => self.hangup(HangupReason::Flow),
        }
    }

    fn gather_complete(
        &mut self,
        node: String,
        attempt: u8,
        digits: String,
        now: Instant,
        local: LocalTime,
    ) {
        let flow = Arc::clone(&self.flow);
        let Some(Node::Collect {
            var,
            min_len,
            checksum,
            next,
            ..
        }) = flow.flow().nodes.get(&node)
        else {
            // Menus and surveys complete on one digit; nothing to do here.
            return self.retry(&node, attempt, Retry::Timeout, now, local);
        };
        let ok = digits.len() >= usize::from(*min_len)
            && flow.pattern(&node).is_none_or(|re| re.is_match(&digits))
            && checksum
                .as_deref()
                .and_then(Checksum::from_name)
                .is_none_or(|c| c.check(&digits));
        if ok {
            self.vars.insert(var.clone(), digits);
            self.goto(next, now, local);
        } else if digits.is_empty() {
            self.retry(&node, attempt, Retry::Timeout, now, local);
        } else {
            self.retry(&node, attempt, Retry::Invalid, now, local);
        }
    }

    fn retry(&mut self, node: &str, attempt: u8, why: Retry, now: Instant, local: LocalTime) {
        let input = self.input_settings(node);
        if attempt < input.retries {
            return self.gather_enter(node.to_owned(), attempt + 1, Some(why), now);
        }
        let fallback = match (self.node(node), why) {
            (Some(Node::Menu { on_invalid, .. }), Retry::Invalid) => on_invalid.clone(),
            (Some(Node::Menu { on_timeout, .. }), Retry::Timeout) => on_timeout.clone(),
            (Some(Node::Collect { on_fail, .. }), _) => on_fail.clone(),
            (Some(Node::Survey { next, .. }), _) => Some(next.clone()),
            _ => None,
        };
        match fallback {
            Some(n) => self.goto(&n, now, local),
            None => self.hangup(HangupReason::Flow),
        }
    }

    fn expand(&self, t: &str) -> String {
        let mut out = String::new();
        let mut rest = t;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            out.push_str(self.vars.get(&after[..end]).map_or("", String::as_str));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn eval(&self, c: &Cond, local: LocalTime) -> bool {
        match c {
            Cond::Time { from, to } => {
                let (Some(f), Some(t)) = (parse_hhmm(from), parse_hhmm(to)) else {
                    return false;
                };
                let m = local.minute_of_day();
                if f <= t {
                    f <= m && m < t
                } else {
                    m >= f || m < t
                }
            }
            Cond::Weekdays(ds) => ds.iter().any(|d| parse_weekday(d) == Some(local.weekday())),
            Cond::Dates(ds) => ds.iter().any(|d| parse_date(d) == Some(local.date())),
            Cond::Var { var, op, value } => {
                let v = self.vars.get(var);
                match op {
                    CmpOp::Eq => v.is_some_and(|v| v == value),
                    CmpOp::Ne => v.is_none_or(|v| v != value),
                    CmpOp::Prefix => v.is_some_and(|v| v.starts_with(value.as_str())),
                    CmpOp::Lt | CmpOp::Gt => {
                        match (
                            v.and_then(|v| v.parse::<i64>().ok()),
                            value.parse::<i64>().ok(),
                        ) {
                            (Some(a), Some(b)) => {
                                if *op == CmpOp::Lt {
                                    a < b
                                } else {
                                    a > b
                                }
                            }
                            _ => false,
                        }
                    }
                    CmpOp::Present => v.is_some_and(|v| !v.is_empty()),
                    CmpOp::Absent => v.is_none_or(String::is_empty),
                }
            }
            Cond::Open(name) => self.open_calendars.contains(name),
            Cond::All(cs) => cs.iter().all(|c| self.eval(c, local)),
            Cond::Any(cs) => cs.iter().any(|c| self.eval(c, local)),
            Cond::Not(c) => !self.eval(c, local),
        }
    }
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

fn guard(now: Instant) -> Instant {
    now + PROMPT_GUARD
}
