//! The JSON REST API under `/api/v1`: every change is one of the store's validated commands
//! (ARCHITECTURE rule 6). Bad JSON → 400/422 naming the field; a rule the store enforces →
//! 422 with the store's field name (`queue.name: already in use`); unknown id → 404. In
//! every error case nothing was written.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use store::config::{
    AgentConfig, AuditEntry, CallerIdMode, Command, DialRuleConfig, DialTarget, DigestAlgorithms,
    ExtensionCallerId, ExtensionConfig, ExtensionKind, Framing, Language, NewUser, Presentation,
    QueueConfig, Role, Signalling, SipTrunkConfig, SkillConfig, SpanConfig, SpanRole, Strategy,
    SwitchType, Transport, TrunkCallerId, TrunkGroupConfig, TrunkRef,
};
use store::{Store, StoreError};
use utoipa::{OpenApi, ToSchema};

use crate::pages::{LoginOutcome, PasswordForm, change_password, do_login, run_command};
use crate::{Caller, PRE_COOKIE, Peer, SESSION_COOKIE, WebError, WebState};

/// Strategy names, as stored.
pub const STRATEGIES: &[&str] = &[
    "ring_all",
    "longest_idle",
    "least_idle",
    "round_robin",
    "fewest_calls",
    "least_talk_time",
    "linear",
    "random",
    "weighted_random",
    "ring_progressive",
    "skills_best_match",
];

/// JSON body extractor whose rejections are [`WebError`]s naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(json_rejection(&e)),
        }
    }
}

fn json_rejection(e: &JsonRejection) -> WebError {
    let text = e.body_text();
    // axum names the path of the failing field ("…: name: invalid type…").
    let field = match e {
        JsonRejection::JsonDataError(_) => text
            .rsplit_once("target type: ")
            .and_then(|(_, rest)| rest.split_once(':'))
            .map(|(f, _)| f.trim().to_owned())
            .filter(|f| !f.contains(' ')),
        _ => None,
    };
    WebError {
        status: crate::StatusCodeWrap(e.status().as_u16()),
        error: text,
        field,
    }
}

/// A stored row: id plus fields.
#[derive(Debug, Clone, Serialize)]
pub struct Item<T> {
    /// Row id.
    pub id: i64,
    /// The fields.
    #[serde(flatten)]
    pub config: T,
}

/// Answer to a create/update/delete: the new config revision and the row id.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Changed {
    /// Config revision after the change.
    pub revision: i64,
    /// Row id.
    pub id: i64,
}

fn parse_enum<T>(field: &str, v: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, WebError> {
    f(v).ok_or_else(|| WebError::invalid(field, format!("unknown value `{v}`")))
}

/// (id, level) pair: a skill with a level, or a member with a penalty.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Level {
    /// Skill or agent id.
    pub id: i64,
    /// Level, proficiency or penalty, 0–100.
    pub level: u8,
}

fn levels(v: &[(i64, u8)]) -> Vec<Level> {
    v.iter().map(|&(id, level)| Level { id, level }).collect()
}
fn pairs(v: &[Level]) -> Vec<(i64, u8)> {
    v.iter().map(|l| (l.id, l.level)).collect()
}

/// A skill.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SkillDto {
    /// Unique name.
    pub name: String,
}

/// An agent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgentDto {
    /// Agent number, 2–8 digits.
    pub number: String,
    /// Shown name.
    pub name: String,
    /// User that logs in as this agent.
    #[serde(default)]
    pub user_id: Option<i64>,
    /// Skills with proficiency.
    #[serde(default)]
    pub skills: Vec<Level>,
}

/// A queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueDto {
    /// Unique name.
    pub name: String,
    /// Dialable number, 2–8 digits.
    #[serde(default)]
    pub number: Option<String>,
    /// Routing strategy (see `STRATEGIES`).
    pub strategy: String,
    /// Maximum callers waiting, 0 = unlimited.
    pub max_len: u32,
    /// Maximum wait, s.
    pub max_wait_s: u32,
    /// Service-level threshold T, s.
    pub service_level_s: u32,
    /// Short-abandon threshold, s.
    pub short_abandon_s: u32,
    /// Wrap-up time, s.
    pub wrapup_s: u32,
    /// Required skills with minimum level.
    #[serde(default)]
    pub skills: Vec<Level>,
    /// Member agents with penalty.
    #[serde(default)]
    pub members: Vec<Level>,
}

