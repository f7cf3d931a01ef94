//! `/backup-help`: open a thread for the person, or point them to the one they have (with
//! `forget: True`, the erasure of their data is offered instead: see `forget`).

use std::time::Instant;

use serenity::all::{
    ButtonStyle, ChannelType, CommandInteraction, CreateActionRow, CreateButton,
    CreateInteractionResponse, CreateInteractionResponseMessage, EditInteractionResponse, Http,
};
use tracing::{info, warn};

use super::act::DiscordOutlet;
use super::custom_id::Action;
use super::gate::Priority;
use super::opening::missing_permissions;
use super::render::{channel_link, no_mentions};
use super::rest::edit_reply;
use super::state::Bot;
use crate::ids::UserId;
use crate::ids::{GuildId, ThreadId};
use crate::script::Script;
use crate::walkthrough::{EffectError, OpenError, Opened};

pub async fn backup_help(bot: &Bot, http: &Http, command: &CommandInteraction) {
    if super::forget::asked(command) {
        return super::forget::offer(bot, http, command).await;
    }
    let arrived = Instant::now();
    let script = &*bot.script(&command.locale);
    let in_thread = command.channel.as_ref().is_some_and(|c| {
        matches!(
            c.kind,
            ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
        )
    });
    let guild = command
        .guild_id
        .filter(|_| !in_thread)
        .and_then(|g| GuildId::new(g.get()));
    let (Some(guild), Some(owner)) = (guild, UserId::new(command.user.id.get())) else {
        info!("used outside a server channel");
        let reply = CreateInteractionResponseMessage::new()
            .content(&script.messages.use_in_channel)
            .ephemeral(true)
            .allowed_mentions(no_mentions());
        let reply = CreateInteractionResponse::Message(reply);
        let answered = bot
            .rest()
            .once(Priority::Acknowledge, command.create_response(http, reply));
        match answered.await {
            Ok(()) => bot.metrics().acknowledged(arrived.elapsed()),
            Err(err) => warn!("could not answer: {err}"),
        }
        return;
    };
    // Acknowledged at once (creating a thread may take longer than Discord's 3 seconds),
    // while the walkthrough opens: the first step does not wait for the acknowledgement's
    // round trip, only the private reply with the link does.
    let acknowledge = async {
        let deferred = bot
            .rest()
            .once(Priority::Acknowledge, command.defer_ephemeral(http));
        match deferred.await {
            Ok(()) => {
                bot.metrics().acknowledged(arrived.elapsed());
                true
            }
            Err(err) => {
                warn!("could not acknowledge /backup-help: {err}");
                false
            }
        }
    };
    let (acknowledged, edit) = tokio::join!(acknowledge, open(bot, http, command, guild, owner));
    if acknowledged {
        answer(bot, http, command, edit).await;
    }
}

/// Opens (or finds) the person's walkthrough; the private reply that says so.
async fn open(
    bot: &Bot,
    http: &Http,
    command: &CommandInteraction,
    guild: GuildId,
    owner: UserId,
) -> EditInteractionResponse {
    let script = &*bot.script(&command.locale);
    let reply = |text: String| {
        EditInteractionResponse::new()
            .content(text)
            .allowed_mentions(no_mentions())
    };
    if let Some(have) = command.app_permissions {
        let missing = missing_permissions(have, bot.config.discord.thread);
        if !missing.is_empty() {
            warn!(?missing, channel = %command.channel_id, "missing permissions; no thread opened");
            return reply(refused(script, &missing.join(", ")));
        }
    }
    let out = DiscordOutlet {
        command: Some(command),
        ..DiscordOutlet::new(bot, http)
    };
    let opened = bot
        .walkthroughs
        .open(
            guild,
            owner,
            &command.locale,
            command.guild_locale.as_deref(),
            &out,
        )
        .await;
    match opened {
        Ok(Opened::New(thread)) => reply(script.messages.thread_opened_at(&channel_link(thread))),
        Ok(Opened::Existing(thread)) => already_open(script, thread),
        Err(OpenError::Thread(EffectError::Refused(missing)))
        | Err(OpenError::NotDelivered(EffectError::Refused(missing))) => {
            warn!(%missing, channel = %command.channel_id, "Discord refused; no walkthrough opened");
            reply(refused(script, &missing))
        }
        Err(err) => {
            warn!("could not open a walkthrough: {err}");
            reply(script.messages.try_again.clone())
        }
    }
}

fn refused(script: &Script, missing: &str) -> String {
    script.messages.missing(missing)
}

async fn answer(
    bot: &Bot,
    http: &Http,
    command: &CommandInteraction,
    reply: EditInteractionResponse,
) {
    if let Err(err) = edit_reply(bot.rest(), http, command, reply).await {
        warn!("could not answer /backup-help: {err}");
    }
}

/// The reply for someone who has a walkthrough open: a link, and a Start over button.
fn already_open(script: &Script, thread: ThreadId) -> EditInteractionResponse {
    info!(%thread, "already has a walkthrough");
    let start_over = CreateButton::new(Action::StartOver.encode())
        .label(&script.messages.start_over)
        .style(ButtonStyle::Secondary);
    EditInteractionResponse::new()
        .content(script.messages.already_open_at(&channel_link(thread)))
        .allowed_mentions(no_mentions())
        .components(vec![CreateActionRow::Buttons(vec![start_over])])
}
