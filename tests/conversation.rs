//! Table tests: each input in each phase of a session, on the small fixture script.

mod common;

use std::time::Duration;

use backup_help_bot::conversation::{
    Cause, CloseReason, Engine, IdlePolicy, Input, Phase, Rejection, Reply, Session, Timestamp,
    UserId,
};
use backup_help_bot::script::{Script, StepId};

fn id(s: &str) -> StepId {
    StepId::new(s)
}

const MIN: Duration = Duration::from_secs(60);

fn engine(script: &Script) -> Engine<'_> {
    let idle = IdlePolicy {
        warn_after: 20 * MIN,
        close_after: 30 * MIN,
        confirm_after: None,
        watch_every: MIN,
    };
    Engine::new(script, idle)
}

/// The phases a session can be in, each built by real inputs.
fn phases(engine: &Engine) -> Vec<(&'static str, Session)> {
    let t = common::T0;
    let fresh = engine.new_session(UserId::new(7).expect("ids are not 0"), t);
    let at_start = common::started(engine);
    let mut at_first = at_start.clone();
    engine.apply(
        &mut at_first,
        Input::Choose {
            step: id("opening"),
            choice: 1,
        },
        t,
    );
    let mut resolved = at_first.clone();
    engine.apply(
        &mut resolved,
        Input::Choose {
            step: id("first"),
            choice: 0,
        },
        t,
    );
    let mut handed_off = at_first.clone();
    engine.apply(&mut handed_off, Input::TalkToHuman { step: None }, t);
    let mut closed = at_first.clone();
    engine.apply(&mut closed, Input::Tick, t.plus(31 * MIN));
    assert_eq!(at_first.phase, Phase::At(id("first")));
    assert!(matches!(resolved.phase, Phase::Resolved(_)));
    assert!(matches!(handed_off.phase, Phase::HandedOff(_)));
    assert_eq!(closed.phase, Phase::Closed(CloseReason::Idle));
    vec![
        ("not started", fresh),
        ("at start", at_start),
        ("at first check", at_first),
        ("resolved", resolved),
        ("handed off", handed_off),
        ("closed", closed),
    ]
}

fn inputs() -> Vec<(&'static str, Input)> {
    vec![
        ("start", Input::Start),
        (
            "choose current 2",
            Input::Choose {
                step: id("first"),
                choice: 1,
            },
        ),
        (
            "choose opening 1",
            Input::Choose {
                step: id("opening"),
                choice: 0,
            },
        ),
        (
            "choose out of range",
            Input::Choose {
                step: id("first"),
                choice: 9,
            },
        ),
        ("text 2", Input::Text("2".into())),
        ("text gibberish", Input::Text("purple monkey".into())),
        ("text human", Input::Text("can I talk to a human?".into())),
        ("back typed", Input::Back { step: None }),
        (
            "back button on first",
            Input::Back {
                step: Some(id("first")),
            },
        ),
        ("start over", Input::StartOver),
        (
            "human button on opening",
            Input::TalkToHuman {
                step: Some(id("opening")),
            },
        ),
        ("tick", Input::Tick),
    ]
}

/// What each (phase, input) must produce, as a short description of the reply.
fn expected(phase: &str, input: &str) -> &'static str {
    let ended = matches!(phase, "resolved" | "handed off" | "closed");
    match (phase, input) {
        (_, "tick") => "nothing",
        (_, _) if ended => "rejected ended",
        ("not started", "start") => "show opening started",
        ("not started", _) => "rejected not started",
        ("at start", "start") => "show opening resumed",
        ("at first check", "start") => "show first resumed",
        ("at start", "choose opening 1") => "show second answered",
        ("at start", "choose current 2" | "back button on first") => "rejected stale",
        ("at start", "choose out of range") => "rejected stale",
        ("at start", "text 2") => "show first answered",
        ("at start", "back typed") => "rejected nothing to go back to",
        ("at start", "human button on opening") => "handed off",
        ("at first check", "choose current 2") => "show second answered",
        ("at first check", "choose opening 1") => "rejected stale",
        ("at first check", "human button on opening") => "rejected stale",
        ("at first check", "choose out of range") => "rejected no such choice",
        ("at first check", "text 2") => "show second answered",
        ("at first check", "back typed" | "back button on first") => "show opening went back",
        (_, "text gibberish") => "re-ask",
        (_, "text human") => "handed off",
        (_, "start over") => "show opening started over",
        other => panic!("no expectation for {other:?}"),
    }
}

