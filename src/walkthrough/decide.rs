//! What a turn decides for one input, without I/O: the walkthrough as loaded (with what it
//! owed settled), the input, where it came from and the time go in; the record to save, the
//! reply, the courtesies, the events and the transcript lines come out. The turn's
//! executor (`Walkthroughs::apply_input`) saves and carries out what this says.

use super::effects::{plan, Effect, Origin};
use crate::conversation::{Engine, Input, Rejection, Reply, Timestamp};
use crate::ids::InteractionId;
use crate::metrics::Via;
use crate::script::{Live, Script};
use crate::store::{Event, Line, Record};

/// What the executor knows that the decision depends on.
pub struct Context<'a> {
    /// The engine on the walkthrough's script version, with the world as it is now.
    pub engine: &'a Engine<'a>,
    pub script: &'a Script,
    /// Apple's status, as the engine sees it (the re-ask offers the same choices).
    pub live: Live,
    /// The current step was owed when the turn began, and has just been posted.
    pub repaired_step: bool,
    /// The interaction whose response can carry the first post the answer owes.
    pub responding: Option<InteractionId>,
    /// Whether hand-offs get a card in a staff channel.
    pub staff_cards: bool,
}

/// How the row is to be saved (compare-and-swap against the version it was loaded at).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// Nothing changed.
    Nothing,
    /// The input moved the walkthrough.
    Moved,
    /// Nothing moved but when it falls due (the idle times changed between runs): stored,
    /// so the ticker does not pick it again and again.
    DueOnly,
}

/// What one input does to a walkthrough.
#[derive(Debug)]
pub struct Decision {
    /// The walkthrough as it is to be saved.
    pub record: Record,
    pub reply: Reply,
    pub save: Save,
    /// The case opens with this hand-off.
    pub opens_case: bool,
    /// Best-effort effects answering this input (see [`plan`]).
    pub courtesies: Vec<Effect>,
    /// For the history and the metrics, once saved.
    pub events: Vec<Event>,
    pub via: Option<Via>,
    /// For the transcript.
    pub lines: Vec<Line>,
}

