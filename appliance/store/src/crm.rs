//! The built-in CRM: customers, contacts with normalised phone numbers (screen pop by caller
//! ID), orders and purchase records, interactions (every call writes one), tickets with
//! notes, and a knowledge base searched with FTS5.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::config::text_enum;
use crate::error::{Entity, Invalid, Result, Rule, StoreError};
use crate::phone::{NumberPlan, normalise};
use crate::{Store, Timestamp};

/// A contact (a person or line of a customer) to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// Name.
    pub name: String,
    /// Phone number as typed.
    pub phone: String,
    /// E-mail.
    pub email: String,
}

/// A customer to create, with its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCustomer {
    /// Name.
    pub name: String,
    /// Company.
    pub company: String,
    /// E-mail.
    pub email: String,
    /// VIP (routing priority).
    pub vip: bool,
    /// Preferred agent number.
    pub account_owner: Option<String>,
    /// Free notes.
    pub notes: String,
    /// Contacts.
    pub contacts: Vec<NewContact>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// As typed.
    pub phone: String,
    /// Normalised (E.164 digits).
    pub phone_norm: String,
    /// E-mail.
    pub email: String,
}

/// A stored customer with its contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Company.
    pub company: String,
    /// E-mail.
    pub email: String,
    /// VIP.
    pub vip: bool,
    /// Preferred agent number.
    pub account_owner: Option<String>,
    /// Notes.
    pub notes: String,
    /// Created.
    pub created: Timestamp,
    /// Contacts.
    pub contacts: Vec<Contact>,
}

/// An order or purchase record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Row id (ignored on insert).
    pub id: i64,
    /// Customer.
    pub customer_id: i64,
    /// Order number.
    pub reference: String,
    /// When placed.
    pub placed: Timestamp,
    /// Free status text (`paid`, `shipped`…).
    pub status: String,
    /// Total in cents.
    pub total_cents: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Line items, a JSON array.
    pub items: serde_json::Value,
}

/// One contact with a customer (a call, a chat…).
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// Row id (ignored on insert).
    pub id: i64,
    /// Customer, when known.
    pub customer_id: Option<i64>,
    /// `call`, `chat`, `email`.
    pub channel: String,
    /// Call id for calls.
    pub call_id: Option<String>,
    /// The customer's number.
    pub remote_number: String,
    /// `inbound` / `outbound`.
    pub direction: String,
    /// Agent number.
    pub agent: Option<String>,
    /// Queue.
    pub queue: Option<String>,
    /// Start.
    pub started: Timestamp,
    /// End.
    pub ended: Timestamp,
    /// Disposition code.
    pub disposition: String,
    /// Agent notes.
    pub notes: String,
    /// IVR-collected data, recording ids, transcript…, a JSON object.
    pub data: serde_json::Value,
}

text_enum!(
    /// Ticket status.
    TicketStatus { /** New or being worked. */ Open = "open", /** Waiting on the customer. */ Pending = "pending", /** Solved. */ Resolved = "resolved", /** Done. */ Closed = "closed" }
);

/// A ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Row id.
    pub id: i64,
    /// Customer.
    pub customer_id: Option<i64>,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: TicketStatus,
    /// 1 (urgent) … 5 (low).
    pub priority: u8,
    /// Assigned user.
    pub assignee: Option<i64>,
    /// Created.
    pub created: Timestamp,
    /// Last change.
    pub updated: Timestamp,
    /// Notes, oldest first: (author, time, text).
    pub notes: Vec<(String, Timestamp, String)>,
}

/// A knowledge-base hit.
#[derive(Debug, Clone, PartialEq)]
pub struct KbHit {
    /// Article id.
    pub id: i64,
    /// Title with matches wrapped in `[` `]`.
    pub title: String,
    /// Category.
    pub category: String,
    /// Excerpt of the body around the matches, matches wrapped in `[` `]`.
    pub snippet: String,
}

