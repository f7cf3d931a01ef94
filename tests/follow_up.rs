//! The questions after a walkthrough ended, on the shipped English script. The day after a
//! fix: asked once when due, "yes" confirms, "no" reopens at the step for automatic backups,
//! silence leaves the fix unconfirmed. Waiting for Apple: told once Apple reports the
//! problem fixed, or after a week that the bot stopped watching.

mod common;

use std::time::Duration;

use backup_help_bot::conversation::{
    Cause, CloseReason, Engine, FollowUpKind, FollowUpState, IdlePolicy, Input, Phase, Rejection,
    Reply, Session, Timestamp,
};
use backup_help_bot::script::{EndingId, Live, Script, StepId};

const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn id(s: &str) -> StepId {
    StepId::new(s)
}

fn policy(confirm_after: Option<Duration>) -> IdlePolicy {
    IdlePolicy {
        warn_after: 20 * MIN,
        close_after: 30 * MIN,
        confirm_after,
        watch_every: MIN,
    }
}

fn engine(script: &Script) -> Engine<'_> {
    Engine::new(script, policy(Some(20 * HOUR)))
}

fn at(after: Duration) -> Timestamp {
    common::T0.plus(after)
}

/// A walkthrough fixed at the backup switch ("Fixed, it backs up now") at `T0`.
fn fixed(engine: &Engine) -> Session {
    let mut session = common::started(engine);
    engine.apply(&mut session, Input::Text("not sure".into()), common::T0);
    assert_eq!(session.current_step(), Some(&id("backup-switch")));
    let reply = engine.apply(
        &mut session,
        Input::Choose {
            step: id("backup-switch"),
            choice: 0,
        },
        common::T0,
    );
    assert!(matches!(reply, Reply::Resolved { .. }), "{reply:?}");
    session
}

/// `fixed`, with its follow-up question asked when due.
fn asked(engine: &Engine) -> Session {
    let mut session = fixed(engine);
    let reply = engine.apply(&mut session, Input::Tick, at(20 * HOUR));
    assert_eq!(
        reply,
        Reply::Show {
            step: id("backup-check"),
            cause: Cause::FollowUp
        }
    );
    session
}

fn state(session: &Session) -> Option<FollowUpState> {
    session.follow_up_state()
}

#[test]
fn a_fix_is_followed_up_once_when_due() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = fixed(&engine);
    let due = at(20 * HOUR);
    assert_eq!(state(&session), Some(FollowUpState::Due(due)));
    assert_eq!(
        engine.idle_due(&session),
        Some(due),
        "the sweep wakes it then"
    );
    let follow_up = session.follow_up.clone().expect("scheduled");
    assert_eq!(follow_up.fixed_at, id("backup-switch"));
    assert_eq!(follow_up.ending, EndingId::new("fixed"));

    let before = session.clone();
    assert_eq!(
        engine.apply(&mut session, Input::Tick, at(19 * HOUR)),
        Reply::Nothing
    );
    assert_eq!(session, before, "not due yet");

    let version = session.version;
    let reply = engine.apply(&mut session, Input::Tick, due);
    assert!(matches!(
        reply,
        Reply::Show {
            cause: Cause::FollowUp,
            ..
        }
    ));
    assert_eq!(session.phase, Phase::At(id("backup-check")));
    assert_eq!(state(&session), Some(FollowUpState::Asked));
    assert_eq!(session.version, version + 1);
    assert!(session.phase.is_open(), "the person can answer it");

    // A question nobody answers yet is not worth "are you still there?".
    let reply = engine.apply(&mut session, Input::Tick, due.plus(25 * MIN));
    assert_eq!(reply, Reply::Nothing);
}

#[test]
fn yes_confirms_the_fix() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = asked(&engine);
    let reply = engine.apply(&mut session, Input::Text("yes".into()), at(21 * HOUR));
    assert!(
        matches!(&reply, Reply::Resolved { ending, .. } if *ending == EndingId::new("confirmed")),
        "{reply:?}"
    );
    assert_eq!(state(&session), Some(FollowUpState::Confirmed));
    assert_eq!(engine.idle_due(&session), None, "nothing more to do");
    let before = session.clone();
    assert_eq!(
        engine.apply(&mut session, Input::Tick, at(100 * HOUR)),
        Reply::Nothing
    );
    assert_eq!(session, before, "asked once");
}

