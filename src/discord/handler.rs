//! The gateway events the bot listens to, each handed to its own function.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    Command, Context, CreateCommand, EventHandler, GuildChannel, GuildId, Interaction, Message,
    Ready,
};
use serenity::async_trait;
use tracing::{info, info_span, warn, Instrument};

use super::effects::{plan, Origin};
use super::{act, commands, components, Bot};
use crate::conversation::{Input, OwnerId};
use crate::store::StoreError;

pub struct Handler {
    bot: Arc<Bot>,
}

impl Handler {
    pub fn new(bot: Arc<Bot>) -> Self {
        Handler { bot }
    }
}

/// The one slash command.
pub const COMMAND: &str = "backup-help";

fn command() -> CreateCommand {
    CreateCommand::new(COMMAND)
        .description("Step-by-step help when your iPhone won't back up to iCloud")
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        // Bulk overwrite: registering is idempotent, however often the bot restarts.
        let guilds = &self.bot.config.discord.guilds;
        if guilds.is_empty() {
            match Command::set_global_commands(&ctx.http, vec![command()]).await {
                Ok(_) => info!("/{COMMAND} registered globally (may take up to an hour to show)"),
                Err(err) => warn!("could not register /{COMMAND} globally: {err}"),
            }
        }
        for guild in guilds {
            let guild = GuildId::new((*guild).max(1));
            match guild.set_commands(&ctx.http, vec![command()]).await {
                Ok(_) => info!(%guild, "/{COMMAND} registered"),
                Err(err) => warn!(%guild, "could not register /{COMMAND}: {err}"),
            }
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) if command.data.name == COMMAND => {
                let span =
                    info_span!("command", guild = ?command.guild_id, user = %command.user.id);
                commands::backup_help(&self.bot, &ctx.http, &command)
                    .instrument(span)
                    .await;
            }
            Interaction::Component(click) => {
                let span = info_span!("click", guild = ?click.guild_id, user = %click.user.id,
                    custom_id = %click.data.custom_id);
                components::click(&self.bot, &ctx.http, &click)
                    .instrument(span)
                    .await;
            }
            _ => {}
        }
    }

    async fn message(&self, ctx: Context, message: Message) {
        if message.author.bot || !self.bot.typed_answers.load(Ordering::Relaxed) {
            return;
        }
        let bot = &self.bot;
        let thread = message.channel_id.get();
        let record = match bot.sessions.store.by_thread(thread).await {
            Ok(Some(record)) => record,
            Ok(None) => return,
            Err(err) => {
                warn!(thread, "cannot look up a walkthrough: {err}");
                return;
            }
        };
        // Only the person's own words move their walkthrough; staff may chat freely.
        if record.session.owner != OwnerId(message.author.id.get()) || message.content.is_empty() {
            return;
        }
        let span = info_span!("typed", guild = ?message.guild_id, user = %message.author.id,
            step = ?record.session.current_step().map(|s| s.to_string()));
        async {
            // Wait for whatever the thread is doing (posting the step just answered).
            let _turn = bot.sessions.lock(thread, Duration::from_secs(30)).await;
            let input = Input::Text(message.content.clone());
            match bot
                .sessions
                .apply(thread, input, super::now(), |l| bot.engine(l))
                .await
            {
                Ok(Some(applied)) => {
                    info!(reply = %short(&applied.reply), "typed answer");
                    let effects =
                        plan(&applied.reply, Origin::Typed, applied.shown_before.as_ref());
                    act::carry_out(bot, &ctx.http, &applied.record, effects, None).await;
                    bot.sessions.record(&applied.events).await;
                }
                Ok(None) => {}
                Err(StoreError::Conflict) => {
                    info!("a typed answer lost a race with another; ignored")
                }
                Err(err) => {
                    warn!("could not save a typed answer: {err}");
                    let text = bot.script(&record.locale).messages.try_again.clone();
                    act::notify(bot, &ctx.http, message.channel_id, text).await;
                }
            }
        }
        .instrument(span)
        .await;
    }

    async fn thread_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        let archived = new.thread_metadata.is_some_and(|m| m.archived);
        self.bot.set_archived(new.id, archived);
    }
}

/// A reply without its summary, for log lines.
pub fn short(reply: &crate::conversation::Reply) -> String {
    use crate::conversation::Reply;
    match reply {
        Reply::HandedOff {
            ending, summary, ..
        } => {
            format!("HandedOff({ending}, {} answers)", summary.len())
        }
        other => format!("{other:?}"),
    }
}
