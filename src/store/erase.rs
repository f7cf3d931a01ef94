//! Erasing what is personal about walkthroughs: after the retention period (a purge), or
//! for one person on request (forget).
//!
//! An erased walkthrough leaves no row behind: in the same transaction, what it adds to the
//! report ([`crate::stats::Walk`], from its events and its rating) is added into the counts
//! of the day it ended ([`Erasure::rolled_up_since`]), and its walkthrough, events, case and
//! transcript are deleted. `stats` reads live events and those counts alike, so it reads
//! the same after an erasure, and what is kept of erased walkthroughs grows by day, not by
//! walkthrough.
//!
//! SQLite overwrites what is deleted (`secure_delete`) and checkpoints its write-ahead log
//! after every erasure, so the file keeps no copy of it.

use async_trait::async_trait;

use super::StoreError;
use crate::conversation::Timestamp;
use crate::ids::{ChannelId, MessageId, ThreadId, UserId};
use crate::stats::Counted;

/// What one erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// The erased walkthroughs' threads, as they were: for the caller to drop from what it
    /// knows of threads (nothing keeps them).
    pub threads: Vec<ThreadId>,
    /// Walkthroughs erased (their counts rolled up, their rows deleted).
    pub walkthroughs: usize,
    /// Transcript lines deleted.
    pub lines: usize,
    /// Rating comments deleted.
    pub comments: usize,
    /// The staff cards of the erased walkthroughs' cases, whose ids the erasure cleared: the
    /// front-end's one chance to edit them (they show the person's name and answers).
    pub cards: Vec<ErasedCard>,
}

/// A staff card whose case was erased: where it is, and the language the support team read
/// it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasedCard {
    pub channel: ChannelId,
    pub message: MessageId,
    /// The server's language when the walkthrough began (its `staff_locale`), if known.
    pub locale: Option<String>,
}

impl Erased {
    pub fn add(&mut self, other: Erased) {
        self.threads.extend(other.threads);
        self.walkthroughs += other.walkthroughs;
        self.lines += other.lines;
        self.comments += other.comments;
        self.cards.extend(other.cards);
    }

    /// Nothing was removed.
    pub fn is_empty(&self) -> bool {
        self.walkthroughs == 0 && self.lines == 0 && self.comments == 0
    }
}

/// What forgetting one person removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Their walkthroughs, erased.
    pub erased: Erased,
    /// Open walkthroughs of theirs that were ended first (by the walkthrough service; the
    /// store's own erasure counts none).
    pub ended: usize,
    /// Cases of other people's walkthroughs where they were recorded as the staff member
    /// who claimed or closed it, now without their id and name.
    pub as_staff: usize,
}

/// Erasure; every [`super::SessionStore`] has it.
#[async_trait]
pub trait Erasure: Send + Sync {
    /// Erases up to `batch` walkthroughs that ended before `cutoff` and are not erased yet,
    /// the longest ended first, in one short transaction. Nothing left: an empty report.
    async fn purge_ended_before(
        &self,
        cutoff: Timestamp,
        batch: usize,
    ) -> Result<Erased, StoreError>;

    /// Erases every walkthrough of `user`, in every guild, ended or not (one still open is
    /// erased as it stands: counted as still open, on the day of its last event; end it
    /// through the service first), and
    /// removes their id and name from the cases they claimed or closed as staff.
    ///
    /// Transcript lines they wrote in other people's threads are kept: a line's author is
    /// kept as the name Discord showed, not as an id, so it cannot be told for sure whose
    /// it is.
    async fn forget_user(&self, user: UserId) -> Result<Forgotten, StoreError>;

    /// What erased walkthroughs add to the report, over the days (each from 00:00 UTC, the
    /// day a walkthrough ended) that start at or after `from`; one entry per day and count.
    async fn rolled_up_since(&self, from: Timestamp) -> Result<Vec<(Counted, usize)>, StoreError>;
}