#[test]
fn no_reopens_at_the_step_for_automatic_backups_and_is_not_asked_again() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = asked(&engine);
    let reply = engine.apply(
        &mut session,
        Input::Choose {
            step: id("backup-check"),
            choice: 1,
        },
        at(21 * HOUR),
    );
    assert_eq!(
        reply,
        Reply::Show {
            step: id("overnight"),
            cause: Cause::Answered(session.history.last().cloned().expect("an answer"))
        }
    );
    assert_eq!(state(&session), Some(FollowUpState::Reopened));
    // Back would ask the question again, or undo the fix itself: there is no way back.
    for input in [Input::Back { step: None }, Input::Text("back".into())] {
        let before = session.clone();
        let reply = engine.apply(&mut session, input, at(21 * HOUR));
        assert_eq!(reply, Reply::Rejected(Rejection::NothingToGoBackTo));
        assert_eq!(session, before);
    }
    // It goes on as a walkthrough, with the idle rules of one.
    assert_eq!(
        engine.idle_due(&session),
        Some(at(21 * HOUR).plus(20 * MIN))
    );
    // Fixed again at the overnight step: no second follow-up.
    let reply = engine.apply(&mut session, Input::Text("yes".into()), at(22 * HOUR));
    assert!(matches!(reply, Reply::Resolved { .. }), "{reply:?}");
    assert_eq!(state(&session), Some(FollowUpState::Reopened));
    assert_eq!(engine.idle_due(&session), None);
}

#[test]
fn an_unanswered_question_lapses_back_to_the_fix_unconfirmed() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = asked(&engine);
    let asked_at = at(20 * HOUR);
    assert_eq!(engine.idle_due(&session), Some(asked_at.plus(30 * MIN)));
    let version = session.version;
    let reply = engine.apply(&mut session, Input::Tick, asked_at.plus(30 * MIN));
    assert_eq!(reply, Reply::Unconfirmed);
    assert_eq!(session.phase, Phase::Resolved(EndingId::new("fixed")));
    assert_eq!(state(&session), Some(FollowUpState::Unconfirmed));
    assert_eq!(session.version, version + 1);
    assert_eq!(engine.idle_due(&session), None);
}

#[test]
fn while_asked_back_goes_nowhere_and_start_over_reopens() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = asked(&engine);
    let before = session.clone();
    for input in [
        Input::Back { step: None },
        Input::Back {
            step: Some(id("backup-check")),
        },
        Input::Text("back".into()),
    ] {
        let reply = engine.apply(&mut session, input.clone(), at(21 * HOUR));
        assert_eq!(
            reply,
            Reply::Rejected(Rejection::NothingToGoBackTo),
            "{input:?}"
        );
        assert_eq!(session, before, "{input:?}");
    }
    let reply = engine.apply(&mut session, Input::StartOver, at(21 * HOUR));
    assert!(matches!(
        reply,
        Reply::Show {
            cause: Cause::StartedOver,
            ..
        }
    ));
    assert_eq!(state(&session), Some(FollowUpState::Reopened));
}

#[test]
fn a_question_whose_thread_is_gone_lapses_unconfirmed() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = asked(&engine);
    let reply = engine.apply(
        &mut session,
        Input::Close(CloseReason::ThreadDeleted),
        at(21 * HOUR),
    );
    assert_eq!(reply, Reply::Unconfirmed);
    assert_eq!(session.phase, Phase::Resolved(EndingId::new("fixed")));
    assert_eq!(state(&session), Some(FollowUpState::Unconfirmed));
}

#[test]
fn a_person_with_another_walkthrough_open_is_not_asked() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = fixed(&engine);
    let before = session.clone();
    let early = engine.apply(&mut session, Input::TickOpenElsewhere, at(HOUR));
    assert_eq!(early, Reply::Nothing);
    assert_eq!(session, before, "not due yet: nothing changes");
    let reply = engine.apply(&mut session, Input::TickOpenElsewhere, at(20 * HOUR));
    assert_eq!(reply, Reply::Unconfirmed);
    assert_eq!(session.phase, Phase::Resolved(EndingId::new("fixed")));
    assert_eq!(state(&session), Some(FollowUpState::Unconfirmed));
}

#[test]
fn only_a_fix_that_claims_icloud_with_a_follow_up_configured_is_followed_up() {
    let script = common::english();
    // Not configured.
    let off = Engine::new(&script, policy(None));
    assert_eq!(fixed(&off).follow_up, None);
    // Handed off: nothing to confirm.
    let engine = engine(&script);
    let mut session = common::started(&engine);
    let human = Input::TalkToHuman { step: None };
    assert!(matches!(
        engine.apply(&mut session, human, common::T0),
        Reply::HandedOff { .. }
    ));
    assert_eq!(session.follow_up, None);
    // A script without a follow-up question.
    let mini = common::mini();
    let engine = Engine::new(&mini, policy(Some(20 * HOUR)));
    let mut session = common::started(&engine);
    engine.apply(&mut session, Input::Text("dunno".into()), common::T0);
    let reply = engine.apply(&mut session, Input::Text("yes".into()), common::T0);
    assert!(matches!(reply, Reply::Resolved { .. }), "{reply:?}");
    assert_eq!(session.follow_up, None);
}

