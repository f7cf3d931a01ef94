//! `/backup-help`: open a thread for the person, or point them to the one they have.

use serenity::all::{
    AutoArchiveDuration, ButtonStyle, ChannelType, CommandInteraction, CreateActionRow,
    CreateButton, CreateInteractionResponse, CreateInteractionResponseMessage, CreateThread,
    EditInteractionResponse, Http,
};
use tracing::{info, warn};

use super::custom_id::Action;
use super::effects::{plan, Origin};
use super::opening::{missing_permissions, thread_name};
use super::render::no_mentions;
use super::sessions::Entry;
use super::{act, Bot};
use crate::config::ThreadKind;
use crate::conversation::{Input, OwnerId};

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
    if let Some(entry) = bot.sessions.open_for(guild, command.user.id) {
        info!(thread = %entry.thread, "already has a walkthrough");
        let start_over = CreateButton::new(Action::StartOver.encode())
            .label(&script.messages.start_over)
            .style(ButtonStyle::Secondary);
        let text = script
            .messages
            .already_open
            .replace("{thread}", &format!("<#{}>", entry.thread));
        let reply = edit(text).components(vec![CreateActionRow::Buttons(vec![start_over])]);
        if let Err(err) = command.edit_response(http, reply).await {
            warn!("could not answer: {err}");
        }
        return;
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
        Ok(entry) => {
            let text = script
                .messages
                .thread_opened
                .replace("{thread}", &format!("<#{}>", entry.thread));
            if let Err(err) = command.edit_response(http, edit(text)).await {
                warn!("could not answer: {err}");
            }
        }
        Err(err) => warn!("could not open a walkthrough: {err}"),
    }
}

/// Creates the thread, adds the person, starts the session and posts the first step.
async fn open(
    bot: &Bot,
    http: &Http,
    command: &CommandInteraction,
    guild: serenity::all::GuildId,
) -> serenity::Result<Entry> {
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
    let name = thread_name(&script.name, person);
    let mut builder = CreateThread::new(name)
        .kind(kind)
        .auto_archive_duration(AutoArchiveDuration::OneDay);
    if kind == ChannelType::PrivateThread {
        builder = builder.invitable(false);
    }
    let thread = command.channel_id.create_thread(http, builder).await?;
    thread.id.add_thread_member(http, command.user.id).await?;
    info!(thread = %thread.id, "walkthrough opened");
    let engine = bot.engine(&command.locale);
    let mut session = engine.new_session(OwnerId(command.user.id.get()), super::now());
    let reply = engine.apply(&mut session, Input::Start, super::now());
    let entry = Entry {
        session,
        guild,
        thread: thread.id,
        locale: script.locale.clone(),
        step_message: None,
    };
    bot.sessions.insert(entry.clone());
    act::carry_out(bot, http, &entry, plan(&reply, Origin::Typed, None), None).await;
    Ok(entry)
}
