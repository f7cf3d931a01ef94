//! What the bot does in Discord for each engine reply, decided without Discord.
//!
//! The handler turns an event into an [`Input`](crate::conversation::Input), applies it, and
//! asks [`plan`] what to do; then it carries the effects out in order. A click is
//! acknowledged before any of this (so Discord's 3 seconds never depend on it); the first
//! effect for a click then updates its message or tells the person privately, before
//! anything slower (posting the next step, archiving) happens.

use crate::conversation::{Cause, CloseReason, Reply};
use crate::script::{EndingId, StepId};

use super::render::Answered;

/// Where the input came from, which decides how it can be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A button click: must be answered once, within 3 s, by the first effect.
    Click,
    /// Text typed in the thread: no interaction to answer.
    Typed,
    /// The idle timer.
    Timer,
}

/// One thing to do in Discord, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Update the clicked message: buttons disabled, the choice marked.
    UpdateClicked {
        step: StepId,
        answered: Answered,
    },
    /// Edit the step's latest message the same way, for an answer that was typed.
    DisableShown {
        step: StepId,
        answered: Answered,
    },
    /// Tell the clicker something only they see (an ephemeral follow-up).
    Ephemeral(Notice),
    /// Post a notice in the thread (for typed text, which has no interaction to answer).
    PostNotice(Notice),
    /// Post a step in the thread.
    PostStep(StepId),
    /// Post "not understood" with the step's choices.
    PostReAsk {
        step: StepId,
        candidates: Vec<usize>,
    },
    PostResolved(EndingId),
    /// Post the hand-off text, the summary of every answer, and ping the support role.
    PostHandOff {
        ending: EndingId,
    },
    PostIdleWarning,
    PostIdleClosed,
    ArchiveThread,
}

/// Short replies whose wording comes from the script's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    AlreadyAnswered,
    /// The step a session was on is gone from the script: offer Start over.
    StepGone,
}

