//! A [`SessionStore`] in memory, for what needs no database: the terminal walk (`chat`) and
//! tests of the walkthrough service. It keeps the same contract as the SQL store (the contract
//! test suite runs against both): compare-and-swap saves, one open walkthrough per person
//! per guild, the outbox's `owes` and `retry_at`, shard-filtered queries.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::cases::{Case, CaseStore, Claimed, Line, Rating, Staffed};
use super::erase::{Erased, ErasedCard, Erasure, Forgotten};
use super::{Event, Record, SessionStore, StoreError, StoredScript};
use crate::config::ShardRange;
use crate::conversation::Timestamp;
use crate::ids::{ChannelId, GuildId, MessageId, ThreadId, UserId};
use crate::script::ScriptHash;
use crate::stats::{day_of, Counted, Walk};

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rows: HashMap<ThreadId, Row>,
    events: Vec<Event>,
    scripts: HashMap<ScriptHash, StoredScript>,
    cases: HashMap<ThreadId, Case>,
    lines: Vec<Line>,
    /// What erased walkthroughs add to the report, by day and count.
    rolled: BTreeMap<(Timestamp, Counted), usize>,
}

#[derive(Debug, Clone)]
struct Row {
    record: Record,
    /// As the SQL store keeps it: computed by whoever wrote the row, from what they had.
    owes: bool,
    retry_at: Timestamp,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Rows where `keep` holds, in the guilds of `shards`, ordered by `key`, at most `limit`.
    fn select(
        &self,
        shards: Option<ShardRange>,
        limit: u32,
        keep: impl Fn(&Row) -> bool,
        key: impl Fn(&Row) -> Option<Timestamp>,
    ) -> Vec<Record> {
        let inner = self.inner();
        let mut rows: Vec<&Row> = inner
            .rows
            .values()
            .filter(|r| shards.is_none_or(|s| s.owns(r.record.guild.get())))
            .filter(|r| keep(r))
            .collect();
        rows.sort_by_key(|r| (key(r), r.record.thread));
        rows.into_iter()
            .take(limit as usize)
            .map(|r| r.record.clone())
            .collect()
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn insert(&self, record: &Record, events: &[Event]) -> Result<(), StoreError> {
        let mut inner = self.inner();
        let taken = inner.rows.contains_key(&record.thread)
            || (record.session.phase.is_open()
                && inner.rows.values().any(|r| {
                    r.record.session.phase.is_open()
                        && r.record.guild == record.guild
                        && r.record.session.owner == record.session.owner
                }));
        if taken {
            return Err(StoreError::AlreadyOpen);
        }
        let row = Row {
            record: record.clone(),
            owes: !record.owed().is_empty(),
            retry_at: Timestamp(0),
        };
        inner.rows.insert(record.thread, row);
        inner.events.extend_from_slice(events);
        Ok(())
    }

    async fn by_thread(&self, thread: ThreadId) -> Result<Option<Record>, StoreError> {
        Ok(self.inner().rows.get(&thread).map(|r| r.record.clone()))
    }

    async fn open_for(&self, guild: GuildId, owner: UserId) -> Result<Option<Record>, StoreError> {
        let inner = self.inner();
        let open = inner.rows.values().find(|r| {
            r.record.session.phase.is_open()
                && r.record.guild == guild
                && r.record.session.owner == owner
        });
        Ok(open.map(|r| r.record.clone()))
    }

    async fn save(
        &self,
        record: &Record,
        expected_version: u64,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let mut inner = self.inner();
        // One open walkthrough per person per guild, as the SQL stores' unique index.
        let open_elsewhere = record.session.phase.is_open()
            && inner.rows.values().any(|r| {
                r.record.thread != record.thread
                    && r.record.session.phase.is_open()
                    && r.record.guild == record.guild
                    && r.record.session.owner == record.session.owner
            });
        if open_elsewhere {
            return Err(StoreError::AlreadyOpen);
        }
        let row = inner
            .rows
            .get_mut(&record.thread)
            .filter(|r| r.record.session.version == expected_version)
            .ok_or(StoreError::Conflict)?;
        // What was shown is left alone, as in the SQL store.
        row.record.session = record.session.clone();
        row.record.idle_due = record.idle_due;
        row.record.responding = record.responding;
        row.record.heard = record.heard;
        row.record.done = record.done;
        row.record.ended_at = match record.session.phase.is_open() || record.ended_at.is_none() {
            true => None,
            false => row.record.ended_at.or(record.ended_at),
        };
        row.owes = !record.owed().is_empty();
        inner.events.extend_from_slice(events);
        Ok(())
    }

    async fn save_shown(&self, record: &Record) -> Result<(), StoreError> {
        let mut inner = self.inner();
        let row = inner
            .rows
            .get_mut(&record.thread)
            .filter(|r| r.record.session.version == record.session.version)
            .ok_or(StoreError::Conflict)?;
        row.record.shown = record.shown.clone();
        row.record.done = record.done;
        row.record.responding = record.responding;
        row.record.heard = record.heard;
        row.owes = !record.owed().is_empty();
        Ok(())
    }

    async fn due(
        &self,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let due = |r: &Row| r.record.idle_due.is_some_and(|at| at <= now);
        Ok(self.select(shards, limit, due, |r| r.record.idle_due))
    }

    async fn owing(
        &self,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let owing = |r: &Row| r.owes && r.retry_at <= now;
        Ok(self.select(shards, limit, owing, |r| Some(r.retry_at)))
    }

    async fn open_in(
        &self,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let open = |r: &Row| r.record.session.phase.is_open();
        Ok(self.select(shards, limit, open, |_| None))
    }

    async fn retry_at(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError> {
        if let Some(row) = self.inner().rows.get_mut(&thread) {
            row.retry_at = at;
        }
        Ok(())
    }

    async fn open_threads(&self) -> Result<Vec<(ThreadId, UserId, String)>, StoreError> {
        let inner = self.inner();
        let open = inner
            .rows
            .values()
            .filter(|r| r.record.session.phase.is_open());
        Ok(open
            .map(|r| {
                (
                    r.record.thread,
                    r.record.session.owner,
                    r.record.locale.clone(),
                )
            })
            .collect())
    }

    async fn count_open(&self) -> Result<usize, StoreError> {
        let inner = self.inner();
        let open = inner.rows.values();
        Ok(open.filter(|r| r.record.session.phase.is_open()).count())
    }

    async fn append_all(&self, events: &[Event]) -> Result<(), StoreError> {
        self.inner().events.extend_from_slice(events);
        Ok(())
    }

    async fn keep_script(&self, script: &StoredScript, _now: Timestamp) -> Result<(), StoreError> {
        let mut inner = self.inner();
        inner
            .scripts
            .entry(script.hash)
            .or_insert_with(|| script.clone());
        Ok(())
    }

    async fn script(&self, hash: ScriptHash) -> Result<Option<StoredScript>, StoreError> {
        Ok(self.inner().scripts.get(&hash).cloned())
    }

    async fn scripts_in_use(&self) -> Result<Vec<(ScriptHash, usize)>, StoreError> {
        let inner = self.inner();
        let mut counts: HashMap<ScriptHash, usize> = HashMap::new();
        for row in inner.rows.values() {
            let session = &row.record.session;
            if session.phase.is_open() {
                *counts.entry(session.script.hash).or_default() += 1;
            }
        }
        let mut used: Vec<(ScriptHash, usize)> = counts.into_iter().collect();
        used.sort_by_key(|(hash, _)| hash.0);
        Ok(used)
    }

    async fn events_since(&self, since: Timestamp) -> Result<Vec<Event>, StoreError> {
        let inner = self.inner();
        Ok(inner
            .events
            .iter()
            .filter(|e| e.at >= since)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl CaseStore for MemoryStore {
    async fn open_case(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError> {
        let mut inner = self.inner();
        let case = inner.cases.entry(thread).or_default();
        case.opened_at.get_or_insert(at);
        Ok(())
    }

    async fn case(&self, thread: ThreadId) -> Result<Option<Case>, StoreError> {
        Ok(self.inner().cases.get(&thread).cloned())
    }

    async fn open_cases(&self) -> Result<Vec<ThreadId>, StoreError> {
        let inner = self.inner();
        let open = inner
            .cases
            .iter()
            .filter(|(_, c)| c.opened_at.is_some() && c.closed.is_none());
        Ok(open.map(|(thread, _)| *thread).collect())
    }

    async fn set_card(
        &self,
        thread: ThreadId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), StoreError> {
        self.inner().cases.entry(thread).or_default().card = Some((channel, message));
        Ok(())
    }

    async fn claim(&self, thread: ThreadId, by: &Staffed) -> Result<Claimed, StoreError> {
        let mut inner = self.inner();
        let case = inner.cases.entry(thread).or_default();
        match &case.claimed {
            Some(first) => Ok(Claimed::Already(first.clone())),
            None => {
                case.claimed = Some(by.clone());
                Ok(Claimed::Now)
            }
        }
    }

    async fn unannounced_claims(&self) -> Result<Vec<(ThreadId, Staffed)>, StoreError> {
        let inner = self.inner();
        let mut claims: Vec<(ThreadId, Staffed)> = inner
            .cases
            .iter()
            .filter(|(_, c)| !c.claim_announced)
            .filter_map(|(thread, c)| c.claimed.clone().map(|by| (*thread, by)))
            .collect();
        claims.sort_by_key(|(thread, _)| *thread);
        Ok(claims)
    }

    async fn claim_announced(&self, thread: ThreadId) -> Result<(), StoreError> {
        if let Some(case) = self.inner().cases.get_mut(&thread) {
            case.claim_announced = true;
        }
        Ok(())
    }

    async fn close_case(&self, thread: ThreadId, by: &Staffed) -> Result<(), StoreError> {
        let mut inner = self.inner();
        let case = inner.cases.entry(thread).or_default();
        case.closed.get_or_insert_with(|| by.clone());
        Ok(())
    }

    async fn rate(&self, thread: ThreadId, stars: u8, at: Timestamp) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        let case = inner.cases.entry(thread).or_default();
        if case.rating.is_some() {
            return Ok(false);
        }
        case.rating = Some(Rating {
            stars,
            comment: None,
            at,
        });
        Ok(true)
    }

    async fn comment(&self, thread: ThreadId, text: &str) -> Result<bool, StoreError> {
        let mut inner = self.inner();
        let rating = inner.cases.get_mut(&thread).and_then(|c| c.rating.as_mut());
        match rating {
            Some(rating) if rating.comment.is_none() => {
                rating.comment = Some(text.to_string());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn ratings_since(&self, since: Timestamp) -> Result<Vec<(ThreadId, u8)>, StoreError> {
        let inner = self.inner();
        let mut rated: Vec<(Timestamp, ThreadId, u8)> = inner
            .cases
            .iter()
            .filter_map(|(thread, c)| c.rating.as_ref().map(|r| (r.at, *thread, r.stars)))
            .filter(|(at, _, _)| *at >= since)
            .collect();
        rated.sort();
        Ok(rated
            .into_iter()
            .map(|(_, thread, stars)| (thread, stars))
            .collect())
    }

    async fn transcribe(&self, lines: &[Line]) -> Result<(), StoreError> {
        self.inner().lines.extend_from_slice(lines);
        Ok(())
    }

    async fn transcript(&self, thread: ThreadId) -> Result<Vec<Line>, StoreError> {
        let inner = self.inner();
        Ok(inner
            .lines
            .iter()
            .filter(|l| l.thread == thread)
            .cloned()
            .collect())
    }
}

impl Inner {
    /// Erases the walkthrough in `thread` as the SQL store does: what it counts rolled up
    /// into the day it ended, its rows removed.
    fn erase(&mut self, thread: ThreadId) -> Erased {
        let Some(row) = self.rows.remove(&thread) else {
            return Erased::default();
        };
        let before = self.lines.len();
        self.lines.retain(|l| l.thread != thread);
        let mut erased = Erased {
            threads: vec![thread],
            walkthroughs: 1,
            lines: before - self.lines.len(),
            ..Erased::default()
        };
        let case = self.cases.remove(&thread).unwrap_or_default();
        let rating = case.rating.as_ref();
        erased.comments = usize::from(rating.is_some_and(|r| r.comment.is_some()));
        if let Some((channel, message)) = case.card {
            let locale = row.record.staff_locale.clone();
            erased.cards.push(ErasedCard {
                channel,
                message,
                locale,
            });
        }
        let (events, kept) = std::mem::take(&mut self.events)
            .into_iter()
            .partition(|e| e.thread == thread);
        self.events = kept;
        let history: Vec<&Event> = events.iter().collect();
        let stars: Vec<u8> = rating.iter().map(|r| r.stars).collect();
        let last_event = events.iter().map(|e| e.at).max();
        let ended = row.record.ended_at.or(last_event);
        let day = day_of(ended.or(rating.map(|r| r.at)).unwrap_or(Timestamp(0)));
        for (counted, n) in Walk::of(&history, &stars).counts() {
            *self.rolled.entry((day, counted)).or_default() += n;
        }
        erased
    }

    /// Erases every walkthrough in `threads`.
    fn erase_all(&mut self, threads: &[ThreadId]) -> Erased {
        let mut erased = Erased::default();
        for thread in threads {
            erased.add(self.erase(*thread));
        }
        erased
    }
}

#[async_trait]
impl Erasure for MemoryStore {
    async fn purge_ended_before(
        &self,
        cutoff: Timestamp,
        batch: usize,
    ) -> Result<Erased, StoreError> {
        let mut inner = self.inner();
        let mut ended: Vec<(Timestamp, ThreadId)> = inner
            .rows
            .values()
            .filter_map(|r| r.record.ended_at.map(|at| (at, r.record.thread)))
            .filter(|(at, _)| *at < cutoff)
            .collect();
        ended.sort();
        let threads: Vec<ThreadId> = ended.into_iter().take(batch).map(|(_, t)| t).collect();
        Ok(inner.erase_all(&threads))
    }

    async fn forget_user(&self, user: UserId) -> Result<Forgotten, StoreError> {
        let mut inner = self.inner();
        let mut threads: Vec<ThreadId> = inner
            .rows
            .values()
            .filter(|r| r.record.session.owner == user)
            .map(|r| r.record.thread)
            .collect();
        threads.sort();
        let erased = inner.erase_all(&threads);
        let mut as_staff = 0;
        for case in inner.cases.values_mut() {
            for staffed in [&mut case.claimed, &mut case.closed] {
                if staffed.as_ref().is_some_and(|s| s.by == user) {
                    *staffed = None;
                    as_staff += 1;
                }
            }
        }
        Ok(Forgotten {
            erased,
            ended: 0,
            as_staff,
        })
    }

    async fn rolled_up_since(&self, from: Timestamp) -> Result<Vec<(Counted, usize)>, StoreError> {
        let inner = self.inner();
        let days = inner.rolled.iter().filter(|((day, _), _)| *day >= from);
        Ok(days
            .map(|((_, counted), n)| (counted.clone(), *n))
            .collect())
    }
}
