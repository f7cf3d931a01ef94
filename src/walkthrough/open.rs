//! `/backup-help`: open a walkthrough for a person, or point them to the one they have.
//!
//! The person's lock is taken before anything is created, so two `/backup-help` at the same
//! instant open one thread: the second waits, then finds the first. What a crash leaves:
//! - after the thread is created, before the walkthrough is stored: an empty thread, and no
//!   walkthrough; the person's next `/backup-help` opens a new one;
//! - after it is stored, before its first step is posted: the step is owed, and the sweep at
//!   start-up posts it (the private reply with the link is lost: the person sees the thread
//!   appear with its step instead).
//!
//! A walkthrough whose thread was deleted while the bot was away (no THREAD_DELETE reached
//! it) is found out here, by asking Discord for the thread before linking to it.

use tracing::{info, warn};

use super::{EffectError, Outlet, Walkthroughs};
use crate::conversation::{CloseReason, Engine, Input};
use crate::ids::{GuildId, ThreadId, UserId};
use crate::store::{Record, StoreError};

/// Where the person's walkthrough is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    New(ThreadId),
    /// They had one open already (or another `/backup-help` of theirs won a race).
    Existing(ThreadId),
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// The thread could not be opened.
    #[error("could not open a thread: {0}")]
    Thread(EffectError),
    /// The thread was opened but its first step could not be posted; the walkthrough is
    /// closed, so the person can start again.
    #[error("could not post the first step: {0}")]
    NotDelivered(EffectError),
}

/// How long a second `/backup-help` waits for the first (both are acknowledged already).
const PERSON_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

impl Walkthroughs {
    /// The person's walkthrough that is open already, with whatever it owed posted; `None`
    /// if there is none (or its thread is gone, which closes it).
    async fn still_open(
        &self,
        guild: GuildId,
        owner: UserId,
        out: &dyn Outlet,
    ) -> Result<Option<Opened>, OpenError> {
        if let Some(mut existing) = self.store.open_for(guild, owner).await? {
            if out.thread_exists(existing.thread).await {
                // Post whatever it owes; a thread found gone closes it, and a new one opens.
                let turned = self
                    .turn(existing.thread, None, super::Origin::Timer, out)
                    .await?;
                match turned {
                    // Its step cannot be posted: say why rather than link to an empty thread.
                    Some(super::Turned {
                        failure: Some(refused @ EffectError::Refused(_)),
                        ..
                    }) => return Err(OpenError::Thread(refused)),
                    Some(t) if t.record.session.phase.is_open() => {
                        return Ok(Some(Opened::Existing(existing.thread)));
                    }
                    _ => {}
                }
            } else {
                self.close(&mut existing, CloseReason::ThreadDeleted).await;
            }
        }
        Ok(None)
    }

    /// Opens a walkthrough for `owner` in `guild` with the script for the person's `locale`,
    /// or finds the one they have (whatever it still owed is carried out first). The support
    /// team reads its hand-off in the script for `server_locale`, else the default one.
    pub async fn open(
        &self,
        guild: GuildId,
        owner: UserId,
        locale: &str,
        server_locale: Option<&str>,
        out: &dyn Outlet,
    ) -> Result<Opened, OpenError> {
        let _person = self.people.lock(&(guild, owner), PERSON_WAIT).await;
        if let Some(opened) = self.still_open(guild, owner, out).await? {
            return Ok(opened);
        }
        let script = self.script(locale);
        let engine = Engine::new(&script, self.idle);
        let thread = out.open_thread(&script).await.map_err(OpenError::Thread)?;
        // Held until the first step is posted and recorded: a click or a sweep meanwhile
        // waits, and finds it recorded.
        let _turn = self.threads.lock(&thread, super::LOCK_WAIT).await;
        let now = self.now();
        let mut session = engine.new_session(owner, now);
        let reply = engine.apply(&mut session, Input::Start, now);
        let idle_due = engine.idle_due(&session);
        let mut record = Record {
            staff_locale: server_locale.map(|l| self.script(l).locale.clone()),
            ..Record::new(thread, guild, script.locale.clone(), idle_due, session)
        };
        // What the opening means is written with it: opened, it is on record for the report.
        let events = crate::store::events_for(&record, &reply, None, None, now);
        match self.store.insert(&record, &events).await {
            Ok(()) => {}
            Err(StoreError::AlreadyOpen) => {
                // Another process won the race (this process's own are kept out by the lock).
                self.abandon(&record, out).await;
                return match self.store.open_for(guild, owner).await? {
                    Some(winner) => Ok(Opened::Existing(winner.thread)),
                    None => Err(StoreError::AlreadyOpen.into()),
                };
            }
            Err(err) => {
                self.abandon(&record, out).await;
                return Err(err.into());
            }
        }
        info!(%thread, "walkthrough opened");
        self.track(&record);
        self.metrics.record(&events, None);
        crate::crash::point(crate::crash::Point::AfterInsert);
        let settled = self.settle(&mut record, out).await;
        // The first step opens the transcript.
        let lines = crate::transcript::lines_for(thread, &script, &Input::Start, &reply, now);
        self.transcribe(lines).await;
        match settled {
            None => Ok(Opened::New(thread)),
            // Refused, or the thread vanished: nobody would ever see this walkthrough. End
            // it, and free the person to start again once that is fixed.
            Some(err @ (EffectError::Refused(_) | EffectError::Gone)) => {
                warn!(%thread, "the first step could not be posted; closing: {err}");
                self.close(&mut record, CloseReason::NotDelivered).await;
                self.abandon(&record, out).await;
                Err(OpenError::NotDelivered(err))
            }
            // A passing failure (a rate limit, server errors): the step stays owed, the
            // sweep posts it within seconds, and the person gets the link now.
            Some(err) => {
                warn!(%thread, "the first step is not posted yet; it stays owed: {err}");
                self.note(&record, Some(&err)).await;
                Ok(Opened::New(thread))
            }
        }
    }

    /// Archives a thread that holds no walkthrough, best effort.
    async fn abandon(&self, record: &Record, out: &dyn Outlet) {
        let script = self.script(&record.locale);
        if let Err(err) = out
            .carry_out(record, &script, &super::Effect::ArchiveThread)
            .await
        {
            warn!(thread = %record.thread, "could not archive an unused thread: {err}");
        }
    }
}
