//! The gateway events the bot listens to, each handed to its own function.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serenity::all::{
    Command, CommandOptionType, Context, CreateCommand, CreateCommandOption, EventHandler,
    GuildChannel, GuildId, Http, InstallationContext, Interaction, InteractionContext, Message,
    PartialGuildChannel, Ready, ResumedEvent,
};
use serenity::async_trait;
use tracing::{debug, info, info_span, warn, Instrument};

use super::custom_id::Action;
use super::state::Bot;
use super::{commands, components, forget};
use crate::config::ShardRange;
use crate::ids::{ThreadId, UserId};
use crate::store::LineKind;

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

/// Every locale Discord's clients may be set to (Discord's reference, "Locales").
const DISCORD_LOCALES: [&str; 32] = [
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// What the command says of itself where no script does.
const DESCRIPTION: &str = "Step-by-step help when your iPhone won't back up to iCloud";

/// `/backup-help`, described in the command picker in each language a script speaks.
pub(super) fn command(bot: &Bot) -> CreateCommand {
    let default = bot.script(&bot.config.default_locale);
    let described = |s: &crate::script::Script| {
        let text = s.messages.command_description.trim().to_string();
        (!text.is_empty()).then_some(text)
    };
    let description = described(&default).unwrap_or_else(|| DESCRIPTION.to_string());
    let mut command = CreateCommand::new(COMMAND)
        .description(description)
        // A walkthrough opens a thread in a server channel: Discord should never offer the
        // command in DMs or to someone who installed the app for themselves.
        .contexts(vec![InteractionContext::Guild])
        .integration_types(vec![InstallationContext::Guild])
        .add_option(forget_option(bot));
    for locale in DISCORD_LOCALES {
        let script = bot.script(locale);
        if script.locale != default.locale {
            if let Some(text) = described(&script) {
                command = command.description_localized(locale, text);
            }
        }
    }
    command
}

/// `forget: True` asks to erase what the bot keeps about the caller; described in the
/// command picker in each language a script speaks.
fn forget_option(bot: &Bot) -> CreateCommandOption {
    let default = bot.script(&bot.config.default_locale);
    let description = &default.messages.forget_option;
    let mut option =
        CreateCommandOption::new(CommandOptionType::Boolean, forget::OPTION, description)
            .required(false);
    for locale in DISCORD_LOCALES {
        let script = bot.script(locale);
        if script.locale != default.locale {
            option = option.description_localized(locale, &script.messages.forget_option);
        }
    }
    option
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(bot = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        if !self.bot.first_ready(ctx.shard_id.0) {
            // A shard identifying again (its session could not be resumed).
            self.bot.metrics().reconnected();
        }
        // A new session: what was typed meanwhile was never delivered to this one.
        let shards = ready.shard.map(|s| ShardRange {
            first: s.id.0,
            count: 1,
            total: s.total,
        });
        let catching_up = super::catch_up::catch_up(self.bot.clone(), ctx.http.clone(), shards);
        tokio::spawn(catching_up);
        // Bulk overwrite: registering is idempotent, however often the bot restarts.
        let guilds = &self.bot.config.discord.guilds;
        if guilds.is_empty() {
            match Command::set_global_commands(&ctx.http, vec![command(&self.bot)]).await {
                Ok(_) => info!("/{COMMAND} registered globally (may take up to an hour to show)"),
                Err(err) => warn!("could not register /{COMMAND} globally: {err}"),
            }
        }
        for guild in guilds {
            let guild = GuildId::new(guild.get());
            match guild
                .set_commands(&ctx.http, vec![command(&self.bot)])
                .await
            {
                Ok(_) => info!(%guild, "/{COMMAND} registered"),
                Err(err) => warn!(%guild, "could not register /{COMMAND}: {err}"),
            }
        }
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        info!("gateway session resumed");
        self.bot.metrics().reconnected();
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        // Handled in a task of its own, so serenity's task for the event, which holds the
        // whole gateway event (kilobytes), ends at once: a click may wait seconds for a
        // Discord that is slow, and thousands may wait together.
        let bot = Arc::clone(&self.bot);
        tokio::spawn(async move { on_interaction(&bot, &ctx.http, interaction).await });
    }

    async fn message(&self, ctx: Context, message: Message) {
        if message.author.bot || !self.bot.typed_answers.load(Ordering::Relaxed) {
            return;
        }
        let bot = &self.bot;
        // Only threads of open walkthroughs can hold an answer: other channels' messages
        // never reach the store.
        let Some(thread) = ThreadId::new(message.channel_id.get()) else {
            return;
        };
        // Who wrote, as the server shows them: read only for a transcript line.
        let author = || {
            message
                .member
                .as_ref()
                .and_then(|m| m.nick.as_deref())
                .or(message.author.global_name.as_deref())
                .unwrap_or(&message.author.name)
                .to_string()
        };
        if bot.walkthroughs.is_case(thread) {
            // Handed off: whoever writes, it is the conversation with the support team.
            let kind = match bot.walkthroughs.record(thread).await {
                Ok(Some(r)) if UserId::new(message.author.id.get()) == Some(r.session.owner) => {
                    LineKind::Typed
                }
                _ => LineKind::Staff,
            };
            bot.walkthroughs
                .transcribe_message(thread, kind, &author(), &message.content)
                .await;
            return;
        }
        let Some(holder) = bot.walkthroughs.holder(thread) else {
            return;
        };
        // Only the person's own words move their walkthrough; staff may chat freely (and
        // what they write is kept in the transcript).
        if UserId::new(message.author.id.get()) != Some(holder.owner) {
            if !message.content.is_empty() {
                bot.walkthroughs
                    .transcribe_message(thread, LineKind::Staff, &author(), &message.content)
                    .await;
            }
            return;
        }
        if message.content.is_empty() {
            return;
        }
        // In a task of its own, as an interaction is (see `interaction_create`).
        let bot = Arc::clone(bot);
        tokio::spawn(async move {
            let locale = &holder.locale;
            super::typed::typed_answer(&bot, &ctx.http, &message, thread, locale).await;
        });
    }

    async fn thread_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        let archived = new.thread_metadata.is_some_and(|m| m.archived);
        self.bot.set_archived(new.id, archived);
        debug!(thread = new.id.get(), archived, "thread updated");
    }

    async fn thread_delete(
        &self,
        _ctx: Context,
        thread: PartialGuildChannel,
        _full: Option<GuildChannel>,
    ) {
        let Some(id) = ThreadId::new(thread.id.get()) else {
            return;
        };
        self.bot.set_archived(thread.id, false);
        if let Err(err) = self.bot.walkthroughs.thread_deleted(id).await {
            warn!(thread = %id, "could not close the walkthrough of a deleted thread: {err}");
        }
    }
}