/// An extension. `sip_password` is never returned (write-only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExtensionDto {
    /// 2–8 digits.
    pub number: String,
    /// Shown name.
    pub name: String,
    /// `sip`, `echo` or `tone`.
    pub kind: String,
    /// SIP secret (write-only), required for `sip`.
    #[serde(default, skip_serializing)]
    pub sip_password: Option<String>,
    /// Digest algorithms of a `sip` account: `md5,sha-256` (default) or `md5` for phones
    /// that fail a SHA-256 challenge.
    #[serde(default)]
    pub digest_algorithms: Option<String>,
    /// Number sent on outside calls instead of the extension number (2–20 digits; a trunk
    /// with a fixed number still sends its own).
    #[serde(default)]
    pub outbound_caller_id: Option<String>,
    /// `allowed` (default) or `restricted`: the extension withholds its number on every
    /// call.
    #[serde(default)]
    pub presentation: Option<String>,
}

fn yes() -> bool {
    true
}

/// An E1 span.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SpanDto {
    /// Unique name.
    pub name: String,
    /// `pri`, `r2` or `cas`.
    pub signalling: String,
    /// `ccs` or `cas`.
    pub framing: String,
    /// CRC-4 on.
    pub crc4: bool,
    /// `network` or `user`.
    pub role: String,
    /// `euroisdn`, `qsig` or `none`.
    pub switchtype: String,
    /// `virt:<socket>` or `dahdi:<span>`.
    pub device: String,
    /// Clock source priority.
    pub timing_priority: u8,
    /// Calling numbers sent: `pass` (default), `prefix` or `fixed`.
    #[serde(default)]
    pub caller_id_mode: Option<String>,
    /// The prefix (1–16 digits) or fixed number (2–20 digits); empty with `pass`.
    #[serde(default)]
    pub caller_id_number: String,
    /// A restricted caller's number is still sent, flagged restricted (Q.931 octet 3a; the
    /// network withholds it). Default on.
    #[serde(default = "yes")]
    pub send_restricted: bool,
}

/// A SIP trunk. `password` is write-only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SipTrunkDto {
    /// Unique name.
    pub name: String,
    /// Provider host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `udp` or `tcp`.
    pub transport: String,
    /// Auth user.
    #[serde(default)]
    pub username: Option<String>,
    /// Auth secret (write-only).
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    /// Register to the provider.
    pub register: bool,
    /// Outbound proxy.
    #[serde(default)]
    pub outbound_proxy: Option<String>,
    /// Channel limit.
    pub max_channels: u32,
    /// In use.
    pub enabled: bool,
    /// Calling numbers sent: `pass` (default), `prefix` or `fixed`.
    #[serde(default)]
    pub caller_id_mode: Option<String>,
    /// The prefix (1–16 digits) or fixed number (2–20 digits); empty with `pass`.
    #[serde(default)]
    pub caller_id_number: String,
    /// The provider is trusted (RFC 3325): calls carry the caller's number in
    /// `P-Asserted-Identity`, also a restricted caller's (From anonymous, `Privacy: id`).
    /// Default off.
    #[serde(default)]
    pub send_pai: bool,
}

fn trunk_caller_id(
    field: &str,
    mode: Option<&str>,
    number: String,
    send_restricted: bool,
) -> Result<TrunkCallerId, WebError> {
    Ok(TrunkCallerId {
        mode: match mode {
            None => CallerIdMode::default(),
            Some(m) => parse_enum(field, m, CallerIdMode::parse)?,
        },
        number,
        send_restricted,
    })
}

/// A trunk group member.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrunkRefDto {
    /// `span` or `sip_trunk`.
    pub kind: String,
    /// Its id.
    pub id: i64,
}

/// A trunk group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrunkGroupDto {
    /// Unique name.
    pub name: String,
    /// Members in failover order.
    pub members: Vec<TrunkRefDto>,
}

/// Where a dial rule sends calls: `kind` is `extension`, `trunk_group`, `queue` (with `id`)
/// or `ivr` (with `name`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DialTargetDto {
    /// Kind.
    pub kind: String,
    /// Row id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// IVR flow name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A dial-plan rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DialRuleDto {
    /// Lower runs first.
    pub priority: i32,
    /// Pattern.
    pub pattern: String,
    /// Digits to strip.
    pub strip: u8,
    /// Digits to prepend.
    #[serde(default)]
    pub prepend: String,
    /// International/premium allowed.
    #[serde(default)]
    pub allow_toll: bool,
    /// Target.
    pub target: DialTargetDto,
}

/// A user as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// `admin`, `supervisor` or `agent`.
    pub role: String,
    /// Must change the password at next login.
    pub must_change_password: bool,
    /// `en` or `zh`.
    pub language: String,
}

/// A new user (must change the password at first login).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUserDto {
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Password, 8–128 characters.
    pub password: String,
    /// `en` or `zh`.
    #[serde(default = "default_lang")]
    pub language: String,
}

fn default_lang() -> String {
    "en".into()
}

/// Changes to a user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UpdateUserDto {
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// `en` or `zh`.
    pub language: String,
}

