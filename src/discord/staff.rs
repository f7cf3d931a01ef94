//! The support team's side in Discord: the staff card of a hand-off (posted, drawn again as
//! the case changes, and given the transcript when the case closes), its Join, Claim and
//! Close buttons, and the person's rating with its optional comment.
//!
//! Inbound, a click is decoded and handed to the walkthrough service, which decides and saves;
//! outbound, the outlet draws or posts what the service says is owed, from the data the
//! effect carries. None of it is on the person's critical path: a staff channel that refuses
//! the card is logged with what to fix and never holds up the thread.

use serenity::all::{
    ChannelId, ComponentInteraction, CreateAttachment, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditMessage, Http, ModalInteraction, Nonce,
};
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};
use tracing::{error, info, warn};

use super::act::{nonce, DiscordOutlet};
use super::card::{self, CardFacts};
use super::custom_id::Action;
use super::gate::Priority;
use super::render::{channel_link, no_mentions, user_mention, HandOffScripts};
use super::respond::Response;
use super::rest::{classify, post_message, STAFF_CARD};
use super::state::Bot;
use crate::ids::{MessageId, ThreadId, UserId};
use crate::script::Script;
use crate::store::{Record, Staffed, StoreError};
use crate::walkthrough::{CardData, Claim, Commented, Effect, EffectError, Joined, Rated};

type Card = (CreateEmbed, Vec<serenity::all::CreateActionRow>);

