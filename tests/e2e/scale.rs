//! Running at scale: two bot processes, each running one of two shards, share one
//! PostgreSQL and one (fake) Discord; people in both guilds are walked through.

use std::process::{Child, Command, Stdio};

use fake_discord::world::{GUILD_ID, SECOND_GUILD_ID, SECOND_SUPPORT_CHANNEL, SUPPORT_CHANNEL};
use fake_discord::{FakeDiscord, Options};

use crate::harness::{Harness, PERSON, STRANGER};

/// A fresh database next to the one in DATABASE_URL, so no other test's walkthroughs (the
/// store contract leaves some due for an idle close) reach these bots. Returns its URL.
async fn fresh_database(base: &str, name: &str) -> String {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(base)
        .await
        .expect("PostgreSQL answers");
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await
        .expect("drop");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create");
    let (server, _) = base.rsplit_once('/').expect("a database URL ends in /name");
    format!("{server}/{name}")
}

async fn drop_database(base: &str, name: &str) {
    use sqlx::{Connection, Executor};
    if let Ok(mut admin) = sqlx::AnyConnection::connect(base).await {
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
}

fn spawn_shard(h: &Harness, first: u32, database_url: &str) -> Child {
    let config = h.data_dir().join(format!("shard-{first}.ron"));
    let responses = concat!(env!("CARGO_MANIFEST_DIR"), "/responses");
    let source = format!(
        r#"Config(
            discord: (api_url: Some("{}"), guilds: [{GUILD_ID}, {SECOND_GUILD_ID}],
                      shards: Some((first: {first}, count: 1, total: 2))),
            responses: "{responses}",
            storage: Postgres(url_env: "DATABASE_URL"),
        )"#,
        h.fake.url()
    );
    std::fs::write(&config, source).expect("config written");
    let log =
        std::fs::File::create(h.data_dir().join(format!("shard-{first}.log"))).expect("a log");
    Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
        .args(["run", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", h.fake.token())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("a shard process starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shard_processes_on_one_postgres_walk_people_in_both_guilds() {
    let base = std::env::var("DATABASE_URL").unwrap_or_default();
    if base.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set DATABASE_URL for PostgreSQL"
        );
        eprintln!("skipped: DATABASE_URL is not set, so two shards cannot share a PostgreSQL here");
        return;
    }
    let name = format!("backup_help_scale_{}", std::process::id());
    let url = fresh_database(&base, &name).await;
    let fake = FakeDiscord::start(Options::default())
        .await
        .expect("the fake starts");
    fake.add_guild(SECOND_GUILD_ID, SECOND_SUPPORT_CHANNEL);
    let h = Harness::around(fake, tempfile::tempdir().expect("a temporary directory"));
    h.fake.add_member(PERSON, "Ada", &[]);
    h.fake.add_member(STRANGER, "Bo", &[]);
    let mut shards = [spawn_shard(&h, 0, &url), spawn_shard(&h, 1, &url)];
    h.wait("both shards to connect", |w| w.ready_count == 2)
        .await;
    // Each process identified as exactly one shard of two: 0 and 1, once each.
    let mut identified: Vec<(u64, u64)> = h.fake.world(|w| {
        w.identifies
            .iter()
            .map(|i| {
                (
                    i["shard"][0].as_u64().unwrap_or(99),
                    i["shard"][1].as_u64().unwrap_or(99),
                )
            })
            .collect()
    });
    identified.sort();
    assert_eq!(identified, [(0, 2), (1, 2)]);

    let first = h.open_in(PERSON, SUPPORT_CHANNEL).await;
    let second = h.open_in(STRANGER, SECOND_SUPPORT_CHANNEL).await;
    h.click(PERSON, first, "Not sure").await;
    h.click(STRANGER, second, "Not sure").await;
    h.type_text(PERSON, first, "still failing").await;
    h.click(STRANGER, second, "Still failing").await;
    assert_eq!(h.step_title(first), "Check the Wi-Fi connection");
    assert_eq!(h.step_title(second), "Check the Wi-Fi connection");
    for shard in &mut shards {
        let _ = shard.kill();
        let _ = shard.wait();
    }
    drop_database(&base, &name).await;
    h.finish().await;
}
