//! The demo IVR's balance look-up answered from the store's CRM accounts (schema step
//! v13), off the engine task: the simulated carrier calls 8000, presses 9, keys the demo
//! account 79927398713 and `#`. The daemon's look-up thread reads the account (balance
//! 123.45 CNY, seeded by the demo) and the IVR takes the flow's found branch: the
//! `your-balance-is` prompt and the amount in Mandarin (123 yuan…). With the
//! account gone from the store, the same caller hears `account-not-found` instead. Every
//! wait is bounded.

mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::time::Duration;

use common::Daemon;
use nix::sys::signal::Signal;

fn nine_caller(dir: tempfile::TempDir, data: std::path::PathBuf) -> Daemon {
    let mut d = Daemon::start_in(
        dir,
        data,
        &[
            "--demo",
            "--carrier-dids",
            "8000",
            "--carrier-queue-dids",
            "",
            "--carrier-digits",
            "9",
            "--carrier-interval-ms",
            "1000",
            "--carrier-max-calls",
            "1",
            "--carrier-abandon-pct",
            "0",
            "--drain-secs",
            "1",
        ],
    );
    d.wait_notify("READY=1");
    d.wait_log(&["ivr look-up", "AccountBalance", "key=79927398713"]);
    d
}

fn stop(mut d: Daemon) {
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}

#[test]
fn the_balance_look_up_reads_the_account_and_the_ivr_says_it() {
    let (dir, data) = e2e::seeded(|_| {});
    let mut d = nine_caller(dir, data);
    let answer = d.wait_log(&["ivr look-up answered", "found"]);
    for want in [
        r#""balance_cents": "12345""#,
        r#""currency": "CNY""#,
        r#""name": "Demo customer""#,
    ] {
        assert!(answer.contains(want), "{want} in {answer}");
    }
    // The found branch: the balance said in Mandarin (the demo flow's language), its
    // first words (each missing prompt file is 1 s of silence, and the caller hangs up
    // 8 s after its `#`: the whole amount is checked by the ivr crate's tests).
    d.wait_log(&["prompt", "prompt=\"your-balance-is\""]);
    for p in ["num-1", "num-hundred", "num-2"] {
        d.wait_log(&["prompt", &format!("prompt=\"{p}\"")]);
    }
    assert!(
        !d.log.iter().any(|l| l.contains("account-not-found")),
        "{}",
        d.log.join("\n")
    );
    stop(d);
}

#[test]
fn an_unknown_account_takes_the_not_found_branch() {
    let (dir, data) = e2e::seeded(|st| {
        let a = st
            .account_by_number(store::DEMO_ACCOUNT)
            .unwrap()
            .expect("demo account");
        let c = store::billing::AccountConfig {
            number: "12".into(),
            customer_id: a.customer_id,
            balance_minor: a.balance_minor,
            currency: a.currency,
        };
        st.update_account(a.id, &c).unwrap();
    });
    let mut d = nine_caller(dir, data);
    let answer = d.wait_log(&["ivr look-up answered"]);
    assert!(answer.contains("NotFound"), "{answer}");
    d.wait_log(&["prompt", "prompt=\"account-not-found\""]);
    assert!(
        !d.log.iter().any(|l| l.contains("your-balance-is")),
        "{}",
        d.log.join("\n")
    );
    stop(d);
}
