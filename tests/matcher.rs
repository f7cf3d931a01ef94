//! Typed answers against the shipped English script.

mod common;

use backup_help_bot::matcher::{normalize, understand, Understood};
use backup_help_bot::script::{Meaning, Script, StepId};

/// The index of the choice of `step` labelled `label`.
fn labelled(script: &Script, step: &str, label: &str) -> Understood {
    let found = script
        .step(&StepId::new(step))
        .and_then(|s| s.choices.iter().position(|c| c.label == label));
    Understood::Choice(found.unwrap_or_else(|| panic!("{step} has no choice {label:?}")))
}

fn at(script: &Script, step: &str, text: &str) -> Understood {
    let step = script
        .step(&StepId::new(step))
        .unwrap_or_else(|| panic!("no step {step}"));
    understand(text, step, script, Default::default())
}

#[test]
fn normalisation_folds_case_accents_apostrophes_and_punctuation() {
    assert_eq!(normalize("  Didn't WORK!!  "), "didnt work");
    assert_eq!(normalize("Ça   marché — “oui”"), "ca marche oui");
    assert_eq!(normalize("é"), "e"); // precomposed
    assert_eq!(normalize("e\u{301}"), "e"); // combining accent
    assert_eq!(normalize("👍\u{0}\u{7}"), "");
}

