//! Errors of the store: one typed error, with validation failures naming the field and the rule.

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite itself failed (I/O, locking beyond the busy timeout, a constraint the API should
    /// have caught first).
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file operation around the database failed (backup target, restore source).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A command or record broke a rule; nothing was written.
    #[error("invalid input: {0}")]
    Invalid(#[from] Invalid),
    /// The database was written by a newer version of the appliance; refusing to touch it.
    #[error(
        "database schema version {found} is newer than this program supports ({supported}); \
         install the newer appliance version or restore a backup made by this one"
    )]
    NewerSchema {
        /// `PRAGMA user_version` found in the file.
        found: u32,
        /// Latest schema version this build knows.
        supported: u32,
    },
    /// The file is an SQLite database of some other application (or not ours to migrate).
    #[error("not an appliance database (application_id {found:#x}, expected {expected:#x})")]
    NotOurDatabase {
        /// `PRAGMA application_id` found.
        found: i32,
        /// The appliance's application id.
        expected: i32,
    },
    /// At open, a table the schema version promises is missing.
    #[error("schema check failed: table `{table}` missing at version {version}")]
    SchemaMismatch {
        /// The missing table.
        table: &'static str,
        /// The schema version the file claims.
        version: u32,
    },
    /// `PRAGMA integrity_check` or `foreign_key_check` reported problems.
    #[error("database integrity check failed ({problems} problem(s))")]
    Corrupt {
        /// Number of problem rows reported.
        problems: usize,
    },
    /// Restoring into a live database needs both files to use the same page size.
    #[error("backup page size {backup} differs from the live database's {live}")]
    PageSizeMismatch {
        /// Page size of the backup file.
        backup: u32,
        /// Page size of the live database.
        live: u32,
    },
    /// The row a command addresses does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of row.
        entity: Entity,
        /// Its id.
        id: i64,
    },
    /// A value stored in the database does not decode (written outside this crate).
    #[error("stored value in {table}.{column} does not decode")]
    BadStoredValue {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
    },
    /// Hashing a password failed (argon2 parameter or RNG failure).
    #[error("password hashing failed")]
    PasswordHash,
}

/// A validation failure: which field, which rule. Returned before any write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct Invalid {
    /// Dotted field name, e.g. `extension.number`.
    pub field: &'static str,
    /// The rule the value broke.
    pub rule: Rule,
}

impl Invalid {
    /// Shorthand constructor.
    #[must_use]
    pub const fn new(field: &'static str, rule: Rule) -> Self {
        Self { field, rule }
    }
}

/// The rules a field can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rule {
    /// Must not be empty.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("longer than {max} characters")]
    TooLong {
        /// Maximum length.
        max: usize,
    },
    /// Shorter than allowed.
    #[error("shorter than {min} characters")]
    TooShort {
        /// Minimum length.
        min: usize,
    },
    /// A character outside the allowed set.
    #[error("contains a character outside {allowed}")]
    BadChars {
        /// Human description of the allowed set.
        allowed: &'static str,
    },
    /// A number out of range.
    #[error("must be between {min} and {max}")]
    OutOfRange {
        /// Minimum.
        min: i64,
        /// Maximum.
        max: i64,
    },
    /// Another row already uses this value.
    #[error("already in use")]
    Duplicate,
    /// The referenced row does not exist.
    #[error("refers to a row that does not exist")]
    NoSuchReference,
    /// Other rows still refer to this one.
    #[error("still referred to by {by}")]
    InUse {
        /// What refers to it.
        by: &'static str,
    },
    /// Not a valid dial-plan pattern.
    #[error("not a valid dial pattern (digits, X, Z, N, [a-b], '.' or '!' at the end)")]
    BadPattern,
    /// Not valid JSON, or not the expected shape.
    #[error("not valid JSON of the expected shape")]
    BadJson,
    /// Combination with another field is not allowed.
    #[error("not allowed together with {other}")]
    Conflicts {
        /// The other field.
        other: &'static str,
    },
    /// Required by another field's value.
    #[error("required when {because}")]
    Required {
        /// Why.
        because: &'static str,
    },
    /// A time range whose end is before its start.
    #[error("end before start")]
    EndBeforeStart,
    /// Would leave the system without an admin user.
    #[error("would leave no admin user")]
    LastAdmin,
    /// A literal rule that an earlier rule (priority order) already matches: it would never
    /// be reached, and the switch refuses such a plan.
    #[error("never reached: rule {by} comes first and matches it")]
    Shadowed {
        /// Id of the earlier rule.
        by: i64,
    },
    /// Not a usable phone number.
    #[error("not a phone number (digits, optional leading +, separators)")]
    BadPhoneNumber,
}

