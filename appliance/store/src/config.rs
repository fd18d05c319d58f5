//! Configuration: typed entities changed only through validated [`Command`]s.
//!
//! [`Store::execute`] validates a command against the current configuration inside one
//! immediate transaction, writes it, bumps the config revision and records the change, then
//! commits. On any error nothing is written and the revision does not move. The admin panel,
//! the console and the REST API all call this one entry point (ARCHITECTURE rule 6).
//!
//! Live apply: every successful command returns a [`Change`] (new revision, entity, id,
//! operation). A process or thread that did not make the change (the daemon, when the web
//! panel wrote) polls [`Store::config_revision`] (the daemon's `cfgwatch`, every 2 s) and
//! reads [`Store::changes_since`] to learn what to reload.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::{Store, Timestamp};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// Stable text form, as stored.
            #[must_use]
            pub const fn as_str(self) -> &'static str { match self { $(Self::$v => $s),+ } }
            /// Parses the stored text form.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some(Self::$v),)+ _ => None } }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// Line signalling of a span.
    Signalling { /** ISDN PRI (Q.921/Q.931) on timeslot 16. */ Pri = "pri", /** MFC/R2. */ R2 = "r2", /** Plain CAS. */ Cas = "cas" }
);
text_enum!(
    /// E1 framing: common-channel (TS16 carries a D-channel) or channel-associated signalling.
    Framing { /** CCS. */ Ccs = "ccs", /** CAS multiframe. */ Cas = "cas" }
);
text_enum!(
    /// Which side of the line the span plays.
    SpanRole { /** Network side (NT), e.g. towards a PBX. */ Network = "network", /** User side (TE), towards the carrier. */ User = "user" }
);
text_enum!(
    /// ISDN variant of a PRI span.
    SwitchType { /** ETSI EuroISDN. */ EuroIsdn = "euroisdn", /** QSIG. */ Qsig = "qsig", /** No ISDN (R2, CAS). */ None = "none" }
);
text_enum!(
    /// SIP transport.
    Transport { /** UDP. */ Udp = "udp", /** TCP. */ Tcp = "tcp" }
);
text_enum!(
    /// What an extension number reaches.
    ExtensionKind { /** A SIP phone account. */ Sip = "sip", /** Echo test: audio and digits come back. */ EchoTest = "echo", /** 1 kHz test tone. */ TestTone = "tone" }
);
text_enum!(
    /// Digest algorithms a SIP extension is challenged with (RFC 8760 §2.4). Phones that
    /// drop a whole 401 naming SHA-256 (baresip 1.0, sipp 3.6) need [`Self::Md5`].
    #[derive(Default)]
    DigestAlgorithms { /** MD5 alone. */ Md5 = "md5", /** MD5 and SHA-256 (the default). */ #[default] Md5Sha256 = "md5,sha-256" }
);
text_enum!(
    /// Role of a user; checked server-side on every route.
    Role { /** Everything. */ Admin = "admin", /** Queues, agents, reports, live monitoring. */ Supervisor = "supervisor", /** The agent desktop. */ Agent = "agent" }
);
text_enum!(
    /// UI language of a user.
    Language { /** English. */ En = "en", /** Simplified Chinese. */ Zh = "zh" }
);
text_enum!(
    /// ACD routing strategy (issue 6 implements them).
    Strategy {
        /** Ring every free agent. */ RingAll = "ring_all",
        /** Agent idle the longest. */ LongestIdle = "longest_idle",
        /** Agent idle the shortest. */ LeastIdle = "least_idle",
        /** Round robin with memory. */ RoundRobin = "round_robin",
        /** Fewest calls taken. */ FewestCalls = "fewest_calls",
        /** Least talk time. */ LeastTalkTime = "least_talk_time",
        /** Linear / top-down. */ Linear = "linear",
        /** Random. */ Random = "random",
        /** Weighted random. */ WeightedRandom = "weighted_random",
        /** Ring progressively. */ RingProgressive = "ring_progressive",
        /** Skills-based best match with widening. */ SkillsBestMatch = "skills_best_match",
    }
);

text_enum!(
    /// How a trunk rewrites the calling number it sends (docs/dialplan.md, caller ID).
    #[derive(Default)]
    CallerIdMode {
        /** The caller's number unchanged. */ #[default] Pass = "pass",
        /** Digits in front of the caller's number (1001 → 5551001). */ Prefix = "prefix",
        /** Always one number (the company's main number). */ Fixed = "fixed",
    }
);
text_enum!(
    /// Whether an extension's number is shown to the called party by default.
    #[derive(Default)]
    Presentation {
        /** Shown. */ #[default] Allowed = "allowed",
        /** Withheld (CLIR): the callee sees "anonymous". */ Restricted = "restricted",
    }
);

/// The caller-ID rule of a trunk (span or SIP trunk).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrunkCallerId {
    /// Rewriting.
    pub mode: CallerIdMode,
    /// The prefix (1–16 digits) or the fixed number (2–20 digits); empty with
    /// [`CallerIdMode::Pass`].
    pub number: String,
    /// Send a restricted caller's number anyway, flagged restricted: on E1/PRI in the
    /// calling party number's octet 3a (Q.931 §4.5.10; the network withholds it), on a SIP
    /// trunk in `P-Asserted-Identity` with `Privacy: id` (RFC 3325 §9.1: only towards a
    /// trusted provider; it then also carries every other caller's number). Off: a
    /// restricted caller goes out with no number (SIP: `anonymous`, RFC 3323).
    pub send_restricted: bool,
}

/// An extension's caller-ID settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionCallerId {
    /// The number sent on outside calls instead of the extension number (2–20 digits), e.g.
    /// its own DID. A trunk with a fixed number still sends its fixed number.
    pub number: Option<String>,
    /// Presentation of its calls unless the phone asks to withhold the number itself.
    pub presentation: Presentation,
}

/// An E1 span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanConfig {
    /// Unique name, e.g. `span1`.
    pub name: String,
    /// Signalling.
    pub signalling: Signalling,
    /// Framing; PRI needs CCS, R2 and CAS need CAS.
    pub framing: Framing,
    /// CRC-4 multiframe on.
    pub crc4: bool,
    /// NT or TE.
    pub role: SpanRole,
    /// ISDN variant; `None` exactly when not PRI.
    pub switchtype: SwitchType,
    /// Backend: `virt:<socket path>` or `dahdi:<span number>`.
    pub device: String,
    /// Clock source priority, 0 = never take clock from this span, 1 = first choice.
    pub timing_priority: u8,
    /// Calling numbers sent on this span.
    pub caller_id: TrunkCallerId,
}

/// A SIP trunk to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipTrunkConfig {
    /// Unique name.
    pub name: String,
    /// Provider host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport.
    pub transport: Transport,
    /// Authentication user.
    pub username: Option<String>,
    /// Authentication secret (kept in clear: digest needs it).
    pub password: Option<String>,
    /// Register to the provider.
    pub register: bool,
    /// Outbound proxy host.
    pub outbound_proxy: Option<String>,
    /// Channel limit, 1–1000.
    pub max_channels: u32,
    /// In use.
    pub enabled: bool,
    /// Calling numbers sent to the provider (`send_restricted`: P-Asserted-Identity).
    pub caller_id: TrunkCallerId,
}

/// An extension number and what it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionConfig {
    /// 2–8 digits, unique across extensions, queue numbers and line port extensions.
    pub number: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: ExtensionKind,
    /// SIP digest secret, required for SIP accounts (8–64 characters), absent otherwise.
    pub sip_password: Option<String>,
    /// Digest algorithms the account is challenged with; only SIP accounts may change the
    /// default.
    pub digest_algorithms: DigestAlgorithms,
    /// Outbound caller ID and default presentation.
    pub caller_id: ExtensionCallerId,
}

/// One member of a trunk group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrunkRef {
    /// An E1 span (by id).
    Span(i64),
    /// A SIP trunk (by id).
    SipTrunk(i64),
}

/// Ordered trunks tried one after the other (failover).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkGroupConfig {
    /// Unique name.
    pub name: String,
    /// Members in failover order, 1–16, no repeats.
    pub members: Vec<TrunkRef>,
}

/// Where a dial rule sends a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialTarget {
    /// An extension (by id).
    Extension(i64),
    /// A trunk group (by id).
    TrunkGroup(i64),
    /// A queue (by id).
    Queue(i64),
    /// An IVR flow (by name; the active version answers).
    Ivr(String),
}

/// A dial-plan rule: numbers matching `pattern` go to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRuleConfig {
    /// Lower runs first.
    pub priority: i32,
    /// Pattern: digits, `*`, `#`, `X` (0-9), `Z` (1-9), `N` (2-9), `[1-5]` classes, and a
    /// final `.` (one or more more digits) or `!` (zero or more).
    pub pattern: String,
    /// Digits removed from the front before sending on.
    pub strip: u8,
    /// Digits added in front after stripping.
    pub prepend: String,
    /// International and premium prefixes allowed through this rule (toll-fraud guard).
    pub allow_toll: bool,
    /// Target.
    pub target: DialTarget,
}

/// Where a DID rule sends a call from outside. There is no trunk group here: calls from
/// outside never reach an outside line (toll-fraud rule 1, docs/dialplan.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DidTarget {
    /// An extension (by id).
    Extension(i64),
    /// A queue (by id).
    Queue(i64),
    /// An IVR flow (by name; the active version answers).
    Ivr(String),
    /// The extension (or port, queue) the rewritten number names (DID ranges).
    DialedExtension,
    /// Cleared with this Q.850 cause (1–127).
    Reject(u8),
}

/// A DID rule: called numbers from outside matching `pattern` go to `target`. The daemon
/// puts these after the literal extension, port and queue numbers (docs/dialplan.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidRuleConfig {
    /// Lower runs first.
    pub priority: i32,
    /// Pattern, as for dial rules ([`DialRuleConfig::pattern`]). A literal may not be an
    /// extension, port or queue number (those are reachable already and come first).
    pub pattern: String,
    /// Digits removed from the front (5551002, strip 3 → 1002).
    pub strip: u8,
    /// Digits added in front after stripping.
    pub prepend: String,
    /// Target.
    pub target: DidTarget,
}

/// A new user; the password is hashed with argon2id before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name: 1–32 of `a-z 0-9 . _ -`.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Clear-text password, 8–128 characters; only its hash is kept.
    pub password: String,
    /// Must be changed at next login.
    pub must_change_password: bool,
    /// UI language.
    pub language: Language,
}

