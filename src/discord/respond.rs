//! A click's one interaction response, and who gets to make it.
//!
//! Discord wants one response to every click within 3 seconds. The cheapest for the person is
//! the one that carries what they are waiting for: the next step, as a message in the thread
//! (type 4), so it appears one round trip after the click. That needs the answer saved
//! first, and a database can be slow; so the click's handling and a watchdog race for the
//! response:
//!
//! - the turn saves the answer and, when it has the next step to post, takes the response
//!   and makes it carry the step ([`Response::message`]);
//! - a turn with nothing to post answers a notice privately through it (type 4,
//!   ephemeral), and the Start over under a second /backup-help's private reply removes
//!   that reply's button with it (type 7);
//! - if none of that has happened within the save budget after the click arrived (what
//!   Discord's recent round trip leaves of its 3 s, at most 1.5 s; see
//!   [`super::round_trip`]), the watchdog
//!   acknowledges it (a deferred update, type 6) and everything goes the long way: the step
//!   is posted in the thread, the clicked message edited through the webhook, notices sent as
//!   follow-ups. That is also what happens when the response fails.
//!
//! Whichever comes first wins; the other finds the response taken and goes the other way.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;
use serenity::all::{
    ComponentInteraction, CreateActionRow, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, EditInteractionResponse, Http,
};
use serenity::http::{LightMethod, Request, Route};
use tokio::sync::Notify;
use tracing::{info, warn};

use super::gate::Priority;
use super::render::no_mentions;
use super::rest::Rest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nobody has responded yet.
    Open,
    /// A response is on its way.
    Taken,
    /// The response created a message (the next step, or a private notice).
    Message,
    /// The response updated the clicked message (type 7).
    Updated,
    /// Acknowledged without a message (type 6): the rest goes through the webhook.
    Deferred,
}

/// The part of Discord's answer to a response `?with_response=true` that is needed: which
/// message it made (the rest of the message is skipped, not parsed).
#[derive(serde::Deserialize)]
struct Called {
    resource: Option<Resource>,
}

#[derive(serde::Deserialize)]
struct Resource {
    message: Option<MadeMessage>,
}

#[derive(serde::Deserialize)]
struct MadeMessage {
    id: String,
}

/// What became of a message meant for the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// The response was taken (acknowledged already): post the message another way.
    Taken,
    /// The response created it, with this id if Discord said.
    Message(Option<u64>),
}

/// How long acknowledging waits for a response already on its way (taken, not yet sent):
/// one request to Discord, which the gate sends first; Discord's own deadline is 3 s.
const RESPONSE_ON_ITS_WAY: Duration = Duration::from_secs(3);

/// The response to one click.
pub struct Response<'a> {
    click: &'a ComponentInteraction,
    http: &'a Http,
    rest: Rest<'a>,
    arrived: Instant,
    state: Mutex<State>,
    /// Wakes whoever waits for the response to settle (the watchdog, an acknowledgement
    /// waiting for a response on its way) each time it stops being `Taken`.
    settled: Notify,
}

