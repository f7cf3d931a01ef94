//! Carrying out a plan of effects in Discord, in order.

use serenity::all::{
    ChannelId, ComponentInteraction, CreateAllowedMentions, CreateEmbed,
    CreateInteractionResponseFollowup, CreateMessage, EditInteractionResponse, EditMessage,
    EditThread, Http, RoleId,
};
use std::time::Duration;

use tracing::{info, warn};

use super::effects::{Effect, Notice};
use super::render::{self, no_mentions, step_rows};
use super::sessions::{step_message, thread as thread_of};
use super::Bot;
use crate::script::Script;
use crate::store::Record;
use crate::view;

/// Discord's "thread is archived" error.
const THREAD_ARCHIVED: isize = 50083;
/// Tries of a post or edit that Discord answers with 429 or a server error.
const TRIES: u32 = 4;
/// The first wait before trying again; it doubles each time (0.25, 0.5, 1 s). Serenity's
/// error does not carry Discord's `retry_after`, so this is a fixed, short backoff; with a
/// REST proxy in front (`api_url`) the proxy paces requests.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// What carrying out a plan could not do that the person should hear about.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Discord refused a post in the thread for lack of permissions.
    pub refused: bool,
}

/// Runs `effects` for the walkthrough `record`. `click` is the interaction that caused them,
/// if any: the first effect answers it.
pub async fn carry_out(
    bot: &Bot,
    http: &Http,
    record: &Record,
    effects: Vec<Effect>,
    click: Option<&ComponentInteraction>,
) -> Outcome {
    let script = bot.script(&record.locale);
    let mut outcome = Outcome::default();
    for effect in effects {
        if let Err(err) = one(bot, http, script, record, &effect, click).await {
            warn!(
                ?effect,
                thread = record.thread,
                "could not carry out an effect: {err}"
            );
            if let serenity::Error::Http(http_err) = &err {
                outcome.refused |= status(http_err) == Some(403);
            }
        }
    }
    outcome
}

