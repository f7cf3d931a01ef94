//! Walks every path of every shipped script from the start to an ending.

mod common;

use std::sync::OnceLock;

use backup_help_bot::conversation::walk::{walk_all, Walk};
use backup_help_bot::conversation::{Input, Reply};
use backup_help_bot::script::{
    Backup, EndingId, EndingKind, Meaning, Script, Step, StepId, Target,
};

/// The nine checks of the original article, in its order, then the computer backup.
const CHECKS_IN_ORDER: [&str; 10] = [
    "backup-switch",
    "wifi",
    "power",
    "storage",
    "system-status",
    "sign-in",
    "restart",
    "reset-settings",
    "update-ios",
    "computer-backup",
];

/// Every shipped script with every path through it, walked once for all the tests here.
fn walked() -> &'static [(Script, Walk)] {
    static WALKED: OnceLock<Vec<(Script, Walk)>> = OnceLock::new();
    WALKED.get_or_init(|| {
        let scripts = common::shipped();
        assert!(scripts.len() >= 4, "en, es, de and es-419 are shipped");
        scripts
            .into_iter()
            .map(|script| {
                let walk = walk_all(&script, 500_000);
                assert!(!walk.truncated, "{}: the walk hit its cap", script.locale);
                (script, walk)
            })
            .collect()
    })
}

#[test]
fn every_path_of_every_script_reaches_an_ending() {
    for (script, walk) in walked() {
        every_path_reaches_an_ending(script, walk);
    }
}

fn every_path_reaches_an_ending(script: &Script, walk: &Walk) {
    assert!(
        walk.stuck.is_empty(),
        "paths that loop or stall: {:?}",
        walk.stuck
    );
    assert!(walk.paths > 100, "only {} paths", walk.paths);
    // Every choice of every step is taken by some path, and every ending is reached.
    for step in &script.steps {
        for choice in 0..step.choices.len() {
            assert!(
                walk.taken.contains(&(step.id.clone(), choice)),
                "{} choice {choice} never taken",
                step.id
            );
        }
    }
    // The end of a wait for Apple is reached by the clock, not by an answer.
    let lapsed = script.apple_status.as_ref().and_then(|s| s.lapsed_ending());
    for ending in script
        .endings
        .iter()
        .filter(|e| Some(&e.id) != lapsed.as_ref())
    {
        assert!(walk.ending(&ending.id) > 0, "no path reaches {}", ending.id);
    }
    let by_answers = script.endings.len() - usize::from(lapsed.is_some());
    assert_eq!(walk.by_ending.len(), by_answers);
}

#[test]
fn in_no_script_does_a_path_say_a_backup_works_unless_the_last_answer_said_it_finished() {
    for (script, walk) in walked() {
        no_path_claims_unconfirmed(script, walk);
    }
}

fn no_path_claims_unconfirmed(script: &Script, walk: &Walk) {
    let mut claimed = 0;
    for (step, choice, ending) in &walk.last_answers {
        let ending = script.ending(ending).unwrap();
        let last = script.step(step).and_then(|s| s.choices.get(*choice));
        let confirmed = last.and_then(|c| c.confirms);
        if ending.kind == EndingKind::Resolved {
            assert_eq!(ending.claims, Some(Backup::ICloud), "{}", ending.id);
        }
        if let Some(claims) = ending.claims {
            claimed += 1;
            assert_eq!(
                confirmed,
                Some(claims),
                "{} reached by {:?} at {step}",
                ending.id,
                last.map(|c| &c.label),
            );
        }
    }
    assert!(
        claimed > 0,
        "no path reaches an ending that claims anything"
    );
    // "Talk to a human" can be pressed anywhere, so its ending may claim nothing.
    assert_eq!(script.ending(&script.handoff).unwrap().claims, None);
}

