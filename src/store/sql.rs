//! The one SQL implementation of [`SessionStore`], for SQLite and PostgreSQL alike.
//!
//! Queries use `$1` placeholders, which both databases accept; ids are stored as BIGINT
//! (Discord snowflakes fit in 63 bits). The migrations differ only in the events id column.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, Connection, Executor, Row};

use super::sql_conns::{prepare, Conn, Conns};
use super::{Done, Event, EventKind, Record, SessionStore, Shown, StoreError, StoredScript};
use crate::config::{ShardRange, Storage};
use crate::conversation::{Session, Timestamp};
use crate::ids::{GuildId, InteractionId, MessageId, ThreadId, UserId};
use crate::script::{ScriptHash, StepId};

pub struct SqlStore {
    /// For reads. On PostgreSQL the same pool as the writer's.
    readers: Conns,
    /// For writes. SQLite has one writer at a time: on it this is one connection of its own,
    /// so writes queue here in the order they came, and reads never wait behind them for a
    /// connection. (Several connections writing at once would take turns through SQLite's
    /// busy handler instead, which sleeps up to 100 ms between tries: under a burst of
    /// answers, the slowest ones were made of those sleeps.)
    pub(super) writer: Conns,
}

/// A query with its arguments, for either database.
pub(super) type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// sqlx's name for the SQLite backend.
pub(super) const SQLITE: &str = "SQLite";

/// SQLite connections for reads: WAL lets them read beside the writer and each other.
const SQLITE_READERS: usize = 4;

/// Ids in and out of BIGINT columns. Snowflakes are below 2^63, so nothing is lost.
pub(super) fn db(id: u64) -> i64 {
    id as i64
}

pub(super) fn id(value: i64) -> u64 {
    value as u64
}

/// A stored id that must not be 0 (the column, for the error).
pub(super) fn nonzero<T>(
    value: i64,
    column: &str,
    new: fn(u64) -> Option<T>,
) -> Result<T, StoreError> {
    new(id(value)).ok_or_else(|| StoreError::Corrupt(format!("{column} is 0")))
}

const COLUMNS: &str =
    "thread_id, guild_id, locale, staff_locale, step_message_id, step_message_step, \
                       step_message_serial, effects_done, warned_for, idle_due_at, session, \
                       responding_interaction, heard_message_id, ended_at";

/// What `doctor` learns of a store without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Migrations the database has not had yet ("4 script versions"); they run when the
    /// bot starts.
    pub pending: Vec<String>,
    /// Open walkthroughs, when the schema is current.
    pub open: Option<usize>,
}

impl SqlStore {
    /// Connects without migrating or creating anything, and says which migrations are
    /// pending. A SQLite file that does not exist yet has them all pending.
    pub async fn inspect(storage: &Storage) -> Result<Schema, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, migrator) = match storage {
            Storage::Sqlite { path } => {
                let all = sqlx::migrate!("migrations/sqlite");
                if !path.exists() {
                    return Ok(Schema {
                        pending: all.iter().map(describe).collect(),
                        open: None,
                    });
                }
                (format!("sqlite://{}?mode=ro", path.display()), all)
            }
            Storage::Postgres { url_env } => {
                let url = std::env::var(url_env)
                    .ok()
                    .filter(|u| !u.trim().is_empty())
                    .ok_or_else(|| StoreError::MissingUrl(url_env.clone()))?;
                (url, sqlx::migrate!("migrations/postgres"))
            }
        };
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&url)
            .await?;
        // No table yet: nothing applied.
        let applied: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&pool)
            .await
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| r.try_get("version").ok())
                    .collect()
            })
            .unwrap_or_default();
        let pending: Vec<String> = migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(describe)
            .collect();
        let open = if pending.is_empty() {
            let store = SqlStore {
                readers: Conns::Pool(pool.clone()),
                writer: Conns::Pool(pool),
            };
            Some(store.count_open().await?)
        } else {
            None
        };
        Ok(Schema { pending, open })
    }

    pub async fn open(storage: &Storage) -> Result<SqlStore, StoreError> {
        sqlx::any::install_default_drivers();
        match storage {
            Storage::Sqlite { path } => {
                if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(folder).map_err(|source| StoreError::Folder {
                        path: folder.display().to_string(),
                        source,
                    })?;
                }
                let url = format!("sqlite://{}?mode=rwc", path.display());
                // The schema first, on a connection of its own.
                let setup = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| Box::pin(prepare(conn)))
                    .connect(&url)
                    .await?;
                // WAL: readers never wait for the writer. It is a property of the file.
                setup.execute("PRAGMA journal_mode = WAL").await?;
                sqlx::migrate!("migrations/sqlite").run(&setup).await?;
                setup.close().await;
                Ok(SqlStore {
                    readers: Conns::sqlite(&url, SQLITE_READERS).await?,
                    writer: Conns::sqlite(&url, 1).await?,
                })
            }
            Storage::Postgres { url_env } => {
                let url = std::env::var(url_env)
                    .ok()
                    .filter(|u| !u.trim().is_empty())
                    .ok_or_else(|| StoreError::MissingUrl(url_env.clone()))?;
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect(&url)
                    .await?;
                sqlx::migrate!("migrations/postgres").run(&pool).await?;
                Ok(SqlStore {
                    readers: Conns::Pool(pool.clone()),
                    writer: Conns::Pool(pool),
                })
            }
        }
    }
}

