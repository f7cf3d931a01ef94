//! The Discord outlet: carries out one effect of a turn with serenity, and says in the
//! walkthrough's terms ([`EffectError`]) what went wrong.

use async_trait::async_trait;
use serenity::all::{
    AutoArchiveDuration, ChannelId, ChannelType, CommandInteraction, CreateMessage, CreateThread,
    EditInteractionResponse, EditThread, Http, Nonce, Permissions,
};
use tracing::{info, warn};

use super::gate::Priority;
use super::opening::thread_name;
use super::render::{self, step_rows};
use super::respond::{Made, Response};
use super::rest::{classify, nonce_of, set_buttons, status, Rest};
use super::state::Bot;
use crate::config::ThreadKind;
use crate::ids::{InteractionId, MessageId, ThreadId};
use crate::script::{Live, Script, StepId};
use crate::store::Record;
use crate::walkthrough::{Answered, Effect, EffectError, Notice, Outlet};
use serenity::http::{LightMethod, Request, Route};

/// How many of a thread's newest messages are searched for one an interaction's response
/// made (the step it carried is among the last few, staff chatter aside).
const RECENT: u8 = 50;
/// The outlet for one turn: the interaction that caused it, if any, is answered by it.
pub struct DiscordOutlet<'a> {
    pub bot: &'a Bot,
    pub http: &'a Http,
    /// The click being answered: its response may carry the next step, its message is the
    /// one to update, its follow-ups are private.
    pub response: Option<&'a Response<'a>>,
    /// The `/backup-help` being answered: who to open a thread for, and where.
    pub command: Option<&'a CommandInteraction>,
}

impl<'a> DiscordOutlet<'a> {
    pub(super) fn rest(&self) -> Rest<'_> {
        self.bot.rest()
    }

    pub fn new(bot: &'a Bot, http: &'a Http) -> DiscordOutlet<'a> {
        DiscordOutlet {
            bot,
            http,
            response: None,
            command: None,
        }
    }
}

#[async_trait]
impl Outlet for DiscordOutlet<'_> {
    fn responding(&self, thread: ThreadId) -> Option<InteractionId> {
        // Only a click in the thread itself: a response goes where the click was.
        let response = self.response.filter(|r| !r.deferred())?;
        let click = response.click();
        if click.channel_id.get() != thread.get() {
            return None;
        }
        InteractionId::new(click.id.get())
    }

    async fn open_thread(&self, script: &Script) -> Result<ThreadId, EffectError> {
        let Some(command) = self.command else {
            return Err(EffectError::Failed(
                "no /backup-help to open a thread for".into(),
            ));
        };
        let person = command
            .user
            .global_name
            .as_deref()
            .unwrap_or(&command.user.name);
        let (kind, permission) = match self.bot.config.discord.thread {
            ThreadKind::Private => (
                ChannelType::PrivateThread,
                Permissions::CREATE_PRIVATE_THREADS,
            ),
            ThreadKind::Public => (
                ChannelType::PublicThread,
                Permissions::CREATE_PUBLIC_THREADS,
            ),
        };
        let mut builder = CreateThread::new(thread_name(&script.name, person))
            .kind(kind)
            .auto_archive_duration(AutoArchiveDuration::OneDay);
        if kind == ChannelType::PrivateThread {
            builder = builder.invitable(false);
        }
        // Not retried: a create that failed on the way back may have created the thread, and
        // a second try would open another. The person can run /backup-help again.
        let created = command.channel_id.create_thread(self.http, builder);
        let thread = self
            .rest()
            .once(Priority::Opening, created)
            .await
            .map_err(|err| classify(err, permission))?;
        let add = || thread.id.add_thread_member(self.http, command.user.id);
        let added = self
            .rest()
            .retried(Priority::Opening, "adding the person to the thread", add);
        if let Err(err) = added.await {
            // A thread without the person helps nobody.
            let archive = EditThread::new().archived(true);
            let archived = thread.id.edit_thread(self.http, archive);
            if let Err(err) = self.rest().once(Priority::Later, archived).await {
                warn!(thread = %thread.id, "could not archive an unused thread: {err}");
            }
            return Err(classify(err, Permissions::SEND_MESSAGES_IN_THREADS));
        }
        ThreadId::new(thread.id.get()).ok_or_else(|| EffectError::Failed("thread id 0".into()))
    }

    async fn thread_exists(&self, thread: ThreadId) -> bool {
        let channel = ChannelId::new(thread.get());
        let asked = channel.to_channel(self.http);
        match self.rest().gate.run(Priority::Waiting, asked).await {
            Ok(_) => true,
            Err(err) => {
                let gone = classify(err, Permissions::VIEW_CHANNEL) == EffectError::Gone;
                if !gone {
                    warn!(%thread, "cannot tell whether a thread still exists; assuming it does");
                }
                !gone
            }
        }
    }

    async fn carry_out(
        &self,
        record: &Record,
        script: &Script,
        effect: &Effect,
    ) -> Result<Option<MessageId>, EffectError> {
        match effect {
            Effect::UpdateClicked { step, answered } | Effect::DisableShown { step, answered } => {
                let marked = (step, *answered);
                self.mark_answered(record, script, effect, marked).await
            }
            Effect::Ephemeral(notice) => self.ephemeral(script, *notice).await,
            Effect::PostStep {
                step,
                report,
                position,
                ping,
            } => {
                let message = match script.step(step) {
                    Some(step) => {
                        let message =
                            render::step_message(script, step, report.as_ref(), *position);
                        match ping {
                            Some(user) => render::pinging(message, *user),
                            None => message,
                        }
                    }
                    // The script changed under the walkthrough: say so, and that message is
                    // what the person has been shown.
                    None => render::notice(script.messages.step_gone.clone()),
                };
                self.post_owed(record, message, effect).await.map(Some)
            }
            Effect::PostStaffCard(card) => self.post_card(record, script, card, effect).await,
            Effect::EditCard(card) => {
                self.edit_card(record, script, card).await;
                Ok(None)
            }
            Effect::AttachTranscript { card, transcript } => self
                .attach_transcript(record, script, card, transcript)
                .await
                .map(|()| None),
            Effect::AddToThread(user) => self.add_to_thread(record, *user).await.map(|()| None),
            Effect::ArchiveThread => self.archive(record).await.map(|()| None),
            _ => match self.message_for(record, script, effect) {
                Some(message) => self.post_owed(record, message, effect).await.map(|_| None),
                None => Ok(None),
            },
        }
    }
}

