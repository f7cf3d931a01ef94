//! The conversation: one person's walk through the script, as a pure state machine.
//!
//! [`Engine::apply`] takes a [`Session`], an [`Input`] and the time, changes the session and
//! returns a [`Reply`] for the adapter to render. Nothing here talks to Discord, a database
//! or the clock: time comes in as `now`, and effects go out as values. That is what lets the
//! terminal, the Discord bot and the tests drive exactly the same walk.
//!
//! Two promises the adapters build on:
//! - an input that is rejected (stale, after the end, not understood) leaves the session
//!   exactly as it was, version included;
//! - every change increments [`Session::version`], so a store can save with
//!   compare-and-swap and let the loser of a race be told "already answered".
//!
//! ```
//! use backup_help_bot::conversation::{Engine, IdlePolicy, Input, UserId, Reply, Timestamp};
//! use backup_help_bot::script::{load_file, StepId};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
//! let script = load_file(path.as_ref()).expect("the shipped script is valid");
//! let engine = Engine::new(&script, IdlePolicy::default());
//! let now = Timestamp(0);
//!
//! let mut session = engine.new_session(UserId::new(42).expect("ids are not 0"), now);
//! let first = engine.apply(&mut session, Input::Start, now);
//! assert!(matches!(first, Reply::Show { ref step, .. } if *step == script.start));
//!
//! // Typed text goes through the same matcher as in Discord: "not sure" → the next check.
//! engine.apply(&mut session, Input::Text("not sure".into()), now);
//! assert_eq!(session.current_step(), Some(&StepId::new("backup-switch")));
//!
//! // A click on the opening question's old message is stale and changes nothing.
//! let before = session.clone();
//! let stale = Input::Choose { step: script.start.clone(), choice: 0 };
//! assert!(matches!(engine.apply(&mut session, stale, now), Reply::Rejected(_)));
//! assert_eq!(session, before);
//! ```

pub mod causes;
mod engine;
mod fields;
pub mod walk;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::script::{EndingId, ScriptHash, StepId};

pub use engine::{position, route_of, Engine, IdlePolicy};

/// Milliseconds since the Unix epoch. The adapters read the clock; the core only compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn plus(self, duration: Duration) -> Timestamp {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(millis))
    }

    pub fn minus(self, duration: Duration) -> Timestamp {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_sub(millis))
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        let millis = self.0.saturating_sub(earlier.0).max(0);
        Duration::from_millis(u64::try_from(millis).unwrap_or(0))
    }
}

/// The person a session belongs to: their Discord user id (the terminal uses a fixed one).
pub use crate::ids::UserId;

/// The owner of walks outside Discord (the terminal, the path walker).
pub const LOCAL_OWNER: UserId = match UserId::new(1) {
    Some(id) => id,
    None => unreachable!(),
};

/// Which script, and which version of its file, a session was started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRef {
    pub id: String,
    pub hash: ScriptHash,
}

/// Where a session is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Created, first step not shown yet.
    NotStarted,
    /// Showing this step and waiting for an answer.
    At(StepId),
    Resolved(EndingId),
    HandedOff(EndingId),
    Closed(CloseReason),
}

impl Phase {
    /// Still waiting for the person (not ended in any way).
    pub fn is_open(&self) -> bool {
        matches!(self, Phase::NotStarted | Phase::At(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseReason {
    /// No answer for the configured idle time.
    Idle,
    /// The thread was deleted (by a moderator, or with its channel).
    ThreadDeleted,
    /// The first step could not be posted (Discord refused, or kept failing): the person is
    /// free to start again once that is fixed.
    NotDelivered,
    /// A member of the support team closed the case (its own outcome, `closed_by_staff`).
    ByStaff,
}

impl CloseReason {
    /// The reason as a plain word, for a log line.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Idle => "idle",
            CloseReason::ThreadDeleted => "thread_deleted",
            CloseReason::NotDelivered => "not_delivered",
            CloseReason::ByStaff => "by_staff",
        }
    }
}

/// How an answer was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    Button,
    Text,
}

/// One answer: which choice of which step, how and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub step: StepId,
    /// Index into the step's choices.
    pub choice: usize,
    pub via: Via,
    pub at: Timestamp,
}

