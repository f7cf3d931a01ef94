//! The way to Discord's REST API, shared by everything that talks to it: the gate in front
//! of every request, server errors retried, failures counted, and the few requests sent by
//! hand (a post whose answer is read for its id only, an edit of buttons). What a failure
//! means for a walkthrough is said in its terms ([`EffectError`]), naming the missing
//! permissions from the one table in [`super::opening`].
//!
//! A leaf of the Discord layer: it depends on none of the handlers, nor on the outlet.

use std::time::Duration;

use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, CreateActionRow,
    CreateInteractionResponseFollowup, CreateMessage, EditInteractionResponse, EditMessage,
    EditThread, Http, MessageId, Permissions,
};
use serenity::http::{HttpError, LightMethod, Request, Route};
use tracing::{debug, info, warn};

use super::gate::{Gate, Priority};
use super::opening::permission_names;
use super::render::no_mentions;
use crate::metrics::Metrics;
use crate::walkthrough::EffectError;

/// Discord's "thread is archived" error.
const THREAD_ARCHIVED: isize = 50083;
/// Discord's "unknown channel": the thread was deleted.
const UNKNOWN_CHANNEL: isize = 10003;
/// Tries of a request that Discord answers with a server error.
const TRIES: u32 = 4;
/// The first wait before trying again; it doubles each time (0.25, 0.5, 1 s).
///
/// A 429 is not retried here. Talking to Discord directly, serenity's rate limiter honours
/// `Retry-After` itself and a 429 never reaches this code; through a REST proxy
/// (`api_url`), serenity keeps no headers of a failed response, so the wait Discord asked
/// for is unknown. Retrying blind would count against Discord's invalid-request limit, so
/// the effect stays owed and the sweep tries again seconds later.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// How long marking an answered step waits for a place to Discord before it is left undone.
/// Every place taken for a second by what people wait for (their next steps, first steps and
/// acknowledgements) means Discord is answering slower than they are asking; a courtesy sent
/// then only adds to the queue, and the turn that waits for it holds the thread, so the
/// person's next answer misses the response that could carry its step. A button left live
/// is harmless: clicking it again is a stale click, answered as such.
pub const COURTESY_PATIENCE: Duration = Duration::from_secs(1);

/// What is needed to post in a walkthrough's thread.
pub const POST_IN_THREAD: Permissions =
    Permissions::SEND_MESSAGES_IN_THREADS.union(Permissions::EMBED_LINKS);
/// What is needed in the staff channel for a card.
pub const STAFF_CARD: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::ATTACH_FILES);

/// A message as Discord returns it, of which only the id is needed: the rest is skipped,
/// not parsed into a model (every step posted comes back whole).
#[derive(serde::Deserialize)]
pub struct Posted {
    id: String,
}

impl Posted {
    pub fn id(&self) -> Option<u64> {
        self.id.parse().ok()
    }
}

/// What the Discord layer knows of archived threads: an archived thread is unarchived
/// before a post, and learning that one was unarchived is noted.
pub trait Archived: Sync {
    fn is_archived(&self, thread: ChannelId) -> bool;
    fn set_archived(&self, thread: ChannelId, archived: bool);
}

/// A message nonce made of `text` (FNV-1a, fixed, so a later build of the bot makes the same
/// one): below 2^53, so it survives any JSON reader; Discord allows integers of up to 25
/// digits.
pub fn nonce_of(text: &str) -> u64 {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    hash & ((1 << 53) - 1)
}

/// Posts `message` in `channel`; its id.
pub async fn post_message(
    http: &Http,
    channel: ChannelId,
    message: &CreateMessage,
) -> serenity::Result<Posted> {
    let route = Route::ChannelMessages {
        channel_id: channel,
    };
    let body = serde_json::to_vec(message)?;
    http.fire(Request::new(route, LightMethod::Post).body(Some(body)))
        .await
}