impl DiscordOutlet<'_> {
    /// The person's name as the server shows it, else their id.
    async fn person_name(&self, record: &Record) -> String {
        let guild = serenity::all::GuildId::new(record.guild.get());
        let user = serenity::all::UserId::new(record.session.owner.get());
        let asked = guild.member(self.http, user);
        match self.rest().once(Priority::Later, asked).await {
            Ok(member) => member.display_name().to_string(),
            Err(err) => {
                warn!(thread = %record.thread, "cannot read the person's name for the staff card: {err}");
                format!("user {}", record.session.owner)
            }
        }
    }

    /// The card for `record`'s case as it stands: its embed and buttons.
    async fn card(&self, record: &Record, script: &Script, card: &CardData) -> Card {
        let (case, staff) = (&card.case, &card.staff.0);
        let person = self.person_name(record).await;
        let language = record
            .staff_locale
            .as_deref()
            .unwrap_or(&self.bot.config.default_locale);
        let facts = CardFacts {
            record,
            case,
            scripts: HandOffScripts {
                person: script,
                staff,
            },
            person: &person,
            language,
            now: card.now,
        };
        (card::embed(&facts), card::rows(staff, record.thread, case))
    }

    /// Posts the hand-off's card in the staff channel, if there is one; the card posted. A
    /// channel that refuses it (gone, or missing a permission) is logged with what to fix,
    /// and the card is given up: the hand-off itself is in the thread already. A failure
    /// that may pass (a server error) leaves it owed.
    pub(super) async fn post_card(
        &self,
        record: &Record,
        script: &Script,
        card: &CardData,
        effect: &Effect,
    ) -> Result<Option<MessageId>, EffectError> {
        let Some(channel) = self.bot.config.discord.staff_channel else {
            return Ok(None);
        };
        let thread = record.thread;
        let (embed, rows) = self.card(record, script, card).await;
        let mut message = CreateMessage::new()
            .embed(embed)
            .components(rows)
            .allowed_mentions(no_mentions());
        if let Some(nonce) = nonce(record, effect) {
            message = message.nonce(Nonce::Number(nonce)).enforce_nonce(true);
        }
        let to = ChannelId::new(channel.get());
        let send = || post_message(self.http, to, &message);
        let posted = self
            .rest()
            .retried(Priority::Later, "posting the staff card", send)
            .await;
        let posted = match posted.map_err(|err| classify(err, STAFF_CARD)) {
            Ok(posted) => posted,
            Err(EffectError::Failed(err)) => return Err(EffectError::Failed(err)),
            Err(EffectError::Refused(missing)) => {
                error!(%thread, staff_channel = %channel, "the staff channel refused the hand-off's card: give the bot {missing} in that channel (the hand-off is in the thread)");
                return Ok(None);
            }
            Err(EffectError::Gone) => {
                error!(%thread, staff_channel = %channel, "the staff channel does not exist (or the bot cannot see it): set `staff_channel` to a text channel the bot can post in (the hand-off is in the thread)");
                return Ok(None);
            }
        };
        crate::crash::point(crate::crash::Point::AfterCard);
        let Some(message) = posted.id().and_then(MessageId::new) else {
            return Err(EffectError::Failed(
                "Discord did not say which card it posted".into(),
            ));
        };
        info!(%thread, staff_channel = %channel, "the staff card is posted");
        Ok(Some(message))
    }

    /// Draws the case's card again: through the click's own response when the click was on
    /// that card and is not answered yet, else by an edit. Best effort: a card that cannot
    /// be drawn is logged, and shows the change at its next drawing.
    pub(super) async fn edit_card(&self, record: &Record, script: &Script, card: &CardData) {
        let thread = record.thread;
        let Some((channel, message)) = card.case.card else {
            return;
        };
        let (embed, rows) = self.card(record, script, card).await;
        let on_card = self
            .response
            .filter(|r| r.click().message.id.get() == message.get());
        if let Some(response) = on_card {
            let update = CreateInteractionResponseMessage::new()
                .embed(embed.clone())
                .components(rows.clone());
            if response.update_message(update).await {
                return;
            }
        }
        // Acknowledged already (a slow store, or Discord), or another click: the long way.
        let edit = EditMessage::new().embed(embed).components(rows);
        let channel = ChannelId::new(channel.get());
        let message = serenity::all::MessageId::new(message.get());
        let what = "drawing the staff card";
        if let Err(err) = self
            .rest()
            .edit(self.http, channel, message, &edit, what)
            .await
        {
            warn!(%thread, "could not draw the staff card: {err}");
        }
    }

    /// Gives the closed case's card its transcript (and its final state). No card, nothing.
    pub(super) async fn attach_transcript(
        &self,
        record: &Record,
        script: &Script,
        card: &CardData,
        transcript: &str,
    ) -> Result<(), EffectError> {
        let Some((channel, message)) = card.case.card else {
            return Ok(());
        };
        let (embed, rows) = self.card(record, script, card).await;
        let name = crate::transcript::file_name(record.thread);
        // Written by hand rather than by serenity's builder, which numbers the new file with
        // an integer id where Discord's spec has a snowflake string.
        let body = serde_json::json!({
            "embeds": [embed],
            "components": rows,
            "attachments": [{"id": "0", "filename": name}],
        });
        let (channel, message) = (
            ChannelId::new(channel.get()),
            serenity::all::MessageId::new(message.get()),
        );
        let bytes = transcript.as_bytes().to_vec();
        let send =
            || {
                let file = CreateAttachment::bytes(bytes.clone(), name.clone());
                let form = Multipart {
                    upload: MultipartUpload::Attachments(vec![file]),
                    fields: Vec::new(),
                    payload_json: Some(body.to_string()),
                };
                let route = Route::ChannelMessage {
                    channel_id: channel,
                    message_id: message,
                };
                let request = Request::new(route, LightMethod::Patch).multipart(Some(form));
                async move {
                    let response = self.http.request(request).await?;
                    response.bytes().await.map(drop).map_err(|err| {
                        serenity::Error::Http(serenity::http::HttpError::Request(err))
                    })
                }
            };
        let what = "attaching the transcript";
        match self.rest().retried(Priority::Later, what, send).await {
            Ok(_) => {
                info!(thread = %record.thread, "the transcript is on the staff card");
                Ok(())
            }
            Err(err) => match classify(err, STAFF_CARD) {
                EffectError::Failed(err) => Err(EffectError::Failed(err)),
                other => {
                    error!(thread = %record.thread, "could not attach the transcript to the staff card ({other}); `backup-help-bot transcript {}` prints it", record.thread);
                    Ok(())
                }
            },
        }
    }

    /// Adds `user` to the walkthrough's thread.
    pub(super) async fn add_to_thread(
        &self,
        record: &Record,
        user: UserId,
    ) -> Result<(), EffectError> {
        let channel = ChannelId::new(record.thread.get());
        let user = serenity::all::UserId::new(user.get());
        let add = || channel.add_thread_member(self.http, user);
        self.rest()
            .retried(Priority::Waiting, "adding staff to the thread", add)
            .await
            .map_err(|err| classify(err, serenity::all::Permissions::SEND_MESSAGES_IN_THREADS))
    }
}