impl<'a> Response<'a> {
    pub fn new(
        click: &'a ComponentInteraction,
        http: &'a Http,
        rest: Rest<'a>,
        arrived: Instant,
    ) -> Response<'a> {
        Response {
            click,
            http,
            rest,
            arrived,
            state: Mutex::new(State::Open),
            settled: Notify::new(),
        }
    }

    fn state(&self) -> State {
        match self.state.lock() {
            Ok(state) => *state,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    fn set(&self, to: State) {
        match self.state.lock() {
            Ok(mut state) => *state = to,
            Err(poisoned) => *poisoned.into_inner() = to,
        }
        if to != State::Taken {
            self.settled.notify_waiters();
        }
    }

    /// Takes the response if nobody has.
    fn take(&self) -> bool {
        let mut state = match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        let open = *state == State::Open;
        if open {
            *state = State::Taken;
        }
        open
    }

    /// How a response that went through is counted, and what it leaves the response as; a
    /// failed one leaves it open for the watchdog or the end of the click.
    // Serenity's own result, passed through as it came.
    #[allow(clippy::result_large_err)]
    fn outcome<T>(&self, result: serenity::Result<T>, made: State) -> serenity::Result<T> {
        match &result {
            Ok(_) => {
                self.rest.metrics.acknowledged(self.arrived.elapsed());
                self.set(made);
            }
            Err(_) => self.set(State::Open),
        }
        result
    }

    /// Whether the response is a deferred update, whose webhook `@original` is the clicked
    /// message.
    pub fn deferred(&self) -> bool {
        self.state() == State::Deferred
    }

    /// Sends `response` as the click's one response, first in the gate.
    async fn respond(&self, response: CreateInteractionResponse) -> serenity::Result<()> {
        let sent = self.click.create_response(self.http, response);
        self.rest.once(Priority::Acknowledge, sent).await
    }

    /// The click's interaction.
    pub fn click(&self) -> &ComponentInteraction {
        self.click
    }

    /// Opens `modal` as the response (type 9), if it is free. `false`: it was taken (or
    /// failed), and the modal cannot be shown any more.
    pub async fn modal(&self, modal: CreateModal) -> bool {
        if !self.take() {
            return false;
        }
        let sent = self.respond(CreateInteractionResponse::Modal(modal)).await;
        match self.outcome(sent, State::Message) {
            Ok(()) => true,
            Err(err) => {
                warn!("could not open the form: {err}");
                false
            }
        }
    }

    /// Acknowledges the click without a message (type 6), unless it has been answered;
    /// `false` if it had been.
    pub async fn defer(&self) -> bool {
        if !self.take() {
            return false;
        }
        let deferred = self
            .rest
            .once(Priority::Acknowledge, self.click.defer(self.http))
            .await;
        if let Err(err) = self.outcome(deferred, State::Deferred) {
            warn!("could not acknowledge the click: {err}");
            // Nothing more can be tried: the rest goes through the webhook, which fails
            // too if Discord never got an acknowledgement.
            self.set(State::Deferred);
        }
        true
    }

    /// Makes sure the click is acknowledged, and waits until it is: the webhook (follow-ups,
    /// edits of `@original`) answers only once it is.
    pub async fn acknowledged(&self) {
        self.defer().await;
        // Someone else's response may be on its way; it is short.
        let deadline = tokio::time::Instant::now() + RESPONSE_ON_ITS_WAY;
        self.until(|state| state != State::Taken, deadline).await;
    }

    /// Waits until the click is answered, or acknowledges it once the save budget (what
    /// Discord's recent round trip leaves of the deadline) has passed since it came.
    pub async fn watch(&self) {
        let budget = self.rest.gate.round_trip().save_budget();
        let deadline = tokio::time::Instant::from_std(self.arrived + budget);
        let answered = |state| !matches!(state, State::Open | State::Taken);
        if !self.until(answered, deadline).await && self.defer().await {
            let round_trip = self.rest.gate.round_trip().recent();
            info!(
                ?budget,
                ?round_trip,
                "the answer was not saved within the budget Discord's round trip leaves: acknowledged without it"
            );
        }
    }

    /// Waits until `done` holds for the response's state (`true`), or `deadline` passes.
    async fn until(&self, done: impl Fn(State) -> bool, deadline: tokio::time::Instant) -> bool {
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            // Registered before the state is read, so a change in between still wakes it.
            notified.as_mut().enable();
            if done(self.state()) {
                return true;
            }
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return done(self.state()),
                () = &mut notified => {}
            }
        }
    }

    /// Posts `message` as the response (type 4) if nobody has responded. `Err`: the
    /// response failed, and may or may not have created the message.
    pub async fn message(&self, message: &CreateMessage) -> serenity::Result<Made> {
        if !self.take() {
            return Ok(Made::Taken);
        }
        let made = self.send_message(message).await;
        self.outcome(made, State::Message).map(Made::Message)
    }

    async fn send_message(&self, message: &CreateMessage) -> serenity::Result<Option<u64>> {
        let mut data = serde_json::to_value(message)?;
        if let Some(fields) = data.as_object_mut() {
            // What a channel message has and an interaction response does not.
            for field in ["nonce", "enforce_nonce", "sticker_ids", "message_reference"] {
                fields.remove(field);
            }
        }
        let body = serde_json::to_vec(&json!({"type": 4, "data": data}))?;
        let route = Route::InteractionResponse {
            interaction_id: self.click.id,
            token: &self.click.token,
        };
        let request = Request::new(route, LightMethod::Post)
            .body(Some(body))
            .params(Some(vec![("with_response", "true".to_string())]));
        let response: Called = self
            .rest
            .once(Priority::Acknowledge, self.http.fire(request))
            .await?;
        Ok(response
            .resource
            .and_then(|r| r.message)
            .and_then(|m| m.id.parse().ok()))
    }

    /// Answers privately with `text`: as the response if it is free (type 4, ephemeral),
    /// else as a follow-up.
    pub async fn ephemeral(&self, text: String) -> serenity::Result<()> {
        if self.take() {
            let reply = CreateInteractionResponseMessage::new()
                .content(text.clone())
                .ephemeral(true)
                .allowed_mentions(no_mentions());
            let sent = self
                .respond(CreateInteractionResponse::Message(reply))
                .await;
            if self.outcome(sent, State::Message).is_ok() {
                return Ok(());
            }
        }
        self.acknowledged().await;
        super::rest::ephemeral(self.rest, self.http, self.click, text).await
    }

    /// Updates the clicked message's buttons to `rows` as the response (type 7), if it is
    /// free. `false`: it was taken, and the message must be edited another way.
    pub async fn update(&self, rows: Vec<CreateActionRow>) -> bool {
        self.update_message(CreateInteractionResponseMessage::new().components(rows))
            .await
    }

    /// Replaces the clicked message with `text` and no buttons: as the response if it is
    /// free (type 7), else through the webhook, whose `@original` is the clicked message,
    /// once the click is acknowledged.
    pub async fn replace(&self, text: String) -> serenity::Result<()> {
        let update = CreateInteractionResponseMessage::new()
            .content(text.clone())
            .components(Vec::new())
            .allowed_mentions(no_mentions());
        if self.update_message(update).await {
            return Ok(());
        }
        self.acknowledged().await;
        let edit = EditInteractionResponse::new()
            .content(text)
            .components(Vec::new())
            .allowed_mentions(no_mentions());
        let send = || self.click.edit_response(self.http, edit.clone());
        self.rest
            .retried(Priority::Waiting, "replacing the clicked message", send)
            .await
            .map(drop)
    }

    /// Updates the clicked message to `update` as the response (type 7), if it is free.
    pub async fn update_message(&self, update: CreateInteractionResponseMessage) -> bool {
        if !self.take() {
            return false;
        }
        let sent = self
            .respond(CreateInteractionResponse::UpdateMessage(update))
            .await;
        match self.outcome(sent, State::Updated) {
            Ok(()) => true,
            Err(err) => {
                warn!("could not update the clicked message: {err}");
                false
            }
        }
    }
}
