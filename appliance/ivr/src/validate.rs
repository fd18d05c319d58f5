//! The validator run before a flow version is activated: every problem is reported, each
//! with its node id and the rule broken.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use regex::Regex;

use crate::checksum::Checksum;
use crate::clock::{parse_date, parse_hhmm, parse_weekday};
use crate::error::{Rule, ValidationError, ValidationErrors};
use crate::flow::{Cond, FORMAT_VERSION, Flow, Language, Node, Target};

/// Which prompt ids exist in which languages (a [`crate::prompts::Catalogue`], or a plain
/// set in tests and the admin panel).
pub trait PromptSet {
    /// Whether `prompt` has a recording in `lang`.
    fn has(&self, prompt: &str, lang: Language) -> bool;
}

impl PromptSet for BTreeSet<(String, Language)> {
    fn has(&self, prompt: &str, lang: Language) -> bool {
        self.contains(&(prompt.to_owned(), lang))
    }
}

/// Look-up requests the host knows how to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LookupKind {
    /// Customer record by phone number (CRM screen-pop data).
    CustomerByPhone,
    /// Balance of an account number.
    AccountBalance,
    /// Latest bill of an account number.
    Bill,
    /// Next appointment of an account or phone number.
    Appointment,
}

impl LookupKind {
    /// From the JSON name.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "customer_by_phone" => Some(Self::CustomerByPhone),
            "account_balance" => Some(Self::AccountBalance),
            "bill" => Some(Self::Bill),
            "appointment" => Some(Self::Appointment),
            _ => None,
        }
    }
    /// The JSON name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::CustomerByPhone => "customer_by_phone",
            Self::AccountBalance => "account_balance",
            Self::Bill => "bill",
            Self::Appointment => "appointment",
        }
    }
}

/// A flow that passed validation, with its patterns compiled: what the engine runs.
#[derive(Debug, Clone)]
pub struct ValidFlow {
    flow: Flow,
    patterns: BTreeMap<String, Regex>,
}

impl ValidFlow {
    /// The flow.
    #[must_use]
    pub const fn flow(&self) -> &Flow {
        &self.flow
    }
    /// The compiled whole-input pattern of a collect node.
    #[must_use]
    pub fn pattern(&self, node: &str) -> Option<&Regex> {
        self.patterns.get(node)
    }
    /// Shares it between calls.
    #[must_use]
    pub fn into_arc(self) -> Arc<Self> {
        Arc::new(self)
    }
}

/// Checks a flow (structure only; prompts are checked by [`validate_with_prompts`]).
///
/// # Errors
/// [`ValidationErrors`] with every problem found.
pub fn validate(flow: &Flow) -> Result<ValidFlow, ValidationErrors> {
    run(flow, None)
}

/// Checks a flow and that every prompt it plays exists in each of its languages.
///
/// # Errors
/// [`ValidationErrors`] with every problem found.
pub fn validate_with_prompts(
    flow: &Flow,
    prompts: &dyn PromptSet,
) -> Result<ValidFlow, ValidationErrors> {
    run(flow, Some(prompts))
}

/// Parses and validates flow JSON in one go (what the admin panel calls before activation).
///
/// # Errors
/// [`crate::FlowError`].
pub fn parse_and_validate(json: &str) -> Result<ValidFlow, crate::FlowError> {
    let flow = Flow::from_json(json)?;
    Ok(validate(&flow)?)
}

fn id_ok(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

fn prompt_id_ok(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b))
}

/// Whether `s` is a valid variable name.
#[must_use]
pub fn var_ok(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=64).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_.".contains(c))
}

/// Splits a template into literal and `${var}` parts; `None` if malformed.
#[must_use]
pub fn template_vars(t: &str) -> Option<Vec<&str>> {
    let mut vars = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        if !var_ok(name) {
            return None;
        }
        vars.push(name);
        rest = &after[end + 1..];
    }
    Some(vars)
}

