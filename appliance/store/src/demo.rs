//! The embedded demo defaults (issue 5's `make demo`).

use crate::config::{
    AgentConfig, Command, CommandContext, DialRuleConfig, DialTarget, DidRuleConfig, DidTarget,
    ExtensionConfig, ExtensionKind, Framing, Language, NewUser, QueueConfig, Role, Signalling,
    SpanConfig, SpanRole, Strategy, SwitchType, TrunkGroupConfig, TrunkRef, execute_in,
};
use crate::error::{Entity, Result};
use crate::lines::LinePortConfig;
use crate::{Store, Timestamp};

/// The demo account a caller keys after `9` in the demo IVR (passes its Luhn check).
pub const DEMO_ACCOUNT: &str = "79927398713";
/// Its balance in fen (123.45 CNY), what the IVR reads out.
pub const DEMO_BALANCE_MINOR: i64 = 12_345;

/// Login of the demo admin user.
pub const DEMO_ADMIN_USER: &str = "admin";
/// Its first password (must be changed at first login).
pub const DEMO_ADMIN_PASSWORD: &str = "demo-admin";

/// What [`Store::seed_demo`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Config revision after seeding.
    pub revision: i64,
    /// Extension numbers created, with what they reach.
    pub extensions: Vec<(String, ExtensionKind)>,
    /// Admin login and first password.
    pub admin: (&'static str, &'static str),
}

fn sip(number: u32, name: &str) -> Command {
    Command::CreateExtension(ExtensionConfig {
        number: number.to_string(),
        name: name.to_owned(),
        kind: ExtensionKind::Sip,
        sip_password: Some(format!("demo{number}")),
        digest_algorithms: Default::default(),
        caller_id: Default::default(),
    })
}

impl Store {
    /// The demo's CRM rows (after the configuration; see [`Self::seed_demo`]).
    fn seed_demo_crm(&mut self, now: Timestamp) -> Result<()> {
        use crate::billing::{
            AccountConfig, AppointmentConfig, AppointmentStatus, BillConfig, BillStatus,
        };
        let customer = self.create_customer(
            &crate::crm::NewCustomer {
                name: "Demo customer".into(),
                contacts: vec![crate::crm::NewContact {
                    name: "Demo customer".into(),
                    phone: "075512345678".into(),
                    email: String::new(),
                }],
                ..crate::crm::NewCustomer::default()
            },
            now,
        )?;
        let account = self.create_account(&AccountConfig {
            number: DEMO_ACCOUNT.into(),
            customer_id: customer,
            balance_minor: DEMO_BALANCE_MINOR,
            currency: "CNY".into(),
        })?;
        self.add_bill(&BillConfig {
            account_id: account,
            period: "2026-10".into(),
            amount_minor: 9_900,
            due_date: "2026-11-15".into(),
            status: BillStatus::Open,
        })?;
        self.add_appointment(&AppointmentConfig {
            customer_id: customer,
            account_id: Some(account),
            start: Timestamp(now.0.saturating_add(3 * 86_400 * 1_000_000)),
            what: "meter reading".into(),
            status: AppointmentStatus::Booked,
        })?;
        Ok(())
    }

