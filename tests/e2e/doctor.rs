//! `doctor` against the fake Discord: every check passes on a healthy setup, and each broken
//! one fails naming the problem and what to do.

use std::process::Output;

use fake_discord::world::{Overwrite, GUILD_ID, SUPPORT_CHANNEL};
use fake_discord::Options;

use crate::harness::{start, Harness, TestConfig, STAFF_ROLE, SUPPORT_ROLE};

const EMBED_LINKS: u64 = 1 << 14;
const ADMINISTRATOR: u64 = 1 << 3;

/// What @everyone may do in a server set up with care: everything but Administrator.
fn everyone_but_admin(h: &Harness) {
    let all = fake_discord::world::ALL_PERMISSION_BITS;
    h.fake
        .set_everyone_permissions(GUILD_ID, all & !ADMINISTRATOR);
}

/// Runs `doctor` with a config for this fake (and `token` as DISCORD_TOKEN).
async fn doctor(h: &Harness, token: &str) -> (Option<i32>, String) {
    doctor_with(h, token, &h.config()).await
}

/// [`doctor`] with `config`.
async fn doctor_with(h: &Harness, token: &str, config: &TestConfig) -> (Option<i32>, String) {
    let path = h.data_dir().join("doctor-config.ron");
    std::fs::write(&path, config.ron()).expect("config written");
    let token = token.to_string();
    let output: Output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
            .args(["doctor", "--config"])
            .arg(&path)
            .env("DISCORD_TOKEN", token)
            .output()
            .expect("doctor runs")
    })
    .await
    .expect("joined");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code(), text)
}