impl SqlStore {
    /// The rows `query` reads, on a reader's connection.
    pub(super) async fn read_all(&self, query: Query<'_>) -> Result<Vec<AnyRow>, sqlx::Error> {
        let mut conn = self.readers.acquire().await?;
        let rows = query.fetch_all(&mut *conn).await;
        conn.checked(rows)
    }

    /// The first row `query` reads, if any, on a reader's connection.
    pub(super) async fn read_optional(
        &self,
        query: Query<'_>,
    ) -> Result<Option<AnyRow>, sqlx::Error> {
        let mut conn = self.readers.acquire().await?;
        let row = query.fetch_optional(&mut *conn).await;
        conn.checked(row)
    }

    /// The readable rows where `condition` (on `$1`, `now`) holds, in the guilds of
    /// `shards`, ordered by `order`, at most `limit`.
    async fn select_in_shards(
        &self,
        condition: &str,
        order: &str,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM sessions WHERE {condition} AND {IN_SHARDS} \
             ORDER BY {order} LIMIT $5"
        );
        let (first, end, total) = shard_bounds(shards);
        let rows = self
            .read_all(
                sqlx::query(&sql)
                    .bind(now.0)
                    .bind(first)
                    .bind(end)
                    .bind(total)
                    .bind(i64::from(limit)),
            )
            .await?;
        Ok(readable(&rows))
    }
}

/// Drops a connection that a write failed on, unless the failure was an expected constraint
/// (a unique violation). SQLite opens a database it cannot write to read-only without a
/// word, and such a connection stays read-only after the file is writable again; reusing
/// it would keep failing after the database has recovered.
pub(super) fn discard_unless_constraint(conn: Conn<'_>, err: &sqlx::Error) {
    let constraint = matches!(err, sqlx::Error::Database(e) if e.is_unique_violation());
    if !constraint {
        tracing::warn!("dropping a database connection after a failed write: {err}");
        conn.discard();
    }
}

/// What a failed write means, the connection made ready for the next: `in_transaction`, a
/// string of statements stopped inside its transaction, which is rolled back.
async fn write_failed(mut conn: Conn<'_>, in_transaction: bool, err: sqlx::Error) -> StoreError {
    if in_transaction {
        let _ = conn.execute("ROLLBACK").await;
    }
    if matches!(&err, sqlx::Error::Database(e) if e.is_unique_violation()) {
        return StoreError::AlreadyOpen;
    }
    discard_unless_constraint(conn, &err);
    err.into()
}

/// Events per INSERT statement: 8 values each, far below either database's limit.
const EVENTS_PER_INSERT: usize = 100;

/// Appends `events` all or none: one statement when they fit in one (a turn's two or
/// three), else one transaction. Each statement is a trip to the database's thread, so a
/// turn's events cost one.
async fn append_in_one_transaction(
    conn: &mut AnyConnection,
    events: &[Event],
) -> Result<(), sqlx::Error> {
    if events.len() <= EVENTS_PER_INSERT {
        return insert_events(conn, events).await;
    }
    let mut tx = conn.begin().await?;
    for chunk in events.chunks(EVENTS_PER_INSERT) {
        insert_events(&mut tx, chunk).await?;
    }
    tx.commit().await
}

