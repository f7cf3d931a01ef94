//! Each shipped language understands its own typed answers: the walk a person types in
//! Spanish or German goes where the same walk in English goes.

mod common;

use backup_help_bot::conversation::{Cause, Input, Reply, Session};
use backup_help_bot::script::{Meaning, Script, Target};

/// A session of `script` at its first check (after the opening's "not sure").
fn at_first_check(script: &Script) -> (backup_help_bot::conversation::Engine<'_>, Session) {
    let engine = common::engine(script);
    let mut session = common::started(&engine);
    let start = script.start_step();
    let not_sure = start
        .choices
        .iter()
        .position(|c| c.goto == Target::NextCheck);
    let input = Input::Choose {
        step: start.id.clone(),
        choice: not_sure.expect("the opening goes on to the checks"),
    };
    engine.apply(&mut session, input, common::T0);
    assert_eq!(session.current_step(), Some(&script.checks[0]));
    (engine, session)
}

fn typed(text: &str) -> Input {
    Input::Text(text.to_string())
}

/// Typing `still_failing` at every step walks the checks in order to the hand-off. Where it
/// does not say which of several answers it is, the bot asks again listing them, and the
/// person presses the first one listed.
fn still_failing_walks_to_the_hand_off(locale: &str, still_failing: &str) {
    let script = common::shipped_in(locale);
    let engine = common::engine(&script);
    let mut session = common::started(&engine);
    let mut checks = Vec::new();
    let mut asked_again = Vec::new();
    for _ in 0..60 {
        let reply = match engine.apply(&mut session, typed(still_failing), common::T0) {
            Reply::ReAsk { step, candidates } => {
                let no_choice = script
                    .step(&step)
                    .and_then(|s| s.choices.iter().position(|c| c.means == Some(Meaning::No)));
                assert_eq!(
                    no_choice, None,
                    "{locale}: {step} has a no, yet asked again"
                );
                assert!(candidates.len() >= 2, "{locale}: {step}: {candidates:?}");
                asked_again.push(step.to_string());
                let choice = candidates[0];
                engine.apply(&mut session, Input::Choose { step, choice }, common::T0)
            }
            reply => reply,
        };
        match reply {
            Reply::Show { step, .. } => {
                if script.checks.contains(&step) {
                    checks.push(step);
                }
            }
            Reply::HandedOff { ending, .. } => {
                assert_eq!(ending, script.handoff, "{locale}");
                assert_eq!(checks, script.checks, "{locale}: every check, in order");
                for step in ["backup-switch", "storage", "restart"] {
                    assert!(
                        asked_again.iter().any(|s| s == step),
                        "{locale}: {still_failing:?} taken as an answer at {step}"
                    );
                }
                return;
            }
            other => panic!("{locale}: {still_failing:?} → {other:?} after {checks:?}"),
        }
    }
    panic!("{locale}: no hand-off after 60 answers of {still_failing:?}");
}

#[test]
fn still_failing_in_each_language_walks_the_checks_to_the_hand_off() {
    still_failing_walks_to_the_hand_off("en", "still failing");
    still_failing_walks_to_the_hand_off("es", "todavía falla");
    still_failing_walks_to_the_hand_off("es", "todavia falla");
    still_failing_walks_to_the_hand_off("de", "geht immer noch nicht");
    still_failing_walks_to_the_hand_off("de", "klappt immer noch nicht");
}

#[test]
fn every_shipped_language_walks_the_checks_with_its_own_still_failing() {
    // The label of the first check's answer marked `means: No`, in each language shipped.
    for script in common::shipped() {
        let label = script
            .checks
            .iter()
            .filter_map(|id| script.step(id))
            .flat_map(|step| &step.choices)
            .find(|c| c.means == Some(Meaning::No))
            .map(|c| c.label.clone())
            .expect("a check answered by a plain no");
        still_failing_walks_to_the_hand_off(&script.locale, &label);
    }
}

/// `no`, `back` and `human` words in `locale`, typed at the first check: a "no" there picks
/// the choice marked `means: No`, or where none is (several answers fail differently) is
/// asked again, and the first choice listed is pressed.
fn commands_are_understood(locale: &str, no: &str, back: &str, human: &str) {
    let script = common::shipped_in(locale);
    let (engine, session) = at_first_check(&script);
    let first = script.step(&script.checks[0]).expect("a step");
    let no_choice = first
        .choices
        .iter()
        .position(|c| c.means == Some(Meaning::No));

    let mut s = session.clone();
    match (engine.apply(&mut s, typed(no), common::T0), no_choice) {
        (
            Reply::Show {
                cause: Cause::Answered(answer),
                ..
            },
            Some(no_choice),
        ) => assert_eq!(answer.choice, no_choice, "{locale}: {no:?}"),
        (Reply::ReAsk { step, candidates }, None) => {
            assert!(candidates.len() >= 2, "{locale}: {no:?} → {candidates:?}");
            let choice = candidates[0];
            let reply = engine.apply(&mut s, Input::Choose { step, choice }, common::T0);
            assert!(matches!(reply, Reply::Show { .. }), "{locale}: {reply:?}");
        }
        (other, _) => panic!("{locale}: {no:?} → {other:?}"),
    }
    // Back from the second check is the first again.
    let back_to = s.current_step().cloned();
    assert_ne!(back_to.as_ref(), Some(&script.checks[0]));
    match engine.apply(&mut s, typed(back), common::T0) {
        Reply::Show {
            step,
            cause: Cause::WentBack,
        } => assert_eq!(step, script.checks[0], "{locale}: {back:?}"),
        other => panic!("{locale}: {back:?} → {other:?}"),
    }
    let mut s = session;
    match engine.apply(&mut s, typed(human), common::T0) {
        Reply::HandedOff { ending, .. } => assert_eq!(ending, script.handoff),
        other => panic!("{locale}: {human:?} → {other:?}"),
    }
}