/// Answers "still failing" at every step (the `No` choice, else one that moves on to the
/// next check, else the hand-off, else the first), except where `pick` says otherwise.
/// Returns the steps shown in order, and the reply that ended the walk.
fn walk_with(first_answer: usize, pick: &dyn Fn(&Step) -> Option<usize>) -> (Vec<String>, Reply) {
    let script = common::english();
    let engine = common::engine(&script);
    let mut session = common::started(&engine);
    let mut shown = vec![script.start.to_string()];
    let mut answer = first_answer;
    for _ in 0..64 {
        let Some(step) = session.current_step().cloned() else {
            break;
        };
        let reply = engine.apply(
            &mut session,
            Input::Choose {
                step,
                choice: answer,
            },
            common::T0,
        );
        match &reply {
            Reply::Show { step, .. } => shown.push(step.to_string()),
            _ => return (shown, reply),
        }
        let step = script
            .step(session.current_step().unwrap_or(&script.start))
            .unwrap();
        answer = pick(step).unwrap_or_else(|| still_failing(&script, step));
    }
    panic!("no ending after 64 answers: {shown:?}");
}

fn still_failing(script: &Script, step: &Step) -> usize {
    let handoff = Target::End(script.handoff.clone());
    step.choices
        .iter()
        .position(|c| c.means == Some(Meaning::No))
        .or_else(|| {
            step.choices
                .iter()
                .position(|c| c.goto == Target::NextCheck)
        })
        .or_else(|| step.choices.iter().position(|c| c.goto == handoff))
        .unwrap_or(0)
}

fn checks_shown<'a>(script: &Script, shown: &'a [String]) -> Vec<&'a str> {
    shown
        .iter()
        .map(String::as_str)
        .filter(|s| script.checks.iter().any(|c| c.as_str() == *s))
        .collect()
}

fn choice_to(script: &Script, step: &str, goto: &str) -> usize {
    let step = script.step(&StepId::new(step)).unwrap();
    step.choices
        .iter()
        .position(|c| match &c.goto {
            Target::Step(id) => id.as_str() == goto,
            Target::End(id) => id.as_str() == goto,
            Target::NextCheck => goto == "next",
        })
        .unwrap_or_else(|| panic!("{} has no choice to {goto}", step.id))
}

/// The choice of `step` that puts the person on `route`.
fn choice_on_route(script: &Script, step: &str, route: &str) -> usize {
    let step = script.step(&StepId::new(step)).unwrap();
    step.choices
        .iter()
        .position(|c| c.route.as_deref() == Some(route))
        .unwrap_or_else(|| panic!("{} has no choice on route {route}", step.id))
}

/// Types `answers` from the start and returns the step shown after the last; each answer
/// must be understood.
fn typed_to(script: &Script, answers: &[&str]) -> StepId {
    let engine = common::engine(script);
    let mut session = common::started(&engine);
    for text in answers {
        match engine.apply(&mut session, Input::Text(text.to_string()), common::T0) {
            Reply::Show { .. } => {}
            other => panic!("{text:?} → {other:?} ({answers:?})"),
        }
    }
    session.current_step().cloned().expect("a step is open")
}

#[test]
fn all_still_failing_tries_the_nine_checks_in_order_then_hands_off() {
    let script = common::english();
    let not_sure = script
        .start_step()
        .choices
        .iter()
        .position(|c| c.label == "Not sure")
        .unwrap();
    let (shown, end) = walk_with(not_sure, &|_| None);
    assert_eq!(checks_shown(&script, &shown), CHECKS_IN_ORDER);
    let Reply::HandedOff {
        summary, ending, ..
    } = end
    else {
        panic!("expected a hand-off, got {end:?}");
    };
    assert_eq!(ending, script.handoff);
    assert_eq!(summary.len(), shown.len(), "one answer per step shown");
    let lines = backup_help_bot::view::summary_lines(&script, &summary);
    assert!(
        lines.iter().any(|l| l.contains("Still failing")),
        "{lines:?}"
    );
}