/// One person's walk through one script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub owner: UserId,
    pub script: ScriptRef,
    pub phase: Phase,
    /// Every answer on the way to the current step, oldest first. Back removes the last one,
    /// so this is also the path the person is on; "next" skips the checks listed here.
    pub history: Vec<Answer>,
    /// Incremented on every change; stores save with compare-and-swap on it.
    pub version: u64,
    pub created_at: Timestamp,
    /// The person's last move (start, answer, back, start over); idle time counts from here.
    pub last_activity: Timestamp,
    /// The idle warning for the current quiet spell has been sent.
    pub idle_warned: bool,
    /// Counts the times a step was put before the person, each move to a step (the same one
    /// again included). The adapter remembers the serial of the step message it posted last:
    /// when the two differ, the current step is still owed to the person.
    #[serde(default)]
    pub step_serial: u64,
    /// The question the morning after a fix ([`IdlePolicy::confirm_after`]): when it falls
    /// due, and what came of it. `None` for walkthroughs that were not fixed (or were fixed
    /// while no follow-up was configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
}

/// What the bot still does for a walkthrough that ended: ask whether a fix lasted, or tell
/// the person when Apple has fixed the problem they wait for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// Stored follow-ups from before the outage watch are all [`FollowUpKind::Confirm`].
    #[serde(default)]
    pub kind: FollowUpKind,
    /// The step whose answer ended the walkthrough: the fix (what `stats` credits the
    /// outcome to), or the status step where the person chose to wait for Apple.
    pub fixed_at: StepId,
    /// The ending it reached, which a follow-up left unanswered returns to.
    pub ending: EndingId,
    pub state: FollowUpState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpKind {
    /// The question the day after a fix ([`IdlePolicy::confirm_after`]): `Due` is when it
    /// is asked.
    #[default]
    Confirm,
    /// Waiting for Apple to fix a problem its System Status reports: asked (the script's
    /// `apple_status.fixed` step) once Apple no longer reports it. `Due` is when the wait
    /// lapses.
    Outage,
}

impl FollowUpKind {
    /// The kind as a plain word, for the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpKind::Confirm => "confirm",
            FollowUpKind::Outage => "outage",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpState {
    /// The question is to be asked at this time.
    Due(Timestamp),
    /// The question (the script's `follow_up` step) is before the person.
    Asked,
    /// They said the backup ran.
    Confirmed,
    /// They said it did not (or moved on another way): the walkthrough goes on.
    Reopened,
    /// No answer by the idle close after the question (or it could not be asked).
    Unconfirmed,
    /// Apple still reported the problem when the wait lapsed; the person was told.
    Lapsed,
}

impl FollowUpState {
    /// Whether the follow-up has come to an end (nothing more will be asked).
    pub fn is_settled(self) -> bool {
        !matches!(self, FollowUpState::Due(_) | FollowUpState::Asked)
    }

    /// The state as a plain word, for a log line and the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpState::Due(_) => "due",
            FollowUpState::Asked => "asked",
            FollowUpState::Confirmed => "confirmed",
            FollowUpState::Reopened => "reopened",
            FollowUpState::Unconfirmed => "unconfirmed",
            FollowUpState::Lapsed => "lapsed",
        }
    }
}

impl Session {
    /// The step being shown, if the session is at one.
    pub fn current_step(&self) -> Option<&StepId> {
        match &self.phase {
            Phase::At(step) => Some(step),
            _ => None,
        }
    }

    /// The state of the fix's follow-up, if it has one.
    pub fn follow_up_state(&self) -> Option<FollowUpState> {
        self.follow_up.as_ref().map(|f| f.state)
    }

    /// Whether a tick at `now` may put a question after the end before the person: a fix's
    /// follow-up that falls due, or any time while waiting for Apple.
    pub fn follow_up_due(&self, now: Timestamp) -> bool {
        let Some(follow_up) = &self.follow_up else {
            return false;
        };
        match (&self.phase, follow_up.kind, follow_up.state) {
            (Phase::Resolved(_), FollowUpKind::Confirm, FollowUpState::Due(at)) => now >= at,
            (Phase::Resolved(_), FollowUpKind::Outage, FollowUpState::Due(_)) => true,
            _ => false,
        }
    }