/// An ACD queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// Unique name.
    pub name: String,
    /// Dialable number (2–8 digits), unique across queues, extensions and line port
    /// extensions.
    pub number: Option<String>,
    /// Routing strategy.
    pub strategy: Strategy,
    /// Maximum callers waiting, 0 = unlimited (up to 10 000).
    pub max_len: u32,
    /// Maximum wait before overflow, seconds (0 = none, up to 86 400).
    pub max_wait_s: u32,
    /// Service-level threshold T, 1–3600 s.
    pub service_level_s: u32,
    /// Short-abandon threshold Ts, 0–600 s.
    pub short_abandon_s: u32,
    /// Wrap-up (after-call work) time, 0–3600 s.
    pub wrapup_s: u32,
    /// Required skills: (skill id, minimum level 0–100).
    pub skills: Vec<(i64, u8)>,
    /// Members: (agent id, penalty/tier 0–100).
    pub members: Vec<(i64, u8)>,
}

/// A skill name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillConfig {
    /// Unique name.
    pub name: String,
}

/// An agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// Agent number (2–8 digits), also the name used in the event log.
    pub number: String,
    /// Shown name.
    pub name: String,
    /// The user that logs in as this agent.
    pub user_id: Option<i64>,
    /// Skills: (skill id, proficiency 0–100).
    pub skills: Vec<(i64, u8)>,
}

/// A stored row: id plus configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    /// Row id.
    pub id: i64,
    /// The configuration.
    pub config: T,
}

/// A user as read back (never the hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Must change the password at next login.
    pub must_change_password: bool,
    /// UI language.
    pub language: Language,
}

/// A stored IVR flow version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvrFlow {
    /// Row id.
    pub id: i64,
    /// Flow name.
    pub name: String,
    /// Version, 1, 2, … per name.
    pub version: i64,
    /// The flow as JSON text.
    pub flow: String,
    /// The version that answers calls.
    pub active: bool,
}

/// Every configuration change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Add a span.
    CreateSpan(SpanConfig),
    /// Replace a span's configuration.
    UpdateSpan {
        /// Span id.
        id: i64,
        /// New configuration.
        config: SpanConfig,
    },
    /// Remove a span (refused while a trunk group uses it).
    DeleteSpan {
        /// Span id.
        id: i64,
    },
    /// Add a SIP trunk.
    CreateSipTrunk(SipTrunkConfig),
    /// Replace a SIP trunk.
    UpdateSipTrunk {
        /// Trunk id.
        id: i64,
        /// New configuration.
        config: SipTrunkConfig,
    },
    /// Remove a SIP trunk (refused while a trunk group uses it).
    DeleteSipTrunk {
        /// Trunk id.
        id: i64,
    },
    /// Add an extension.
    CreateExtension(ExtensionConfig),
    /// Replace an extension.
    UpdateExtension {
        /// Extension id.
        id: i64,
        /// New configuration.
        config: ExtensionConfig,
    },
    /// Remove an extension (refused while a dial rule targets it).
    DeleteExtension {
        /// Extension id.
        id: i64,
    },
    /// Add an analog or sound-card line port ([`crate::lines`]).
    CreateLinePort(crate::lines::LinePortConfig),
    /// Replace a line port ([`crate::lines`]: the create rules, its own numbers excepted).
    UpdateLinePort {
        /// Line port id.
        id: i64,
        /// New configuration.
        config: crate::lines::LinePortConfig,
    },
    /// Remove a line port.
    DeleteLinePort {
        /// Line port id.
        id: i64,
    },
    /// Add a trunk group.
    CreateTrunkGroup(TrunkGroupConfig),
    /// Replace a trunk group and its members (a rename is refused while an FXO line port
    /// names the group: ports refer to it by name).
    UpdateTrunkGroup {
        /// Group id.
        id: i64,
        /// New configuration.
        config: TrunkGroupConfig,
    },
    /// Remove a trunk group (refused while a dial rule targets it or an FXO line port names
    /// it).
    DeleteTrunkGroup {
        /// Group id.
        id: i64,
    },
    /// Add a dial rule.
    CreateDialRule(DialRuleConfig),
    /// Replace a dial rule.
    UpdateDialRule {
        /// Rule id.
        id: i64,
        /// New configuration.
        config: DialRuleConfig,
    },
    /// Remove a dial rule.
    DeleteDialRule {
        /// Rule id.
        id: i64,
    },
    /// Add a DID rule.
    CreateDidRule(DidRuleConfig),
    /// Replace a DID rule.
    UpdateDidRule {
        /// Rule id.
        id: i64,
        /// New configuration.
        config: DidRuleConfig,
    },
    /// Remove a DID rule.
    DeleteDidRule {
        /// Rule id.
        id: i64,
    },
    /// Add a user.
    CreateUser(NewUser),
    /// Change a user's name, role, language.
    UpdateUser {
        /// User id.
        id: i64,
        /// Shown name.
        display_name: String,
        /// Role (the last admin cannot be demoted).
        role: Role,
        /// UI language.
        language: Language,
    },
    /// Set a user's password.
    SetUserPassword {
        /// User id.
        id: i64,
        /// Clear-text password, 8–128 characters.
        password: String,
        /// Must be changed at next login.
        must_change_password: bool,
    },
    /// Remove a user (not the last admin).
    DeleteUser {
        /// User id.
        id: i64,
    },
    /// Add a queue.
    CreateQueue(QueueConfig),
    /// Replace a queue, its skills and members.
    UpdateQueue {
        /// Queue id.
        id: i64,
        /// New configuration.
        config: QueueConfig,
    },
    /// Remove a queue (refused while a dial rule targets it).
    DeleteQueue {
        /// Queue id.
        id: i64,
    },
    /// Add a skill.
    CreateSkill(SkillConfig),
    /// Rename a skill.
    UpdateSkill {
        /// Skill id.
        id: i64,
        /// New configuration.
        config: SkillConfig,
    },
    /// Remove a skill (refused while an agent or queue uses it).
    DeleteSkill {
        /// Skill id.
        id: i64,
    },
    /// Add an agent.
    CreateAgent(AgentConfig),
    /// Replace an agent and its skills.
    UpdateAgent {
        /// Agent id.
        id: i64,
        /// New configuration.
        config: AgentConfig,
    },
    /// Remove an agent (and its queue memberships).
    DeleteAgent {
        /// Agent id.
        id: i64,
    },
    /// Store a new version of an IVR flow (inactive).
    CreateIvrFlowVersion {
        /// Flow name.
        name: String,
        /// JSON object (the ivr crate checks the semantics before activation).
        flow: String,
    },
    /// Make this version the one that answers (deactivates the others of its name).
    ActivateIvrFlow {
        /// Flow version id.
        id: i64,
    },
    /// Remove an inactive flow version.
    DeleteIvrFlow {
        /// Flow version id.
        id: i64,
    },
    /// Records in the audit log that a setting kept outside the database (network, time,
    /// the database as a whole, firmware) was changed by `actor`; writes nothing else.
    NoteSystemChange(Entity),
    /// Add a knowledge-base article.
    CreateArticle(crate::desk::ArticleConfig),
    /// Replace a knowledge-base article.
    UpdateArticle {
        /// Article id.
        id: i64,
        /// New content.
        config: crate::desk::ArticleConfig,
    },
    /// Remove a knowledge-base article.
    DeleteArticle {
        /// Article id.
        id: i64,
    },
    /// Add a knowledge-base category.
    CreateKbCategory {
        /// Category name, 1–64 characters, unique.
        name: String,
    },
    /// Remove a knowledge-base category no article is filed under.
    DeleteKbCategory {
        /// Category name.
        name: String,
    },
    /// Add a business-hours calendar.
    CreateBusinessHours(crate::desk::BusinessHoursConfig),
    /// Replace a business-hours calendar and its holidays.
    UpdateBusinessHours {
        /// Calendar id.
        id: i64,
        /// New configuration.
        config: crate::desk::BusinessHoursConfig,
    },
    /// Remove a business-hours calendar.
    DeleteBusinessHours {
        /// Calendar id.
        id: i64,
    },
    /// A user chooses the UI language in the own profile (needs no admin rights).
    SetUserLanguage {
        /// User id.
        id: i64,
        /// UI language.
        language: Language,
    },
    /// Open queue `queue` by business-hours calendar `hours` (outside it callers go to the
    /// queue's closed destination `closed`; none: the closed message, then hang-up), or
    /// always (`None`, and then no closed destination). Recorded as an update of the queue.
    SetQueueCalendar {
        /// Queue id.
        queue: i64,
        /// Business-hours calendar id, or none.
        hours: Option<i64>,
        /// Where callers go while it is closed (needs `hours`).
        closed: Option<crate::queuehours::ClosedDestination>,
    },
    /// Set the recording policy ([`crate::recordings::RecordingPolicy`]: which queues are
    /// recorded, retention). Recorded as entity `recording_policy`, id 0.
    SetRecordingPolicy(crate::recordings::RecordingPolicy),
    /// Set what queue `queue` tells its waiting callers
    /// ([`crate::announce::QueueAnnouncements`]), or clear it (`None`). Recorded as an
    /// update of the queue.
    SetQueueAnnouncements {
        /// Queue id.
        queue: i64,
        /// The settings, or none.
        announcements: Option<crate::announce::QueueAnnouncements>,
    },
    /// Set how many web chats one agent handles at once
    /// ([`crate::chat::CHAT_CAPACITY_RANGE`]). Recorded as entity `chat_settings`, id 0.
    SetChatCapacity {
        /// Chats per agent.
        capacity: u8,
    },
    /// Set the seconds of caller silence that end a voicemail message (0–60, 0 = never;
    /// [`crate::vmsettings`]). Recorded as entity `voicemail_settings`, id 0.
    SetVoicemailSilence {
        /// Seconds.
        secs: u32,
    },
}

/// Who changes the configuration, and when (for the audit log).
#[derive(Debug, Clone, Copy)]
pub struct CommandContext<'a> {
    /// User name, `console`, `api:<user>`, `system`…
    pub actor: &'a str,
    /// When.
    pub ts: Timestamp,
}

text_enum!(
    /// What a change did.
    Op { /** Row created. */ Create = "create", /** Row changed. */ Update = "update", /** Row removed. */ Delete = "delete" }
);

