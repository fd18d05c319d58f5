//! Everything a user can type into the store: phone numbers, dial patterns, knowledge-base
//! queries and extension fields. Nothing may panic; a refused command must change nothing.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use store::config::{ExtensionConfig, ExtensionKind, check_pattern};
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
        caller_id: Default::default(),
    });
    match s.execute(CommandContext { actor: "fuzz", ts: Timestamp(0) }, &cmd) {
        Ok(_) => {
            // Keep the database small: remove what was accepted.
            let id = s.extension_by_number(b).unwrap().unwrap().id;
            s.execute(CommandContext { actor: "fuzz", ts: Timestamp(0) }, &Command::DeleteExtension { id }).unwrap();
        }
        Err(_) => assert_eq!(s.config_revision().unwrap(), before),
    }
});
