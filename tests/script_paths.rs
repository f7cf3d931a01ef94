//! Walks every path of the shipped responses/en.ron from the start to an ending.

mod common;

use std::collections::HashSet;

use backup_help_bot::conversation::walk::walk_all;
use backup_help_bot::conversation::{Input, Reply};
use backup_help_bot::script::{EndingKind, Meaning, StepId, Target};

#[test]
fn every_path_of_the_english_script_reaches_an_ending() {
    let script = common::english();
    let walk = walk_all(&script, 100_000);
    assert!(!walk.truncated, "the walk hit its cap");
    assert!(
        walk.stuck.is_empty(),
        "paths that loop or stall: {:?}",
        walk.stuck
    );
    assert!(walk.paths.len() > 100, "only {} paths", walk.paths.len());
    for path in &walk.paths {
        assert!(script.ending(&path.ending).is_some(), "{path:?}");
        assert_eq!(path.answers.first().map(|(s, _)| s), Some(&script.start));
    }
    // Every step is on some path, every ending is reached, and every choice of every step
    // is taken by some path.
    let taken: HashSet<(&StepId, usize)> = walk
        .paths
        .iter()
        .flat_map(|p| p.answers.iter().map(|(s, c)| (s, *c)))
        .collect();
    for step in &script.steps {
        for choice in 0..step.choices.len() {
            assert!(
                taken.contains(&(&step.id, choice)),
                "{} choice {choice} never taken",
                step.id
            );
        }
    }
    let endings: HashSet<_> = walk.paths.iter().map(|p| &p.ending).collect();
    assert_eq!(endings.len(), script.endings.len());
}

/// Answers "still failing" (or the first choice that moves on) at every step and returns the
/// steps shown in order, up to the ending.
fn still_failing_walk(first_answer: usize) -> (Vec<String>, Reply) {
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
        // From here on: the "No" choice, else one that moves on (to the next check or to
        // the hand-off), else the first (the model question: either branch moves on).
        let step = script
            .step(session.current_step().unwrap_or(&script.start))
            .unwrap();
        let handoff = Target::End(script.handoff.clone());
        answer = step
            .choices
            .iter()
            .position(|c| c.means == Some(Meaning::No))
            .or_else(|| {
                step.choices
                    .iter()
                    .position(|c| c.goto == Target::NextCheck)
            })
            .or_else(|| step.choices.iter().position(|c| c.goto == handoff))
            .unwrap_or(0);
    }
    panic!("no ending after 64 answers: {shown:?}");
}

#[test]
fn all_still_failing_tries_the_nine_checks_in_order_then_hands_off() {
    // Opening: "Not sure" (the last choice) → the checks from the first.
    let script = common::english();
    let not_sure = script.start_step().choices.len() - 1;
    let (shown, end) = still_failing_walk(not_sure);
    let checks: Vec<&str> = shown
        .iter()
        .map(String::as_str)
        .filter(|s| script.checks.iter().any(|c| c.as_str() == *s))
        .collect();
    assert_eq!(
        checks,
        [
            "backup-switch",
            "wifi",
            "power",
            "storage",
            "system-status",
            "sign-in",
            "restart",
            "reset-settings",
            "update-ios",
            "computer-backup"
        ]
    );
    let Reply::HandedOff { summary, .. } = end else {
        panic!("expected a hand-off, got {end:?}");
    };
    assert_eq!(summary.len(), shown.len(), "one answer per step shown");
    let lines = backup_help_bot::view::summary_lines(&script, &summary);
    assert!(
        lines.iter().any(|l| l.contains("Still failing")),
        "{lines:?}"
    );
}

#[test]
fn a_storage_alert_jumps_to_storage_and_then_covers_the_checks_not_yet_done() {
    let script = common::english();
    let storage_alert = 0;
    let (shown, end) = still_failing_walk(storage_alert);
    assert_eq!(shown[1], "storage", "{shown:?}");
    // Every check is still seen exactly once.
    for check in &script.checks {
        let times = shown.iter().filter(|s| *s == check.as_str()).count();
        assert_eq!(times, 1, "{check} shown {times} times in {shown:?}");
    }
    assert!(matches!(end, Reply::HandedOff { .. }), "{end:?}");
}

#[test]
fn fixed_at_any_check_ends_resolved() {
    let script = common::english();
    let engine = common::engine(&script);
    for check in &script.checks {
        let step = script.step(check).unwrap();
        let Some(fixed) = step
            .choices
            .iter()
            .position(|c| c.means == Some(Meaning::Yes))
        else {
            continue; // a branching question, not a check result
        };
        let mut session = common::started(&engine);
        session.phase = backup_help_bot::conversation::Phase::At(check.clone());
        let reply = engine.apply(
            &mut session,
            Input::Choose {
                step: check.clone(),
                choice: fixed,
            },
            common::T0,
        );
        let Reply::Resolved { ending, .. } = reply else {
            panic!("{check}: {reply:?}");
        };
        assert_eq!(
            script.ending(&ending).map(|e| e.kind),
            Some(EndingKind::Resolved)
        );
    }
}