/// A click on Join, Claim, Close, or a rating; the others are answers.
pub async fn click(bot: &Bot, http: &Http, response: &Response<'_>, action: Action) {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let result = match action {
        Action::Rate { stars } => rate(bot, http, response, stars).await,
        Action::Join { thread } | Action::Claim { thread } | Action::Close { thread }
            if !bot.is_staff(click.member.as_ref()) =>
        {
            info!(%thread, "a staff button pressed by someone outside the team");
            answer(response, messages.staff_only.clone()).await;
            Ok(())
        }
        Action::Join { thread } => join(bot, http, response, thread).await,
        Action::Claim { thread } => claim(bot, http, response, thread).await,
        Action::Close { thread } => close(bot, http, response, thread).await,
        _ => Ok(()),
    };
    if let Err(err) = result {
        warn!("could not act on the click: {err}");
        answer(response, messages.try_again.clone()).await;
    }
}

async fn answer(response: &Response<'_>, text: String) {
    if let Err(err) = response.ephemeral(text).await {
        warn!("could not answer the click: {err}");
    }
}

/// Who pressed, as a staff action now.
fn staffed(bot: &Bot, click: &ComponentInteraction) -> Option<Staffed> {
    let name = click
        .member
        .as_ref()
        .and_then(|m| m.nick.clone())
        .or_else(|| click.user.global_name.clone())
        .unwrap_or_else(|| click.user.name.clone());
    Some(Staffed {
        by: UserId::new(click.user.id.get())?,
        name,
        at: bot.walkthroughs.now(),
    })
}

async fn join(
    bot: &Bot,
    http: &Http,
    response: &Response<'_>,
    thread: ThreadId,
) -> Result<(), StoreError> {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let Some(user) = UserId::new(click.user.id.get()) else {
        return Ok(());
    };
    let out = DiscordOutlet::new(bot, http);
    let text = match bot.walkthroughs.join(thread, user, &out).await? {
        Joined::NoWalkthrough => messages.unknown_button.clone(),
        Joined::Added => {
            info!(%thread, "a staff member joined the thread");
            messages.joined(&channel_link(thread))
        }
        Joined::Failed(err) => {
            warn!(%thread, "could not add a staff member to the thread: {err}");
            messages.try_again.clone()
        }
    };
    answer(response, text).await;
    Ok(())
}

async fn claim(
    bot: &Bot,
    http: &Http,
    response: &Response<'_>,
    thread: ThreadId,
) -> Result<(), StoreError> {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let Some(me) = staffed(bot, click) else {
        return Ok(());
    };
    let out = DiscordOutlet {
        response: Some(response),
        ..DiscordOutlet::new(bot, http)
    };
    match bot.walkthroughs.claim(thread, &me, &out).await? {
        Claim::NoWalkthrough => answer(response, messages.unknown_button.clone()).await,
        Claim::Already(first) => {
            let text = messages.already_claimed_by(&first.name);
            answer(response, text).await;
        }
        // The card shows it, drawn through this click's response if it was free.
        Claim::Now => {}
    }
    Ok(())
}

