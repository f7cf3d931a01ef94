//! [`Erasure`] for SQLite and PostgreSQL (see [`super::erase`] for what an erasure keeps).
//!
//! One erasure is one transaction: the walkthroughs it picks, what each adds to the report
//! added into the day it ended (one upsert per day and count, whichever process erased the
//! day's others), and their rows deleted from every table. On SQLite it takes the write
//! lock at its start (`BEGIN IMMEDIATE`) and is followed by a checkpoint that empties the
//! write-ahead log, so the log keeps no older copy of an erased page. Two processes erasing
//! at once on PostgreSQL may pick the same walkthrough: each deletes its walkthrough row
//! before counting it, so the second waits for the first's commit, finds the row gone,
//! and leaves that walkthrough alone (it is neither counted twice nor reported twice).

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

use super::erase::{Erased, ErasedCard, Erasure, Forgotten};
use super::sql::{db, discard_unless_constraint, event, id, SqlStore, EVENT_COLUMNS, SQLITE};
use super::{Event, StoreError};
use crate::conversation::Timestamp;
use crate::ids::{ChannelId, MessageId, ThreadId, UserId};
use crate::stats::{day_of, Columns, Counted, Walk};

/// Which walkthroughs an erasure picks.
#[derive(Debug, Clone, Copy)]
enum Pick {
    /// Ended before this time (ms), at most this many, the longest ended first.
    EndedBefore(i64, i64),
    /// This person's (their id as stored), and their name on other people's cases.
    Owner(i64),
}

impl SqlStore {
    /// Runs the erasure `pick` asks for; then, on SQLite, empties the write-ahead log.
    async fn erase(&self, pick: Pick) -> Result<Forgotten, StoreError> {
        let mut conn = self.writer.acquire().await?;
        match erase_in_one_transaction(&mut conn, pick).await {
            Ok(done) => {
                if conn.backend_name() == SQLITE && (!done.erased.is_empty() || done.as_staff > 0) {
                    checkpoint(&mut conn).await;
                }
                Ok(done)
            }
            Err(err) => {
                discard_unless_constraint(conn, &err);
                Err(err.into())
            }
        }
    }
}