#[test]
fn a_follow_up_switched_off_after_it_was_scheduled_lapses_instead_of_asking() {
    let script = common::english();
    let mut session = fixed(&engine(&script));
    let off = Engine::new(&script, policy(None));
    let reply = off.apply(&mut session, Input::Tick, at(20 * HOUR));
    assert_eq!(reply, Reply::Unconfirmed);
    assert_eq!(session.phase, Phase::Resolved(EndingId::new("fixed")));
    assert_eq!(state(&session), Some(FollowUpState::Unconfirmed));
}

// ───────────────────────── Waiting for Apple ─────────────────────────

const DAY: Duration = Duration::from_secs(24 * 3600);

fn problem() -> Live {
    Live {
        apple_problem: true,
        apple_clear: false,
    }
}

fn clear() -> Live {
    Live {
        apple_problem: false,
        apple_clear: true,
    }
}

/// A walkthrough that chose, at the status step during an outage, to wait for Apple.
fn waiting(engine: &Engine) -> Session {
    let mut session = common::started(engine);
    session.phase = Phase::At(id("system-status"));
    let reply = engine.with_live(problem()).apply(
        &mut session,
        Input::Text("tell me when".into()),
        common::T0,
    );
    assert!(matches!(reply, Reply::Waiting { .. }), "{reply:?}");
    session
}

#[test]
fn waiting_for_apple_watches_until_apple_reports_it_fixed_then_asks_once() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = waiting(&engine);
    let follow_up = session.follow_up.clone().expect("watching");
    assert_eq!(follow_up.kind, FollowUpKind::Outage);
    assert_eq!(follow_up.fixed_at, id("system-status"));
    assert_eq!(follow_up.state, FollowUpState::Due(at(7 * DAY)));
    // It looks again every `watch_every`, never past the end of the wait.
    let minute = Duration::from_secs(60);
    assert_eq!(
        engine.next_due(&session, at(HOUR)),
        Some(at(HOUR).plus(minute))
    );
    assert_eq!(engine.next_due(&session, at(7 * DAY)), Some(at(7 * DAY)));

    // Still a problem, or the feed unreadable: nothing changes.
    for live in [problem(), Live::default()] {
        let before = session.clone();
        let reply = engine
            .with_live(live)
            .apply(&mut session, Input::Tick, at(DAY));
        assert_eq!(reply, Reply::Nothing);
        assert_eq!(session, before);
    }
    let reply = engine
        .with_live(clear())
        .apply(&mut session, Input::Tick, at(DAY));
    assert_eq!(
        reply,
        Reply::Show {
            step: id("apple-fixed"),
            cause: Cause::FollowUp
        }
    );
    assert_eq!(state(&session), Some(FollowUpState::Asked));
    // Still failing: on with the next check, and Apple is not asked about again.
    let reply = engine.apply(&mut session, Input::Text("still failing".into()), at(DAY));
    let Reply::Show { step, .. } = reply else {
        panic!("{reply:?}")
    };
    assert!(script.checks.contains(&step), "{step} is a check");
    assert_ne!(step, id("system-status"));
    assert_eq!(state(&session), Some(FollowUpState::Reopened));
    let soon = at(DAY).plus(MIN);
    assert_eq!(
        engine
            .with_live(clear())
            .apply(&mut session, Input::Tick, soon),
        Reply::Nothing
    );
}

#[test]
fn it_works_after_apples_fix_is_a_fix_without_a_second_question() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = waiting(&engine);
    engine
        .with_live(clear())
        .apply(&mut session, Input::Tick, at(DAY));
    let reply = engine.apply(&mut session, Input::Text("it works now".into()), at(DAY));
    assert!(
        matches!(&reply, Reply::Resolved { ending, .. } if *ending == EndingId::new("fixed")),
        "{reply:?}"
    );
    assert_eq!(state(&session), Some(FollowUpState::Confirmed));
    assert_eq!(
        engine.idle_due(&session),
        None,
        "no day-after question as well"
    );
}

