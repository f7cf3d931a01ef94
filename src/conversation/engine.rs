//! The transition function.

use std::time::Duration;

use super::{
    Answer, Cause, CloseReason, FollowUpState, Input, Phase, Rejection, Reply, ScriptRef, Session,
    Timestamp, UserId, Via,
};
use crate::matcher::{understand, Understood};
use crate::script::{EndingId, EndingKind, Live, Script, StepId, Target};

mod follow_up;

/// When a quiet session is warned and then closed, and when a fix is followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdlePolicy {
    pub warn_after: Duration,
    pub close_after: Duration,
    /// How long after a fix (an ending that claims a working iCloud backup) the script's
    /// `follow_up` question is asked; `None` never asks. A question left unanswered for
    /// `close_after` lapses: the fix stays unconfirmed.
    pub confirm_after: Option<Duration>,
    /// How often a walkthrough waiting for Apple looks at what Apple reports (the status
    /// feed's refresh).
    pub watch_every: Duration,
}

impl Default for IdlePolicy {
    fn default() -> Self {
        IdlePolicy {
            warn_after: Duration::from_secs(20 * 60),
            close_after: Duration::from_secs(30 * 60),
            confirm_after: None,
            watch_every: Duration::from_secs(60),
        }
    }
}

/// A script plus the rules around it: everything a transition needs besides the session.
#[derive(Debug, Clone, Copy)]
pub struct Engine<'a> {
    pub script: &'a Script,
    pub idle: IdlePolicy,
    /// What the adapter knows of the world right now (Apple's status), for choices offered
    /// only under a condition.
    pub live: Live,
}

impl<'a> Engine<'a> {
    pub fn new(script: &'a Script, idle: IdlePolicy) -> Self {
        Engine {
            script,
            idle,
            live: Live::default(),
        }
    }

    /// The same engine, told what the adapter knows now.
    pub fn with_live(self, live: Live) -> Self {
        Engine { live, ..self }
    }

    /// A session for `owner`, not started yet; `Input::Start` shows the first step.
    pub fn new_session(&self, owner: UserId, now: Timestamp) -> Session {
        Session {
            owner,
            script: ScriptRef {
                id: self.script.id.clone(),
                hash: self.script.hash,
            },
            phase: Phase::NotStarted,
            history: Vec::new(),
            version: 0,
            created_at: now,
            last_activity: now,
            idle_warned: false,
            step_serial: 0,
            follow_up: None,
        }
    }

    /// When the next tick has something to do: the idle warning or close of a session
    /// waiting for an answer, a fix's follow-up question, or the end of waiting for Apple
    /// (see [`Engine::next_due`] for the looks at Apple's status before it).
    pub fn idle_due(&self, session: &Session) -> Option<Timestamp> {
        if let (Phase::Resolved(_), Some(FollowUpState::Due(at))) =
            (&session.phase, session.follow_up_state())
        {
            return Some(at);
        }
        session.current_step()?;
        // The follow-up question is not worth a "still there?": it only lapses.
        let after = if session.idle_warned || session.asking_follow_up() {
            self.idle.close_after
        } else {
            self.idle.warn_after.min(self.idle.close_after)
        };
        Some(session.last_activity.plus(after))
    }

    /// [`Engine::idle_due`], as seen at `now`: a walkthrough waiting for Apple looks at
    /// Apple's status every `watch_every` until its wait lapses.
    pub fn next_due(&self, session: &Session, now: Timestamp) -> Option<Timestamp> {
        let due = self.idle_due(session)?;
        match session.watching_apple() {
            true => Some(due.min(now.plus(self.idle.watch_every))),
            false => Some(due),
        }
    }

    /// The current step reached the person only now (its post was owed for a while): their
    /// quiet time starts now, as if they had just moved, so the step is not followed at once
    /// by an idle warning or close. `false` (nothing changed) when not at a step.
    pub fn shown_late(&self, session: &mut Session, now: Timestamp) -> bool {
        if session.current_step().is_none() {
            return false;
        }
        touch(session, now);
        true
    }

    /// Applies one input. Rejections, re-asks and quiet ticks leave `session` untouched.
    pub fn apply(&self, session: &mut Session, input: Input, now: Timestamp) -> Reply {
        let reply = self.apply_unsettled(session, input, now);
        self.settle_follow_up(session);
        reply
    }

