//! Button clicks: decode the custom_id, check who clicked, apply, answer, carry on.

use serenity::all::{
    ComponentInteraction, CreateInteractionResponseFollowup, EditInteractionResponse, Http,
};
use tracing::{info, warn};

use super::custom_id::Action;
use super::effects::{plan, Effect, Origin};
use super::sessions::LOCK_WAIT;
use super::{act, Bot};
use crate::conversation::OwnerId;
use crate::store::{Record, StoreError};

pub async fn click(bot: &Bot, http: &Http, click: &ComponentInteraction) {
    // Acknowledge at once (a deferred update, type 6): Discord's 3 seconds are met before
    // the database or anything slow is touched. The message is edited and any notice sent as
    // a private follow-up afterwards.
    if let Err(err) = click.defer(http).await {
        warn!("could not acknowledge the click: {err}");
        return;
    }
    let messages = &bot.script(&click.locale).messages;
    let action = match Action::decode(&click.data.custom_id) {
        Ok(action) => action,
        Err(err) => {
            warn!("a button we cannot read: {err}");
            return answer_ephemeral(http, click, messages.unknown_button.clone()).await;
        }
    };
    let record = match find(bot, click).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            info!("click on a walkthrough that is not open");
            return answer_ephemeral(http, click, messages.unknown_button.clone()).await;
        }
        Err(err) => {
            warn!("cannot look up the walkthrough: {err}");
            return answer_ephemeral(http, click, messages.try_again.clone()).await;
        }
    };
    if !may_answer(bot, &record, click) {
        info!(owner = record.session.owner.0, "click by someone else");
        let owner = format!("<@{}>", record.session.owner.0);
        let text = messages.not_yours.replace("{owner}", &owner);
        return answer_ephemeral(http, click, text).await;
    }
    let _turn = bot.sessions.lock(record.thread, LOCK_WAIT).await;
    let in_thread = click.channel_id.get() == record.thread;
    let applied = bot
        .sessions
        .apply(record.thread, action.into_input(), super::now(), |l| {
            bot.engine(l)
        })
        .await;
    let applied = match applied {
        Ok(Some(applied)) => applied,
        Ok(None) => return answer_ephemeral(http, click, messages.unknown_button.clone()).await,
        // Another click or a typed answer saved first: this one changed nothing.
        Err(StoreError::Conflict) => {
            info!("click lost a race; already answered");
            return answer_ephemeral(http, click, messages.already_answered.clone()).await;
        }
        Err(err) => {
            warn!("could not save the click: {err}");
            return answer_ephemeral(http, click, messages.try_again.clone()).await;
        }
    };
    info!(reply = %super::handler::short(&applied.reply), "click");
    let mut effects = plan(&applied.reply, Origin::Click, applied.shown_before.as_ref());
    if !in_thread {
        // Clicked under the private reply to a second /backup-help: remove its button there;
        // the thread gets the rest.
        effects.retain(|e| !matches!(e, Effect::UpdateClicked { .. }));
        let edit = EditInteractionResponse::new().components(Vec::new());
        if let Err(err) = click.edit_response(http, edit).await {
            warn!("could not update the clicked message: {err}");
        }
    }
    let outcome = act::carry_out(bot, http, &applied.record, effects, Some(click)).await;
    bot.sessions.record(&applied.events).await;
    if outcome.refused {
        // The click was answered, but the next step could not be posted: say why, privately.
        let text = messages
            .missing_permissions
            .replace("{permissions}", "Send Messages in Threads, Embed Links");
        let follow_up = CreateInteractionResponseFollowup::new()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(super::render::no_mentions());
        if let Err(err) = click.create_followup(http, follow_up).await {
            warn!("could not tell the person the post was refused: {err}");
        }
    }
}

/// The walkthrough in the thread clicked in; the "Start over" under a second /backup-help
/// reply is clicked elsewhere and finds it through its owner.
async fn find(bot: &Bot, click: &ComponentInteraction) -> Result<Option<Record>, StoreError> {
    if let Some(record) = bot.sessions.store.by_thread(click.channel_id.get()).await? {
        return Ok(Some(record));
    }
    match click.guild_id {
        Some(guild) => {
            bot.sessions
                .store
                .open_for(guild.get(), click.user.id.get())
                .await
        }
        None => Ok(None),
    }
}

/// The owner, or a member of a staff role.
fn may_answer(bot: &Bot, record: &Record, click: &ComponentInteraction) -> bool {
    if record.session.owner == OwnerId(click.user.id.get()) {
        return true;
    }
    let staff = &bot.config.discord.staff_roles;
    click
        .member
        .as_ref()
        .is_some_and(|m| m.roles.iter().any(|r| staff.contains(&r.get())))
}

async fn answer_ephemeral(http: &Http, click: &ComponentInteraction, text: String) {
    if let Err(err) = act::ephemeral(http, click, text).await {
        warn!("could not answer the click: {err}");
    }
}
