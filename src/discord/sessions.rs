//! Open walkthroughs, kept in memory for now (the storage issue puts them in a database).
//!
//! Every change is applied under one lock, so two quick clicks or a click racing a typed
//! answer move a session exactly once: the second sees the new step and is stale. The lock
//! is never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serenity::all::{ChannelId, GuildId, MessageId, UserId};

use crate::conversation::{Engine, Input, Reply, Session, Timestamp};
use crate::script::StepId;

/// A walkthrough and where it lives in Discord.
#[derive(Debug, Clone)]
pub struct Entry {
    pub session: Session,
    pub guild: GuildId,
    pub thread: ChannelId,
    /// The locale of the script it runs.
    pub locale: String,
    /// The latest step message, whose buttons are live.
    pub step_message: Option<MessageId>,
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_thread: HashMap<ChannelId, Entry>,
    /// The open walkthrough of each person in each guild: at most one.
    open: HashMap<(GuildId, UserId), ChannelId>,
}

/// What applying an input gave: the reply, the step shown before, and the entry after.
pub struct Applied {
    pub reply: Reply,
    pub shown_before: Option<StepId>,
    pub entry: Entry,
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn insert(&self, entry: Entry) {
        let mut inner = self.lock();
        let owner = UserId::new(entry.session.owner.0.max(1));
        inner.open.insert((entry.guild, owner), entry.thread);
        inner.by_thread.insert(entry.thread, entry);
    }

    pub fn by_thread(&self, thread: ChannelId) -> Option<Entry> {
        self.lock().by_thread.get(&thread).cloned()
    }

    /// The person's open walkthrough in this guild, if any.
    pub fn open_for(&self, guild: GuildId, user: UserId) -> Option<Entry> {
        let inner = self.lock();
        let thread = inner.open.get(&(guild, user))?;
        inner.by_thread.get(thread).cloned()
    }

    /// Applies `input` to the walkthrough in `thread` with the engine `engine_for` picks for
    /// its locale; keeps the "open" index in step with the session's phase.
    pub fn apply<'s>(
        &self,
        thread: ChannelId,
        input: Input,
        now: Timestamp,
        engine_for: impl Fn(&str) -> Option<Engine<'s>>,
    ) -> Option<Applied> {
        let mut inner = self.lock();
        let entry = inner.by_thread.get_mut(&thread)?;
        let engine = engine_for(&entry.locale)?;
        let shown_before = entry.session.current_step().cloned();
        let reply = engine.apply(&mut entry.session, input, now);
        let entry = entry.clone();
        if !entry.session.phase.is_open() {
            let owner = UserId::new(entry.session.owner.0.max(1));
            inner.open.remove(&(entry.guild, owner));
        }
        Some(Applied {
            reply,
            shown_before,
            entry,
        })
    }

    /// Records the message now showing the current step.
    pub fn set_step_message(&self, thread: ChannelId, message: MessageId) {
        if let Some(entry) = self.lock().by_thread.get_mut(&thread) {
            entry.step_message = Some(message);
        }
    }

    /// Threads of walkthroughs still waiting for an answer, for the idle ticker.
    pub fn open_threads(&self) -> Vec<ChannelId> {
        self.lock().open.values().copied().collect()
    }
}
