//! What a turn does where the person is, decided without Discord.
//!
//! Two kinds of effect:
//! - **owed** ones ([`Owed`]: the current step, the idle warning, an ending's message, the
//!   archive) come from
//!   the stored walkthrough itself and are carried out until done, whatever crashes;
//! - **courtesies** ([`plan`]: marking the answered message, a private notice, "not
//!   understood") answer one input and are carried out once, best effort.
//!
//! What is owed goes first (the next step, which a click's own interaction response carries
//! when the answer was saved in time), then the courtesies (greying out the clicked message),
//! then the archive, since an archived thread's messages cannot be edited. Discord's 3
//! seconds never depend on any of this: a click not answered within the save budget is
//! acknowledged without waiting for it.

use std::sync::Arc;

use crate::conversation::{Cause, Rejection, Reply, Timestamp};
use crate::ids::UserId;
use crate::script::{EndingId, Live, Script, StepId};
use crate::status::Report;
use crate::store::{Case, Owed};

/// Where the input came from, which decides how it can be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A button click: answered once, within 3 s, by the first effect.
    Click,
    /// Text typed in the thread: no interaction to answer.
    Typed,
    /// The idle timer, the sweep, the start-up or a gateway event.
    Timer,
    /// The support team, from its card (a Close): not the person, and no click of theirs to
    /// answer.
    Staff,
}

impl Origin {
    /// Whether the person themself gave the input (they are back, whatever was owed).
    pub fn is_the_person(self) -> bool {
        matches!(self, Origin::Click | Origin::Typed)
    }
}

/// How an answered message is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// This choice was picked (by button or typed).
    Choice(usize),
    /// Moved on another way: Back, Start over, a hand-off.
    Other,
}

/// One thing to do where the person is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Update the clicked message: buttons disabled, the choice marked.
    UpdateClicked { step: StepId, answered: Answered },
    /// Edit the step's posted message the same way, for an answer that was typed.
    DisableShown { step: StepId, answered: Answered },
    /// Tell the clicker something only they see (an ephemeral follow-up).
    Ephemeral(Notice),
    /// Post a notice in the thread (for typed text, which has no interaction to answer).
    PostNotice(Notice),
    /// Post "not understood" with the step's choices, as offered given `live`.
    PostReAsk {
        step: StepId,
        candidates: Vec<usize>,
        live: Live,
    },
    /// Post "are you still there?" (owed).
    PostIdleWarning,
    /// Post a step in the thread (owed); on the status step, with what Apple reports.
    PostStep {
        step: StepId,
        report: Option<Report>,
        /// Where it stands among the checks of the person's route: `(n, total)`.
        position: Option<(usize, usize)>,
        /// Who it pings (see [`Known::ping`]).
        ping: Option<UserId>,
    },
    /// Post a fixed ending (owed).
    PostResolved(EndingId),
    /// Post the hand-off text, the summary of every answer (in `staff`'s language), and ping
    /// the support role (owed); outside the support hours, when the team is `back`.
    PostHandOff {
        ending: EndingId,
        staff: Shared,
        back: Option<Timestamp>,
    },
    /// Post that the walkthrough was closed for inactivity (owed).
    PostIdleClosed,
    /// Post the hand-off's card in the staff channel (owed; nothing without one); a posted
    /// card returns its message.
    PostStaffCard(CardData),
    /// Draw the case's staff card again, as the case stands now (owed).
    EditCard(CardData),
    /// Tell the thread who claimed its case (owed).
    PostClaimed { name: String },
    /// Post that the support team (`name`) closed the case, with the rating buttons (owed).
    PostStaffClosed { name: String },
    /// Attach the case's transcript to its staff card, drawn as it stands (owed; nothing
    /// without a card).
    AttachTranscript { card: CardData, transcript: String },
    /// Archive the thread (owed).
    ArchiveThread,
    /// Add a member of the support team to the thread (asked for by Join).
    AddToThread(UserId),
}

/// A script an effect carries, compared by version: a loaded script never changes.
#[derive(Clone)]
pub struct Shared(pub Arc<Script>);

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        self.0.hash == other.0.hash && self.0.locale == other.0.locale
    }
}

impl Eq for Shared {}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Script({} {})", self.0.locale, self.0.hash)
    }
}

