//! Where walkthroughs live between events: SQLite by default, PostgreSQL for several
//! processes. Both go through one implementation ([`sql::SqlStore`], sqlx's `Any` driver
//! with runtime queries); the terminal and unit tests use [`MemoryStore`]. One contract
//! test suite proves all three.
//!
//! Exactly-once is the database's job, not a lock's: [`SessionStore::save`] is a
//! compare-and-swap on the session's version, and a partial unique index allows one open
//! walkthrough per person per guild, across every process sharing the database.

pub mod cases;
pub mod erase;
pub mod events;
mod memory;
pub mod outbox;
mod sql;
mod sql_cases;
mod sql_conns;
mod sql_erase;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{ShardRange, Storage};
use crate::conversation::{Cause, FollowUpState, Phase, Reply, Session, Timestamp};
use crate::ids::{GuildId, InteractionId, MessageId, ThreadId, UserId};
use crate::script::{ScriptHash, StepId};

pub use cases::{Case, CaseStore, Claimed, Line, LineKind, Rating, Staffed};
pub use erase::{Erased, ErasedCard, Erasure, Forgotten};
pub use events::{Event, EventKind};
pub use memory::MemoryStore;
pub use outbox::{Done, Owed, Shown};

/// A version of a script, kept so walkthroughs started on it can finish on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredScript {
    pub hash: ScriptHash,
    pub locale: String,
    pub source: String,
}

/// A walkthrough, where it lives in Discord, and what the person has been shown of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub thread: ThreadId,
    pub guild: GuildId,
    /// The locale of the script it runs.
    pub locale: String,
    /// The locale of the script the support team reads it in (the server's language);
    /// `None` for the default locale.
    pub staff_locale: Option<String>,
    /// The step message posted last (whose buttons are live), and which step it shows.
    pub shown: Option<Shown>,
    /// Which of the ending's effects are carried out.
    pub done: Done,
    /// When the next idle warning or close falls due; `None` when not waiting.
    pub idle_due: Option<Timestamp>,
    /// When the walkthrough ended (the turn that ended it); `None` while open. Retention
    /// counts from here.
    pub ended_at: Option<Timestamp>,
    /// The click whose own interaction response may carry the first effect owed (the next
    /// step), saved with the answer it led to and cleared once that effect is recorded.
    /// Whoever finds the effect still owed asks Discord for that response's message before
    /// posting it again: a crash between the response and its record leaves no double.
    pub responding: Option<InteractionId>,
    /// The person's last message in the thread the bot has taken (see
    /// [`crate::walkthrough::Walkthroughs::typed`]): saved with the turn it led to, so a
    /// message read twice (delivered live and by a catch-up) is taken once.
    pub heard: Option<MessageId>,
    pub session: Session,
}

impl Record {
    /// Records `now` as when the walkthrough ended, if it has ended and had no end yet. A
    /// walkthrough open again (its follow-up asked, or reopened), or with a follow-up still
    /// to come (the question the day after a fix, a wait for Apple), has none until that
    /// is over, so the retention purge leaves it alone.
    pub fn note_end(&mut self, now: Timestamp) {
        let pending = self
            .session
            .follow_up_state()
            .is_some_and(|state| !state.is_settled());
        if self.session.phase.is_open() || pending {
            self.ended_at = None;
        } else if self.ended_at.is_none() {
            self.ended_at = Some(now);
        }
    }

    /// What a follow-up changes about the effects owed. Asking its question owes a new
    /// ending (the confirmation, or whatever the reopened walkthrough ends on) and archiving
    /// the thread again (posting the question opens it). Left unanswered, nothing more is
    /// said, and the thread is archived again; a wait for Apple that lapsed owes its ending
    /// (which says so) and the archive. `before`: the follow-up's state before the input.
    pub fn note_follow_up(&mut self, reply: &Reply, before: Option<FollowUpState>) {
        let reopened = |done: &mut Done| {
            done.ending_posted = false;
            done.archived = false;
        };
        match reply {
            Reply::Show {
                cause: Cause::FollowUp,
                ..
            } => reopened(&mut self.done),
            Reply::Unconfirmed if self.lapsed_ending_owed() => reopened(&mut self.done),
            // Back at the ending posted before the question: it is not owed again. (A
            // follow-up dropped before its question leaves what is owed as it was.)
            Reply::Unconfirmed if before == Some(FollowUpState::Asked) => {
                self.done.ending_posted = true
            }
            _ => {}
        }
    }