/// A config DTO and its mapping to store commands.
pub trait Resource: Sized + Serialize + DeserializeOwned + Send + 'static {
    /// Store configuration type.
    type Config;
    /// Reads all rows.
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError>;
    /// Checks and converts the DTO.
    fn into_config(self) -> Result<Self::Config, WebError>;
    /// Create command.
    fn create(c: Self::Config) -> Command;
    /// Update command.
    fn update(id: i64, c: Self::Config) -> Command;
    /// Delete command.
    fn delete(id: i64) -> Command;
}

fn items<C, D>(v: Vec<store::config::Stored<C>>, f: impl Fn(C) -> D) -> Vec<Item<D>> {
    v.into_iter()
        .map(|s| Item {
            id: s.id,
            config: f(s.config),
        })
        .collect()
}

impl Resource for SkillDto {
    type Config = SkillConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.skills()?, |c| Self { name: c.name }))
    }
    fn into_config(self) -> Result<SkillConfig, WebError> {
        Ok(SkillConfig { name: self.name })
    }
    fn create(c: SkillConfig) -> Command {
        Command::CreateSkill(c)
    }
    fn update(id: i64, config: SkillConfig) -> Command {
        Command::UpdateSkill { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteSkill { id }
    }
}

impl Resource for AgentDto {
    type Config = AgentConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.agents()?, |c| Self {
            skills: levels(&c.skills),
            number: c.number,
            name: c.name,
            user_id: c.user_id,
        }))
    }
    fn into_config(self) -> Result<AgentConfig, WebError> {
        Ok(AgentConfig {
            skills: pairs(&self.skills),
            number: self.number,
            name: self.name,
            user_id: self.user_id,
        })
    }
    fn create(c: AgentConfig) -> Command {
        Command::CreateAgent(c)
    }
    fn update(id: i64, config: AgentConfig) -> Command {
        Command::UpdateAgent { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteAgent { id }
    }
}

impl Resource for QueueDto {
    type Config = QueueConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.queues()?, |c| Self {
            skills: levels(&c.skills),
            members: levels(&c.members),
            name: c.name,
            number: c.number,
            strategy: c.strategy.as_str().into(),
            max_len: c.max_len,
            max_wait_s: c.max_wait_s,
            service_level_s: c.service_level_s,
            short_abandon_s: c.short_abandon_s,
            wrapup_s: c.wrapup_s,
        }))
    }
    fn into_config(self) -> Result<QueueConfig, WebError> {
        Ok(QueueConfig {
            strategy: parse_enum("queue.strategy", &self.strategy, Strategy::parse)?,
            skills: pairs(&self.skills),
            members: pairs(&self.members),
            name: self.name,
            number: self.number,
            max_len: self.max_len,
            max_wait_s: self.max_wait_s,
            service_level_s: self.service_level_s,
            short_abandon_s: self.short_abandon_s,
            wrapup_s: self.wrapup_s,
        })
    }
    fn create(c: QueueConfig) -> Command {
        Command::CreateQueue(c)
    }
    fn update(id: i64, config: QueueConfig) -> Command {
        Command::UpdateQueue { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteQueue { id }
    }
}

impl Resource for ExtensionDto {
    type Config = ExtensionConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.extensions()?, |c| Self {
            number: c.number,
            name: c.name,
            kind: c.kind.as_str().into(),
            sip_password: None,
            digest_algorithms: Some(c.digest_algorithms.as_str().into()),
            outbound_caller_id: c.caller_id.number,
            presentation: Some(c.caller_id.presentation.as_str().into()),
        }))
    }
    fn into_config(self) -> Result<ExtensionConfig, WebError> {
        Ok(ExtensionConfig {
            kind: parse_enum("extension.kind", &self.kind, ExtensionKind::parse)?,
            number: self.number,
            name: self.name,
            sip_password: self.sip_password,
            digest_algorithms: match self.digest_algorithms.as_deref() {
                None => DigestAlgorithms::default(),
                Some(a) => parse_enum("extension.digest_algorithms", a, DigestAlgorithms::parse)?,
            },
            caller_id: ExtensionCallerId {
                number: self.outbound_caller_id,
                presentation: match self.presentation.as_deref() {
                    None => Presentation::default(),
                    Some(p) => parse_enum("extension.presentation", p, Presentation::parse)?,
                },
            },
        })
    }
    fn create(c: ExtensionConfig) -> Command {
        Command::CreateExtension(c)
    }
    fn update(id: i64, config: ExtensionConfig) -> Command {
        Command::UpdateExtension { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteExtension { id }
    }
}