/// A fake with the config's roles in it, and a bot that has registered /backup-help.
async fn healthy() -> Harness {
    let h = start("", Options::default()).await;
    h.fake.add_role(GUILD_ID, SUPPORT_ROLE, "Support", 0);
    h.fake.add_role(GUILD_ID, STAFF_ROLE, "Staff", 0);
    everyone_but_admin(&h);
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_every_check_of_a_healthy_setup() {
    let h = healthy().await;
    let (code, text) = doctor(&h, h.fake.token()).await;
    assert_eq!(code, Some(0), "{text}");
    for line in [
        "✓ config ",
        "✓ 4 script(s) in ",
        "✓ store reachable and migrated",
        "✓ token accepted: the bot is backup-help-bot (1000)",
        "✓ the Message Content intent is enabled",
        "✓ server 2000 (Support server): the bot is a member",
        "✓ server 2000: /backup-help is registered",
        "✓ server 2000: `support_role` 2200 is the role \"Support\"",
        "✓ server 2000: `staff_roles` 2100 is the role \"Staff\"",
        "✓ #support: the bot has every permission it needs",
        "checks passed",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert!(!text.contains('✗'), "{text}");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_a_missing_permission_an_unknown_role_and_the_intent() {
    let h = start("", Options::default()).await;
    h.fake.add_role(GUILD_ID, SUPPORT_ROLE, "Support", 0); // the staff role is missing
    everyone_but_admin(&h);
    h.fake.add_overwrite(
        SUPPORT_CHANNEL,
        Overwrite {
            id: GUILD_ID, // @everyone, which the bot is part of
            kind: 0,
            allow: 0,
            deny: EMBED_LINKS,
        },
    );
    h.fake.set_app_flags(0);
    let (code, text) = doctor(&h, h.fake.token()).await;
    assert_eq!(code, Some(1), "{text}");
    for line in [
        "✗ #support: the bot lacks Embed Links\n    → allow them for the bot's role in #support",
        "✗ server 2000: `staff_roles` 2100 is not a role there\n    → copy the role's id",
        "✗ the Message Content intent is off: people can only press buttons\n    → Developer Portal",
        "✓ server 2000: `support_role` 2200 is the role \"Support\"",
        "3 of ",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    // A role given to the bot can allow what @everyone's overwrite denies.
    h.fake.add_role(GUILD_ID, 2300, "Bots", 0);
    h.fake.give_bot_role(2300);
    h.fake.add_overwrite(
        SUPPORT_CHANNEL,
        Overwrite {
            id: 2300,
            kind: 0,
            allow: EMBED_LINKS,
            deny: 0,
        },
    );
    let (_, text) = doctor(&h, h.fake.token()).await;
    assert!(
        text.contains("✓ #support: the bot has every permission"),
        "{text}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_when_the_bot_is_not_in_a_server() {
    let h = healthy().await;
    h.fake.remove_bot_from(GUILD_ID);
    let (code, text) = doctor(&h, h.fake.token()).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("✗ server 2000: the bot is not a member")
            && text.contains("backup-help-bot invite"),
        "{text}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_stops_at_a_refused_token_and_a_broken_config() {
    let h = Harness::for_process(Options::default()).await;
    let (code, text) = doctor(&h, "not-the-token").await;
    assert_eq!(code, Some(1), "{text}");
    // No bot has run here: the store is reported as needing its migrations, and left alone.
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    let all = std::fs::read_dir(migrations).map_or(0, |files| files.count());
    let pending = format!("✗ store reachable, {all} migration(s) pending: 1 sessions and events");
    assert!(all >= 8 && text.contains(&pending), "{text}");
    assert!(
        !h.data_dir().join("backup-help.db").exists(),
        "doctor created the database"
    );
    assert!(text.contains("✗ Discord refused the token"), "{text}");
    assert!(text.contains("Reset Token"), "{text}");
    assert!(
        !text.contains("Message Content"),
        "nothing checked after: {text}"
    );
    assert!(
        !text.contains("not-the-token"),
        "the token is not printed: {text}"
    );
    // A config that does not parse: named, and nothing else is tried.
    let path = h.data_dir().join("broken.ron");
    std::fs::write(&path, "Config(idle_warning: \"soon\")").expect("written");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
        .args(["doctor", "--config"])
        .arg(&path)
        .output()
        .expect("doctor runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with("✗ config: ") && text.contains("broken.ron:1:"),
        "{text}"
    );
    // The wrong token was a request Discord would refuse; nothing else went wrong.
    let problems = h.fake.problems();
    assert!(
        problems.iter().all(|p| p.contains("Authorization")),
        "{problems:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_without_an_id_asks_discord_for_it() {
    let h = Harness::for_process(Options::default()).await;
    let path = h.data_dir().join("invite-config.ron");
    std::fs::write(&path, h.config().ron()).expect("config written");
    let token = h.fake.token().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
            .args(["invite", "--config"])
            .arg(&path)
            .env("DISCORD_TOKEN", token)
            .output()
            .expect("invite runs")
    })
    .await
    .expect("joined");
    let url = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = fake_discord::world::APP_ID;
    assert!(
        url.starts_with(&format!(
            "https://discord.com/oauth2/authorize?client_id={app}&"
        )),
        "{url}"
    );
    assert!(h.fake.problems().is_empty(), "{:?}", h.fake.problems());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_staff_channel() {
    const ATTACH_FILES: u64 = 1 << 15;
    let h = healthy().await;
    h.fake.add_text_channel(GUILD_ID, 2900, "support-staff");
    let mut config = h.config();
    config.staff_channel = Some(2900);
    let (code, text) = doctor_with(&h, h.fake.token(), &config).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("✓ `staff_channel` 2900 (#support-staff): the bot can post the staff cards"),
        "{text}"
    );
    // Not checked as a channel for /backup-help.
    assert!(
        !text.contains("#support-staff: the bot has every permission"),
        "{text}"
    );
    h.fake.add_overwrite(
        2900,
        Overwrite {
            id: GUILD_ID,
            kind: 0,
            allow: 0,
            deny: ATTACH_FILES,
        },
    );
    let (code, text) = doctor_with(&h, h.fake.token(), &config).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("✗ `staff_channel` 2900 (#support-staff): the bot lacks Attach Files"),
        "{text}"
    );
    config.staff_channel = Some(2950);
    let (_, text) = doctor_with(&h, h.fake.token(), &config).await;
    assert!(
        text.contains("✗ `staff_channel` 2950 is not a text channel of the servers in `guilds`"),
        "{text}"
    );
    h.finish().await;
}
