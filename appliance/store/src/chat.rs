//! Web chat transcripts: a finished chat is one row of `interactions` (channel `chat`) and
//! its messages in `chat_messages`, written together in one transaction so a transcript is
//! never half saved. The customer's history ([`Store::interactions`]) lists chats beside
//! calls; [`Store::chat_transcript`] reads the messages back.
//!
//! The chat capacity (chats one agent handles at once) is a setting (`settings` key
//! `chat_capacity`, default [`DEFAULT_CHAT_CAPACITY`], [`CHAT_CAPACITY_RANGE`]), set with
//! [`crate::Command::SetChatCapacity`] (audited as entity `chat_settings`).

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::crm::{Interaction, insert_interaction_row};
use crate::error::{Invalid, Result, Rule};
use crate::{Store, Timestamp};

/// Longest message body kept (characters).
pub const MAX_BODY_CHARS: usize = 2000;
/// Longest author name (characters).
pub const MAX_AUTHOR_CHARS: usize = 64;
/// Most messages in one transcript.
pub const MAX_MESSAGES: usize = 2000;

/// Chats one agent handles at once when nothing is set.
pub const DEFAULT_CHAT_CAPACITY: u8 = 2;
/// The chat capacities an admin may set.
pub const CHAT_CAPACITY_RANGE: core::ops::RangeInclusive<u8> = 1..=10;
const CAPACITY_KEY: &str = "chat_capacity";

/// [`crate::Command::SetChatCapacity`] inside the command's transaction.
pub(crate) fn apply_capacity(
    tx: &rusqlite::Transaction<'_>,
    capacity: u8,
) -> Result<(crate::Entity, i64, crate::Op)> {
    if !CHAT_CAPACITY_RANGE.contains(&capacity) {
        return Err(Invalid::new(
            "chat.capacity",
            Rule::OutOfRange {
                min: i64::from(*CHAT_CAPACITY_RANGE.start()),
                max: i64::from(*CHAT_CAPACITY_RANGE.end()),
            },
        )
        .into());
    }
    tx.execute(
        "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
        params![CAPACITY_KEY, capacity.to_string()],
    )?;
    Ok((crate::Entity::ChatSettings, 0, crate::Op::Update))
}

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The customer (the web widget).
    Customer,
    /// The agent (the desk).
    Agent,
    /// The chat service (queued, transferred, closed…).
    System,
}

impl Sender {
    /// The stored text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::System => "system",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Self::Customer),
            "agent" => Some(Self::Agent),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// When it was sent.
    pub at: Timestamp,
    /// Who sent it.
    pub sender: Sender,
    /// The customer's name as given, or the agent number.
    pub author: String,
    /// Plain text as typed (never HTML; pages escape it).
    pub body: String,
}

fn check_line(l: &ChatLine) -> std::result::Result<(), Invalid> {
    if l.body.chars().count() > MAX_BODY_CHARS {
        return Err(Invalid::new(
            "chat.body",
            Rule::TooLong {
                max: MAX_BODY_CHARS,
            },
        ));
    }
    if l.author.chars().count() > MAX_AUTHOR_CHARS {
        return Err(Invalid::new(
            "chat.author",
            Rule::TooLong {
                max: MAX_AUTHOR_CHARS,
            },
        ));
    }
    Ok(())
}

impl Store {
    /// Chats one agent handles at once ([`DEFAULT_CHAT_CAPACITY`] when not set).
    ///
    /// # Errors
    /// SQLite errors; [`crate::StoreError::BadStoredValue`] for a stored value outside
    /// [`CHAT_CAPACITY_RANGE`].
    pub fn chat_capacity(&self) -> Result<u8> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [CAPACITY_KEY],
                |r| r.get(0),
            )
            .optional()?;
        match v {
            None => Ok(DEFAULT_CHAT_CAPACITY),
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|c| CHAT_CAPACITY_RANGE.contains(c))
                .ok_or(crate::StoreError::BadStoredValue {
                    table: "settings",
                    column: "value",
                }),
        }
    }

    /// Saves a finished chat: the interaction (its `channel` must be `chat`) and its
    /// messages, in one transaction. Returns the interaction id.
    ///
    /// # Errors
    /// [`crate::StoreError::Invalid`] (channel, lengths, too many messages, unknown
    /// customer, end before start); nothing is written then.
    pub fn record_chat(&mut self, i: &Interaction, lines: &[ChatLine]) -> Result<i64> {
        if i.channel != "chat" {
            return Err(
                Invalid::new("interaction.channel", Rule::BadChars { allowed: "chat" }).into(),
            );
        }
        if lines.len() > MAX_MESSAGES {
            return Err(Invalid::new("chat.messages", Rule::TooLong { max: MAX_MESSAGES }).into());
        }
        for l in lines {
            check_line(l)?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = insert_interaction_row(&tx, i)?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO chat_messages(interaction_id, seq, ts, sender, author, body) VALUES (?1,?2,?3,?4,?5,?6)",
            )?;
            for (seq, l) in lines.iter().enumerate() {
                ins.execute(params![
                    id,
                    i64::try_from(seq).unwrap_or(i64::MAX),
                    l.at.0,
                    l.sender.as_str(),
                    l.author,
                    l.body
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// The messages of a chat interaction, in order (empty for other interactions).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn chat_transcript(&self, interaction_id: i64) -> Result<Vec<ChatLine>> {
        let mut s = self.conn.prepare_cached(
            "SELECT ts, sender, author, body FROM chat_messages WHERE interaction_id = ?1 ORDER BY seq",
        )?;
        Ok(s.query_map([interaction_id], |r| {
            let sender: String = r.get(1)?;
            Ok(ChatLine {
                at: Timestamp(r.get(0)?),
                sender: Sender::parse(&sender).unwrap_or(Sender::System),
                author: r.get(2)?,
                body: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
    }

    /// The customer with this e-mail (on the customer or one of its contacts, case
    /// insensitive); the oldest when several share it.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn customer_by_email(&self, email: &str) -> Result<Option<crate::crm::Customer>> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(None);
        }
        let id: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT min(id) FROM (SELECT id FROM customers WHERE lower(email) = lower(?1) UNION SELECT customer_id FROM contacts WHERE lower(email) = lower(?1))",
            )?
            .query_row([email], |r| r.get(0))?;
        match id {
            Some(id) => self.customer(id),
            None => Ok(None),
        }
    }
}
