//! Button clicks: decode the custom_id, check who clicked, apply, answer, carry on.

use std::time::Instant;

use serenity::all::{ComponentInteraction, Http};
use tracing::{info, warn};

use super::act::{self, DiscordOutlet};
use super::custom_id::Action;
use super::state::Bot;
use crate::conversation::OwnerId;
use crate::ids::{GuildId, ThreadId};
use crate::store::{Record, StoreError};
use crate::walkthrough::{EffectError, Origin};

pub async fn click(bot: &Bot, http: &Http, click: &ComponentInteraction) {
    let arrived = Instant::now();
    // Acknowledge at once (a deferred update, type 6): Discord's 3 seconds are met before
    // the database or anything slow is touched. The message is edited and any notice sent as
    // a private follow-up afterwards.
    if let Err(err) = act::counted(bot.metrics(), click.defer(http).await) {
        warn!("could not acknowledge the click: {err}");
        return;
    }
    bot.metrics().acknowledged(arrived.elapsed());
    let messages = &bot.script(&click.locale).messages;
    let action = match Action::decode(&click.data.custom_id) {
        Ok(action) => action,
        Err(err) => {
            warn!("a button we cannot read: {err}");
            return answer_ephemeral(bot, http, click, messages.unknown_button.clone()).await;
        }
    };
    let record = match find(bot, click).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            info!("click on a walkthrough that is not open");
            return answer_ephemeral(bot, http, click, messages.unknown_button.clone()).await;
        }
        Err(err) => {
            warn!("cannot look up the walkthrough: {err}");
            return answer_ephemeral(bot, http, click, messages.try_again.clone()).await;
        }
    };
    if !may_answer(bot, &record, click) {
        info!(owner = %record.session.owner, "click by someone else");
        let owner = format!("<@{}>", record.session.owner);
        let text = messages.not_yours.replace("{owner}", &owner);
        return answer_ephemeral(bot, http, click, text).await;
    }
    let out = DiscordOutlet {
        click: Some(click),
        ..DiscordOutlet::new(bot, http)
    };
    let input = Some(action.into_input());
    let turned = match bot
        .walkthroughs
        .turn(record.thread, input, Origin::Click, &out)
        .await
    {
        Ok(Some(turned)) => turned,
        Ok(None) => {
            return answer_ephemeral(bot, http, click, messages.unknown_button.clone()).await
        }
        // Another click or a typed answer saved first: this one changed nothing.
        Err(StoreError::Conflict) => {
            info!("click lost a race; already answered");
            return answer_ephemeral(bot, http, click, messages.already_answered.clone()).await;
        }
        Err(err) => {
            warn!("could not save the click: {err}");
            return answer_ephemeral(bot, http, click, messages.try_again.clone()).await;
        }
    };
    if let Some(reply) = &turned.reply {
        info!(reply = %reply.brief(), "click");
    }
    if let Some(EffectError::Refused(missing)) = &turned.failure {
        // The click was answered, but what follows could not be posted: say why, privately.
        let text = messages
            .missing_permissions
            .replace("{permissions}", missing);
        answer_ephemeral(bot, http, click, text).await;
    }
}

/// The walkthrough in the thread clicked in; the "Start over" under a second /backup-help
/// reply is clicked elsewhere and finds it through its owner.
async fn find(bot: &Bot, click: &ComponentInteraction) -> Result<Option<Record>, StoreError> {
    let store = &bot.walkthroughs.store;
    if let Some(thread) = ThreadId::new(click.channel_id.get()) {
        if let Some(record) = store.by_thread(thread).await? {
            return Ok(Some(record));
        }
    }
    let guild = click.guild_id.and_then(|g| GuildId::new(g.get()));
    match (guild, OwnerId::new(click.user.id.get())) {
        (Some(guild), Some(owner)) => store.open_for(guild, owner).await,
        _ => Ok(None),
    }
}

/// The owner, or a member of a staff role.
fn may_answer(bot: &Bot, record: &Record, click: &ComponentInteraction) -> bool {
    if OwnerId::new(click.user.id.get()) == Some(record.session.owner) {
        return true;
    }
    let staff = &bot.config.discord.staff_roles;
    click.member.as_ref().is_some_and(|m| {
        m.roles
            .iter()
            .any(|r| staff.iter().any(|s| s.get() == r.get()))
    })
}

async fn answer_ephemeral(bot: &Bot, http: &Http, click: &ComponentInteraction, text: String) {
    if let Err(err) = act::ephemeral(&bot.walkthroughs.metrics, http, click, text).await {
        warn!("could not answer the click: {err}");
    }
}