    /// Whether the walkthrough waits for Apple to fix a problem its status reports.
    pub fn watching_apple(&self) -> bool {
        self.follow_up.as_ref().is_some_and(|f| {
            f.kind == FollowUpKind::Outage && matches!(f.state, FollowUpState::Due(_))
        })
    }

    /// Whether the follow-up question is before the person (they are at its step).
    pub fn asking_follow_up(&self) -> bool {
        self.follow_up_state() == Some(FollowUpState::Asked) && self.current_step().is_some()
    }
}

/// Something the person (or the clock) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `/backup-help` or opening the terminal walkthrough.
    Start,
    /// A choice button, naming the step it was shown under.
    Choose {
        step: StepId,
        choice: usize,
    },
    /// Text typed in the thread or the terminal.
    Text(String),
    /// The Back button (naming its step) or typed "back" (`None`).
    Back {
        step: Option<StepId>,
    },
    StartOver,
    /// The "Talk to a human" button (naming its step) or typed "human" (`None`).
    TalkToHuman {
        step: Option<StepId>,
    },
    /// Time passed; checks the idle warning and close, and asks a fix's follow-up question
    /// when it falls due.
    Tick,
    /// [`Input::Tick`] while the person has another walkthrough open: a follow-up question
    /// due now is not asked (they are being helped already), and the fix stays unconfirmed.
    TickOpenElsewhere,
    /// The walkthrough cannot go on where it is (its thread is gone, its first step could not
    /// be posted), or the support team closed it: closes it if it is open (or, closed by
    /// staff, handed off), else changes nothing.
    Close(CloseReason),
}

/// Why a step is (re)shown or an ending reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    Started,
    /// `Start` while a step is already open: shown again, nothing changed.
    Resumed,
    Answered(Answer),
    WentBack,
    StartedOver,
    AskedForHuman,
    /// The morning after a fix: the follow-up question is put before the person.
    FollowUp,
}

/// What the adapter should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Show {
        step: StepId,
        cause: Cause,
    },
    Resolved {
        ending: EndingId,
        cause: Cause,
    },
    /// Apple reports a problem and the person will try again later (an ending of kind Wait):
    /// ended and closed, but not fixed.
    Waiting {
        ending: EndingId,
        cause: Cause,
        /// The step where the person chose to wait.
        stopped_at: StepId,
    },
    HandedOff {
        ending: EndingId,
        cause: Cause,
        /// Every answer given, in order, for the support team.
        summary: Vec<Answer>,
        /// The step the person was looking at when the hand-off happened.
        stopped_at: StepId,
    },
    /// Typed text was not understood: ask again, listing the choices. Nothing changed.
    ReAsk {
        step: StepId,
        /// The choices the text could have meant, when it was ambiguous.
        candidates: Vec<usize>,
    },
    /// The input does not apply. Nothing changed.
    Rejected(Rejection),
    IdleWarning {
        step: StepId,
    },
    Closed {
        reason: CloseReason,
    },
    /// The follow-up question went unanswered until the idle close (or could not be asked):
    /// the walkthrough is back at the fix's ending, unconfirmed.
    Unconfirmed,
    /// A tick with nothing due.
    Nothing,
}

impl Reply {
    /// The reply in one line of text: a hand-off without its summary.
    pub fn brief(&self) -> String {
        match self {
            Reply::HandedOff {
                ending, summary, ..
            } => format!("HandedOff({ending}, {} answers)", summary.len()),
            other => format!("{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// An answer to a step that is no longer the current one.
    Stale {
        current: StepId,
    },
    /// The walk has already ended.
    Ended,
    NotStarted,
    /// A choice number the step does not have (a tampered button).
    NoSuchChoice,
    /// Back at the first step.
    NothingToGoBackTo,
    /// The session is at a step the script no longer has; only Start over helps.
    StepMissing {
        step: StepId,
    },
}
