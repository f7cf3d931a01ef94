//! Personal data in typed text: whatever surrounds it, an e-mail address, a phone number or
//! an IMEI never survives redaction, and redaction never panics and changes nothing twice.

use backup_help_bot::personal::redact;
use proptest::prelude::*;

/// Text a person might write around the data: words, punctuation, accents, emoji.
fn around() -> impl Strategy<Value = String> {
    "[a-zA-Z ,;:!?¿¡éñüß🙂]{0,24}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_is_redacted_without_panic_and_only_once(text in "\\PC{0,200}") {
        let once = redact(&text).into_owned();
        prop_assert_eq!(redact(&once).into_owned(), once);
    }

    #[test]
    fn an_email_address_never_survives(
        before in around(),
        user in "[a-z][a-z0-9]{0,8}([._+-][a-z0-9]{1,6}){0,2}",
        host in "[a-z][a-z0-9-]{0,10}[a-z0-9](\\.[a-z]{2,8}){0,2}",
        top in "[a-z]{2,6}",
        after in around(),
    ) {
        let address = format!("{user}@{host}.{top}");
        let text = format!("{before} {address} {after}");
        let out = redact(&text);
        prop_assert!(!out.contains('@'), "{} -> {}", text, out);
        prop_assert!(out.contains("[email]"), "{} -> {}", text, out);
    }

    #[test]
    fn a_phone_number_never_survives(
        before in around(),
        country in "\\+[1-9][0-9]{0,2}",
        groups in proptest::collection::vec("[0-9]{2,3}", 3..5),
        separator in prop_oneof![Just(" "), Just("-"), Just(".")],
        after in around(),
    ) {
        let number = format!("{country} {}", groups.join(separator));
        let text = format!("{before} {number} {after}");
        let out = redact(&text);
        prop_assert!(out.contains("[phone]"), "{} -> {}", text, out);
        prop_assert!(!out.contains(&groups.join(separator)), "{} -> {}", text, out);
    }

    #[test]
    fn an_imei_never_survives(
        before in around(),
        digits in "[0-9]{15}",
        grouped in any::<bool>(),
        after in around(),
    ) {
        let imei = if grouped {
            format!("{} {} {} {}", &digits[..2], &digits[2..8], &digits[8..14], &digits[14..])
        } else {
            digits.clone()
        };
        let text = format!("{before} {imei} {after}");
        let out = redact(&text);
        prop_assert!(out.contains("[serial]"), "{} -> {}", text, out);
        prop_assert!(!out.contains(&digits[2..8]), "{} -> {}", text, out);
    }

    #[test]
    fn versions_times_and_step_numbers_stay(
        major in 9u32..30, minor in 0u32..10, patch in 0u32..10,
        hour in 0u32..24, minute in 0u32..60, step in 1u32..20,
    ) {
        let text = format!("iOS {major}.{minor}.{patch}, at {hour}:{minute:02}, step {step}");
        prop_assert_eq!(redact(&text).into_owned(), text);
    }
}