/// Checks and inserts one interaction; returns its row id. The one INSERT of interactions,
/// shared by [`Store::record_interaction`], [`Store::record_chat`] and the journal
/// ([`Store::commit_journal`]).
///
/// # Errors
/// [`StoreError::Invalid`] (nothing written), SQLite errors.
pub(crate) fn insert_interaction_row(conn: &rusqlite::Connection, i: &Interaction) -> Result<i64> {
    check_nonempty("interaction.channel", &i.channel, 16)?;
    if i.ended < i.started {
        return Err(Invalid::new("interaction.ended", Rule::EndBeforeStart).into());
    }
    if !i.data.is_object() {
        return Err(Invalid::new("interaction.data", Rule::BadJson).into());
    }
    if let Some(c) = i.customer_id
        && !conn
            .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
            .exists([c])?
    {
        return Err(Invalid::new("interaction.customer_id", Rule::NoSuchReference).into());
    }
    conn.prepare_cached(
        "INSERT INTO interactions(customer_id, channel, call_id, remote_number, direction, agent, queue, started_ts, ended_ts, disposition, notes, data) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    )?
    .execute(params![i.customer_id, i.channel, i.call_id, i.remote_number, i.direction, i.agent, i.queue, i.started.0, i.ended.0, i.disposition, i.notes, i.data.to_string()])?;
    Ok(conn.last_insert_rowid())
}

fn check_nonempty(field: &'static str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.trim().is_empty() {
        return Err(Invalid::new(field, Rule::Empty));
    }
    if s.chars().count() > max {
        return Err(Invalid::new(field, Rule::TooLong { max }));
    }
    Ok(())
}

