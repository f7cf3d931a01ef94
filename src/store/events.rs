//! The append-only history behind `backup-help-bot stats`, and how replies become events.

use crate::conversation::{
    Cause, CloseReason, FollowUp, FollowUpKind, FollowUpState, Reply, Timestamp,
};
use crate::ids::{GuildId, ThreadId, UserId};
use crate::script::StepId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Started,
    StepShown,
    Answered,
    /// The backup works again; `step` is where.
    Fixed,
    HandedOff,
    IdleClosed,
    StartedOver,
    /// The thread was deleted while the walkthrough was open.
    ThreadDeleted,
    /// The first step could not be posted; the walkthrough never really started.
    NotDelivered,
    /// Apple reports a problem; the person will try again later. `step` is where.
    WaitingForApple,
    /// The support team closed a handed-off walkthrough.
    ClosedByStaff,
    /// The morning after a fix, the follow-up question was put to the person. Like the three
    /// after it, `step` is the step that fixed the walkthrough.
    FollowUpAsked,
    /// They said iCloud Backup ran by itself since.
    Confirmed,
    /// They said it did not: the walkthrough went on, and its fix no longer counts.
    Reopened,
    /// No answer by the idle close (or the question could not be asked).
    Unconfirmed,
    /// The walkthrough waits for Apple to fix the problem its status reports (`step`: the
    /// status step).
    AppleWatched,
    /// Apple no longer reported the problem, and the person was told.
    AppleFixed,
    /// Apple still reported it a week later; the bot stopped watching, and said so.
    WatchLapsed,
}

