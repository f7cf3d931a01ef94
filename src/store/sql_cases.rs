//! [`CaseStore`] for SQLite and PostgreSQL: the `cases` and `transcript_lines` tables.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::cases::{Case, CaseStore, Claimed, Line, LineKind, Rating, Staffed};
use super::sql::{db, discard_unless_constraint, id, nonzero, SqlStore};
use super::StoreError;
use crate::conversation::Timestamp;
use crate::ids::{ChannelId, MessageId, ThreadId, UserId};

/// Lines per INSERT statement: 5 values each.
const LINES_PER_INSERT: usize = 100;

impl SqlStore {
    /// Runs a write on a connection of its own, dropping the connection if the write failed
    /// for another reason than a constraint; how many rows it changed.
    async fn write<'q>(&self, query: super::sql::Query<'q>) -> Result<u64, StoreError> {
        let mut conn = self.writer.acquire().await?;
        match query.execute(&mut *conn).await {
            Ok(done) => Ok(done.rows_affected()),
            Err(err) => {
                discard_unless_constraint(conn, &err);
                Err(err.into())
            }
        }
    }

    /// Records `by` as the case's `what` (`claimed`, `closed`: the columns `<what>_by`,
    /// `<what>_name`, `<what>_at`) unless someone is already; `true` if this one is first.
    async fn first_staffed(
        &self,
        thread: ThreadId,
        what: &'static str,
        by: &Staffed,
    ) -> Result<bool, StoreError> {
        self.ensure_case(thread).await?;
        let sql = format!(
            "UPDATE cases SET {what}_by = $1, {what}_name = $2, {what}_at = $3 \
             WHERE thread_id = $4 AND {what}_by IS NULL"
        );
        let query = sqlx::query(&sql)
            .bind(db(by.by.get()))
            .bind(by.name.clone())
            .bind(by.at.0)
            .bind(db(thread.get()));
        Ok(self.write(query).await? == 1)
    }

    /// Makes sure `thread` has a row to update.
    async fn ensure_case(&self, thread: ThreadId) -> Result<(), StoreError> {
        let query = sqlx::query(
            "INSERT INTO cases (thread_id) VALUES ($1) ON CONFLICT (thread_id) DO NOTHING",
        )
        .bind(db(thread.get()));
        self.write(query).await.map(drop)
    }
}

fn staffed(row: &AnyRow, by: &str, name: &str, at: &str) -> Result<Option<Staffed>, StoreError> {
    let Some(user) = row.try_get::<Option<i64>, _>(by)? else {
        return Ok(None);
    };
    Ok(Some(Staffed {
        by: nonzero(user, by, UserId::new)?,
        name: row.try_get::<Option<String>, _>(name)?.unwrap_or_default(),
        at: Timestamp(row.try_get::<Option<i64>, _>(at)?.unwrap_or(0)),
    }))
}

fn case(row: &AnyRow) -> Result<Case, StoreError> {
    let channel = row.try_get::<Option<i64>, _>("card_channel_id")?;
    let message = row.try_get::<Option<i64>, _>("card_message_id")?;
    let card = match (channel, message) {
        (Some(c), Some(m)) => ChannelId::new(id(c)).zip(MessageId::new(id(m))),
        _ => None,
    };
    let rating = match row.try_get::<Option<i64>, _>("rating")? {
        Some(stars) => Some(Rating {
            stars: u8::try_from(stars)
                .map_err(|_| StoreError::Corrupt(format!("rating {stars}")))?,
            comment: row.try_get("rating_comment")?,
            at: Timestamp(row.try_get::<Option<i64>, _>("rated_at")?.unwrap_or(0)),
        }),
        None => None,
    };
    Ok(Case {
        card,
        claimed: staffed(row, "claimed_by", "claimed_name", "claimed_at")?,
        // Read as a number: the `Any` driver decodes SQLite's and PostgreSQL's booleans alike
        // only that way.
        claim_announced: row.try_get::<i64, _>("claim_announced")? != 0,
        closed: staffed(row, "closed_by", "closed_name", "closed_at")?,
        rating,
        opened_at: row.try_get::<Option<i64>, _>("opened_at")?.map(Timestamp),
    })
}

