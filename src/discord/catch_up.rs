//! Nothing typed is lost to a restart: after a new gateway session (a start, a crash, a
//! session Discord would not resume), the bot reads what people typed in their
//! walkthroughs' threads while it was away, and takes each of the person's messages in
//! order, exactly as if it had arrived live. A message that the gateway delivers as well is
//! taken once (see [`crate::walkthrough::Walkthroughs::typed`]).
//!
//! The work is bounded: one request per guild lists its active threads with their newest
//! message, and only threads with a message after the last one the bot took are read, the
//! oldest walkthroughs first, at most [`READS_PER_SECOND`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ChannelId, GetMessages, GuildId as SerenityGuildId, Http, MessageId};
use tracing::{info, warn};

use super::state::Bot;
use crate::config::ShardRange;
use crate::walkthrough::Awaiting;

/// How many threads a catch-up reads a second, at most: it shares the REST rate limits with
/// the answers of people who are here now.
pub const READS_PER_SECOND: u32 = 10;
/// Open walkthroughs one catch-up looks at, at most (the oldest first).
const AT_MOST: u32 = 2_000;
/// Messages read per thread: more than anyone types while a bot restarts.
const MESSAGES_PER_THREAD: u8 = 50;

/// Reads and takes what was typed in the guilds of `shards` while the bot was away.
pub async fn catch_up(bot: Arc<Bot>, http: Arc<Http>, shards: Option<ShardRange>) {
    let awaiting = match bot.walkthroughs.awaiting(shards, AT_MOST).await {
        Ok(awaiting) => awaiting,
        Err(err) => {
            warn!("cannot look for answers typed while the bot was away: {err}");
            return;
        }
    };
    if awaiting.is_empty() {
        return;
    }
    let newest = newest_messages(&http, &awaiting).await;
    let mut read = 0;
    let mut taken = 0;
    for waiting in &awaiting {
        let unread = newest
            .get(&waiting.thread.get())
            .is_some_and(|newest| *newest > waiting.after.get());
        if !unread {
            continue;
        }
        if read > 0 {
            tokio::time::sleep(Duration::from_secs(1) / READS_PER_SECOND).await;
        }
        read += 1;
        taken += take_unread(&bot, &http, waiting).await;
    }
    info!(
        open = awaiting.len(),
        read, taken, "caught up on what people typed while the bot was away"
    );
}

/// The newest message of every active thread in the guilds of `awaiting`, by thread.
async fn newest_messages(http: &Http, awaiting: &[Awaiting]) -> HashMap<u64, u64> {
    let guilds: BTreeSet<u64> = awaiting.iter().map(|a| a.guild.get()).collect();
    let mut newest = HashMap::new();
    for guild in guilds {
        match http
            .get_guild_active_threads(SerenityGuildId::new(guild))
            .await
        {
            Ok(active) => newest.extend(
                active
                    .threads
                    .iter()
                    .filter_map(|t| Some((t.id.get(), t.last_message_id?.get()))),
            ),
            Err(err) => warn!(guild, "cannot list the active threads to catch up: {err}"),
        }
    }
    newest
}

/// Takes the person's messages in `waiting`'s thread after the last one taken, in order;
/// how many.
async fn take_unread(bot: &Bot, http: &Http, waiting: &Awaiting) -> usize {
    let thread = ChannelId::new(waiting.thread.get());
    let after = GetMessages::new()
        .after(MessageId::new(waiting.after.get()))
        .limit(MESSAGES_PER_THREAD);
    let mut messages = match thread.messages(http, after).await {
        Ok(messages) => messages,
        Err(err) => {
            warn!(
                thread = thread.get(),
                "cannot read the thread to catch up: {err}"
            );
            return 0;
        }
    };
    messages.retain(|m| m.author.id.get() == waiting.owner.get() && !m.content.is_empty());
    messages.sort_by_key(|m| m.id);
    for message in &messages {
        super::typed::typed_answer(bot, http, message, waiting.thread, &waiting.locale).await;
    }
    messages.len()
}
