//! What [`SqlStore`](super::sql::SqlStore) writes through: on SQLite one connection held
//! here, on PostgreSQL the pool.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Mutex, MutexGuard};

/// How long a write waits for the writer before it fails: as long as for SQLite's lock.
pub(super) const WAIT: Duration = Duration::from_secs(5);

/// A connection to the SQLite database at `url`, prepared.
async fn open(url: &str) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = AnyConnection::connect(url).await?;
    prepare(&mut conn).await?;
    Ok(conn)
}

/// The settings of every SQLite connection, run as it opens.
pub(super) async fn prepare(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    // Wait for a writer instead of failing at once.
    conn.execute("PRAGMA busy_timeout = 5000").await?;
    // With WAL, NORMAL syncs at checkpoints rather than every commit: a killed process
    // loses nothing; only a power cut can lose the last commits. Every answer is a commit,
    // so this is the hot path.
    conn.execute("PRAGMA synchronous = NORMAL").await?;
    // What is deleted is overwritten, not left in free space: an erased walkthrough leaves
    // no trace in the file.
    conn.execute("PRAGMA secure_delete = ON").await?;
    Ok(())
}

pub(super) enum Writer {
    /// PostgreSQL: writers take turns through the database's own row locks.
    Pool(AnyPool),
    /// SQLite: one writer at a time, so one connection. It is held here rather than in a
    /// pool of one, which pings a connection every time it comes back: a round trip to the
    /// connection's thread after every write.
    One(One),
}

pub(super) struct One {
    url: String,
    conn: Mutex<AnyConnection>,
    /// The connection failed a write: it is replaced before the next.
    broken: AtomicBool,
}

/// A connection to write with, for as long as it is held.
pub(super) enum WriteConn<'a> {
    Pooled(PoolConnection<Any>),
    One {
        conn: MutexGuard<'a, AnyConnection>,
        broken: &'a AtomicBool,
    },
}

impl Writer {
    /// SQLite's writer for the database at `url`, opened and prepared now.
    pub(super) async fn sqlite(url: &str) -> Result<Writer, sqlx::Error> {
        Ok(Writer::One(One {
            url: url.to_string(),
            conn: Mutex::new(open(url).await?),
            broken: AtomicBool::new(false),
        }))
    }

    /// The writer's connection once it is free (writes take it in the order they asked),
    /// reopened first if the last write broke it. Waits at most [`WAIT`].
    pub(super) async fn acquire(&self) -> Result<WriteConn<'_>, sqlx::Error> {
        match self {
            Writer::Pool(pool) => pool.acquire().await.map(WriteConn::Pooled),
            Writer::One(one) => {
                let mut conn = tokio::time::timeout(WAIT, one.conn.lock())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                if one.broken.load(Ordering::Acquire) {
                    // The broken connection closes as it is replaced; if no new one opens,
                    // it stays marked for the next write to try again.
                    *conn = open(&one.url).await?;
                    one.broken.store(false, Ordering::Release);
                }
                Ok(WriteConn::One {
                    conn,
                    broken: &one.broken,
                })
            }
        }
    }
}

impl WriteConn<'_> {
    /// Drops the connection (after a failed write): the next write opens another.
    pub(super) fn discard(self) {
        match self {
            WriteConn::Pooled(conn) => drop(conn.detach()),
            WriteConn::One { broken, .. } => broken.store(true, Ordering::Release),
        }
    }
}

impl Deref for WriteConn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriteConn::Pooled(conn) => conn,
            WriteConn::One { conn, .. } => conn,
        }
    }
}

impl DerefMut for WriteConn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteConn::Pooled(conn) => conn,
            WriteConn::One { conn, .. } => conn,
        }
    }
}