impl DiscordOutlet<'_> {
    /// The message a post in the thread makes, for every effect that is one (`None`: not
    /// one, or nothing to post).
    fn message_for(
        &self,
        record: &Record,
        script: &Script,
        effect: &Effect,
    ) -> Option<CreateMessage> {
        let m = &script.messages;
        Some(match effect {
            Effect::PostReAsk {
                step,
                candidates,
                live,
            } => render::re_ask(script, script.step(step)?, candidates, *live),
            Effect::PostNotice(notice) => render::notice(notice_text(script, *notice)),
            Effect::PostIdleWarning => render::notice(m.idle_warning.clone()),
            Effect::PostIdleClosed => render::notice(m.idle_closed.clone()),
            Effect::PostClaimed { name } => render::claimed(script, name),
            Effect::PostStaffClosed { name } => super::card::staff_closed(script, name),
            Effect::PostResolved(ending) => {
                let message = render::resolved(script, ending)?;
                // Fixed: how did it go? (A wait for Apple is not the end of the problem.)
                let fixed = script
                    .ending(ending)
                    .is_some_and(|e| e.kind == crate::script::EndingKind::Resolved);
                match fixed {
                    true => message.components(vec![super::card::rating_row()]),
                    false => message,
                }
            }
            Effect::PostHandOff {
                ending,
                staff,
                back,
            } => {
                let scripts = render::HandOffScripts {
                    person: script,
                    staff: &staff.0,
                };
                let away = back.map(|back| render::away(script, back));
                let session = &record.session;
                let support = self.bot.config.discord.support_role;
                let (owner, history) = (session.owner, &session.history);
                render::hand_off(scripts, ending, owner, history, support, away.as_deref())
                    .components(vec![super::card::close_row(&staff.0, record.thread)])
            }
            _ => return None,
        })
    }

    /// Marks the answered message: its buttons disabled, the choice shown. A click's message
    /// is the clicked one (`UpdateClicked`); typed text answers the step's shown message.
    async fn mark_answered(
        &self,
        record: &Record,
        script: &Script,
        effect: &Effect,
        (step, answered): (&StepId, Answered),
    ) -> Result<Option<MessageId>, EffectError> {
        let thread = ChannelId::new(record.thread.get());
        let rows = match script.step(step) {
            Some(step) => step_rows(script, step, Some(answered), Live::default()),
            None => Vec::new(),
        };
        if let Effect::DisableShown { .. } = effect {
            let shown = record.shown.as_ref().filter(|s| s.step == *step);
            if let (Some(shown), Some(_)) = (shown, script.step(step)) {
                let message = serenity::all::MessageId::new(shown.message.get());
                let what = "disabling the answered step";
                self.set_rows(thread, message, &rows, what).await?;
            }
            return Ok(None);
        }
        let Some(response) = self.response else {
            return Ok(None);
        };
        let click = response.click();
        if click.channel_id == thread {
            // A bot message in the thread: edited through the channel, whatever the click's
            // response turned out to be, so this need not wait for it (it goes beside the
            // next step).
            let what = "updating the clicked message";
            self.set_rows(thread, click.message.id, &rows, what).await?;
        } else if !response.update(Vec::new()).await {
            // Clicked under the private reply to a second /backup-help (the thread gets the
            // rest): its button is removed there, by the response if it is free, else
            // through the webhook, whose `@original` is that reply.
            response.acknowledged().await;
            let edit = EditInteractionResponse::new().components(Vec::new());
            let update = || click.edit_response(self.http, edit.clone());
            self.rest()
                .retried(Priority::Later, "updating the clicked message", update)
                .await
                .map_err(|err| classify(err, Permissions::SEND_MESSAGES_IN_THREADS))?;
        }
        Ok(None)
    }

    /// Sets the buttons of `message` in `thread`, retrying server errors; left undone when
    /// Discord is too busy ([`Rest::courtesy`]).
    async fn set_rows(
        &self,
        thread: ChannelId,
        message: serenity::all::MessageId,
        rows: &[serenity::all::CreateActionRow],
        what: &str,
    ) -> Result<(), EffectError> {
        let edit = || set_buttons(self.http, thread, message, rows);
        self.rest()
            .courtesy(what, edit)
            .await
            .map(drop)
            .map_err(|err| classify(err, Permissions::SEND_MESSAGES_IN_THREADS))
    }

    /// Tells the clicker `notice`, privately.
    async fn ephemeral(
        &self,
        script: &Script,
        notice: Notice,
    ) -> Result<Option<MessageId>, EffectError> {
        if let Some(response) = self.response {
            response
                .ephemeral(notice_text(script, notice))
                .await
                .map_err(|err| classify(err, Permissions::SEND_MESSAGES_IN_THREADS))?;
        }
        Ok(None)
    }

    /// Archives the thread; closed by staff, locked too, so only moderators can reopen it.
    async fn archive(&self, record: &Record) -> Result<(), EffectError> {
        let thread = ChannelId::new(record.thread.get());
        let locked = record.session.phase
            == crate::conversation::Phase::Closed(crate::conversation::CloseReason::ByStaff);
        let edit = EditThread::new().archived(true);
        let edit = if locked { edit.locked(true) } else { edit };
        let archive = || thread.edit_thread(self.http, edit.clone());
        self.rest()
            .retried(Priority::Later, "archiving the thread", archive)
            .await
            .map_err(|err| classify(err, Permissions::MANAGE_THREADS))?;
        self.bot.set_archived(thread, true);
        info!(%thread, "thread archived");
        Ok(())
    }

    /// Posts `message` in the walkthrough's thread for `effect` (see [`Self::post`]).
    async fn post_owed(
        &self,
        record: &Record,
        message: CreateMessage,
        effect: &Effect,
    ) -> Result<MessageId, EffectError> {
        let thread = ChannelId::new(record.thread.get());
        self.post(record, thread, message, effect).await
    }
    /// Posts into the thread, unarchiving it first if someone archived it. What the
    /// walkthrough owes carries a nonce made of the walkthrough and the effect, with
    /// `enforce_nonce`: if a crash made the bot post the same thing again within minutes,
    /// Discord returns the first message instead of posting a second.
    async fn post(
        &self,
        record: &Record,
        thread: ChannelId,
        message: CreateMessage,
        effect: &Effect,
    ) -> Result<MessageId, EffectError> {
        // A follow-up's question (the one step that pings) and the end of a wait for Apple go
        // into a thread archived when the walkthrough ended.
        let follow_up = match effect {
            Effect::PostStep { ping, .. } => ping.is_some(),
            Effect::PostResolved(_) => record.lapsed_ending_owed(),
            _ => false,
        };
        if follow_up || self.bot.is_archived(thread) {
            self.unarchive(thread).await?;
        }
        let owed = nonce(record, effect);
        if let (Some(_), Some(via)) = (owed, record.responding) {
            if let Some(made) = self.through_response(thread, via, &message).await? {
                return Ok(made);
            }
        }
        let message = match owed {
            Some(nonce) => message.nonce(Nonce::Number(nonce)).enforce_nonce(true),
            None => message,
        };
        let sent = self
            .rest()
            .post_in_thread(self.http, thread, &message, self.bot)
            .await?;
        sent.id().and_then(MessageId::new).ok_or_else(|| {
            EffectError::Failed("Discord did not say which message it posted".into())
        })
    }

    /// The first owed post of a turn whose answer came by click `via`: made as that click's
    /// response if it is this outlet's and still free; else, if an earlier response may have
    /// made it (a crash, a response that failed on the way back), found in the thread.
    /// `None`: it is to be posted in the thread.
    async fn through_response(
        &self,
        thread: ChannelId,
        via: InteractionId,
        message: &CreateMessage,
    ) -> Result<Option<MessageId>, EffectError> {
        let ours = self.response.filter(|r| r.click().id.get() == via.get());
        let Some(response) = ours else {
            return self.made_by(thread, via).await;
        };
        match response.message(message).await {
            Ok(Made::Message(Some(id))) => Ok(MessageId::new(id)),
            Ok(Made::Message(None)) => match self.made_by(thread, via).await? {
                Some(id) => Ok(Some(id)),
                None => Err(EffectError::Failed(
                    "the response made a message Discord does not show".into(),
                )),
            },
            Ok(Made::Taken) => Ok(None),
            // Discord answered with an error: nothing was made. The click is acknowledged
            // the plain way, and the step posted.
            Err(serenity::Error::Http(err)) if status(&err).is_some_and(|s| s < 500) => {
                warn!(
                    status = status(&err),
                    "the response carrying the next step was refused; posting it instead"
                );
                response.defer().await;
                Ok(None)
            }
            Err(err) => {
                warn!("the response carrying the next step failed; looking for it: {err}");
                let (_, made) = tokio::join!(response.defer(), self.made_by(thread, via));
                made
            }
        }
    }

    /// The message the response to interaction `via` made in `thread`, if it made one: among
    /// the newest there, by its `interaction_metadata`.
    async fn made_by(
        &self,
        thread: ChannelId,
        via: InteractionId,
    ) -> Result<Option<MessageId>, EffectError> {
        let route = Route::ChannelMessages { channel_id: thread };
        let request =
            Request::new(route, LightMethod::Get).params(Some(vec![("limit", RECENT.to_string())]));
        let listed = self.http.fire::<Vec<serde_json::Value>>(request);
        let listed = self
            .rest()
            .once(Priority::Waiting, listed)
            .await
            .map_err(|err| classify(err, Permissions::READ_MESSAGE_HISTORY))?;
        let wanted = via.get().to_string();
        let made = listed.iter().find_map(|m| {
            let by = m["interaction_metadata"]["id"].as_str();
            (by == Some(wanted.as_str()))
                .then(|| m["id"].as_str().and_then(|id| id.parse().ok()))
                .flatten()
        });
        if made.is_some() {
            info!(%thread, "found the step a click's response posted before a restart");
        }
        Ok(made.and_then(MessageId::new))
    }

    pub(super) async fn unarchive(&self, thread: ChannelId) -> Result<(), EffectError> {
        self.rest().unarchive(self.http, thread, self.bot).await
    }
}

