//! What a walkthrough still owes the person, read off the stored row: the transactional
//! outbox, with the walkthrough row itself as the outbox.
//!
//! A turn saves the new session first and carries out its effects after; each effect done is
//! recorded beside the session ([`Shown`], [`Done`]). Whatever a crash leaves between the two
//! is therefore visible in the row, and [`Record::owed`] says what it is. Every turn, the
//! start-up and a periodic sweep carry it out before anything else.

use serde::{Deserialize, Serialize};

use super::Record;
use crate::conversation::{CloseReason, Phase, Session, Timestamp};
use crate::ids::{GuildId, MessageId, ThreadId};
use crate::script::{EndingId, StepId};

/// The step message posted last: which step, for which of the session's steps
/// ([`crate::conversation::Session::step_serial`]), and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    pub step: StepId,
    pub serial: u64,
    pub message: MessageId,
}

/// Which of the effects besides the step message are carried out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Done {
    /// The closing message (fixed, hand-off with its ping, idle close) is posted.
    pub ending_posted: bool,
    /// The thread is archived.
    pub archived: bool,
    /// The idle warning posted last, by the quiet spell it was for: the session's
    /// `last_activity` then. A new spell (the person moved) owes its own warning.
    pub warned_for: Option<Timestamp>,
    /// A hand-off's card is in the staff channel (or there is no staff channel, or it
    /// refused the card and was told so in the log).
    pub card_posted: bool,
    /// A case closed by staff has its transcript attached to its card.
    pub transcript_attached: bool,
    /// The message saying staff closed the case is posted (the hand-off's own ending was
    /// posted long before).
    pub close_posted: bool,
    /// Owed, not done: the case was claimed (or is being claimed) and the thread has not been
    /// told who claimed it. Set before the claim is saved, so a crash after the save leaves
    /// the row owing the notice; a claim that was not first clears it.
    pub claim_owed: bool,
    /// Owed, not done: the case changed (claimed, closed, rated) since its staff card was
    /// last drawn.
    pub card_owed: bool,
}

impl Done {
    /// The ending's effects done: how rows from before the outbox are read.
    pub const ALL: Done = Done {
        ending_posted: true,
        archived: true,
        warned_for: None,
        card_posted: true,
        transcript_attached: true,
        close_posted: true,
        claim_owed: false,
        card_owed: false,
    };

    /// The flags, as stored (`warned_for` has a column of its own).
    pub fn bits(self) -> i64 {
        i64::from(self.ending_posted)
            | i64::from(self.archived) << 1
            | i64::from(self.card_posted) << 2
            | i64::from(self.transcript_attached) << 3
            | i64::from(self.close_posted) << 4
            | i64::from(self.claim_owed) << 5
            | i64::from(self.card_owed) << 6
    }

    pub fn from_bits(bits: i64, warned_for: Option<Timestamp>) -> Done {
        Done {
            ending_posted: bits & 1 != 0,
            archived: bits & 2 != 0,
            warned_for,
            card_posted: bits & 4 != 0,
            transcript_attached: bits & 8 != 0,
            close_posted: bits & 16 != 0,
            claim_owed: bits & 32 != 0,
            card_owed: bits & 64 != 0,
        }
    }
}

/// One effect a walkthrough owes, in the order they are owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owed {
    /// The current step's message.
    Step(StepId),
    /// "Are you still there?", once per quiet spell, after the step it is about.
    IdleWarning,
    /// The closing message of a fixed walkthrough.
    Resolved(EndingId),
    /// The hand-off message, with its summary and the support role's ping.
    HandOff(EndingId),
    /// The hand-off's card in the staff channel, with Join, Claim and Close.
    StaffCard,
    /// The message saying the support team closed the case, asking for a rating.
    StaffClosed,
    /// The case's transcript, attached to its staff card.
    Transcript,
    /// Telling the thread who claimed its case.
    ClaimNotice,
    /// Drawing the staff card again, to show the case as it stands.
    CardEdit,
    /// The message saying the walkthrough was closed for inactivity.
    IdleClosed,
    /// Archiving the thread.
    Archive,
}

impl Owed {
    /// The kind of effect, for a log line (the step or ending it carries is left out).
    pub fn kind(&self) -> &'static str {
        match self {
            Owed::Step(_) => "step",
            Owed::IdleWarning => "idle_warning",
            Owed::Resolved(_) => "resolved",
            Owed::HandOff(_) => "hand_off",
            Owed::StaffCard => "staff_card",
            Owed::StaffClosed => "staff_closed",
            Owed::Transcript => "transcript",
            Owed::ClaimNotice => "claim_notice",
            Owed::CardEdit => "card_edit",
            Owed::IdleClosed => "idle_closed",
            Owed::Archive => "archive",
        }
    }
}

