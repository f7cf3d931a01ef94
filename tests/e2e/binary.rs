//! The built binary: a missing token, and a clean shutdown on SIGTERM mid-conversation.

use std::process::Command;
use std::time::{Duration, Instant};

use fake_discord::Options;

use crate::harness::{BotProcess, Harness, TestConfig, FIRST_CHECK_FAILING, PERSON, WAIT};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
}

#[test]
fn run_without_a_token_says_so_in_one_line_and_exits_2() {
    let out = bin()
        .args(["run", "--config", "config.example.ron"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DISCORD_TOKEN")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DISCORD_TOKEN"), "{stderr}");
    let blank = bin()
        .args(["run"])
        .env("DISCORD_TOKEN", "   ")
        .output()
        .expect("the binary runs");
    assert_eq!(blank.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_conversation_exits_0_within_5_seconds() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let mut child = spawn_bot(&h, 1);
    let log_path = h.data_dir().join("bot-1.log");
    let fake = &h.fake;
    h.wait_connected(1).await;
    // Mid-conversation: a walkthrough is open.
    let interaction =
        fake.slash_command(PERSON, fake_discord::world::SUPPORT_CHANNEL, "backup-help");
    fake.wait_until("the thread", WAIT, |w| {
        w.interactions[&interaction].original.is_some()
    })
    .await
    .expect("the walkthrough opens");
    let logs = terminate(&mut child, &log_path).await;
    assert!(
        !logs.contains(fake.token()),
        "a log line contains the token"
    );
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());
}

/// Sends SIGTERM and asserts the bot exits 0 within 5 s, saying why; returns its log.
async fn terminate(child: &mut BotProcess, log_path: &std::path::Path) -> String {
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the bot can be waited for") {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(5) {
            panic!("still running 5 s after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");
    let logs = std::fs::read_to_string(log_path).unwrap_or_default();
    assert!(logs.contains("SIGTERM received"), "{logs}");
    logs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_discord_is_out_of_reach_still_exits_0_within_5_seconds() {
    let h = Harness::for_process(Options::default()).await;
    let mut bot = spawn_bot(&h, 1);
    h.wait_connected(1).await;
    h.fake.go_offline();
    // Serenity gives up on the lost session and queues the shard to start again later; in
    // that state it has no connected shard to stop.
    let log_path = h.data_dir().join("bot-1.log");
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains("Re-queueing start of shard")
    {
        assert!(
            Instant::now() < deadline,
            "the bot never tried to reconnect"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logs = terminate(&mut bot, &log_path).await;
    assert!(logs.contains("exiting anyway"), "{logs}");
    h.finish().await;
}

/// Starts bot number `run` against `h`'s fake with a SQLite file in `h`'s folder.
fn spawn_bot(h: &Harness, run: u32) -> BotProcess {
    h.spawn_bot(&run.to_string(), &h.config(), &[])
}

/// The same, with the scripts from `responses`.
fn spawn_bot_with(h: &Harness, run: u32, responses: &str) -> BotProcess {
    let config = TestConfig {
        responses: responses.into(),
        ..h.config()
    };
    h.spawn_bot(&run.to_string(), &config, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_and_a_restart_the_last_button_continues_the_walk() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let mut bot = spawn_bot(&h, 1);
    h.wait_connected(1).await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    h.click(PERSON, thread, FIRST_CHECK_FAILING).await;
    h.click(PERSON, thread, "Still failing").await;
    let before = h.step_titles(thread);
    assert_eq!(
        before.last().map(String::as_str),
        Some("Check the charger and cable")
    );
    let (message, still_failing) = h.button(thread, "Still failing");

    bot.kill().expect("kill -9");
    let _ = bot.wait();
    let bot = spawn_bot(&h, 2);
    h.wait_connected(2).await;

    let click = h.fake.click(PERSON, message, &still_failing);
    h.wait("the click after the restart", |w| {
        !w.interactions[&click].callbacks.is_empty()
    })
    .await;
    h.wait("the next step", |w| {
        h.step_message_in(w, thread).is_some_and(|m| m != message)
    })
    .await;
    let after = h.step_titles(thread);
    let mut expected = before.clone();
    expected.push("Is there room left in iCloud?".to_string());
    assert_eq!(after, expected, "no step repeated or skipped");
    drop(bot); // killed
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walkthrough_whose_version_is_lost_meets_a_gone_step_explained_and_start_over_works() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let scripts = h.data_dir().join("responses");
    std::fs::create_dir_all(&scripts).expect("a scripts folder");
    let english = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron"))
        .expect("the shipped script");
    std::fs::write(scripts.join("en.ron"), &english).expect("copied");
    let folder = scripts.display().to_string();
    let bot = spawn_bot_with(&h, 1, &folder);
    h.wait_connected(1).await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    h.click(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_title(thread), "Check the Wi-Fi connection");
    let (message, still_failing) = h.button(thread, "Still failing");
    let (_, start_over) = h.button(thread, "Start over");

    // Redeploy with the Wi-Fi step renamed: the person's step no longer exists. Their
    // version would be kept (see versions.rs); here it is lost, as for a walkthrough from
    // before versions were kept.
    drop(bot); // killed
    forget_script_versions(&h.data_dir().join("backup-help.db")).await;
    std::fs::write(
        scripts.join("en.ron"),
        english.replace("\"wifi\"", "\"wi-fi\""),
    )
    .expect("edited");
    let bot = spawn_bot_with(&h, 2, &folder);
    h.wait_connected(2).await;

    let click = h.fake.click(PERSON, message, &still_failing);
    let reply = h.ephemeral_reply(click).await;
    assert!(reply.contains("Start over"), "{reply}");
    let before = h.bot_messages(thread);
    let restart = h.fake.click(PERSON, message, &start_over);
    h.wait("the start over", |w| {
        !w.interactions[&restart].callbacks.is_empty()
            && crate::harness::count_bot(w, thread) > before
    })
    .await;
    assert!(
        h.step_title(thread).contains("backing up"),
        "{}",
        h.step_title(thread)
    );
    drop(bot); // killed
    h.finish().await;
}

/// Empties the store's kept script versions.
async fn forget_script_versions(db: &std::path::Path) {
    use sqlx::{Connection, Executor};
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("the SQLite file opens");
    conn.execute("DELETE FROM script_versions")
        .await
        .expect("versions forgotten");
}