#[test]
fn each_opening_answer_leads_to_its_route_first_and_then_every_check_once() {
    let script = common::english();
    let opening = script.start_step();
    // The opening's answers, and those of the follow-up questions it leads to (the steps
    // whose answers pick a route): (answer at the opening, the question, its answer).
    let mut answers = Vec::new();
    for (i, choice) in opening.choices.iter().enumerate() {
        answers.push((i, opening, i));
        let Target::Step(next) = &choice.goto else {
            continue;
        };
        let step = script.step(next).unwrap();
        if step.choices.iter().any(|c| c.route.is_some()) {
            answers.extend((0..step.choices.len()).map(|j| (i, step, j)));
        }
    }
    assert!(
        answers.len() > opening.choices.len(),
        "no follow-up question"
    );
    for (first, question, answer) in answers {
        let pick = |step: &Step| (step.id == question.id).then_some(answer);
        let (shown, end) = walk_with(first, &pick);
        let choice = &question.choices[answer];
        let at = shown
            .iter()
            .position(|s| *s == question.id.as_str())
            .unwrap();
        let after = &shown[at + 1..];
        // The step the answer names, if any; then the route's steps in its order; without
        // a route, "next" is the article's first check.
        let mut first: Vec<&str> = Vec::new();
        if let Target::Step(next) = &choice.goto {
            first.push(next.as_str());
        }
        if let Some(route) = &choice.route {
            for step in &script.routes[route] {
                if !first.contains(&step.as_str()) {
                    first.push(step.as_str());
                }
            }
        } else if choice.goto == Target::NextCheck {
            first.push(script.checks[0].as_str());
        }
        assert_eq!(after[..first.len()], first, "{}: {shown:?}", choice.label);
        for check in &script.checks {
            let times = shown.iter().filter(|s| *s == check.as_str()).count();
            assert_eq!(
                times, 1,
                "{}: {check} shown {times} times in {shown:?}",
                choice.label
            );
        }
        assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    }
}

#[test]
fn apples_messages_go_to_the_step_that_fixes_them() {
    // Typed as a person would: what the backup does at the opening, then which message.
    let script = common::english();
    let to = |answers: &[&str]| typed_to(&script, answers);
    let step = |id: &str| StepId::new(id);
    assert_eq!(
        to(&["it says not enough storage", "not enough storage"]),
        step("storage")
    );
    assert_eq!(
        to(&["error message", "the last backup could not be completed"]),
        step("update-ios")
    );
    assert_eq!(
        to(&["a message", "it needs a verified email address"]),
        step("account-message")
    );
    assert_eq!(
        to(&["unable to access account", "unable to access account"]),
        step("account-message")
    );
    assert_eq!(to(&["a message", "another message"]), script.checks[0]);
    assert_eq!(
        to(&["it's very slow", "it's the first backup"]),
        step("first-backup")
    );
    assert_eq!(to(&["not sure"]), script.checks[0]);
}

#[test]
fn an_old_last_backup_offers_the_computer_backup_first_then_the_checks() {
    let script = common::english();
    let not_sure = choice_to(&script, "opening", "next");
    let old = choice_to(&script, "backup-switch", "backup-old");
    let pick = |step: &Step| (step.id.as_str() == "backup-switch").then_some(old);
    let (shown, end) = walk_with(not_sure, &pick);
    let at = shown.iter().position(|s| s == "backup-old").unwrap();
    assert_eq!(shown[at - 1], "backup-switch", "{shown:?}");
    assert_eq!(shown[at + 1], "wifi", "{shown:?}");
    assert_eq!(checks_shown(&script, &shown), CHECKS_IN_ORDER);
    assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    let text =
        backup_help_bot::view::step_description(script.step(&StepId::new("backup-old")).unwrap());
    assert!(text.contains("180 days"), "{text}");
}

/// The steps that make a computer backup, and where their "it finished" answer leads: the
/// last suggestion ends on the computer backup's own ending; the early copies go on with the
/// iCloud checks.
const COMPUTER_BACKUP_STEPS: [(&str, Option<&str>); 3] = [
    ("computer-backup", Some("computer-safe")),
    ("backup-old", None),
    ("first-backup-copy", None),
];