/// What a successful command changed; the daemon applies it live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Config revision after this change (strictly increasing, one per command).
    pub revision: i64,
    /// Kind of row.
    pub entity: Entity,
    /// Row id.
    pub id: i64,
    /// Operation.
    pub op: Op,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The change.
    pub change: Change,
    /// Who.
    pub actor: String,
    /// When.
    pub ts: Timestamp,
}

// ---------------------------------------------------------------- validation helpers

fn check_len(field: &'static str, s: &str, min: usize, max: usize) -> Result<(), Invalid> {
    let n = s.chars().count();
    if n == 0 && min > 0 {
        return Err(Invalid::new(field, Rule::Empty));
    }
    if n < min {
        return Err(Invalid::new(field, Rule::TooShort { min }));
    }
    if n > max {
        return Err(Invalid::new(field, Rule::TooLong { max }));
    }
    Ok(())
}

fn check_name(field: &'static str, s: &str) -> Result<(), Invalid> {
    check_len(field, s, 1, 64)?;
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(Invalid::new(
            field,
            Rule::BadChars {
                allowed: "A-Z a-z 0-9 _ - .",
            },
        ));
    }
    Ok(())
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), Invalid> {
    check_len(field, s, 1, max)?;
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            Rule::BadChars {
                allowed: "printable characters",
            },
        ));
    }
    Ok(())
}

pub(crate) fn check_digits(
    field: &'static str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<(), Invalid> {
    check_len(field, s, min, max)?;
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new(field, Rule::BadChars { allowed: "0-9" }));
    }
    Ok(())
}

fn check_host(field: &'static str, s: &str) -> Result<(), Invalid> {
    check_len(field, s, 1, 253)?;
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err(Invalid::new(
            field,
            Rule::BadChars {
                allowed: "host name or address characters",
            },
        ));
    }
    Ok(())
}

fn check_range(field: &'static str, v: i64, min: i64, max: i64) -> Result<(), Invalid> {
    if v < min || v > max {
        return Err(Invalid::new(field, Rule::OutOfRange { min, max }));
    }
    Ok(())
}

fn check_password(field: &'static str, s: &str) -> Result<(), Invalid> {
    check_len(field, s, 8, 128)?;
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            Rule::BadChars {
                allowed: "printable characters",
            },
        ));
    }
    Ok(())
}

/// Checks a dial-plan pattern (see [`DialRuleConfig::pattern`]).
///
/// # Errors
/// [`Rule::BadPattern`] on `dial_rule.pattern`.
pub fn check_pattern(p: &str) -> Result<(), Invalid> {
    check_pattern_of("dial_rule.pattern", p)
}

/// Whether `number` matches a pattern [`check_pattern`] accepted (the switch's semantics:
/// `X` 0-9, `Z` 1-9, `N` 2-9, `[..]` a class, a final `.` one or more further characters,
/// a final `!` zero or more; anything else itself).
#[must_use]
pub fn pattern_matches(pattern: &str, number: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), number.as_bytes());
    let (mut i, mut k) = (0, 0);
    while i < p.len() {
        match p[i] {
            b'.' if i + 1 == p.len() => return k < n.len(),
            b'!' if i + 1 == p.len() => return true,
            _ => {}
        }
        let Some(&c) = n.get(k) else { return false };
        let (ok, next) = match p[i] {
            b'X' => (c.is_ascii_digit(), i + 1),
            b'Z' => ((b'1'..=b'9').contains(&c), i + 1),
            b'N' => ((b'2'..=b'9').contains(&c), i + 1),
            b'[' => {
                let end = p[i..]
                    .iter()
                    .position(|&x| x == b']')
                    .map_or(p.len(), |e| e + i);
                (class_contains(&p[i + 1..end], c), end + 1)
            }
            lit => (lit == c, i + 1),
        };
        if !ok {
            return false;
        }
        i = next;
        k += 1;
    }
    k == n.len()
}

/// `c` in a character class body like `15-7`.
fn class_contains(class: &[u8], c: u8) -> bool {
    let mut j = 0;
    while j < class.len() {
        if class.get(j + 1) == Some(&b'-') && j + 2 < class.len() {
            if (class[j]..=class[j + 2]).contains(&c) {
                return true;
            }
            j += 3;
        } else {
            if class[j] == c {
                return true;
            }
            j += 1;
        }
    }
    false
}

/// A pattern without wildcards (the switch matches it exactly).
#[must_use]
pub fn is_literal(p: &str) -> bool {
    p.bytes()
        .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}

/// Refuses a DID rule set (with `c` written as row `id`, or appended) in which a literal
/// rule comes after a rule that matches it: it would never be reached.
fn did_not_shadowed(tx: &Transaction<'_>, c: &DidRuleConfig, id: Option<i64>) -> Result<()> {
    let mut rules: Vec<(i32, i64, String)> = tx
        .prepare_cached("SELECT priority, id, pattern FROM did_rules WHERE id IS NOT ?1")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mine = id.unwrap_or(i64::MAX);
    rules.push((c.priority, mine, c.pattern.clone()));
    rules.sort();
    for (i, (_, rid, p)) in rules.iter().enumerate() {
        if !is_literal(p) {
            continue;
        }
        if let Some((_, by, _)) = rules[..i].iter().find(|(_, _, e)| pattern_matches(e, p)) {
            // Name the other rule: the one shadowing this one, or the one this one shadows.
            let by = if *rid == mine { *by } else { *rid };
            return Err(Invalid::new("did_rule.pattern", Rule::Shadowed { by }).into());
        }
    }
    Ok(())
}

fn check_pattern_of(field: &'static str, p: &str) -> Result<(), Invalid> {
    let bad = Invalid::new(field, Rule::BadPattern);
    check_len(field, p, 1, 64)?;
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' | b'*' | b'#' | b'X' | b'Z' | b'N' => i += 1,
            b'[' => {
                let end = b[i..].iter().position(|&c| c == b']').ok_or(bad.clone())? + i;
                let class = &b[i + 1..end];
                if class.is_empty() || class.first() == Some(&b'-') || class.last() == Some(&b'-') {
                    return Err(bad);
                }
                for (k, &c) in class.iter().enumerate() {
                    if c == b'-' {
                        if class[k - 1] == b'-' || class[k - 1] > class[k + 1] {
                            return Err(bad);
                        }
                    } else if !c.is_ascii_digit() {
                        return Err(bad);
                    }
                }
                i = end + 1;
            }
            b'.' | b'!' if i == b.len() - 1 && i > 0 => i += 1,
            _ => return Err(bad),
        }
    }
    Ok(())
}

fn exists(tx: &Transaction<'_>, table: &str, id: i64) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(tx.prepare_cached(&sql)?.exists([id])?)
}

fn require(tx: &Transaction<'_>, table: &str, id: i64, entity: Entity) -> Result<()> {
    if exists(tx, table, id)? {
        Ok(())
    } else {
        Err(StoreError::NotFound { entity, id })
    }
}

fn reference(tx: &Transaction<'_>, table: &str, id: i64, field: &'static str) -> Result<()> {
    if exists(tx, table, id)? {
        Ok(())
    } else {
        Err(Invalid::new(field, Rule::NoSuchReference).into())
    }
}

/// Fails with `Duplicate` when `table.column = value` exists on a row other than `except`.
fn unique(
    tx: &Transaction<'_>,
    table: &str,
    column: &str,
    value: &str,
    except: Option<i64>,
    field: &'static str,
) -> Result<()> {
    let sql = format!("SELECT 1 FROM {table} WHERE {column} = ?1 AND id IS NOT ?2");
    if tx.prepare_cached(&sql)?.exists(params![value, except])? {
        return Err(Invalid::new(field, Rule::Duplicate).into());
    }
    Ok(())
}

fn unused(
    tx: &Transaction<'_>,
    sql: &str,
    id: i64,
    field: &'static str,
    by: &'static str,
) -> Result<()> {
    if tx.prepare_cached(sql)?.exists([id])? {
        return Err(Invalid::new(field, Rule::InUse { by }).into());
    }
    Ok(())
}

