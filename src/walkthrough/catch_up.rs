//! What a catch-up reads after a new gateway session: the open walkthroughs whose person may
//! have typed while nobody listened, and from which message on.

use super::Walkthroughs;
use crate::config::ShardRange;
use crate::ids::{GuildId, MessageId, ThreadId, UserId};
use crate::store::{Record, StoreError};

/// An open walkthrough whose thread may hold answers the bot has not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaiting {
    pub thread: ThreadId,
    pub guild: GuildId,
    /// Whose answers count.
    pub owner: UserId,
    /// The locale of its script.
    pub locale: String,
    /// Messages after this one are unread: the newer of the step posted last and the
    /// person's message taken last.
    pub after: MessageId,
}

impl Awaiting {
    /// `None` while the step is not posted yet: the sweep posts it, and it asks again
    /// whatever was typed before it.
    fn of(record: Record) -> Option<Awaiting> {
        let shown = record.shown.as_ref()?.message;
        Some(Awaiting {
            thread: record.thread,
            guild: record.guild,
            owner: record.session.owner,
            after: record.heard.map_or(shown, |heard| heard.max(shown)),
            locale: record.locale,
        })
    }
}

impl Walkthroughs {
    /// The open walkthroughs in the guilds of `shards` to read the threads of, oldest first,
    /// at most `limit`.
    pub async fn awaiting(
        &self,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Awaiting>, StoreError> {
        let open = self.store.open_in(shards, limit).await?;
        Ok(open.into_iter().filter_map(Awaiting::of).collect())
    }
}