async fn close(
    bot: &Bot,
    http: &Http,
    response: &Response<'_>,
    thread: ThreadId,
) -> Result<(), StoreError> {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let Some(me) = staffed(bot, click) else {
        return Ok(());
    };
    if !bot.walkthroughs.is_open_case(thread).await? {
        // Closed already (or never handed off): nothing to close.
        answer(response, messages.already_closed.clone()).await;
        return Ok(());
    }
    // Acknowledged first: closing posts, archives and attaches, more than 3 s may take.
    response.defer().await;
    let out = DiscordOutlet::new(bot, http);
    if let Some(turned) = bot.walkthroughs.close_by_staff(thread, &me, &out).await? {
        match &turned.reply {
            Some(reply) => info_reply!(reply, thread = thread.get(), "closed by staff"),
            None => info!(thread = thread.get(), "closed by staff"),
        }
        if turned.record.session.phase
            != crate::conversation::Phase::Closed(crate::conversation::CloseReason::ByStaff)
        {
            warn!(%thread, "the close by staff did not apply");
        }
    }
    Ok(())
}

/// The person's rating: kept once, then the optional comment form; the card follows.
async fn rate(
    bot: &Bot,
    http: &Http,
    response: &Response<'_>,
    stars: u8,
) -> Result<(), StoreError> {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let (Some(thread), Some(user)) = (
        ThreadId::new(click.channel_id.get()),
        UserId::new(click.user.id.get()),
    ) else {
        answer(response, messages.unknown_button.clone()).await;
        return Ok(());
    };
    let text = match bot.walkthroughs.rate(thread, user, stars).await? {
        Rated::NoWalkthrough | Rated::NotAsked => messages.unknown_button.clone(),
        Rated::NotTheirs(owner) => messages.only_owner_rates(&user_mention(owner)),
        Rated::Already => messages.already_rated.clone(),
        Rated::Kept(script) => {
            if !response.modal(card::comment_modal(&script)).await {
                answer(response, script.messages.rating_thanks.clone()).await;
            }
            let out = DiscordOutlet::new(bot, http);
            bot.walkthroughs.settle_thread(thread, &out).await;
            return Ok(());
        }
    };
    answer(response, text).await;
    Ok(())
}

/// The comment form, sent: the comment is kept with the rating, and thanked for.
pub async fn comment(bot: &Bot, http: &Http, modal: &ModalInteraction) {
    let messages = &bot.script(&modal.locale).messages;
    let text: String = modal
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .filter_map(|c| match c {
            serenity::all::ActionRowComponent::InputText(input)
                if input.custom_id == card::COMMENT_INPUT =>
            {
                input.value.clone()
            }
            _ => None,
        })
        .collect();
    let thread = ThreadId::new(modal.channel_id.get());
    let commented = match (thread, UserId::new(modal.user.id.get())) {
        (Some(thread), Some(user)) => bot.walkthroughs.comment(thread, user, &text).await,
        _ => Ok(Commented::NotTheirs),
    };
    let reply = match &commented {
        Ok(Commented::Kept | Commented::Empty) => messages.rating_thanks.clone(),
        Ok(Commented::Already) => messages.already_rated.clone(),
        Ok(Commented::NotTheirs) => messages.unknown_button.clone(),
        Err(err) => {
            warn!("could not keep a rating's comment: {err}");
            messages.try_again.clone()
        }
    };
    let message = CreateInteractionResponseMessage::new()
        .content(reply)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    let sent = modal.create_response(http, CreateInteractionResponse::Message(message));
    if let Err(err) = bot.rest().once(Priority::Acknowledge, sent).await {
        warn!("could not answer the comment form: {err}");
    }
    if let (Ok(Commented::Kept), Some(thread)) = (commented, thread) {
        let out = DiscordOutlet::new(bot, http);
        bot.walkthroughs.settle_thread(thread, &out).await;
    }
}