#[test]
fn check_answers() {
    let script = common::english();
    use Understood::*;
    let fixed = Choice(0);
    let failing = Choice(1);
    let cases: &[(&str, Understood)] = &[
        ("1", fixed.clone()),
        ("2", failing.clone()),
        (" 2. ", failing.clone()),
        ("Still failing", failing.clone()),
        ("STILL FAILING", failing.clone()),
        ("still failing", failing.clone()),
        ("stil failing", failing.clone()), // a typo
        ("still faling", failing.clone()), // another
        ("yep", fixed.clone()),
        ("Yes!", fixed.clone()),
        ("yes it worked :)", fixed.clone()),
        ("it worked", fixed.clone()),
        ("Fixed, it backs up now", fixed.clone()),
        ("nope", failing.clone()),
        ("No.", failing.clone()),
        ("still broken", failing.clone()),
        ("it's still broken", failing.clone()),
        ("didn't work", failing.clone()),
        ("nope, still broken", failing.clone()),
        ("not fixed", failing.clone()),
        ("it is not fixed", failing.clone()),
        ("back", Back),
        ("Go back", Back),
        ("start over", StartOver),
        ("human", Human),
        ("can I talk to a human please", Human),
        ("agent", Human),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = at(&script, "wifi", text);
        if got != *want {
            wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn unclear_answers_are_not_guessed() {
    let script = common::english();
    let unclear = [
        "",
        "   ",
        "3", // wifi has two choices
        "0",
        "99999999999999999999999999",
        "purple",
        "fix", // too short for a typo guess
        "yes but still broken",
        "I can back up now?? or not",
        "back up", // "back" only counts alone
        "🙂",
        "\u{0}\u{1b}[31m",
    ];
    for text in unclear {
        let got = at(&script, "wifi", text);
        assert!(
            matches!(got, Understood::NotUnderstood { .. }),
            "{text:?} → {got:?}"
        );
    }
    let both = at(&script, "wifi", "yes but still broken");
    assert_eq!(
        both,
        Understood::NotUnderstood {
            candidates: vec![0, 1]
        }
    );
}

#[test]
fn branch_answers_use_their_own_words() {
    let script = common::english();
    assert_eq!(at(&script, "restart", "face id"), Understood::Choice(0));
    assert_eq!(
        at(&script, "restart", "Face ID, no Home button"),
        Understood::Choice(0)
    );
    assert_eq!(
        at(&script, "restart", "I have an iPhone X"),
        Understood::Choice(0)
    );
    assert_eq!(
        at(&script, "storage", "it's nearly full"),
        Understood::Choice(1)
    );
    assert_eq!(at(&script, "storage", "plenty"), Understood::Choice(0));
    assert_eq!(
        at(&script, "opening", "idk"),
        labelled(&script, "opening", "Not sure")
    );
    let message = labelled(
        &script,
        "opening",
        "Apple showed a message about the backup",
    );
    assert_eq!(
        at(&script, "opening", "it says not enough storage"),
        message
    );
    assert_eq!(
        at(&script, "opening-message", "not enough storage"),
        labelled(
            &script,
            "opening-message",
            "There isn't enough iCloud storage"
        )
    );
    assert_eq!(
        at(&script, "opening", "it's very slow"),
        labelled(
            &script,
            "opening",
            "It starts but fails, is very slow, or never runs by itself"
        )
    );
    assert_eq!(
        at(&script, "opening-progress", "it's very slow"),
        labelled(
            &script,
            "opening-progress",
            "It never finishes, or is very slow"
        )
    );
    assert_eq!(
        at(
            &script,
            "backup-switch",
            "still failing, last backup is recent"
        ),
        labelled(
            &script,
            "backup-switch",
            "Still failing, last backup is recent"
        )
    );
    assert_eq!(
        at(&script, "backup-switch", "months ago"),
        labelled(
            &script,
            "backup-switch",
            "Still failing, last backup is weeks old or there is none"
        )
    );
}

#[test]
fn a_bare_no_is_asked_again_where_each_failing_answer_says_more() {
    // The backup switch asks how old the last backup is, storage how much is left, and
    // restart whether it was done already: "no" says none of that.
    let script = common::english();
    for step in ["backup-switch", "storage", "restart"] {
        for text in ["no", "nope", "still failing", "still broken"] {
            let got = at(&script, step, text);
            assert!(
                matches!(got, Understood::NotUnderstood { .. }),
                "{step}: {text:?} → {got:?}"
            );
        }
    }
}

#[test]
fn huge_and_hostile_input_is_handled() {
    let script = common::english();
    let big = "still failing ".repeat(8_000); // ~110 kB
    assert!(matches!(
        at(&script, "wifi", &big),
        Understood::NotUnderstood { .. }
    ));
    let controls: String = (0u8..32).map(char::from).collect();
    assert!(matches!(
        at(&script, "wifi", &controls),
        Understood::NotUnderstood { .. }
    ));
    let zalgo = "n\u{336}\u{337}o\u{338}\u{334}";
    assert_eq!(at(&script, "wifi", zalgo), Understood::Choice(1));
}

/// The steps where a bare "no" / "still failing" does not say which of several answers it
/// is, with the choices it could stand for.
#[test]
fn a_bare_no_is_asked_again_where_it_would_claim_more() {
    use Understood::NotUnderstood;
    for script in common::shipped() {
        let no_words: &[&str] = match script.locale.as_str() {
            "en" => &[
                "no",
                "nope",
                "still failing",
                "still broken",
                "no, still failing",
            ],
            "es" => &["no", "todavía falla", "sigue sin funcionar"],
            "de" => &["nein", "geht immer noch nicht"],
            _ => &[],
        };
        // Where no answer is marked `means: No`, a bare no may stand for any answer but the
        // "yes": it is asked again with all of them, and none is picked.
        let all_but_yes = |id: &str| -> Vec<usize> {
            let step = script.step(&StepId::new(id)).expect("a step");
            assert!(
                step.choices.iter().all(|c| c.means != Some(Meaning::No)),
                "{id}"
            );
            (0..step.choices.len())
                .filter(|&i| step.choices[i].means != Some(Meaning::Yes))
                .collect()
        };
        for text in no_words {
            for id in ["backup-switch", "storage", "restart"] {
                assert_eq!(
                    at(&script, id, text),
                    NotUnderstood {
                        candidates: all_but_yes(id)
                    },
                    "{}: {id}: {text:?}",
                    script.locale
                );
            }
        }
    }
}

#[test]
fn saying_which_still_picks_it() {
    let script = common::english();
    use Understood::Choice;
    assert_eq!(
        at(
            &script,
            "backup-switch",
            "still failing, the last backup is recent"
        ),
        Choice(1)
    );
    assert_eq!(
        at(&script, "backup-switch", "no, it's months ago"),
        Choice(2)
    );
    assert_eq!(at(&script, "storage", "plenty"), Choice(0));
    assert_eq!(at(&script, "restart", "restarted it already"), Choice(3));
    // Where one choice is the no, "no" still picks it.
    assert_eq!(at(&script, "wifi", "no"), Choice(1));
}

#[test]
fn a_bare_yes_where_no_choice_means_yes_lists_all_but_the_no() {
    let script = common::english();
    assert_eq!(
        at(&script, "storage", "yes"),
        Understood::NotUnderstood {
            candidates: vec![0, 1, 2]
        }
    );
}
