//! Everything a user can type into the store: phone numbers, dial patterns, knowledge-base
//! queries, extension fields and DID rules (pattern, prepend, the shadowing check). Nothing
//! may panic; a refused command must change nothing.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use store::config::{
    DidRuleConfig, DidTarget, ExtensionCallerId, ExtensionConfig, ExtensionKind, check_pattern,
    pattern_matches,
};
use store::phone::{NumberPlan, normalise};
use store::{Command, CommandContext, Store, Timestamp};

static STORE: OnceLock<Mutex<Store>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{1f}');
    let (a, b, c, d) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let _ = normalise(a, &NumberPlan::default());
    let _ = check_pattern(b);
    let _ = pattern_matches(b, a);
    let store = STORE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("store-fuzz-{}.db", std::process::id()));
        Mutex::new(Store::open(path).expect("open"))
    });
    let mut s = store.lock().unwrap();
    let _ = s.search_kb(c, 5);
    let _ = s.customer_by_phone(a);
    let before = s.config_revision().unwrap();
    let cmd = Command::CreateExtension(ExtensionConfig {
        number: b.to_owned(),
        name: c.to_owned(),
        kind: ExtensionKind::Sip,
        sip_password: Some(d.to_owned()),
        digest_algorithms: Default::default(),
        caller_id: ExtensionCallerId {
            number: Some(a.to_owned()),
            ..Default::default()
        },
    });
    match s.execute(CommandContext { actor: "fuzz", ts: Timestamp(0) }, &cmd) {
        Ok(_) => {
            // Keep the database small: remove what was accepted.
            let id = s.extension_by_number(b).unwrap().unwrap().id;
            s.execute(CommandContext { actor: "fuzz", ts: Timestamp(0) }, &Command::DeleteExtension { id }).unwrap();
        }
        Err(_) => assert_eq!(s.config_revision().unwrap(), before),
    }
    // A DID rule: accepted ones stay (up to a few), so the shadowing check sees a table.
    let before = s.config_revision().unwrap();
    let rule = DidRuleConfig {
        priority: i32::from(data.first().copied().unwrap_or(0)),
        pattern: b.to_owned(),
        strip: data.get(1).copied().unwrap_or(0) % 40,
        prepend: d.to_owned(),
        target: DidTarget::Reject(data.get(2).copied().unwrap_or(0)),
    };
    match s.execute(CommandContext { actor: "fuzz", ts: Timestamp(0) }, &Command::CreateDidRule(rule)) {
        Ok(c) => {
            if s.did_rules().unwrap().len() > 8 {
                s.execute(CommandContext { actor: "fuzz", ts: Timestamp(0) }, &Command::DeleteDidRule { id: c.id }).unwrap();
            }
        }
        Err(_) => assert_eq!(s.config_revision().unwrap(), before),
    }
});