impl EventKind {
    const ALL: [(EventKind, &'static str); 18] = [
        (EventKind::Started, "started"),
        (EventKind::StepShown, "step_shown"),
        (EventKind::Answered, "answered"),
        (EventKind::Fixed, "fixed"),
        (EventKind::HandedOff, "handed_off"),
        (EventKind::IdleClosed, "idle_closed"),
        (EventKind::StartedOver, "started_over"),
        (EventKind::ThreadDeleted, "thread_deleted"),
        (EventKind::NotDelivered, "not_delivered"),
        (EventKind::WaitingForApple, "waiting_for_apple"),
        (EventKind::ClosedByStaff, "closed_by_staff"),
        (EventKind::FollowUpAsked, "follow_up_asked"),
        (EventKind::Confirmed, "confirmed"),
        (EventKind::Reopened, "reopened"),
        (EventKind::Unconfirmed, "unconfirmed"),
        (EventKind::AppleWatched, "apple_watched"),
        (EventKind::AppleFixed, "apple_fixed"),
        (EventKind::WatchLapsed, "watch_lapsed"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("unknown", |(_, name)| name)
    }

    /// Whether the event ends a walkthrough (its outcome).
    pub fn is_outcome(self) -> bool {
        matches!(
            self,
            EventKind::Fixed
                | EventKind::HandedOff
                | EventKind::IdleClosed
                | EventKind::ThreadDeleted
                | EventKind::NotDelivered
                | EventKind::WaitingForApple
                | EventKind::ClosedByStaff
        )
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        Self::ALL
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(kind, _)| *kind)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Timestamp,
    pub guild: GuildId,
    pub thread: ThreadId,
    pub owner: UserId,
    pub kind: EventKind,
    /// The step the event is about, where there is one.
    pub step: Option<String>,
    /// The locale of the walkthrough's script; `None` for events recorded before it was kept.
    pub locale: Option<String>,
    /// The hash of the script version it runs (hex); `None` for events from before.
    pub version: Option<String>,
}

/// The event a change of a follow-up means, if any: `before` is its state before the input.
/// The step is the one that ended the walkthrough (the fix, or the status step). What the
/// person does after Apple's news counts by the reply's own events (a fix, a step shown).
pub fn follow_up_kind(
    before: Option<FollowUpState>,
    after: Option<&FollowUp>,
) -> Option<(EventKind, Option<StepId>)> {
    let after = after?;
    if before == Some(after.state) {
        return None;
    }
    let kind = match (after.kind, after.state) {
        (FollowUpKind::Confirm, FollowUpState::Due(_)) => return None,
        (FollowUpKind::Confirm, FollowUpState::Asked) => EventKind::FollowUpAsked,
        (FollowUpKind::Confirm, FollowUpState::Confirmed) => EventKind::Confirmed,
        (FollowUpKind::Confirm, FollowUpState::Reopened) => EventKind::Reopened,
        (FollowUpKind::Confirm, FollowUpState::Unconfirmed | FollowUpState::Lapsed) => {
            EventKind::Unconfirmed
        }
        (FollowUpKind::Outage, FollowUpState::Due(_)) => EventKind::AppleWatched,
        (FollowUpKind::Outage, FollowUpState::Asked) => EventKind::AppleFixed,
        (FollowUpKind::Outage, FollowUpState::Lapsed) => EventKind::WatchLapsed,
        (FollowUpKind::Outage, _) => return None,
    };
    Some((kind, Some(after.fixed_at.clone())))
}

/// What a reply means for the history: (kind, step) pairs, in order. `shown_before` is the
/// step the session was at before the input.
pub fn kinds_for(reply: &Reply, shown_before: Option<&StepId>) -> Vec<(EventKind, Option<StepId>)> {
    let mut out = Vec::new();
    let answered = |out: &mut Vec<_>, cause: &Cause| {
        if let Cause::Answered(answer) = cause {
            out.push((EventKind::Answered, Some(answer.step.clone())));
        }
    };
    match reply {
        Reply::Show { step, cause } => {
            match cause {
                Cause::Started => out.push((EventKind::Started, None)),
                Cause::StartedOver => out.push((EventKind::StartedOver, None)),
                Cause::Resumed => return out,
                other => answered(&mut out, other),
            }
            out.push((EventKind::StepShown, Some(step.clone())));
        }
        Reply::Resolved { cause, .. } => {
            answered(&mut out, cause);
            out.push((EventKind::Fixed, shown_before.cloned()));
        }
        Reply::Waiting {
            cause, stopped_at, ..
        } => {
            answered(&mut out, cause);
            out.push((EventKind::WaitingForApple, Some(stopped_at.clone())));
        }
        Reply::HandedOff {
            cause, stopped_at, ..
        } => {
            answered(&mut out, cause);
            out.push((EventKind::HandedOff, Some(stopped_at.clone())));
        }
        Reply::Closed { reason } => {
            let kind = match reason {
                CloseReason::Idle => EventKind::IdleClosed,
                CloseReason::ThreadDeleted => EventKind::ThreadDeleted,
                CloseReason::NotDelivered => EventKind::NotDelivered,
                CloseReason::ByStaff => EventKind::ClosedByStaff,
            };
            out.push((kind, shown_before.cloned()));
        }
        // The follow-up's events come from the change of its state (see `follow_up_kind`).
        Reply::ReAsk { .. }
        | Reply::Rejected(_)
        | Reply::IdleWarning { .. }
        | Reply::Unconfirmed
        | Reply::Nothing => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Answer, Via};
    use crate::script::EndingId;

    fn id(s: &str) -> StepId {
        StepId::new(s)
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for (kind, name) in EventKind::ALL {
            assert_eq!(EventKind::parse(name), Some(kind));
            assert_eq!(kind.as_str(), name);
        }
        assert_eq!(EventKind::parse("nope"), None);
    }

    #[test]
    fn replies_become_the_history_they_imply() {
        let answer = Answer {
            step: id("wifi"),
            choice: 0,
            via: Via::Button,
            at: Timestamp(0),
        };
        let started = Reply::Show {
            step: id("opening"),
            cause: Cause::Started,
        };
        assert_eq!(
            kinds_for(&started, None),
            [
                (EventKind::Started, None),
                (EventKind::StepShown, Some(id("opening")))
            ]
        );
        let fixed = Reply::Resolved {
            ending: EndingId::new("fixed"),
            cause: Cause::Answered(answer),
        };
        assert_eq!(
            kinds_for(&fixed, Some(&id("wifi"))),
            [
                (EventKind::Answered, Some(id("wifi"))),
                (EventKind::Fixed, Some(id("wifi")))
            ]
        );
        let closed = Reply::Closed {
            reason: CloseReason::Idle,
        };
        assert_eq!(
            kinds_for(&closed, Some(&id("power"))),
            [(EventKind::IdleClosed, Some(id("power")))]
        );
        assert!(kinds_for(&Reply::Nothing, None).is_empty());
    }
}