    fn apply_unsettled(&self, session: &mut Session, input: Input, now: Timestamp) -> Reply {
        if input == Input::Tick {
            return self.tick(session, now);
        }
        if input == Input::TickOpenElsewhere {
            return match session.follow_up_due(now) {
                true => follow_up::lapse(session),
                false => self.tick(session, now),
            };
        }
        if let Input::Close(reason) = input {
            return close(session, reason);
        }
        let current = match &session.phase {
            Phase::NotStarted if input == Input::Start => {
                let start = self.script.start.clone();
                show(session, &start, now);
                return Reply::Show {
                    step: start,
                    cause: Cause::Started,
                };
            }
            Phase::NotStarted => return Reply::Rejected(Rejection::NotStarted),
            Phase::At(step) => step.clone(),
            Phase::Resolved(_) | Phase::HandedOff(_) | Phase::Closed(_) => {
                return Reply::Rejected(Rejection::Ended)
            }
        };
        let Some(step) = self.script.step(&current) else {
            return match input {
                Input::StartOver => self.start_over(session, now),
                _ => Reply::Rejected(Rejection::StepMissing { step: current }),
            };
        };
        let stale = |named: &Option<StepId>| named.as_ref().is_some_and(|s| *s != current);
        match input {
            Input::Start => Reply::Show {
                step: current,
                cause: Cause::Resumed,
            },
            Input::Choose { step: named, .. } if named != current => {
                Reply::Rejected(Rejection::Stale { current })
            }
            Input::Choose { choice, .. } if choice >= step.choices.len() => {
                Reply::Rejected(Rejection::NoSuchChoice)
            }
            Input::Choose { choice, .. } => self.answer(session, current, choice, Via::Button, now),
            Input::Back { step: named } | Input::TalkToHuman { step: named } if stale(&named) => {
                Reply::Rejected(Rejection::Stale { current })
            }
            Input::Back { .. } if self.no_way_back(session) => {
                Reply::Rejected(Rejection::NothingToGoBackTo)
            }
            Input::Back { .. } => self.back(session, now),
            Input::TalkToHuman { .. } => self.hand_off(session, current, Cause::AskedForHuman, now),
            Input::StartOver => self.start_over(session, now),
            Input::Text(text) => match understand(&text, step, self.script, self.live) {
                Understood::Choice(choice) => self.answer(session, current, choice, Via::Text, now),
                Understood::Back if self.no_way_back(session) => {
                    Reply::Rejected(Rejection::NothingToGoBackTo)
                }
                Understood::Back => self.back(session, now),
                Understood::StartOver => self.start_over(session, now),
                Understood::Human => self.hand_off(session, current, Cause::AskedForHuman, now),
                Understood::NotUnderstood { candidates } => Reply::ReAsk {
                    step: current,
                    candidates,
                },
            },
            Input::Tick | Input::TickOpenElsewhere | Input::Close(_) => Reply::Nothing, // handled above
        }
    }

    fn answer(
        &self,
        session: &mut Session,
        current: StepId,
        choice: usize,
        via: Via,
        now: Timestamp,
    ) -> Reply {
        let goto = self
            .script
            .step(&current)
            .and_then(|step| step.choices.get(choice))
            .map(|c| c.goto.clone());
        let Some(goto) = goto else {
            return Reply::Rejected(Rejection::NoSuchChoice);
        };
        let answer = Answer {
            step: current.clone(),
            choice,
            via,
            at: now,
        };
        session.history.push(answer.clone());
        let cause = Cause::Answered(answer);
        match self.resolve(&goto, &session.history) {
            Target::Step(next) => {
                show(session, &next, now);
                Reply::Show { step: next, cause }
            }
            Target::End(ending) => self.end(session, ending, current, cause, now),
            // `resolve` never returns NextCheck; end safely rather than loop if it ever did.
            Target::NextCheck => {
                let handoff = self.script.handoff.clone();
                self.end(session, handoff, current, cause, now)
            }
        }
    }

    /// Resolves "next": the first step of the person's route (see [`route_of`]) not answered
    /// on the current path, then the first such step of the script's `checks`, then
    /// `after_checks`. A route only changes the order: every check still follows it.
    fn resolve(&self, goto: &Target, history: &[Answer]) -> Target {
        if *goto != Target::NextCheck {
            return goto.clone();
        }
        let seen = |step: &StepId| history.iter().any(|a| a.step == *step);
        let route = route_of(self.script, history)
            .and_then(|id| self.script.routes.get(id))
            .map_or(&[][..], Vec::as_slice);
        match route
            .iter()
            .chain(&self.script.checks)
            .find(|step| !seen(step))
        {
            Some(step) => Target::Step(step.clone()),
            None => match &self.script.after_checks {
                Target::NextCheck => Target::End(self.script.handoff.clone()),
                other => other.clone(),
            },
        }
    }

