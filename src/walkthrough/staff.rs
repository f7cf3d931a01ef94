//! The support team's inputs, each a locked trip like the person's: Join, Claim and Close from
//! the staff card, and the person's rating with its comment. What they owe Discord (the claim
//! told in the thread, the card drawn again) is saved on the walkthrough's row first and
//! carried out like any other owed effect, by the turn or, after a crash, by the sweep.

use std::sync::Arc;

use tracing::info;

use super::effects::{CardData, Known, Shared};
use super::{Effect, EffectError, Origin, Outlet, Turned, Walkthroughs, LOCK_WAIT};
use crate::conversation::{CloseReason, Input, Phase};
use crate::crash::{self, Point};
use crate::ids::{MessageId, ThreadId, UserId};
use crate::script::{EndingKind, Script};
use crate::store::{Claimed, Line, LineKind, Owed, Record, Staffed, StoreError};

/// How a claim went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No walkthrough in that thread (a crafted button).
    NoWalkthrough,
    /// Someone claimed it first: them.
    Already(Staffed),
    /// This claim is the case's; the card and the thread show it (or owe it).
    Now,
}

/// How a Join went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    NoWalkthrough,
    Added,
    Failed(EffectError),
}

/// How a rating went.
#[derive(Debug)]
pub enum Rated {
    NoWalkthrough,
    /// This walkthrough did not ask for one (it was not fixed, nor closed by staff).
    NotAsked,
    /// Only its owner rates it.
    NotTheirs(UserId),
    Already,
    /// Kept; the script it ran on (its comment form is asked in that language).
    Kept(Arc<Script>),
}

/// How a rating's comment went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commented {
    /// No walkthrough of theirs there.
    NotTheirs,
    /// Nothing written: nothing to keep.
    Empty,
    Kept,
    /// Commented already, or never rated.
    Already,
}

impl Walkthroughs {
    /// The walkthrough in `thread`, if there is one: what an input names is checked against it.
    pub async fn record(&self, thread: ThreadId) -> Result<Option<Record>, StoreError> {
        self.store.by_thread(thread).await
    }

    /// The open walkthrough of `owner` in `guild`, if there is one.
    pub async fn open_for(
        &self,
        guild: crate::ids::GuildId,
        owner: UserId,
    ) -> Result<Option<Record>, StoreError> {
        self.store.open_for(guild, owner).await
    }

    /// The threads of walkthroughs in the guilds of `shards` whose idle time is up.
    pub async fn due(
        &self,
        shards: Option<crate::config::ShardRange>,
    ) -> Result<Vec<ThreadId>, StoreError> {
        let due = self.store.due(self.now(), shards, 100).await?;
        Ok(due.into_iter().map(|record| record.thread).collect())
    }

    /// Claims the case in `thread` for `by`, unless someone has: the card shows it and the
    /// thread is told, both owed on the walkthrough's row before the claim is saved, so a
    /// crash after the save leaves them owed, not lost.
    pub async fn claim(
        &self,
        thread: ThreadId,
        by: &Staffed,
        out: &dyn Outlet,
    ) -> Result<Claim, StoreError> {
        let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
        let Some(mut record) = self.store.by_thread(thread).await? else {
            return Ok(Claim::NoWalkthrough);
        };
        let before = record.done;
        record.done.claim_owed = true;
        record.done.card_owed = true;
        self.store.save_shown(&record).await?;
        if let Claimed::Already(first) = self.store.claim(thread, by).await? {
            info!(%thread, "a second claim, refused");
            record.done = before;
            self.store.save_shown(&record).await?;
            return Ok(Claim::Already(first));
        }
        info!(%thread, "the case is claimed");
        crash::point(Point::AfterClaim);
        let failure = self.settle(&mut record, out).await;
        self.note(&record, failure.as_ref()).await;
        Ok(Claim::Now)
    }

    /// Adds `user` (of the support team) to the walkthrough's thread; only a walkthrough's,
    /// whatever a crafted button names.
    pub async fn join(
        &self,
        thread: ThreadId,
        user: UserId,
        out: &dyn Outlet,
    ) -> Result<Joined, StoreError> {
        let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
        let Some(record) = self.store.by_thread(thread).await? else {
            return Ok(Joined::NoWalkthrough);
        };
        let script = self.script_of(&record).await?;
        let added = out
            .carry_out(&record, &script, &Effect::AddToThread(user))
            .await;
        Ok(match added {
            Ok(_) => Joined::Added,
            Err(err) => Joined::Failed(err),
        })
    }

    /// Whether `thread` holds a walkthrough handed off and not closed: a case to close.
    pub async fn is_open_case(&self, thread: ThreadId) -> Result<bool, StoreError> {
        let record = self.store.by_thread(thread).await?;
        Ok(record.is_some_and(|r| matches!(r.session.phase, Phase::HandedOff(_))))
    }