#[test]
fn a_wait_for_apple_lapses_after_a_week_on_its_own_ending() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = waiting(&engine);
    let reply = engine
        .with_live(problem())
        .apply(&mut session, Input::Tick, at(7 * DAY));
    assert_eq!(reply, Reply::Unconfirmed);
    assert_eq!(
        session.phase,
        Phase::Resolved(EndingId::new("apple-still-down"))
    );
    assert_eq!(state(&session), Some(FollowUpState::Lapsed));
    assert_eq!(engine.idle_due(&session), None);
}

#[test]
fn a_person_with_another_walkthrough_open_stops_waiting_quietly() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = waiting(&engine);
    assert!(
        session.follow_up_due(at(HOUR)),
        "a watch may ask at any tick"
    );
    let reply = engine
        .with_live(clear())
        .apply(&mut session, Input::TickOpenElsewhere, at(HOUR));
    assert_eq!(reply, Reply::Unconfirmed);
    assert_eq!(
        session.phase,
        Phase::Resolved(EndingId::new("apple-problem"))
    );
    assert_eq!(state(&session), Some(FollowUpState::Unconfirmed));
}

#[test]
fn a_reopened_fix_that_ends_waiting_for_apple_is_watched() {
    let script = common::english();
    let engine = engine(&script);
    let mut session = asked(&engine);
    engine.apply(&mut session, Input::Text("no".into()), at(21 * HOUR));
    assert_eq!(state(&session), Some(FollowUpState::Reopened));
    session.phase = Phase::At(id("system-status"));
    let reply = engine.with_live(problem()).apply(
        &mut session,
        Input::Text("tell me when".into()),
        at(21 * HOUR),
    );
    assert!(matches!(reply, Reply::Waiting { .. }), "{reply:?}");
    let follow_up = session.follow_up.clone().expect("a follow-up");
    assert_eq!(follow_up.kind, FollowUpKind::Outage, "watched, as promised");
    assert!(matches!(follow_up.state, FollowUpState::Due(_)));
}

#[test]
fn a_walkthrough_with_a_follow_up_to_come_has_not_ended_for_the_purge() {
    let script = common::english();
    let engine = engine(&script);
    let session = fixed(&engine);
    let mut record = record_of(session);
    record.note_end(common::T0);
    assert_eq!(record.ended_at, None, "its question is still to come");
    // Unanswered: ended then, and its ending (posted before the question) is not owed again.
    let before = record.session.follow_up_state();
    engine.apply(&mut record.session, Input::Tick, at(20 * HOUR));
    record.done.ending_posted = true;
    let asking = record.session.follow_up_state();
    let reply = engine.apply(&mut record.session, Input::Tick, at(21 * HOUR));
    record.note_end(at(21 * HOUR));
    record.note_follow_up(&reply, asking);
    assert_eq!(record.ended_at, Some(at(21 * HOUR)));
    assert!(record.done.ending_posted);
    assert!(before.is_some_and(|s| !s.is_settled()));
}

#[test]
fn a_follow_up_dropped_before_its_question_leaves_what_is_owed() {
    let script = common::english();
    let engine = engine(&script);
    let session = waiting(&engine);
    let mut record = record_of(session);
    // The wait ending is not posted yet when the person opens another walkthrough.
    let before = record.session.follow_up_state();
    let reply = engine.apply(&mut record.session, Input::TickOpenElsewhere, at(HOUR));
    record.note_follow_up(&reply, before);
    assert!(!record.done.ending_posted, "the wait ending is still owed");
}

/// `session` as a stored walkthrough would hold it, owing nothing yet.
fn record_of(session: Session) -> backup_help_bot::store::Record {
    use backup_help_bot::ids::{GuildId, ThreadId};
    let thread = ThreadId::new(9).expect("an id");
    let guild = GuildId::new(1).expect("an id");
    backup_help_bot::store::Record::new(thread, guild, "en".into(), None, session)
}

#[test]
fn a_follow_up_to_come_whose_thread_is_gone_is_dropped() {
    let script = common::english();
    let engine = engine(&script);
    for mut session in [fixed(&engine), waiting(&engine)] {
        let ending = session.phase.clone();
        let reply = engine.apply(
            &mut session,
            Input::Close(CloseReason::ThreadDeleted),
            at(HOUR),
        );
        assert_eq!(reply, Reply::Unconfirmed);
        assert_eq!(session.phase, ending, "still at its end");
        assert_eq!(state(&session), Some(FollowUpState::Unconfirmed));
        assert_eq!(engine.idle_due(&session), None, "nothing more to do");
    }
}
