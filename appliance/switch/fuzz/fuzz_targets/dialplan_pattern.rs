//! Dial-plan pattern parsing and matching: never panics on any text; a literal pattern
//! matches its own text; routing any number through a plan built from the pattern never
//! panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switch::dialplan::{Config, OriginClass, Pattern, Rule, Target};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (pat, number) = text.split_once('\n').unwrap_or((&text, "1234"));
    if let Ok(p) = Pattern::parse(pat) {
        let _ = p.matches(number);
        if p.is_literal() {
            assert!(p.matches(pat));
        }
        let mut cfg = Config::default();
        cfg.plan.internal.push(Rule {
            pattern: p,
            target: Target::EchoTest,
            strip: number.len() % 5,
            prepend: String::new(),
            allow: Default::default(),
        });
        let _ = cfg.validate();
        let _ = cfg.route(OriginClass::Extension, number);
    }
});