async fn insert_events(conn: &mut AnyConnection, events: &[Event]) -> Result<(), sqlx::Error> {
    let rows: Vec<String> = (0..events.len())
        .map(|i| {
            let values: Vec<String> = (1..=8).map(|k| format!("${}", i * 8 + k)).collect();
            format!("({})", values.join(", "))
        })
        .collect();
    let sql = format!("{EVENT_INSERT} VALUES {}", rows.join(", "));
    bind_events(sqlx::query(&sql), events)
        .execute(conn)
        .await
        .map(drop)
}

/// The columns an event is written with, in the order [`bind_events`] binds them.
const EVENT_INSERT: &str =
    "INSERT INTO events (at, guild_id, thread_id, owner_id, kind, step, locale, script_hash)";

/// A save, compare-and-swap on the version, with `events` written only if it saves, all or
/// nothing: it returns a row if it saved. `$1`..`$11` are the record's, `$12` on the events'.
fn save_sql(sqlite: bool, events: usize) -> String {
    const UPDATE: &str = "UPDATE sessions SET is_open = $1, version = $2, idle_due_at = $3, \
        session = $4, owes = $5, responding_interaction = $6, \
        ended_at = CASE WHEN $1 OR $7 IS NULL THEN NULL ELSE COALESCE(ended_at, $7) END, \
        heard_message_id = $10, effects_done = $11 WHERE thread_id = $8 AND version = $9 \
        RETURNING version";
    // What was shown is left alone: save_shown owns it, and a record loaded before the
    // latest step was posted would otherwise put an old id back.
    with_events(UPDATE, 12, sqlite, events)
}

/// A new walkthrough, with `events` written with it, all or nothing: it returns a row.
/// `$1`..`$19` are the record's, `$20` on the events'.
fn insert_sql(sqlite: bool, events: usize) -> String {
    const INSERT: &str = "INSERT INTO sessions (thread_id, guild_id, owner_id, locale, \
        step_message_id, step_message_step, step_message_serial, effects_done, warned_for, \
        owes, is_open, version, idle_due_at, session, staff_locale, script_hash, \
        responding_interaction, heard_message_id, ended_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
        $18, $19) RETURNING thread_id";
    with_events(INSERT, 20, sqlite, events)
}

/// `write` (one statement that returns a row when it writes one), then `events` (bound from
/// `$first` on, eight each) only if it wrote, in one trip to the database:
///
/// - PostgreSQL: one statement, the events inserted from the write's result.
/// - SQLite: one string of statements in a transaction, the events inserted if the write
///   changed a row (`changes()`); `$N` parameters are numbered across the string. A string
///   stopped by an error leaves its transaction open for the caller to roll back.
fn with_events(write: &str, first: usize, sqlite: bool, events: usize) -> String {
    if events == 0 {
        return write.to_string();
    }
    // PostgreSQL types a parameter from where it stands: in VALUES, nowhere, so say it.
    let types = [
        "BIGINT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT",
    ];
    let rows: Vec<String> = (0..events)
        .map(|i| {
            let values: Vec<String> = (0..8)
                .map(|k| match sqlite {
                    true => format!("${}", first + i * 8 + k),
                    false => format!("CAST(${} AS {})", first + i * 8 + k, types[k]),
                })
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    let values = rows.join(", ");
    if sqlite {
        format!(
            "BEGIN; {write}; {EVENT_INSERT} SELECT * FROM (VALUES {values}) \
             WHERE changes() = 1; COMMIT"
        )
    } else {
        format!(
            "WITH written AS ({write}) {EVENT_INSERT} SELECT v.* FROM (VALUES {values}) AS v \
             WHERE EXISTS (SELECT 1 FROM written) RETURNING 1"
        )
    }
}

/// `query` with what `r` has shown and done bound next, six values: the step's message, its
/// step and serial, the effects done, when the idle warning was for, and whether any is owed.
fn bind_shown<'q>(query: Query<'q>, r: &Record) -> Query<'q> {
    query
        .bind(r.shown.as_ref().map(|s| db(s.message.get())))
        .bind(r.shown.as_ref().map(|s| s.step.to_string()))
        .bind(r.shown.as_ref().map(|s| db(s.serial)))
        .bind(r.done.bits())
        .bind(r.done.warned_for.map(|t| t.0))
        .bind(!r.owed().is_empty())
}

