//! Property tests: random input sequences against the real English script.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;

use backup_help_bot::conversation::{Cause, Engine, IdlePolicy, Input, Phase, Reply, UserId};
use backup_help_bot::matcher::understand;
use backup_help_bot::script::{Script, StepId};

/// Loaded once: the cases only read it.
fn english() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(common::english)
}

/// Step ids: every real one plus some that do not exist.
fn step_ids(script: &Script) -> Vec<StepId> {
    let mut ids: Vec<StepId> = script.steps.iter().map(|s| s.id.clone()).collect();
    ids.push(StepId::new("no-such-step"));
    ids.push(StepId::new(""));
    ids
}

fn words() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("2".to_string()),
        Just("3".to_string()),
        Just("yes".to_string()),
        Just("nope".to_string()),
        Just("still failing".to_string()),
        Just("back".to_string()),
        Just("start over".to_string()),
        Just("human".to_string()),
        Just("face id".to_string()),
        Just("full".to_string()),
        ".*", // any string, emoji and control characters included
        "[a-z ]{0,30}",
    ]
}

fn input(ids: Vec<StepId>) -> impl Strategy<Value = (Input, u64)> {
    let id = proptest::sample::select(ids);
    let input = prop_oneof![
        1 => Just(Input::Start),
        2 => (id.clone(), 0usize..7).prop_map(|(step, choice)| Input::Choose { step, choice }),
        3 => words().prop_map(Input::Text),
        1 => proptest::option::of(id.clone()).prop_map(|step| Input::Back { step }),
        1 => Just(Input::StartOver),
        1 => proptest::option::weighted(0.2, id).prop_map(|step| Input::TalkToHuman { step }),
        1 => Just(Input::Tick),
    ];
    // Minutes passing before the input.
    (input, 0u64..15)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_inputs_keep_the_session_sound(
        inputs in proptest::collection::vec(input(step_ids(english())), 1..60)
    ) {
        let script = english();
        let idle = IdlePolicy {
            warn_after: Duration::from_secs(20 * 60),
            close_after: Duration::from_secs(30 * 60),
            // Short enough for the inputs' minutes to reach it: the follow-up is fuzzed too.
            confirm_after: Some(Duration::from_secs(60 * 60)),
            watch_every: Duration::from_secs(60),
        };
        let engine = Engine::new(script, idle);
        let mut now = common::T0;
        let mut session = engine.new_session(UserId::new(1).expect("ids are not 0"), now);
        let mut asked_follow_up = 0;
        for (input, minutes) in inputs {
            now = now.plus(Duration::from_secs(minutes * 60));
            let before = session.clone();
            let reply = engine.apply(&mut session, input.clone(), now);
            // Never at a step the script lacks.
            if let Phase::At(step) = &session.phase {
                prop_assert!(script.step(step).is_some(), "at missing step {step} after {input:?}");
            }
            let unchanged = matches!(
                reply,
                Reply::Rejected(_) | Reply::ReAsk { .. } | Reply::Nothing
            );
            if unchanged {
                prop_assert_eq!(&session, &before, "{:?} gave {:?} but changed the session", input, reply);
            } else if session != before {
                prop_assert_eq!(session.version, before.version + 1, "{:?}", input);
            }
            // A choice naming any step but the current one is stale and changes nothing.
            if let Input::Choose { step, .. } = &input {
                if before.current_step() != Some(step) {
                    prop_assert_eq!(&session, &before);
                }
            }
            // Ended sessions stay ended, but for a fix's follow-up question, asked once.
            if !before.phase.is_open() {
                let asked = matches!(
                    reply,
                    Reply::Show { cause: Cause::FollowUp, .. }
                );
                if asked {
                    prop_assert!(matches!(before.phase, Phase::Resolved(_)));
                    prop_assert_eq!(session.current_step(), script.follow_up.as_ref());
                } else {
                    prop_assert_eq!(&session.phase, &before.phase);
                }
            }
            if matches!(reply, Reply::Show { cause: Cause::FollowUp, .. }) {
                asked_follow_up += 1;
                prop_assert_eq!(asked_follow_up, 1, "the follow-up question was asked twice");
            }
            // History only holds steps of the script.
            for answer in &session.history {
                prop_assert!(script.step(&answer.step).is_some());
            }
        }
    }

    #[test]
    fn the_matcher_never_panics_on_any_text(text in ".{0,400}") {
        let script = english();
        for step in &script.steps {
            let _ = understand(&text, step, script, Default::default());
        }
    }
}
