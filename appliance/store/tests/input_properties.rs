//! Parsers of user input never panic, and what they accept is well formed.

use proptest::prelude::*;
use store::config::check_pattern;
use store::phone::{NumberPlan, normalise};

proptest! {
    #[test]
    fn phone_normalisation_never_panics_and_is_stable(raw in "\\PC{0,30}") {
        let plan = NumberPlan::default();
        if let Ok(n) = normalise(&raw, &plan) {
            prop_assert!(!n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            // The normalised form, written as an international number, normalises to itself.
            prop_assert_eq!(normalise(&format!("+{n}"), &plan).unwrap(), n);
        }
    }

    #[test]
    fn phone_forms_meet(national in "[1-9][0-9]{6,10}") {
        let plan = NumberPlan::default();
        let want = format!("86{national}");
        prop_assert_eq!(normalise(&national, &plan).unwrap(), want.as_str());
        prop_assert_eq!(normalise(&format!("0{national}"), &plan).unwrap(), want.as_str());
        prop_assert_eq!(normalise(&format!("0086{national}"), &plan).unwrap(), want.as_str());
        prop_assert_eq!(normalise(&format!("+86 {national}"), &plan).unwrap(), want.as_str());
    }

    #[test]
    fn dial_pattern_check_never_panics(p in "[0-9XZN\\[\\]\\-.!*#a ]{0,12}") {
        let _ = check_pattern(&p);
    }
}
