//! Walkthroughs as the handlers see them: load, apply one input, save with compare-and-swap,
//! and record what happened. The store does the exactly-once part: of two inputs racing on
//! one version (two clicks, a click and typed text, two processes), the second gets
//! [`StoreError::Conflict`] and changes nothing.

use std::sync::Arc;

use serenity::all::{ChannelId, MessageId};

use crate::conversation::{Engine, Input, Reply, Timestamp};
use crate::script::StepId;
use crate::store::{Record, SessionStore, StoreError};

/// What applying an input gave: the reply, the step shown before, and the record after.
pub struct Applied {
    pub reply: Reply,
    pub shown_before: Option<StepId>,
    pub record: Record,
}

pub struct Sessions {
    pub store: Arc<dyn SessionStore>,
}

/// Discord ids of a record. Stored ids come from Discord and are never zero; a zero would
/// be a corrupt row, and maps to an id no channel has rather than a panic.
pub fn thread(record: &Record) -> ChannelId {
    ChannelId::new(record.thread.max(1))
}

pub fn step_message(record: &Record) -> Option<MessageId> {
    record.step_message.filter(|m| *m != 0).map(MessageId::new)
}

impl Sessions {
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
        if record.session.version != version {
            record.idle_due = engine.idle_due(&record.session);
            self.store.save(&record, version).await?;
            self.record_events(&record, &reply, shown_before.as_ref(), now)
                .await;
        }
        Ok(Some(Applied {
            reply,
            shown_before,
            record,
        }))
    }

    /// Appends what `reply` means to the walkthrough's history.
    pub async fn record_events(
        &self,
        record: &Record,
        reply: &Reply,
        shown_before: Option<&StepId>,
        now: Timestamp,
    ) {
        crate::store::record_events(self.store.as_ref(), record, reply, shown_before, now).await;
    }
}