#[async_trait]
impl CaseStore for SqlStore {
    async fn open_case(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError> {
        // One statement: it is on every hand-off's way.
        let query = sqlx::query(
            "INSERT INTO cases (thread_id, opened_at) VALUES ($1, $2) ON CONFLICT (thread_id) \
             DO UPDATE SET opened_at = COALESCE(cases.opened_at, excluded.opened_at)",
        )
        .bind(db(thread.get()))
        .bind(at.0);
        self.write(query).await.map(drop)
    }

    async fn case(&self, thread: ThreadId) -> Result<Option<Case>, StoreError> {
        let row = self.read_optional(sqlx::query(
            "SELECT opened_at, card_channel_id, card_message_id, claimed_by, claimed_name, \
             claimed_at, CAST(claim_announced AS INTEGER) AS claim_announced, closed_by, \
             closed_name, closed_at, rating, rating_comment, rated_at \
             FROM cases WHERE thread_id = $1",
        )
        .bind(db(thread.get()))).await?;
        row.as_ref().map(case).transpose()
    }

    async fn open_cases(&self) -> Result<Vec<ThreadId>, StoreError> {
        let rows = self
            .read_all(sqlx::query(
                "SELECT thread_id FROM cases WHERE opened_at IS NOT NULL AND closed_at IS NULL",
            ))
            .await?;
        rows.iter()
            .map(|row| nonzero(row.try_get("thread_id")?, "thread_id", ThreadId::new))
            .collect()
    }

    async fn set_card(
        &self,
        thread: ThreadId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), StoreError> {
        self.ensure_case(thread).await?;
        let query = sqlx::query(
            "UPDATE cases SET card_channel_id = $1, card_message_id = $2 WHERE thread_id = $3",
        )
        .bind(db(channel.get()))
        .bind(db(message.get()))
        .bind(db(thread.get()));
        self.write(query).await.map(drop)
    }

    async fn claim(&self, thread: ThreadId, by: &Staffed) -> Result<Claimed, StoreError> {
        if self.first_staffed(thread, "claimed", by).await? {
            return Ok(Claimed::Now);
        }
        let first = self.case(thread).await?.and_then(|c| c.claimed);
        first
            .map(Claimed::Already)
            .ok_or_else(|| StoreError::Corrupt("a claim was refused but nobody holds it".into()))
    }

    async fn unannounced_claims(&self) -> Result<Vec<(ThreadId, Staffed)>, StoreError> {
        let rows = self
            .read_all(sqlx::query(
                "SELECT thread_id, claimed_by, claimed_name, claimed_at FROM cases \
             WHERE claimed_by IS NOT NULL AND NOT claim_announced",
            ))
            .await?;
        let mut claims = Vec::new();
        for row in &rows {
            let thread = nonzero(row.try_get("thread_id")?, "thread_id", ThreadId::new)?;
            if let Some(by) = staffed(row, "claimed_by", "claimed_name", "claimed_at")? {
                claims.push((thread, by));
            }
        }
        Ok(claims)
    }

    async fn claim_announced(&self, thread: ThreadId) -> Result<(), StoreError> {
        let query = sqlx::query("UPDATE cases SET claim_announced = TRUE WHERE thread_id = $1")
            .bind(db(thread.get()));
        self.write(query).await.map(drop)
    }

    async fn close_case(&self, thread: ThreadId, by: &Staffed) -> Result<(), StoreError> {
        self.first_staffed(thread, "closed", by).await.map(drop)
    }

    async fn rate(&self, thread: ThreadId, stars: u8, at: Timestamp) -> Result<bool, StoreError> {
        self.ensure_case(thread).await?;
        let query = sqlx::query(
            "UPDATE cases SET rating = $1, rated_at = $2 WHERE thread_id = $3 AND rating IS NULL",
        )
        .bind(i64::from(stars))
        .bind(at.0)
        .bind(db(thread.get()));
        Ok(self.write(query).await? == 1)
    }

    async fn comment(&self, thread: ThreadId, text: &str) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "UPDATE cases SET rating_comment = $1 WHERE thread_id = $2 AND rating IS NOT NULL \
             AND rating_comment IS NULL",
        )
        .bind(text.to_string())
        .bind(db(thread.get()));
        Ok(self.write(query).await? == 1)
    }

    async fn ratings_since(&self, since: Timestamp) -> Result<Vec<(ThreadId, u8)>, StoreError> {
        let rows = self.read_all(sqlx::query("SELECT thread_id, rating FROM cases WHERE rating IS NOT NULL AND rated_at >= $1 ORDER BY rated_at")
            .bind(since.0)).await?;
        rows.iter()
            .map(|row| {
                let stars: i64 = row.try_get("rating")?;
                let stars = u8::try_from(stars)
                    .map_err(|_| StoreError::Corrupt(format!("rating {stars}")))?;
                Ok((
                    nonzero(row.try_get("thread_id")?, "thread_id", ThreadId::new)?,
                    stars,
                ))
            })
            .collect()
    }

    async fn transcribe(&self, lines: &[Line]) -> Result<(), StoreError> {
        for chunk in lines.chunks(LINES_PER_INSERT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let params: Vec<String> = (1..=5).map(|k| format!("${}", i * 5 + k)).collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO transcript_lines (thread_id, at, kind, author, text) VALUES {}",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for line in chunk {
                query = query
                    .bind(db(line.thread.get()))
                    .bind(line.at.0)
                    .bind(line.kind.as_str().to_string())
                    .bind(line.author.clone())
                    .bind(line.text.clone());
            }
            self.write(query).await?;
        }
        Ok(())
    }

    async fn transcript(&self, thread: ThreadId) -> Result<Vec<Line>, StoreError> {
        let rows = self.read_all(sqlx::query(
            "SELECT at, kind, author, text FROM transcript_lines WHERE thread_id = $1 ORDER BY id",
        )
        .bind(db(thread.get()))).await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(Line {
                    thread,
                    at: Timestamp(row.try_get("at")?),
                    kind: LineKind::parse(&kind).ok_or_else(|| {
                        StoreError::Corrupt(format!("transcript line kind {kind:?}"))
                    })?,
                    author: row.try_get("author")?,
                    text: row.try_get("text")?,
                })
            })
            .collect()
    }
}
