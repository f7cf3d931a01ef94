//! Walkthroughs as the handlers see them: load, apply one input, save with compare-and-swap,
//! and record what happened. The store does the exactly-once part: of two inputs racing on
//! one version (two clicks, a click and typed text, two processes), the second gets
//! [`StoreError::Conflict`] and changes nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;
use tracing::warn;

use serenity::all::{ChannelId, MessageId};

use crate::conversation::{Engine, Input, Reply, Timestamp};
use crate::script::StepId;
use crate::store::{Event, Record, SessionStore, StoreError};

/// What applying an input gave: the reply, the step shown before, the record after, and
/// the events to record once the person has been answered.
pub struct Applied {
    pub reply: Reply,
    pub shown_before: Option<StepId>,
    pub record: Record,
    pub events: Vec<Event>,
}

pub struct Sessions {
    pub store: Arc<dyn SessionStore>,
    /// One input at a time per thread in this process, held from loading the walkthrough
    /// until its effects are done, so a typed answer never races the posting of the step it
    /// answers. Across processes the store's compare-and-swap still keeps answers exactly
    /// once (and Discord sends a thread's events to one shard).
    locks: std::sync::Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>,
}

/// How long a click waits for the thread's lock before going ahead without it: well inside
/// Discord's 3 seconds. Exactly-once does not depend on the lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Discord ids of a record. Stored ids come from Discord and are never zero; a zero would
/// be a corrupt row, and maps to an id no channel has rather than a panic.
pub fn thread(record: &Record) -> ChannelId {
    ChannelId::new(record.thread.max(1))
}

pub fn step_message(record: &Record) -> Option<MessageId> {
    record.step_message.filter(|m| *m != 0).map(MessageId::new)
}

impl Sessions {
    pub fn new(store: Arc<dyn SessionStore>) -> Sessions {
        Sessions {
            store,
            locks: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Takes `thread`'s lock, waiting at most `wait`; `None` if it stayed busy.
    pub async fn lock(&self, thread: u64, wait: Duration) -> Option<OwnedMutexGuard<()>> {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if locks.len() > 1024 {
                // Forget the locks nobody holds or waits for.
                locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            locks.entry(thread).or_default().clone()
        };
        tokio::time::timeout(wait, lock.lock_owned()).await.ok()
    }

    /// Applies `input` to the walkthrough in `thread`. `None` if there is none. A reply that
    /// changes nothing is not saved.
    pub async fn apply<'s>(
        &self,
        thread: u64,
        input: Input,
        now: Timestamp,
        engine_for: impl Fn(&str) -> Engine<'s>,
    ) -> Result<Option<Applied>, StoreError> {
        let Some(mut record) = self.store.by_thread(thread).await? else {
            return Ok(None);
        };
        let engine = engine_for(&record.locale);
        let version = record.session.version;
        let shown_before = record.session.current_step().cloned();
        let reply = engine.apply(&mut record.session, input, now);
        let mut events = Vec::new();
        if record.session.version != version {
            record.idle_due = engine.idle_due(&record.session);
            self.store.save(&record, version).await?;
            events = crate::store::events_for(&record, &reply, shown_before.as_ref(), now);
        }
        Ok(Some(Applied {
            reply,
            shown_before,
            record,
            events,
        }))
    }

    /// Records events, after the person has been answered: the history is for the report,
    /// and a failure there loses a statistic, never an answer.
    pub async fn record(&self, events: &[Event]) {
        if let Err(err) = self.store.append_all(events).await {
            warn!("could not record events: {err}");
        }
    }
}
