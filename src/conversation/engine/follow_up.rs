//! What the engine does after a walkthrough ended: the question the day after a fix
//! ([`FollowUpKind::Confirm`]), and waiting for Apple to fix a problem it reports
//! ([`FollowUpKind::Outage`]). Each puts a step of the script before the person again
//! ([`Cause::FollowUp`]), once; where they go from there settles it.

use std::time::Duration;

use super::{show, Engine};
use crate::conversation::{
    Cause, FollowUp, FollowUpKind, FollowUpState, Phase, Reply, Session, Timestamp,
};
use crate::script::{Backup, EndingId, EndingKind, StepId};

/// How long a walkthrough waits for Apple before it stops watching, and says so.
pub const WATCH_LAPSES_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

impl Engine<'_> {
    /// The step the script asks for a follow-up of `kind`, if it has one.
    fn question(&self, kind: FollowUpKind) -> Option<StepId> {
        let step = match kind {
            FollowUpKind::Confirm => self.script.follow_up.clone(),
            FollowUpKind::Outage => self.script.apple_status.as_ref()?.fixed_step(),
        }?;
        self.script.step(&step).is_some().then_some(step)
    }

    /// Back from a question asked after the end, or from the step its answer led to, would
    /// undo the end itself (or ask the question again): there is no way back from there.
    pub(super) fn no_way_back(&self, session: &Session) -> bool {
        let after_a_question = session.history.last().is_some_and(|answer| {
            [FollowUpKind::Confirm, FollowUpKind::Outage]
                .into_iter()
                .any(|kind| self.question(kind).as_ref() == Some(&answer.step))
        });
        session.asking_follow_up() || after_a_question
    }

    pub(super) fn claims_icloud(&self, ending: &EndingId) -> bool {
        self.script
            .ending(ending)
            .is_some_and(|e| e.kind == EndingKind::Resolved && e.claims == Some(Backup::ICloud))
    }

    /// A question the person moved away from is answered by where they went: an ending that
    /// claims iCloud works confirms; anything else (the step for automatic backups, the next
    /// check, a hand-off, start over) reopens.
    pub(super) fn settle_follow_up(&self, session: &mut Session) {
        let Some(follow_up) = &session.follow_up else {
            return;
        };
        if follow_up.state != FollowUpState::Asked {
            return;
        }
        let state = match &session.phase {
            Phase::At(step) if self.question(follow_up.kind).as_ref() == Some(step) => return,
            Phase::Resolved(ending) if self.claims_icloud(ending) => FollowUpState::Confirmed,
            _ => FollowUpState::Reopened,
        };
        if let Some(follow_up) = &mut session.follow_up {
            follow_up.state = state;
        }
    }

    /// A first fix that claims iCloud works gets its follow-up question, when one is
    /// configured and the script has one. A walkthrough that already had a follow-up (it
    /// was reopened by one) is not asked again.
    pub(super) fn schedule_follow_up(
        &self,
        session: &mut Session,
        ending: &EndingId,
        fixed_at: StepId,
        now: Timestamp,
    ) {
        let Some(after) = self.idle.confirm_after else {
            return;
        };
        if !may_follow_up(session, FollowUpKind::Confirm)
            || self.question(FollowUpKind::Confirm).is_none()
            || !self.claims_icloud(ending)
        {
            return;
        }
        session.follow_up = Some(FollowUp {
            kind: FollowUpKind::Confirm,
            fixed_at,
            ending: ending.clone(),
            state: FollowUpState::Due(now.plus(after)),
        });
    }

    /// Waiting for Apple from the status step, in a script that says what to post once Apple
    /// reports the problem fixed: the walkthrough watches Apple's status until then, or
    /// until the wait lapses.
    pub(super) fn watch_apple(
        &self,
        session: &mut Session,
        ending: &EndingId,
        stopped_at: &StepId,
        now: Timestamp,
    ) {
        let from_status = self.script.shows_apple_status(stopped_at);
        if !may_follow_up(session, FollowUpKind::Outage) || !from_status {
            return;
        }
        if self.question(FollowUpKind::Outage).is_none() {
            return;
        }
        session.follow_up = Some(FollowUp {
            kind: FollowUpKind::Outage,
            fixed_at: stopped_at.clone(),
            ending: ending.clone(),
            state: FollowUpState::Due(now.plus(WATCH_LAPSES_AFTER)),
        });
    }

    /// What a tick does for a follow-up; `None`: it is not a follow-up's tick.
    pub(super) fn follow_up_tick(&self, session: &mut Session, now: Timestamp) -> Option<Reply> {
        let follow_up = session.follow_up.as_ref()?;
        let kind = follow_up.kind;
        match (&session.phase, follow_up.state) {
            (Phase::Resolved(_), FollowUpState::Due(at)) => Some(match kind {
                FollowUpKind::Confirm if now >= at => self.ask(session, kind, now),
                FollowUpKind::Outage if self.live.apple_clear => self.ask(session, kind, now),
                FollowUpKind::Outage if now >= at => self.stop_watching(session),
                _ => Reply::Nothing,
            }),
            // The question is not worth a "still there?": it only lapses.
            (Phase::At(_), FollowUpState::Asked) => Some(
                match now.since(session.last_activity) >= self.idle.close_after {
                    true => lapse(session),
                    false => Reply::Nothing,
                },
            ),
            _ => None,
        }
    }

    /// Puts the question before the person, or, when the script (or, for a fix, the
    /// configuration) no longer has one, lets the follow-up lapse.
    fn ask(&self, session: &mut Session, kind: FollowUpKind, now: Timestamp) -> Reply {
        let configured = kind == FollowUpKind::Outage || self.idle.confirm_after.is_some();
        let Some(step) = self.question(kind).filter(|_| configured) else {
            return lapse(session);
        };
        if let Some(follow_up) = &mut session.follow_up {
            follow_up.state = FollowUpState::Asked;
        }
        show(session, &step, now);
        Reply::Show {
            step,
            cause: Cause::FollowUp,
        }
    }

    /// Apple still reports the problem when the wait lapses: the walkthrough ends on the
    /// script's `lapsed` ending, which tells the person the bot stopped watching.
    fn stop_watching(&self, session: &mut Session) -> Reply {
        let lapsed = self.script.apple_status.as_ref();
        let lapsed = lapsed
            .and_then(|s| s.lapsed_ending())
            .filter(|e| self.script.ending(e).is_some());
        let Some(follow_up) = &mut session.follow_up else {
            return Reply::Nothing;
        };
        follow_up.state = FollowUpState::Lapsed;
        if let Some(ending) = lapsed {
            session.phase = Phase::Resolved(ending);
        }
        session.version += 1;
        Reply::Unconfirmed
    }
}

/// Whether a follow-up of `kind` may begin: none yet, or the last one has come to an end. A
/// fix is asked about once per walkthrough; waiting for Apple may begin again (a new outage
/// after a reopened fix, or after Apple's news led on to the next checks).
fn may_follow_up(session: &Session, kind: FollowUpKind) -> bool {
    match &session.follow_up {
        None => true,
        Some(last) => {
            let asked_once = kind == FollowUpKind::Confirm && last.kind == FollowUpKind::Confirm;
            last.state.is_settled() && !asked_once
        }
    }
}

/// A follow-up that will not be answered (nobody did in time, the thread is gone, the
/// person has another walkthrough open): back at the ending it came from, unconfirmed.
pub(super) fn lapse(session: &mut Session) -> Reply {
    let Some(follow_up) = &mut session.follow_up else {
        return Reply::Nothing;
    };
    follow_up.state = FollowUpState::Unconfirmed;
    session.phase = Phase::Resolved(follow_up.ending.clone());
    session.version += 1;
    Reply::Unconfirmed
}
