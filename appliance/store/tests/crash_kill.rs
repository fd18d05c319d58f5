//! A crash or kill at any moment leaves a consistent database.
//!
//! The test re-runs this test executable as a child process (`child_writer`, selected with
//! an environment variable) that writes continuously: config commands touching several rows,
//! event batches, the daemon's journal batches (events and a CDR), customers with contacts. After each commit it prints an `ACK` line. The
//! parent kills it with SIGKILL at seeded random moments (10 kills), then reopens the
//! database and checks: integrity and foreign keys clean, every acknowledged write present,
//! no command, batch or customer half-written.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command as Proc, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use store::cdr::{Cdr, Direction, Disposition};
use store::config::{AgentConfig, SkillConfig};
use store::crm::{NewContact, NewCustomer};
use store::events::{EventFilter, EventKind, NewEvent};
use store::journal::JournalRow;
use store::{Command, CommandContext, Store, Timestamp};

const DB_ENV: &str = "STORE_CRASH_CHILD_DB";
const RUN_ENV: &str = "STORE_CRASH_CHILD_RUN";
const EVENTS_PER_BATCH: usize = 5;
const SKILLS_PER_AGENT: usize = 3;

/// The writer. Does nothing unless started by `kill_at_random_moments_loses_nothing_acknowledged`.
#[test]
fn child_writer() {
    let (Ok(path), Ok(run)) = (std::env::var(DB_ENV), std::env::var(RUN_ENV)) else {
        return;
    };
    let run: u32 = run.parse().unwrap();
    let mut s = Store::open(&path).unwrap();
    let ctx = CommandContext {
        actor: "crash-test",
        ts: Timestamp(0),
    };
    if s.skills().unwrap().is_empty() {
        s.execute_all(
            ctx,
            &(0..SKILLS_PER_AGENT)
                .map(|k| {
                    Command::CreateSkill(SkillConfig {
                        name: format!("skill{k}"),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    }
    let skills: Vec<i64> = s.skills().unwrap().iter().map(|k| k.id).collect();
    let mut out = std::io::stdout().lock();
    // Bounded: far more than a child can do before it is killed.
    for i in 0..500_000_u32 {
        let number = format!("{run:02}{i:06}");
        s.execute(
            ctx,
            &Command::CreateAgent(AgentConfig {
                number: number.clone(),
                name: format!("Agent {number}"),
                user_id: None,
                skills: skills.iter().map(|&k| (k, 50)).collect(),
            }),
        )
        .unwrap();
        writeln!(out, "ACK agent {number}").unwrap();
        let call = format!("r{run}-{i}");
        let batch: Vec<NewEvent> = (0..EVENTS_PER_BATCH)
            .map(|k| {
                NewEvent::new(Timestamp(i64::from(i)), EventKind::QueueEnter)
                    .call(call.clone())
                    .queue("q")
                    .payload(serde_json::json!({ "k": k }))
            })
            .collect();
        s.append_events(&batch).unwrap();
        writeln!(out, "ACK events {call}").unwrap();
        // The daemon's journal batch: events and a CDR in one transaction.
        let jcall = format!("j{run}-{i}");
        let mut rows: Vec<JournalRow> = (0..EVENTS_PER_BATCH)
            .map(|k| {
                JournalRow::Event(
                    NewEvent::new(Timestamp(i64::from(i)), EventKind::CallStart)
                        .call(jcall.clone())
                        .payload(serde_json::json!({ "k": k })),
                )
            })
            .collect();
        rows.push(JournalRow::Cdr(journal_cdr(&jcall)));
        assert!(s.commit_journal(&rows).unwrap().is_empty());
        writeln!(out, "ACK journal {jcall}").unwrap();
        if i % 3 == 0 {
            let id = s
                .create_customer(
                    &NewCustomer {
                        name: format!("C {number}"),
                        contacts: vec![
                            NewContact {
                                name: "a".into(),
                                phone: format!("1380{run:02}{i:05}"),
                                email: String::new(),
                            },
                            NewContact {
                                name: "b".into(),
                                phone: format!("1390{run:02}{i:05}"),
                                email: String::new(),
                            },
                        ],
                        ..NewCustomer::default()
                    },
                    Timestamp(0),
                )
                .unwrap();
            writeln!(out, "ACK customer {id}").unwrap();
        }
    }
}

fn journal_cdr(call: &str) -> Cdr {
    Cdr {
        call_id: call.to_owned(),
        start: Timestamp(1),
        answer: None,
        end: Timestamp(2),
        caller: "1001".into(),
        callee: "1002".into(),
        direction: Direction::Internal,
        disposition: Disposition::NoAnswer,
        cause: Some(16),
        src_channel: "sip/1001".into(),
        dst_channel: None,
        queue: None,
        agent: None,
    }
}

/// xorshift64*, seeded: the kill moments are the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn kill_at_random_moments_loses_nothing_acknowledged() {
    if std::env::var(DB_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut agents = HashSet::new();
    let mut calls = HashSet::new();
    let mut journals = HashSet::new();
    let mut customers = HashSet::new();
    for run in 1..=10_u32 {
        let mut child = Proc::new(&exe)
            .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
            .env(DB_ENV, &path)
            .env(RUN_ENV, run.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first acknowledged write, then kill at a random moment. libtest's own
        // lines come first, and the first ACK shares a line with "test child_writer ... ".
        let mut lines = Vec::new();
        while !lines.iter().any(|l: &String| l.contains("ACK ")) {
            lines.push(
                rx.recv_timeout(Duration::from_secs(20))
                    .expect("child acknowledged nothing"),
            );
        }
        std::thread::sleep(Duration::from_millis(5 + rng.next() % 150));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        let lines: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.find("ACK ").map(|at| &l[at..]))
            .collect();
        let acks = lines.len();
        assert!(acks > 0, "run {run}: no acknowledged write");
        eprintln!("run {run}: killed after {acks} acknowledged writes");
        for l in lines {
            let mut w = l.split_whitespace();
            match (w.next(), w.next(), w.next()) {
                (Some("ACK"), Some("agent"), Some(n)) => agents.insert(n.to_owned()),
                (Some("ACK"), Some("events"), Some(c)) => calls.insert(c.to_owned()),
                (Some("ACK"), Some("journal"), Some(c)) => journals.insert(c.to_owned()),
                (Some("ACK"), Some("customer"), Some(id)) => {
                    customers.insert(id.parse::<i64>().unwrap())
                }
                _ => false,
            };
        }

        // After every kill: the database opens, checks clean, and holds every ack.
        let s = Store::open(&path).unwrap();
        s.check_integrity().unwrap();
        let stored = s.agents().unwrap();
        let numbers: HashSet<String> = stored.iter().map(|a| a.config.number.clone()).collect();
        assert!(
            agents.is_subset(&numbers),
            "run {run}: an acknowledged command is missing"
        );
        // No partial command: every agent has all its skills, and each command is exactly
        // one revision and one audit row.
        assert!(
            stored
                .iter()
                .all(|a| a.config.skills.len() == SKILLS_PER_AGENT),
            "run {run}: partial command"
        );
        let rev = s.config_revision().unwrap();
        assert_eq!(s.changes_since(0).unwrap().len() as i64, rev);
        assert_eq!(rev as usize, SKILLS_PER_AGENT + stored.len());
        // No partial batch: every call in the log has the whole batch.
        let all = s
            .events(&EventFilter {
                limit: Some(u32::MAX),
                ..EventFilter::default()
            })
            .unwrap();
        let mut per_call = std::collections::HashMap::<String, usize>::new();
        for e in &all {
            *per_call.entry(e.call_id.clone().unwrap()).or_default() += 1;
        }
        assert!(
            per_call.values().all(|&n| n == EVENTS_PER_BATCH),
            "run {run}: partial batch"
        );
        assert!(
            calls.iter().all(|c| per_call.contains_key(c)),
            "run {run}: an acknowledged batch is missing"
        );
        // Journal batches: every acknowledged one has its CDR (and, above, all its events);
        // a CDR never stands without its batch's events.
        for j in &journals {
            assert!(
                s.cdr(j).unwrap().is_some(),
                "run {run}: an acknowledged journal CDR is missing"
            );
        }
        for c in per_call.keys().filter(|c| c.starts_with('j')) {
            assert!(
                s.cdr(c).unwrap().is_some(),
                "run {run}: partial journal batch"
            );
        }
        for &id in &customers {
            let c = s
                .customer(id)
                .unwrap()
                .unwrap_or_else(|| panic!("run {run}: customer {id} missing"));
            assert_eq!(c.contacts.len(), 2);
        }
    }
    assert!(agents.len() >= 10);
}