async fn erase_in_one_transaction(
    conn: &mut AnyConnection,
    pick: Pick,
) -> Result<Forgotten, sqlx::Error> {
    let mut tx = if conn.backend_name() == SQLITE {
        // The write lock from the start: a read first would make the first write fail on
        // any commit by another connection in between, instead of waiting for it.
        conn.begin_with("BEGIN IMMEDIATE").await?
    } else {
        conn.begin().await?
    };
    let rows = match pick {
        Pick::EndedBefore(cutoff, batch) => {
            sqlx::query(
                "SELECT thread_id, staff_locale, ended_at FROM sessions \
                 WHERE ended_at IS NOT NULL AND ended_at < $1 ORDER BY ended_at, thread_id \
                 LIMIT $2",
            )
            .bind(cutoff)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?
        }
        Pick::Owner(user) => {
            // In the purge's order, so that the two never wait on each other's rows.
            sqlx::query(
                "SELECT thread_id, staff_locale, ended_at FROM sessions WHERE owner_id = $1 \
                 ORDER BY ended_at, thread_id",
            )
            .bind(user)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    let mut done = Forgotten::default();
    let mut rolled = RollUp::new();
    for row in &rows {
        done.erased.add(erase_one(&mut tx, row, &mut rolled).await?);
    }
    roll_up(&mut tx, &rolled).await?;
    if let Pick::Owner(user) = pick {
        done.as_staff = unstaff(&mut tx, user).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Counts being rolled up, by day (its start, in ms) and count.
type RollUp = BTreeMap<(i64, Counted), usize>;

/// What an erasure reads of a walkthrough's case before deleting it.
#[derive(Default)]
struct CaseRead {
    /// Its staff card, with the walkthrough's staff locale.
    card: Option<ErasedCard>,
    /// Its rating's stars, and when they were given.
    rating: Option<(u8, Option<Timestamp>)>,
    commented: bool,
}

/// The case of the walkthrough in `thread`, if it has one; `locale` is its staff locale.
async fn case_of(
    conn: &mut AnyConnection,
    thread: i64,
    locale: Option<String>,
) -> Result<CaseRead, sqlx::Error> {
    let row = sqlx::query(
        "SELECT card_channel_id, card_message_id, rating, rated_at, rating_comment \
         FROM cases WHERE thread_id = $1",
    )
    .bind(thread)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(CaseRead::default());
    };
    let channel: Option<i64> = row.try_get("card_channel_id")?;
    let message: Option<i64> = row.try_get("card_message_id")?;
    let channel = channel.and_then(|c| ChannelId::new(id(c)));
    let message = message.and_then(|m| MessageId::new(id(m)));
    let stars: Option<i64> = row.try_get("rating")?;
    let rated_at: Option<i64> = row.try_get("rated_at")?;
    // Stars out of range (a corrupt row) are kept as 0, which the report does not count.
    let stars = stars.map(|s| u8::try_from(s).unwrap_or(0));
    let comment: Option<String> = row.try_get("rating_comment")?;
    Ok(CaseRead {
        card: channel.zip(message).map(|(channel, message)| ErasedCard {
            channel,
            message,
            locale,
        }),
        rating: stars.map(|s| (s, rated_at.map(Timestamp))),
        commented: comment.is_some(),
    })
}

/// What the walkthrough in `thread` adds to the report, from its events (in the order they
/// were recorded; one that cannot be read is left out, with a warning) and its `stars`; and
/// when its last event was.
async fn walk_of(
    conn: &mut AnyConnection,
    thread: i64,
    stars: &[u8],
) -> Result<(Walk, Option<Timestamp>), sqlx::Error> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE thread_id = $1 ORDER BY id");
    let rows = sqlx::query(&sql).bind(thread).fetch_all(conn).await?;
    let events: Vec<Event> = rows
        .iter()
        .filter_map(|row| {
            event(row)
                .inspect_err(|err| {
                    tracing::warn!("an erased walkthrough's event cannot be read: {err}")
                })
                .ok()
        })
        .collect();
    let history: Vec<&Event> = events.iter().collect();
    let last = events.iter().map(|e| e.at).max();
    Ok((Walk::of(&history, stars), last))
}

/// Erases the walkthrough of `row` (its thread id, staff locale and end): adds what it
/// counts into `rolled`, under the day it ended (else that of its last event, else of its
/// rating), and deletes its rows.
async fn erase_one(
    conn: &mut AnyConnection,
    row: &AnyRow,
    rolled: &mut RollUp,
) -> Result<Erased, sqlx::Error> {
    let thread: i64 = row.try_get("thread_id")?;
    let ended_at: Option<i64> = row.try_get("ended_at")?;
    // The walkthrough's row first: whoever deletes it erases the walkthrough. Another
    // process erasing it at once waits here for that one's commit, then finds no row.
    let walkthroughs = sqlx::query("DELETE FROM sessions WHERE thread_id = $1")
        .bind(thread)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if walkthroughs == 0 {
        return Ok(Erased::default());
    }
    let case = case_of(&mut *conn, thread, row.try_get("staff_locale")?).await?;
    let stars: Vec<u8> = case.rating.iter().map(|(stars, _)| *stars).collect();
    let (walk, last_event) = walk_of(&mut *conn, thread, &stars).await?;
    let rated_at = case.rating.and_then(|(_, at)| at);
    let ended = ended_at.map(Timestamp).or(last_event).or(rated_at);
    let day = day_of(ended.unwrap_or(Timestamp(0))).0;
    for (counted, n) in walk.counts() {
        *rolled.entry((day, counted)).or_default() += n;
    }
    let mut lines = 0;
    for table in ["transcript_lines", "cases", "events"] {
        let sql = format!("DELETE FROM {table} WHERE thread_id = $1");
        let done = sqlx::query(&sql).bind(thread).execute(&mut *conn).await?;
        if table == "transcript_lines" {
            lines = count(done.rows_affected());
        }
    }
    Ok(Erased {
        threads: ThreadId::new(id(thread)).into_iter().collect(),
        walkthroughs: count(walkthroughs),
        lines,
        comments: usize::from(case.commented),
        cards: case.card.into_iter().collect(),
    })
}

/// Adds `rolled` into the roll-up, one upsert per day and count.
async fn roll_up(conn: &mut AnyConnection, rolled: &RollUp) -> Result<(), sqlx::Error> {
    for ((day, counted), n) in rolled {
        let c = counted.columns();
        sqlx::query(
            "INSERT INTO stats_days (day, what, locale, version, step, outcome, value, count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (day, what, locale, version, step, outcome, value) \
             DO UPDATE SET count = stats_days.count + excluded.count",
        )
        .bind(*day)
        .bind(c.what)
        .bind(c.locale)
        .bind(c.version)
        .bind(c.step)
        .bind(c.outcome)
        .bind(c.value)
        .bind(i64::try_from(*n).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Removes `user` as the staff member who claimed or closed other people's cases; how many
/// cases named them.
async fn unstaff(conn: &mut AnyConnection, user: i64) -> Result<usize, sqlx::Error> {
    let mut cases = 0;
    for what in ["claimed", "closed"] {
        let sql =
            format!("UPDATE cases SET {what}_by = NULL, {what}_name = NULL WHERE {what}_by = $1");
        let done = sqlx::query(&sql).bind(user).execute(&mut *conn).await?;
        cases += count(done.rows_affected());
    }
    Ok(cases)
}

/// Copies what is still in the write-ahead log into the file and empties the log, so it
/// holds no older copy of an erased page. A failure (a long reader in the way) is logged:
/// the next checkpoint does the same.
async fn checkpoint(conn: &mut AnyConnection) {
    let result = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_optional(conn)
        .await;
    match result {
        Ok(Some(row)) if row.try_get::<i64, _>(0).is_ok_and(|busy| busy != 0) => {
            tracing::warn!("the write-ahead log could not be emptied after an erasure: a reader was in the way");
        }
        Ok(_) => {}
        Err(err) => {
            tracing::warn!("the write-ahead log could not be emptied after an erasure: {err}")
        }
    }
}

fn count(rows: u64) -> usize {
    usize::try_from(rows).unwrap_or(usize::MAX)
}

#[async_trait]
impl Erasure for SqlStore {
    async fn purge_ended_before(
        &self,
        cutoff: Timestamp,
        batch: usize,
    ) -> Result<Erased, StoreError> {
        let batch = i64::try_from(batch).unwrap_or(i64::MAX);
        let done = self.erase(Pick::EndedBefore(cutoff.0, batch)).await?;
        Ok(done.erased)
    }

    async fn forget_user(&self, user: UserId) -> Result<Forgotten, StoreError> {
        self.erase(Pick::Owner(db(user.get()))).await
    }

    async fn rolled_up_since(&self, from: Timestamp) -> Result<Vec<(Counted, usize)>, StoreError> {
        let rows = self
            .read_all(
                sqlx::query(
                    "SELECT what, locale, version, step, outcome, value, count FROM stats_days \
             WHERE day >= $1",
                )
                .bind(from.0),
            )
            .await?;
        let mut counts = Vec::new();
        for row in &rows {
            let columns = Columns {
                what: row.try_get("what")?,
                locale: row.try_get("locale")?,
                version: row.try_get("version")?,
                step: row.try_get("step")?,
                outcome: row.try_get("outcome")?,
                value: row.try_get("value")?,
            };
            let n: i64 = row.try_get("count")?;
            match Counted::from_columns(&columns) {
                Some(counted) => counts.push((counted, usize::try_from(n).unwrap_or(0))),
                None => {
                    tracing::warn!(what = %columns.what, "a rolled-up count of an unknown kind is left out of the report")
                }
            }
        }
        Ok(counts)
    }
}
