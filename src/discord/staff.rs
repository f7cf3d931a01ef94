//! The support team's side in Discord: the staff card of a hand-off (posted, updated, and
//! given the transcript when the case closes), its Join, Claim and Close buttons, and the
//! person's rating with its optional comment.
//!
//! None of it is on the person's critical path: the card follows the hand-off message, and
//! a staff channel that refuses it is logged with what to fix and never holds up the thread.

use serenity::all::{
    ChannelId, ComponentInteraction, CreateAttachment, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditMessage, Http, ModalInteraction, Nonce,
};
use tracing::{error, info, warn};

use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};

use super::act::{nonce, DiscordOutlet};
use super::card::{self, CardFacts};
use super::custom_id::Action;
use super::gate::Priority;
use super::render::{no_mentions, HandOffScripts};
use super::respond::Response;
use super::rest::{classify, nonce_of, post_message, STAFF_CARD};
use super::state::Bot;
use crate::conversation::{CloseReason, Phase};
use crate::ids::{MessageId, ThreadId, UserId};
use crate::script::Script;
use crate::store::{Case, Claimed, Record, Staffed, StoreError};
use crate::walkthrough::{Effect, EffectError};

fn storage(err: StoreError) -> EffectError {
    EffectError::Failed(format!("storage: {err}"))
}

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
    async fn card(
        &self,
        record: &Record,
        script: &Script,
        case: &Case,
    ) -> Result<
        (
            serenity::all::CreateEmbed,
            Vec<serenity::all::CreateActionRow>,
        ),
        EffectError,
    > {
        let staff = self
            .bot
            .walkthroughs
            .staff_script(record)
            .await
            .map_err(storage)?;
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
                staff: &staff,
            },
            person: &person,
            language,
            now: self.bot.walkthroughs.now(),
        };
        Ok((card::embed(&facts), card::rows(&staff, record.thread, case)))
    }

    /// Posts the hand-off's card in the staff channel, if there is one. A channel that
    /// refuses it (gone, or missing a permission) is logged with what to fix, and the card is
    /// given up: the hand-off itself is in the thread already. A failure that may pass (a
    /// server error) leaves it owed.
    pub(super) async fn post_card(
        &self,
        record: &Record,
        script: &Script,
    ) -> Result<(), EffectError> {
        let Some(channel) = self.bot.config.discord.staff_channel else {
            return Ok(());
        };
        let thread = record.thread;
        let case = self
            .bot
            .walkthroughs
            .store
            .case(thread)
            .await
            .map_err(storage)?;
        let case = case.unwrap_or_default();
        let (embed, rows) = self.card(record, script, &case).await?;
        let mut message = CreateMessage::new()
            .embed(embed)
            .components(rows)
            .allowed_mentions(no_mentions());
        if let Some(nonce) = nonce(record, &Effect::PostStaffCard) {
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
                return Ok(());
            }
            Err(EffectError::Gone) => {
                error!(%thread, staff_channel = %channel, "the staff channel does not exist (or the bot cannot see it): set `staff_channel` to a text channel the bot can post in (the hand-off is in the thread)");
                return Ok(());
            }
        };
        crate::crash::point(crate::crash::Point::AfterCard);
        let Some(message) = posted.id().and_then(MessageId::new) else {
            return Err(EffectError::Failed(
                "Discord did not say which card it posted".into(),
            ));
        };
        self.bot
            .walkthroughs
            .store
            .set_card(thread, channel, message)
            .await
            .map_err(storage)?;
        info!(%thread, staff_channel = %channel, "the staff card is posted");
        Ok(())
    }

    /// The thread's closing message once staff closed it, with the rating buttons.
    pub(super) async fn staff_closed(
        &self,
        record: &Record,
        script: &Script,
    ) -> Result<CreateMessage, EffectError> {
        let case = self
            .bot
            .walkthroughs
            .store
            .case(record.thread)
            .await
            .map_err(storage)?;
        let name = case
            .and_then(|c| c.closed)
            .map_or_else(String::new, |closed| closed.name);
        let text = format!(
            "{}\n{}",
            script.messages.closed_by_staff.replace("{name}", &name),
            script.messages.rating_question
        );
        Ok(CreateMessage::new()
            .content(text)
            .components(vec![card::rating_row()])
            .allowed_mentions(no_mentions()))
    }

    /// Gives the closed case's card its transcript (and its final state). No card, nothing.
    pub(super) async fn attach_transcript(
        &self,
        record: &Record,
        script: &Script,
    ) -> Result<(), EffectError> {
        let store = &self.bot.walkthroughs.store;
        let Some(case) = store.case(record.thread).await.map_err(storage)? else {
            return Ok(());
        };
        let Some((channel, message)) = case.card else {
            return Ok(());
        };
        self.bot.walkthroughs.flush_transcripts().await;
        let lines = store.transcript(record.thread).await.map_err(storage)?;
        let text = crate::transcript::render(record.thread, record.session.owner, &lines);
        let (embed, rows) = self.card(record, script, &case).await?;
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
        let bytes = text.into_bytes();
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
        match self
            .rest()
            .retried(Priority::Later, "attaching the transcript", send)
            .await
        {
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
}

/// A click on Join, Claim, Close, or a rating; the others are answers.
pub async fn click(bot: &Bot, http: &Http, response: &Response<'_>, action: Action) {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let result = match action {
        Action::Rate { stars } => rate(bot, response, stars).await,
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
    // Only into a walkthrough's thread, whatever a crafted button names.
    if bot.walkthroughs.store.by_thread(thread).await?.is_none() {
        answer(response, messages.unknown_button.clone()).await;
        return Ok(());
    }
    let channel = ChannelId::new(thread.get());
    let add = || channel.add_thread_member(http, click.user.id);
    match bot
        .rest()
        .retried(Priority::Waiting, "adding staff to the thread", add)
        .await
    {
        Ok(()) => {
            info!(%thread, "a staff member joined the thread");
            answer(
                response,
                messages
                    .staff_joined
                    .replace("{thread}", &format!("<#{thread}>")),
            )
            .await;
        }
        Err(err) => {
            warn!(%thread, "could not add a staff member to the thread: {err}");
            answer(response, messages.try_again.clone()).await;
        }
    }
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
    let store = &bot.walkthroughs.store;
    let Some(record) = store.by_thread(thread).await? else {
        answer(response, messages.unknown_button.clone()).await;
        return Ok(());
    };
    let Some(me) = staffed(bot, click) else {
        return Ok(());
    };
    if let Claimed::Already(first) = store.claim(thread, &me).await? {
        info!(%thread, "a second claim, refused");
        answer(
            response,
            messages.already_claimed.replace("{name}", &first.name),
        )
        .await;
        return Ok(());
    }
    info!(%thread, "the case is claimed");
    let out = DiscordOutlet::new(bot, http);
    let script = bot.walkthroughs.script_of(&record).await?;
    let case = store.case(thread).await?.unwrap_or_default();
    // The card shows the claim at once; the thread hears of it beside that.
    let update = async {
        match out.card(&record, &script, &case).await {
            Ok((embed, rows)) => {
                let card = CreateInteractionResponseMessage::new()
                    .embed(embed.clone())
                    .components(rows.clone());
                if response.update_message(card).await {
                    return;
                }
                // Acknowledged already (a slow store, or Discord): edited the long way.
                let edit = EditMessage::new().embed(embed).components(rows);
                let (channel, message) = (click.channel_id, click.message.id);
                let edited = bot
                    .rest()
                    .edit(http, channel, message, &edit, "showing the claim");
                if let Err(err) = edited.await {
                    warn!(%thread, "could not show the claim on the card: {err}");
                }
            }
            Err(err) => warn!(%thread, "could not show the claim on the card: {err}"),
        }
    };
    crate::crash::point(crate::crash::Point::AfterClaim);
    let notice = announce_claim(bot, http, &record, &script, &me);
    tokio::join!(update, notice);
    Ok(())
}

/// Tells the thread who claimed its case ("<name> is looking at this now", no ping), with
/// a nonce so a repeat after a crash is the same message, and records that it was told.
async fn announce_claim(bot: &Bot, http: &Http, record: &Record, script: &Script, by: &Staffed) {
    let thread = record.thread;
    let text = script.messages.claimed.replace("{name}", &by.name);
    let mut message = CreateMessage::new()
        .content(text)
        .allowed_mentions(no_mentions());
    if let Some(nonce) = claim_nonce(thread) {
        message = message.nonce(Nonce::Number(nonce)).enforce_nonce(true);
    }
    let to = ChannelId::new(thread.get());
    let said = bot.rest().post_in_thread(http, to, &message, bot).await;
    match said {
        Ok(_) => {
            if let Err(err) = bot.walkthroughs.store.claim_announced(thread).await {
                warn!(%thread, "could not record that the claim was announced: {err}");
            }
        }
        Err(err) => warn!(%thread, "could not say in the thread who claimed the case: {err}"),
    }
}

/// The nonce of a case's claim message: one claim per case.
fn claim_nonce(thread: ThreadId) -> Option<u64> {
    Some(nonce_of(&format!("{thread} claim")))
}

/// Tells the threads of claims that were never announced (a crash between the claim and its
/// message, or a message that failed): at every sweep.
pub async fn announce_claims(bot: &Bot, http: &Http) {
    let claims = match bot.walkthroughs.store.unannounced_claims().await {
        Ok(claims) => claims,
        Err(err) => {
            warn!("cannot look for claims to announce: {err}");
            return;
        }
    };
    for (thread, by) in claims {
        let record = match bot.walkthroughs.store.by_thread(thread).await {
            Ok(Some(record)) => record,
            Ok(None) => continue,
            Err(err) => {
                warn!(%thread, "cannot read a claimed walkthrough: {err}");
                continue;
            }
        };
        let Ok(script) = bot.walkthroughs.script_of(&record).await else {
            continue;
        };
        info!(%thread, "announcing a claim a crash left unsaid");
        announce_claim(bot, http, &record, &script, &by).await;
    }
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
    let store = &bot.walkthroughs.store;
    let handed_off = store
        .by_thread(thread)
        .await?
        .filter(|r| matches!(r.session.phase, Phase::HandedOff(_)));
    let Some(record) = handed_off else {
        // Closed already (or never handed off): nothing to close.
        answer(response, messages.already_closed.clone()).await;
        return Ok(());
    };
    // Acknowledged first: closing posts, archives and attaches, more than 3 s may take.
    response.defer().await;
    let out = DiscordOutlet::new(bot, http);
    let turned = bot.walkthroughs.close_by_staff(thread, &me, &out).await;
    match turned {
        Ok(Some(turned)) => {
            info!(%thread, reply = ?turned.reply.as_ref().map(|r| r.brief()), "closed by staff");
            if turned.record.session.phase != Phase::Closed(CloseReason::ByStaff) {
                warn!(%thread, "the close by staff did not apply");
            }
            // Clicked on the card: the transcript's attachment updates it; a case whose
            // transcript could not be attached still shows the close.
            if click.channel_id.get() != thread.get() && !turned.record.done.transcript_attached {
                let script = bot.walkthroughs.script_of(&record).await?;
                let case = store.case(thread).await?.unwrap_or_default();
                if let Ok((embed, rows)) = out.card(&turned.record, &script, &case).await {
                    let edit = EditMessage::new().embed(embed).components(rows);
                    let (channel, message) = (click.channel_id, click.message.id);
                    let what = "showing the close";
                    if let Err(err) = bot.rest().edit(http, channel, message, &edit, what).await {
                        warn!(%thread, "could not show the close on the card: {err}");
                    }
                }
            }
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(err) => Err(err),
    }
}

/// The person's rating: kept once, then the optional comment form.
async fn rate(bot: &Bot, response: &Response<'_>, stars: u8) -> Result<(), StoreError> {
    let click = response.click();
    let messages = &bot.script(&click.locale).messages;
    let store = &bot.walkthroughs.store;
    let record = match ThreadId::new(click.channel_id.get()) {
        Some(thread) => store.by_thread(thread).await?,
        None => None,
    };
    let Some(record) = record else {
        answer(response, messages.unknown_button.clone()).await;
        return Ok(());
    };
    // Rated only where the rating was asked for: fixed, or closed by the support team.
    let script = bot.walkthroughs.script_of(&record).await?;
    let asked = match &record.session.phase {
        Phase::Resolved(ending) => script
            .ending(ending)
            .is_some_and(|e| e.kind == crate::script::EndingKind::Resolved),
        Phase::Closed(CloseReason::ByStaff) => true,
        _ => false,
    };
    if !asked {
        info!(thread = %record.thread, "a rating for a walkthrough that was not asked for one");
        answer(response, messages.unknown_button.clone()).await;
        return Ok(());
    }
    if UserId::new(click.user.id.get()) != Some(record.session.owner) {
        let owner = format!("<@{}>", record.session.owner);
        answer(
            response,
            messages.rating_owner_only.replace("{owner}", &owner),
        )
        .await;
        return Ok(());
    }
    if !store
        .rate(record.thread, stars, bot.walkthroughs.now())
        .await?
    {
        answer(response, messages.already_rated.clone()).await;
        return Ok(());
    }
    info!(thread = %record.thread, stars, "rated");
    if !response.modal(card::comment_modal(&script)).await {
        answer(response, script.messages.rating_thanks.clone()).await;
    }
    update_card(bot, response.http(), &record).await;
    Ok(())
}

/// Shows a rating (or its comment) on the case's card, if it has one. Best effort.
async fn update_card(bot: &Bot, http: &Http, record: &Record) {
    let store = &bot.walkthroughs.store;
    let Ok(Some(case)) = store.case(record.thread).await else {
        return;
    };
    let Some((channel, message)) = case.card else {
        return;
    };
    let Ok(script) = bot.walkthroughs.script_of(record).await else {
        return;
    };
    let out = DiscordOutlet::new(bot, http);
    let Ok((embed, rows)) = out.card(record, &script, &case).await else {
        return;
    };
    let edit = EditMessage::new().embed(embed).components(rows);
    let channel = ChannelId::new(channel.get());
    let message = serenity::all::MessageId::new(message.get());
    let what = "showing the rating on the card";
    if let Err(err) = bot.rest().edit(http, channel, message, &edit, what).await {
        warn!(thread = %record.thread, "could not show the rating on the staff card: {err}");
    }
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
    let store = &bot.walkthroughs.store;
    let record = match ThreadId::new(modal.channel_id.get()) {
        Some(thread) => store.by_thread(thread).await,
        None => Ok(None),
    };
    // What to answer, and the walkthrough whose card then shows the comment.
    let (reply, kept) = match record {
        Ok(Some(record)) if UserId::new(modal.user.id.get()) == Some(record.session.owner) => {
            match crate::store::cases::clean_comment(&text) {
                Some(comment) => match store.comment(record.thread, &comment).await {
                    Ok(true) => {
                        info!(thread = %record.thread, "a rating's comment is kept");
                        (messages.rating_thanks.clone(), Some(record))
                    }
                    Ok(false) => (messages.already_rated.clone(), None),
                    Err(err) => {
                        warn!("could not keep a rating's comment: {err}");
                        (messages.try_again.clone(), None)
                    }
                },
                None => (messages.rating_thanks.clone(), None),
            }
        }
        Ok(_) => (messages.unknown_button.clone(), None),
        Err(err) => {
            warn!("could not look up the walkthrough of a comment: {err}");
            (messages.try_again.clone(), None)
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
    if let Some(record) = kept {
        update_card(bot, http, &record).await;
    }
}