#[test]
fn a_finished_computer_backup_ends_on_its_own_ending_never_on_fixed() {
    let script = common::english();
    for (id, ending) in COMPUTER_BACKUP_STEPS {
        let step = script
            .step(&StepId::new(id))
            .unwrap_or_else(|| panic!("no step {id}"));
        let confirming: Vec<_> = step
            .choices
            .iter()
            .filter(|c| c.confirms.is_some())
            .collect();
        assert_eq!(confirming.len(), 1, "{id}: {confirming:?}");
        let done = confirming[0];
        assert_eq!(done.confirms, Some(Backup::Computer), "{id}");
        match ending {
            Some(ending) => {
                assert_eq!(done.goto, Target::End(EndingId::new(ending)), "{id}");
                let ending = script.ending(&EndingId::new(ending)).unwrap();
                assert_eq!(ending.claims, Some(Backup::Computer), "{id}");
                assert_eq!(ending.kind, EndingKind::HandOff, "{id}");
            }
            None => assert_eq!(done.goto, Target::NextCheck, "{id}"),
        }
    }
}

#[test]
fn no_backup_before_a_first_backup_offers_the_computer_backup_before_the_wait() {
    // "It never finishes, or is very slow" leads to the first backup; with no backup yet,
    // the computer copy comes before anything else, then the rest of that route and every
    // check.
    let script = common::english();
    let progress = choice_to(&script, "opening", "opening-progress");
    let slow = choice_on_route(&script, "opening-progress", "slow");
    let none = choice_to(&script, "first-backup", "first-backup-copy");
    let pick = |step: &Step| match step.id.as_str() {
        "opening-progress" => Some(slow),
        "first-backup" => Some(none),
        _ => None,
    };
    let (shown, end) = walk_with(progress, &pick);
    assert_eq!(
        shown[..4],
        [
            "opening",
            "opening-progress",
            "first-backup",
            "first-backup-copy"
        ],
        "{shown:?}"
    );
    let rest_of_route = script.routes["slow"]
        .iter()
        .find(|s| !shown[..4].contains(&s.to_string()))
        .expect("the route goes on");
    assert_eq!(shown[4], rest_of_route.as_str(), "{shown:?}");
    for check in CHECKS_IN_ORDER {
        let times = shown.iter().filter(|s| *s == check).count();
        assert_eq!(times, 1, "{check} in {shown:?}");
    }
    assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    let label = &script.step(&StepId::new("first-backup")).unwrap().choices[none].label;
    assert!(label.contains("no backup"), "the answer says so: {label:?}");
    let copy = backup_help_bot::view::step_description(
        script.step(&StepId::new("first-backup-copy")).unwrap(),
    );
    for word in ["180 days", "Encrypt local backup"] {
        assert!(copy.contains(word), "{copy}");
    }
}

#[test]
fn an_iphone_not_signed_in_goes_from_the_backup_switch_to_signing_in() {
    let script = common::english();
    let not_sure = choice_to(&script, "opening", "next");
    let signed_out = choice_to(&script, "backup-switch", "signed-out");
    let pick = |step: &Step| (step.id.as_str() == "backup-switch").then_some(signed_out);
    let (shown, end) = walk_with(not_sure, &pick);
    assert_eq!(shown[1..3], ["backup-switch", "signed-out"], "{shown:?}");
    // Then on with the checks in the article's order, every one once (sign-in included).
    assert_eq!(shown[3], "wifi", "{shown:?}");
    assert_eq!(checks_shown(&script, &shown), CHECKS_IN_ORDER);
    assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    let step = script.step(&StepId::new("backup-switch")).unwrap();
    let label = &step.choices[signed_out].label;
    assert!(
        label.contains("Sign in"),
        "the answer says what they see: {label:?}"
    );
    let text =
        backup_help_bot::view::step_description(script.step(&StepId::new("signed-out")).unwrap());
    for words in ["isn't signed in", "**Sign in**", "Back Up Now"] {
        assert!(text.contains(words), "{words:?} not in {text}");
    }
}

