//! `backup-help-bot stats` on a store filled by a scripted run prints the funnel that the
//! run implies.

mod common;

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use backup_help_bot::config::Storage;
use backup_help_bot::conversation::{Input, Timestamp};
use backup_help_bot::store;
use serde_json::Value;

const MIN: Duration = Duration::from_secs(60);

/// Drives one walkthrough through the engine and the store, as the bot does.
async fn walk(
    store: &dyn store::SessionStore,
    thread: u64,
    start: Timestamp,
    inputs: &[(Input, Duration)],
) {
    walk_in("en", store, thread, start, inputs).await;
}

/// [`walk`] with the shipped script for `locale`.
async fn walk_in(
    locale: &str,
    store: &dyn store::SessionStore,
    thread: u64,
    start: Timestamp,
    inputs: &[(Input, Duration)],
) {
    let script = common::shipped_in(locale);
    common::walk_as(&script, store, (thread, thread), start, inputs).await;
}

/// A SQLite store in a folder of its own, and a time an hour ago for the walks.
async fn fresh_store() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::sync::Arc<dyn store::SessionStore>,
    Timestamp,
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("backup-help.db");
    let store = store::open(&Storage::Sqlite { path: db.clone() })
        .await
        .expect("store");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    (dir, db, store, Timestamp(now - 3_600_000))
}

#[tokio::test]
async fn stats_prints_the_funnel_of_a_scripted_run() {
    let (dir, db, store, t) = fresh_store().await;
    let text = |s: &str| Input::Text(s.to_string());
    // Fixed at the first check after 2 minutes; fixed at Wi-Fi after 4 (the first check
    // answered with its recent-backup choice: a bare "no" is asked again there); handed off
    // at the opening; closed idle at the first check; one still open at the opening.
    walk(
        store.as_ref(),
        101,
        t,
        &[(text("not sure"), MIN), (text("fixed"), 2 * MIN)],
    )
    .await;
    walk(
        store.as_ref(),
        102,
        t,
        &[
            (text("not sure"), MIN),
            (text("still failing, last backup is recent"), 2 * MIN),
            (text("yes"), 4 * MIN),
        ],
    )
    .await;
    walk(store.as_ref(), 103, t, &[(text("human"), MIN)]).await;
    walk(
        store.as_ref(),
        104,
        t,
        &[(text("not sure"), MIN), (Input::Tick, 40 * MIN)],
    )
    .await;
    walk(store.as_ref(), 105, t, &[]).await;

    let config = dir.path().join("config.ron");
    let responses = concat!(env!("CARGO_MANIFEST_DIR"), "/responses");
    std::fs::write(
        &config,
        format!(
            r#"Config(responses: "{responses}", storage: Sqlite(path: "{}"))"#,
            db.display()
        ),
    )
    .expect("config");
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
            .args(["stats", "--since", "1d", "--format", format, "--config"])
            .arg(&config)
            .output()
            .expect("stats runs")
    };
    let json = run("json");
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let report: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let outcomes = &report["outcomes"];
    assert_eq!(
        (
            &outcomes["started"],
            &outcomes["fixed"],
            &outcomes["handed_off"],
            &outcomes["idle_closed"],
            &outcomes["still_open"]
        ),
        (
            &Value::from(5),
            &Value::from(2),
            &Value::from(1),
            &Value::from(1),
            &Value::from(1)
        )
    );
    assert_eq!(report["median_seconds_to_fix"], 180, "2 and 4 minutes");
    let row = |step: &str| {
        report["steps"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["step"] == step))
            .cloned()
            .unwrap_or_default()
    };
    let counts = |step: &str| {
        let r = row(step);
        (
            r["reached"].as_u64(),
            r["fixed_here"].as_u64(),
            r["handed_off_here"].as_u64(),
            r["left_here"].as_u64(),
        )
    };
    assert_eq!(counts("opening"), (Some(5), Some(0), Some(1), Some(0)));
    assert_eq!(
        counts("backup-switch"),
        (Some(3), Some(1), Some(0), Some(1))
    );
    assert_eq!(counts("wifi"), (Some(1), Some(1), Some(0), Some(0)));
    assert_eq!(counts("power"), (Some(0), Some(0), Some(0), Some(0)));
    assert_eq!(
        report["steps"][0]["step"], "opening",
        "rows follow the script"
    );

    let table = run("table");
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(
        table.contains("5 started, 2 fixed, 1 handed off, 1 closed for inactivity, 1 still open"),
        "{table}"
    );
    assert!(table.contains("Median time to a fix: 3m"), "{table}");
    // Nothing older than --since.
    let recent = Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
        .args(["stats", "--since", "1m", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .expect("stats runs");
    let recent: Value = serde_json::from_slice(&recent.stdout).expect("JSON");
    assert_eq!(recent["outcomes"]["started"], 0);
}

#[tokio::test]
async fn stats_counts_the_outcomes_per_language() {
    let (dir, db, store, t) = fresh_store().await;
    let text = |s: &str| Input::Text(s.to_string());
    let s = store.as_ref();
    walk_in("en", s, 201, t, &[(text("human"), MIN)]).await;
    walk_in("es", s, 202, t, &[(text("hablar con una persona"), MIN)]).await;
    walk_in(
        "es",
        s,
        203,
        t,
        &[(text("no estoy seguro"), MIN), (text("sí"), MIN)],
    )
    .await;
    walk_in("de", s, 204, t, &[]).await;
    let config = dir.path().join("config.ron");
    let responses = concat!(env!("CARGO_MANIFEST_DIR"), "/responses");
    let config_text = format!(
        r#"Config(responses: "{responses}", storage: Sqlite(path: "{}"))"#,
        db.display()
    );
    std::fs::write(&config, config_text).expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
        .args(["stats", "--since", "1d", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .expect("stats runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let per = &report["per_locale"];
    let counts = |locale: &str| {
        let o = &per[locale];
        (
            o["started"].as_u64(),
            o["fixed"].as_u64(),
            o["handed_off"].as_u64(),
            o["still_open"].as_u64(),
        )
    };
    assert_eq!(counts("en"), (Some(1), Some(0), Some(1), Some(0)), "{per}");
    assert_eq!(counts("es"), (Some(2), Some(1), Some(1), Some(0)), "{per}");
    assert_eq!(counts("de"), (Some(1), Some(0), Some(0), Some(1)), "{per}");
    assert_eq!(report["outcomes"]["started"], 4);
    // Per script version: each language's file is a version of its own.
    let versions = report["per_version"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let es = common::shipped_in("es").hash.to_string();
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions[&es]["started"], 2, "{versions:?}");
}
