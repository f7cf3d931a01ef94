//! What a reply did, as plain strings for a log line's fields, so that `jq` or Loki can
//! filter a JSON log by them (`jq 'select(.to_step == "wifi")'`). Each is `None` where it
//! does not apply; tracing leaves a `None` field out of the line.

use super::{Answer, Cause, CloseReason, Rejection, Reply, Via};

impl Reply {
    /// The step the input was about: the one answered, re-asked, warned about, or left for
    /// an ending without an answer (a hand-off asked for, a wait).
    pub fn step(&self) -> Option<&str> {
        match self {
            Reply::Show { cause, .. } | Reply::Resolved { cause, .. } => {
                answered(cause).map(|a| a.step.as_str())
            }
            Reply::Waiting {
                cause, stopped_at, ..
            }
            | Reply::HandedOff {
                cause, stopped_at, ..
            } => Some(answered(cause).map_or(stopped_at, |a| &a.step).as_str()),
            Reply::ReAsk { step, .. } | Reply::IdleWarning { step } => Some(step.as_str()),
            Reply::Rejected(Rejection::Stale { current }) => Some(current.as_str()),
            Reply::Rejected(Rejection::StepMissing { step }) => Some(step.as_str()),
            Reply::Rejected(_) | Reply::Closed { .. } | Reply::Unconfirmed | Reply::Nothing => None,
        }
    }

    /// The step put before the person next (shown, or asked again).
    pub fn to_step(&self) -> Option<&str> {
        match self {
            Reply::Show { step, .. } | Reply::ReAsk { step, .. } => Some(step.as_str()),
            _ => None,
        }
    }

    /// The ending reached.
    pub fn ending(&self) -> Option<&str> {
        match self {
            Reply::Resolved { ending, .. }
            | Reply::Waiting { ending, .. }
            | Reply::HandedOff { ending, .. } => Some(ending.as_str()),
            _ => None,
        }
    }

    /// How the answer was given (`button` or `text`), when the input was an answer.
    pub fn via(&self) -> Option<&'static str> {
        let cause = match self {
            Reply::Show { cause, .. }
            | Reply::Resolved { cause, .. }
            | Reply::Waiting { cause, .. }
            | Reply::HandedOff { cause, .. } => cause,
            _ => return None,
        };
        answered(cause).map(|a| match a.via {
            Via::Button => "button",
            Via::Text => "text",
        })
    }

    /// What happened, in one word: for a step shown, why (`answered`, `went_back`, ...);
    /// else the kind of reply (`resolved`, `handed_off`, `re_ask`, `stale`, `closed_idle`, ...).
    pub fn outcome(&self) -> &'static str {
        match self {
            Reply::Show { cause, .. } => match cause {
                Cause::Started => "started",
                Cause::Resumed => "resumed",
                Cause::Answered(_) => "answered",
                Cause::WentBack => "went_back",
                Cause::StartedOver => "started_over",
                Cause::AskedForHuman => "asked_for_human",
                Cause::FollowUp => "follow_up",
            },
            Reply::Resolved { .. } => "resolved",
            Reply::Waiting { .. } => "waiting",
            Reply::HandedOff { .. } => "handed_off",
            Reply::ReAsk { .. } => "re_ask",
            Reply::Rejected(rejection) => match rejection {
                Rejection::Stale { .. } => "stale",
                Rejection::Ended => "ended",
                Rejection::NotStarted => "not_started",
                Rejection::NoSuchChoice => "no_such_choice",
                Rejection::NothingToGoBackTo => "nothing_to_go_back_to",
                Rejection::StepMissing { .. } => "step_missing",
            },
            Reply::IdleWarning { .. } => "idle_warning",
            Reply::Closed { reason } => match reason {
                CloseReason::Idle => "closed_idle",
                CloseReason::ThreadDeleted => "closed_thread_deleted",
                CloseReason::NotDelivered => "closed_not_delivered",
                CloseReason::ByStaff => "closed_by_staff",
            },
            Reply::Unconfirmed => "unconfirmed",
            Reply::Nothing => "nothing",
        }
    }
}

/// The answer a cause carries, if it is one.
fn answered(cause: &Cause) -> Option<&Answer> {
    match cause {
        Cause::Answered(answer) => Some(answer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Timestamp;
    use crate::script::{EndingId, StepId};

    fn answer(step: &str, via: Via) -> Cause {
        Cause::Answered(Answer {
            step: StepId::new(step),
            choice: 0,
            via,
            at: Timestamp(0),
        })
    }

    #[test]
    fn an_answer_shows_its_step_the_next_and_how() {
        let reply = Reply::Show {
            step: StepId::new("wifi"),
            cause: answer("opening", Via::Text),
        };
        assert_eq!(reply.step(), Some("opening"));
        assert_eq!(reply.to_step(), Some("wifi"));
        assert_eq!(reply.via(), Some("text"));
        assert_eq!(reply.outcome(), "answered");
        assert_eq!(reply.ending(), None);
    }

    #[test]
    fn a_hand_off_asked_for_names_where_it_stopped_and_its_ending() {
        let reply = Reply::HandedOff {
            ending: EndingId::new("human"),
            cause: Cause::AskedForHuman,
            summary: Vec::new(),
            stopped_at: StepId::new("wifi"),
        };
        assert_eq!(reply.step(), Some("wifi"));
        assert_eq!(reply.to_step(), None);
        assert_eq!(reply.via(), None);
        assert_eq!(reply.outcome(), "handed_off");
        assert_eq!(reply.ending(), Some("human"));
    }

    #[test]
    fn a_close_and_a_stale_click_have_only_what_applies() {
        let closed = Reply::Closed {
            reason: CloseReason::Idle,
        };
        assert_eq!(closed.outcome(), "closed_idle");
        assert_eq!(CloseReason::ThreadDeleted.as_str(), "thread_deleted");
        assert_eq!(
            (closed.step(), closed.to_step(), closed.ending()),
            (None, None, None)
        );
        let stale = Reply::Rejected(Rejection::Stale {
            current: StepId::new("wifi"),
        });
        assert_eq!(stale.step(), Some("wifi"));
        assert_eq!(stale.outcome(), "stale");
    }
}
