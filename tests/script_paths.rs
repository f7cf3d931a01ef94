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
        assert!(scripts.len() >= 3, "en, es and de are shipped");
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
    for ending in &script.endings {
        assert!(walk.ending(&ending.id) > 0, "no path reaches {}", ending.id);
    }
    assert_eq!(walk.by_ending.len(), script.endings.len());
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
fn each_opening_answer_leads_to_its_fix_and_then_every_check_once() {
    let script = common::english();
    for (i, choice) in script.start_step().choices.iter().enumerate() {
        let (shown, end) = walk_with(i, &|_| None);
        if let Target::Step(first) = &choice.goto {
            assert_eq!(shown[1], first.as_str(), "{}", choice.label);
        }
        for check in &script.checks {
            let times = shown.iter().filter(|s| *s == check.as_str()).count();
            assert_eq!(times, 1, "{check} shown {times} times in {shown:?}");
        }
        assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    }
}

#[test]
fn apples_messages_go_to_the_step_that_fixes_them() {
    let script = common::english();
    let opening = script.start_step();
    let to = |text: &str| {
        let understood =
            backup_help_bot::matcher::understand(text, opening, &script, Default::default());
        let backup_help_bot::matcher::Understood::Choice(i) = understood else {
            panic!("{text:?} → {understood:?}");
        };
        opening.choices[i].goto.clone()
    };
    let step = |id: &str| Target::Step(StepId::new(id));
    assert_eq!(to("not enough storage"), step("storage"));
    assert_eq!(
        to("the last backup could not be completed"),
        step("update-ios")
    );
    assert_eq!(
        to("it needs a verified email address"),
        step("account-message")
    );
    assert_eq!(to("unable to access account"), step("account-message"));
    assert_eq!(to("it's the first backup"), step("first-backup"));
    assert_eq!(to("not sure"), Target::NextCheck);
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
    let script = common::english();
    let first = choice_to(&script, "opening", "first-backup");
    let none = choice_to(&script, "first-backup", "first-backup-copy");
    let pick = |step: &Step| (step.id.as_str() == "first-backup").then_some(none);
    let (shown, end) = walk_with(first, &pick);
    assert_eq!(
        shown[..4],
        [
            "opening",
            "first-backup",
            "first-backup-copy",
            "backup-switch"
        ],
        "{shown:?}"
    );
    assert_eq!(checks_shown(&script, &shown), CHECKS_IN_ORDER);
    assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    let wait =
        backup_help_bot::view::step_description(script.step(&StepId::new("first-backup")).unwrap());
    let label = &script.step(&StepId::new("first-backup")).unwrap().choices[none].label;
    assert!(
        wait.contains(label.as_str()),
        "the step names {label:?}: {wait}"
    );
    let copy = backup_help_bot::view::step_description(
        script.step(&StepId::new("first-backup-copy")).unwrap(),
    );
    for word in ["180 days", "Encrypt local backup"] {
        assert!(copy.contains(word), "{copy}");
    }
}

#[test]
fn an_iphone_not_signed_in_goes_from_the_backup_switch_to_sign_in() {
    let script = common::english();
    let not_sure = choice_to(&script, "opening", "next");
    let sign_in = choice_to(&script, "backup-switch", "sign-in");
    let pick = |step: &Step| (step.id.as_str() == "backup-switch").then_some(sign_in);
    let (shown, end) = walk_with(not_sure, &pick);
    assert_eq!(shown[1..3], ["backup-switch", "sign-in"], "{shown:?}");
    // Every check still comes once, the skipped ones right after sign-in.
    for check in CHECKS_IN_ORDER {
        let times = shown.iter().filter(|s| *s == check).count();
        assert_eq!(times, 1, "{check} in {shown:?}");
    }
    assert_eq!(shown[3], "wifi", "{shown:?}");
    assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
    let step = script.step(&StepId::new("backup-switch")).unwrap();
    let label = &step.choices[sign_in].label;
    let text = backup_help_bot::view::step_description(step);
    assert!(
        text.contains(label.as_str()),
        "the step names {label:?}: {text}"
    );
    let text =
        backup_help_bot::view::step_description(script.step(&StepId::new("sign-in")).unwrap());
    assert!(text.contains("Not signed in at all?"), "{text}");
}

#[test]
fn steps_that_may_wait_an_hour_or_more_say_how_to_come_back() {
    let script = common::english();
    for id in ["first-backup", "sign-in", "reset-settings"] {
        let text = backup_help_bot::view::step_description(script.step(&StepId::new(id)).unwrap());
        assert!(text.contains("/backup-help"), "{id}: {text}");
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
    says(
        "backup-switch",
        &["last successful backup", "work or school"],
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
    says("storage", &["**next** backup", "5 GB"]);
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
        &[
            "Apple ID",
            "Apple Account website",
            "Security Delay",
            "work or school",
        ],
    );
    says(
        "reset-settings",
        &["Security Delay", "Erase All Content and Settings"],
    );
    says("update-ios", &["iOS 9", "iOS 26"]);
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
        ] {
            assert!(!text.contains(claim), "{} says {claim:?}", step.id);
        }
    }
}