impl Resource for SpanDto {
    type Config = SpanConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.spans()?, |c| Self {
            name: c.name,
            signalling: c.signalling.as_str().into(),
            framing: c.framing.as_str().into(),
            crc4: c.crc4,
            role: c.role.as_str().into(),
            switchtype: c.switchtype.as_str().into(),
            device: c.device,
            timing_priority: c.timing_priority,
            caller_id_mode: Some(c.caller_id.mode.as_str().into()),
            caller_id_number: c.caller_id.number,
            send_restricted: c.caller_id.send_restricted,
        }))
    }
    fn into_config(self) -> Result<SpanConfig, WebError> {
        Ok(SpanConfig {
            signalling: parse_enum("span.signalling", &self.signalling, Signalling::parse)?,
            framing: parse_enum("span.framing", &self.framing, Framing::parse)?,
            role: parse_enum("span.role", &self.role, SpanRole::parse)?,
            switchtype: parse_enum("span.switchtype", &self.switchtype, SwitchType::parse)?,
            name: self.name,
            crc4: self.crc4,
            caller_id: trunk_caller_id(
                "span.caller_id_mode",
                self.caller_id_mode.as_deref(),
                self.caller_id_number,
                self.send_restricted,
            )?,
            device: self.device,
            timing_priority: self.timing_priority,
        })
    }
    fn create(c: SpanConfig) -> Command {
        Command::CreateSpan(c)
    }
    fn update(id: i64, config: SpanConfig) -> Command {
        Command::UpdateSpan { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteSpan { id }
    }
}

impl Resource for SipTrunkDto {
    type Config = SipTrunkConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.sip_trunks()?, |c| Self {
            name: c.name,
            host: c.host,
            port: c.port,
            transport: c.transport.as_str().into(),
            username: c.username,
            password: None,
            register: c.register,
            outbound_proxy: c.outbound_proxy,
            max_channels: c.max_channels,
            enabled: c.enabled,
            caller_id_mode: Some(c.caller_id.mode.as_str().into()),
            caller_id_number: c.caller_id.number,
            send_pai: c.caller_id.send_restricted,
        }))
    }
    fn into_config(self) -> Result<SipTrunkConfig, WebError> {
        Ok(SipTrunkConfig {
            transport: parse_enum("sip_trunk.transport", &self.transport, Transport::parse)?,
            name: self.name,
            host: self.host,
            port: self.port,
            username: self.username,
            password: self.password,
            register: self.register,
            outbound_proxy: self.outbound_proxy,
            caller_id: trunk_caller_id(
                "sip_trunk.caller_id_mode",
                self.caller_id_mode.as_deref(),
                self.caller_id_number,
                self.send_pai,
            )?,
            max_channels: self.max_channels,
            enabled: self.enabled,
        })
    }
    fn create(c: SipTrunkConfig) -> Command {
        Command::CreateSipTrunk(c)
    }
    fn update(id: i64, config: SipTrunkConfig) -> Command {
        Command::UpdateSipTrunk { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteSipTrunk { id }
    }
}