#[test]
fn steps_that_may_wait_an_hour_or_more_say_how_to_come_back() {
    for script in &common::shipped() {
        for id in [
            "first-backup",
            "sign-in-blocked",
            "reset-settings",
            "overnight",
            "restore-in-progress",
        ] {
            let step = script.step(&StepId::new(id)).unwrap();
            let text = backup_help_bot::view::step_description(step);
            assert!(
                text.contains("/backup-help"),
                "{}: {id}: {text}",
                script.locale
            );
        }
    }
}

#[test]
fn fixed_at_any_check_ends_resolved() {
    let script = common::english();
    let engine = common::engine(&script);
    let mut tried = 0;
    for step in &script.steps {
        for (i, choice) in step.choices.iter().enumerate() {
            if choice.confirms != Some(Backup::ICloud) {
                continue;
            }
            tried += 1;
            let mut session = common::started(&engine);
            session.phase = backup_help_bot::conversation::Phase::At(step.id.clone());
            let input = Input::Choose {
                step: step.id.clone(),
                choice: i,
            };
            let reply = engine.apply(&mut session, input, common::T0);
            let Reply::Resolved { ending, .. } = reply else {
                panic!("{}: {reply:?}", step.id);
            };
            let ending = script.ending(&ending).unwrap();
            assert_eq!(ending.kind, EndingKind::Resolved);
            assert_eq!(ending.claims, Some(Backup::ICloud));
        }
    }
    assert!(tried >= 9, "only {tried} answers confirm an iCloud backup");
}

/// The facts of the issue, each in the step where a person needs it (by step id).
#[test]
fn the_script_says_what_apple_says_where_it_is_needed() {
    let script = common::english();
    let says = |id: &str, words: &[&str]| {
        let step = script
            .step(&StepId::new(id))
            .unwrap_or_else(|| panic!("no step {id}"));
        let text = backup_help_bot::view::step_description(step);
        for word in words {
            assert!(text.contains(word), "{id} does not mention {word:?}");
        }
    };
    says("backup-switch", &["last successful backup"]);
    says(
        "account-security",
        &[
            "Screen Time",
            "Account Changes",
            "Two-factor authentication",
            "Work or school",
        ],
    );
    says("backup-old", &["180 days", "Encrypt local backup"]);
    says("first-backup", &["a day", "Low Data Mode", "upload"]);
    says(
        "account-message",
        &["verified email", "Apple Account website", "password"],
    );
    says(
        "wifi",
        &[
            "Low Data Mode",
            "Cellular",
            "another Wi-Fi network",
            "Back Up Over Cellular",
        ],
    );
    says(
        "storage",
        &[
            "**next** backup",
            "5 GB",
            "**Storage** (iOS 17 and older: **Manage Account Storage**)",
        ],
    );
    says("storage-free-up", &["Show All Apps"]);
    says(
        "storage-new-iphone",
        &["temporary", "Transfer or Reset iPhone"],
    );
    says(
        "system-status",
        &["iCloud Backup", "iCloud Account & Sign In"],
    );
    says(
        "sign-in",
        &["Apple ID", "Apple Account", "isn't on Apple's list"],
    );
    says(
        "sign-in-blocked",
        &[
            "Security Delay",
            "**Always**",
            "Screen Time",
            "Work or school",
        ],
    );
    says(
        "reset-settings",
        &["Security Delay", "Erase All Content and Settings"],
    );
    says("update-ios", &["iOS 9"]);
    says(
        "computer-backup",
        &[
            "Encrypt local backup",
            "password",
            "this computer",
            "won't fix iCloud",
        ],
    );
    // What Apple does not say, the script does not say either.
    for step in &script.steps {
        let text = backup_help_bot::view::step_description(step);
        for claim in [
            "1 to 4 GB",
            "wallpaper",
            "Wallet",
            "photos, messages and apps stay",
            "gone for good",
            "from iOS 17 on",
            "iOS 26",
            "iOS 27",
            "home network is best",
            "wall socket",
            "switch the router off",
        ] {
            assert!(!text.contains(claim), "{} says {claim:?}", step.id);
        }
    }
}