/// What drawing a staff card takes: the case as stored, the script the support team reads
/// it in, and when it is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardData {
    pub case: Case,
    pub staff: Shared,
    pub now: Timestamp,
}

/// What the service has read for an owed effect, each only when that effect needs it.
#[derive(Debug, Default)]
pub struct Known {
    /// Apple's report, for a step that shows it.
    pub report: Option<Report>,
    /// A step's place among the checks of the person's route.
    pub position: Option<(usize, usize)>,
    /// Who a step's message pings: the person, for a fix's follow-up question (asked a
    /// day later, when they are no longer watching the thread).
    pub ping: Option<UserId>,
    /// The script the support team reads the walkthrough in.
    pub staff: Option<Shared>,
    /// When the support team is back, outside its hours.
    pub back: Option<Timestamp>,
    /// The case's card as it stands.
    pub card: Option<CardData>,
    /// The case's transcript, when its card waits for it.
    pub transcript: String,
}

/// The effect that carries out `owed`, with the data it needs from `known`. `None`: there is
/// nothing to do (no card to draw or attach to, no claim to tell of), and it is done.
pub fn effect_of(owed: Owed, known: &Known) -> Option<Effect> {
    let case = || known.card.as_ref().map(|card| &card.case);
    Some(match owed {
        Owed::Step(step) => Effect::PostStep {
            step,
            report: known.report.clone(),
            position: known.position,
            ping: known.ping,
        },
        Owed::IdleWarning => Effect::PostIdleWarning,
        Owed::Resolved(ending) => Effect::PostResolved(ending),
        Owed::HandOff(ending) => Effect::PostHandOff {
            ending,
            staff: known.staff.clone()?,
            back: known.back,
        },
        Owed::IdleClosed => Effect::PostIdleClosed,
        Owed::StaffCard => Effect::PostStaffCard(known.card.clone()?),
        Owed::StaffClosed => Effect::PostStaffClosed {
            name: case()?
                .closed
                .as_ref()
                .map_or_else(String::new, |c| c.name.clone()),
        },
        Owed::Transcript => {
            case()?.card?;
            Effect::AttachTranscript {
                card: known.card.clone()?,
                transcript: known.transcript.clone(),
            }
        }
        Owed::CardEdit => {
            case()?.card?;
            Effect::EditCard(known.card.clone()?)
        }
        Owed::ClaimNotice => match &case()? {
            Case {
                claimed: Some(claimed),
                claim_announced: false,
                ..
            } => Effect::PostClaimed {
                name: claimed.name.clone(),
            },
            _ => return None,
        },
        Owed::Archive => Effect::ArchiveThread,
    })
}

/// Short replies whose wording comes from the script's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    AlreadyAnswered,
    /// The step a session was on is gone from the script: offer Start over.
    StepGone,
}