#[test]
fn no_back_and_a_person_are_understood_in_each_language() {
    commands_are_understood("en", "no", "back", "talk to someone");
    commands_are_understood("es", "no", "atrás", "hablar con una persona");
    commands_are_understood(
        "es",
        "No.",
        "volver",
        "Quiero hablar con una persona, por favor",
    );
    commands_are_understood("de", "nein", "zurück", "mit einem menschen sprechen");
    commands_are_understood(
        "de",
        "Nein!",
        "Zurück",
        "Kann ich mit einem Menschen sprechen?",
    );
}

#[test]
fn a_locale_without_a_script_of_its_own_gets_the_default() {
    let scripts = common::shipped();
    let store = std::sync::Arc::new(backup_help_bot::store::MemoryStore::default());
    let walks = backup_help_bot::walkthrough::Walkthroughs::new(
        store,
        scripts,
        "en".into(),
        backup_help_bot::conversation::IdlePolicy::default(),
        std::sync::Arc::new(backup_help_bot::clock::ManualClock::new()),
    );
    for (discord, script) in [
        ("es-ES", "es"),
        ("de", "de"),
        ("en-GB", "en"),
        ("en-US", "en"),
        ("pt-BR", "en"),
        ("fr", "en"),
        ("", "en"),
    ] {
        assert_eq!(walks.script(discord).locale, script, "{discord:?}");
    }
    // Latin-American Spanish: its own script where one is shipped, else Spain's.
    let latin = if common::shipped().iter().any(|s| s.locale == "es-419") {
        "es-419"
    } else {
        "es"
    };
    assert_eq!(walks.script("es-419").locale, latin);
}

/// The shipped scripts plus `es-419.ron`, Spain's script relabelled, in a folder.
fn with_latin_american_spanish() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for script in common::shipped() {
        let name = format!("{}.ron", script.locale);
        let text = common::read(&common::root().join("responses").join(&name));
        std::fs::write(dir.path().join(&name), &text).expect("written");
        if script.locale == "es" {
            let latin = text.replacen(r#"locale: "es","#, r#"locale: "es-419","#, 1);
            std::fs::write(dir.path().join("es-419.ron"), latin).expect("written");
        }
    }
    dir
}

#[test]
fn es_419_gets_its_own_script_and_es_es_keeps_spains() {
    let dir = with_latin_american_spanish();
    let scripts = match backup_help_bot::script::load_dir(dir.path(), "en") {
        Ok(scripts) => scripts,
        Err(err) => panic!("{err}"),
    };
    let locales: Vec<&str> = scripts.iter().map(|s| s.locale.as_str()).collect();
    assert!(locales.contains(&"es-419"), "{locales:?}");
    let store = std::sync::Arc::new(backup_help_bot::store::MemoryStore::default());
    let walks = backup_help_bot::walkthrough::Walkthroughs::new(
        store,
        scripts,
        "en".into(),
        backup_help_bot::conversation::IdlePolicy::default(),
        std::sync::Arc::new(backup_help_bot::clock::ManualClock::new()),
    );
    for (discord, script) in [
        ("es-419", "es-419"),
        ("es-ES", "es"),
        ("es", "es"),
        ("en-US", "en"),
    ] {
        assert_eq!(walks.script(discord).locale, script, "{discord:?}");
    }
}

#[test]
fn parity_covers_every_translation_es_419_included() {
    let dir = with_latin_american_spanish();
    // A drift in es-419 alone is reported in es-419.ron.
    let path = dir.path().join("es-419.ron");
    let text = common::read(&path);
    let drifted = text.replacen(r#"goto: "update-ios","#, r#"goto: "wifi","#, 1);
    assert_ne!(
        drifted, text,
        "es.ron's opening no longer leads to update-ios"
    );
    std::fs::write(&path, drifted).expect("written");
    match backup_help_bot::script::load_dir(dir.path(), "en") {
        Err(backup_help_bot::script::LoadError::Invalid(problems)) => {
            assert!(!problems.is_empty());
            assert!(
                problems.iter().all(|p| p.file.ends_with("es-419.ron")),
                "{problems:#?}"
            );
            assert!(
                problems.iter().any(|p| p
                    .message
                    .contains(r#"goes to step "wifi" but the same choice in en.ron"#)),
                "{problems:#?}"
            );
        }
        other => panic!("the drift in es-419.ron was not found: {other:?}"),
    }
}