/// Runs a request again on 429 or a server error, a few times with a growing pause.
async fn with_retries<T, F, Fut>(what: &str, mut attempt: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    let mut pause = FIRST_BACKOFF;
    for _ in 1..TRIES {
        match attempt().await {
            Err(serenity::Error::Http(err))
                if status(&err).is_some_and(|s| s == 429 || s >= 500) =>
            {
                warn!(status = ?status(&err), "{what} failed; trying again in {pause:?}");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            other => return other,
        }
    }
    attempt().await
}

fn status(err: &serenity::http::HttpError) -> Option<u16> {
    match err {
        serenity::http::HttpError::UnsuccessfulRequest(response) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// Posts a plain notice in a thread (pinging nobody), logging a failure.
pub async fn notify(bot: &Bot, http: &Http, thread: ChannelId, text: String) {
    if let Err(err) = post(bot, http, thread, plain(text)).await {
        warn!(%thread, "could not post a notice: {err}");
    }
}

async fn one(
    bot: &Bot,
    http: &Http,
    script: &Script,
    record: &Record,
    effect: &Effect,
    click: Option<&ComponentInteraction>,
) -> serenity::Result<()> {
    let thread = thread_of(record);
    match effect {
        Effect::UpdateClicked { step, answered } => {
            let rows = match script.step(step) {
                Some(step) => step_rows(script, step, Some(*answered)),
                None => Vec::new(),
            };
            // The click was acknowledged at once (a deferred update): edit its message now.
            if let Some(click) = click {
                let edit = EditInteractionResponse::new().components(rows);
                let update = || click.edit_response(http, edit.clone());
                with_retries("updating the clicked message", update).await?;
            }
        }
        Effect::Ephemeral(notice) => {
            if let Some(click) = click {
                ephemeral(http, click, notice_text(script, *notice)).await?;
            }
        }
        Effect::DisableShown { step, answered } => {
            if let (Some(message), Some(step)) = (step_message(record), script.step(step)) {
                let rows = step_rows(script, step, Some(*answered));
                let edit = || {
                    thread.edit_message(http, message, EditMessage::new().components(rows.clone()))
                };
                with_retries("disabling the answered step", edit).await?;
            }
        }
        Effect::PostStep(step) => {
            if let Some(step) = script.step(step) {
                // Whether or not the post goes through, the message recorded so far shows an
                // older step: a later typed answer must not redraw it with this step's rows.
                let sent = post(bot, http, thread, render::step_message(script, step)).await;
                let shown = sent.as_ref().ok().map(|m| m.get());
                if let Err(err) = bot
                    .sessions
                    .store
                    .set_step_message(record.thread, shown)
                    .await
                {
                    warn!(%thread, "could not record the step message: {err}");
                }
                sent?;
            }
        }
        Effect::PostReAsk { step, candidates } => {
            let Some(step) = script.step(step) else {
                return Ok(());
            };
            let mut text = script.messages.not_understood.clone();
            for (i, choice) in step.choices.iter().enumerate() {
                if candidates.is_empty() || candidates.contains(&i) {
                    text.push_str(&format!("\n{}. {}", i + 1, choice.label));
                }
            }
            post(bot, http, thread, plain(text)).await?;
        }
        Effect::PostResolved(ending) => {
            if let Some(ending) = script.ending(ending) {
                let embed = CreateEmbed::new()
                    .title(&ending.title)
                    .description(&ending.text);
                post(bot, http, thread, message_with(embed)).await?;
            }
        }
        Effect::PostHandOff { ending } => {
            post(bot, http, thread, hand_off(bot, script, record, ending)).await?;
        }
        Effect::PostIdleWarning => {
            post(
                bot,
                http,
                thread,
                plain(script.messages.idle_warning.clone()),
            )
            .await?;
        }
        Effect::PostIdleClosed => {
            post(
                bot,
                http,
                thread,
                plain(script.messages.idle_closed.clone()),
            )
            .await?;
        }
        Effect::PostNotice(notice) => {
            post(bot, http, thread, plain(notice_text(script, *notice))).await?;
        }
        Effect::ArchiveThread => {
            thread
                .edit_thread(http, EditThread::new().archived(true))
                .await?;
            bot.set_archived(thread, true);
            info!(%thread, "thread archived");
        }
    }
    Ok(())
}

fn notice_text(script: &Script, notice: Notice) -> String {
    match notice {
        Notice::AlreadyAnswered => script.messages.already_answered.clone(),
        Notice::StepGone => script.messages.step_gone.clone(),
    }
}

/// A private answer to a click (acknowledged at once when it came), pinging nobody.
pub async fn ephemeral(
    http: &Http,
    click: &ComponentInteraction,
    text: String,
) -> serenity::Result<()> {
    let message = CreateInteractionResponseFollowup::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    click.create_followup(http, message).await.map(drop)
}

fn plain(text: String) -> CreateMessage {
    CreateMessage::new()
        .content(text)
        .allowed_mentions(no_mentions())
}

fn message_with(embed: CreateEmbed) -> CreateMessage {
    CreateMessage::new()
        .embed(embed)
        .allowed_mentions(no_mentions())
}

/// The hand-off: the ending's text, the summary of every answer, and a ping of the support
/// role, which is the only mention the message allows.
fn hand_off(
    bot: &Bot,
    script: &Script,
    record: &Record,
    ending: &crate::script::EndingId,
) -> CreateMessage {
    let (title, text) = script
        .ending(ending)
        .map_or((String::new(), String::new()), |e| {
            (e.title.clone(), e.text.clone())
        });
    let mut summary = String::new();
    for line in view::summary_lines(script, &record.session.history) {
        summary.push_str(&format!("• {line}\n"));
    }
    if summary.is_empty() {
        summary.push('-');
    }
    let summary: String = summary.chars().take(1024).collect();
    let embed = CreateEmbed::new().title(title).description(text).field(
        &script.messages.summary_heading,
        summary,
        false,
    );
    let mut message = CreateMessage::new().embed(embed);
    let owner = format!("<@{}>", record.session.owner.0);
    match bot.config.discord.support_role {
        Some(role) => {
            let mentions = CreateAllowedMentions::new().roles([RoleId::new(role)]);
            message = message
                .content(format!("<@&{role}> {owner}"))
                .allowed_mentions(mentions);
        }
        None => message = message.allowed_mentions(no_mentions()),
    }
    message
}

/// Posts into a thread, unarchiving it first if someone archived it.
async fn post(
    bot: &Bot,
    http: &Http,
    thread: ChannelId,
    message: CreateMessage,
) -> serenity::Result<serenity::all::MessageId> {
    if bot.is_archived(thread) {
        unarchive(bot, http, thread).await?;
    }
    let send = || thread.send_message(http, message.clone());
    match with_retries("posting in the thread", send).await {
        Ok(sent) => Ok(sent.id),
        // Archived without us hearing of it: unarchive and try once more.
        Err(serenity::Error::Http(err)) if discord_code(&err) == Some(THREAD_ARCHIVED) => {
            unarchive(bot, http, thread).await?;
            Ok(thread.send_message(http, message).await?.id)
        }
        Err(err) => Err(err),
    }
}

async fn unarchive(bot: &Bot, http: &Http, thread: ChannelId) -> serenity::Result<()> {
    thread
        .edit_thread(http, EditThread::new().archived(false))
        .await?;
    bot.set_archived(thread, false);
    info!(%thread, "thread unarchived before posting");
    Ok(())
}

fn discord_code(err: &serenity::http::HttpError) -> Option<isize> {
    match err {
        serenity::http::HttpError::UnsuccessfulRequest(response) => Some(response.error.code),
        _ => None,
    }
}