impl Resource for TrunkGroupDto {
    type Config = TrunkGroupConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.trunk_groups()?, |c| Self {
            name: c.name,
            members: c
                .members
                .iter()
                .map(|m| match *m {
                    TrunkRef::Span(id) => TrunkRefDto {
                        kind: "span".into(),
                        id,
                    },
                    TrunkRef::SipTrunk(id) => TrunkRefDto {
                        kind: "sip_trunk".into(),
                        id,
                    },
                })
                .collect(),
        }))
    }
    fn into_config(self) -> Result<TrunkGroupConfig, WebError> {
        let members = self
            .members
            .iter()
            .map(|m| match m.kind.as_str() {
                "span" => Ok(TrunkRef::Span(m.id)),
                "sip_trunk" => Ok(TrunkRef::SipTrunk(m.id)),
                other => Err(WebError::invalid(
                    "trunk_group.members.kind",
                    format!("unknown value `{other}`"),
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(TrunkGroupConfig {
            name: self.name,
            members,
        })
    }
    fn create(c: TrunkGroupConfig) -> Command {
        Command::CreateTrunkGroup(c)
    }
    fn update(id: i64, config: TrunkGroupConfig) -> Command {
        Command::UpdateTrunkGroup { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteTrunkGroup { id }
    }
}

impl Resource for DialRuleDto {
    type Config = DialRuleConfig;
    fn list(s: &Store) -> Result<Vec<Item<Self>>, StoreError> {
        Ok(items(s.dial_rules()?, |c| {
            let (kind, id, name) = match c.target {
                DialTarget::Extension(i) => ("extension", Some(i), None),
                DialTarget::TrunkGroup(i) => ("trunk_group", Some(i), None),
                DialTarget::Queue(i) => ("queue", Some(i), None),
                DialTarget::Ivr(n) => ("ivr", None, Some(n)),
            };
            Self {
                priority: c.priority,
                pattern: c.pattern,
                strip: c.strip,
                prepend: c.prepend,
                allow_toll: c.allow_toll,
                target: DialTargetDto {
                    kind: kind.into(),
                    id,
                    name,
                },
            }
        }))
    }
    fn into_config(self) -> Result<DialRuleConfig, WebError> {
        let t = &self.target;
        let need_id = || {
            t.id.ok_or_else(|| WebError::invalid("dial_rule.target.id", "required for this kind"))
        };
        let target = match t.kind.as_str() {
            "extension" => DialTarget::Extension(need_id()?),
            "trunk_group" => DialTarget::TrunkGroup(need_id()?),
            "queue" => DialTarget::Queue(need_id()?),
            "ivr" => DialTarget::Ivr(t.name.clone().ok_or_else(|| {
                WebError::invalid("dial_rule.target.name", "required for kind ivr")
            })?),
            other => {
                return Err(WebError::invalid(
                    "dial_rule.target.kind",
                    format!("unknown value `{other}`"),
                ));
            }
        };
        Ok(DialRuleConfig {
            priority: self.priority,
            pattern: self.pattern,
            strip: self.strip,
            prepend: self.prepend,
            allow_toll: self.allow_toll,
            target,
        })
    }
    fn create(c: DialRuleConfig) -> Command {
        Command::CreateDialRule(c)
    }
    fn update(id: i64, config: DialRuleConfig) -> Command {
        Command::UpdateDialRule { id, config }
    }
    fn delete(id: i64) -> Command {
        Command::DeleteDialRule { id }
    }
}

/// Agents as listed (also used by the HTML list page).
///
/// # Errors
/// Store errors.
pub fn list_agents(s: &mut Store) -> Result<Vec<Item<AgentDto>>, StoreError> {
    AgentDto::list(s)
}
/// Extensions as listed.
///
/// # Errors
/// Store errors.
pub fn list_extensions(s: &mut Store) -> Result<Vec<Item<ExtensionDto>>, StoreError> {
    ExtensionDto::list(s)
}
/// Spans as listed.
///
/// # Errors
/// Store errors.
pub fn list_spans(s: &mut Store) -> Result<Vec<Item<SpanDto>>, StoreError> {
    SpanDto::list(s)
}
/// SIP trunks as listed.
///
/// # Errors
/// Store errors.
pub fn list_sip_trunks(s: &mut Store) -> Result<Vec<Item<SipTrunkDto>>, StoreError> {
    SipTrunkDto::list(s)
}
/// Trunk groups as listed.
///
/// # Errors
/// Store errors.
pub fn list_trunk_groups(s: &mut Store) -> Result<Vec<Item<TrunkGroupDto>>, StoreError> {
    TrunkGroupDto::list(s)
}
/// Dial rules as listed.
///
/// # Errors
/// Store errors.
pub fn list_dial_rules(s: &mut Store) -> Result<Vec<Item<DialRuleDto>>, StoreError> {
    DialRuleDto::list(s)
}

/// The last `n` entries of the audit log, oldest first.
///
/// # Errors
/// Store errors.
pub fn recent_changes(s: &mut Store, n: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rev = s.config_revision()?;
    s.changes_since((rev - n).max(0))
}

async fn list_h<R: Resource>(st: &WebState) -> Result<Json<Vec<Item<R>>>, WebError> {
    Ok(Json(st.db(|s| R::list(s)).await?))
}

async fn create_h<R: Resource>(
    st: &WebState,
    caller: &Caller,
    dto: R,
) -> Result<(StatusCode, Json<Changed>), WebError> {
    let c = run_command(st, caller, R::create(dto.into_config()?)).await?;
    Ok((
        StatusCode::CREATED,
        Json(Changed {
            revision: c.revision,
            id: c.id,
        }),
    ))
}

async fn update_h<R: Resource>(
    st: &WebState,
    caller: &Caller,
    id: i64,
    dto: R,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(st, caller, R::update(id, dto.into_config()?)).await?;
    Ok(Json(Changed {
        revision: c.revision,
        id: c.id,
    }))
}

async fn delete_h<R: Resource>(
    st: &WebState,
    caller: &Caller,
    id: i64,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(st, caller, R::delete(id)).await?;
    Ok(Json(Changed {
        revision: c.revision,
        id: c.id,
    }))
}

macro_rules! resource {
    ($m:ident, $dto:ident, $item:ident, $path:literal, $idpath:literal, $tag:literal) => {
        /// A stored row: id plus fields.
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct $item {
            /// Row id.
            pub id: i64,
            /// The fields.
            #[serde(flatten)]
            pub config: $dto,
        }
        /// Handlers of one resource.
        pub mod $m {
            use super::*;
            /// List.
            #[utoipa::path(get, path = $path, tag = $tag,
                responses((status = 200, body = Vec<$item>), (status = 403, body = WebError)))]
            pub async fn list(State(st): State<WebState>) -> Result<Json<Vec<$item>>, WebError> {
                let Json(v) = list_h::<$dto>(&st).await?;
                Ok(Json(v.into_iter().map(|i| $item { id: i.id, config: i.config }).collect()))
            }
            /// Create.
            #[utoipa::path(post, path = $path, tag = $tag, request_body = $dto,
                params(("x-csrf-token" = String, Header, description = "CSRF token from /api/v1/me")),
                responses((status = 201, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
            pub async fn create(State(st): State<WebState>, caller: Caller, Body(dto): Body<$dto>) -> Result<(StatusCode, Json<Changed>), WebError> {
                create_h::<$dto>(&st, &caller, dto).await
            }
            /// Replace.
            #[utoipa::path(put, path = $idpath, tag = $tag, request_body = $dto,
                params(("id" = i64, Path, description = "Row id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
                responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError), (status = 403, body = WebError)))]
            pub async fn update(State(st): State<WebState>, caller: Caller, Path(id): Path<i64>, Body(dto): Body<$dto>) -> Result<Json<Changed>, WebError> {
                update_h::<$dto>(&st, &caller, id, dto).await
            }
            /// Delete.
            #[utoipa::path(delete, path = $idpath, tag = $tag,
                params(("id" = i64, Path, description = "Row id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
                responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError), (status = 403, body = WebError)))]
            pub async fn delete(State(st): State<WebState>, caller: Caller, Path(id): Path<i64>) -> Result<Json<Changed>, WebError> {
                delete_h::<$dto>(&st, &caller, id).await
            }
            pub(crate) fn routes() -> Router<WebState> {
                Router::new()
                    .route($path, get(list).post(create))
                    .route($idpath, put(update).delete(delete))
            }
        }
    };
}