/// Sets the buttons of `message` in `channel` to `rows`. Discord answers with the whole
/// message, which is read to the end (so the connection is kept) but not parsed.
pub async fn set_buttons(
    http: &Http,
    channel: ChannelId,
    message: MessageId,
    rows: &[CreateActionRow],
) -> serenity::Result<()> {
    let route = Route::ChannelMessage {
        channel_id: channel,
        message_id: message,
    };
    let body = serde_json::to_vec(&serde_json::json!({ "components": rows }))?;
    let response = http
        .request(Request::new(route, LightMethod::Patch).body(Some(body)))
        .await?;
    response
        .bytes()
        .await
        .map(drop)
        .map_err(|err| serenity::Error::Http(HttpError::Request(err)))
}

/// The way to Discord's REST API for one request: through the gate (bounded, most urgent
/// first), with every failure counted.
#[derive(Clone, Copy)]
pub struct Rest<'a> {
    pub gate: &'a Gate,
    pub metrics: &'a Metrics,
}

impl<'a> Rest<'a> {
    /// Sends a request once it has a place.
    ///
    /// The request is boxed before anything waits: a request future of serenity's is
    /// kilobytes, and passed by value through the `async fn`s between here and Discord each
    /// would hold its own copy for as long as the request waits (see [`Gate::run`]).
    // Serenity's own result, passed through as it came.
    #[allow(clippy::result_large_err)]
    pub fn once<T, F>(
        self,
        priority: Priority,
        request: F,
    ) -> impl std::future::Future<Output = serenity::Result<T>> + use<'a, T, F>
    where
        F: std::future::Future<Output = serenity::Result<T>>,
    {
        let sent = self.gate.run(priority, request);
        async move { counted(self.metrics, sent.await) }
    }