fn no_repeats<T: PartialEq>(items: &[T], field: &'static str) -> Result<(), Invalid> {
    for (i, a) in items.iter().enumerate() {
        if items[..i].contains(a) {
            return Err(Invalid::new(field, Rule::Duplicate));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- per-entity validation

fn validate_span(c: &SpanConfig) -> Result<(), Invalid> {
    check_name("span.name", &c.name)?;
    match (c.signalling, c.framing) {
        (Signalling::Pri, Framing::Ccs) | (Signalling::R2 | Signalling::Cas, Framing::Cas) => {}
        _ => {
            return Err(Invalid::new(
                "span.framing",
                Rule::Conflicts {
                    other: "span.signalling",
                },
            ));
        }
    }
    match (c.signalling, c.switchtype) {
        (Signalling::Pri, SwitchType::None) => {
            return Err(Invalid::new(
                "span.switchtype",
                Rule::Required {
                    because: "span.signalling is pri",
                },
            ));
        }
        (Signalling::R2 | Signalling::Cas, s) if s != SwitchType::None => {
            return Err(Invalid::new(
                "span.switchtype",
                Rule::Conflicts {
                    other: "span.signalling",
                },
            ));
        }
        _ => {}
    }
    let dev_ok = if let Some(p) = c.device.strip_prefix("virt:") {
        !p.is_empty() && p.len() <= 200 && !p.chars().any(char::is_control)
    } else if let Some(n) = c.device.strip_prefix("dahdi:") {
        n.parse::<u16>().is_ok_and(|n| (1..=256).contains(&n))
    } else {
        false
    };
    if !dev_ok {
        return Err(Invalid::new(
            "span.device",
            Rule::BadChars {
                allowed: "virt:<socket path> or dahdi:<1-256>",
            },
        ));
    }
    check_range("span.timing_priority", c.timing_priority.into(), 0, 8)?;
    validate_trunk_caller_id("span.caller_id.number", &c.caller_id)
}

fn validate_trunk(c: &SipTrunkConfig) -> Result<(), Invalid> {
    check_name("sip_trunk.name", &c.name)?;
    check_host("sip_trunk.host", &c.host)?;
    check_range("sip_trunk.port", c.port.into(), 1, 65535)?;
    if let Some(u) = &c.username {
        check_text("sip_trunk.username", u, 64)?;
    }
    if let Some(p) = &c.password {
        check_text("sip_trunk.password", p, 128)?;
    }
    if c.register && (c.username.is_none() || c.password.is_none()) {
        return Err(Invalid::new(
            if c.username.is_none() {
                "sip_trunk.username"
            } else {
                "sip_trunk.password"
            },
            Rule::Required {
                because: "sip_trunk.register is on",
            },
        ));
    }
    if let Some(h) = &c.outbound_proxy {
        check_host("sip_trunk.outbound_proxy", h)?;
    }
    check_range("sip_trunk.max_channels", c.max_channels.into(), 1, 1000)?;
    validate_trunk_caller_id("sip_trunk.caller_id.number", &c.caller_id)
}

fn validate_extension(tx: &Transaction<'_>, c: &ExtensionConfig, id: Option<i64>) -> Result<()> {
    check_digits("extension.number", &c.number, 2, 8)?;
    check_text("extension.name", &c.name, 64)?;
    match (c.kind, &c.sip_password) {
        (ExtensionKind::Sip, None) => {
            return Err(Invalid::new(
                "extension.sip_password",
                Rule::Required {
                    because: "extension.kind is sip",
                },
            )
            .into());
        }
        (ExtensionKind::Sip, Some(p)) => check_password("extension.sip_password", p)?,
        (_, Some(_)) => {
            return Err(Invalid::new(
                "extension.sip_password",
                Rule::Conflicts {
                    other: "extension.kind",
                },
            )
            .into());
        }
        (_, None) => {}
    }
    if let Some(n) = &c.caller_id.number {
        check_digits("extension.caller_id.number", n, 2, 20)?;
    }
    not_a_did_literal(tx, &c.number, "extension.number")?;
    if c.kind != ExtensionKind::Sip && c.digest_algorithms != DigestAlgorithms::default() {
        return Err(Invalid::new(
            "extension.digest_algorithms",
            Rule::Conflicts {
                other: "extension.kind",
            },
        )
        .into());
    }
    unique(
        tx,
        "extensions",
        "number",
        &c.number,
        id,
        "extension.number",
    )?;
    unique(tx, "queues", "number", &c.number, None, "extension.number")?;
    unique(
        tx,
        "line_ports",
        "extension",
        &c.number,
        None,
        "extension.number",
    )?;
    Ok(())
}

fn validate_trunk_group(tx: &Transaction<'_>, c: &TrunkGroupConfig, id: Option<i64>) -> Result<()> {
    check_name("trunk_group.name", &c.name)?;
    if c.members.is_empty() {
        return Err(Invalid::new("trunk_group.members", Rule::Empty).into());
    }
    if c.members.len() > 16 {
        return Err(Invalid::new("trunk_group.members", Rule::TooLong { max: 16 }).into());
    }
    no_repeats(&c.members, "trunk_group.members")?;
    for m in &c.members {
        match *m {
            TrunkRef::Span(s) => reference(tx, "spans", s, "trunk_group.members")?,
            TrunkRef::SipTrunk(t) => reference(tx, "sip_trunks", t, "trunk_group.members")?,
        }
    }
    unique(tx, "trunk_groups", "name", &c.name, id, "trunk_group.name")
}

fn validate_dial_rule(tx: &Transaction<'_>, c: &DialRuleConfig) -> Result<()> {
    check_range("dial_rule.priority", c.priority.into(), 0, 1_000_000)?;
    check_pattern(&c.pattern)?;
    check_range("dial_rule.strip", c.strip.into(), 0, 32)?;
    if !c.prepend.is_empty() {
        check_len("dial_rule.prepend", &c.prepend, 0, 32)?;
        if !c
            .prepend
            .chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, '*' | '#' | '+'))
        {
            return Err(Invalid::new(
                "dial_rule.prepend",
                Rule::BadChars {
                    allowed: "0-9 * # +",
                },
            )
            .into());
        }
    }
    match &c.target {
        DialTarget::Extension(i) => reference(tx, "extensions", *i, "dial_rule.target")?,
        DialTarget::TrunkGroup(i) => reference(tx, "trunk_groups", *i, "dial_rule.target")?,
        DialTarget::Queue(i) => reference(tx, "queues", *i, "dial_rule.target")?,
        DialTarget::Ivr(name) => {
            check_name("dial_rule.target", name)?;
            if !tx
                .prepare_cached("SELECT 1 FROM ivr_flows WHERE name = ?1")?
                .exists([name])?
            {
                return Err(Invalid::new("dial_rule.target", Rule::NoSuchReference).into());
            }
        }
    }
    Ok(())
}

fn validate_trunk_caller_id(field: &'static str, c: &TrunkCallerId) -> Result<(), Invalid> {
    match c.mode {
        CallerIdMode::Pass if !c.number.is_empty() => Err(Invalid::new(
            field,
            Rule::Conflicts {
                other: "caller_id.mode",
            },
        )),
        CallerIdMode::Prefix => check_digits(field, &c.number, 1, 16),
        CallerIdMode::Fixed => check_digits(field, &c.number, 2, 20),
        _ => Ok(()),
    }
}

fn validate_did_rule(tx: &Transaction<'_>, c: &DidRuleConfig, id: Option<i64>) -> Result<()> {
    check_range("did_rule.priority", c.priority.into(), 0, 1_000_000)?;
    check_pattern_of("did_rule.pattern", &c.pattern)?;
    check_range("did_rule.strip", c.strip.into(), 0, 32)?;
    if !c.prepend.is_empty() {
        check_len("did_rule.prepend", &c.prepend, 0, 32)?;
        if !c
            .prepend
            .chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, '*' | '#'))
        {
            return Err(
                Invalid::new("did_rule.prepend", Rule::BadChars { allowed: "0-9 * #" }).into(),
            );
        }
    }
    // A literal equal to an extension, port or queue number would come after that number's
    // own rule and never be reached (the switch refuses such a plan).
    if is_literal(&c.pattern) {
        unique(
            tx,
            "extensions",
            "number",
            &c.pattern,
            None,
            "did_rule.pattern",
        )?;
        unique(tx, "queues", "number", &c.pattern, None, "did_rule.pattern")?;
        unique(
            tx,
            "line_ports",
            "extension",
            &c.pattern,
            None,
            "did_rule.pattern",
        )?;
    }
    match &c.target {
        DidTarget::Extension(i) => reference(tx, "extensions", *i, "did_rule.target")?,
        DidTarget::Queue(i) => reference(tx, "queues", *i, "did_rule.target")?,
        DidTarget::Ivr(name) => {
            check_name("did_rule.target", name)?;
            if !tx
                .prepare_cached("SELECT 1 FROM ivr_flows WHERE name = ?1")?
                .exists([name])?
            {
                return Err(Invalid::new("did_rule.target", Rule::NoSuchReference).into());
            }
        }
        DidTarget::Reject(cause) => check_range("did_rule.target", (*cause).into(), 1, 127)?,
        DidTarget::DialedExtension => {}
    }
    did_not_shadowed(tx, c, id)
}

/// Fails with `Duplicate` on `field` when a literal DID rule is the number `n`.
fn not_a_did_literal(tx: &Transaction<'_>, n: &str, field: &'static str) -> Result<()> {
    unique(tx, "did_rules", "pattern", n, None, field)
}

fn validate_username(tx: &Transaction<'_>, u: &str) -> Result<()> {
    check_len("user.username", u, 1, 32)?;
    if !u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Invalid::new(
            "user.username",
            Rule::BadChars {
                allowed: "a-z 0-9 . _ -",
            },
        )
        .into());
    }
    unique(tx, "users", "username", u, None, "user.username")
}

fn validate_queue(tx: &Transaction<'_>, c: &QueueConfig, id: Option<i64>) -> Result<()> {
    check_name("queue.name", &c.name)?;
    if let Some(n) = &c.number {
        check_digits("queue.number", n, 2, 8)?;
        unique(tx, "queues", "number", n, id, "queue.number")?;
        unique(tx, "extensions", "number", n, None, "queue.number")?;
        unique(tx, "line_ports", "extension", n, None, "queue.number")?;
        not_a_did_literal(tx, n, "queue.number")?;
    }
    check_range("queue.max_len", c.max_len.into(), 0, 10_000)?;
    check_range("queue.max_wait_s", c.max_wait_s.into(), 0, 86_400)?;
    check_range("queue.service_level_s", c.service_level_s.into(), 1, 3600)?;
    check_range("queue.short_abandon_s", c.short_abandon_s.into(), 0, 600)?;
    check_range("queue.wrapup_s", c.wrapup_s.into(), 0, 3600)?;
    let skill_ids: Vec<i64> = c.skills.iter().map(|s| s.0).collect();
    no_repeats(&skill_ids, "queue.skills")?;
    for &(s, lvl) in &c.skills {
        reference(tx, "skills", s, "queue.skills")?;
        check_range("queue.skills", lvl.into(), 0, 100)?;
    }
    let agent_ids: Vec<i64> = c.members.iter().map(|m| m.0).collect();
    no_repeats(&agent_ids, "queue.members")?;
    for &(a, pen) in &c.members {
        reference(tx, "agents", a, "queue.members")?;
        check_range("queue.members", pen.into(), 0, 100)?;
    }
    unique(tx, "queues", "name", &c.name, id, "queue.name")
}

fn validate_agent(tx: &Transaction<'_>, c: &AgentConfig, id: Option<i64>) -> Result<()> {
    check_digits("agent.number", &c.number, 2, 8)?;
    check_text("agent.name", &c.name, 64)?;
    unique(tx, "agents", "number", &c.number, id, "agent.number")?;
    if let Some(u) = c.user_id {
        reference(tx, "users", u, "agent.user_id")?;
        if tx
            .prepare_cached("SELECT 1 FROM agents WHERE user_id = ?1 AND id IS NOT ?2")?
            .exists(params![u, id])?
        {
            return Err(Invalid::new("agent.user_id", Rule::Duplicate).into());
        }
    }
    let skill_ids: Vec<i64> = c.skills.iter().map(|s| s.0).collect();
    no_repeats(&skill_ids, "agent.skills")?;
    for &(s, lvl) in &c.skills {
        reference(tx, "skills", s, "agent.skills")?;
        check_range("agent.skills", lvl.into(), 0, 100)?;
    }
    Ok(())
}

fn validate_flow(name: &str, flow: &str) -> Result<(), Invalid> {
    check_name("ivr_flow.name", name)?;
    check_len("ivr_flow.flow", flow, 2, 1_000_000)?;
    match serde_json::from_str::<serde_json::Value>(flow) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(Invalid::new("ivr_flow.flow", Rule::BadJson)),
    }
}