/// The effects for `reply`. `shown` is the step whose message the input answered (the
/// clicked message's step, or the step current when text was typed).
pub fn plan(reply: &Reply, origin: Origin, shown: Option<&StepId>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let answered = |cause: &Cause| match cause {
        Cause::Answered(answer) => Answered::Choice(answer.choice),
        _ => Answered::Other,
    };
    // First: mark the message that was answered, if the reply moved the session.
    let moved = match reply {
        Reply::Show { cause, .. } if *cause != Cause::Resumed => Some(answered(cause)),
        Reply::Resolved { cause, .. } | Reply::HandedOff { cause, .. } => Some(answered(cause)),
        _ => None,
    };
    match (moved, shown, origin) {
        (Some(answered), Some(step), Origin::Click) => effects.push(Effect::UpdateClicked {
            step: step.clone(),
            answered,
        }),
        (Some(answered), Some(step), Origin::Typed) => effects.push(Effect::DisableShown {
            step: step.clone(),
            answered,
        }),
        _ => {}
    }
    match reply {
        Reply::Show { step, .. } => effects.push(Effect::PostStep(step.clone())),
        Reply::Resolved { ending, .. } => {
            effects.push(Effect::PostResolved(ending.clone()));
            effects.push(Effect::ArchiveThread);
        }
        Reply::HandedOff { ending, .. } => {
            // The thread stays open for the support team.
            effects.push(Effect::PostHandOff {
                ending: ending.clone(),
            });
        }
        Reply::ReAsk { step, candidates } => effects.push(Effect::PostReAsk {
            step: step.clone(),
            candidates: candidates.clone(),
        }),
        Reply::Rejected(rejection) => {
            use crate::conversation::Rejection;
            let notice = match rejection {
                Rejection::StepMissing { .. } => Notice::StepGone,
                _ => Notice::AlreadyAnswered,
            };
            match origin {
                Origin::Click => effects.push(Effect::Ephemeral(notice)),
                // Typed "back" at the first step and the like: nothing worth a message,
                // except a vanished step, which the person must be told about.
                Origin::Typed if notice == Notice::StepGone => {
                    effects.push(Effect::PostNotice(notice))
                }
                _ => {}
            }
        }
        Reply::IdleWarning { .. } => effects.push(Effect::PostIdleWarning),
        Reply::Closed {
            reason: CloseReason::Idle,
        } => {
            effects.push(Effect::PostIdleClosed);
            effects.push(Effect::ArchiveThread);
        }
        Reply::Nothing => {}
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Answer, Rejection, Timestamp, Via};

    fn id(s: &str) -> StepId {
        StepId::new(s)
    }

    fn answered(step: &str, choice: usize) -> Cause {
        Cause::Answered(Answer {
            step: id(step),
            choice,
            via: Via::Button,
            at: Timestamp(0),
        })
    }

    #[test]
    fn a_click_that_moves_on_updates_its_message_first_then_posts_the_next_step() {
        let reply = Reply::Show {
            step: id("power"),
            cause: answered("wifi", 1),
        };
        assert_eq!(
            plan(&reply, Origin::Click, Some(&id("wifi"))),
            [
                Effect::UpdateClicked {
                    step: id("wifi"),
                    answered: Answered::Choice(1)
                },
                Effect::PostStep(id("power")),
            ]
        );
    }

    #[test]
    fn a_typed_answer_disables_the_shown_step_instead() {
        let reply = Reply::Show {
            step: id("power"),
            cause: answered("wifi", 1),
        };
        let effects = plan(&reply, Origin::Typed, Some(&id("wifi")));
        assert!(
            matches!(effects[0], Effect::DisableShown { .. }),
            "{effects:?}"
        );
    }

    #[test]
    fn fixed_posts_the_ending_and_archives_while_a_hand_off_stays_open() {
        let fixed = Reply::Resolved {
            ending: EndingId::new("fixed"),
            cause: answered("wifi", 0),
        };
        let effects = plan(&fixed, Origin::Click, Some(&id("wifi")));
        assert_eq!(effects.last(), Some(&Effect::ArchiveThread));
        let handoff = Reply::HandedOff {
            ending: EndingId::new("handoff"),
            cause: Cause::AskedForHuman,
            summary: Vec::new(),
            stopped_at: id("wifi"),
        };
        let effects = plan(&handoff, Origin::Click, Some(&id("wifi")));
        assert_eq!(
            effects,
            [
                Effect::UpdateClicked {
                    step: id("wifi"),
                    answered: Answered::Other
                },
                Effect::PostHandOff {
                    ending: EndingId::new("handoff")
                },
            ]
        );
    }

    #[test]
    fn a_rejected_click_gets_exactly_one_ephemeral_answer_and_nothing_else() {
        let stale = Reply::Rejected(Rejection::Stale {
            current: id("power"),
        });
        assert_eq!(
            plan(&stale, Origin::Click, Some(&id("wifi"))),
            [Effect::Ephemeral(Notice::AlreadyAnswered)]
        );
        let gone = Reply::Rejected(Rejection::StepMissing { step: id("old") });
        assert_eq!(
            plan(&gone, Origin::Click, None),
            [Effect::Ephemeral(Notice::StepGone)]
        );
        assert_eq!(
            plan(&gone, Origin::Typed, None),
            [Effect::PostNotice(Notice::StepGone)]
        );
        // Typed "back" at the first step: nothing to say.
        let first = Reply::Rejected(Rejection::NothingToGoBackTo);
        assert!(plan(&first, Origin::Typed, Some(&id("opening"))).is_empty());
    }

    #[test]
    fn every_click_reply_starts_with_the_interaction_response() {
        let replies = [
            Reply::Show {
                step: id("b"),
                cause: answered("a", 0),
            },
            Reply::Show {
                step: id("a"),
                cause: Cause::WentBack,
            },
            Reply::Show {
                step: id("a"),
                cause: Cause::StartedOver,
            },
            Reply::Resolved {
                ending: EndingId::new("fixed"),
                cause: answered("a", 0),
            },
            Reply::Rejected(Rejection::Ended),
            Reply::Rejected(Rejection::NoSuchChoice),
        ];
        for reply in replies {
            let effects = plan(&reply, Origin::Click, Some(&id("a")));
            let first = effects.first();
            let answers = matches!(
                first,
                Some(Effect::UpdateClicked { .. } | Effect::Ephemeral(_))
            );
            assert!(answers, "{reply:?} → {effects:?}");
        }
    }

    #[test]
    fn idle_warns_then_closes_and_archives() {
        let warn = Reply::IdleWarning { step: id("wifi") };
        assert_eq!(plan(&warn, Origin::Timer, None), [Effect::PostIdleWarning]);
        let close = Reply::Closed {
            reason: CloseReason::Idle,
        };
        assert_eq!(
            plan(&close, Origin::Timer, None),
            [Effect::PostIdleClosed, Effect::ArchiveThread]
        );
    }
}