    /// Sends a request, again on a server error, a few times with a growing pause (each try
    /// takes its own place: nothing is held while pausing).
    pub async fn retried<T, F, Fut>(
        self,
        priority: Priority,
        what: &str,
        mut attempt: F,
    ) -> serenity::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = serenity::Result<T>>,
    {
        let mut pause = FIRST_BACKOFF;
        for _ in 1..TRIES {
            match self.gate.run(priority, attempt()).await {
                Err(serenity::Error::Http(err)) if status(&err).is_some_and(|s| s >= 500) => {
                    self.metrics.discord_error(status(&err));
                    warn!(
                        status = status(&err),
                        "{what} failed; trying again in {pause:?}"
                    );
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                other => return counted(self.metrics, other),
            }
        }
        self.once(priority, attempt()).await
    }

    /// Sends a courtesy (`attempt`, marking an answered step) if it gets a place within
    /// [`COURTESY_PATIENCE`], retrying server errors; `Ok(false)`: it was left undone.
    // Serenity's own result, passed through as it came.
    #[allow(clippy::result_large_err)]
    pub async fn courtesy<F, Fut>(self, what: &str, mut attempt: F) -> serenity::Result<bool>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = serenity::Result<()>>,
    {
        let first = self
            .gate
            .run_within(Priority::Later, COURTESY_PATIENCE, attempt());
        match first.await {
            None => {
                self.metrics.courtesy_skipped();
                debug!("{what}: left undone, Discord is busy with what people wait for");
                Ok(false)
            }
            Some(Err(serenity::Error::Http(err))) if status(&err).is_some_and(|s| s >= 500) => {
                self.metrics.discord_error(status(&err));
                self.retried(Priority::Later, what, attempt)
                    .await
                    .map(|()| true)
            }
            Some(other) => counted(self.metrics, other).map(|()| true),
        }
    }

    /// Edits `message` in `channel`, retrying server errors.
    pub async fn edit(
        self,
        http: &Http,
        channel: ChannelId,
        message: MessageId,
        edit: &EditMessage,
        what: &str,
    ) -> serenity::Result<()> {
        let send = || channel.edit_message(http, message, edit.clone());
        self.retried(Priority::Later, what, send).await.map(drop)
    }

    /// Unarchives `thread`, to post in it.
    pub async fn unarchive(
        self,
        http: &Http,
        thread: ChannelId,
        archived: &dyn Archived,
    ) -> Result<(), EffectError> {
        let edited = thread.edit_thread(http, EditThread::new().archived(false));
        self.once(Priority::Waiting, edited)
            .await
            .map_err(|err| classify(err, Permissions::MANAGE_THREADS))?;
        archived.set_archived(thread, false);
        info!(%thread, "thread unarchived before posting");
        Ok(())
    }

    /// Posts `message` in `thread`, unarchiving it first if it is known to be archived, and
    /// once more after unarchiving it if Discord says it is (archived without the bot hearing
    /// of it: a case left quiet for a day).
    pub async fn post_in_thread(
        self,
        http: &Http,
        thread: ChannelId,
        message: &CreateMessage,
        archived: &dyn Archived,
    ) -> Result<Posted, EffectError> {
        if archived.is_archived(thread) {
            self.unarchive(http, thread, archived).await?;
        }
        let send = || post_message(http, thread, message);
        match self
            .retried(Priority::Waiting, "posting in the thread", send)
            .await
        {
            Ok(sent) => Ok(sent),
            Err(serenity::Error::Http(err)) if discord_code(&err) == Some(THREAD_ARCHIVED) => {
                self.unarchive(http, thread, archived).await?;
                let sent = post_message(http, thread, message);
                self.once(Priority::Waiting, sent)
                    .await
                    .map_err(|err| classify(err, POST_IN_THREAD))
            }
            Err(err) => Err(classify(err, POST_IN_THREAD)),
        }
    }
}

/// `result`, with a failure counted into `metrics` by its HTTP status.
// Serenity's own result, passed through as it came.
#[allow(clippy::result_large_err)]
pub fn counted<T>(metrics: &Metrics, result: serenity::Result<T>) -> serenity::Result<T> {
    if let Err(err) = &result {
        let status = match err {
            serenity::Error::Http(http) => status(http),
            _ => None,
        };
        metrics.discord_error(status);
    }
    result
}

/// What a failed request means for the walkthrough; `needed` is what a 403 lacks, named as
/// Discord's server settings name it.
pub fn classify(err: serenity::Error, needed: Permissions) -> EffectError {
    if let serenity::Error::Http(http) = &err {
        if status(http) == Some(403) {
            return EffectError::Refused(permission_names(needed));
        }
        if discord_code(http) == Some(UNKNOWN_CHANNEL) {
            return EffectError::Gone;
        }
    }
    EffectError::Failed(err.to_string())
}

/// The HTTP status of a request Discord answered with an error.
pub fn status(err: &HttpError) -> Option<u16> {
    match err {
        HttpError::UnsuccessfulRequest(response) => Some(response.status_code.as_u16()),
        _ => None,
    }
}

fn discord_code(err: &HttpError) -> Option<isize> {
    match err {
        HttpError::UnsuccessfulRequest(response) => Some(response.error.code),
        _ => None,
    }
}

/// A private answer to a click already answered (a follow-up), pinging nobody.
pub async fn ephemeral(
    rest: Rest<'_>,
    http: &Http,
    click: &ComponentInteraction,
    text: String,
) -> serenity::Result<()> {
    let message = CreateInteractionResponseFollowup::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    let send = || click.create_followup(http, message.clone());
    rest.retried(Priority::Waiting, "answering the click privately", send)
        .await
        .map(drop)
}

/// Edits the private reply to `/backup-help`, retrying server errors like any other effect.
pub async fn edit_reply(
    rest: Rest<'_>,
    http: &Http,
    command: &CommandInteraction,
    reply: EditInteractionResponse,
) -> serenity::Result<()> {
    let edit = || command.edit_response(http, reply.clone());
    rest.retried(Priority::Waiting, "answering /backup-help", edit)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_permissions_as_discord_does() {
        assert_eq!(
            permission_names(POST_IN_THREAD),
            "Send Messages in Threads, Embed Links"
        );
        assert_eq!(
            permission_names(STAFF_CARD),
            "View Channel, Send Messages, Embed Links, Attach Files"
        );
        assert_eq!(
            permission_names(Permissions::MANAGE_THREADS),
            "Manage Threads"
        );
    }

    #[test]
    fn nonces_are_fixed_and_fit_a_json_number() {
        assert_eq!(nonce_of("1 ending"), nonce_of("1 ending"));
        assert_ne!(nonce_of("1 ending"), nonce_of("2 ending"));
        assert!(nonce_of("anything at all") < 1 << 53);
    }
}