fn admins_other_than(tx: &Transaction<'_>, id: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND id <> ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Whether `password` matches the PHC string `hash` (one argon2 verification); `None` when
/// `hash` is not a PHC string.
fn password_matches(hash: &str, password: &str) -> Option<bool> {
    use argon2::password_hash::PasswordVerifier;
    let parsed = argon2::password_hash::phc::PasswordHash::new(hash).ok()?;
    #[cfg(test)]
    login_tests::VERIFICATIONS.with(|n| n.set(n.get() + 1));
    Some(
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
    )
}

/// The hash an unknown user name is checked against in [`Store::verify_login`]: made once
/// per process by [`hash_password`], so its argon2 parameters are those of every stored
/// hash. It is the hash of a fixed string, but nothing logs in with it: it belongs to no
/// user and its verification result is thrown away.
fn dummy_hash() -> Result<&'static str> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash_password("no user logs in with this password")?;
    Ok(DUMMY.get_or_init(|| h))
}

pub(crate) fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::PasswordHasher;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|_| StoreError::PasswordHash)?;
    Ok(hash.to_string())
}

// ---------------------------------------------------------------- writes

fn write_trunk_members(tx: &Transaction<'_>, id: i64, members: &[TrunkRef]) -> Result<()> {
    tx.execute("DELETE FROM trunk_group_members WHERE group_id = ?1", [id])?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO trunk_group_members(group_id, position, span_id, sip_trunk_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (pos, m) in members.iter().enumerate() {
        let (s, t) = match *m {
            TrunkRef::Span(s) => (Some(s), None),
            TrunkRef::SipTrunk(t) => (None, Some(t)),
        };
        ins.execute(params![id, pos as i64, s, t])?;
    }
    Ok(())
}

fn dial_target_columns(t: &DialTarget) -> (Option<i64>, Option<i64>, Option<i64>, Option<&str>) {
    match t {
        DialTarget::Extension(i) => (Some(*i), None, None, None),
        DialTarget::TrunkGroup(i) => (None, Some(*i), None, None),
        DialTarget::Queue(i) => (None, None, Some(*i), None),
        DialTarget::Ivr(n) => (None, None, None, Some(n.as_str())),
    }
}

fn write_queue_links(tx: &Transaction<'_>, id: i64, c: &QueueConfig) -> Result<()> {
    tx.execute("DELETE FROM queue_skills WHERE queue_id = ?1", [id])?;
    tx.execute("DELETE FROM queue_members WHERE queue_id = ?1", [id])?;
    for &(s, l) in &c.skills {
        tx.execute(
            "INSERT INTO queue_skills(queue_id, skill_id, min_level) VALUES (?1, ?2, ?3)",
            params![id, s, l],
        )?;
    }
    for &(a, p) in &c.members {
        tx.execute(
            "INSERT INTO queue_members(queue_id, agent_id, penalty) VALUES (?1, ?2, ?3)",
            params![id, a, p],
        )?;
    }
    Ok(())
}

fn write_agent_skills(tx: &Transaction<'_>, id: i64, c: &AgentConfig) -> Result<()> {
    tx.execute("DELETE FROM agent_skills WHERE agent_id = ?1", [id])?;
    for &(s, l) in &c.skills {
        tx.execute(
            "INSERT INTO agent_skills(agent_id, skill_id, level) VALUES (?1, ?2, ?3)",
            params![id, s, l],
        )?;
    }
    Ok(())
}

/// Validates and writes one command inside `tx`; returns (entity, id, op).
#[allow(clippy::too_many_lines)]
/// A config table written by [`apply`]: its entity (for errors and the audit log) and name.
#[derive(Clone, Copy)]
struct Table {
    entity: Entity,
    name: &'static str,
    /// The field named when a row cannot be deleted because another refers to it.
    id_field: &'static str,
}

const SPANS: Table = Table::new(Entity::Span, "spans", "span.id");
const SIP_TRUNKS: Table = Table::new(Entity::SipTrunk, "sip_trunks", "sip_trunk.id");
const EXTENSIONS: Table = Table::new(Entity::Extension, "extensions", "extension.id");
const TRUNK_GROUPS: Table = Table::new(Entity::TrunkGroup, "trunk_groups", "trunk_group.id");
const DIAL_RULES: Table = Table::new(Entity::DialRule, "dial_rules", "dial_rule.id");
const DID_RULES: Table = Table::new(Entity::DidRule, "did_rules", "did_rule.id");
const QUEUES: Table = Table::new(Entity::Queue, "queues", "queue.id");
const SKILLS: Table = Table::new(Entity::Skill, "skills", "skill.id");
const AGENTS: Table = Table::new(Entity::Agent, "agents", "agent.id");
const LINE_PORTS: Table = Table::new(Entity::LinePort, "line_ports", "line_port.id");

impl Table {
    const fn new(entity: Entity, name: &'static str, id_field: &'static str) -> Self {
        Self {
            entity,
            name,
            id_field,
        }
    }

    /// The row an update names (it must exist), or `None` for a create.
    fn target(self, tx: &Transaction<'_>, id: Option<i64>) -> Result<Option<i64>> {
        if let Some(id) = id {
            require(tx, self.name, id, self.entity)?;
        }
        Ok(id)
    }

    /// Writes one row: `UPDATE … WHERE id` when `id` is given, `INSERT` otherwise. `values`
    /// are in `columns` order; the column names are constants of this module, never input.
    fn write(
        self,
        tx: &Transaction<'_>,
        id: Option<i64>,
        columns: &[&str],
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<(Entity, i64, Op)> {
        if let Some(id) = id {
            let set: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c}=?{}", i + 1))
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE id=?{}",
                self.name,
                set.join(", "),
                columns.len() + 1
            );
            let mut all = values.to_vec();
            all.push(&id);
            tx.execute(&sql, all.as_slice())?;
        } else {
            let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "INSERT INTO {}({}) VALUES ({})",
                self.name,
                columns.join(", "),
                marks.join(",")
            );
            tx.execute(&sql, values)?;
        }
        Ok(finish(tx, self.entity, id))
    }

    /// Deletes row `id` after checking it exists and that none of `users` (a query on the
    /// id, and what the referring row is) still refers to it.
    fn delete(
        self,
        tx: &Transaction<'_>,
        id: i64,
        users: &[(&str, &'static str)],
    ) -> Result<(Entity, i64, Op)> {
        require(tx, self.name, id, self.entity)?;
        for (sql, by) in users {
            unused(tx, sql, id, self.id_field, by)?;
        }
        tx.execute(&format!("DELETE FROM {} WHERE id = ?1", self.name), [id])?;
        Ok((self.entity, id, Op::Delete))
    }
}

/// The id an `Update…` command names; `None` for every other command.
fn update_id(cmd: &Command) -> Option<i64> {
    use Command as C;
    match cmd {
        C::UpdateSpan { id, .. }
        | C::UpdateSipTrunk { id, .. }
        | C::UpdateExtension { id, .. }
        | C::UpdateTrunkGroup { id, .. }
        | C::UpdateDialRule { id, .. }
        | C::UpdateDidRule { id, .. }
        | C::UpdateQueue { id, .. }
        | C::UpdateSkill { id, .. }
        | C::UpdateAgent { id, .. } => Some(*id),
        _ => None,
    }
}

fn apply(tx: &Transaction<'_>, cmd: &Command, hash: Option<String>) -> Result<(Entity, i64, Op)> {
    use Command as C;
    Ok(match cmd {
        C::CreateSpan(c) | C::UpdateSpan { config: c, .. } => {
            let id = SPANS.target(tx, update_id(cmd))?;
            validate_span(c)?;
            unique(tx, "spans", "name", &c.name, id, "span.name")?;
            SPANS.write(
                tx,
                id,
                &[
                    "name",
                    "signalling",
                    "framing",
                    "crc4",
                    "role",
                    "switchtype",
                    "device",
                    "timing_priority",
                    "cid_mode",
                    "cid_number",
                    "cid_send_restricted",
                ],
                params![
                    c.name,
                    c.signalling.as_str(),
                    c.framing.as_str(),
                    c.crc4,
                    c.role.as_str(),
                    c.switchtype.as_str(),
                    c.device,
                    c.timing_priority,
                    c.caller_id.mode.as_str(),
                    c.caller_id.number,
                    c.caller_id.send_restricted
                ],
            )?
        }
        C::DeleteSpan { id } => SPANS.delete(
            tx,
            *id,
            &[(
                "SELECT 1 FROM trunk_group_members WHERE span_id = ?1",
                "a trunk group",
            )],
        )?,
        C::CreateSipTrunk(c) | C::UpdateSipTrunk { config: c, .. } => {
            let id = SIP_TRUNKS.target(tx, update_id(cmd))?;
            validate_trunk(c)?;
            unique(tx, "sip_trunks", "name", &c.name, id, "sip_trunk.name")?;
            SIP_TRUNKS.write(
                tx,
                id,
                &[
                    "name",
                    "host",
                    "port",
                    "transport",
                    "username",
                    "password",
                    "register",
                    "outbound_proxy",
                    "max_channels",
                    "enabled",
                    "cid_mode",
                    "cid_number",
                    "cid_send_restricted",
                ],
                params![
                    c.name,
                    c.host,
                    c.port,
                    c.transport.as_str(),
                    c.username,
                    c.password,
                    c.register,
                    c.outbound_proxy,
                    c.max_channels,
                    c.enabled,
                    c.caller_id.mode.as_str(),
                    c.caller_id.number,
                    c.caller_id.send_restricted
                ],
            )?
        }
        C::DeleteSipTrunk { id } => SIP_TRUNKS.delete(
            tx,
            *id,
            &[(
                "SELECT 1 FROM trunk_group_members WHERE sip_trunk_id = ?1",
                "a trunk group",
            )],
        )?,
        C::CreateExtension(c) | C::UpdateExtension { config: c, .. } => {
            let id = EXTENSIONS.target(tx, update_id(cmd))?;
            validate_extension(tx, c, id)?;
            EXTENSIONS.write(
                tx,
                id,
                &[
                    "number",
                    "name",
                    "kind",
                    "sip_password",
                    "digest_algorithms",
                    "outbound_cid",
                    "presentation",
                ],
                params![
                    c.number,
                    c.name,
                    c.kind.as_str(),
                    c.sip_password,
                    c.digest_algorithms.as_str(),
                    c.caller_id.number,
                    c.caller_id.presentation.as_str()
                ],
            )?
        }
        C::DeleteExtension { id } => EXTENSIONS.delete(
            tx,
            *id,
            &[
                (
                    "SELECT 1 FROM dial_rules WHERE target_extension_id = ?1",
                    "a dial rule",
                ),
                (
                    "SELECT 1 FROM did_rules WHERE target_extension_id = ?1",
                    "a DID rule",
                ),
            ],
        )?,
        C::CreateLinePort(c) => {
            let (id, op) = crate::lines::write(tx, None, c)?;
            (Entity::LinePort, id, op)
        }
        C::UpdateLinePort { id, config } => {
            let (id, op) = crate::lines::write(tx, Some(*id), config)?;
            (Entity::LinePort, id, op)
        }
        C::DeleteLinePort { id } => LINE_PORTS.delete(tx, *id, &[])?,
        C::CreateTrunkGroup(c) | C::UpdateTrunkGroup { config: c, .. } => {
            let id = TRUNK_GROUPS.target(tx, update_id(cmd))?;
            validate_trunk_group(tx, c, id)?;
            if let Some(id) = id {
                // FXO ports name their group: a rename would leave them pointing nowhere.
                let named: bool = tx
                    .prepare_cached(
                        "SELECT 1 FROM line_ports p JOIN trunk_groups g ON p.trunk_group = g.name
                         WHERE g.id = ?1 AND g.name <> ?2",
                    )?
                    .exists(params![id, c.name])?;
                if named {
                    return Err(Invalid::new(
                        "trunk_group.name",
                        Rule::InUse {
                            by: "an FXO line port",
                        },
                    )
                    .into());
                }
            }
            let r = TRUNK_GROUPS.write(tx, id, &["name"], params![c.name])?;
            write_trunk_members(tx, r.1, &c.members)?;
            r
        }
        C::DeleteTrunkGroup { id } => TRUNK_GROUPS.delete(
            tx,
            *id,
            &[
                (
                    "SELECT 1 FROM dial_rules WHERE target_trunk_group_id = ?1",
                    "a dial rule",
                ),
                (
                    "SELECT 1 FROM line_ports p JOIN trunk_groups g ON p.trunk_group = g.name WHERE g.id = ?1",
                    "an FXO line port",
                ),
            ],
        )?,
        C::CreateDialRule(c) | C::UpdateDialRule { config: c, .. } => {
            let id = DIAL_RULES.target(tx, update_id(cmd))?;
            validate_dial_rule(tx, c)?;
            let (e, g, q, i) = dial_target_columns(&c.target);
            DIAL_RULES.write(
                tx,
                id,
                &[
                    "priority",
                    "pattern",
                    "strip",
                    "prepend",
                    "allow_toll",
                    "target_extension_id",
                    "target_trunk_group_id",
                    "target_queue_id",
                    "target_ivr",
                ],
                params![
                    c.priority,
                    c.pattern,
                    c.strip,
                    c.prepend,
                    c.allow_toll,
                    e,
                    g,
                    q,
                    i
                ],
            )?
        }
        C::DeleteDialRule { id } => DIAL_RULES.delete(tx, *id, &[])?,
        C::CreateDidRule(c) | C::UpdateDidRule { config: c, .. } => {
            let id = DID_RULES.target(tx, update_id(cmd))?;
            validate_did_rule(tx, c, id)?;
            let (kind, e, q, i, cause) = match &c.target {
                DidTarget::Extension(e) => ("extension", Some(*e), None, None, None),
                DidTarget::Queue(q) => ("queue", None, Some(*q), None, None),
                DidTarget::Ivr(n) => ("ivr", None, None, Some(n.as_str()), None),
                DidTarget::DialedExtension => ("dialed_extension", None, None, None, None),
                DidTarget::Reject(c) => ("reject", None, None, None, Some(*c)),
            };
            DID_RULES.write(
                tx,
                id,
                &[
                    "priority",
                    "pattern",
                    "strip",
                    "prepend",
                    "target_kind",
                    "target_extension_id",
                    "target_queue_id",
                    "target_ivr",
                    "reject_cause",
                ],
                params![c.priority, c.pattern, c.strip, c.prepend, kind, e, q, i, cause],
            )?
        }
        C::DeleteDidRule { id } => DID_RULES.delete(tx, *id, &[])?,
        C::CreateUser(u) => {
            validate_username(tx, &u.username)?;
            check_text("user.display_name", &u.display_name, 64)?;
            check_password("user.password", &u.password)?;
            let hash = match hash {
                Some(h) => h,
                None => hash_password(&u.password)?,
            };
            tx.execute(
                "INSERT INTO users(username, display_name, role, password_hash, must_change_password, language) VALUES (?1,?2,?3,?4,?5,?6)",
                params![u.username, u.display_name, u.role.as_str(), hash, u.must_change_password, u.language.as_str()],
            )?;
            finish(tx, Entity::User, None)
        }
        C::UpdateUser {
            id,
            display_name,
            role,
            language,
        } => {
            require(tx, "users", *id, Entity::User)?;
            check_text("user.display_name", display_name, 64)?;
            if *role != Role::Admin && admins_other_than(tx, *id)? == 0 {
                return Err(Invalid::new("user.role", Rule::LastAdmin).into());
            }
            tx.execute(
                "UPDATE users SET display_name=?1, role=?2, language=?3 WHERE id=?4",
                params![display_name, role.as_str(), language.as_str(), id],
            )?;
            (Entity::User, *id, Op::Update)
        }
        C::SetUserPassword {
            id,
            password,
            must_change_password,
        } => {
            require(tx, "users", *id, Entity::User)?;
            check_password("user.password", password)?;
            let hash = match hash {
                Some(h) => h,
                None => hash_password(password)?,
            };
            tx.execute(
                "UPDATE users SET password_hash=?1, must_change_password=?2 WHERE id=?3",
                params![hash, must_change_password, id],
            )?;
            (Entity::User, *id, Op::Update)
        }
        C::DeleteUser { id } => {
            require(tx, "users", *id, Entity::User)?;
            let role: String =
                tx.query_row("SELECT role FROM users WHERE id = ?1", [id], |r| r.get(0))?;
            if role == "admin" && admins_other_than(tx, *id)? == 0 {
                return Err(Invalid::new("user.id", Rule::LastAdmin).into());
            }
            tx.execute("DELETE FROM users WHERE id = ?1", [id])?;
            (Entity::User, *id, Op::Delete)
        }
        C::CreateQueue(c) | C::UpdateQueue { config: c, .. } => {
            let id = QUEUES.target(tx, update_id(cmd))?;
            validate_queue(tx, c, id)?;
            let r = QUEUES.write(
                tx,
                id,
                &[
                    "name",
                    "number",
                    "strategy",
                    "max_len",
                    "max_wait_s",
                    "service_level_s",
                    "short_abandon_s",
                    "wrapup_s",
                ],
                params![
                    c.name,
                    c.number,
                    c.strategy.as_str(),
                    c.max_len,
                    c.max_wait_s,
                    c.service_level_s,
                    c.short_abandon_s,
                    c.wrapup_s
                ],
            )?;
            write_queue_links(tx, r.1, c)?;
            r
        }
        C::DeleteQueue { id } => QUEUES.delete(
            tx,
            *id,
            &[
                (
                    "SELECT 1 FROM dial_rules WHERE target_queue_id = ?1",
                    "a dial rule",
                ),
                (
                    "SELECT 1 FROM did_rules WHERE target_queue_id = ?1",
                    "a DID rule",
                ),
            ],
        )?,
        C::CreateSkill(c) | C::UpdateSkill { config: c, .. } => {
            let id = SKILLS.target(tx, update_id(cmd))?;
            check_name("skill.name", &c.name)?;
            unique(tx, "skills", "name", &c.name, id, "skill.name")?;
            SKILLS.write(tx, id, &["name"], params![c.name])?
        }
        C::DeleteSkill { id } => SKILLS.delete(
            tx,
            *id,
            &[
                ("SELECT 1 FROM agent_skills WHERE skill_id = ?1", "an agent"),
                ("SELECT 1 FROM queue_skills WHERE skill_id = ?1", "a queue"),
            ],
        )?,
        C::CreateAgent(c) | C::UpdateAgent { config: c, .. } => {
            let id = AGENTS.target(tx, update_id(cmd))?;
            validate_agent(tx, c, id)?;
            let r = AGENTS.write(
                tx,
                id,
                &["number", "name", "user_id"],
                params![c.number, c.name, c.user_id],
            )?;
            write_agent_skills(tx, r.1, c)?;
            r
        }
        C::DeleteAgent { id } => AGENTS.delete(tx, *id, &[])?,
        C::CreateIvrFlowVersion { name, flow } => {
            validate_flow(name, flow)?;
            let version: i64 = tx.query_row(
                "SELECT coalesce(max(version), 0) + 1 FROM ivr_flows WHERE name = ?1",
                [name],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO ivr_flows(name, version, flow, active) VALUES (?1, ?2, ?3, 0)",
                params![name, version, flow],
            )?;
            finish(tx, Entity::IvrFlow, None)
        }
        C::ActivateIvrFlow { id } => {
            require(tx, "ivr_flows", *id, Entity::IvrFlow)?;
            tx.execute(
                "UPDATE ivr_flows SET active = 0 WHERE name = (SELECT name FROM ivr_flows WHERE id = ?1) AND active = 1",
                [id],
            )?;
            tx.execute("UPDATE ivr_flows SET active = 1 WHERE id = ?1", [id])?;
            (Entity::IvrFlow, *id, Op::Update)
        }
        C::DeleteIvrFlow { id } => {
            require(tx, "ivr_flows", *id, Entity::IvrFlow)?;
            unused(
                tx,
                "SELECT 1 FROM ivr_flows WHERE id = ?1 AND active = 1",
                *id,
                "ivr_flow.id",
                "live calls (it is the active version)",
            )?;
            tx.execute("DELETE FROM ivr_flows WHERE id = ?1", [id])?;
            (Entity::IvrFlow, *id, Op::Delete)
        }
        C::NoteSystemChange(e) => {
            if !matches!(
                e,
                Entity::Network | Entity::TimeSettings | Entity::Database | Entity::Firmware
            ) {
                return Err(Invalid::new("system.setting", Rule::NoSuchReference).into());
            }
            (*e, 0, Op::Update)
        }
        C::CreateArticle(a) => {
            let id =
                crate::crm::put_article_in(tx, None, &a.title, &a.category, &a.body, a.updated)?;
            (Entity::Article, id, Op::Create)
        }
        C::UpdateArticle { id, config: a } => {
            crate::crm::put_article_in(tx, Some(*id), &a.title, &a.category, &a.body, a.updated)?;
            (Entity::Article, *id, Op::Update)
        }
        C::DeleteArticle { id } => {
            crate::crm::delete_article_in(tx, *id)?;
            (Entity::Article, *id, Op::Delete)
        }
        C::CreateKbCategory { name } => (
            Entity::KbCategory,
            crate::desk::create_kb_category_in(tx, name)?,
            Op::Create,
        ),
        C::DeleteKbCategory { name } => (
            Entity::KbCategory,
            crate::desk::delete_kb_category_in(tx, name)?,
            Op::Delete,
        ),
        C::CreateBusinessHours(c) => crate::desk::apply_hours(tx, None, c)?,
        C::UpdateBusinessHours { id, config } => crate::desk::apply_hours(tx, Some(*id), config)?,
        C::DeleteBusinessHours { id } => crate::desk::delete_hours(tx, *id)?,
        C::SetQueueCalendar {
            queue,
            hours,
            closed,
        } => crate::queuehours::apply(tx, *queue, *hours, closed.as_ref())?,
        C::SetRecordingPolicy(p) => crate::recordings::apply_policy(tx, p)?,
        C::SetQueueAnnouncements {
            queue,
            announcements,
        } => crate::announce::apply(tx, *queue, announcements.as_ref())?,
        C::SetChatCapacity { capacity } => crate::chat::apply_capacity(tx, *capacity)?,
        C::SetVoicemailSilence { secs } => crate::vmsettings::apply_silence(tx, *secs)?,
        C::SetUserLanguage { id, language } => {
            require(tx, "users", *id, Entity::User)?;
            tx.execute(
                "UPDATE users SET language = ?1 WHERE id = ?2",
                params![language.as_str(), id],
            )?;
            (Entity::User, *id, Op::Update)
        }
    })
}

fn finish(tx: &Transaction<'_>, entity: Entity, id: Option<i64>) -> (Entity, i64, Op) {
    match id {
        Some(id) => (entity, id, Op::Update),
        None => (entity, tx.last_insert_rowid(), Op::Create),
    }
}

/// Hashes a command's password (if any) before the write transaction starts: argon2 takes
/// tens of milliseconds, which must not be spent holding the database's write lock.
pub(crate) fn prehash(cmd: &Command) -> Result<Option<String>> {
    let password = match cmd {
        Command::CreateUser(u) => &u.password,
        Command::SetUserPassword { password, .. } => password,
        _ => return Ok(None),
    };
    check_password("user.password", password)?;
    hash_password(password).map(Some)
}

pub(crate) fn execute_in(
    tx: &Transaction<'_>,
    ctx: CommandContext<'_>,
    cmd: &Command,
    hash: Option<String>,
) -> Result<Change> {
    let (entity, id, op) = apply(tx, cmd, hash)?;
    let revision: i64 = tx.query_row(
        "UPDATE config_meta SET revision = revision + 1 WHERE id = 1 RETURNING revision",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO config_changes(revision, ts, actor, entity, entity_id, op) VALUES (?1,?2,?3,?4,?5,?6)",
        params![revision, ctx.ts.0, ctx.actor, entity.as_str(), id, op.as_str()],
    )?;
    Ok(Change {
        revision,
        entity,
        id,
        op,
    })
}

// ---------------------------------------------------------------- reads

pub(crate) fn decode<T>(
    v: Option<T>,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<T> {
    v.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(StoreError::BadStoredValue { table, column }),
        )
    })
}

