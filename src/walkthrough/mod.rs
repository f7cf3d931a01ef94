//! The walkthrough service: every input, from every front-end, takes the same trip.
//!
//! ```text
//! lock(thread) → load → settle what is owed → decide (Engine::apply) → save
//!   (compare-and-swap) → settle what is now owed (the next step first) → courtesies
//!   (mark the answered message, notices) → events
//! ```
//!
//! The support team's inputs (`staff`: claim, close, join, the rating and its comment) take
//! the same trip; this module is the only code that reads or writes the store. `decide` is
//! the pure part of a turn, `effects` what goes out (`plan` for the courtesies, `effect_of`
//! for what is owed, with the data each carries), `sweep` the one outbox's sweep.
//!
//! What a walkthrough owes (its current step, an ending's message, the archive, the staff
//! card and its redrawing, the claim's notice) is read off the stored row ([`Record::owed`]) and carried out by an [`Outlet`] (Discord,
//! or a test's), each effect recorded as done once it is. So a crash between any two arrows
//! leaves a row that says what is missing, and the next turn on it, the start-up or the
//! periodic [`Walkthroughs::sweep`] carries it out: no step, ping or archive is lost, and an
//! effect is repeated at most once (Discord's message nonces make even that a no-op).
//!
//! An answer applies only to a step the person has seen: typed text that arrives while the
//! current step is unposted gets the step posted instead, and is not applied to it.

pub mod catch_up;
mod decide;
pub mod effects;
mod erase;
mod known_threads;
mod library;
mod lines;
mod locks;
mod open;
mod scripts;
mod staff;
mod sweep;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tracing::{info, warn};

use crate::clock::Clock;
use crate::conversation::{CloseReason, Engine, IdlePolicy, Input, Reply, Timestamp};
use crate::crash::{self, Point};
use crate::ids::{ChannelId, MessageId, ThreadId};
use crate::metrics::Metrics;
use crate::script::Live;
use crate::script::Script;
use crate::store::{Line, LineKind, Owed, Record, SessionStore, Shown, StoreError};
use crate::timing::{self, Phase};
pub use catch_up::Awaiting;
pub use known_threads::Holder;
pub use library::{Library, Reloaded};
pub use scripts::Scripts;

pub use effects::{effect_of, plan, Answered, CardData, Effect, Known, Notice, Origin, Shared};
pub use erase::PURGE_BATCH;
pub use open::{OpenError, Opened};
pub use staff::{Claim, Commented, Joined, Rated};

/// Why an effect could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EffectError {
    /// Refused for lack of permissions (named, when known); it stays owed, and trying again
    /// helps only once someone grants them.
    #[error("refused: missing {0}")]
    Refused(String),
    /// The thread is gone (deleted, or never visible to the bot).
    #[error("the thread is gone")]
    Gone,
    /// Failed even after retrying (server errors, rate limits, the network); it stays owed
    /// and is tried again later.
    #[error("{0}")]
    Failed(String),
}

/// Carries effects out where the person is.
#[async_trait]
pub trait Outlet: Send + Sync {
    /// Opens a thread for the person who asked, with them in it.
    async fn open_thread(&self, _script: &Script) -> Result<ThreadId, EffectError> {
        Err(EffectError::Failed(
            "this outlet cannot open threads".into(),
        ))
    }

    /// Whether `thread` still exists: a walkthrough whose thread was deleted while the bot
    /// was not listening must not be linked to.
    async fn thread_exists(&self, _thread: ThreadId) -> bool {
        true
    }

    /// The interaction this outlet answers whose own response can carry the first post a
    /// turn owes (a click in the walkthrough's thread, not acknowledged yet). Saved with the
    /// answer, so whoever finds that post still owed later asks Discord for the response's
    /// message before posting again.
    fn responding(&self, _thread: ThreadId) -> Option<crate::ids::InteractionId> {
        None
    }