    fn end(
        &self,
        session: &mut Session,
        ending: EndingId,
        stopped_at: StepId,
        cause: Cause,
        now: Timestamp,
    ) -> Reply {
        let kind = self.script.ending(&ending).map(|e| e.kind);
        touch(session, now);
        match kind {
            Some(EndingKind::Resolved) => {
                session.phase = Phase::Resolved(ending.clone());
                self.schedule_follow_up(session, &ending, stopped_at, now);
                return Reply::Resolved { ending, cause };
            }
            // Ended, and closed like a resolved walkthrough; the reply says it is not fixed.
            Some(EndingKind::Wait) => {
                session.phase = Phase::Resolved(ending.clone());
                self.watch_apple(session, &ending, &stopped_at, now);
                return Reply::Waiting {
                    ending,
                    cause,
                    stopped_at,
                };
            }
            Some(EndingKind::HandOff) | None => {}
        }
        session.phase = Phase::HandedOff(ending.clone());
        Reply::HandedOff {
            ending,
            cause,
            summary: session.history.clone(),
            stopped_at,
        }
    }

    fn hand_off(
        &self,
        session: &mut Session,
        current: StepId,
        cause: Cause,
        now: Timestamp,
    ) -> Reply {
        let handoff = self.script.handoff.clone();
        self.end(session, handoff, current, cause, now)
    }

    fn back(&self, session: &mut Session, now: Timestamp) -> Reply {
        let Some(last) = session.history.pop() else {
            return Reply::Rejected(Rejection::NothingToGoBackTo);
        };
        show(session, &last.step, now);
        Reply::Show {
            step: last.step,
            cause: Cause::WentBack,
        }
    }

    fn start_over(&self, session: &mut Session, now: Timestamp) -> Reply {
        let start = self.script.start.clone();
        session.history.clear();
        show(session, &start, now);
        Reply::Show {
            step: start,
            cause: Cause::StartedOver,
        }
    }

    fn tick(&self, session: &mut Session, now: Timestamp) -> Reply {
        if let Some(reply) = self.follow_up_tick(session, now) {
            return reply;
        }
        let Some(step) = session.current_step().cloned() else {
            return Reply::Nothing;
        };
        let quiet = now.since(session.last_activity);
        if quiet >= self.idle.close_after {
            session.phase = Phase::Closed(CloseReason::Idle);
            session.version += 1;
            Reply::Closed {
                reason: CloseReason::Idle,
            }
        } else if quiet >= self.idle.warn_after && !session.idle_warned {
            session.idle_warned = true;
            session.version += 1;
            Reply::IdleWarning { step }
        } else {
            Reply::Nothing
        }
    }
}

/// The route a person is on: the `route` of the most recent answer in `history` whose choice
/// carries one. Derived, never stored, so Back (which removes the answer) also undoes it.
pub fn route_of<'s>(script: &'s Script, history: &[Answer]) -> Option<&'s str> {
    history.iter().rev().find_map(|answer| {
        let step = script.step(&answer.step)?;
        step.choices.get(answer.choice)?.route.as_deref()
    })
}

/// Where `step` stands among the checks of the person's route (their route's steps, then
/// the script's checks, each once): `(n, total)`, where `n` counts the checks answered on
/// the way here, plus this one. `None` for a step that is not one of those checks.
pub fn position(script: &Script, history: &[Answer], step: &StepId) -> Option<(usize, usize)> {
    let route = route_of(script, history)
        .and_then(|id| script.routes.get(id))
        .map_or(&[][..], Vec::as_slice);
    let mut checks: Vec<&StepId> = Vec::new();
    for check in route.iter().chain(&script.checks) {
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    if !checks.contains(&step) {
        return None;
    }
    let answered = checks
        .iter()
        .filter(|check| **check != step && history.iter().any(|a| a.step == ***check))
        .count();
    Some((answered + 1, checks.len()))
}

/// Puts `step` before the person: a move, and one more step to post.
fn show(session: &mut Session, step: &StepId, now: Timestamp) {
    session.phase = Phase::At(step.clone());
    session.step_serial += 1;
    touch(session, now);
}

/// Ends an open session for a reason outside the conversation; an ended one stays as it is.
fn close(session: &mut Session, reason: CloseReason) -> Reply {
    let to_come = matches!(session.follow_up_state(), Some(FollowUpState::Due(_)));
    if session.asking_follow_up() || (reason == CloseReason::ThreadDeleted && to_come) {
        // The question will not be answered, or never asked (its thread is gone, or staff
        // closed it): the walkthrough goes back to its end, unconfirmed.
        return follow_up::lapse(session);
    }
    // A handed-off walkthrough is the support team's to close.
    let staff_closing_a_case =
        reason == CloseReason::ByStaff && matches!(session.phase, Phase::HandedOff(_));
    if !(session.phase.is_open() || staff_closing_a_case) {
        return Reply::Nothing;
    }
    session.phase = Phase::Closed(reason);
    session.version += 1;
    Reply::Closed { reason }
}

/// Records a move by the person: a new version, and the idle clock starts again.
fn touch(session: &mut Session, now: Timestamp) {
    session.version += 1;
    session.last_activity = now;
    session.idle_warned = false;
}

#[cfg(test)]
mod tests;