resource!(
    skills,
    SkillDto,
    SkillItem,
    "/api/v1/skills",
    "/api/v1/skills/{id}",
    "acd"
);
resource!(
    agents,
    AgentDto,
    AgentItem,
    "/api/v1/agents",
    "/api/v1/agents/{id}",
    "acd"
);
resource!(
    queues,
    QueueDto,
    QueueItem,
    "/api/v1/queues",
    "/api/v1/queues/{id}",
    "acd"
);
resource!(
    extensions,
    ExtensionDto,
    ExtensionItem,
    "/api/v1/extensions",
    "/api/v1/extensions/{id}",
    "telephony"
);
resource!(
    spans,
    SpanDto,
    SpanItem,
    "/api/v1/spans",
    "/api/v1/spans/{id}",
    "telephony"
);
resource!(
    sip_trunks,
    SipTrunkDto,
    SipTrunkItem,
    "/api/v1/sip-trunks",
    "/api/v1/sip-trunks/{id}",
    "telephony"
);
resource!(
    trunk_groups,
    TrunkGroupDto,
    TrunkGroupItem,
    "/api/v1/trunk-groups",
    "/api/v1/trunk-groups/{id}",
    "telephony"
);
resource!(
    dial_rules,
    DialRuleDto,
    DialRuleItem,
    "/api/v1/dial-rules",
    "/api/v1/dial-rules/{id}",
    "telephony"
);

// ------------------------------------------------------------------------- users

fn user_dto(u: store::config::UserInfo) -> UserDto {
    UserDto {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: u.role.as_str().into(),
        must_change_password: u.must_change_password,
        language: u.language.as_str().into(),
    }
}

/// List users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserDto>), (status = 403, body = WebError)))]
pub async fn users_list(State(st): State<WebState>) -> Result<Json<Vec<UserDto>>, WebError> {
    let u = st.db(|s| s.users()).await?;
    Ok(Json(u.into_iter().map(user_dto).collect()))
}

/// Create a user; the password must be changed at first login.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserDto,
    responses((status = 201, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn users_create(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<NewUserDto>,
) -> Result<(StatusCode, Json<Changed>), WebError> {
    let cmd = Command::CreateUser(NewUser {
        role: parse_enum("user.role", &d.role, Role::parse)?,
        language: parse_enum("user.language", &d.language, Language::parse)?,
        username: d.username,
        display_name: d.display_name,
        password: d.password,
        must_change_password: true,
    });
    let c = run_command(&st, &caller, cmd).await?;
    Ok((
        StatusCode::CREATED,
        Json(Changed {
            revision: c.revision,
            id: c.id,
        }),
    ))
}

/// Change a user's name, role and language (their sessions end).
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", request_body = UpdateUserDto,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn users_update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<UpdateUserDto>,
) -> Result<Json<Changed>, WebError> {
    let cmd = Command::UpdateUser {
        id,
        display_name: d.display_name,
        role: parse_enum("user.role", &d.role, Role::parse)?,
        language: parse_enum("user.language", &d.language, Language::parse)?,
    };
    let c = run_command(&st, &caller, cmd).await?;
    st.sessions().remove_user(id, caller.sid.as_deref());
    Ok(Json(Changed {
        revision: c.revision,
        id: c.id,
    }))
}

/// Delete a user (not the last admin); their sessions end.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn users_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(&st, &caller, Command::DeleteUser { id }).await?;
    st.sessions().remove_user(id, None);
    Ok(Json(Changed {
        revision: c.revision,
        id: c.id,
    }))
}