fn span_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored<SpanConfig>> {
    Ok(Stored {
        id: r.get(0)?,
        config: SpanConfig {
            name: r.get(1)?,
            signalling: decode(
                Signalling::parse(&r.get::<_, String>(2)?),
                "spans",
                "signalling",
            )?,
            framing: decode(Framing::parse(&r.get::<_, String>(3)?), "spans", "framing")?,
            crc4: r.get(4)?,
            role: decode(SpanRole::parse(&r.get::<_, String>(5)?), "spans", "role")?,
            switchtype: decode(
                SwitchType::parse(&r.get::<_, String>(6)?),
                "spans",
                "switchtype",
            )?,
            device: r.get(7)?,
            timing_priority: r.get(8)?,
            caller_id: trunk_caller_id(r, 9, "spans")?,
        },
    })
}

/// A trunk's caller-ID rule from columns `at` (mode), `at + 1` (number), `at + 2` (flag).
fn trunk_caller_id(
    r: &rusqlite::Row<'_>,
    at: usize,
    table: &'static str,
) -> rusqlite::Result<TrunkCallerId> {
    Ok(TrunkCallerId {
        mode: decode(
            CallerIdMode::parse(&r.get::<_, String>(at)?),
            table,
            "cid_mode",
        )?,
        number: r.get(at + 1)?,
        send_restricted: r.get(at + 2)?,
    })
}

