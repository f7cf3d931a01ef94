//! A person erases what the bot keeps about them, without staff help.
//!
//! `/backup-help forget: True` answers privately with what erasing removes and what stays,
//! under an "Erase my data" button that names the person. Their own click erases through the
//! walkthrough service and says what went; anyone else's is refused. The erasure clears the
//! ids of the erased cases' staff cards, and hands them back: each card is then edited once to
//! say that the person asked for their data to be erased, with no name, no summary, no
//! transcript and no buttons. That edit is best effort: a card that cannot be edited now is
//! logged with its ids, for someone to delete by hand.

use std::time::Instant;

use serenity::all::{
    ButtonStyle, ChannelId, CommandDataOptionValue, CommandInteraction, CreateActionRow,
    CreateButton, CreateInteractionResponse, CreateInteractionResponseMessage, EditMessage, Http,
    MessageId,
};
use tracing::{info, warn};

use super::custom_id::Action;
use super::gate::Priority;
use super::render::{no_mentions, user_mention};
use super::respond::Response;
use super::state::Bot;
use crate::ids::UserId;
use crate::layout::limits;
use crate::script::Messages;
use crate::store::{ErasedCard, Forgotten};

/// The option of `/backup-help` that asks for the erasure.
pub const OPTION: &str = "forget";

/// Whether `/backup-help` was run with `forget: True`.
pub fn asked(command: &CommandInteraction) -> bool {
    command
        .data
        .options
        .iter()
        .any(|o| o.name == OPTION && o.value == CommandDataOptionValue::Boolean(true))
}

/// The private answer to `/backup-help forget: True`: what goes, what stays, and the button.
/// Nothing is erased yet.
pub async fn offer(bot: &Bot, http: &Http, command: &CommandInteraction) {
    let arrived = Instant::now();
    let Some(user) = UserId::new(command.user.id.get()) else {
        return;
    };
    let reply = confirmation(&bot.script(&command.locale).messages, user);
    let sent = command.create_response(http, CreateInteractionResponse::Message(reply));
    match bot.rest().once(Priority::Acknowledge, sent).await {
        Ok(()) => {
            bot.metrics().acknowledged(arrived.elapsed());
            info!("asked to erase their data: the confirmation is shown");
        }
        Err(err) => warn!("could not answer /backup-help forget: {err}"),
    }
}

fn confirmation(m: &Messages, user: UserId) -> CreateInteractionResponseMessage {
    let button = CreateButton::new(Action::Forget { user }.encode())
        .label(&m.forget_button)
        .style(ButtonStyle::Danger);
    CreateInteractionResponseMessage::new()
        .content(&m.forget_confirm)
        .ephemeral(true)
        .allowed_mentions(no_mentions())
        .components(vec![CreateActionRow::Buttons(vec![button])])
}

/// A click on "Erase my data" of `user`: erased if it is theirs, and the confirmation
/// replaced by what went; then their erased cases' cards are edited. A second click finds
/// nothing left, and says so.
pub async fn click(bot: &Bot, http: &Http, response: &Response<'_>, user: UserId) {
    let clicked = response.click();
    let m = &bot.script(&clicked.locale).messages;
    if UserId::new(clicked.user.id.get()) != Some(user) {
        info!(%user, "someone else pressed a person's Erase my data: refused");
        answer(response, m.forget_only(&user_mention(user))).await;
        return;
    }
    let forgotten = match bot.walkthroughs.forget(user).await {
        Ok(forgotten) => forgotten,
        Err(err) => {
            warn!("could not erase a person's data at their request: {err}");
            answer(response, m.try_again.clone()).await;
            return;
        }
    };
    if let Err(err) = response.replace(what_went(m, &forgotten)).await {
        warn!("could not tell the person what was erased: {err}");
    }
    edit_cards(bot, http, &forgotten.erased.cards, Why::Asked).await;
}

async fn answer(response: &Response<'_>, text: String) {
    if let Err(err) = response.ephemeral(text).await {
        warn!("could not answer the click: {err}");
    }
}

/// What an erasure removed, in the person's words.
fn what_went(m: &Messages, forgotten: &Forgotten) -> String {
    let erased = &forgotten.erased;
    if erased.walkthroughs == 0 && forgotten.as_staff == 0 {
        return m.forget_nothing.clone();
    }
    let mut text = m.forgotten(erased.walkthroughs, erased.lines, erased.comments);
    if forgotten.as_staff > 0 {
        text.push('\n');
        text.push_str(&m.forgotten_as_staff(forgotten.as_staff));
    }
    text.chars().take(limits::MESSAGE_CONTENT).collect()
}

/// Why a case's card lost its details.
#[derive(Debug, Clone, Copy)]
pub(super) enum Why {
    /// The person asked.
    Asked,
    /// The retention purge.
    Expired,
}

/// Edits each erased case's card to say so (and `why`), in the language the team read it in.
pub(super) async fn edit_cards(bot: &Bot, http: &Http, cards: &[ErasedCard], why: Why) {
    for card in cards {
        let locale = card.locale.as_deref();
        let script = bot.script(locale.unwrap_or(&bot.config.default_locale));
        let text = match why {
            Why::Asked => &script.messages.card_erased,
            Why::Expired => &script.messages.card_expired,
        };
        let edit = EditMessage::new()
            .embed(super::card::erased(text))
            .components(Vec::new())
            .remove_all_attachments();
        let channel = ChannelId::new(card.channel.get());
        let message = MessageId::new(card.message.get());
        let what = "editing an erased case's staff card";
        match bot.rest().edit(http, channel, message, &edit, what).await {
            Ok(()) => info!(staff_channel = %card.channel, "an erased case's staff card says so"),
            Err(err) => warn!(
                staff_channel = %card.channel,
                card = %card.message,
                "could not edit the staff card of an erased case, which still shows the \
                 person's name and answers: delete it by hand ({err})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::render::tests::{english, json};
    use super::*;
    use crate::store::Erased;

    #[test]
    fn the_confirmation_is_private_and_its_button_names_the_person() {
        let script = english();
        let user = UserId::new(5000).expect("an id");
        let reply = json(&confirmation(&script.messages, user));
        assert_eq!(reply["flags"], 64);
        assert_eq!(reply["content"], script.messages.forget_confirm.as_str());
        let button = &reply["components"][0]["components"][0];
        assert_eq!(button["custom_id"], "bh1:e:5000");
        assert_eq!(button["label"], "Erase my data");
        assert_eq!(reply["allowed_mentions"]["parse"], serde_json::json!([]));
    }

    #[test]
    fn what_went_is_said_in_plain_words_or_that_there_was_nothing() {
        let m = &english().messages;
        let mut forgotten = Forgotten {
            erased: Erased {
                walkthroughs: 2,
                lines: 14,
                comments: 1,
                ..Erased::default()
            },
            ..Forgotten::default()
        };
        let text = what_went(m, &forgotten);
        assert!(text.starts_with("Done: what the bot kept about you is erased."));
        for line in [
            "• Walkthroughs: 2",
            "• Transcript lines: 14",
            "• Rating comments: 1",
        ] {
            assert!(text.contains(line), "{line}: {text}");
        }
        assert!(!text.contains("support team member"), "{text}");
        forgotten.as_staff = 3;
        assert!(what_went(m, &forgotten).ends_with("claimed or closed them: 3"));
        assert_eq!(
            what_went(m, &Forgotten::default()),
            "There was nothing to erase: the bot keeps nothing about you."
        );
    }
}