/// The nonce of an owed post: the same for the same step (by its serial) or ending of a
/// walkthrough, so a repeat after a crash is recognised, by a later build of the bot too
/// (FNV-1a, fixed). Courtesies (a re-ask, a notice) are one-off and carry none: two identical
/// re-asks are two messages. Below 2^53, so it survives any JSON reader; Discord allows
/// integers of up to 25 digits.
pub(super) fn nonce(record: &Record, effect: &Effect) -> Option<u64> {
    let what = match effect {
        Effect::PostStep { step, .. } => format!("step {step} {}", record.session.step_serial),
        Effect::PostIdleWarning => format!("warning {}", record.session.last_activity.0),
        // An ending happens once per walkthrough.
        Effect::PostResolved(_) | Effect::PostHandOff { .. } | Effect::PostIdleClosed => {
            "ending".to_string()
        }
        // After the hand-off's own ending.
        Effect::PostStaffClosed { .. } => "closed by staff".to_string(),
        // In the staff channel: once per walkthrough.
        Effect::PostStaffCard(_) => "staff card".to_string(),
        // One claim per case.
        Effect::PostClaimed { .. } => "claim".to_string(),
        _ => return None,
    };
    Some(nonce_of(&format!("{} {what}", record.thread)))
}

fn notice_text(script: &Script, notice: Notice) -> String {
    match notice {
        Notice::AlreadyAnswered => script.messages.already_answered.clone(),
        Notice::StepGone => script.messages.step_gone.clone(),
    }
}