    /// The support team closes the case in `thread` (`by` is who): its walkthrough ends
    /// `closed_by_staff`, and what that owes (the closing message with the rating, archive
    /// and lock, the transcript on the card, which draws the card closed) is carried out by
    /// `out`.
    /// `Ok(None)`: no walkthrough there.
    pub async fn close_by_staff(
        &self,
        thread: ThreadId,
        by: &Staffed,
        out: &dyn Outlet,
    ) -> Result<Option<Turned>, StoreError> {
        let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
        // Who closed it is recorded first: the closing message names them.
        self.store.close_case(thread, by).await?;
        let record = self.store.by_thread(thread).await?;
        if let Some(record) = record.filter(|r| matches!(r.session.phase, Phase::HandedOff(_))) {
            // Into the transcript before the close, which attaches it to the card.
            let script = self.script_of(&record).await?;
            let line = Line {
                thread,
                at: by.at,
                kind: LineKind::Ended,
                author: None,
                text: script.messages.closed_by(&by.name),
            };
            self.transcribe(vec![line]).await;
        }
        let close = Some(Input::Close(CloseReason::ByStaff));
        self.turn_locked(thread, close, Origin::Staff, None, out)
            .await
    }

    /// Keeps `user`'s rating of the walkthrough in `thread`, once, where one was asked for
    /// (fixed, or closed by the support team). The card owes the rating; it is drawn by
    /// [`Walkthroughs::settle_thread`], after the person is answered.
    pub async fn rate(
        &self,
        thread: ThreadId,
        user: UserId,
        stars: u8,
    ) -> Result<Rated, StoreError> {
        let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
        let Some(mut record) = self.store.by_thread(thread).await? else {
            return Ok(Rated::NoWalkthrough);
        };
        let script = self.script_of(&record).await?;
        let asked = match &record.session.phase {
            Phase::Resolved(ending) => script
                .ending(ending)
                .is_some_and(|e| e.kind == EndingKind::Resolved),
            Phase::Closed(CloseReason::ByStaff) => true,
            _ => false,
        };
        if !asked {
            info!(%thread, "a rating for a walkthrough that was not asked for one");
            return Ok(Rated::NotAsked);
        }
        if user != record.session.owner {
            return Ok(Rated::NotTheirs(record.session.owner));
        }
        if !self.store.rate(thread, stars, self.now()).await? {
            return Ok(Rated::Already);
        }
        info!(%thread, stars, "rated");
        self.owe_card(&mut record).await?;
        Ok(Rated::Kept(script))
    }

    /// Keeps the comment on `user`'s rating of the walkthrough in `thread` (trimmed and cut
    /// to the limit); the card owes it, like the rating.
    pub async fn comment(
        &self,
        thread: ThreadId,
        user: UserId,
        text: &str,
    ) -> Result<Commented, StoreError> {
        let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
        let record = self.store.by_thread(thread).await?;
        let Some(mut record) = record.filter(|r| r.session.owner == user) else {
            return Ok(Commented::NotTheirs);
        };
        let Some(comment) = crate::store::cases::clean_comment(text) else {
            return Ok(Commented::Empty);
        };
        if !self.store.comment(thread, &comment).await? {
            return Ok(Commented::Already);
        }
        info!(%thread, "a rating's comment is kept");
        self.owe_card(&mut record).await?;
        Ok(Commented::Kept)
    }

    /// Carries out what the walkthrough in `thread` owes (after an input was answered).
    pub async fn settle_thread(&self, thread: ThreadId, out: &dyn Outlet) {
        if let Err(err) = self.turn(thread, None, Origin::Staff, out).await {
            tracing::warn!(%thread, "could not carry out what a walkthrough owes: {err}");
        }
    }

    /// The case changed: its card owes drawing again.
    async fn owe_card(&self, record: &mut Record) -> Result<(), StoreError> {
        record.done.card_owed = true;
        self.store.save_shown(record).await
    }

    /// The effect that carries out `owed` for `record` (on `script`), with the data it
    /// needs, read here; `None`: nothing to do.
    pub(super) async fn effect_for(
        &self,
        record: &Record,
        script: &Script,
        owed: &Owed,
    ) -> Result<Option<Effect>, StoreError> {
        let mut known = Known::default();
        if let Owed::Step(step) = owed {
            let history = &record.session.history;
            known.position = crate::conversation::position(script, history, step);
            let asking = record.session.asking_follow_up();
            known.ping = asking.then_some(record.session.owner);
        }
        match owed {
            Owed::Step(step) if script.shows_apple_status(step) => {
                known.report = self.apple_report().await;
            }
            Owed::HandOff(_) => {
                known.staff = Some(Shared(self.staff_script(record).await?));
                known.back = self.hours.as_ref().and_then(|h| h.next_opening(self.now()));
            }
            Owed::StaffCard
            | Owed::StaffClosed
            | Owed::Transcript
            | Owed::CardEdit
            | Owed::ClaimNotice => {
                let card = CardData {
                    case: self.store.case(record.thread).await?.unwrap_or_default(),
                    staff: Shared(self.staff_script(record).await?),
                    now: self.now(),
                };
                if *owed == Owed::Transcript && card.case.card.is_some() {
                    self.flush_transcripts().await;
                    let lines = self.store.transcript(record.thread).await?;
                    let owner = record.session.owner;
                    known.transcript = crate::transcript::render(record.thread, owner, &lines);
                }
                known.card = Some(card);
            }
            _ => {}
        }
        Ok(super::effect_of(owed.clone(), &known))
    }

    /// Records where a posted staff card is (`None`: none was posted, and none will be).
    pub(super) async fn card_posted(
        &self,
        thread: ThreadId,
        message: Option<MessageId>,
    ) -> Option<EffectError> {
        let (Some(channel), Some(message)) = (self.staff_channel, message) else {
            return None;
        };
        let set = self.store.set_card(thread, channel, message).await;
        set.err()
            .map(|err| EffectError::Failed(format!("storage: {err}")))
    }
}