/// The courtesies for `reply`, in order; what is owed follows them. `shown` is the step
/// whose message the input answered (the clicked message's step, or the step current when
/// text was typed).
pub fn plan(reply: &Reply, origin: Origin, shown: Option<&StepId>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let answered = |cause: &Cause| match cause {
        Cause::Answered(answer) => Answered::Choice(answer.choice),
        _ => Answered::Other,
    };
    // First: mark the message that was answered, if the reply moved the session.
    let moved = match reply {
        Reply::Show { cause, .. } if *cause != Cause::Resumed => Some(answered(cause)),
        Reply::Resolved { cause, .. }
        | Reply::Waiting { cause, .. }
        | Reply::HandedOff { cause, .. } => Some(answered(cause)),
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
        // Offered as the engine offered them: the service fills in `live`.
        Reply::ReAsk { step, candidates } => effects.push(Effect::PostReAsk {
            step: step.clone(),
            candidates: candidates.clone(),
            live: Live::default(),
        }),
        Reply::Rejected(rejection) => {
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
        // Owed, like a step: see the outbox.
        Reply::IdleWarning { .. }
        | Reply::Show { .. }
        | Reply::Resolved { .. }
        | Reply::Waiting { .. }
        | Reply::HandedOff { .. }
        | Reply::Closed { .. }
        | Reply::Unconfirmed
        | Reply::Nothing => {}
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Answer, Timestamp, Via};

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
    fn a_click_that_moves_on_updates_its_message_and_leaves_the_next_step_to_the_outbox() {
        let reply = Reply::Show {
            step: id("power"),
            cause: answered("wifi", 1),
        };
        assert_eq!(
            plan(&reply, Origin::Click, Some(&id("wifi"))),
            [Effect::UpdateClicked {
                step: id("wifi"),
                answered: Answered::Choice(1)
            }]
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
            matches!(effects[..], [Effect::DisableShown { .. }]),
            "{effects:?}"
        );
    }

    #[test]
    fn a_hand_off_by_click_marks_the_clicked_message_as_moved_on() {
        let handoff = Reply::HandedOff {
            ending: EndingId::new("handoff"),
            cause: Cause::AskedForHuman,
            summary: Vec::new(),
            stopped_at: id("wifi"),
        };
        assert_eq!(
            plan(&handoff, Origin::Click, Some(&id("wifi"))),
            [Effect::UpdateClicked {
                step: id("wifi"),
                answered: Answered::Other
            }]
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
    fn every_click_reply_that_plans_anything_starts_with_the_interaction_response() {
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
            let answers = matches!(
                effects.first(),
                Some(Effect::UpdateClicked { .. } | Effect::Ephemeral(_))
            );
            assert!(answers, "{reply:?} → {effects:?}");
        }
    }

    #[test]
    fn idle_warnings_and_the_rest_of_what_is_owed_become_their_posts() {
        let warn = Reply::IdleWarning { step: id("wifi") };
        assert!(
            plan(&warn, Origin::Timer, None).is_empty(),
            "owed, not a courtesy"
        );
        let none = Known::default();
        assert_eq!(
            effect_of(Owed::IdleWarning, &none),
            Some(Effect::PostIdleWarning)
        );
        let staff = Shared(Arc::new(english()));
        let known = Known {
            staff: Some(staff.clone()),
            ..Known::default()
        };
        assert_eq!(
            effect_of(Owed::HandOff(EndingId::new("handoff")), &known),
            Some(Effect::PostHandOff {
                ending: EndingId::new("handoff"),
                staff,
                back: None
            })
        );
        assert_eq!(effect_of(Owed::Archive, &none), Some(Effect::ArchiveThread));
    }

    fn english() -> Script {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
        crate::script::load_file(path.as_ref()).expect("the shipped script is valid")
    }

    #[test]
    fn the_support_teams_effects_carry_the_case_and_need_its_card() {
        use crate::ids::{ChannelId, MessageId};
        use crate::store::Staffed;
        let sam = Staffed {
            by: UserId::new(5).expect("an id"),
            name: "Sam".into(),
            at: Timestamp(0),
        };
        let mut card = CardData {
            case: Case {
                claimed: Some(sam.clone()),
                ..Case::default()
            },
            staff: Shared(Arc::new(english())),
            now: Timestamp(0),
        };
        let known = |card: &CardData| Known {
            card: Some(card.clone()),
            transcript: "t".into(),
            ..Known::default()
        };
        assert_eq!(
            effect_of(Owed::CardEdit, &known(&card)),
            None,
            "no card yet"
        );
        assert_eq!(effect_of(Owed::Transcript, &known(&card)), None);
        assert_eq!(
            effect_of(Owed::ClaimNotice, &known(&card)),
            Some(Effect::PostClaimed { name: "Sam".into() })
        );
        card.case.card = ChannelId::new(1).zip(MessageId::new(2));
        card.case.claim_announced = true;
        assert_eq!(
            effect_of(Owed::ClaimNotice, &known(&card)),
            None,
            "told once"
        );
        assert_eq!(
            effect_of(Owed::Transcript, &known(&card)),
            Some(Effect::AttachTranscript {
                card: card.clone(),
                transcript: "t".into()
            })
        );
        card.case.closed = Some(sam);
        assert_eq!(
            effect_of(Owed::StaffClosed, &known(&card)),
            Some(Effect::PostStaffClosed { name: "Sam".into() })
        );
        assert_eq!(
            effect_of(Owed::ClaimNotice, &Known::default()),
            None,
            "the support team's effects need the case"
        );
    }
}