    /// Seeds a fresh database (config revision 0) with the demo defaults, in one
    /// transaction; does nothing and returns `None` when any configuration exists.
    ///
    /// Creates: span `span1`, a virtual E1 PRI (EuroISDN, CRC-4, user side, device
    /// `virt:span1.sock`, relative to the data directory) facing the simulated carrier;
    /// trunk group `carrier` with it, and dial rule `0.` → `carrier` (strip nothing, toll
    /// calls not allowed), and DID rule `5551XXX` (strip 3) → the dialled extension (the carrier's
    /// 5551002 rings 1002); SIP accounts 1001–1004 (password `demo` + number); 600 echo test;
    /// 601 1 kHz test tone; the demo call-center: agents 2001–2010 with SIP accounts
    /// (password `demo` + number), skill `general`, queues `sales` (701) and `support` (702)
    /// with all ten agents; line ports ([`crate::lines`]): FXS port 1 (`virt:fxs1.sock`) as
    /// extension 1101 and FXO port 2 (`virt:fxo2.sock`) routed to 8000 and last in trunk group
    /// `carrier`; the admin user `admin` / `demo-admin`, which must be changed
    /// at first login; and a CRM customer `Demo customer` (phone 075512345678) with account
    /// [`DEMO_ACCOUNT`] (balance [`DEMO_BALANCE_MINOR`] fen), an open bill and an
    /// appointment three days after `now` ([`crate::billing`], the IVR look-ups).
    ///
    /// # Errors
    /// SQLite errors (validation cannot fail on these constants; a test checks it).
    pub fn seed_demo(&mut self, now: Timestamp) -> Result<Option<DemoSummary>> {
        if self.config_revision()? != 0 {
            return Ok(None);
        }
        let ctx = CommandContext {
            actor: "system:demo",
            ts: now,
        };
        let mut cmds = vec![Command::CreateSpan(SpanConfig {
            name: "span1".into(),
            signalling: Signalling::Pri,
            framing: Framing::Ccs,
            crc4: true,
            role: SpanRole::User,
            switchtype: SwitchType::EuroIsdn,
            device: "virt:span1.sock".into(),
            timing_priority: 1,
            // Calling numbers pass unchanged; a restricted caller's number goes flagged
            // restricted (octet 3a), the network withholds it.
            caller_id: crate::config::TrunkCallerId {
                send_restricted: true,
                ..Default::default()
            },
        })];
        for n in 1001..=1004 {
            cmds.push(sip(n, &format!("Demo phone {n}")));
        }
        cmds.push(Command::CreateExtension(ExtensionConfig {
            number: "600".into(),
            name: "Echo test".into(),
            kind: ExtensionKind::EchoTest,
            sip_password: None,
            digest_algorithms: Default::default(),
            caller_id: Default::default(),
        }));
        cmds.push(Command::CreateExtension(ExtensionConfig {
            number: "601".into(),
            name: "Test tone 1 kHz".into(),
            kind: ExtensionKind::TestTone,
            sip_password: None,
            digest_algorithms: Default::default(),
            caller_id: Default::default(),
        }));
        for n in 2001..=2010 {
            cmds.push(sip(n, &format!("Agent {n}")));
        }
        cmds.push(Command::CreateUser(NewUser {
            username: DEMO_ADMIN_USER.into(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            password: DEMO_ADMIN_PASSWORD.into(),
            must_change_password: true,
            language: Language::En,
        }));
        // The admin password is the only one to hash; doing it inside the transaction is
        // fine here: nothing else runs on a database being seeded.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let run = |cmds: &[Command]| -> Result<Vec<crate::Change>> {
            cmds.iter().map(|c| execute_in(&tx, ctx, c, None)).collect()
        };
        let mut changes = run(&cmds)?;
        let span_id = changes[0].id;
        // Second batch: rows that refer to ids made by the first.
        let mut more = vec![
            Command::CreateTrunkGroup(TrunkGroupConfig {
                name: "carrier".into(),
                members: vec![TrunkRef::Span(span_id)],
            }),
            Command::CreateSkill(crate::config::SkillConfig {
                name: "general".into(),
            }),
        ];
        let first = run(&more)?;
        let (tg, skill) = (first[0].id, first[1].id);
        more = vec![Command::CreateDialRule(DialRuleConfig {
            priority: 100,
            pattern: "0.".into(),
            strip: 0,
            prepend: String::new(),
            allow_toll: false,
            target: DialTarget::TrunkGroup(tg),
        })];
        // The carrier's DID range 5551000–5551999 reaches extension 1000–1999 (strip 3).
        more.push(Command::CreateDidRule(DidRuleConfig {
            priority: 100,
            pattern: "5551XXX".into(),
            strip: 3,
            prepend: String::new(),
            target: DidTarget::DialedExtension,
        }));
        for n in 2001..=2010 {
            more.push(Command::CreateAgent(AgentConfig {
                number: n.to_string(),
                name: format!("Agent {n}"),
                user_id: None,
                skills: vec![(skill, 50)],
            }));
        }
        let agents = run(&more)?;
        let members: Vec<(i64, u8)> = agents
            .iter()
            .filter(|c| c.entity == Entity::Agent)
            .map(|c| (c.id, 0))
            .collect();
        let queues: Vec<Command> = [("sales", "701"), ("support", "702")]
            .into_iter()
            .map(|(name, number)| {
                Command::CreateQueue(QueueConfig {
                    name: name.into(),
                    number: Some(number.into()),
                    strategy: Strategy::LongestIdle,
                    max_len: 50,
                    max_wait_s: 300,
                    service_level_s: 20,
                    short_abandon_s: 5,
                    wrapup_s: 10,
                    skills: vec![(skill, 0)],
                    members: members.clone(),
                })
            })
            .collect();
        changes.extend(first);
        changes.extend(agents);
        changes.extend(run(&queues)?);
        // The line ports: an analog phone on FXS port 1 as extension 1101, and a line from
        // the exchange on FXO port 2 (incoming rings go to the demo IVR 8000), the last
        // member of trunk group `carrier`, after span1.
        changes.extend(run(&[
            Command::CreateLinePort(LinePortConfig::fxs(1, "virt:fxs1.sock", "1101")),
            Command::CreateLinePort(LinePortConfig::fxo(
                2,
                "virt:fxo2.sock",
                "8000",
                Some("carrier"),
            )),
        ])?);
        tx.commit()?;
        self.seed_demo_crm(now)?;
        let extensions = self
            .extensions()?
            .into_iter()
            .map(|e| (e.config.number, e.config.kind))
            .collect();
        Ok(Some(DemoSummary {
            revision: self.config_revision()?,
            extensions,
            admin: (DEMO_ADMIN_USER, DEMO_ADMIN_PASSWORD),
        }))
    }
}
