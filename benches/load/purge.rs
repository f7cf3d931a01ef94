//! `LOAD_PURGE=N`: the bot's database starts with N walkthroughs that ended 30 days ago, and
//! the bot runs with a one-day retention, so its purge erases them in batches while the people
//! walk: what a purge costs the answers.

use std::path::Path;
use std::time::Duration;

use backup_help_bot::config::Storage;
use backup_help_bot::conversation::{Input, Timestamp};
use backup_help_bot::store::{self, Line, LineKind};

#[path = "../../tests/common/mod.rs"]
mod common;

/// The old walkthroughs' thread ids start here, until the purge deletes their rows.
const FIRST_THREAD: u64 = 1_100_000_000_000_000_000;

/// Writes `count` walkthroughs that ended 30 days before `now` into the SQLite file at
/// `db`, each with a few answers, its events and a transcript.
pub async fn populate(db: &Path, count: usize, now: Timestamp) {
    let storage = Storage::Sqlite {
        path: db.to_path_buf(),
    };
    let store = store::open(&storage).await.expect("the database opens");
    let script = common::english();
    let long_ago = now.minus(Duration::from_secs(30 * 24 * 3600));
    let typed = |s: &str| Input::Text(s.to_string());
    let minute = Duration::from_secs(60);
    for i in 0..count as u64 {
        let inputs = [(typed("not sure"), minute), (typed("fixed"), 3 * minute)];
        let who = (FIRST_THREAD + i, FIRST_THREAD / 2 + i);
        let record = common::walk_as(&script, store.as_ref(), who, long_ago, &inputs).await;
        let line = |kind, text: &str| Line {
            thread: record.thread,
            at: long_ago,
            kind,
            author: None,
            text: text.to_string(),
        };
        let lines = [
            line(LineKind::Shown, "Is iCloud Backup switched on?"),
            line(LineKind::Typed, "not sure, it says the last backup failed"),
            line(LineKind::Ended, "Your iPhone is backing up to iCloud again"),
        ];
        store
            .transcribe(&lines)
            .await
            .expect("the transcript is written");
    }
}

/// How many of the old walkthroughs the purge has not reached yet.
pub async fn left(db: &Path) -> i64 {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}", db.display());
    let Ok(mut conn) = sqlx::SqliteConnection::connect(&url).await else {
        return -1;
    };
    let sql = "SELECT COUNT(*) FROM sessions WHERE thread_id >= $1";
    let bound = i64::try_from(FIRST_THREAD).unwrap_or(i64::MAX);
    let count = sqlx::query(sql).bind(bound).fetch_one(&mut conn).await;
    let _ = conn.close().await;
    count.and_then(|row| row.try_get(0)).unwrap_or(-1)
}