fn number_ok(s: &str) -> bool {
    (1..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a transfer target is well formed.
#[must_use]
pub fn target_ok(t: &Target) -> bool {
    match t {
        Target::Queue(n) | Target::Agent(n) | Target::Extension(n) => number_ok(n),
        Target::External(n) => {
            let d = n.strip_prefix('+').unwrap_or(n);
            (3..=20).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

struct Ctx<'a> {
    errs: Vec<ValidationError>,
    node: Option<&'a str>,
}

impl Ctx<'_> {
    fn err(&mut self, rule: Rule) {
        self.errs.push(ValidationError {
            node: self.node.map(str::to_owned),
            rule,
        });
    }
    fn timeout(&mut self, field: &'static str, ms: u32) {
        if !(1..=600_000).contains(&ms) {
            self.err(Rule::BadTimeout { field, ms });
        }
    }
    fn var(&mut self, v: &str) {
        if !var_ok(v) {
            self.err(Rule::BadVariable(v.to_owned()));
        }
    }
    fn template(&mut self, t: &str) {
        if template_vars(t).is_none() {
            self.err(Rule::BadTemplate(t.to_owned()));
        }
    }
    fn cond(&mut self, c: &Cond) {
        match c {
            Cond::Time { from, to } => {
                for t in [from, to] {
                    if parse_hhmm(t).is_none() {
                        self.err(Rule::BadTime(t.clone()));
                    }
                }
            }
            Cond::Weekdays(ds) => {
                for d in ds {
                    if parse_weekday(d).is_none() {
                        self.err(Rule::BadWeekday(d.clone()));
                    }
                }
            }
            Cond::Dates(ds) => {
                for d in ds {
                    if parse_date(d).is_none() {
                        self.err(Rule::BadDate(d.clone()));
                    }
                }
            }
            Cond::Var { var, .. } => self.var(var),
            // Calendar names are the host's (the Center checks them against its calendars).
            Cond::Open(_) => {}
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| self.cond(c)),
            Cond::Not(c) => self.cond(c),
        }
    }
}

fn run(flow: &Flow, prompts: Option<&dyn PromptSet>) -> Result<ValidFlow, ValidationErrors> {
    let mut cx = Ctx {
        errs: Vec::new(),
        node: None,
    };
    let mut patterns = BTreeMap::new();
    if flow.version != FORMAT_VERSION {
        cx.err(Rule::UnsupportedVersion {
            found: flow.version,
            supported: FORMAT_VERSION,
        });
    }
    if !id_ok(&flow.name) {
        cx.err(Rule::BadFlowName(flow.name.clone()));
    }
    if !(1..=10_000).contains(&flow.max_steps) {
        cx.err(Rule::BadMaxSteps(flow.max_steps));
    }
    if flow.nodes.is_empty() {
        cx.err(Rule::NoNodes);
    }
    if !flow.nodes.contains_key(&flow.start) {
        cx.err(Rule::UnknownNode {
            field: "start",
            target: flow.start.clone(),
        });
    }
    if let Some(p) = &flow.post_call
        && !flow.nodes.contains_key(p)
    {
        cx.err(Rule::UnknownNode {
            field: "post_call",
            target: p.clone(),
        });
    }
    let langs = flow.all_languages();
    for (id, node) in &flow.nodes {
        cx.node = Some(id);
        if !id_ok(id) {
            cx.err(Rule::BadNodeId);
        }
        for (field, target) in node.successors() {
            if !flow.nodes.contains_key(target) {
                cx.err(Rule::UnknownNode {
                    field,
                    target: target.to_owned(),
                });
            }
        }
        for (field, p) in node.prompt_refs() {
            if !prompt_id_ok(p) {
                cx.err(Rule::BadPromptId(p.to_owned()));
            } else if let Some(set) = prompts {
                for l in &langs {
                    if !set.has(p, *l) {
                        cx.err(Rule::UnknownPrompt {
                            field,
                            prompt: p.to_owned(),
                            language: l.code(),
                        });
                    }
                }
            }
        }
        check_node(&mut cx, id, node, &langs, &mut patterns);
    }
    cx.node = None;
    graph_checks(flow, &mut cx);
    if cx.errs.is_empty() {
        Ok(ValidFlow {
            flow: flow.clone(),
            patterns,
        })
    } else {
        Err(ValidationErrors(cx.errs))
    }
}

fn check_node(
    cx: &mut Ctx<'_>,
    id: &str,
    node: &Node,
    langs: &[Language],
    patterns: &mut BTreeMap<String, Regex>,
) {
    match node {
        Node::Play { prompts, .. } => {
            if prompts.is_empty() {
                cx.err(Rule::MissingPrompt { field: "prompts" });
            }
        }
        Node::Say { var, .. } => cx.var(var),
        Node::Menu {
            prompts,
            options,
            input,
            on_invalid,
            on_timeout,
        } => {
            if prompts.is_empty() {
                cx.err(Rule::MissingPrompt { field: "prompts" });
            }
            if options.is_empty() {
                cx.err(Rule::NoOptions);
            }
            for k in options.keys() {
                if k.len() != 1
                    || !k
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
                {
                    cx.err(Rule::BadOptionKey(k.clone()));
                }
            }
            if on_invalid.is_none() {
                cx.err(Rule::MenuWithoutBranch("on_invalid"));
            }
            if on_timeout.is_none() {
                cx.err(Rule::MenuWithoutBranch("on_timeout"));
            }
            cx.timeout("first_digit_timeout_ms", input.first_digit_timeout_ms);
            cx.timeout("inter_digit_timeout_ms", input.inter_digit_timeout_ms);
        }
        Node::Collect {
            prompts,
            var,
            min_len,
            max_len,
            terminator,
            pattern,
            checksum,
            input,
            on_fail,
            ..
        } => {
            if prompts.is_empty() {
                cx.err(Rule::MissingPrompt { field: "prompts" });
            }
            cx.var(var);
            if !(1 <= *min_len && min_len <= max_len && *max_len <= 32) {
                cx.err(Rule::BadLength {
                    min: *min_len,
                    max: *max_len,
                });
            }
            if let Some(t) = terminator
                && *t != '#'
                && *t != '*'
            {
                cx.err(Rule::BadTerminator(*t));
            }
            if let Some(p) = pattern {
                match regex::RegexBuilder::new(&format!("^(?:{p})$"))
                    .size_limit(1 << 16)
                    .build()
                {
                    Ok(re) => {
                        patterns.insert(id.to_owned(), re);
                    }
                    Err(_) => cx.err(Rule::BadPattern { pattern: p.clone() }),
                }
            }
            if let Some(c) = checksum
                && Checksum::from_name(c).is_none()
            {
                cx.err(Rule::UnknownChecksum(c.clone()));
            }
            if on_fail.is_none() {
                cx.err(Rule::CollectWithoutFail);
            }
            cx.timeout("first_digit_timeout_ms", input.first_digit_timeout_ms);
            cx.timeout("inter_digit_timeout_ms", input.inter_digit_timeout_ms);
        }
        Node::Lookup {
            request,
            key,
            var,
            timeout_ms,
            ..
        } => {
            if LookupKind::from_name(request).is_none() {
                cx.err(Rule::UnknownLookup(request.clone()));
            }
            cx.template(key);
            cx.var(var);
            cx.timeout("timeout_ms", *timeout_ms);
        }
        Node::Set { var, value, .. } => {
            cx.var(var);
            cx.template(value);
            if var == "language"
                && !value.contains("${")
                && !Language::from_code(value).is_some_and(|l| langs.contains(&l))
            {
                cx.err(Rule::BadLanguage(value.clone()));
            }
        }
        Node::Condition { branches, .. } => {
            if branches.is_empty() {
                cx.err(Rule::NoBranches);
            }
            for b in branches {
                cx.cond(&b.when);
            }
        }
        Node::Transfer { target, .. } => {
            if !target_ok(target) {
                let t = match target {
                    Target::Queue(s)
                    | Target::Agent(s)
                    | Target::Extension(s)
                    | Target::External(s) => s.clone(),
                };
                cx.err(Rule::BadTarget(t));
            }
        }
        Node::Voicemail { mailbox } => {
            if !number_ok(mailbox) {
                cx.err(Rule::BadMailbox(mailbox.clone()));
            }
        }
        Node::Survey {
            prompts,
            var,
            input,
            ..
        } => {
            if prompts.is_empty() {
                cx.err(Rule::MissingPrompt { field: "prompts" });
            }
            cx.var(var);
            cx.timeout("first_digit_timeout_ms", input.first_digit_timeout_ms);
        }
        Node::Hangup { .. } => {}
    }
}

fn graph_checks(flow: &Flow, cx: &mut Ctx<'_>) {
    // Reachability from start and post_call.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = [Some(flow.start.as_str()), flow.post_call.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    while let Some(n) = stack.pop() {
        let Some(node) = flow.nodes.get(n) else {
            continue;
        };
        if !seen.insert(n) {
            continue;
        }
        stack.extend(node.successors().into_iter().map(|(_, t)| t));
    }
    for id in flow.nodes.keys() {
        if !seen.contains(id.as_str()) {
            cx.errs.push(ValidationError {
                node: Some(id.clone()),
                rule: Rule::Unreachable,
            });
        }
    }
    // Loops among nodes that take no input: strongly connected components (Tarjan) of the
    // graph restricted to non-input nodes.
    let ids: Vec<&str> = flow
        .nodes
        .iter()
        .filter(|(_, n)| !n.takes_input())
        .map(|(k, _)| k.as_str())
        .collect();
    let index_of: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let adj: Vec<Vec<usize>> = ids
        .iter()
        .map(|k| {
            flow.nodes[*k]
                .successors()
                .into_iter()
                .filter_map(|(_, t)| index_of.get(t).copied())
                .collect()
        })
        .collect();
    for comp in tarjan(&adj) {
        let self_loop = comp.len() == 1 && adj[comp[0]].contains(&comp[0]);
        if comp.len() > 1 || self_loop {
            let mut cycle: Vec<String> = comp.iter().map(|i| ids[*i].to_owned()).collect();
            cycle.sort();
            cx.errs.push(ValidationError {
                node: Some(cycle[0].clone()),
                rule: Rule::LoopWithoutInput { cycle },
            });
        }
    }
}

/// Iterative Tarjan SCC (no recursion: flows from the wire may be deep).
fn tarjan(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adj.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on = vec![false; n];
    let mut st = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        st.push(root);
        on[root] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if let Some(&w) = adj[v].get(*ei) {
                *ei += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    st.push(w);
                    on[w] = true;
                    call.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = st.pop() {
                        on[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(comp);
                }
            }
        }
    }
    out
}
