//! [`Erasure`] for SQLite and PostgreSQL (see [`super::erase`] for what an erasure keeps).
//!
//! One erasure is one transaction: the walkthroughs it picks, each given the next anonymous
//! id, and their rows in every table. On SQLite it takes the write lock at its start
//! (`BEGIN IMMEDIATE`) and is followed by a checkpoint that empties the write-ahead log, so
//! the log keeps no older copy of an erased page. Two processes erasing at once on
//! PostgreSQL may pick the same anonymous id; the second transaction then fails on the
//! primary key and changes nothing, and its walkthroughs are erased the next time.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

use super::erase::{anonymize, Erased, ErasedCard, Erasure, Forgotten};
use super::sql::{db, discard_unless_constraint, id, SqlStore};
use super::StoreError;
use crate::conversation::{Session, Timestamp};
use crate::ids::{ChannelId, MessageId, ThreadId, UserId};

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
        let mut conn = self.pool.acquire().await?;
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

/// sqlx's name for the SQLite backend.
const SQLITE: &str = "SQLite";

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
                "SELECT thread_id, session, staff_locale FROM sessions WHERE thread_id > 0 \
                 AND ended_at IS NOT NULL AND ended_at < $1 ORDER BY ended_at LIMIT $2",
            )
            .bind(cutoff)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?
        }
        Pick::Owner(user) => {
            sqlx::query("SELECT thread_id, session, staff_locale FROM sessions WHERE owner_id = $1")
                .bind(user)
                .fetch_all(&mut *tx)
                .await?
        }
    };
    let mut done = Forgotten::default();
    let mut anonymous = lowest_id(&mut tx).await?;
    for row in &rows {
        anonymous -= 1;
        done.erased.add(erase_one(&mut tx, row, anonymous).await?);
    }
    if let Pick::Owner(user) = pick {
        done.as_staff = unstaff(&mut tx, user).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// The lowest thread id in use, or 0: anonymous ids go on below it.
async fn lowest_id(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT MIN(thread_id) AS lowest FROM sessions")
        .fetch_one(conn)
        .await?;
    let lowest: Option<i64> = row.try_get("lowest")?;
    Ok(lowest.unwrap_or(0).min(0))
}

/// The staff card of the case in `thread`, if it has one, before the erasure clears it;
/// `locale` is the walkthrough's staff locale.
async fn card_of(
    conn: &mut AnyConnection,
    thread: i64,
    locale: Option<String>,
) -> Result<Option<ErasedCard>, sqlx::Error> {
    let row =
        sqlx::query("SELECT card_channel_id, card_message_id FROM cases WHERE thread_id = $1")
            .bind(thread)
            .fetch_optional(conn)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let channel: Option<i64> = row.try_get("card_channel_id")?;
    let message: Option<i64> = row.try_get("card_message_id")?;
    let channel = channel.and_then(|c| ChannelId::new(id(c)));
    let message = message.and_then(|m| MessageId::new(id(m)));
    Ok(channel.zip(message).map(|(channel, message)| ErasedCard {
        channel,
        message,
        locale,
    }))
}

/// Erases the walkthrough of `row` (its thread id, session and staff locale), giving it
/// `anonymous`.
async fn erase_one(
    conn: &mut AnyConnection,
    row: &AnyRow,
    anonymous: i64,
) -> Result<Erased, sqlx::Error> {
    let thread: i64 = row.try_get("thread_id")?;
    let session: String = row.try_get("session")?;
    let card = card_of(&mut *conn, thread, row.try_get("staff_locale")?).await?;
    let lines = sqlx::query("DELETE FROM transcript_lines WHERE thread_id = $1")
        .bind(thread)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let comments = sqlx::query(
        "UPDATE cases SET rating_comment = NULL WHERE thread_id = $1 \
         AND rating_comment IS NOT NULL",
    )
    .bind(thread)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE cases SET thread_id = $1, claimed_by = NULL, claimed_name = NULL, \
         closed_by = NULL, closed_name = NULL, card_channel_id = NULL, card_message_id = NULL \
         WHERE thread_id = $2",
    )
    .bind(anonymous)
    .bind(thread)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE events SET thread_id = $1, owner_id = $1 WHERE thread_id = $2")
        .bind(anonymous)
        .bind(thread)
        .execute(&mut *conn)
        .await?;
    let walkthroughs = sqlx::query(
        "UPDATE sessions SET thread_id = $1, owner_id = $1, session = $2, is_open = FALSE, \
         owes = FALSE, idle_due_at = NULL, step_message_id = NULL, \
         responding_interaction = NULL, heard_message_id = NULL WHERE thread_id = $3",
    )
    .bind(anonymous)
    .bind(anonymous_session(&session, anonymous))
    .bind(thread)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(Erased {
        threads: ThreadId::new(id(thread)).into_iter().collect(),
        walkthroughs: count(walkthroughs),
        lines: count(lines),
        comments: count(comments),
        cards: card.into_iter().collect(),
    })
}

/// The stored session as an erased walkthrough keeps it ([`anonymize`]). One that cannot
/// be read keeps nothing.
fn anonymous_session(json: &str, anonymous: i64) -> String {
    let session = serde_json::from_str::<Session>(json).map_err(|e| e.to_string());
    let anonymized = session.and_then(|mut session| {
        let owner = UserId::new(id(anonymous)).ok_or("an anonymous id is not 0")?;
        anonymize(&mut session, owner);
        serde_json::to_string(&session).map_err(|e| e.to_string())
    });
    anonymized.unwrap_or_else(|err| {
        tracing::warn!("an erased walkthrough's session could not be read, and is dropped: {err}");
        "null".to_string()
    })
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
}
