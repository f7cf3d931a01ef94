//! Erasure through the service: the retention purge, and forgetting one person (whose open
//! walkthroughs are ended first, by the same close a deleted thread gets: their threads are
//! left as they are, and nothing more is posted there).

use std::time::Duration;

use tracing::info;

use super::{Walkthroughs, LOCK_WAIT};
use crate::conversation::Timestamp;
use crate::ids::UserId;
use crate::store::{Erased, Forgotten, StoreError};

/// Walkthroughs per purge batch: one short transaction each, so a purge never holds the
/// SQLite writer long enough to be felt by a turn.
pub const PURGE_BATCH: usize = 50;

/// After each batch the purge rests this many times as long as the batch took (and at
/// least [`PURGE_REST_MIN`]), so turns waiting for the writer get it at once: a purge of
/// many walkthroughs takes longer, and the answers meanwhile do not wait on it.
const PURGE_REST_FACTOR: u32 = 2;
const PURGE_REST_MIN: Duration = Duration::from_millis(10);

impl Walkthroughs {
    /// Erases what is personal about every walkthrough that ended more than `retention`
    /// ago, [`PURGE_BATCH`] at a time until a batch finds none, resting between batches.
    pub async fn purge(&self, retention: Duration) -> Result<Erased, StoreError> {
        let cutoff = self.now().minus(retention);
        self.purge_ended_before(cutoff, PURGE_BATCH).await
    }

    /// [`Walkthroughs::purge`] with the cutoff and batch given.
    pub async fn purge_ended_before(
        &self,
        cutoff: Timestamp,
        batch: usize,
    ) -> Result<Erased, StoreError> {
        let mut total = Erased::default();
        loop {
            let started = std::time::Instant::now();
            let erased = self.store.purge_ended_before(cutoff, batch).await?;
            if erased.walkthroughs == 0 {
                return Ok(total);
            }
            self.forget_threads(&erased);
            total.add(erased);
            let rest = (started.elapsed() * PURGE_REST_FACTOR).max(PURGE_REST_MIN);
            tokio::time::sleep(rest).await;
        }
    }

    /// Erases everything personal about `user`: each open walkthrough of theirs is closed
    /// first (through its locked turn), then every walkthrough of theirs is erased, in every
    /// guild, and their name comes off the cases they claimed or closed. The staff cards of
    /// their cases come back in `erased.cards`: the store no longer knows them, so this is
    /// the front-end's one chance to edit them.
    pub async fn forget(&self, user: UserId) -> Result<Forgotten, StoreError> {
        let open = self.store.open_threads().await?;
        let mut ended = 0;
        for (thread, _, _) in open.into_iter().filter(|(_, owner, _)| *owner == user) {
            let _turn = self.threads.lock(&thread, LOCK_WAIT).await;
            let Some(mut record) = self.store.by_thread(thread).await? else {
                continue;
            };
            if record.session.phase.is_open() && record.session.owner == user {
                self.thread_gone(&mut record).await;
                ended += usize::from(!record.session.phase.is_open());
            }
        }
        // Lines still waiting to be written would otherwise arrive after the erasure.
        self.flush_transcripts().await;
        let mut forgotten = self.store.forget_user(user).await?;
        forgotten.ended = ended;
        self.forget_threads(&forgotten.erased);
        info!(
            walkthroughs = forgotten.erased.walkthroughs,
            ended,
            lines = forgotten.erased.lines,
            comments = forgotten.erased.comments,
            as_staff = forgotten.as_staff,
            "a person's data was erased"
        );
        Ok(forgotten)
    }

    /// Forgets the case threads known here whose walkthrough is gone from the store (erased
    /// by another process, such as `forget` on the command line), so nothing written there
    /// is transcribed any more; how many.
    pub async fn drop_erased_cases(&self) -> Result<usize, StoreError> {
        let mut dropped = 0;
        for thread in self.known.cases() {
            if self.store.by_thread(thread).await?.is_none() {
                self.known.forget(thread);
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    fn forget_threads(&self, erased: &Erased) {
        for thread in &erased.threads {
            self.known.forget(*thread);
        }
    }
}