/// `query` with `events` bound after its own parameters, eight each.
fn bind_events<'q>(mut query: Query<'q>, events: &[Event]) -> Query<'q> {
    for e in events {
        query = query
            .bind(e.at.0)
            .bind(db(e.guild.get()))
            .bind(db(e.thread.get()))
            .bind(db(e.owner.get()))
            .bind(e.kind.as_str().to_string())
            .bind(e.step.clone())
            .bind(e.locale.clone())
            .bind(e.version.clone());
    }
    query
}

fn record(row: &AnyRow) -> Result<Record, StoreError> {
    let json: String = row.try_get("session")?;
    let session: Session =
        serde_json::from_str(&json).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let message = row.try_get::<Option<i64>, _>("step_message_id")?;
    // Rows from before the outbox have a message but no step or serial: it showed the
    // current step, so nothing is owed.
    let shown = match message.and_then(|m| MessageId::new(id(m))) {
        Some(message) => Some(Shown {
            step: match row.try_get::<Option<String>, _>("step_message_step")? {
                Some(step) => StepId::new(&step),
                None => session
                    .current_step()
                    .cloned()
                    .unwrap_or_else(|| StepId::new("")),
            },
            serial: row
                .try_get::<Option<i64>, _>("step_message_serial")?
                .map_or(session.step_serial, id),
            message,
        }),
        None => None,
    };
    Ok(Record {
        thread: nonzero(row.try_get("thread_id")?, "thread_id", ThreadId::new)?,
        guild: nonzero(row.try_get("guild_id")?, "guild_id", GuildId::new)?,
        locale: row.try_get("locale")?,
        staff_locale: row.try_get("staff_locale")?,
        shown,
        done: Done::from_bits(
            row.try_get("effects_done")?,
            row.try_get::<Option<i64>, _>("warned_for")?.map(Timestamp),
        ),
        idle_due: row.try_get::<Option<i64>, _>("idle_due_at")?.map(Timestamp),
        ended_at: row.try_get::<Option<i64>, _>("ended_at")?.map(Timestamp),
        responding: row
            .try_get::<Option<i64>, _>("responding_interaction")?
            .and_then(|i| InteractionId::new(id(i))),
        heard: row
            .try_get::<Option<i64>, _>("heard_message_id")?
            .and_then(|m| MessageId::new(id(m))),
        session,
    })
}

fn describe(migration: &sqlx::migrate::Migration) -> String {
    format!("{} {}", migration.version, migration.description)
}

/// The guilds of a shard range, as SQL over `$2` (first shard), `$3` (one past the last)
/// and `$4` (the total): Discord's `(guild_id >> 22) % total`.
const IN_SHARDS: &str = "(guild_id / 4194304) % $4 >= $2 AND (guild_id / 4194304) % $4 < $3";

fn shard_bounds(shards: Option<ShardRange>) -> (i64, i64, i64) {
    match shards {
        Some(r) => (
            i64::from(r.first),
            i64::from(r.first) + i64::from(r.count),
            i64::from(r.total.max(1)),
        ),
        None => (0, 1, 1),
    }
}

/// The rows that can be read; one that cannot (a corrupt session) is skipped with a warning,
/// so it holds up nobody else's.
fn readable(rows: &[AnyRow]) -> Vec<Record> {
    rows.iter()
        .filter_map(|row| {
            record(row)
                .map_err(|err| tracing::warn!("skipping a walkthrough that cannot be read: {err}"))
                .ok()
        })
        .collect()
}