/// One interaction, taken unless the bot is stopping (then it is left unanswered: the person
/// clicks again once the bot is back).
async fn on_interaction(bot: &Bot, http: &Http, interaction: Interaction) {
    let Some(_entered) = bot.in_flight.enter() else {
        debug!("stopping: an interaction is left unanswered");
        return;
    };
    match &interaction {
        Interaction::Command(command) if command.data.name == COMMAND => {
            let guild = command.guild_id.map(|g| g.get());
            let span = info_span!("command", guild, user = command.user.id.get());
            // Boxed, as each arm's work is: a future is as large as its largest arm.
            Box::pin(commands::backup_help(bot, http, command).instrument(span)).await;
        }
        Interaction::Modal(modal) if modal.data.custom_id == Action::Comment.encode() => {
            let guild = modal.guild_id.map(|g| g.get());
            let span = info_span!("comment", guild, user = modal.user.id.get());
            Box::pin(super::staff::comment(bot, http, modal).instrument(span)).await;
        }
        Interaction::Component(click) => {
            // The walkthrough's thread is recorded once the click is traced to one.
            let guild = click.guild_id.map(|g| g.get());
            let span = info_span!("click", guild, user = click.user.id.get(),
                    thread = tracing::field::Empty, custom_id = %click.data.custom_id);
            Box::pin(components::click(bot, http, click).instrument(span)).await;
        }
        _ => {}
    }
}