fn describe(reply: &Reply) -> String {
    let cause = |c: &Cause| match c {
        Cause::Started => "started",
        Cause::Resumed => "resumed",
        Cause::Answered(_) => "answered",
        Cause::WentBack => "went back",
        Cause::StartedOver => "started over",
        Cause::AskedForHuman => "asked for human",
        Cause::FollowUp => "follow-up",
    };
    match reply {
        Reply::Show { step, cause: c } => format!("show {step} {}", cause(c)),
        Reply::Resolved { .. } => "resolved".into(),
        Reply::Waiting { .. } => "waiting".into(),
        Reply::HandedOff { .. } => "handed off".into(),
        Reply::ReAsk { .. } => "re-ask".into(),
        Reply::Rejected(r) => match r {
            Rejection::Stale { .. } => "rejected stale".into(),
            Rejection::Ended => "rejected ended".into(),
            Rejection::NotStarted => "rejected not started".into(),
            Rejection::NoSuchChoice => "rejected no such choice".into(),
            Rejection::NothingToGoBackTo => "rejected nothing to go back to".into(),
            Rejection::StepMissing { .. } => "rejected step missing".into(),
        },
        Reply::IdleWarning { .. } => "idle warning".into(),
        Reply::Closed { .. } => "closed".into(),
        Reply::Unconfirmed => "unconfirmed".into(),
        Reply::Nothing => "nothing".into(),
    }
}