fn session_json(record: &Record) -> Result<String, StoreError> {
    serde_json::to_string(&record.session).map_err(|err| StoreError::Corrupt(err.to_string()))
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn insert(&self, r: &Record, events: &[Event]) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        let sqlite = conn.backend_name() == SQLITE;
        let sql = insert_sql(sqlite, events.len());
        let query = sqlx::query(&sql)
            .bind(db(r.thread.get()))
            .bind(db(r.guild.get()))
            .bind(db(r.session.owner.get()))
            .bind(r.locale.clone());
        let query = bind_shown(query, r)
            .bind(r.session.phase.is_open())
            .bind(db(r.session.version))
            .bind(r.idle_due.map(|t| t.0))
            .bind(session_json(r)?)
            .bind(r.staff_locale.clone())
            .bind(r.session.script.hash.to_string())
            .bind(r.responding.map(|i| db(i.get())))
            .bind(r.heard.map(|m| db(m.get())))
            .bind(r.ended_at.map(|t| t.0));
        // As a save: one trip, the events written with the walkthrough or not at all.
        match bind_events(query, events).fetch_all(&mut *conn).await {
            Ok(_) => Ok(()),
            Err(err) => Err(write_failed(conn, sqlite && !events.is_empty(), err).await),
        }
    }

    async fn by_thread(&self, thread: ThreadId) -> Result<Option<Record>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM sessions WHERE thread_id = $1");
        let row = self
            .read_optional(sqlx::query(&sql).bind(db(thread.get())))
            .await?;
        row.as_ref().map(record).transpose()
    }

    async fn open_for(&self, guild: GuildId, owner: UserId) -> Result<Option<Record>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM sessions WHERE guild_id = $1 AND owner_id = $2 AND is_open"
        );
        let row = self
            .read_optional(
                sqlx::query(&sql)
                    .bind(db(guild.get()))
                    .bind(db(owner.get())),
            )
            .await?;
        row.as_ref().map(record).transpose()
    }

    async fn save(
        &self,
        r: &Record,
        expected_version: u64,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        let sqlite = conn.backend_name() == SQLITE;
        let sql = save_sql(sqlite, events.len());
        let query = sqlx::query(&sql)
            .bind(r.session.phase.is_open())
            .bind(db(r.session.version))
            .bind(r.idle_due.map(|t| t.0))
            .bind(session_json(r)?)
            .bind(!r.owed().is_empty())
            .bind(r.responding.map(|i| db(i.get())))
            .bind(r.ended_at.map(|t| t.0))
            .bind(db(r.thread.get()))
            .bind(db(expected_version))
            .bind(r.heard.map(|m| db(m.get())))
            .bind(r.done.bits());
        // One statement, or (SQLite, with events) one string of them: one trip to the
        // database whatever the events.
        let done = bind_events(query, events).fetch_all(&mut *conn).await;
        let saved = match done {
            Ok(rows) => !rows.is_empty(),
            // AlreadyOpen: open again (a follow-up's question) while the person opened
            // another meanwhile.
            Err(err) => return Err(write_failed(conn, sqlite && !events.is_empty(), err).await),
        };
        if saved {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn save_shown(&self, r: &Record) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        let query = sqlx::query(
            "UPDATE sessions SET step_message_id = $1, step_message_step = $2, \
             step_message_serial = $3, effects_done = $4, warned_for = $5, owes = $6, \
             responding_interaction = $7, heard_message_id = $10 \
             WHERE thread_id = $8 AND version = $9",
        );
        let result = bind_shown(query, r)
            .bind(r.responding.map(|i| db(i.get())))
            .bind(db(r.thread.get()))
            .bind(db(r.session.version))
            .bind(r.heard.map(|m| db(m.get())))
            .execute(&mut *conn)
            .await;
        match result {
            Ok(done) if done.rows_affected() == 1 => Ok(()),
            Ok(_) => Err(StoreError::Conflict),
            Err(err) => {
                discard_unless_constraint(conn, &err);
                Err(err.into())
            }
        }
    }

    async fn due(
        &self,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let due = "idle_due_at IS NOT NULL AND idle_due_at <= $1";
        self.select_in_shards(due, "idle_due_at", now, shards, limit)
            .await
    }

    async fn open_in(
        &self,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        // Thread ids are snowflakes: in their order, the oldest walkthrough first.
        let open = "is_open AND thread_id > $1";
        self.select_in_shards(open, "thread_id", Timestamp(0), shards, limit)
            .await
    }

    async fn owing(
        &self,
        now: Timestamp,
        shards: Option<ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        self.select_in_shards("owes AND retry_at <= $1", "retry_at", now, shards, limit)
            .await
    }

    async fn retry_at(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        let result = sqlx::query("UPDATE sessions SET retry_at = $1 WHERE thread_id = $2")
            .bind(at.0)
            .bind(db(thread.get()))
            .execute(&mut *conn)
            .await;
        if let Err(err) = result {
            discard_unless_constraint(conn, &err);
            return Err(err.into());
        }
        Ok(())
    }

    async fn open_threads(&self) -> Result<Vec<(ThreadId, UserId, String)>, StoreError> {
        let rows = self
            .read_all(sqlx::query(
                "SELECT thread_id, owner_id, locale FROM sessions WHERE is_open",
            ))
            .await?;
        let threads = rows.iter().filter_map(|row| {
            let read = row
                .try_get("thread_id")
                .map_err(StoreError::from)
                .and_then(|id| {
                    let thread = nonzero(id, "thread_id", ThreadId::new)?;
                    let owner = nonzero(row.try_get("owner_id")?, "owner_id", UserId::new)?;
                    Ok((thread, owner, row.try_get("locale")?))
                });
            read.map_err(|err| tracing::warn!("skipping a walkthrough: {err}"))
                .ok()
        });
        Ok(threads.collect())
    }

    async fn count_open(&self) -> Result<usize, StoreError> {
        let row = self
            .read_optional(sqlx::query(
                "SELECT COUNT(*) AS open FROM sessions WHERE is_open",
            ))
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        let open: i64 = row.try_get("open")?;
        Ok(usize::try_from(open).unwrap_or(0))
    }

    async fn keep_script(&self, script: &StoredScript, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO script_versions (hash, locale, source, first_seen) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(script.hash.to_string())
        .bind(script.locale.clone())
        .bind(script.source.clone())
        .bind(now.0)
        .execute(&mut *self.writer.acquire().await?)
        .await?;
        Ok(())
    }

    async fn script(&self, hash: ScriptHash) -> Result<Option<StoredScript>, StoreError> {
        let row = self
            .read_optional(
                sqlx::query("SELECT locale, source FROM script_versions WHERE hash = $1")
                    .bind(hash.to_string()),
            )
            .await?;
        row.map(|row| {
            Ok(StoredScript {
                hash,
                locale: row.try_get("locale")?,
                source: row.try_get("source")?,
            })
        })
        .transpose()
    }

    async fn scripts_in_use(&self) -> Result<Vec<(ScriptHash, usize)>, StoreError> {
        let rows = self
            .read_all(sqlx::query(
                "SELECT script_hash, COUNT(*) AS open FROM sessions \
             WHERE is_open AND script_hash IS NOT NULL GROUP BY script_hash ORDER BY script_hash",
            ))
            .await?;
        let mut used = Vec::new();
        for row in rows {
            let text: String = row.try_get("script_hash")?;
            let open: i64 = row.try_get("open")?;
            match ScriptHash::parse(&text) {
                Some(hash) => used.push((hash, usize::try_from(open).unwrap_or(0))),
                None => tracing::warn!(
                    "a walkthrough names a script version {text:?} that is not a hash"
                ),
            }
        }
        Ok(used)
    }

    async fn append_all(&self, events: &[Event]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut conn = self.writer.acquire().await?;
        let result = append_in_one_transaction(&mut conn, events).await;
        if let Err(err) = result {
            discard_unless_constraint(conn, &err);
            return Err(err.into());
        }
        Ok(())
    }

    async fn events_since(&self, since: Timestamp) -> Result<Vec<Event>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE at >= $1 ORDER BY id");
        let rows = self.read_all(sqlx::query(&sql).bind(since.0)).await?;
        rows.iter().map(event).collect()
    }
}

/// The columns [`event`] reads.
pub(super) const EVENT_COLUMNS: &str =
    "at, guild_id, thread_id, owner_id, kind, step, locale, script_hash";

/// The event of a row of [`EVENT_COLUMNS`].
pub(super) fn event(row: &AnyRow) -> Result<Event, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Event {
        at: Timestamp(row.try_get("at")?),
        guild: nonzero(row.try_get("guild_id")?, "guild_id", GuildId::new)?,
        thread: nonzero(row.try_get("thread_id")?, "thread_id", ThreadId::new)?,
        owner: nonzero(row.try_get("owner_id")?, "owner_id", UserId::new)?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("event kind {kind:?}")))?,
        step: row.try_get("step")?,
        locale: row.try_get("locale")?,
        version: row.try_get("script_hash")?,
    })
}
