//! A person's typed answer, taken as a turn: live from the gateway, or read by a catch-up.

use serenity::all::{Http, Message};
use tracing::{debug, info, info_span, warn, Instrument};

use super::act::DiscordOutlet;
use super::state::Bot;
use crate::ids::ThreadId;
use crate::store::StoreError;

/// A person's typed answer in their walkthrough's thread, taken as a turn.
pub(super) async fn typed_answer(
    bot: &Bot,
    http: &Http,
    message: &Message,
    thread: ThreadId,
    locale: &str,
) {
    let guild = message.guild_id.map(|g| g.get());
    let span = info_span!(
        "typed",
        guild,
        user = message.author.id.get(),
        thread = thread.get()
    );
    let answer = async {
        let Some(_entered) = bot.in_flight.enter() else {
            debug!("stopping: typed text is left for the catch-up at the next start");
            return;
        };
        let out = DiscordOutlet::new(bot, http);
        let Some(id) = crate::ids::MessageId::new(message.id.get()) else {
            return;
        };
        match bot
            .walkthroughs
            .typed(thread, id, message.content.clone(), &out)
            .await
        {
            Ok(Some(turned)) => match &turned.reply {
                Some(reply) => info_reply!(reply, "typed answer"),
                None => info!("typed while the step was not shown yet; the step is posted"),
            },
            Ok(None) => {}
            Err(StoreError::Conflict) => {
                info!("a typed answer lost a race with another; ignored")
            }
            Err(err) => {
                warn!("could not save a typed answer: {err}");
                let text = bot.script(locale).messages.try_again.clone();
                let notice = super::render::notice(text);
                // Boxed: a rare path, kept out of every waiting answer's memory.
                let sent = Box::pin(message.channel_id.send_message(http, notice));
                if let Err(err) = sent.await {
                    warn!("could not say so: {err}");
                }
            }
        }
    }
    .instrument(span);
    crate::timing::timed("typed", message.id.get(), answer).await;
}