/// What the review of the script against Apple's pages corrected, in one language.
struct Corrected {
    locale: &'static str,
    /// The Storage row as iOS 18 and later name it, the older name beside it (Apple 108922).
    storage_row: &'static str,
    /// Stolen Device Protection's Security Delay set to Always (iOS 17.4 and later).
    always: &'static str,
    /// A word every label of a link to Apple's encrypted-backup page has.
    encrypted: &'static str,
    /// What no step says: a home network is best, a wall socket, the router off for 30
    /// seconds, iOS versions no Apple page names.
    never: &'static [&'static str],
}

const CORRECTED: [Corrected; 4] = [
    Corrected {
        locale: "en",
        storage_row: "**Storage** (iOS 17 and older: **Manage Account Storage**)",
        always: "**Always**",
        encrypted: "encrypted",
        never: &[
            "home network is best",
            "ideally at home",
            "wall socket",
            "wall charger",
            "switch the router off",
            "iOS 26",
            "iOS 27",
        ],
    },
    Corrected {
        locale: "es",
        storage_row:
            "**Almacenamiento** (iOS 17 y anteriores: **Gestionar almacenamiento de la cuenta**)",
        always: "**Siempre**",
        encrypted: "encriptad",
        never: &[
            "lo mejor es la red de casa",
            "a ser posible en casa",
            "de pared",
            "apaga el router",
            "iOS 26",
            "iOS 27",
        ],
    },
    Corrected {
        locale: "de",
        storage_row: "**Speicher** (iOS 17 und älter: **Accountspeicher verwalten**)",
        always: "**Immer**",
        encrypted: "verschlüsselt",
        never: &[
            "zu Hause am besten",
            "am besten zu Hause",
            "Steckdose",
            "schalte den Router aus",
            "iOS 26",
            "iOS 27",
        ],
    },
    Corrected {
        locale: "es-419",
        storage_row:
            "**Almacenamiento** (iOS 17 y anteriores: **Administrar almacenamiento de la cuenta**)",
        always: "**Siempre**",
        encrypted: "encriptad",
        never: &[
            "la red de casa",
            "en casa y cerca del router",
            "de pared",
            "apaga el router",
            "iOS 26",
            "iOS 27",
        ],
    },
];

#[test]
fn the_corrections_of_the_review_hold_in_every_language() {
    let scripts = common::shipped();
    assert_eq!(
        scripts.len(),
        CORRECTED.len(),
        "a language without its row here"
    );
    for c in CORRECTED {
        let script = scripts
            .iter()
            .find(|s| s.locale == c.locale)
            .unwrap_or_else(|| panic!("no {} script", c.locale));
        let text = |id: &str| {
            let step = script
                .step(&StepId::new(id))
                .unwrap_or_else(|| panic!("{}: no step {id}", c.locale));
            backup_help_bot::view::step_description(step)
        };
        assert!(
            text("storage").contains(c.storage_row),
            "{}: {}",
            c.locale,
            text("storage")
        );
        assert!(
            text("sign-in-blocked").contains(c.always),
            "{}: {}",
            c.locale,
            text("sign-in-blocked")
        );
        let mut encrypted_links = 0;
        for step in &script.steps {
            let said = backup_help_bot::view::step_description(step);
            for never in c.never {
                assert!(!said.contains(never), "{} {}: {never:?}", c.locale, step.id);
            }
            for link in step.links.iter().filter(|l| l.url.contains("HT203790")) {
                encrypted_links += 1;
                assert!(
                    link.label.contains(c.encrypted),
                    "{} {}: {:?} links to encrypted backups",
                    c.locale,
                    step.id,
                    link.label
                );
            }
        }
        let computer = script.step(&StepId::new("computer-backup")).unwrap();
        assert!(
            computer.links.iter().any(|l| l.url.contains("HT203790")),
            "{}: the computer backup links Apple's page",
            c.locale
        );
        assert!(encrypted_links > 0, "{}", c.locale);
    }
}
