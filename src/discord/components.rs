//! Button clicks: decode the custom_id, check who clicked, apply, answer, carry on.

use std::time::Instant;

use serenity::all::{ComponentInteraction, Http};
use tracing::{info, warn};

use super::act::DiscordOutlet;
use super::custom_id::Action;
use super::respond::Response;
use super::state::Bot;
use crate::ids::UserId;
use crate::ids::{GuildId, ThreadId};
use crate::store::StoreError;
use crate::walkthrough::{EffectError, Origin};

pub async fn click(bot: &Bot, http: &Http, click: &ComponentInteraction) {
    // The click's one response carries what it leads to, if that is ready in time; else the
    // watchdog acknowledges it first (see `respond`).
    let response = Response::new(click, http, bot.rest(), Instant::now());
    let both = async { tokio::join!(handle(bot, http, &response), response.watch()) };
    crate::timing::timed("click", click.id.get(), both).await;
}

async fn handle(bot: &Bot, http: &Http, response: &Response<'_>) {
    answer(bot, http, response).await;
    // Whatever the click led to, it is acknowledged.
    response.defer().await;
}

async fn answer(bot: &Bot, http: &Http, response: &Response<'_>) {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let action = match Action::decode(&click.data.custom_id) {
        Ok(action) => action,
        Err(err) => {
            warn!("a button we cannot read: {err}");
            return answer_ephemeral(response, messages.unknown_button.clone()).await;
        }
    };
    if let Action::Forget { user } = action {
        return Box::pin(super::forget::click(bot, http, response, user)).await;
    }
    let Some(input) = action.clone().into_input() else {
        // Not an answer: the support team's buttons, or a rating.
        return Box::pin(super::staff::click(bot, http, response, action)).await;
    };
    let found = find(bot, click).await;
    if let Ok(Some((thread, _))) = &found {
        tracing::Span::current().record("thread", thread.get());
    }
    let (thread, owner) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            info!("click on a walkthrough that is not open");
            return answer_ephemeral(response, messages.unknown_button.clone()).await;
        }
        Err(err) => {
            warn!("cannot look up the walkthrough: {err}");
            return answer_ephemeral(response, messages.try_again.clone()).await;
        }
    };
    if !may_answer(bot, owner, click) {
        info!(%owner, "click by someone else");
        let text = messages.not_yours_but(&super::render::user_mention(owner));
        return answer_ephemeral(response, text).await;
    }
    let out = DiscordOutlet {
        response: Some(response),
        ..DiscordOutlet::new(bot, http)
    };
    let input = Some(input);
    let turned = match Box::pin(bot.walkthroughs.turn(thread, input, Origin::Click, &out)).await {
        Ok(Some(turned)) => turned,
        Ok(None) => return answer_ephemeral(response, messages.unknown_button.clone()).await,
        // Another click or a typed answer saved first: this one changed nothing.
        Err(StoreError::Conflict) => {
            info!("click lost a race; already answered");
            return answer_ephemeral(response, messages.already_answered.clone()).await;
        }
        Err(err) => {
            warn!("could not save the click: {err}");
            return answer_ephemeral(response, messages.try_again.clone()).await;
        }
    };
    if let Some(reply) = &turned.reply {
        info_reply!(reply, "click");
    }
    if let Some(EffectError::Refused(missing)) = &turned.failure {
        // The click was answered, but what follows could not be posted: say why, privately.
        let text = messages.missing(missing);
        answer_ephemeral(response, text).await;
    }
}

/// The walkthrough clicked in, by its thread and owner: an open one this process knows of
/// needs no trip to the store (the turn reads it anyway); an ended one, or one another
/// process opened, is looked up. The "Start over" under a second /backup-help reply is
/// clicked elsewhere and finds it through its owner.
async fn find(
    bot: &Bot,
    click: &ComponentInteraction,
) -> Result<Option<(ThreadId, UserId)>, StoreError> {
    let walkthroughs = &bot.walkthroughs;
    if let Some(thread) = ThreadId::new(click.channel_id.get()) {
        if let Some(holder) = bot.walkthroughs.holder(thread) {
            return Ok(Some((thread, holder.owner)));
        }
        if let Some(record) = walkthroughs.record(thread).await? {
            return Ok(Some((record.thread, record.session.owner)));
        }
    }
    let guild = click.guild_id.and_then(|g| GuildId::new(g.get()));
    let found = match (guild, UserId::new(click.user.id.get())) {
        (Some(guild), Some(owner)) => walkthroughs.open_for(guild, owner).await?,
        _ => None,
    };
    Ok(found.map(|record| (record.thread, record.session.owner)))
}

/// The owner, or a member of a staff role.
fn may_answer(bot: &Bot, owner: UserId, click: &ComponentInteraction) -> bool {
    if UserId::new(click.user.id.get()) == Some(owner) {
        return true;
    }
    let staff = &bot.config.discord.staff_roles;
    click.member.as_ref().is_some_and(|m| {
        m.roles
            .iter()
            .any(|r| staff.iter().any(|s| s.get() == r.get()))
    })
}

async fn answer_ephemeral(response: &Response<'_>, text: String) {
    if let Err(err) = Box::pin(response.ephemeral(text)).await {
        warn!("could not answer the click: {err}");
    }
}
