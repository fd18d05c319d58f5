//! Versioned schema migrations.
//!
//! The schema is an ordered list of steps; step `n` (1-based) takes a database from
//! `PRAGMA user_version = n-1` to `n`. Each step runs in one immediate transaction together
//! with the `user_version` bump, so a crash during an upgrade leaves the previous version
//! intact. Steps are never edited once released: a change is a new step.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Result, StoreError};

/// `PRAGMA application_id` of appliance databases ("TELC").
pub const APPLICATION_ID: i32 = 0x5445_4C43;

/// One migration step.
#[derive(Debug)]
pub(crate) struct Step {
    /// What it adds, for logs and docs.
    pub(crate) what: &'static str,
    /// SQL run as one batch.
    pub(crate) sql: &'static str,
    /// Tables that must exist once this step ran (the schema check at open).
    pub(crate) tables: &'static [&'static str],
}

/// The migrations, in order. `STEPS.len()` is the current schema version.
pub(crate) const STEPS: &[Step] = &[
    Step {
        what: "v1 configuration: spans, SIP trunks, extensions, trunk groups, dial plan, users, config revision",
        sql: V1,
        tables: &[
            "config_meta",
            "config_changes",
            "spans",
            "sip_trunks",
            "extensions",
            "trunk_groups",
            "trunk_group_members",
            "dial_rules",
            "users",
        ],
    },
    Step {
        what: "v2 append-only call/queue/agent event log and CDRs",
        sql: V2,
        tables: &["events", "cdrs"],
    },
    Step {
        what: "v3 CRM: customers, contacts, orders, interactions, tickets, knowledge base (FTS5)",
        sql: V3,
        tables: &[
            "settings",
            "customers",
            "contacts",
            "orders",
            "interactions",
            "tickets",
            "ticket_notes",
            "kb_articles",
            "kb_fts",
        ],
    },
    Step {
        what: "v4 call-center configuration: queues, skills, agents, IVR flows; dial rules may target queues and IVRs",
        sql: V4,
        tables: &[
            "queues",
            "skills",
            "agents",
            "agent_skills",
            "queue_members",
            "queue_skills",
            "ivr_flows",
        ],
    },
    Step {
        what: "v5 recordings index",
        sql: V5,
        tables: &["recordings"],
    },
    Step {
        what: "v6 technician accounts of the serial console (argon2id, failed-login lockout)",
        sql: V6,
        tables: &["technicians"],
    },
    Step {
        what: "v7 agent desktop and QA: business hours and holidays, scheduled callbacks, QA forms and scores, KB categories",
        sql: V7,
        tables: &[
            "business_hours",
            "holidays",
            "callbacks",
            "qa_forms",
            "qa_scores",
            "kb_categories",
        ],
    },
    Step {
        what: "v8 voicemail messages: a recording linked to its mailbox, queue and CRM customer",
        sql: V8,
        tables: &["voicemails"],
    },
    Step {
        what: "v9 web chat transcripts: the messages of each chat interaction",
        sql: V9,
        tables: &["chat_messages"],
    },
    Step {
        what: "v10 queue business hours: the calendar each queue is open by",
        sql: V10,
        tables: &["queue_calendars"],
    },
    Step {
        what: "v11 line ports: analog FXS/FXO ports and sound-card channels (crate::lines)",
        sql: V11,
        tables: &["line_ports"],
    },
    Step {
        what: "v12 per-extension digest algorithms (md5 for phones that fail SHA-256)",
        sql: V12,
        tables: &[],
    },
    Step {
        what: "v13 a queue's own closed destination; CRM accounts, bills and appointments (IVR look-ups)",
        sql: V13,
        tables: &["accounts", "bills", "appointments"],
    },
    Step {
        what: "v14 DID rules (carrier numbers with rewriting); caller-ID rules of spans and SIP trunks, outbound caller ID and presentation of extensions",
        sql: V14,
        tables: &["did_rules"],
    },
    Step {
        what: "v15 FXO answer supervision: a line port's call answered at the polarity reversal",
        sql: V15,
        tables: &[],
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = STEPS.len() as u32;

const V1: &str = r"
CREATE TABLE config_meta(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO config_meta(id, revision) VALUES (1, 0);
CREATE TABLE config_changes(
    revision INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete'))
);
CREATE TABLE spans(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    signalling TEXT NOT NULL,
    framing TEXT NOT NULL,
    crc4 INTEGER NOT NULL,
    role TEXT NOT NULL,
    switchtype TEXT NOT NULL,
    device TEXT NOT NULL,
    timing_priority INTEGER NOT NULL
);
CREATE TABLE sip_trunks(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    transport TEXT NOT NULL,
    username TEXT,
    password TEXT,
    register INTEGER NOT NULL,
    outbound_proxy TEXT,
    max_channels INTEGER NOT NULL,
    enabled INTEGER NOT NULL
);
CREATE TABLE extensions(
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sip_password TEXT
);
CREATE TABLE trunk_groups(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE trunk_group_members(
    group_id INTEGER NOT NULL REFERENCES trunk_groups(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    span_id INTEGER REFERENCES spans(id),
    sip_trunk_id INTEGER REFERENCES sip_trunks(id),
    PRIMARY KEY (group_id, position),
    CHECK ((span_id IS NULL) <> (sip_trunk_id IS NULL))
);
CREATE INDEX trunk_group_members_span ON trunk_group_members(span_id);
CREATE INDEX trunk_group_members_trunk ON trunk_group_members(sip_trunk_id);
CREATE TABLE dial_rules(
    id INTEGER PRIMARY KEY,
    priority INTEGER NOT NULL,
    pattern TEXT NOT NULL,
    strip INTEGER NOT NULL,
    prepend TEXT NOT NULL,
    allow_toll INTEGER NOT NULL,
    target_extension_id INTEGER REFERENCES extensions(id),
    target_trunk_group_id INTEGER REFERENCES trunk_groups(id),
    CHECK ((target_extension_id IS NOT NULL) + (target_trunk_group_id IS NOT NULL) = 1)
);
CREATE INDEX dial_rules_ext ON dial_rules(target_extension_id);
CREATE INDEX dial_rules_tg ON dial_rules(target_trunk_group_id);
CREATE TABLE users(
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL,
    language TEXT NOT NULL
);
";

const V2: &str = r"
CREATE TABLE events(
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    call_id TEXT,
    queue TEXT,
    agent TEXT,
    payload TEXT NOT NULL CHECK (json_valid(payload))
);
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_kind_ts ON events(kind, ts);
CREATE INDEX events_call ON events(call_id) WHERE call_id IS NOT NULL;
CREATE INDEX events_agent_ts ON events(agent, ts) WHERE agent IS NOT NULL;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE cdrs(
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL UNIQUE,
    start_ts INTEGER NOT NULL,
    answer_ts INTEGER,
    end_ts INTEGER NOT NULL,
    caller TEXT NOT NULL,
    callee TEXT NOT NULL,
    direction TEXT NOT NULL,
    disposition TEXT NOT NULL,
    cause INTEGER,
    src_channel TEXT NOT NULL,
    dst_channel TEXT,
    queue TEXT,
    agent TEXT,
    CHECK (end_ts >= start_ts),
    CHECK (answer_ts IS NULL OR (answer_ts >= start_ts AND answer_ts <= end_ts))
);
CREATE INDEX cdrs_start ON cdrs(start_ts);
CREATE INDEX cdrs_caller ON cdrs(caller);
CREATE INDEX cdrs_callee ON cdrs(callee);
";

const V3: &str = r"
CREATE TABLE settings(
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings(key, value) VALUES
    ('country_code', '86'), ('international_prefix', '00'), ('trunk_prefix', '0');
CREATE TABLE customers(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    vip INTEGER NOT NULL DEFAULT 0,
    account_owner TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_ts INTEGER NOT NULL
);
CREATE TABLE contacts(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone_raw TEXT NOT NULL,
    phone_norm TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contacts_phone ON contacts(phone_norm);
CREATE INDEX contacts_customer ON contacts(customer_id);
CREATE TABLE orders(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    placed_ts INTEGER NOT NULL,
    status TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    items TEXT NOT NULL CHECK (json_valid(items))
);
CREATE INDEX orders_customer ON orders(customer_id, placed_ts);
CREATE TABLE interactions(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    channel TEXT NOT NULL,
    call_id TEXT,
    remote_number TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL,
    agent TEXT,
    queue TEXT,
    started_ts INTEGER NOT NULL,
    ended_ts INTEGER NOT NULL,
    disposition TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    CHECK (ended_ts >= started_ts)
);
CREATE INDEX interactions_customer ON interactions(customer_id, started_ts);
CREATE INDEX interactions_call ON interactions(call_id);
CREATE TABLE tickets(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    priority INTEGER NOT NULL,
    assignee INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_ts INTEGER NOT NULL,
    updated_ts INTEGER NOT NULL
);
CREATE INDEX tickets_customer ON tickets(customer_id, status);
CREATE INDEX tickets_assignee ON tickets(assignee, status);
CREATE TABLE ticket_notes(
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    ts INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes(ticket_id);
CREATE TABLE kb_articles(
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_ts INTEGER NOT NULL
);
CREATE VIRTUAL TABLE kb_fts USING fts5(
    title, body, content='kb_articles', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER kb_ai AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER kb_ad AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER kb_au AFTER UPDATE ON kb_articles BEGIN
    INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
";

const V4: &str = r"
CREATE TABLE queues(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    number TEXT UNIQUE,
    strategy TEXT NOT NULL,
    max_len INTEGER NOT NULL,
    max_wait_s INTEGER NOT NULL,
    service_level_s INTEGER NOT NULL,
    short_abandon_s INTEGER NOT NULL,
    wrapup_s INTEGER NOT NULL
);
CREATE TABLE skills(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE agents(
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id INTEGER UNIQUE REFERENCES users(id) ON DELETE SET NULL
);
CREATE TABLE agent_skills(
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills(id),
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 100),
    PRIMARY KEY (agent_id, skill_id)
);
CREATE INDEX agent_skills_skill ON agent_skills(skill_id);
CREATE TABLE queue_members(
    queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    penalty INTEGER NOT NULL,
    PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_members_agent ON queue_members(agent_id);
CREATE TABLE queue_skills(
    queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills(id),
    min_level INTEGER NOT NULL CHECK (min_level BETWEEN 0 AND 100),
    PRIMARY KEY (queue_id, skill_id)
);
CREATE INDEX queue_skills_skill ON queue_skills(skill_id);
CREATE TABLE ivr_flows(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    flow TEXT NOT NULL CHECK (json_valid(flow)),
    active INTEGER NOT NULL,
    UNIQUE (name, version)
);
CREATE UNIQUE INDEX ivr_flows_one_active ON ivr_flows(name) WHERE active = 1;
CREATE TABLE dial_rules_v4(
    id INTEGER PRIMARY KEY,
    priority INTEGER NOT NULL,
    pattern TEXT NOT NULL,
    strip INTEGER NOT NULL,
    prepend TEXT NOT NULL,
    allow_toll INTEGER NOT NULL,
    target_extension_id INTEGER REFERENCES extensions(id),
    target_trunk_group_id INTEGER REFERENCES trunk_groups(id),
    target_queue_id INTEGER REFERENCES queues(id),
    target_ivr TEXT,
    CHECK ((target_extension_id IS NOT NULL) + (target_trunk_group_id IS NOT NULL)
         + (target_queue_id IS NOT NULL) + (target_ivr IS NOT NULL) = 1)
);
INSERT INTO dial_rules_v4(id, priority, pattern, strip, prepend, allow_toll,
                          target_extension_id, target_trunk_group_id)
    SELECT id, priority, pattern, strip, prepend, allow_toll,
           target_extension_id, target_trunk_group_id FROM dial_rules;
DROP TABLE dial_rules;
ALTER TABLE dial_rules_v4 RENAME TO dial_rules;
CREATE INDEX dial_rules_ext ON dial_rules(target_extension_id);
CREATE INDEX dial_rules_tg ON dial_rules(target_trunk_group_id);
CREATE INDEX dial_rules_queue ON dial_rules(target_queue_id);
";

const V5: &str = r"
CREATE TABLE recordings(
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    legs TEXT NOT NULL CHECK (legs IN ('both', 'caller', 'callee')),
    started_ts INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    paused TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(paused)),
    retain_until_ts INTEGER,
    agent TEXT,
    queue TEXT
);
CREATE INDEX recordings_call ON recordings(call_id);
CREATE INDEX recordings_started ON recordings(started_ts);
CREATE INDEX recordings_retain ON recordings(retain_until_ts) WHERE retain_until_ts IS NOT NULL;
";

const V6: &str = r"
CREATE TABLE technicians(
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until_ts INTEGER,
    last_login_ts INTEGER
);
";

const V9: &str = r"
CREATE TABLE chat_messages(
    id INTEGER PRIMARY KEY,
    interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('customer', 'agent', 'system')),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (interaction_id, seq)
);
";

/// A queue is open by at most one calendar; deleting the calendar (or the queue) removes
/// the link, and the queue is then always open again.
const V10: &str = r"
CREATE TABLE queue_calendars(
    queue_id INTEGER PRIMARY KEY REFERENCES queues(id) ON DELETE CASCADE,
    hours_id INTEGER NOT NULL REFERENCES business_hours(id) ON DELETE CASCADE
);
CREATE INDEX queue_calendars_hours ON queue_calendars(hours_id);
";

const V7: &str = r"
CREATE TABLE business_hours(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    utc_offset_min INTEGER NOT NULL,
    weekly TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(weekly))
);
CREATE TABLE holidays(
    id INTEGER PRIMARY KEY,
    hours_id INTEGER NOT NULL REFERENCES business_hours(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (hours_id, date)
);
CREATE TABLE callbacks(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    number TEXT NOT NULL,
    due_ts INTEGER NOT NULL,
    agent TEXT,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    created_ts INTEGER NOT NULL
);
CREATE INDEX callbacks_open ON callbacks(due_ts) WHERE status = 'open';
CREATE TABLE qa_forms(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    criteria TEXT NOT NULL CHECK (json_valid(criteria))
);
CREATE TABLE qa_scores(
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    form_id INTEGER NOT NULL REFERENCES qa_forms(id),
    reviewer TEXT NOT NULL,
    points TEXT NOT NULL CHECK (json_valid(points)),
    total INTEGER NOT NULL,
    max_total INTEGER NOT NULL,
    comment TEXT NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX qa_scores_recording ON qa_scores(recording_id);
CREATE TABLE kb_categories(
    name TEXT PRIMARY KEY
);
CREATE INDEX recordings_agent ON recordings(agent, started_ts);
";

const V8: &str = r"
CREATE TABLE voicemails(
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL UNIQUE REFERENCES recordings(id) ON DELETE CASCADE,
    mailbox TEXT NOT NULL CHECK (mailbox <> ''),
    caller TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    queue TEXT,
    data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    heard INTEGER NOT NULL DEFAULT 0 CHECK (heard IN (0, 1))
);
CREATE INDEX voicemails_mailbox ON voicemails(mailbox, heard);
";

const V11: &str = r"
CREATE TABLE line_ports(
    id INTEGER PRIMARY KEY,
    port INTEGER NOT NULL UNIQUE CHECK (port BETWEEN 1 AND 255),
    kind TEXT NOT NULL CHECK (kind IN ('fxs', 'fxo', 'sound')),
    device TEXT NOT NULL,
    extension TEXT UNIQUE,
    route TEXT,
    trunk_group TEXT,
    caller_id TEXT NOT NULL CHECK (caller_id IN ('etsi_fsk', 'bell_fsk', 'dtmf', 'none')),
    country TEXT NOT NULL CHECK (country IN ('cn', 'etsi', 'na')),
    ring_on_ms INTEGER NOT NULL,
    ring_off_ms INTEGER NOT NULL
);
";

/// Existing extensions keep being offered both algorithms.
/// DID rules ([`crate::config::DidRuleConfig`]): what a called number from outside (E1/PRI,
/// FXO, SIP trunks, unauthenticated SIP) reaches, after the daemon's literal extension, port
/// and queue numbers (docs/dialplan.md). The target is an extension, a queue, an IVR flow,
/// the extension the rewritten number names, or a rejection with a Q.850 cause: never a
/// trunk group (toll-fraud rule 1), so the table has no column for one.
///
/// Caller ID ([`crate::config::TrunkCallerId`], [`crate::config::ExtensionCallerId`]): each
/// span and SIP trunk rewrites calling numbers (`pass`, `prefix`, `fixed` with its digits)
/// and may send a restricted caller's number flagged restricted (ISDN octet 3a; SIP:
/// P-Asserted-Identity, RFC 3325). Existing spans keep sending it (as before), existing SIP
/// trunks keep hiding it. Each extension may have its own outbound number and a default
/// presentation.
const V15: &str = r"
ALTER TABLE line_ports ADD COLUMN answer_on_polarity INTEGER NOT NULL DEFAULT 0
    CHECK (answer_on_polarity IN (0, 1));
";

const V14: &str = r"
CREATE TABLE did_rules(
    id INTEGER PRIMARY KEY,
    priority INTEGER NOT NULL,
    pattern TEXT NOT NULL,
    strip INTEGER NOT NULL CHECK (strip BETWEEN 0 AND 32),
    prepend TEXT NOT NULL,
    target_kind TEXT NOT NULL
        CHECK (target_kind IN ('extension', 'queue', 'ivr', 'dialed_extension', 'reject')),
    target_extension_id INTEGER REFERENCES extensions(id),
    target_queue_id INTEGER REFERENCES queues(id),
    target_ivr TEXT,
    reject_cause INTEGER CHECK (reject_cause IS NULL OR reject_cause BETWEEN 1 AND 127),
    CHECK ((target_kind = 'extension') = (target_extension_id IS NOT NULL)),
    CHECK ((target_kind = 'queue') = (target_queue_id IS NOT NULL)),
    CHECK ((target_kind = 'ivr') = (target_ivr IS NOT NULL)),
    CHECK ((target_kind = 'reject') = (reject_cause IS NOT NULL))
);
CREATE INDEX did_rules_ext ON did_rules(target_extension_id);
CREATE INDEX did_rules_queue ON did_rules(target_queue_id);
ALTER TABLE spans ADD COLUMN cid_mode TEXT NOT NULL DEFAULT 'pass'
    CHECK (cid_mode IN ('pass', 'prefix', 'fixed'));
ALTER TABLE spans ADD COLUMN cid_number TEXT NOT NULL DEFAULT '';
ALTER TABLE spans ADD COLUMN cid_send_restricted INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sip_trunks ADD COLUMN cid_mode TEXT NOT NULL DEFAULT 'pass'
    CHECK (cid_mode IN ('pass', 'prefix', 'fixed'));
ALTER TABLE sip_trunks ADD COLUMN cid_number TEXT NOT NULL DEFAULT '';
ALTER TABLE sip_trunks ADD COLUMN cid_send_restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE extensions ADD COLUMN outbound_cid TEXT;
ALTER TABLE extensions ADD COLUMN presentation TEXT NOT NULL DEFAULT 'allowed'
    CHECK (presentation IN ('allowed', 'restricted'));
";

const V12: &str = r"
ALTER TABLE extensions ADD COLUMN digest_algorithms TEXT NOT NULL DEFAULT 'md5,sha-256'
    CHECK (digest_algorithms IN ('md5', 'md5,sha-256'));
";

/// `queue_calendars.closed_to`: where callers go while the queue is closed by its calendar
/// (a [`crate::queuehours::ClosedDestination`] as text; NULL: the default, the closed
/// message then hang-up). Accounts, bills and appointments: what the IVR's
/// `account_balance`, `bill` and `appointment` look-ups read ([`crate::billing`]). Amounts
/// are in minor units (fen, cents) of the account's ISO 4217 currency.
const V13: &str = r"
ALTER TABLE queue_calendars ADD COLUMN closed_to TEXT CHECK (closed_to IS NULL OR closed_to <> '');
CREATE TABLE accounts(
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number <> ''),
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    balance_minor INTEGER NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3)
);
CREATE INDEX accounts_customer ON accounts(customer_id);
CREATE TABLE bills(
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    period TEXT NOT NULL CHECK (period <> ''),
    amount_minor INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid')),
    UNIQUE (account_id, period)
);
CREATE TABLE appointments(
    id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    start_ts INTEGER NOT NULL,
    what TEXT NOT NULL CHECK (what <> ''),
    status TEXT NOT NULL CHECK (status IN ('booked', 'confirmed', 'cancelled'))
);
CREATE INDEX appointments_customer ON appointments(customer_id, start_ts);
CREATE INDEX appointments_account ON appointments(account_id, start_ts);
";

/// Reads `(application_id, user_version)`.
pub(crate) fn header(conn: &Connection) -> Result<(i32, u32)> {
    let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let ver: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok((app, ver))
}

/// Checks the header of an opened database: ours (or empty), and not newer than this build.
pub(crate) fn check_header(conn: &Connection) -> Result<u32> {
    let (app, ver) = header(conn)?;
    if app == 0 {
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        if objects != 0 || ver != 0 {
            return Err(StoreError::NotOurDatabase {
                found: app,
                expected: APPLICATION_ID,
            });
        }
    } else if app != APPLICATION_ID {
        return Err(StoreError::NotOurDatabase {
            found: app,
            expected: APPLICATION_ID,
        });
    }
    if ver > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: ver,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(ver)
}

/// Runs the steps from the current version up to `target`, one transaction each.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32> {
    let current = check_header(conn)?;
    for (i, step) in STEPS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        let version = i as u32 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated meanwhile: re-read under the write lock.
        let (_, now) = header(&tx)?;
        if now >= version {
            continue;
        }
        tx.execute_batch(step.sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    let (_, ver) = header(conn)?;
    Ok(ver)
}

/// The schema check at open: every table the version promises exists.
pub(crate) fn check_schema(conn: &Connection, version: u32) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")?;
    for step in &STEPS[..version as usize] {
        for table in step.tables {
            if !stmt.exists([table])? {
                return Err(StoreError::SchemaMismatch { table, version });
            }
        }
    }
    Ok(())
}

/// What each schema version adds (for `docs/database.md` and logs).
#[must_use]
pub fn describe() -> Vec<(u32, &'static str)> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| (i as u32 + 1, s.what))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DialTarget, TrunkRef};
    use crate::{Store, Timestamp};

    /// Rows valid at schema version `v`, written with plain SQL as that version's program
    /// would have written them.
    fn fixture(conn: &Connection, v: u32) {
        match v {
            1 => {
                conn.execute_batch(
                    "INSERT INTO spans(id, name, signalling, framing, crc4, role, switchtype, device, timing_priority) VALUES (1, 'span1', 'pri', 'ccs', 1, 'user', 'euroisdn', 'dahdi:1', 1);
                     INSERT INTO sip_trunks(id, name, host, port, transport, username, password, register, outbound_proxy, max_channels, enabled) VALUES (1, 'prov', 'sip.example.net', 5060, 'udp', 'u', 'p', 1, NULL, 30, 1);
                     INSERT INTO extensions(id, number, name, kind, sip_password) VALUES (1, '1001', 'Phone', 'sip', 'secret1001');
                     INSERT INTO trunk_groups VALUES (1, 'out');
                     INSERT INTO trunk_group_members VALUES (1, 0, 1, NULL), (1, 1, NULL, 1);
                     INSERT INTO dial_rules(id, priority, pattern, strip, prepend, allow_toll, target_extension_id, target_trunk_group_id) VALUES (1, 10, '0.', 0, '', 0, NULL, 1), (2, 5, '1001', 0, '', 0, 1, NULL);
                     UPDATE config_meta SET revision = 7;",
                )
                .unwrap();
                let hash = crate::config::hash_password("password1").unwrap();
                conn.execute(
                    "INSERT INTO users VALUES (1, 'admin', 'Admin', 'admin', ?1, 0, 'zh')",
                    [hash],
                )
                .unwrap();
            }
            2 => conn
                .execute_batch(
                    "INSERT INTO events(ts, kind, call_id, queue, agent, payload) VALUES
                        (10, 'call_start', 'c1', NULL, NULL, '{}'), (20, 'call_end', 'c1', NULL, NULL, '{\"cause\":16}');
                     INSERT INTO cdrs(call_id, start_ts, answer_ts, end_ts, caller, callee, direction, disposition, cause, src_channel)
                        VALUES ('c1', 10, 12, 20, '13800138000', '1001', 'inbound', 'answered', 16, 'span1/1');",
                )
                .unwrap(),
            3 => conn
                .execute_batch(
                    "INSERT INTO customers(id, name, created_ts) VALUES (1, 'Li Lei', 5);
                     INSERT INTO contacts(customer_id, name, phone_raw, phone_norm) VALUES (1, 'Li Lei', '138 0013 8000', '8613800138000');
                     INSERT INTO orders(customer_id, reference, placed_ts, status, total_cents, currency, items) VALUES (1, 'A-1', 6, 'paid', 1999, 'CNY', '[]');
                     INSERT INTO kb_articles(title, category, body, updated_ts) VALUES ('Refund policy', 'billing', 'Refunds within thirty days.', 7);",
                )
                .unwrap(),
            4 => conn
                .execute_batch(
                    "INSERT INTO skills VALUES (1, 'english');
                     INSERT INTO agents VALUES (1, '2001', 'Agent', NULL);
                     INSERT INTO agent_skills VALUES (1, 1, 80);
                     INSERT INTO queues VALUES (1, 'sales', '701', 'longest_idle', 10, 60, 20, 5, 10);
                     INSERT INTO queue_members VALUES (1, 1, 0);
                     INSERT INTO ivr_flows(name, version, flow, active) VALUES ('main', 1, '{\"nodes\":{}}', 1);
                     INSERT INTO dial_rules(priority, pattern, strip, prepend, allow_toll, target_queue_id) VALUES (1, '701', 0, '', 0, 1);",
                )
                .unwrap(),
            5 => conn
                .execute_batch(
                    "INSERT INTO recordings(call_id, path, legs, started_ts, duration_ms, paused) VALUES ('c1', '/rec/c1.wav', 'both', 12, 8000, '[[1000,2000]]');",
                )
                .unwrap(),
            6 => {
                let hash = crate::config::hash_password("field-service-1").unwrap();
                conn.execute(
                    "INSERT INTO technicians(username, password_hash, failed_logins) VALUES ('tech', ?1, 2)",
                    [hash],
                )
                .unwrap();
            }
            7 => conn
                .execute_batch(
                    "INSERT INTO business_hours(id, name, utc_offset_min, weekly) VALUES (1, 'main', 480, '[{\"day\":0,\"open_min\":540,\"close_min\":1080}]');
                     INSERT INTO holidays(hours_id, date, name) VALUES (1, '2026-10-01', 'National Day');
                     INSERT INTO callbacks(number, due_ts, agent, note, created_by, status, created_ts) VALUES ('13800138000', 100, '2001', 'refund', 'agent1', 'open', 1);
                     INSERT INTO qa_forms(id, name, criteria) VALUES (1, 'std', '[{\"name\":\"Greeting\",\"max\":10}]');
                     INSERT INTO kb_categories(name) VALUES ('billing');",
                )
                .unwrap(),
            8 => conn
                .execute_batch(
                    "INSERT INTO recordings(id, call_id, path, legs, started_ts, duration_ms) VALUES (900, 'vm1', '/var/rec/vm1.wav', 'caller', 5, 4000);
                     INSERT INTO voicemails(recording_id, mailbox, caller, queue) VALUES (900, '702', '13800138000', 'support');",
                )
                .unwrap(),
            9 => conn
                .execute_batch(
                    "INSERT INTO interactions(id, customer_id, channel, call_id, remote_number, direction, agent, queue, started_ts, ended_ts, disposition, notes, data) VALUES (901, NULL, 'chat', 'chat-1', '', 'inbound', '2001', 'sales', 10, 20, 'solved', '', '{}');
                     INSERT INTO chat_messages(interaction_id, seq, ts, sender, author, body) VALUES (901, 0, 11, 'customer', 'Li', 'hello'), (901, 1, 12, 'agent', '2001', 'hi');",
                )
                .unwrap(),
            // Queue 1 (v4's `sales`) open by calendar 1 (v7's `main`).
            10 => conn
                .execute_batch("INSERT INTO queue_calendars(queue_id, hours_id) VALUES (1, 1);")
                .unwrap(),
            11 => conn
                .execute_batch(
                    "INSERT INTO line_ports(port, kind, device, extension, route, trunk_group, caller_id, country, ring_on_ms, ring_off_ms)
                        VALUES (7, 'fxs', 'virt:fxs7.sock', '1107', NULL, NULL, 'etsi_fsk', 'cn', 1000, 4000),
                               (8, 'fxo', 'dahdi:8', NULL, '8000', 'out', 'dtmf', 'etsi', 1000, 4000);",
                )
                .unwrap(),
            12 => conn
                .execute_batch(
                    "INSERT INTO extensions(number, name, kind, sip_password, digest_algorithms) VALUES ('1012', 'Old phone', 'sip', 'secret1012', 'md5');",
                )
                .unwrap(),
            // Queue 1 closed to voicemail 702 (its v10 calendar link kept); an account of
            // v3's customer 1 with a bill and an appointment.
            13 => conn
                .execute_batch(
                    "UPDATE queue_calendars SET closed_to = 'voicemail:702' WHERE queue_id = 1;
                     INSERT INTO accounts(id, number, customer_id, balance_minor, currency) VALUES (1, '79927398713', 1, 12345, 'CNY');
                     INSERT INTO bills(account_id, period, amount_minor, due_date, status) VALUES (1, '2026-10', 9900, '2026-11-15', 'open');
                     INSERT INTO appointments(account_id, customer_id, start_ts, what, status) VALUES (1, 1, 1800000000000000, 'meter reading', 'booked');",
                )
                .unwrap(),
            // A DID range to the dialled extension and a rejected number; v1's span sends
            // prefix 555, its SIP trunk a fixed number with P-Asserted-Identity; v1's
            // extension 1001 has its own outbound number and withholds it.
            14 => conn
                .execute_batch(
                    "INSERT INTO did_rules(id, priority, pattern, strip, prepend, target_kind, target_extension_id, target_queue_id, target_ivr, reject_cause)
                        VALUES (1, 10, '5551XXX', 3, '', 'dialed_extension', NULL, NULL, NULL, NULL),
                               (2, 20, '5559999', 0, '', 'reject', NULL, NULL, NULL, 21),
                               (3, 30, '5557001', 0, '', 'queue', NULL, 1, NULL, NULL);
                     UPDATE spans SET cid_mode = 'prefix', cid_number = '555' WHERE id = 1;
                     UPDATE sip_trunks SET cid_mode = 'fixed', cid_number = '5550000', cid_send_restricted = 1 WHERE id = 1;
                     UPDATE extensions SET outbound_cid = '5551001', presentation = 'restricted' WHERE id = 1;",
                )
                .unwrap(),
            15 => conn
                .execute_batch(
                    "INSERT INTO line_ports(port, kind, device, extension, route, trunk_group, caller_id, country, ring_on_ms, ring_off_ms, answer_on_polarity)
                        VALUES (9, 'fxo', 'dahdi:9', NULL, '8001', NULL, 'none', 'etsi', 1000, 4000, 1);",
                )
                .unwrap(),
            _ => unreachable!("add a fixture for the new schema version"),
        }
    }

    fn check(store: &Store, v: u32) {
        match v {
            1 => {
                assert_eq!(store.spans().unwrap()[0].config.name, "span1");
                assert_eq!(
                    store.sip_trunks().unwrap()[0].config.host,
                    "sip.example.net"
                );
                let tg = &store.trunk_groups().unwrap()[0];
                assert_eq!(
                    tg.config.members,
                    [TrunkRef::Span(1), TrunkRef::SipTrunk(1)]
                );
                let rules = store.dial_rules().unwrap();
                assert_eq!(
                    rules.iter().find(|r| r.id == 2).unwrap().config.target,
                    DialTarget::Extension(1)
                );
                assert_eq!(
                    rules.iter().find(|r| r.id == 1).unwrap().config.target,
                    DialTarget::TrunkGroup(1)
                );
                assert!(store.verify_login("admin", "password1").unwrap().is_some());
                assert!(store.verify_login("admin", "password2").unwrap().is_none());
                assert!(store.config_revision().unwrap() >= 7);
            }
            2 => {
                let ev = store
                    .events(&crate::events::EventFilter::default())
                    .unwrap();
                assert_eq!(ev.len(), 2);
                assert_eq!(ev[1].payload["cause"], 16);
                assert_eq!(
                    store.cdr("c1").unwrap().unwrap().answer,
                    Some(Timestamp(12))
                );
            }
            3 => {
                let c = store
                    .customer_by_phone("+86 138-0013-8000")
                    .unwrap()
                    .unwrap();
                assert_eq!(c.name, "Li Lei");
                assert_eq!(store.orders(c.id).unwrap()[0].reference, "A-1");
                assert_eq!(store.search_kb("refund", 5).unwrap().len(), 1);
            }
            4 => {
                let q = &store.queues().unwrap()[0];
                assert_eq!(q.config.members, [(1, 0)]);
                assert_eq!(store.agents().unwrap()[0].config.skills, [(1, 80)]);
                assert!(store.ivr_flows().unwrap()[0].active);
                assert!(
                    store
                        .dial_rules()
                        .unwrap()
                        .iter()
                        .any(|r| r.config.target == DialTarget::Queue(1))
                );
            }
            5 => assert_eq!(
                store.recordings_for_call("c1").unwrap()[0].paused,
                [(1000, 2000)]
            ),
            6 => {
                let t = &store.technicians().unwrap()[0];
                assert_eq!((t.username.as_str(), t.failed_logins), ("tech", 2));
            }
            7 => {
                let h = &store.business_hours().unwrap()[0].config;
                assert_eq!((h.weekly.len(), h.holidays.len()), (1, 1));
                assert_eq!(store.open_callbacks(Some("2001"), 5).unwrap().len(), 1);
                assert_eq!(store.qa_forms().unwrap()[0].criteria[0].max, 10);
                assert!(
                    store
                        .kb_categories()
                        .unwrap()
                        .contains(&"billing".to_owned())
                );
            }
            8 => {
                let v = store.voicemails("702", false).unwrap();
                assert_eq!((v.len(), v[0].caller.as_str()), (1, "13800138000"));
            }
            9 => {
                let t = store.chat_transcript(901).unwrap();
                assert_eq!(t.len(), 2);
                assert_eq!(
                    (t[1].sender, t[1].body.as_str()),
                    (crate::chat::Sender::Agent, "hi")
                );
            }
            10 => {
                assert_eq!(store.queue_calendar(1).unwrap(), Some(1));
                assert_eq!(store.queue_calendars().unwrap(), vec![(1, 1)]);
            }
            11 => {
                let p = store.line_ports().unwrap();
                let fxs = p.iter().find(|p| p.config.port == 7).unwrap();
                assert_eq!(fxs.config.extension.as_deref(), Some("1107"));
                let fxo = p.iter().find(|p| p.config.port == 8).unwrap();
                assert_eq!(
                    (fxo.config.route.as_deref(), fxo.config.caller_id),
                    (Some("8000"), crate::lines::CallerIdStandard::Dtmf)
                );
            }
            12 => {
                let e = store.extension_by_number("1012").unwrap().unwrap();
                assert_eq!(
                    e.config.digest_algorithms,
                    crate::config::DigestAlgorithms::Md5
                );
                // Extensions written before v12 keep both algorithms.
                if let Some(old) = store.extension_by_number("1001").unwrap() {
                    assert_eq!(
                        old.config.digest_algorithms,
                        crate::config::DigestAlgorithms::Md5Sha256
                    );
                }
            }
            13 => {
                let s = store.queue_schedule(1).unwrap().unwrap();
                assert_eq!(
                    (s.hours_id, s.closed),
                    (
                        1,
                        Some(crate::queuehours::ClosedDestination::Voicemail(
                            "702".into()
                        ))
                    )
                );
                let a = store.account_by_number("79927398713").unwrap().unwrap();
                assert_eq!((a.balance_minor, a.currency.as_str()), (12345, "CNY"));
                let b = store.latest_bill(a.id).unwrap().unwrap();
                assert_eq!(
                    (b.config.amount_minor, b.config.status),
                    (9900, crate::billing::BillStatus::Open)
                );
                let ap = store.appointments(a.customer_id).unwrap();
                assert_eq!(ap[0].config.what, "meter reading");
            }
            14 => {
                use crate::config::{CallerIdMode, DidTarget, Presentation};
                let d = store.did_rules().unwrap();
                assert_eq!(d.len(), 3);
                assert_eq!(
                    (
                        d[0].config.pattern.as_str(),
                        d[0].config.strip,
                        &d[0].config.target
                    ),
                    ("5551XXX", 3, &DidTarget::DialedExtension)
                );
                assert_eq!(d[1].config.target, DidTarget::Reject(21));
                assert_eq!(d[2].config.target, DidTarget::Queue(1));
                let span = &store.spans().unwrap()[0].config.caller_id;
                assert_eq!(
                    (span.mode, span.number.as_str(), span.send_restricted),
                    (CallerIdMode::Prefix, "555", true)
                );
                let trunk = &store.sip_trunks().unwrap()[0].config.caller_id;
                assert_eq!(
                    (trunk.mode, trunk.number.as_str(), trunk.send_restricted),
                    (CallerIdMode::Fixed, "5550000", true)
                );
                let e = store.extension_by_number("1001").unwrap().unwrap();
                assert_eq!(
                    (
                        e.config.caller_id.number.as_deref(),
                        e.config.caller_id.presentation
                    ),
                    (Some("5551001"), Presentation::Restricted)
                );
                // Rows written before v14: extension 1012 (v12) keeps the defaults.
                let old = store.extension_by_number("1012").unwrap().unwrap();
                assert_eq!(old.config.caller_id, Default::default());
            }
            15 => {
                let ports = store.line_ports().unwrap();
                let by = |n: u16| ports.iter().find(|p| p.config.port == n).unwrap();
                assert!(by(9).config.answer_on_polarity);
                // The FXO port written before v15 (v11) keeps the old behaviour.
                assert!(!by(8).config.answer_on_polarity);
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn upgrade_from_every_earlier_version_keeps_data() {
        for start in 0..=SCHEMA_VERSION {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.db");
            {
                let mut conn = crate::open_connection(&path, false).unwrap();
                assert_eq!(migrate_to(&mut conn, start).unwrap(), start);
                for v in 1..=start {
                    fixture(&conn, v);
                }
            }
            let store = Store::open(&path).unwrap();
            assert_eq!(
                store.schema_version().unwrap(),
                SCHEMA_VERSION,
                "from v{start}"
            );
            store.check_integrity().unwrap();
            for v in 1..=start {
                check(&store, v);
            }
            // The pre-upgrade copy exists exactly when an upgrade of existing data happened,
            // and it is still at the old version.
            let bak = store.pre_upgrade_backup().map(std::path::Path::to_owned);
            assert_eq!(
                bak.is_some(),
                start > 0 && start < SCHEMA_VERSION,
                "from v{start}"
            );
            if let Some(bak) = bak {
                let old = Connection::open(bak).unwrap();
                assert_eq!(header(&old).unwrap().1, start);
            }
            // Data written on the new version on top of the old one.
            for v in (start + 1)..=SCHEMA_VERSION {
                fixture(&store.conn, v);
                check(&store, v);
            }
        }
    }

    #[test]
    fn every_step_lists_its_tables() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a.db")).unwrap();
        let n: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kb_fts_%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let listed: usize = STEPS.iter().map(|s| s.tables.len()).sum();
        assert_eq!(n as usize, listed);
    }
}