/// Applies `input` to `record` at `now`.
pub fn decide(
    record: &Record,
    input: Input,
    origin: Origin,
    now: Timestamp,
    cx: &Context<'_>,
) -> Decision {
    let mut record = record.clone();
    let version = record.session.version;
    let shown_before = record.session.current_step().cloned();
    let follow_up_before = record.session.follow_up_state();
    let reply = cx.engine.apply(&mut record.session, input.clone(), now);
    let idle_due = cx.engine.next_due(&record.session, now);
    let handed_off = matches!(reply, Reply::HandedOff { .. });
    let save = if record.session.version != version {
        record.idle_due = idle_due;
        record.responding = cx.responding;
        record.note_end(now);
        if handed_off && !cx.staff_cards {
            // No staff channel: nothing to announce (recorded with the hand-off message).
            record.done.card_posted = true;
        }
        record.note_follow_up(&reply, follow_up_before);
        Save::Moved
    } else if idle_due != record.idle_due {
        record.idle_due = idle_due;
        Save::DueOnly
    } else {
        Save::Nothing
    };
    let events = match save {
        Save::Moved => crate::store::events_for(
            &record,
            &reply,
            shown_before.as_ref(),
            follow_up_before,
            now,
        ),
        _ => Vec::new(),
    };
    let mut courtesies = plan(&reply, origin, shown_before.as_ref());
    for effect in &mut courtesies {
        if let Effect::PostReAsk { live, .. } = effect {
            *live = cx.live;
        }
    }
    if cx.repaired_step && matches!(reply, Reply::Rejected(Rejection::Stale { .. })) {
        // A click on the step before, made because its successor never appeared: the
        // successor is posted now, which is the answer.
        courtesies.clear();
    }
    let via = match origin {
        Origin::Click => Some(Via::Button),
        Origin::Typed => Some(Via::Text),
        Origin::Timer | Origin::Staff => None,
    };
    let lines = crate::transcript::lines_for(record.thread, cx.script, &input, &reply, now);
    Decision {
        opens_case: save == Save::Moved && handed_off,
        record,
        reply,
        save,
        courtesies,
        events,
        via,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::IdlePolicy;
    use crate::ids::{GuildId, MessageId, ThreadId, UserId};
    use crate::store::Shown;

    fn english() -> Script {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        crate::script::load_file(path.as_ref()).expect("the shipped script is valid")
    }

    /// A walkthrough at its first step, whose message is posted.
    fn at_first_step(engine: &Engine<'_>) -> Record {
        let mut session = engine.new_session(UserId::new(7).expect("an id"), Timestamp(0));
        engine.apply(&mut session, Input::Start, Timestamp(0));
        let step = session.current_step().cloned().expect("at a step");
        let shown = Some(Shown {
            step,
            serial: session.step_serial,
            message: MessageId::new(9).expect("an id"),
        });
        let thread = ThreadId::new(1).expect("an id");
        let guild = GuildId::new(2).expect("an id");
        let idle_due = engine.idle_due(&session);
        Record {
            shown,
            ..Record::new(thread, guild, "en".into(), idle_due, session)
        }
    }

    fn context<'a>(engine: &'a Engine<'a>, script: &'a Script) -> Context<'a> {
        Context {
            engine,
            script,
            live: Live::default(),
            repaired_step: false,
            responding: None,
            staff_cards: true,
        }
    }

    #[test]
    fn a_typed_answer_moves_the_walkthrough_and_marks_the_shown_step() {
        let script = english();
        let engine = Engine::new(&script, IdlePolicy::default());
        let record = at_first_step(&engine);
        let cx = context(&engine, &script);
        let now = Timestamp(1_000);
        let decision = decide(&record, Input::Text("2".into()), Origin::Typed, now, &cx);
        assert_eq!(decision.save, Save::Moved);
        assert!(decision.record.session.version > record.session.version);
        assert!(!decision.events.is_empty(), "an answer is an event");
        assert_eq!(decision.via, Some(Via::Text));
        assert!(
            matches!(decision.courtesies[..], [Effect::DisableShown { .. }]),
            "{:?}",
            decision.courtesies
        );
        assert!(!decision.lines.is_empty(), "the answer is transcribed");
        assert!(!decision.opens_case);
    }

    #[test]
    fn asking_for_a_person_without_a_staff_channel_owes_no_card() {
        let script = english();
        let engine = Engine::new(&script, IdlePolicy::default());
        let record = at_first_step(&engine);
        let cx = Context {
            staff_cards: false,
            ..context(&engine, &script)
        };
        let first = record.session.current_step().cloned();
        let human = Input::TalkToHuman { step: first };
        let decision = decide(&record, human, Origin::Click, Timestamp(1), &cx);
        assert!(matches!(decision.reply, Reply::HandedOff { .. }));
        assert!(decision.opens_case);
        assert!(decision.record.done.card_posted, "nothing to announce");
        assert_eq!(decision.via, Some(Via::Button));
    }

    #[test]
    fn a_stale_click_on_a_repaired_step_gets_no_courtesy_and_saves_nothing() {
        let script = english();
        let engine = Engine::new(&script, IdlePolicy::default());
        let mut record = at_first_step(&engine);
        let first = record.session.current_step().cloned().expect("at a step");
        let answer = Input::Choose {
            step: first.clone(),
            choice: 0,
        };
        let moved = decide(
            &record,
            answer,
            Origin::Click,
            Timestamp(1),
            &context(&engine, &script),
        );
        record = moved.record;
        let stale = Input::Choose {
            step: first,
            choice: 0,
        };
        let cx = Context {
            repaired_step: true,
            ..context(&engine, &script)
        };
        let decision = decide(&record, stale.clone(), Origin::Click, Timestamp(2), &cx);
        assert!(matches!(
            decision.reply,
            Reply::Rejected(Rejection::Stale { .. })
        ));
        assert_eq!(decision.save, Save::Nothing);
        assert!(
            decision.courtesies.is_empty(),
            "the posted step is the answer"
        );
        let unrepaired = decide(
            &record,
            stale,
            Origin::Click,
            Timestamp(2),
            &context(&engine, &script),
        );
        assert!(!unrepaired.courtesies.is_empty(), "else it is told so");
    }
}
