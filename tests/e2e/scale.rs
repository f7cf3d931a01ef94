//! Running at scale: two bot processes, each running one of two shards, share one
//! PostgreSQL and one (fake) Discord; people in both guilds are walked through.

use fake_discord::world::{GUILD_ID, SECOND_GUILD_ID, SECOND_SUPPORT_CHANNEL, SUPPORT_CHANNEL};
use fake_discord::Options;

use crate::harness::{Harness, FIRST_CHECK_FAILING, PERSON, STRANGER};
use crate::postgres::{drop_database, fresh_database, server_or_skip, spawn_bot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shard_processes_on_one_postgres_walk_people_in_both_guilds() {
    let Some(base) = server_or_skip("two shards sharing a PostgreSQL") else {
        return;
    };
    let name = format!("backup_help_scale_{}", std::process::id());
    let url = fresh_database(&base, &name).await;
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_guild(SECOND_GUILD_ID, SECOND_SUPPORT_CHANNEL);
    h.fake.add_member(PERSON, "Ada", &[]);
    h.fake.add_member(STRANGER, "Bo", &[]);
    let guilds = [GUILD_ID, SECOND_GUILD_ID];
    let shard = |first: u32| {
        let shards = Some((first, 1, 2));
        spawn_bot(&h, &format!("shard-{first}"), &guilds, shards, &url)
    };
    let shards = [shard(0), shard(1)];
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
    h.type_text(PERSON, first, FIRST_CHECK_FAILING).await;
    h.click(STRANGER, second, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_title(first), "Check the Wi-Fi connection");
    assert_eq!(h.step_title(second), "Check the Wi-Fi connection");
    drop(shards); // killed
    drop_database(&base, &name).await;
    h.finish().await;
}