/// Kinds of rows, for [`StoreError::NotFound`] and change notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// E1 span.
    Span,
    /// SIP trunk.
    SipTrunk,
    /// Extension / SIP account.
    Extension,
    /// Trunk group.
    TrunkGroup,
    /// Dial-plan rule.
    DialRule,
    /// DID rule (calls from outside).
    DidRule,
    /// User of the panel / CTI.
    User,
    /// ACD queue.
    Queue,
    /// Skill.
    Skill,
    /// Agent.
    Agent,
    /// IVR flow version.
    IvrFlow,
    /// Customer.
    Customer,
    /// Contact of a customer.
    Contact,
    /// Order / purchase record.
    Order,
    /// Ticket.
    Ticket,
    /// Knowledge-base article.
    Article,
    /// Recording.
    Recording,
    /// Interaction.
    Interaction,
    /// Business-hours calendar.
    BusinessHours,
    /// Scheduled callback.
    Callback,
    /// Knowledge-base category.
    KbCategory,
    /// The management network settings (files, not rows).
    Network,
    /// Time and NTP settings (files, not rows).
    TimeSettings,
    /// The database as a whole (a restore).
    Database,
    /// The firmware (an update written to a slot).
    Firmware,
    /// Analog or sound-card line port ([`crate::lines`]).
    LinePort,
    /// The recording policy (settings, id 0).
    RecordingPolicy,
    /// Web chat settings: chats per agent (settings, id 0).
    ChatSettings,
    /// Voicemail settings: seconds of silence that end a message (settings, id 0).
    VoicemailSettings,
    /// CRM account ([`crate::billing`]).
    Account,
    /// Bill of an account.
    Bill,
    /// Appointment of a customer.
    Appointment,
}

impl Entity {
    /// Stable lower-case name, as stored in the change log.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Span => "span",
            Self::SipTrunk => "sip_trunk",
            Self::Extension => "extension",
            Self::TrunkGroup => "trunk_group",
            Self::DialRule => "dial_rule",
            Self::DidRule => "did_rule",
            Self::User => "user",
            Self::Queue => "queue",
            Self::Skill => "skill",
            Self::Agent => "agent",
            Self::IvrFlow => "ivr_flow",
            Self::Customer => "customer",
            Self::Contact => "contact",
            Self::Order => "order",
            Self::Ticket => "ticket",
            Self::Article => "article",
            Self::Recording => "recording",
            Self::Interaction => "interaction",
            Self::BusinessHours => "business_hours",
            Self::Callback => "callback",
            Self::KbCategory => "kb_category",
            Self::Network => "network",
            Self::TimeSettings => "time",
            Self::Database => "database",
            Self::Firmware => "firmware",
            Self::LinePort => "line_port",
            Self::RecordingPolicy => "recording_policy",
            Self::ChatSettings => "chat_settings",
            Self::VoicemailSettings => "voicemail_settings",
            Self::Account => "account",
            Self::Bill => "bill",
            Self::Appointment => "appointment",
        }
    }

    pub(crate) fn from_str_opt(s: &str) -> Option<Self> {
        const ALL: [Entity; 32] = [
            Entity::Span,
            Entity::SipTrunk,
            Entity::Extension,
            Entity::TrunkGroup,
            Entity::DialRule,
            Entity::DidRule,
            Entity::User,
            Entity::Queue,
            Entity::Skill,
            Entity::Agent,
            Entity::IvrFlow,
            Entity::Customer,
            Entity::Contact,
            Entity::Order,
            Entity::Ticket,
            Entity::Article,
            Entity::Recording,
            Entity::Interaction,
            Entity::BusinessHours,
            Entity::Callback,
            Entity::KbCategory,
            Entity::Network,
            Entity::TimeSettings,
            Entity::Database,
            Entity::Firmware,
            Entity::LinePort,
            Entity::RecordingPolicy,
            Entity::ChatSettings,
            Entity::VoicemailSettings,
            Entity::Account,
            Entity::Bill,
            Entity::Appointment,
        ];
        ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl core::fmt::Display for Entity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Result alias of the crate.
pub type Result<T, E = StoreError> = core::result::Result<T, E>;