impl Record {
    /// A walkthrough not yet shown anywhere, owing nothing, for its first insert; the other
    /// fields are set with struct update syntax where they differ.
    pub fn new(
        thread: ThreadId,
        guild: GuildId,
        locale: String,
        idle_due: Option<Timestamp>,
        session: Session,
    ) -> Record {
        Record {
            thread,
            guild,
            locale,
            staff_locale: None,
            shown: None,
            done: Done::default(),
            idle_due,
            ended_at: None,
            responding: None,
            heard: None,
            session,
        }
    }

    /// What the person has not been shown yet, in order. Empty when the row is settled.
    pub fn owed(&self) -> Vec<Owed> {
        let session = &self.session;
        let mut owed = Vec::new();
        let ending = |owed: &mut Vec<Owed>, message: Owed, archive: bool| {
            if !self.done.ending_posted {
                owed.push(message);
            }
            if archive && !self.done.archived {
                owed.push(Owed::Archive);
            }
        };
        let done = self.done;
        match &session.phase {
            Phase::NotStarted => {}
            Phase::At(step) => {
                let posted = self
                    .shown
                    .as_ref()
                    .is_some_and(|s| s.serial == session.step_serial);
                if !posted {
                    owed.push(Owed::Step(step.clone()));
                }
                if session.idle_warned && self.done.warned_for != Some(session.last_activity) {
                    owed.push(Owed::IdleWarning);
                }
            }
            Phase::Resolved(e) => ending(&mut owed, Owed::Resolved(e.clone()), true),
            // The thread stays open for the support team, who hear of it in their channel.
            Phase::HandedOff(e) => {
                ending(&mut owed, Owed::HandOff(e.clone()), false);
                if !done.card_posted {
                    owed.push(Owed::StaffCard);
                }
            }
            Phase::Closed(CloseReason::Idle) => ending(&mut owed, Owed::IdleClosed, true),
            // Archived and locked, and the whole case goes to the card.
            Phase::Closed(CloseReason::ByStaff) => {
                if !done.close_posted {
                    owed.push(Owed::StaffClosed);
                }
                if !done.archived {
                    owed.push(Owed::Archive);
                }
                if !done.transcript_attached {
                    owed.push(Owed::Transcript);
                }
            }
            // Nothing can be posted: the thread is gone, or refused the first step.
            Phase::Closed(CloseReason::ThreadDeleted | CloseReason::NotDelivered) => {}
        }
        // The support team's side, whatever the phase: the card first (a claim's click is
        // answered by drawing it), then the thread hears who claimed.
        if done.card_owed {
            owed.push(Owed::CardEdit);
        }
        if done.claim_owed {
            owed.push(Owed::ClaimNotice);
        }
        owed
    }

