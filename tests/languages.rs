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

/// Typing `still_failing` at every step walks the checks in order to the hand-off. Where a
/// bare "still failing" does not say which of several failing answers it is, it is asked
/// again (never guessed), and the person types the answer `precise` gives for that step
/// (step id, text; the opening's entry is "not sure").
fn still_failing_walks_to_the_hand_off(
    locale: &str,
    still_failing: &str,
    precise: &[(&str, &str)],
) {
    let script = common::shipped_in(locale);
    let engine = common::engine(&script);
    let mut session = common::started(&engine);
    let mut checks = Vec::new();
    for _ in 0..40 {
        let step = session.current_step().cloned().expect("a step is open");
        let text = match precise.iter().find(|(id, _)| *id == step.as_str()) {
            Some((_, answer)) if step == script.start => *answer,
            Some((_, answer)) => {
                let mut again = session.clone();
                match engine.apply(&mut again, typed(still_failing), common::T0) {
                    Reply::ReAsk { step: asked, .. } => assert_eq!(asked, step, "{locale}"),
                    other => panic!("{locale}: {still_failing:?} at {step} → {other:?}"),
                }
                *answer
            }
            None => still_failing,
        };
        match engine.apply(&mut session, typed(text), common::T0) {
            Reply::Show { step, .. } => {
                if script.checks.contains(&step) {
                    checks.push(step);
                }
            }
            Reply::HandedOff { ending, .. } => {
                assert_eq!(ending, script.handoff, "{locale}");
                assert_eq!(checks, script.checks, "{locale}: every check, in order");
                return;
            }
            other => panic!("{locale}: {text:?} → {other:?} after {checks:?}"),
        }
    }
    panic!("{locale}: no hand-off after 40 answers of {still_failing:?}");
}

#[test]
fn still_failing_in_each_language_walks_the_checks_to_the_hand_off() {
    // Per language: the "still failing" typed everywhere, then what the person types at the
    // opening, the first check (how old the last backup is), storage and restart, where a
    // bare "still failing" is asked again.
    let walks: [(&str, &str, [&str; 4]); 7] = [
        (
            "en",
            "still failing",
            [
                "not sure",
                "still failing, last backup is recent",
                "plenty",
                "restarted it already, still failing",
            ],
        ),
        (
            "es",
            "todavía falla",
            [
                "no lo sé",
                "sigue fallando, la última copia es reciente",
                "de sobra",
                "ya lo reinicié",
            ],
        ),
        (
            "es",
            "todavia falla",
            [
                "no se",
                "sigue fallando, la ultima copia es reciente",
                "hay espacio",
                "ya lo reinicie",
            ],
        ),
        (
            "de",
            "geht immer noch nicht",
            [
                "weiß nicht",
                "geht immer noch nicht, letztes Backup ist recht neu",
                "viel",
                "schon neu gestartet",
            ],
        ),
        (
            "de",
            "klappt immer noch nicht",
            [
                "keine ahnung",
                "gestern",
                "genug platz",
                "hab schon neu gestartet",
            ],
        ),
        (
            "es-419",
            "todavía falla",
            [
                "no sé",
                "sigue fallando, el último respaldo es reciente",
                "de sobra",
                "ya lo reinicié",
            ],
        ),
        (
            "es-419",
            "sigue fallando",
            [
                "no sé",
                "sigue fallando, el último respaldo es reciente",
                "de sobra",
                "ya lo reinicié",
            ],
        ),
    ];
    for (locale, still_failing, precise) in walks {
        let steps = ["opening", "backup-switch", "storage", "restart"];
        let precise: Vec<(&str, &str)> = steps.into_iter().zip(precise).collect();
        still_failing_walks_to_the_hand_off(locale, still_failing, &precise);
    }
}

/// `no`, `back` and `human` words in `locale`. The first check asks how old the last backup
/// is, so a bare `no` there is asked again; `no` is the plain no of the second check, and
/// `back` from the third check returns to the second.
fn commands_are_understood(locale: &str, no: &str, back: &str, human: &str) {
    let script = common::shipped_in(locale);
    let (engine, session) = at_first_check(&script);
    let first = script.step(&script.checks[0]).expect("a step");
    assert!(
        !first.choices.iter().any(|c| c.means == Some(Meaning::No)),
        "{locale}: the first check's failing answers each say more than no"
    );
    let mut s = session.clone();
    match engine.apply(&mut s, typed(no), common::T0) {
        Reply::ReAsk { step, .. } => assert_eq!(step, script.checks[0], "{locale}: {no:?}"),
        other => panic!("{locale}: {no:?} at the first check → {other:?}"),
    }
    // Still failing, and the first check's answer that goes on to the next check.
    let goes_on = first
        .choices
        .iter()
        .position(|c| c.goto == Target::NextCheck && c.route.is_none())
        .expect("the first check goes on to the next");
    let input = Input::Choose {
        step: script.checks[0].clone(),
        choice: goes_on,
    };
    engine.apply(&mut s, input, common::T0);
    assert_eq!(s.current_step(), Some(&script.checks[1]), "{locale}");
    let second = script.step(&script.checks[1]).expect("a step");
    let no_choice = second
        .choices
        .iter()
        .position(|c| c.means == Some(Meaning::No));
    assert!(
        no_choice.is_some(),
        "{locale}: the second check has a plain no"
    );
    match engine.apply(&mut s, typed(no), common::T0) {
        Reply::Show {
            cause: Cause::Answered(answer),
            ..
        } => {
            assert_eq!(answer.step, script.checks[1], "{locale}: {no:?}");
            assert_eq!(Some(answer.choice), no_choice, "{locale}: {no:?}");
        }
        other => panic!("{locale}: {no:?} → {other:?}"),
    }
    // Back from the step after it is the second check again.
    let back_to = s.current_step().cloned();
    assert_ne!(back_to.as_ref(), Some(&script.checks[1]));
    match engine.apply(&mut s, typed(back), common::T0) {
        Reply::Show {
            step,
            cause: Cause::WentBack,
        } => assert_eq!(step, script.checks[1], "{locale}: {back:?}"),
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
    commands_are_understood("es-419", "no", "regresar", "hablar con un asesor");
    commands_are_understood("es-419", "Nel.", "atrás", "Quiero hablar con una persona");
}

/// The service on `scripts` (English by default), as the bot runs it.
fn service(
    scripts: Vec<backup_help_bot::script::Script>,
) -> backup_help_bot::walkthrough::Walkthroughs {
    let store = std::sync::Arc::new(backup_help_bot::store::MemoryStore::default());
    backup_help_bot::walkthrough::Walkthroughs::new(
        store,
        scripts,
        "en".into(),
        backup_help_bot::conversation::IdlePolicy::default(),
        std::sync::Arc::new(backup_help_bot::clock::ManualClock::new()),
    )
}

#[test]
fn each_locale_gets_its_own_script_or_the_default() {
    let scripts = common::shipped();
    let walks = service(scripts);
    for (discord, script) in [
        ("es-ES", "es"),
        ("es-419", "es-419"),
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
    let walks = service(scripts);
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
    let drifted = text.replacen(r#"goto: "account-security","#, r#"goto: "wifi","#, 1);
    assert_ne!(
        drifted, text,
        "es.ron's opening no longer leads to account-security"
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