    /// Whether the walkthrough is at the ending of a wait for Apple that lapsed: a message
    /// into a thread archived since the wait began.
    pub fn lapsed_ending_owed(&self) -> bool {
        let Some(follow_up) = &self.session.follow_up else {
            return false;
        };
        let moved = match &self.session.phase {
            Phase::Resolved(ending) => *ending != follow_up.ending,
            _ => false,
        };
        follow_up.state == FollowUpState::Lapsed && moved
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else saved first (another click, a typed answer, another process).
    #[error("the walkthrough changed in the meantime")]
    Conflict,
    /// The person already has an open walkthrough in this guild.
    #[error("an open walkthrough exists for this person in this guild")]
    AlreadyOpen,
    #[error("the environment variable {0} is not set; it must hold the PostgreSQL URL")]
    MissingUrl(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("a stored walkthrough cannot be read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// The operations the bot needs; implemented once for SQLite and PostgreSQL. The support
/// team's side ([`CaseStore`]) and erasure ([`Erasure`]) come with it.
#[async_trait]
pub trait SessionStore: CaseStore + Erasure + Send + Sync {
    /// Adds a new walkthrough with `events` (what its opening meant), in the same write;
    /// [`StoreError::AlreadyOpen`] if the person has one, and nothing is written.
    async fn insert(&self, record: &Record, events: &[Event]) -> Result<(), StoreError>;
    async fn by_thread(&self, thread: ThreadId) -> Result<Option<Record>, StoreError>;
    /// The person's open walkthrough in a guild.
    async fn open_for(&self, guild: GuildId, owner: UserId) -> Result<Option<Record>, StoreError>;
    /// Saves `record`'s session if the stored version is still `expected_version`; else
    /// [`StoreError::Conflict`] and nothing is written. Which effects are done is saved with
    /// it, in the same write: a turn that owes an effect again (a fix's follow-up owes a new
    /// ending) cannot be saved without it. The step message shown is not saved here (see
    /// [`SessionStore::save_shown`]). `events` (what the turn meant) are appended with it,
    /// in the same write: saved, they are recorded whatever happens next.
    async fn save(
        &self,
        record: &Record,
        expected_version: u64,
        events: &[Event],
    ) -> Result<(), StoreError>;
    /// Records what the person has been shown (`record.shown` and `record.done`), after an
    /// effect was carried out, if the stored session is still at `record`'s version (else
    /// [`StoreError::Conflict`]: a later turn has recorded more). Not a change of the session:
    /// the version stays, and the session stored is left alone.
    async fn save_shown(&self, record: &Record) -> Result<(), StoreError>;
    /// Walkthroughs whose idle warning or close is due at `now`, in the guilds of `shards`
    /// (all with `None`), oldest first. Rows that cannot be read are skipped, with a warning.
    async fn due(
        &self,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError>;
    /// Walkthroughs in the guilds of `shards` with an effect still owed ([`Record::owed`])
    /// that may be tried at `now`, the longest waiting first. Unreadable rows are skipped.
    async fn owing(
        &self,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError>;
    /// Open walkthroughs in the guilds of `shards`, the oldest first (what a catch-up after
    /// a new gateway session reads the threads of). Unreadable rows are skipped.
    async fn open_in(
        &self,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError>;
    /// The sweep tries `thread` again no sooner than `at`.
    async fn retry_at(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError>;
    /// The threads of every open walkthrough, with whose each is and its script's locale:
    /// the channels where typed text may be an answer, and by whom.
    async fn open_threads(&self) -> Result<Vec<(ThreadId, UserId, String)>, StoreError>;
    /// How many walkthroughs are open, in every guild; also the readiness check's query.
    async fn count_open(&self) -> Result<usize, StoreError>;
    /// Keeps a script version (once: a version already kept is left as it is).
    async fn keep_script(&self, script: &StoredScript, now: Timestamp) -> Result<(), StoreError>;
    /// A kept script version.
    async fn script(&self, hash: ScriptHash) -> Result<Option<StoredScript>, StoreError>;
    /// The script versions open walkthroughs run, with how many run each (walkthroughs from
    /// before versions were kept are not counted).
    async fn scripts_in_use(&self) -> Result<Vec<(ScriptHash, usize)>, StoreError>;
    /// Appends events, all in one transaction.
    async fn append_all(&self, events: &[Event]) -> Result<(), StoreError>;
    async fn events_since(&self, since: Timestamp) -> Result<Vec<Event>, StoreError>;
}

/// The events `reply` means for `record`'s walkthrough.
pub fn events_for(
    record: &Record,
    reply: &Reply,
    shown_before: Option<&StepId>,
    follow_up_before: Option<FollowUpState>,
    now: Timestamp,
) -> Vec<Event> {
    let follow_up = events::follow_up_kind(follow_up_before, record.session.follow_up.as_ref());
    let mut kinds = events::kinds_for(reply, shown_before);
    if follow_up
        .as_ref()
        .is_some_and(|(k, _)| *k == EventKind::Confirmed)
    {
        // The fix was counted when it happened; its confirmation is not a second one.
        kinds.retain(|(kind, _)| *kind != EventKind::Fixed);
    }
    kinds
        .into_iter()
        .chain(follow_up)
        .map(|(kind, step)| Event {
            at: now,
            guild: record.guild,
            thread: record.thread,
            owner: record.session.owner,
            kind,
            step: step.map(|s| s.to_string()),
            locale: Some(record.locale.clone()),
            version: Some(record.session.script.hash.to_string()),
        })
        .collect()
}

pub use sql::Schema;

/// What the configured store holds, read without migrating or creating anything.
pub async fn inspect(storage: &Storage) -> Result<Schema, StoreError> {
    sql::SqlStore::inspect(storage).await
}

/// Opens (and migrates) the configured store.
pub async fn open(storage: &Storage) -> Result<Arc<dyn SessionStore>, StoreError> {
    Ok(Arc::new(sql::SqlStore::open(storage).await?))
}