// ------------------------------------------------------------------------- session

/// A CSRF token for the login request (also set as the `wa_pre` cookie).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CsrfToken {
    /// Send it back in the `x-csrf-token` header.
    pub csrf: String,
}

/// Get a pre-login CSRF token (double submit: cookie + header).
#[utoipa::path(get, path = "/api/v1/csrf", tag = "session", responses((status = 200, body = CsrfToken)))]
pub async fn csrf(State(st): State<WebState>) -> Response {
    let t = crate::auth::random_token();
    let mut r = Json(CsrfToken { csrf: t.clone() }).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, st.cookie(PRE_COOKIE, &t, None));
    r
}

/// Login request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LoginDto {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The logged-in user and the session's CSRF token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: String,
    /// `en` or `zh`.
    pub language: String,
    /// The password must be changed before anything else.
    pub must_change_password: bool,
    /// Send in `x-csrf-token` on every POST, PUT, DELETE.
    pub csrf: String,
}

fn me_of(s: &crate::Session) -> Me {
    Me {
        id: s.user_id,
        username: s.username.clone(),
        role: s.role.as_str().into(),
        language: s.language.as_str().into(),
        must_change_password: s.must_change_password,
        csrf: s.csrf.clone(),
    }
}

/// Log in (sets the session cookie). 401 on wrong credentials, 429 when locked out.
#[utoipa::path(post, path = "/api/v1/login", tag = "session", request_body = LoginDto,
    params(("x-csrf-token" = String, Header, description = "token from /api/v1/csrf")),
    responses((status = 200, body = Me), (status = 401, body = WebError), (status = 429, body = WebError)))]
pub async fn login(
    State(st): State<WebState>,
    peer: Peer,
    Body(d): Body<LoginDto>,
) -> Result<Response, WebError> {
    match do_login(&st, peer, d.username, d.password).await? {
        LoginOutcome::Ok(sid, s) => {
            let mut r = Json(me_of(&s)).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, st.cookie(SESSION_COOKIE, &sid, None));
            Ok(r)
        }
        LoginOutcome::Failed => Err(WebError::new(
            StatusCode::UNAUTHORIZED,
            "wrong user name or password",
        )),
        LoginOutcome::Locked => Err(WebError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed logins; locked for a while",
        )),
    }
}

/// Log out.
#[utoipa::path(post, path = "/api/v1/logout", tag = "session", responses((status = 204)))]
pub async fn logout(State(st): State<WebState>, caller: Caller) -> Response {
    if let Some(sid) = &caller.sid {
        st.sessions().remove(sid);
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, st.cookie(SESSION_COOKIE, "", Some(0)));
    r
}

/// Who am I (and my CSRF token).
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = Me), (status = 401, body = WebError)))]
pub async fn me(caller: Caller) -> Result<Json<Me>, WebError> {
    caller
        .session
        .as_ref()
        .map(|s| Json(me_of(s)))
        .ok_or_else(WebError::forbidden)
}

/// Change my password (clears the forced change at first login).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = PasswordForm,
    responses((status = 204), (status = 422, body = WebError)))]
pub async fn me_password(
    State(st): State<WebState>,
    caller: Caller,
    Body(f): Body<PasswordForm>,
) -> Result<StatusCode, WebError> {
    change_password(&st, &caller, f).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------- audit, live

/// One audit-log row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditDto {
    /// Config revision.
    pub revision: i64,
    /// When, µs since the epoch.
    pub ts_us: i64,
    /// Who (`web:<user>`, `console`, `system:demo`…).
    pub actor: String,
    /// Entity kind.
    pub entity: String,
    /// Row id.
    pub id: i64,
    /// `create`, `update` or `delete`.
    pub op: String,
}

/// Audit query.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only changes after this revision (default: the last 500).
    pub since: Option<i64>,
}

