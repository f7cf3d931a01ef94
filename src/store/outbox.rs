//! What a walkthrough still owes the person, read off the stored row: the transactional
//! outbox, with the walkthrough row itself as the outbox.
//!
//! A turn saves the new session first and carries out its effects after; each effect done is
//! recorded beside the session ([`Shown`], [`Done`]). Whatever a crash leaves between the two
//! is therefore visible in the row, and [`Record::owed`] says what it is. Every turn, the
//! start-up and a periodic sweep carry it out before anything else.

use serde::{Deserialize, Serialize};

use super::Record;
use crate::conversation::{CloseReason, Phase, Timestamp};
use crate::ids::MessageId;
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
}

impl Done {
    /// The ending's effects done: how rows from before the outbox are read.
    pub const ALL: Done = Done {
        ending_posted: true,
        archived: true,
        warned_for: None,
    };

    /// The two flags, as stored (`warned_for` has a column of its own).
    pub fn bits(self) -> i64 {
        i64::from(self.ending_posted) | i64::from(self.archived) << 1
    }

    pub fn from_bits(bits: i64, warned_for: Option<Timestamp>) -> Done {
        Done {
            ending_posted: bits & 1 != 0,
            archived: bits & 2 != 0,
            warned_for,
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
    /// The message saying the walkthrough was closed for inactivity.
    IdleClosed,
    /// Archiving the thread.
    Archive,
}

impl Record {
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
            // The thread stays open for the support team.
            Phase::HandedOff(e) => ending(&mut owed, Owed::HandOff(e.clone()), false),
            Phase::Closed(CloseReason::Idle) => ending(&mut owed, Owed::IdleClosed, true),
            // Nothing can be posted: the thread is gone, or refused the first step.
            Phase::Closed(CloseReason::ThreadDeleted | CloseReason::NotDelivered) => {}
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
    use crate::conversation::{OwnerId, ScriptRef, Session, Timestamp};
    use crate::ids::{GuildId, ThreadId};
    use crate::script::ScriptHash;

    fn record(phase: Phase, serial: u64, shown: Option<u64>, done: Done) -> Record {
        let owner = OwnerId::new(7).expect("an id");
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
            responding: None,
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
            warned_for: None,
        };
        assert_eq!(record(fixed(), 3, None, posted).owed(), [Owed::Archive]);
        assert!(record(fixed(), 3, None, Done::ALL).owed().is_empty());
        let handoff = Phase::HandedOff(EndingId::new("handoff"));
        assert_eq!(
            record(handoff, 3, None, Done::default()).owed(),
            [Owed::HandOff(EndingId::new("handoff"))]
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
        for ending_posted in [false, true] {
            for archived in [false, true] {
                let done = Done {
                    ending_posted,
                    archived,
                    warned_for: None,
                };
                assert_eq!(Done::from_bits(done.bits(), None), done);
            }
        }
        assert_eq!(Done::ALL.bits(), 3, "the migration's default");
    }
}
