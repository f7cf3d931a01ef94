//! `/backup-help`: open a thread for the person, or point them to the one they have.

use serenity::all::{
    AutoArchiveDuration, ButtonStyle, ChannelType, CommandInteraction, CreateActionRow,
    CreateButton, CreateInteractionResponse, CreateInteractionResponseMessage, CreateThread,
    EditInteractionResponse, EditThread, Http,
};
use tracing::{info, warn};

use super::custom_id::Action;
use super::effects::{plan, Origin};
use super::opening::{missing_permissions, thread_name};
use super::render::no_mentions;
use super::sessions::LOCK_WAIT;
use super::{act, Bot};
use crate::config::ThreadKind;
use crate::conversation::{Input, OwnerId};
use crate::script::Script;
use crate::store::{Record, StoreError};

pub async fn backup_help(bot: &Bot, http: &Http, command: &CommandInteraction) {
    let script = bot.script(&command.locale);
    let in_thread = command.channel.as_ref().is_some_and(|c| {
        matches!(
            c.kind,
            ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
        )
    });
    let Some(guild) = command.guild_id.filter(|_| !in_thread) else {
        info!("used outside a server channel");
        let reply = CreateInteractionResponseMessage::new()
            .content(&script.messages.use_in_channel)
            .ephemeral(true)
            .allowed_mentions(no_mentions());
        let reply = CreateInteractionResponse::Message(reply);
        if let Err(err) = command.create_response(http, reply).await {
            warn!("could not answer: {err}");
        }
        return;
    };
    // Answer first: creating a thread may take longer than Discord's 3 seconds.
    if let Err(err) = command.defer_ephemeral(http).await {
        warn!("could not acknowledge /backup-help: {err}");
        return;
    }
    let edit = |text: String| {
        EditInteractionResponse::new()
            .content(text)
            .allowed_mentions(no_mentions())
    };
    match bot
        .sessions
        .store
        .open_for(guild.get(), command.user.id.get())
        .await
    {
        Ok(Some(record)) => return already_open(http, command, script, record.thread).await,
        Ok(None) => {}
        Err(err) => {
            warn!("cannot look up walkthroughs: {err}");
            let _ = command
                .edit_response(http, edit(script.messages.try_again.clone()))
                .await;
            return;
        }
    }
    let kind = bot.config.discord.thread;
    if let Some(have) = command.app_permissions {
        let missing = missing_permissions(have, kind);
        if !missing.is_empty() {
            warn!(?missing, channel = %command.channel_id, "missing permissions; no thread opened");
            let text = script
                .messages
                .missing_permissions
                .replace("{permissions}", &missing.join(", "));
            if let Err(err) = command.edit_response(http, edit(text)).await {
                warn!("could not answer: {err}");
            }
            return;
        }
    }
    match open(bot, http, command, guild).await {
        Ok(Opened::New(thread)) => {
            let text = script
                .messages
                .thread_opened
                .replace("{thread}", &format!("<#{thread}>"));
            if let Err(err) = command.edit_response(http, edit(text)).await {
                warn!("could not answer: {err}");
            }
        }
        Ok(Opened::Existing(thread)) => already_open(http, command, script, thread).await,
        Err(err) => {
            warn!("could not open a walkthrough: {err}");
            let _ = command
                .edit_response(http, edit(script.messages.try_again.clone()))
                .await;
        }
    }
}

/// The reply for someone who has a walkthrough open: a link, and a Start over button.
async fn already_open(http: &Http, command: &CommandInteraction, script: &Script, thread: u64) {
    info!(thread, "already has a walkthrough");
    let start_over = CreateButton::new(Action::StartOver.encode())
        .label(&script.messages.start_over)
        .style(ButtonStyle::Secondary);
    let text = script
        .messages
        .already_open
        .replace("{thread}", &format!("<#{thread}>"));
    let reply = EditInteractionResponse::new()
        .content(text)
        .allowed_mentions(no_mentions())
        .components(vec![CreateActionRow::Buttons(vec![start_over])]);
    if let Err(err) = command.edit_response(http, reply).await {
        warn!("could not answer: {err}");
    }
}

enum Opened {
    New(u64),
    /// Another /backup-help by the same person won a race; its thread.
    Existing(u64),
}

#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("Discord: {0}")]
    Discord(#[from] serenity::Error),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// Creates the thread, adds the person, stores the walkthrough and posts the first step.
async fn open(
    bot: &Bot,
    http: &Http,
    command: &CommandInteraction,
    guild: serenity::all::GuildId,
) -> Result<Opened, OpenError> {
    let person = command
        .user
        .global_name
        .as_deref()
        .unwrap_or(&command.user.name);
    let kind = match bot.config.discord.thread {
        ThreadKind::Private => ChannelType::PrivateThread,
        ThreadKind::Public => ChannelType::PublicThread,
    };
    let script = bot.script(&command.locale);
    let mut builder = CreateThread::new(thread_name(&script.name, person))
        .kind(kind)
        .auto_archive_duration(AutoArchiveDuration::OneDay);
    if kind == ChannelType::PrivateThread {
        builder = builder.invitable(false);
    }
    let thread = command.channel_id.create_thread(http, builder).await?;
    thread.id.add_thread_member(http, command.user.id).await?;
    let engine = bot.engine(&command.locale);
    let now = super::now();
    let mut session = engine.new_session(OwnerId(command.user.id.get()), now);
    let reply = engine.apply(&mut session, Input::Start, now);
    let record = Record {
        thread: thread.id.get(),
        guild: guild.get(),
        locale: script.locale.clone(),
        step_message: None,
        idle_due: engine.idle_due(&session),
        session,
    };
    match bot.sessions.store.insert(&record).await {
        Ok(()) => {}
        Err(StoreError::AlreadyOpen) => {
            // Two /backup-help at once: the other one won. Tidy up ours.
            let _ = thread
                .id
                .edit_thread(http, EditThread::new().archived(true))
                .await;
            let existing = bot
                .sessions
                .store
                .open_for(guild.get(), command.user.id.get())
                .await?;
            return Ok(Opened::Existing(
                existing.map_or(thread.id.get(), |r| r.thread),
            ));
        }
        Err(err) => {
            let _ = thread
                .id
                .edit_thread(http, EditThread::new().archived(true))
                .await;
            return Err(err.into());
        }
    }
    info!(thread = %thread.id, "walkthrough opened");
    // Hold the thread until the first step is posted and recorded (see Sessions::lock).
    let _turn = bot.sessions.lock(record.thread, LOCK_WAIT).await;
    act::carry_out(bot, http, &record, plan(&reply, Origin::Typed, None), None).await;
    let events = crate::store::events_for(&record, &reply, None, now);
    bot.sessions.record(&events).await;
    Ok(Opened::New(record.thread))
}