fn trunk_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored<SipTrunkConfig>> {
    Ok(Stored {
        id: r.get(0)?,
        config: SipTrunkConfig {
            name: r.get(1)?,
            host: r.get(2)?,
            port: r.get(3)?,
            transport: decode(
                Transport::parse(&r.get::<_, String>(4)?),
                "sip_trunks",
                "transport",
            )?,
            username: r.get(5)?,
            password: r.get(6)?,
            register: r.get(7)?,
            outbound_proxy: r.get(8)?,
            max_channels: r.get(9)?,
            enabled: r.get(10)?,
            caller_id: trunk_caller_id(r, 11, "sip_trunks")?,
        },
    })
}

fn extension_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored<ExtensionConfig>> {
    Ok(Stored {
        id: r.get(0)?,
        config: ExtensionConfig {
            number: r.get(1)?,
            name: r.get(2)?,
            kind: decode(
                ExtensionKind::parse(&r.get::<_, String>(3)?),
                "extensions",
                "kind",
            )?,
            sip_password: r.get(4)?,
            digest_algorithms: decode(
                DigestAlgorithms::parse(&r.get::<_, String>(5)?),
                "extensions",
                "digest_algorithms",
            )?,
            caller_id: ExtensionCallerId {
                number: r.get(6)?,
                presentation: decode(
                    Presentation::parse(&r.get::<_, String>(7)?),
                    "extensions",
                    "presentation",
                )?,
            },
        },
    })
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserInfo> {
    Ok(UserInfo {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: decode(Role::parse(&r.get::<_, String>(3)?), "users", "role")?,
        must_change_password: r.get(4)?,
        language: decode(
            Language::parse(&r.get::<_, String>(5)?),
            "users",
            "language",
        )?,
    })
}

const SPAN_COLS: &str = "id, name, signalling, framing, crc4, role, switchtype, device, timing_priority, cid_mode, cid_number, cid_send_restricted";
const TRUNK_COLS: &str = "id, name, host, port, transport, username, password, register, outbound_proxy, max_channels, enabled, cid_mode, cid_number, cid_send_restricted";
const EXTENSION_COLS: &str =
    "id, number, name, kind, sip_password, digest_algorithms, outbound_cid, presentation";
const USER_COLS: &str = "id, username, display_name, role, must_change_password, language";

impl Store {
    /// Validates and applies one command in one transaction; see the module docs.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming the field and rule, [`StoreError::NotFound`] for an
    /// unknown id; in both cases nothing was written.
    pub fn execute(&mut self, ctx: CommandContext<'_>, cmd: &Command) -> Result<Change> {
        let hash = prehash(cmd)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let change = execute_in(&tx, ctx, cmd, hash)?;
        tx.commit()?;
        Ok(change)
    }

    /// Validates and applies several commands in one transaction: all or nothing. Each
    /// command still gets its own revision and [`Change`].
    ///
    /// # Errors
    /// The first command's error; nothing of the batch was written.
    pub fn execute_all(
        &mut self,
        ctx: CommandContext<'_>,
        cmds: &[Command],
    ) -> Result<Vec<Change>> {
        let hashes = cmds.iter().map(prehash).collect::<Result<Vec<_>>>()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changes = cmds
            .iter()
            .zip(hashes)
            .map(|(c, h)| execute_in(&tx, ctx, c, h))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(changes)
    }

    /// The current config revision (0 on a fresh database; +1 per successful command).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn config_revision(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT revision FROM config_meta WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Changes after `revision`, oldest first, with who made them (the audit log).
    ///
    /// # Errors
    /// SQLite errors, or [`StoreError::BadStoredValue`].
    pub fn changes_since(&self, revision: i64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT revision, ts, actor, entity, entity_id, op FROM config_changes WHERE revision > ?1 ORDER BY revision",
        )?;
        let rows = stmt.query_map([revision], |r| {
            Ok(AuditEntry {
                change: Change {
                    revision: r.get(0)?,
                    entity: decode(
                        Entity::from_str_opt(&r.get::<_, String>(3)?),
                        "config_changes",
                        "entity",
                    )?,
                    id: r.get(4)?,
                    op: decode(Op::parse(&r.get::<_, String>(5)?), "config_changes", "op")?,
                },
                ts: Timestamp(r.get(1)?),
                actor: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All spans.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn spans(&self) -> Result<Vec<Stored<SpanConfig>>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {SPAN_COLS} FROM spans ORDER BY id"))?;
        Ok(s.query_map([], span_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// All SIP trunks.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn sip_trunks(&self) -> Result<Vec<Stored<SipTrunkConfig>>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {TRUNK_COLS} FROM sip_trunks ORDER BY id"))?;
        Ok(s.query_map([], trunk_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// All extensions, by number.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn extensions(&self) -> Result<Vec<Stored<ExtensionConfig>>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {EXTENSION_COLS} FROM extensions ORDER BY number"
        ))?;
        Ok(s.query_map([], extension_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The extension with this number (registrar and dial-plan look-up).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn extension_by_number(&self, number: &str) -> Result<Option<Stored<ExtensionConfig>>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {EXTENSION_COLS} FROM extensions WHERE number = ?1"
        ))?;
        Ok(s.query_row([number], extension_row).optional()?)
    }

    /// All trunk groups with their members in failover order.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn trunk_groups(&self) -> Result<Vec<Stored<TrunkGroupConfig>>> {
        let mut s = self
            .conn
            .prepare_cached("SELECT id, name FROM trunk_groups ORDER BY id")?;
        let groups: Vec<(i64, String)> = s
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut m = self.conn.prepare_cached(
            "SELECT span_id, sip_trunk_id FROM trunk_group_members WHERE group_id = ?1 ORDER BY position",
        )?;
        let mut out = Vec::with_capacity(groups.len());
        for (id, name) in groups {
            let members = m
                .query_map([id], |r| {
                    let s: Option<i64> = r.get(0)?;
                    let t: Option<i64> = r.get(1)?;
                    Ok(match (s, t) {
                        (Some(s), _) => TrunkRef::Span(s),
                        (None, Some(t)) => TrunkRef::SipTrunk(t),
                        (None, None) => decode(None, "trunk_group_members", "span_id")?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            out.push(Stored {
                id,
                config: TrunkGroupConfig { name, members },
            });
        }
        Ok(out)
    }

    /// All dial rules in match order (priority, then id).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn dial_rules(&self) -> Result<Vec<Stored<DialRuleConfig>>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, priority, pattern, strip, prepend, allow_toll, target_extension_id, target_trunk_group_id, target_queue_id, target_ivr FROM dial_rules ORDER BY priority, id",
        )?;
        let rows = s.query_map([], |r| {
            let e: Option<i64> = r.get(6)?;
            let g: Option<i64> = r.get(7)?;
            let q: Option<i64> = r.get(8)?;
            let i: Option<String> = r.get(9)?;
            let target = match (e, g, q, i) {
                (Some(e), ..) => DialTarget::Extension(e),
                (_, Some(g), ..) => DialTarget::TrunkGroup(g),
                (_, _, Some(q), _) => DialTarget::Queue(q),
                (_, _, _, Some(i)) => DialTarget::Ivr(i),
                _ => decode(None, "dial_rules", "target")?,
            };
            Ok(Stored {
                id: r.get(0)?,
                config: DialRuleConfig {
                    priority: r.get(1)?,
                    pattern: r.get(2)?,
                    strip: r.get(3)?,
                    prepend: r.get(4)?,
                    allow_toll: r.get(5)?,
                    target,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All DID rules in match order (priority, then id).
    ///
    /// # Errors
    /// SQLite errors, or [`StoreError::BadStoredValue`].
    pub fn did_rules(&self) -> Result<Vec<Stored<DidRuleConfig>>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, priority, pattern, strip, prepend, target_kind, target_extension_id, target_queue_id, target_ivr, reject_cause FROM did_rules ORDER BY priority, id",
        )?;
        let rows = s.query_map([], |r| {
            let kind: String = r.get(5)?;
            let e: Option<i64> = r.get(6)?;
            let q: Option<i64> = r.get(7)?;
            let i: Option<String> = r.get(8)?;
            let c: Option<u8> = r.get(9)?;
            let target = match (kind.as_str(), e, q, i, c) {
                ("extension", Some(e), ..) => DidTarget::Extension(e),
                ("queue", _, Some(q), ..) => DidTarget::Queue(q),
                ("ivr", _, _, Some(i), _) => DidTarget::Ivr(i),
                ("dialed_extension", ..) => DidTarget::DialedExtension,
                ("reject", .., Some(c)) => DidTarget::Reject(c),
                _ => decode(None, "did_rules", "target_kind")?,
            };
            Ok(Stored {
                id: r.get(0)?,
                config: DidRuleConfig {
                    priority: r.get(1)?,
                    pattern: r.get(2)?,
                    strip: r.get(3)?,
                    prepend: r.get(4)?,
                    target,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All users (without password hashes).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn users(&self) -> Result<Vec<UserInfo>> {
        let mut s = self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY id"))?;
        Ok(s.query_map([], user_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Checks a login: the user when `password` matches its argon2 hash, `None` otherwise
    /// (unknown user or wrong password alike). An unknown user name is checked against a
    /// dummy hash with the same argon2 parameters, so both answers cost one argon2
    /// verification and the time taken does not tell which user names exist. Rate limiting
    /// and lockout are the caller's.
    ///
    /// # Errors
    /// SQLite errors; a stored hash that is not a PHC string.
    pub fn verify_login(&self, username: &str, password: &str) -> Result<Option<UserInfo>> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {USER_COLS}, password_hash FROM users WHERE username = ?1"
        ))?;
        let row = s
            .query_row([username], |r| Ok((user_row(r)?, r.get::<_, String>(6)?)))
            .optional()?;
        let Some((user, hash)) = row else {
            // Same work as for a known user, and always a refusal.
            let _ = password_matches(dummy_hash()?, password);
            return Ok(None);
        };
        let Some(ok) = password_matches(&hash, password) else {
            return Err(StoreError::BadStoredValue {
                table: "users",
                column: "password_hash",
            });
        };
        Ok(ok.then_some(user))
    }

    /// All queues with required skills and members.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn queues(&self) -> Result<Vec<Stored<QueueConfig>>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, name, number, strategy, max_len, max_wait_s, service_level_s, short_abandon_s, wrapup_s FROM queues ORDER BY id",
        )?;
        let mut queues: Vec<Stored<QueueConfig>> = s
            .query_map([], |r| {
                Ok(Stored {
                    id: r.get(0)?,
                    config: QueueConfig {
                        name: r.get(1)?,
                        number: r.get(2)?,
                        strategy: decode(
                            Strategy::parse(&r.get::<_, String>(3)?),
                            "queues",
                            "strategy",
                        )?,
                        max_len: r.get(4)?,
                        max_wait_s: r.get(5)?,
                        service_level_s: r.get(6)?,
                        short_abandon_s: r.get(7)?,
                        wrapup_s: r.get(8)?,
                        skills: Vec::new(),
                        members: Vec::new(),
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut sk = self.conn.prepare_cached(
            "SELECT skill_id, min_level FROM queue_skills WHERE queue_id = ?1 ORDER BY skill_id",
        )?;
        let mut mb = self.conn.prepare_cached(
            "SELECT agent_id, penalty FROM queue_members WHERE queue_id = ?1 ORDER BY agent_id",
        )?;
        for q in &mut queues {
            q.config.skills = sk
                .query_map([q.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            q.config.members = mb
                .query_map([q.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(queues)
    }

    /// All skills.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn skills(&self) -> Result<Vec<Stored<SkillConfig>>> {
        let mut s = self
            .conn
            .prepare_cached("SELECT id, name FROM skills ORDER BY id")?;
        Ok(s.query_map([], |r| {
            Ok(Stored {
                id: r.get(0)?,
                config: SkillConfig { name: r.get(1)? },
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
    }

    /// All agents with their skills.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn agents(&self) -> Result<Vec<Stored<AgentConfig>>> {
        let mut s = self
            .conn
            .prepare_cached("SELECT id, number, name, user_id FROM agents ORDER BY number")?;
        let mut agents: Vec<Stored<AgentConfig>> = s
            .query_map([], |r| {
                Ok(Stored {
                    id: r.get(0)?,
                    config: AgentConfig {
                        number: r.get(1)?,
                        name: r.get(2)?,
                        user_id: r.get(3)?,
                        skills: Vec::new(),
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut sk = self.conn.prepare_cached(
            "SELECT skill_id, level FROM agent_skills WHERE agent_id = ?1 ORDER BY skill_id",
        )?;
        for a in &mut agents {
            a.config.skills = sk
                .query_map([a.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(agents)
    }

    /// All IVR flow versions, by name then version.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn ivr_flows(&self) -> Result<Vec<IvrFlow>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, name, version, flow, active FROM ivr_flows ORDER BY name, version",
        )?;
        Ok(s.query_map([], |r| {
            Ok(IvrFlow {
                id: r.get(0)?,
                name: r.get(1)?,
                version: r.get(2)?,
                flow: r.get(3)?,
                active: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod login_tests {
    use std::cell::Cell;

    use super::{Language, NewUser, Role};
    use crate::{Command, CommandContext, Store, Timestamp};

    thread_local! {
        /// argon2 verifications run on this thread (each test has its own thread).
        pub(super) static VERIFICATIONS: Cell<u32> = const { Cell::new(0) };
    }

    fn verifications_during(f: impl FnOnce()) -> u32 {
        let before = VERIFICATIONS.with(Cell::get);
        f();
        VERIFICATIONS.with(Cell::get) - before
    }

    /// User-name enumeration by timing: an unknown user costs the same one argon2
    /// verification as a known user with a wrong or a right password.
    #[test]
    fn unknown_and_known_users_both_run_one_argon2_verification() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path().join("c.db")).unwrap();
        let ctx = CommandContext {
            actor: "test",
            ts: Timestamp(1_700_000_000_000_000),
        };
        s.execute(
            ctx,
            &Command::CreateUser(NewUser {
                username: "root".into(),
                display_name: "Root".into(),
                role: Role::Admin,
                password: "correct horse".into(),
                must_change_password: false,
                language: Language::En,
            }),
        )
        .unwrap();
        for (user, password, found) in [
            ("nobody", "correct horse", false),
            ("nobody", "x", false),
            ("root", "wrong horse", false),
            ("root", "correct horse", true),
        ] {
            let mut got = None;
            let n = verifications_during(|| {
                got = Some(s.verify_login(user, password).unwrap().is_some());
            });
            assert_eq!(n, 1, "{user}/{password}: {n} argon2 verifications");
            assert_eq!(got, Some(found), "{user}/{password}");
        }
    }

    /// The dummy hash is a PHC string with the same algorithm and parameters as a stored
    /// one (so the unknown-user path costs the same) and no password of a test matches it.
    #[test]
    fn dummy_hash_has_the_stored_parameters() {
        use argon2::password_hash::phc::PasswordHash;
        let dummy = super::dummy_hash().unwrap();
        let stored = super::hash_password("correct horse").unwrap();
        let (d, h) = (
            PasswordHash::new(dummy).unwrap(),
            PasswordHash::new(&stored).unwrap(),
        );
        assert_eq!(d.algorithm, h.algorithm);
        assert_eq!(d.version, h.version);
        assert_eq!(d.params.to_string(), h.params.to_string());
        assert_eq!(super::password_matches(dummy, "correct horse"), Some(false));
    }
}
