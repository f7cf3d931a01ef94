//! How large the SQLite file grows over many walkthroughs, with and without retention.
//!
//! Runs `SIZE_WALKTHROUGHS` (default 100,000) walkthroughs, one a minute of simulated
//! time, through two SQLite stores side by side: each is inserted, answered a few times
//! (saves and events, as the bot records them), transcribed (the person's typed answers,
//! the steps shown, the ending) and ended; a quarter are rated with a comment, half are
//! handed off and claimed by staff. The second store keeps personal data for one simulated
//! day (1,440 walkthroughs) and is purged every 1,000 walkthroughs, in batches of 200, as
//! the bot's purge does (which deletes each erased walkthrough's rows and keeps what
//! `stats` counts of it as per-day counts). At every tenth of the run it prints the size of
//! each file (with its write-ahead log) and that size per 1,000 ended walkthroughs, as a
//! Markdown table; then how many bytes the retention store grew by from the second tenth
//! on, per 1,000 walkthroughs, and how many rows and days its per-day counts hold.
//!
//! `cargo bench --bench size`; `SIZE_WALKTHROUGHS=5000 cargo bench --bench size` for a
//! quick look. Run as a test (`cargo test --bench size`, without `--bench`), it walks
//! 2,000 and checks that the purged store kept no transcript of the first walkthrough.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Duration;

use backup_help_bot::config::Storage;
use backup_help_bot::conversation::{Input, Timestamp};
use backup_help_bot::ids::UserId;
use backup_help_bot::script::Script;
use backup_help_bot::store::{self, Line, LineKind, SessionStore, Staffed};

const MINUTE: Duration = Duration::from_secs(60);
const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
const PURGE_EVERY: usize = 1_000;
const BATCH: usize = 200;
/// Snowflake-sized ids, as Discord's are (SQLite stores them in 8 bytes).
const SNOWFLAKE: u64 = 1_200_000_000_000_000_000;
/// People come back: this many different people start the walkthroughs.
const PEOPLE: u64 = 30_000;

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let count: usize = std::env::var("SIZE_WALKTHROUGHS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 2_000 });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    runtime.block_on(run(count, dir.path()));
}

/// Walks `count` walkthroughs into both stores in `dir`, printing the table; then checks
/// that the purge erased the first walkthrough's transcript and nothing else did.
async fn run(count: usize, dir: &Path) {
    let script = common::english();
    let (kept, purged) = (dir.join("kept.db"), dir.join("purged.db"));
    let kept_store = open(&kept).await;
    let purged_store = open(&purged).await;
    let t0 = common::T0;
    println!(
        "| ended walkthroughs | without retention | per 1,000 | retention 1 day | per 1,000 |"
    );
    println!("|---|---|---|---|---|");
    let checkpoint = (count / 10).max(1);
    // The retention store's size at the second tenth, when a day's worth has been purged.
    let mut levelled = None;
    for i in 0..count {
        let start = t0.plus(MINUTE * u32::try_from(i).unwrap_or(u32::MAX));
        for store in [&kept_store, &purged_store] {
            walkthrough(&script, store.as_ref(), i as u64, start).await;
        }
        if (i + 1) % PURGE_EVERY == 0 {
            let cutoff = start.minus(RETENTION);
            while purged_store
                .purge_ended_before(cutoff, BATCH)
                .await
                .expect("purge")
                .walkthroughs
                > 0
            {}
        }
        if (i + 1) % checkpoint == 0 {
            let ended = i + 1;
            let (a, b) = (size(&kept).await, size(&purged).await);
            if ended == 2 * checkpoint {
                levelled = Some((ended, b));
            }
            println!(
                "| {ended} | {} | {} | {} | {} |",
                mib(a),
                per_thousand(a, ended),
                mib(b),
                per_thousand(b, ended)
            );
        }
    }
    if let Some((from, bytes)) = levelled {
        let grown = size(&purged).await.saturating_sub(bytes);
        let per_thousand = grown as f64 / ((count - from) as f64 / 1000.0);
        let (rows, days) = rolled_up(&purged).await;
        println!(
            "\nWith retention, from {from} to {count} ended walkthroughs: {grown} bytes more \
             ({per_thousand:.0} bytes per 1,000); the per-day counts hold {rows} rows over \
             {days} days."
        );
    }
    let first = backup_help_bot::ids::ThreadId::new(SNOWFLAKE).expect("not 0");
    let lines = |store: &std::sync::Arc<dyn SessionStore>| {
        let store = store.clone();
        async move { store.transcript(first).await.expect("read").len() }
    };
    assert!(lines(&kept_store).await > 0, "kept without retention");
    if count >= 2 * PURGE_EVERY {
        assert_eq!(lines(&purged_store).await, 0, "erased after the retention");
    }
}

