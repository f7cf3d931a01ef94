//! Button clicks: decode the custom_id, check who clicked, apply, answer, carry on.

use serenity::all::{
    ComponentInteraction, CreateInteractionResponse, CreateInteractionResponseMessage, Http,
};
use tracing::{info, warn};

use super::custom_id::Action;
use super::effects::{plan, Effect, Origin};
use super::sessions::Entry;
use super::{act, Bot};
use crate::conversation::OwnerId;

pub async fn click(bot: &Bot, http: &Http, click: &ComponentInteraction) {
    let script = bot.script(&click.locale);
    let action = match Action::decode(&click.data.custom_id) {
        Ok(action) => action,
        Err(err) => {
            warn!("a button we cannot read: {err}");
            answer_ephemeral(http, click, script.messages.unknown_button.clone()).await;
            return;
        }
    };
    // The session lives in the thread clicked in; the "Start over" under a second
    // /backup-help reply is clicked elsewhere and finds it through its owner.
    let entry = bot.sessions.by_thread(click.channel_id).or_else(|| {
        let guild = click.guild_id?;
        bot.sessions.open_for(guild, click.user.id)
    });
    let Some(entry) = entry else {
        info!("click on a walkthrough that is not open");
        answer_ephemeral(http, click, script.messages.unknown_button.clone()).await;
        return;
    };
    if !may_answer(bot, &entry, click) {
        info!(owner = entry.session.owner.0, "click by someone else");
        let owner = format!("<@{}>", entry.session.owner.0);
        let text = script.messages.not_yours.replace("{owner}", &owner);
        answer_ephemeral(http, click, text).await;
        return;
    }
    let in_thread = click.channel_id == entry.thread;
    let input = action.into_input();
    let applied = bot
        .sessions
        .apply(entry.thread, input, super::now(), |l| Some(bot.engine(l)));
    let Some(applied) = applied else {
        answer_ephemeral(http, click, script.messages.unknown_button.clone()).await;
        return;
    };
    info!(reply = %super::handler::short(&applied.reply), "click");
    let shown = applied.shown_before.clone();
    let mut effects = plan(&applied.reply, Origin::Click, shown.as_ref());
    if !in_thread {
        // Clicked under the ephemeral reply: answer there by removing its button.
        effects.retain(|e| !matches!(e, Effect::UpdateClicked { .. }));
        let update = CreateInteractionResponseMessage::new().components(Vec::new());
        if let Err(err) = click
            .create_response(http, CreateInteractionResponse::UpdateMessage(update))
            .await
        {
            warn!("could not answer the click: {err}");
        }
    }
    act::carry_out(bot, http, &applied.entry, effects, Some(click)).await;
}

/// The owner, or a member of a staff role.
fn may_answer(bot: &Bot, entry: &Entry, click: &ComponentInteraction) -> bool {
    if entry.session.owner == OwnerId(click.user.id.get()) {
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