    /// Carries out `effect` for `record`; a posted step returns its message.
    async fn carry_out(
        &self,
        record: &Record,
        script: &Script,
        effect: &Effect,
    ) -> Result<Option<MessageId>, EffectError>;
}

/// Where Apple's live System Status comes from (the status feed, cached): `None` when it
/// is off, slow or unreadable, and the status step is shown as written.
#[async_trait]
pub trait LiveStatus: Send + Sync {
    async fn report(&self) -> Option<crate::status::Report>;
}

/// What a turn did.
#[derive(Debug)]
pub struct Turned {
    /// The engine's reply; `None` when the input was not applied (no input, or typed text
    /// that arrived while the current step was not posted yet).
    pub reply: Option<Reply>,
    /// The walkthrough after the turn.
    pub record: Record,
    /// The current step was owed when the turn began, and is posted now.
    pub repaired_step: bool,
    /// An owed effect that could not be carried out; it stays owed.
    pub failure: Option<EffectError>,
}

/// How long an input waits for its thread's lock (held by a turn carrying out its effects,
/// retries included) before going ahead without it. Discord's 3 s never wait on this: a
/// click not answered by its turn within the save budget is acknowledged by its watchdog
/// (see the Discord layer's `respond`); and exactly-once does not depend on the lock: saves
/// are compare-and-swap, and what was shown is recorded only against the session version it
/// was shown for.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

pub struct Walkthroughs {
    /// Only this module writes (or reads) the store: every front-end goes through a turn.
    store: Arc<dyn SessionStore>,
    /// The scripts in service.
    scripts: scripts::Scripts,
    idle: IdlePolicy,
    clock: Arc<dyn Clock>,
    threads: locks::Locks<ThreadId>,
    people: locks::Locks<(crate::ids::GuildId, crate::ids::UserId)>,
    /// The threads of open walkthroughs and open cases, known without the store.
    known: known_threads::KnownThreads,
    /// Transcript lines not written yet (see `lines`).
    lines: lines::Pending,
    /// When the sweep may try a walkthrough again whose owed effect failed.
    retry: Mutex<sweep::Backoff>,
    /// Counted from the events each turn records.
    pub metrics: Arc<Metrics>,
    /// Apple's System Status for the status step, if the front-end reads it.
    status: Option<Arc<dyn LiveStatus>>,
    /// Where hand-offs get a staff card (the front-end's staff channel); without one, the
    /// card is recorded as done with the hand-off, and costs no effect of its own.
    staff_channel: Option<ChannelId>,
    /// When the support team is in; a hand-off outside these hours says when it is back.
    hours: Option<crate::hours::Hours>,
}

impl Walkthroughs {
    /// `scripts` must not be empty (`load_dir` never returns an empty list).
    pub fn new(
        store: Arc<dyn SessionStore>,
        scripts: Vec<Script>,
        default_locale: String,
        idle: IdlePolicy,
        clock: Arc<dyn Clock>,
    ) -> Walkthroughs {
        Walkthroughs {
            scripts: scripts::Scripts::new(store.clone(), scripts, default_locale),
            store,
            idle,
            clock,
            threads: locks::Locks::new(),
            people: locks::Locks::new(),
            known: known_threads::KnownThreads::default(),
            lines: lines::Pending::default(),
            retry: Mutex::new(sweep::Backoff::default()),
            metrics: Arc::new(Metrics::new()),
            status: None,
            staff_channel: None,
            hours: None,
        }
    }

    /// Hand-offs owe a card in `channel` (the Discord front-end's staff channel).
    pub fn with_staff_channel(mut self, channel: ChannelId) -> Walkthroughs {
        self.staff_channel = Some(channel);
        self
    }

    /// Hand-offs outside `hours` say when the support team is back.
    pub fn with_hours(mut self, hours: crate::hours::Hours) -> Walkthroughs {
        self.hours = Some(hours);
        self
    }