/// The audit log: every configuration change, who and when.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditDto>)))]
pub async fn audit(
    State(st): State<WebState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditDto>>, WebError> {
    let e = st
        .db(move |s| match q.since {
            Some(r) => s.changes_since(r),
            None => recent_changes(s, 500),
        })
        .await?;
    Ok(Json(
        e.into_iter()
            .map(|e| AuditDto {
                revision: e.change.revision,
                ts_us: e.ts.0,
                actor: e.actor,
                entity: e.change.entity.as_str().into(),
                id: e.change.id,
                op: e.change.op.as_str().into(),
            })
            .collect(),
    ))
}

/// The OpenAPI document of this API.
#[derive(OpenApi, Debug)]
#[openapi(
    info(
        title = "Call-center appliance API",
        description = "REST API of the web panel. Session cookie auth; send the CSRF token from /api/v1/me in x-csrf-token on every POST, PUT, DELETE."
    ),
    paths(
        csrf,
        login,
        logout,
        me,
        me_password,
        users_list,
        users_create,
        users_update,
        users_delete,
        skills::list,
        skills::create,
        skills::update,
        skills::delete,
        agents::list,
        agents::create,
        agents::update,
        agents::delete,
        queues::list,
        queues::create,
        queues::update,
        queues::delete,
        extensions::list,
        extensions::create,
        extensions::update,
        extensions::delete,
        spans::list,
        spans::create,
        spans::update,
        spans::delete,
        sip_trunks::list,
        sip_trunks::create,
        sip_trunks::update,
        sip_trunks::delete,
        trunk_groups::list,
        trunk_groups::create,
        trunk_groups::update,
        trunk_groups::delete,
        dial_rules::list,
        dial_rules::create,
        dial_rules::update,
        dial_rules::delete,
        audit,
        crate::reports::api_queues,
        crate::reports::api_agents,
        crate::reports::api_erlang,
        crate::wallboard::api_live,
        crate::desk::customer,
        crate::desk::lookup,
        crate::desk::ticket_create,
        crate::desk::ticket_update,
        crate::desk::callbacks,
        crate::desk::callback_create,
        crate::desk::callback_close,
        crate::desk::kb_search,
        crate::hours::api_language,
        crate::hours::list,
        crate::hours::create,
        crate::hours::update,
        crate::hours::delete,
        crate::hours::open,
        crate::recordings::api_search,
        crate::recordings::audio,
        crate::recordings::forms,
        crate::recordings::form_create,
        crate::recordings::score,
        crate::recordings::scores,
        crate::kb::list,
        crate::kb::get_one,
        crate::kb::create,
        crate::kb::update,
        crate::kb::delete,
        crate::kb::categories,
        crate::kb::category_create,
        crate::kb::category_delete,
        crate::ivr_flows::list,
        crate::ivr_flows::validate,
        crate::ivr_flows::save,
        crate::ivr_flows::activate,
        crate::system::network_get,
        crate::system::network_put,
        crate::system::time_get,
        crate::system::time_put,
        crate::system::backup,
        crate::system::restore,
        crate::system::firmware,
        crate::system::logs,
        crate::supervise::force_state,
        crate::supervise::monitor,
        crate::ports::list,
        crate::ports::create,
        crate::ports::update,
        crate::ports::delete,
        crate::numbers::api,
        crate::numbers::list,
        crate::numbers::create,
        crate::numbers::update,
        crate::numbers::delete,
        crate::settings::policy_get,
        crate::settings::policy_put,
        crate::settings::voicemail_get,
        crate::settings::voicemail_put,
        crate::settings::announcements_list,
        crate::settings::announcements_put,
        crate::settings::announcements_delete,
        crate::settings::chat_get,
        crate::settings::chat_put,
        crate::billing::queue_calendar,
        crate::billing::queue_calendar_set,
        crate::billing::accounts,
        crate::billing::account_create,
        crate::billing::account_update,
        crate::billing::bills,
        crate::billing::bill_create,
        crate::billing::bill_update,
        crate::billing::appointments,
        crate::billing::appointment_create,
        crate::billing::appointment_update,
    ),
    components(schemas(WebError, Level))
)]
pub struct ApiDoc;

/// The OpenAPI document as pretty JSON (what `web-admin/openapi.json` holds).
///
/// # Panics
/// Never in practice (serialising a built document).
#[must_use]
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .expect("openapi serialises");
    s.push('\n');
    s
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

pub(crate) fn routes() -> Router<WebState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/csrf", get(csrf))
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(me_password))
        .route("/api/v1/users", get(users_list).post(users_create))
        .route("/api/v1/users/{id}", put(users_update).delete(users_delete))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/reports/queues", get(crate::reports::api_queues))
        .route("/api/v1/reports/agents", get(crate::reports::api_agents))
        .route("/api/v1/erlang", get(crate::reports::api_erlang))
        .route("/api/v1/live", get(crate::wallboard::api_live))
        .merge(skills::routes())
        .merge(agents::routes())
        .merge(queues::routes())
        .merge(extensions::routes())
        .merge(spans::routes())
        .merge(sip_trunks::routes())
        .merge(trunk_groups::routes())
        .merge(dial_rules::routes())
}