impl Store {
    /// The numbering plan used to normalise phone numbers.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn number_plan(&self) -> Result<NumberPlan> {
        let mut plan = NumberPlan {
            country_code: String::new(),
            international_prefix: String::new(),
            trunk_prefix: String::new(),
        };
        let mut s = self.conn.prepare_cached(
            "SELECT key, value FROM settings WHERE key IN ('country_code', 'international_prefix', 'trunk_prefix')",
        )?;
        let rows = s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (k, v) = row?;
            match k.as_str() {
                "country_code" => plan.country_code = v,
                "international_prefix" => plan.international_prefix = v,
                _ => plan.trunk_prefix = v,
            }
        }
        Ok(plan)
    }

    /// Changes the numbering plan and re-normalises every stored contact number with it, in
    /// one transaction.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] on `number_plan.*` for non-digits or bad lengths
    /// (country code 1–3 digits, prefixes 0–4 digits).
    pub fn set_number_plan(&mut self, plan: &NumberPlan) -> Result<()> {
        for (field, v, min, max) in [
            ("number_plan.country_code", &plan.country_code, 1, 3),
            (
                "number_plan.international_prefix",
                &plan.international_prefix,
                0,
                4,
            ),
            ("number_plan.trunk_prefix", &plan.trunk_prefix, 0, 4),
        ] {
            if !v.chars().all(|c| c.is_ascii_digit()) {
                return Err(Invalid::new(field, Rule::BadChars { allowed: "0-9" }).into());
            }
            if v.len() < min {
                return Err(Invalid::new(field, Rule::TooShort { min }).into());
            }
            if v.len() > max {
                return Err(Invalid::new(field, Rule::TooLong { max }).into());
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (k, v) in [
            ("country_code", &plan.country_code),
            ("international_prefix", &plan.international_prefix),
            ("trunk_prefix", &plan.trunk_prefix),
        ] {
            tx.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        let rows: Vec<(i64, String)> = tx
            .prepare("SELECT id, phone_raw FROM contacts")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        {
            let mut upd = tx.prepare("UPDATE contacts SET phone_norm = ?1 WHERE id = ?2")?;
            for (id, raw) in rows {
                // Stored numbers passed normalisation once; it depends on the plan only for
                // the digits it adds, so it cannot fail now.
                let norm = normalise(&raw, plan).unwrap_or(raw);
                upd.execute(params![norm, id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Creates a customer and its contacts in one transaction; returns the customer id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (empty name, bad phone number on `contact.phone`), nothing written.
    pub fn create_customer(&mut self, c: &NewCustomer, now: Timestamp) -> Result<i64> {
        check_nonempty("customer.name", &c.name, 200)?;
        let plan = self.number_plan()?;
        let mut norms = Vec::with_capacity(c.contacts.len());
        for k in &c.contacts {
            check_nonempty("contact.name", &k.name, 200)?;
            norms.push(
                normalise(&k.phone, &plan)
                    .map_err(|_| Invalid::new("contact.phone", Rule::BadPhoneNumber))?,
            );
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO customers(name, company, email, vip, account_owner, notes, created_ts) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![c.name, c.company, c.email, c.vip, c.account_owner, c.notes, now.0],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO contacts(customer_id, name, phone_raw, phone_norm, email) VALUES (?1,?2,?3,?4,?5)",
            )?;
            for (k, norm) in c.contacts.iter().zip(&norms) {
                ins.execute(params![id, k.name, k.phone, norm, k.email])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Adds a contact to a customer.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Invalid`].
    pub fn add_contact(&mut self, customer_id: i64, k: &NewContact) -> Result<i64> {
        check_nonempty("contact.name", &k.name, 200)?;
        let norm = normalise(&k.phone, &self.number_plan()?)
            .map_err(|_| Invalid::new("contact.phone", Rule::BadPhoneNumber))?;
        if !self
            .conn
            .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
            .exists([customer_id])?
        {
            return Err(StoreError::NotFound {
                entity: Entity::Customer,
                id: customer_id,
            });
        }
        self.conn.execute(
            "INSERT INTO contacts(customer_id, name, phone_raw, phone_norm, email) VALUES (?1,?2,?3,?4,?5)",
            params![customer_id, k.name, k.phone, norm, k.email],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A customer with its contacts.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn customer(&self, id: i64) -> Result<Option<Customer>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, name, company, email, vip, account_owner, notes, created_ts FROM customers WHERE id = ?1",
        )?;
        let Some(mut c) = s
            .query_row([id], |r| {
                Ok(Customer {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    company: r.get(2)?,
                    email: r.get(3)?,
                    vip: r.get(4)?,
                    account_owner: r.get(5)?,
                    notes: r.get(6)?,
                    created: Timestamp(r.get(7)?),
                    contacts: Vec::new(),
                })
            })
            .optional()?
        else {
            return Ok(None);
        };
        let mut k = self.conn.prepare_cached(
            "SELECT id, name, phone_raw, phone_norm, email FROM contacts WHERE customer_id = ?1 ORDER BY id",
        )?;
        c.contacts = k
            .query_map([id], |r| {
                Ok(Contact {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    phone: r.get(2)?,
                    phone_norm: r.get(3)?,
                    email: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(c))
    }

    /// The screen-pop query: the customer owning caller ID `number` (any written form), by
    /// the indexed normalised number; the oldest customer when several share it.
    /// `None` for unknown numbers and for caller IDs that are not numbers (withheld…).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn customer_by_phone(&self, number: &str) -> Result<Option<Customer>> {
        let Ok(norm) = normalise(number, &self.number_plan()?) else {
            return Ok(None);
        };
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT min(customer_id) FROM contacts WHERE phone_norm = ?1")?
            .query_row([norm], |r| r.get(0))?;
        match id {
            Some(id) => self.customer(id),
            None => Ok(None),
        }
    }

    /// Deletes a customer and its contacts and orders; its interactions and tickets stay,
    /// detached.
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn delete_customer(&mut self, id: i64) -> Result<()> {
        if self
            .conn
            .execute("DELETE FROM customers WHERE id = ?1", [id])?
            == 0
        {
            return Err(StoreError::NotFound {
                entity: Entity::Customer,
                id,
            });
        }
        Ok(())
    }

    /// Records an order / purchase.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] (`order.customer_id` unknown, empty reference, items not a JSON array).
    pub fn add_order(&mut self, o: &Order) -> Result<i64> {
        check_nonempty("order.reference", &o.reference, 64)?;
        if o.currency.len() != 3 || !o.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Invalid::new(
                "order.currency",
                Rule::BadChars {
                    allowed: "three letters A-Z",
                },
            )
            .into());
        }
        if !o.items.is_array() {
            return Err(Invalid::new("order.items", Rule::BadJson).into());
        }
        if !self
            .conn
            .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
            .exists([o.customer_id])?
        {
            return Err(Invalid::new("order.customer_id", Rule::NoSuchReference).into());
        }
        self.conn.execute(
            "INSERT INTO orders(customer_id, reference, placed_ts, status, total_cents, currency, items) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![o.customer_id, o.reference, o.placed.0, o.status, o.total_cents, o.currency, o.items.to_string()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A customer's orders, newest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn orders(&self, customer_id: i64) -> Result<Vec<Order>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, customer_id, reference, placed_ts, status, total_cents, currency, items FROM orders WHERE customer_id = ?1 ORDER BY placed_ts DESC, id DESC",
        )?;
        Ok(s.query_map([customer_id], |r| {
            Ok(Order {
                id: r.get(0)?,
                customer_id: r.get(1)?,
                reference: r.get(2)?,
                placed: Timestamp(r.get(3)?),
                status: r.get(4)?,
                total_cents: r.get(5)?,
                currency: r.get(6)?,
                items: serde_json::from_str(&r.get::<_, String>(7)?)
                    .unwrap_or(serde_json::Value::Null),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
    }

    /// Writes an interaction (the CTI layer calls this at the end of every call).
    ///
    /// # Errors
    /// [`StoreError::Invalid`].
    pub fn record_interaction(&mut self, i: &Interaction) -> Result<i64> {
        insert_interaction_row(&self.conn, i)
    }

    /// A customer's interaction history, newest first.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn interactions(&self, customer_id: i64, limit: u32) -> Result<Vec<Interaction>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, customer_id, channel, call_id, remote_number, direction, agent, queue, started_ts, ended_ts, disposition, notes, data FROM interactions WHERE customer_id = ?1 ORDER BY started_ts DESC, id DESC LIMIT ?2",
        )?;
        Ok(s.query_map(params![customer_id, limit], |r| {
            Ok(Interaction {
                id: r.get(0)?,
                customer_id: r.get(1)?,
                channel: r.get(2)?,
                call_id: r.get(3)?,
                remote_number: r.get(4)?,
                direction: r.get(5)?,
                agent: r.get(6)?,
                queue: r.get(7)?,
                started: Timestamp(r.get(8)?),
                ended: Timestamp(r.get(9)?),
                disposition: r.get(10)?,
                notes: r.get(11)?,
                data: serde_json::from_str(&r.get::<_, String>(12)?)
                    .unwrap_or(serde_json::Value::Null),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
    }

    /// Opens a ticket; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`].
    pub fn create_ticket(
        &mut self,
        customer_id: Option<i64>,
        subject: &str,
        priority: u8,
        assignee: Option<i64>,
        now: Timestamp,
    ) -> Result<i64> {
        check_nonempty("ticket.subject", subject, 200)?;
        if !(1..=5).contains(&priority) {
            return Err(
                Invalid::new("ticket.priority", Rule::OutOfRange { min: 1, max: 5 }).into(),
            );
        }
        if let Some(c) = customer_id
            && !self
                .conn
                .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
                .exists([c])?
        {
            return Err(Invalid::new("ticket.customer_id", Rule::NoSuchReference).into());
        }
        if let Some(u) = assignee
            && !self
                .conn
                .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
                .exists([u])?
        {
            return Err(Invalid::new("ticket.assignee", Rule::NoSuchReference).into());
        }
        self.conn.execute(
            "INSERT INTO tickets(customer_id, subject, status, priority, assignee, created_ts, updated_ts) VALUES (?1,?2,'open',?3,?4,?5,?5)",
            params![customer_id, subject, priority, assignee, now.0],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Changes a ticket's status and assignee.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Invalid`].
    pub fn update_ticket(
        &mut self,
        id: i64,
        status: TicketStatus,
        assignee: Option<i64>,
        now: Timestamp,
    ) -> Result<()> {
        if let Some(u) = assignee
            && !self
                .conn
                .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
                .exists([u])?
        {
            return Err(Invalid::new("ticket.assignee", Rule::NoSuchReference).into());
        }
        let n = self.conn.execute(
            "UPDATE tickets SET status = ?1, assignee = ?2, updated_ts = ?3 WHERE id = ?4",
            params![status.as_str(), assignee, now.0, id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: Entity::Ticket,
                id,
            });
        }
        Ok(())
    }

    /// Adds a note to a ticket.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Invalid`].
    pub fn add_ticket_note(
        &mut self,
        id: i64,
        author: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<()> {
        check_nonempty("ticket_note.body", body, 20_000)?;
        check_nonempty("ticket_note.author", author, 64)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if tx.execute(
            "UPDATE tickets SET updated_ts = ?1 WHERE id = ?2",
            params![now.0, id],
        )? == 0
        {
            return Err(StoreError::NotFound {
                entity: Entity::Ticket,
                id,
            });
        }
        tx.execute(
            "INSERT INTO ticket_notes(ticket_id, author, ts, body) VALUES (?1,?2,?3,?4)",
            params![id, author, now.0, body],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Tickets of a customer (open and pending only when `open_only`), newest first, with notes.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn tickets(&self, customer_id: i64, open_only: bool) -> Result<Vec<Ticket>> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, customer_id, subject, status, priority, assignee, created_ts, updated_ts FROM tickets WHERE customer_id = ?1 AND (?2 = 0 OR status IN ('open', 'pending')) ORDER BY created_ts DESC, id DESC",
        )?;
        let mut tickets: Vec<Ticket> = s
            .query_map(params![customer_id, open_only], |r| {
                Ok(Ticket {
                    id: r.get(0)?,
                    customer_id: r.get(1)?,
                    subject: r.get(2)?,
                    status: TicketStatus::parse(&r.get::<_, String>(3)?)
                        .unwrap_or(TicketStatus::Open),
                    priority: r.get(4)?,
                    assignee: r.get(5)?,
                    created: Timestamp(r.get(6)?),
                    updated: Timestamp(r.get(7)?),
                    notes: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut n = self.conn.prepare_cached(
            "SELECT author, ts, body FROM ticket_notes WHERE ticket_id = ?1 ORDER BY id",
        )?;
        for t in &mut tickets {
            t.notes = n
                .query_map([t.id], |r| Ok((r.get(0)?, Timestamp(r.get(1)?), r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(tickets)
    }

    /// Adds or replaces (`id = Some`) a knowledge-base article; returns its id. Not
    /// audited: the panel goes through [`crate::Command::CreateArticle`] and friends, which
    /// write the same rows and a line in the change log.
    ///
    /// # Errors
    /// [`StoreError::Invalid`], [`StoreError::NotFound`].
    pub fn put_article(
        &mut self,
        id: Option<i64>,
        title: &str,
        category: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<i64> {
        put_article_in(&self.conn, id, title, category, body, now)
    }

    /// Removes an article (not audited, see [`Self::put_article`]).
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn delete_article(&mut self, id: i64) -> Result<()> {
        delete_article_in(&self.conn, id)
    }

    /// Full-text search of the knowledge base, best match first.
    ///
    /// The query is split on white space; every word must occur (as a substring: the index
    /// uses FTS5's trigram tokenizer, which also serves Chinese text, which has no spaces).
    /// Words are quoted, so FTS5 operators in user input are matched literally. Words shorter
    /// than three characters (two-character Chinese words are common) cannot use the trigram
    /// index; a query containing one is answered by a scan with `instr`, with the same
    /// snippet markup.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty query (`kb.query`).
    pub fn search_kb(&self, query: &str, limit: u32) -> Result<Vec<KbHit>> {
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Err(Invalid::new("kb.query", Rule::Empty).into());
        }
        if words.iter().all(|w| w.chars().count() >= 3) {
            let fts: Vec<String> = words
                .iter()
                .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
                .collect();
            let mut s = self.conn.prepare_cached(
                "SELECT a.id, highlight(kb_fts, 0, '[', ']'), a.category, snippet(kb_fts, 1, '[', ']', '…', 16) \
                 FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid WHERE kb_fts MATCH ?1 ORDER BY rank LIMIT ?2",
            )?;
            return Ok(s
                .query_map(params![fts.join(" "), limit], |r| {
                    Ok(KbHit {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        category: r.get(2)?,
                        snippet: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?);
        }
        // Short words: scan. Articles are few (hundreds to thousands), so this stays fast.
        let mut s = self.conn.prepare_cached(
            "SELECT id, title, category, body FROM kb_articles ORDER BY updated_ts DESC, id DESC",
        )?;
        let mut hits = Vec::new();
        let rows = s.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, title, category, body) = row?;
            let lt = title.to_lowercase();
            let lb = body.to_lowercase();
            if words.iter().all(|w| {
                let w = w.to_lowercase();
                lt.contains(&w) || lb.contains(&w)
            }) {
                hits.push(KbHit {
                    id,
                    title: mark(&title, &words),
                    category,
                    snippet: excerpt(&body, &words),
                });
                if hits.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(hits)
    }
}

/// Wraps case-insensitive occurrences of `words` in `[` `]`.
fn mark(text: &str, words: &[&str]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    if lower.len() != chars.len() {
        return text.to_owned();
    }
    let wl: Vec<Vec<char>> = words
        .iter()
        .map(|w| w.to_lowercase().chars().collect())
        .collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if let Some(w) = wl
            .iter()
            .find(|w| !w.is_empty() && lower[i..].starts_with(w))
        {
            out.push('[');
            out.extend(&chars[i..i + w.len()]);
            out.push(']');
            i += w.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// About 32 characters around the first match, marked.
fn excerpt(body: &str, words: &[&str]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let lower: String = body.to_lowercase();
    let first = words
        .iter()
        .filter_map(|w| lower.find(&w.to_lowercase()))
        .min()
        .map_or(0, |b| lower[..b].chars().count())
        .min(chars.len());
    let start = first.saturating_sub(12);
    let end = (first + 32).min(chars.len());
    let piece: String = chars[start..end].iter().collect();
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.push_str(&mark(&piece, words));
    if end < chars.len() {
        s.push('…');
    }
    s
}

/// Adds or replaces (`id = Some`) an article over `conn` (a connection or a transaction).
pub(crate) fn put_article_in(
    conn: &rusqlite::Connection,
    id: Option<i64>,
    title: &str,
    category: &str,
    body: &str,
    now: Timestamp,
) -> Result<i64> {
    check_nonempty("article.title", title, 200)?;
    check_nonempty("article.category", category, 64)?;
    check_nonempty("article.body", body, 200_000)?;
    match id {
        Some(id) => {
            let n = conn.execute(
                "UPDATE kb_articles SET title = ?1, category = ?2, body = ?3, updated_ts = ?4 WHERE id = ?5",
                params![title, category, body, now.0, id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    entity: Entity::Article,
                    id,
                });
            }
            Ok(id)
        }
        None => {
            conn.execute(
                "INSERT INTO kb_articles(title, category, body, updated_ts) VALUES (?1,?2,?3,?4)",
                params![title, category, body, now.0],
            )?;
            Ok(conn.last_insert_rowid())
        }
    }
}

/// Removes an article over `conn`.
pub(crate) fn delete_article_in(conn: &rusqlite::Connection, id: i64) -> Result<()> {
    if conn.execute("DELETE FROM kb_articles WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound {
            entity: Entity::Article,
            id,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Store;

    /// The screen-pop look-up is an index search, not a table scan.
    #[test]
    fn screen_pop_query_uses_the_phone_index() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("p.db")).unwrap();
        let plan: Vec<String> = s
            .conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT min(customer_id) FROM contacts WHERE phone_norm = ?1",
            )
            .unwrap()
            .query_map(["1"], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("USING INDEX contacts_phone")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "{plan:?}");
    }
}