#[test]
fn each_input_in_each_phase() {
    let script = common::mini();
    let engine = engine(&script);
    let mut failures = Vec::new();
    for (phase, session) in phases(&engine) {
        for (name, input) in inputs() {
            let mut after = session.clone();
            let reply = engine.apply(&mut after, input, common::T0.plus(MIN));
            let got = describe(&reply);
            let want = expected(phase, name);
            if got != want {
                failures.push(format!("{phase} + {name}: got \"{got}\", want \"{want}\""));
            }
            let changes = !(got.starts_with("rejected")
                || got == "re-ask"
                || got == "nothing"
                || got.ends_with("resumed"));
            if changes {
                assert_eq!(after.version, session.version + 1, "{phase} + {name}");
            } else if after != session {
                failures.push(format!("{phase} + {name}: \"{got}\" changed the session"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn idle_warning_then_close_counted_from_the_last_move() {
    let script = common::mini();
    let engine = engine(&script);
    let mut session = common::started(&engine);
    let t = common::T0;
    assert_eq!(engine.idle_due(&session), Some(t.plus(20 * MIN)));
    assert_eq!(
        engine.apply(&mut session, Input::Tick, t.plus(19 * MIN)),
        Reply::Nothing
    );
    let warned = engine.apply(&mut session, Input::Tick, t.plus(20 * MIN));
    assert_eq!(
        warned,
        Reply::IdleWarning {
            step: id("opening")
        }
    );
    // Warned once only.
    assert_eq!(
        engine.apply(&mut session, Input::Tick, t.plus(25 * MIN)),
        Reply::Nothing
    );
    assert_eq!(engine.idle_due(&session), Some(t.plus(30 * MIN)));
    // An answer restarts the clock and re-arms the warning.
    let answer = Input::Choose {
        step: id("opening"),
        choice: 1,
    };
    engine.apply(&mut session, answer, t.plus(26 * MIN));
    assert!(!session.idle_warned);
    assert_eq!(
        engine.apply(&mut session, Input::Tick, t.plus(45 * MIN)),
        Reply::Nothing
    );
    let warned = engine.apply(&mut session, Input::Tick, t.plus(46 * MIN));
    assert_eq!(warned, Reply::IdleWarning { step: id("first") });
    let closed = engine.apply(&mut session, Input::Tick, t.plus(56 * MIN));
    assert_eq!(
        closed,
        Reply::Closed {
            reason: CloseReason::Idle
        }
    );
    assert_eq!(engine.idle_due(&session), None);
}

#[test]
fn back_undoes_the_last_answer_so_next_offers_that_check_again() {
    let script = common::mini();
    let engine = engine(&script);
    let mut session = common::started(&engine);
    let t = common::T0;
    engine.apply(
        &mut session,
        Input::Choose {
            step: id("opening"),
            choice: 1,
        },
        t,
    );
    engine.apply(
        &mut session,
        Input::Choose {
            step: id("first"),
            choice: 1,
        },
        t,
    );
    assert_eq!(session.current_step(), Some(&id("second")));
    engine.apply(&mut session, Input::Text("back".into()), t);
    assert_eq!(session.current_step(), Some(&id("first")));
    assert_eq!(session.history.len(), 1);
    let reply = engine.apply(&mut session, Input::Text("nope".into()), t);
    assert!(
        matches!(reply, Reply::Show { ref step, .. } if *step == id("second")),
        "{reply:?}"
    );
}

#[test]
fn hand_off_summary_lists_every_answer_in_order() {
    let script = common::mini();
    let engine = engine(&script);
    let mut session = common::started(&engine);
    let t = common::T0;
    engine.apply(&mut session, Input::Text("dunno".into()), t);
    engine.apply(&mut session, Input::Text("still broken".into()), t);
    engine.apply(&mut session, Input::Text("home button".into()), t);
    let reply = engine.apply(&mut session, Input::Text("nope".into()), t);
    let Reply::HandedOff {
        summary,
        stopped_at,
        ..
    } = reply
    else {
        panic!("{reply:?}");
    };
    assert_eq!(stopped_at, id("second-old"));
    let lines = backup_help_bot::view::summary_lines(&script, &summary);
    assert_eq!(
        lines,
        [
            "What do you see?: Not sure",
            "First check: Still failing",
            "Second check: iPhone 8 or earlier",
            "Older phones: Still failing"
        ]
    );
}

#[test]
fn a_session_at_a_step_the_script_no_longer_has_can_only_start_over() {
    let script = common::mini();
    let engine = engine(&script);
    let mut session = common::started(&engine);
    session.phase = Phase::At(id("removed-step"));
    let before = session.clone();
    let reply = engine.apply(&mut session, Input::Text("2".into()), common::T0);
    assert_eq!(
        reply,
        Reply::Rejected(Rejection::StepMissing {
            step: id("removed-step")
        })
    );
    assert_eq!(session, before);
    let reply = engine.apply(&mut session, Input::StartOver, common::T0);
    assert!(
        matches!(
            reply,
            Reply::Show {
                cause: Cause::StartedOver,
                ..
            }
        ),
        "{reply:?}"
    );
    assert_eq!(session.current_step(), Some(&script.start));
}

#[test]
fn timestamps_saturate_instead_of_overflowing() {
    assert_eq!(Timestamp(i64::MAX).plus(MIN), Timestamp(i64::MAX));
    assert_eq!(Timestamp(0).since(Timestamp(10)), Duration::ZERO);
}

#[test]
fn only_staff_close_a_handed_off_walkthrough_and_only_once() {
    let script = common::mini();
    let engine = engine(&script);
    let t = common::T0;
    for (name, mut session) in phases(&engine) {
        let before = session.clone();
        let reply = engine.apply(&mut session, Input::Close(CloseReason::ByStaff), t);
        let closable = before.phase.is_open() || matches!(before.phase, Phase::HandedOff(_));
        if closable {
            assert_eq!(
                reply,
                Reply::Closed {
                    reason: CloseReason::ByStaff
                },
                "{name}"
            );
            assert_eq!(session.phase, Phase::Closed(CloseReason::ByStaff), "{name}");
            assert_eq!(session.version, before.version + 1, "{name}");
            let again = engine.apply(&mut session, Input::Close(CloseReason::ByStaff), t);
            assert_eq!(again, Reply::Nothing, "{name}: closed twice");
        } else {
            assert_eq!(reply, Reply::Nothing, "{name}");
            assert_eq!(session, before, "{name}");
        }
    }
    // Any other close leaves a hand-off to the team.
    let (_, mut handed_off) = phases(&engine)
        .into_iter()
        .find(|(_, s)| matches!(s.phase, Phase::HandedOff(_)))
        .expect("a handed-off phase");
    assert_eq!(
        engine.apply(&mut handed_off, Input::Close(CloseReason::Idle), t),
        Reply::Nothing
    );
}

#[test]
fn a_typed_no_at_the_backup_switch_is_asked_again_not_recorded_as_a_recent_backup() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = common::started(&engine);
    engine.apply(&mut session, Input::Text("not sure".into()), common::T0);
    assert_eq!(session.current_step(), Some(&id("backup-switch")));
    // Every answer but "Fixed" could be what a bare no stands for: none is picked.
    let switch = script.step(&id("backup-switch")).expect("a step");
    let candidates: Vec<usize> = (1..switch.choices.len()).collect();
    assert!(
        switch.choices[0].confirms.is_some(),
        "the first answer is Fixed"
    );
    for text in ["no", "still failing", "nope"] {
        let before = session.clone();
        let reply = engine.apply(&mut session, Input::Text(text.into()), common::T0);
        assert_eq!(
            reply,
            Reply::ReAsk {
                step: id("backup-switch"),
                candidates: candidates.clone()
            },
            "{text}"
        );
        assert_eq!(session, before, "{text}: nothing recorded");
    }
    // Saying which is recorded as said: no backup for weeks leads to saving a copy first.
    engine.apply(&mut session, Input::Text("weeks ago".into()), common::T0);
    assert_eq!(session.current_step(), Some(&id("backup-old")));
}