    /// Reads Apple's System Status from `status` for the status step.
    pub fn with_status(mut self, status: Arc<dyn LiveStatus>) -> Walkthroughs {
        self.status = Some(status);
        self
    }

    /// What Apple reports now (cached by the source), if anything is known.
    pub async fn apple_report(&self) -> Option<crate::status::Report> {
        match &self.status {
            Some(status) => status.report().await,
            None => None,
        }
    }

    /// What the engine must know to apply an input to `record`: on the status step, or while
    /// waiting for Apple to fix a problem, what Apple reports (a problem offers the choices
    /// marked for it; none ends the wait).
    async fn live_at(&self, record: &Record, script: &Script) -> Live {
        let on_status = record
            .session
            .current_step()
            .is_some_and(|step| script.shows_apple_status(step));
        if !on_status && !record.session.watching_apple() {
            return Live::default();
        }
        let report = self.apple_report().await;
        crate::status::Report::live(report.as_ref())
    }

    /// Counts into `metrics` (the front-end's, which it serves) instead of a private set.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Walkthroughs {
        self.metrics = metrics;
        self
    }

    /// The current script for a Discord locale ("en-US" → "en"), else the default one: what
    /// a new walkthrough starts on.
    pub fn script(&self, locale: &str) -> Arc<Script> {
        self.scripts.current(locale)
    }

    /// The script version `record`'s walkthrough runs (see [`Scripts::of`]).
    pub async fn script_of(&self, record: &Record) -> Result<Arc<Script>, StoreError> {
        self.scripts.of(record).await
    }

    /// The script the support team reads `record`'s hand-off in (see [`Scripts::staff`]).
    pub async fn staff_script(&self, record: &Record) -> Result<Arc<Script>, StoreError> {
        self.scripts.staff(record).await
    }

    /// Keeps the current scripts' text in the store, so walkthroughs started on them can
    /// finish on them after an edit, in any process.
    pub async fn keep_current_scripts(&self) -> Result<(), StoreError> {
        self.scripts.keep_current(self.now()).await
    }

    /// Puts `scripts` (validated by the caller) in service for new walkthroughs (see
    /// [`Scripts::reload`]).
    pub async fn reload(&self, scripts: Vec<Script>) -> Result<Reloaded, StoreError> {
        self.scripts.reload(scripts, self.now()).await
    }

    /// How many open walkthroughs run a version other than the current one.
    pub async fn on_older_versions(&self) -> Result<usize, StoreError> {
        self.scripts.on_older_versions().await
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Learns the threads of the walkthroughs open in the store (at start-up).
    pub async fn load_open_threads(&self) -> Result<usize, StoreError> {
        let threads = self.store.open_threads().await?;
        let count = threads.len();
        let cases = self.store.open_cases().await?;
        self.known.learn(threads, cases);
        Ok(count)
    }

    /// Whether `thread` holds a handed-off walkthrough the support team has not closed.
    pub fn is_case(&self, thread: ThreadId) -> bool {
        self.known.is_case(thread)
    }

    /// Adds what someone wrote in `thread` to its transcript: the support team's messages in
    /// a walkthrough, and anyone's in a case. The person's answers are transcribed by their
    /// turns. Best effort: a failure loses a line, never an answer.
    pub async fn transcribe_message(
        &self,
        thread: ThreadId,
        kind: LineKind,
        author: &str,
        text: &str,
    ) {
        let line = Line {
            thread,
            at: self.now(),
            kind,
            author: Some(author.to_string()),
            text: crate::personal::redact(text).into_owned(),
        };
        self.transcribe(vec![line]).await;
    }

    /// Adds `lines` to their transcripts (written in a batch, see `lines`).
    async fn transcribe(&self, lines: Vec<Line>) {
        if !lines.is_empty() && self.lines.add(lines) {
            self.lines.flush(self.store.as_ref()).await;
        }
    }

    /// Writes every transcript line gathered so far: before a transcript is read, at every
    /// sweep, and at shutdown.
    pub async fn flush_transcripts(&self) {
        self.lines.flush(self.store.as_ref()).await;
    }

    /// Whether `thread` holds an open walkthrough, as far as this process knows.
    pub fn may_hold(&self, thread: ThreadId) -> bool {
        self.known.holder(thread).is_some()
    }

    /// Whose the open walkthrough in `thread` is, as far as this process knows: who may
    /// answer it, known without a trip to the store.
    pub fn holder(&self, thread: ThreadId) -> Option<Holder> {
        self.known.holder(thread)
    }

    fn track(&self, record: &Record) {
        self.known.track(record);
    }

    /// Runs one input (or, with `None`, only what is owed) through the walkthrough in
    /// `thread`. `Ok(None)` if there is none. [`StoreError::Conflict`]: another input saved
    /// first, and this one changed nothing.
    pub async fn turn(
        &self,
        thread: ThreadId,
        input: Option<Input>,
        origin: Origin,
        out: &dyn Outlet,
    ) -> Result<Option<Turned>, StoreError> {
        let _turn = timing::phase(Phase::Lock, self.threads.lock(&thread, LOCK_WAIT)).await;
        self.turn_locked(thread, input, origin, None, out).await
    }

    /// The person's typed `message` in `thread`, taken once: a message no newer than the last
    /// one taken (delivered live and again by a catch-up after a restart) is `Ok(None)`. The
    /// message's id is saved with the turn it leads to, in the same write.
    pub async fn typed(
        &self,
        thread: ThreadId,
        message: MessageId,
        text: String,
        out: &dyn Outlet,
    ) -> Result<Option<Turned>, StoreError> {
        let _turn = timing::phase(Phase::Lock, self.threads.lock(&thread, LOCK_WAIT)).await;
        let input = Some(Input::Text(text));
        self.turn_locked(thread, input, Origin::Typed, Some(message), out)
            .await
    }

    /// [`Walkthroughs::turn`], with the thread's lock held already (or not to be had).
    async fn turn_locked(
        &self,
        thread: ThreadId,
        input: Option<Input>,
        origin: Origin,
        heard: Option<MessageId>,
        out: &dyn Outlet,
    ) -> Result<Option<Turned>, StoreError> {
        let Some(mut record) = self.store.by_thread(thread).await? else {
            return Ok(None);
        };
        let input = self.follow_up_tick(&record, input).await?;
        if let Some(message) = heard {
            if record.heard.is_some_and(|taken| taken >= message) {
                return Ok(None);
            }
            // Saved with whatever this turn saves first.
            record.heard = Some(message);
        }
        let was_owed = record.session.current_step().is_some() && !record.step_is_posted();
        if input.is_some() && origin.is_the_person() && record.owed().contains(&Owed::IdleWarning) {
            // The person is back before "still there?" could be posted: it is moot.
            record.done.warned_for = Some(record.session.last_activity);
            if let Err(err) = self.store.save_shown(&record).await {
                warn!(%thread, "could not drop a moot idle warning: {err}");
            }
        }
        let failure_before = self.settle(&mut record, out).await;
        let repaired_step = was_owed && record.step_is_posted();
        if repaired_step {
            // Their quiet time starts now, not when the step fell due.
            let script = self.script_of(&record).await?;
            let engine = Engine::new(&script, self.idle);
            let version = record.session.version;
            if engine.shown_late(&mut record.session, self.now()) {
                record.idle_due = engine.idle_due(&record.session);
                self.store.save(&record, version, &[]).await?;
            }
        }
        let input = match input {
            // The person has not seen the step this text would answer: the step is posted
            // now (or still owed), and they are asked again by it.
            Some(Input::Text(_)) if was_owed => None,
            other => other,
        };
        let Some(input) = input else {
            self.note(&record, failure_before.as_ref()).await;
            return Ok(Some(Turned {
                reply: None,
                record,
                repaired_step,
                failure: failure_before,
            }));
        };
        self.apply_input(record, input, origin, out, repaired_step, failure_before)
            .await
            .map(Some)
    }

    /// The executor of one input: [`decide`](decide::decide), save what it decided with the
    /// events it means (compare-and-swap), carry out what is owed and the courtesies, count
    /// the events and record the transcript lines.
    async fn apply_input(
        &self,
        record: Record,
        input: Input,
        origin: Origin,
        out: &dyn Outlet,
        repaired_step: bool,
        failure_before: Option<EffectError>,
    ) -> Result<Turned, StoreError> {
        let thread = record.thread;
        let script = self.script_of(&record).await?;
        let live = self.live_at(&record, &script).await;
        let engine = Engine::new(&script, self.idle).with_live(live);
        let cx = decide::Context {
            engine: &engine,
            script: &script,
            live,
            repaired_step,
            responding: out.responding(thread),
            staff_cards: self.staff_channel.is_some(),
        };
        let now = self.now();
        let version = record.session.version;
        let decision = decide::decide(&record, input, origin, now, &cx);
        let mut record = decision.record;
        if decision.save != decide::Save::Nothing {
            // The events go with the save: whatever happens next, the turn is on record.
            self.store.save(&record, version, &decision.events).await?;
        } else if record.heard.is_some() && origin == Origin::Typed {
            // Asked again: nothing else to save, but this message is taken.
            if let Err(err) = self.store.save_shown(&record).await {
                warn!(%thread, "could not note a typed message as taken: {err}");
            }
        }
        if decision.save == decide::Save::Moved {
            self.track(&record);
            crash::point(Point::AfterSave);
            if origin == Origin::Staff {
                crash::point(Point::AfterClose);
            }
            if record.session.asking_follow_up() && origin == Origin::Timer {
                crash::point(Point::AfterFollowUp);
            }
        }
        if decision.opens_case {
            // The case opens with the hand-off: from now on the thread is transcribed
            // whoever writes, and the card can say how long a claim took.
            if let Err(err) = self.store.open_case(thread, now).await {
                warn!(%thread, "could not open the support team's case: {err}");
            }
        }
        let failure = self
            .carry_out_answer(&mut record, &script, &decision.courtesies, out)
            .await
            .or(failure_before);
        self.note(&record, failure.as_ref()).await;
        if matches!(decision.reply, Reply::ReAsk { .. }) {
            self.metrics.reasked();
        }
        self.metrics.record(&decision.events, decision.via);
        self.transcribe(decision.lines).await;
        Ok(Turned {
            reply: Some(decision.reply),
            record,
            repaired_step,
            failure,
        })
    }

    /// What the person needs next (the next step) and marking the answered message (against
    /// what was shown when the input came) go together: neither waits for the other's round
    /// trip. The archive waits for both: an archived thread's messages cannot be edited.
    async fn carry_out_answer(
        &self,
        record: &mut Record,
        script: &Script,
        courtesies: &[Effect],
        out: &dyn Outlet,
    ) -> Option<EffectError> {
        let (thread, answered) = (record.thread, record.clone());
        let courtesies = async {
            for effect in courtesies {
                if let Err(err) = out.carry_out(&answered, script, effect).await {
                    warn!(?effect, %thread, "could not carry out a courtesy: {err}");
                }
            }
        };
        let (failure, ()) = tokio::join!(
            self.settle_but(record, out, Some(Owed::Archive)),
            courtesies
        );
        match failure {
            None => self.settle(record, out).await,
            stopped => stopped,
        }
    }

    /// Tells the sweep how the last try went: after a failure it waits before trying again,
    /// so a refusal met by a click is not repeated at once by the sweep.
    async fn note(&self, record: &Record, failure: Option<&EffectError>) {
        let thread = record.thread;
        let next = match self.retry.lock() {
            Ok(mut backoff) if failure.is_some() && !record.owed().is_empty() => {
                let refused = matches!(failure, Some(EffectError::Refused(_)));
                Some(backoff.failed(thread, self.clock.now(), refused))
            }
            // It had been put off: it may be tried at once again when next it owes something.
            Ok(mut backoff) => backoff.succeeded(thread).then_some(Timestamp(0)),
            Err(_) => None,
        };
        if let Some(at) = next {
            if let Err(err) = self.store.retry_at(thread, at).await {
                warn!(%thread, "cannot put off the next try: {err}");
            }
        }
    }

    /// Carries out what `record` owes, in order, recording each effect once done. Stops at
    /// the first that fails, which stays owed; a thread found gone closes the walkthrough.
    async fn settle(&self, record: &mut Record, out: &dyn Outlet) -> Option<EffectError> {
        self.settle_but(record, out, None).await
    }

    /// [`Walkthroughs::settle`], leaving `later` (the archive, while the answered message is
    /// still to be marked: an archived thread's messages cannot be edited) owed.
    async fn settle_but(
        &self,
        record: &mut Record,
        out: &dyn Outlet,
        later: Option<Owed>,
    ) -> Option<EffectError> {
        let owed = record.owed();
        if owed.is_empty() {
            return None;
        }
        let script = match self.script_of(record).await {
            Ok(script) => script,
            // Nothing is carried out on a version it cannot be sure of; the sweep tries again.
            Err(err) => return Some(EffectError::Failed(format!("storage: {err}"))),
        };
        for owed in owed.into_iter().filter(|o| Some(o) != later.as_ref()) {
            let effect = match self.effect_for(record, &script, &owed).await {
                Ok(effect) => effect,
                Err(err) => return Some(EffectError::Failed(format!("storage: {err}"))),
            };
            let carried = match &effect {
                Some(effect) => out.carry_out(record, &script, effect).await,
                None => Ok(None),
            };
            let message = match carried {
                Ok(message) => message,
                Err(EffectError::Gone) => {
                    self.thread_gone(record).await;
                    return Some(EffectError::Gone);
                }
                Err(err) => {
                    warn!(thread = %record.thread, owed = owed.kind(), "an owed effect failed; it stays owed: {err}");
                    return Some(err);
                }
            };
            crash::point(Point::AfterPost);
            // Only the first effect owed can have gone through the interaction's response.
            record.responding = None;
            if let Some(err) = self
                .mark_done(record, owed, effect.is_some(), message)
                .await
            {
                return Some(err);
            }
            if let Err(err) = self.store.save_shown(record).await {
                // Carried out but not recorded: the next settle repeats it (once).
                warn!(thread = %record.thread, "could not record a carried-out effect: {err}");
                return Some(EffectError::Failed(format!("storage: {err}")));
            }
        }
        None
    }

    /// Records on `record` that `owed` is carried out (`carried`: an effect was; `message`:
    /// the message it posted, if any).
    async fn mark_done(
        &self,
        record: &mut Record,
        owed: Owed,
        carried: bool,
        message: Option<MessageId>,
    ) -> Option<EffectError> {
        match owed {
            Owed::Step(step) => match message {
                Some(message) => {
                    let serial = record.session.step_serial;
                    record.shown = Some(Shown {
                        step,
                        serial,
                        message,
                    });
                }
                None => return Some(EffectError::Failed("the step was not posted".into())),
            },
            Owed::IdleWarning => record.done.warned_for = Some(record.session.last_activity),
            Owed::Resolved(_) | Owed::HandOff(_) | Owed::IdleClosed => {
                record.done.ending_posted = true
            }
            Owed::StaffClosed => record.done.close_posted = true,
            Owed::Archive => record.done.archived = true,
            Owed::StaffCard => {
                if let Some(err) = self.card_posted(record.thread, message).await {
                    return Some(err);
                }
                record.done.card_posted = true;
            }
            // The attachment draws the card as the case stands.
            Owed::Transcript => {
                record.done.transcript_attached = true;
                record.done.card_owed = false;
            }
            Owed::CardEdit => record.done.card_owed = false,
            Owed::ClaimNotice => {
                if carried {
                    if let Err(err) = self.store.claim_announced(record.thread).await {
                        return Some(EffectError::Failed(format!("storage: {err}")));
                    }
                }
                record.done.claim_owed = false;
            }
        }
        None
    }

    /// Closes an open walkthrough for `reason` (its thread is gone, it could not start).
    async fn close(&self, record: &mut Record, reason: CloseReason) {
        let script = match self.script_of(record).await {
            Ok(script) => script,
            Err(err) => {
                warn!(thread = %record.thread, reason = reason.as_str(), "could not close a walkthrough: {err}");
                return;
            }
        };
        let engine = Engine::new(&script, self.idle);
        let version = record.session.version;
        let shown_before = record.session.current_step().cloned();
        let follow_up_before = record.session.follow_up_state();
        let now = self.now();
        // Closed on a copy: the record changes only once the close is saved.
        let mut closed = record.clone();
        let reply = engine.apply(&mut closed.session, Input::Close(reason), now);
        if closed.session.version == version {
            return;
        }
        closed.idle_due = None;
        closed.note_end(now);
        closed.note_follow_up(&reply, follow_up_before);
        let events = crate::store::events_for(
            &closed,
            &reply,
            shown_before.as_ref(),
            follow_up_before,
            now,
        );
        match self.store.save(&closed, version, &events).await {
            Ok(()) => {
                *record = closed;
                info!(thread = %record.thread, reason = reason.as_str(), "walkthrough closed");
                self.track(record);
                self.metrics.record(&events, None);
            }
            Err(err) => warn!(thread = %record.thread, "could not close a walkthrough: {err}"),
        }
    }

    /// A tick that may ask a follow-up's question (a fix's, or Apple's news) while the
    /// person has another walkthrough open becomes [`Input::TickOpenElsewhere`]: one person,
    /// one open walkthrough per guild.
    async fn follow_up_tick(
        &self,
        record: &Record,
        input: Option<Input>,
    ) -> Result<Option<Input>, StoreError> {
        if input != Some(Input::Tick) || !record.session.follow_up_due(self.now()) {
            return Ok(input);
        }
        let elsewhere = self
            .store
            .open_for(record.guild, record.session.owner)
            .await?;
        Ok(Some(match elsewhere {
            Some(other) => {
                info!(thread = %record.thread, other = %other.thread, "a follow-up is dropped: the person has another walkthrough open");
                Input::TickOpenElsewhere
            }
            None => Input::Tick,
        }))
    }

    /// Closes the walkthrough in a thread that was deleted.
    pub async fn thread_deleted(&self, thread: ThreadId) -> Result<(), StoreError> {
        let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
        if let Some(mut record) = self.store.by_thread(thread).await? {
            self.thread_gone(&mut record).await;
        }
        Ok(())
    }

    /// The thread is gone: an open walkthrough closes; an ended one owes nothing any more
    /// (its closing message and archive have nowhere to go).
    async fn thread_gone(&self, record: &mut Record) {
        if record.session.phase.is_open() {
            return self.close(record, CloseReason::ThreadDeleted).await;
        }
        if record
            .session
            .follow_up_state()
            .is_some_and(|s| !s.is_settled())
        {
            // Its follow-up (the question after a fix, a wait for Apple) has nowhere to go.
            self.close(record, CloseReason::ThreadDeleted).await;
        }
        record.done = crate::store::Done::ALL;
        if let Err(err) = self.store.save_shown(record).await {
            warn!(thread = %record.thread, "could not forget what a gone thread owed: {err}");
        }
    }
}

#[cfg(test)]
mod tests;
