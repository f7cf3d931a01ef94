//! The connections [`SqlStore`](super::sql::SqlStore) reads and writes through: on SQLite
//! connections held here, on PostgreSQL the pool.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Mutex, MutexGuard};

/// How long a query waits for a connection before it fails: as long as for SQLite's lock.
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

pub(super) enum Conns {
    /// PostgreSQL: the pool, whose connections a network can drop.
    Pool(AnyPool),
    /// SQLite: connections held here rather than in a pool, which pings each connection
    /// twice a query (before lending it and after it comes back): each ping is a round trip
    /// to the connection's thread, and a file is not dropped as a network connection is.
    Held(Held),
}

pub(super) struct Held {
    url: String,
    slots: Vec<Slot>,
    /// The slot the next query waits at when none is free.
    next: AtomicUsize,
}

struct Slot {
    conn: Mutex<AnyConnection>,
    /// The connection failed: it is replaced before its next query.
    broken: AtomicBool,
}

/// A connection to query with, for as long as it is held.
pub(super) enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    Held {
        conn: MutexGuard<'a, AnyConnection>,
        broken: &'a AtomicBool,
    },
}

impl Conns {
    /// `count` connections (at least one) to the SQLite database at `url`, opened and
    /// prepared now.
    pub(super) async fn sqlite(url: &str, count: usize) -> Result<Conns, sqlx::Error> {
        let mut slots = Vec::with_capacity(count.max(1));
        for _ in 0..count.max(1) {
            slots.push(Slot {
                conn: Mutex::new(open(url).await?),
                broken: AtomicBool::new(false),
            });
        }
        Ok(Conns::Held(Held {
            url: url.to_string(),
            slots,
            next: AtomicUsize::new(0),
        }))
    }

    /// A free connection, or else the first to come free of the one this query waits at
    /// (they are taken in the order asked: with one connection, writes go in the order they
    /// came). Reopened first if its last query broke it. Waits at most [`WAIT`].
    pub(super) async fn acquire(&self) -> Result<Conn<'_>, sqlx::Error> {
        let held = match self {
            Conns::Pool(pool) => return pool.acquire().await.map(Conn::Pooled),
            Conns::Held(held) => held,
        };
        let free = held
            .slots
            .iter()
            .find_map(|slot| slot.conn.try_lock().ok().map(|conn| (slot, conn)));
        let (slot, mut conn) = match free {
            Some(free) => free,
            None => {
                let turn = held.next.fetch_add(1, Ordering::Relaxed) % held.slots.len();
                let slot = &held.slots[turn];
                let conn = tokio::time::timeout(WAIT, slot.conn.lock())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                (slot, conn)
            }
        };
        if slot.broken.load(Ordering::Acquire) {
            // The broken connection closes as it is replaced; if no new one opens, it stays
            // marked for the next query to try again.
            *conn = open(&held.url).await?;
            slot.broken.store(false, Ordering::Release);
        }
        Ok(Conn::Held {
            conn,
            broken: &slot.broken,
        })
    }
}

impl Conn<'_> {
    /// Drops the connection (after a failed query): the next query opens another.
    pub(super) fn discard(self) {
        match self {
            Conn::Pooled(conn) => drop(conn.detach()),
            Conn::Held { broken, .. } => broken.store(true, Ordering::Release),
        }
    }

    /// `result`, the connection dropped first if the query failed other than by what it
    /// found (no row, or a row that does not decode): a connection that failed a read is
    /// not trusted with the next.
    pub(super) fn checked<T>(self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        let found_wanting = matches!(
            result,
            Err(sqlx::Error::RowNotFound
                | sqlx::Error::ColumnDecode { .. }
                | sqlx::Error::ColumnNotFound(_)
                | sqlx::Error::Decode(_))
        );
        if result.is_err() && !found_wanting {
            self.discard();
        }
        result
    }
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Held { conn, .. } => conn,
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Held { conn, .. } => conn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Held SQLite connections to a new database in `dir`.
    async fn held(dir: &tempfile::TempDir, count: usize) -> Conns {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        match Conns::sqlite(&url, count).await {
            Ok(conns) => conns,
            Err(err) => panic!("cannot open a test database: {err}"),
        }
    }

    /// Whether the connection still has the TEMP table made on it (a new one would not).
    async fn remembers(conn: &mut Conn<'_>) -> bool {
        let found = sqlx::query("SELECT 1 FROM temp.sqlite_master WHERE name = 'mark'")
            .fetch_optional(&mut **conn)
            .await;
        matches!(found, Ok(Some(_)))
    }

    #[tokio::test]
    async fn queries_take_the_free_connections_then_wait_for_one() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let conns = held(&dir, 2).await;
        let first = conns.acquire().await.expect("a first connection");
        let second = conns.acquire().await.expect("a second, at once");
        let waited = tokio::time::timeout(Duration::from_millis(50), conns.acquire()).await;
        assert!(waited.is_err(), "both are held: a third query waits");
        drop(second);
        let third = tokio::time::timeout(WAIT, conns.acquire()).await;
        assert!(
            matches!(third, Ok(Ok(_))),
            "a freed connection is lent again"
        );
        drop(first);
    }

    #[tokio::test]
    async fn a_connection_that_failed_is_replaced_and_one_that_found_nothing_is_kept() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let conns = held(&dir, 1).await;
        let mut conn = conns.acquire().await.expect("the connection");
        sqlx::query("CREATE TEMP TABLE mark (x)")
            .execute(&mut *conn)
            .await
            .expect("a mark on this connection");
        // Found nothing: the same connection comes back.
        let none = sqlx::query("SELECT x FROM mark")
            .fetch_one(&mut *conn)
            .await;
        assert!(matches!(conn.checked(none), Err(sqlx::Error::RowNotFound)));
        let mut conn = conns.acquire().await.expect("the connection again");
        assert!(remembers(&mut conn).await, "kept after finding no row");
        // Failed: the next query gets a new connection.
        let failed = sqlx::query("SELECT nothing FROM nowhere")
            .fetch_all(&mut *conn)
            .await;
        assert!(conn.checked(failed).is_err());
        let mut conn = conns.acquire().await.expect("a new connection");
        assert!(!remembers(&mut conn).await, "replaced after a failed query");
        // And it is prepared as every connection is.
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .expect("its busy timeout");
        assert_eq!(timeout, 5000);
    }
}