    /// Whether the current step's message is posted (false when not at a step).
    pub fn step_is_posted(&self) -> bool {
        self.session.current_step().is_some()
            && !self.owed().iter().any(|o| matches!(o, Owed::Step(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{ScriptRef, Session, Timestamp};
    use crate::ids::{GuildId, ThreadId, UserId};
    use crate::script::ScriptHash;

    fn record(phase: Phase, serial: u64, shown: Option<u64>, done: Done) -> Record {
        let owner = UserId::new(7).expect("an id");
        let session = Session {
            owner,
            script: ScriptRef {
                id: "en".into(),
                hash: ScriptHash(0),
            },
            phase,
            history: Vec::new(),
            version: 1,
            created_at: Timestamp(0),
            last_activity: Timestamp(0),
            idle_warned: false,
            step_serial: serial,
            follow_up: None,
        };
        Record {
            thread: ThreadId::new(1).expect("an id"),
            guild: GuildId::new(2).expect("an id"),
            locale: "en".into(),
            staff_locale: None,
            shown: shown.map(|serial| Shown {
                step: StepId::new("wifi"),
                serial,
                message: MessageId::new(9).expect("an id"),
            }),
            done,
            idle_due: None,
            ended_at: None,
            responding: None,
            heard: None,
            session,
        }
    }

    #[test]
    fn a_step_is_owed_until_its_own_serial_is_posted() {
        let wifi = || Phase::At(StepId::new("wifi"));
        let unposted = record(wifi(), 3, Some(2), Done::default());
        assert_eq!(unposted.owed(), [Owed::Step(StepId::new("wifi"))]);
        assert!(!unposted.step_is_posted());
        // The same step shown again (start over at the first step) is a new serial.
        assert_eq!(record(wifi(), 3, None, Done::default()).owed().len(), 1);
        let posted = record(wifi(), 3, Some(3), Done::default());
        assert!(posted.owed().is_empty());
        assert!(posted.step_is_posted());
    }

    #[test]
    fn endings_owe_their_message_then_the_archive_except_a_hand_off() {
        let fixed = || Phase::Resolved(EndingId::new("fixed"));
        assert_eq!(
            record(fixed(), 3, Some(3), Done::default()).owed(),
            [Owed::Resolved(EndingId::new("fixed")), Owed::Archive]
        );
        let posted = Done {
            ending_posted: true,
            archived: false,
            ..Done::default()
        };
        assert_eq!(record(fixed(), 3, None, posted).owed(), [Owed::Archive]);
        assert!(record(fixed(), 3, None, Done::ALL).owed().is_empty());
        let handoff = || Phase::HandedOff(EndingId::new("handoff"));
        assert_eq!(
            record(handoff(), 3, None, Done::default()).owed(),
            [Owed::HandOff(EndingId::new("handoff")), Owed::StaffCard]
        );
        let announced = Done {
            card_posted: true,
            ..posted
        };
        assert!(record(handoff(), 3, None, announced).owed().is_empty());
        let closed = || Phase::Closed(CloseReason::ByStaff);
        assert_eq!(
            record(closed(), 3, None, Done::default()).owed(),
            [Owed::StaffClosed, Owed::Archive, Owed::Transcript],
            "closed by staff: the message with the rating, archive and lock, transcript"
        );
        // The hand-off's own ending was posted: the close still owes its message.
        assert_eq!(
            record(closed(), 3, None, announced).owed(),
            [Owed::StaffClosed, Owed::Archive, Owed::Transcript]
        );
        let closed_done = Done {
            close_posted: true,
            ..announced
        };
        assert_eq!(
            record(closed(), 3, None, closed_done).owed(),
            [Owed::Archive, Owed::Transcript]
        );
        let idle = Phase::Closed(CloseReason::Idle);
        assert_eq!(
            record(idle, 3, None, posted).owed(),
            [Owed::Archive],
            "an idle close archives too"
        );
        let gone = Phase::Closed(CloseReason::ThreadDeleted);
        assert!(record(gone, 3, None, Done::default()).owed().is_empty());
    }

    #[test]
    fn an_idle_warning_is_owed_once_per_quiet_spell() {
        let mut warned = record(Phase::At(StepId::new("wifi")), 3, Some(3), Done::default());
        warned.session.idle_warned = true;
        warned.session.last_activity = Timestamp(5_000);
        assert_eq!(warned.owed(), [Owed::IdleWarning]);
        assert!(warned.step_is_posted(), "a warning owed is not a step owed");
        warned.done.warned_for = Some(Timestamp(5_000));
        assert!(warned.owed().is_empty());
        // The person moved and went quiet again: a new spell, a new warning.
        warned.session.last_activity = Timestamp(9_000);
        assert_eq!(warned.owed(), [Owed::IdleWarning]);
        // An unposted step comes first.
        warned.session.step_serial = 4;
        assert_eq!(
            warned.owed(),
            [Owed::Step(StepId::new("wifi")), Owed::IdleWarning]
        );
    }

    #[test]
    fn done_survives_its_bits() {
        for bits in 0..32 {
            let done = Done::from_bits(bits, None);
            assert_eq!(done.bits(), bits);
            assert_eq!(Done::from_bits(done.bits(), None), done);
        }
        assert_eq!(Done::ALL.bits(), 31);
        let owing = Done {
            claim_owed: true,
            card_owed: true,
            ..Done::ALL
        };
        assert_eq!(Done::from_bits(owing.bits(), None), owing);
    }

    #[test]
    fn a_claim_owes_the_card_then_the_notice_after_the_hand_off() {
        let handoff = Phase::HandedOff(EndingId::new("handoff"));
        let claimed = Done {
            claim_owed: true,
            card_owed: true,
            ..Done::ALL
        };
        assert_eq!(
            record(handoff, 3, None, claimed).owed(),
            [Owed::CardEdit, Owed::ClaimNotice]
        );
        let closed = Phase::Closed(CloseReason::ByStaff);
        let rated = Done {
            card_owed: true,
            ..Done::ALL
        };
        assert_eq!(record(closed, 3, None, rated).owed(), [Owed::CardEdit]);
    }
}