/// Walkthrough `i`, one of four kinds, from `start`.
async fn walkthrough(script: &Script, store: &dyn SessionStore, i: u64, start: Timestamp) {
    let typed = |s: &str| Input::Text(s.to_string());
    let (thread, owner) = (SNOWFLAKE + i, SNOWFLAKE / 2 + i % PEOPLE);
    // What the engine is given (words it understands), and what the person typed around it.
    let inputs = match i % 4 {
        0 => vec![(typed("not sure"), MINUTE), (typed("fixed"), 3 * MINUTE)],
        1 => vec![
            (typed("not sure"), MINUTE),
            (typed("still failing, last backup is recent"), 2 * MINUTE),
            (typed("human"), 4 * MINUTE),
        ],
        2 => vec![(typed("not sure"), MINUTE), (Input::Tick, 40 * MINUTE)],
        _ => vec![(typed("human"), MINUTE)],
    };
    common::walk_as(script, store, (thread, owner), start, &inputs).await;
    let thread = backup_help_bot::ids::ThreadId::new(thread).expect("not 0");
    let line = |kind, text: &str| Line {
        thread,
        at: start,
        kind,
        author: (kind == LineKind::Staff).then(|| "Sam from support".to_string()),
        text: text.to_string(),
    };
    let mut lines = vec![
        line(LineKind::Shown, "Is iCloud Backup switched on?"),
        line(
            LineKind::Typed,
            "my iPhone 13 says the last backup could not be completed, and iCloud has 2 GB free",
        ),
    ];
    for (input, _) in &inputs {
        if let Input::Text(text) = input {
            lines.push(line(LineKind::Typed, text));
            lines.push(line(
                LineKind::Shown,
                "Is the iPhone on Wi-Fi, plugged in and locked?",
            ));
        }
    }
    lines.push(line(
        LineKind::Ended,
        "A person from the support team will take it from here",
    ));
    if i % 2 == 1 {
        lines.push(line(LineKind::Staff, "Hi! I'm looking at this now. Which iOS version is on the phone, and how full is iCloud storage?"));
        let staff = Staffed {
            by: UserId::new(SNOWFLAKE / 3).expect("not 0"),
            name: "Sam from support".into(),
            at: start,
        };
        store.open_case(thread, start).await.expect("case");
        store.claim(thread, &staff).await.expect("claim");
    }
    if i % 4 == 0 {
        store.rate(thread, 5, start).await.expect("rated");
        let comment = "Quick and clear. The switch had turned itself off after the update.";
        store.comment(thread, comment).await.expect("comment");
    }
    store.transcribe(&lines).await.expect("lines");
}

async fn open(path: &Path) -> std::sync::Arc<dyn SessionStore> {
    let storage = Storage::Sqlite {
        path: path.to_path_buf(),
    };
    store::open(&storage).await.expect("a store")
}

/// The database file and its write-ahead log, in bytes, once everything in the log is
/// copied into the file and the log emptied (as after the purge's own checkpoint), so both
/// stores are measured alike.
async fn size(db: &Path) -> u64 {
    use sqlx::{Connection, Executor};
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("a connection");
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("a checkpoint");
    conn.close().await.expect("closed");
    let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    len(db) + len(&db.with_extension("db-wal"))
}

/// The rows of the per-day counts that erased walkthroughs leave, and over how many days.
async fn rolled_up(db: &Path) -> (i64, i64) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("a connection");
    let counted: (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT day) FROM stats_days")
            .fetch_one(&mut conn)
            .await
            .expect("counted");
    conn.close().await.expect("closed");
    counted
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn per_thousand(bytes: u64, ended: usize) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0 / (ended as f64 / 1000.0))
}
