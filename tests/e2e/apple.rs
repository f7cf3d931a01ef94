//! Apple's live System Status in the status step, end to end: the bot reads a fixture feed
//! on 127.0.0.1, says what Apple reports inside the step, offers to wait for Apple only
//! during a problem, and shows the step as written when the feed is unreadable.

#[path = "../support/apple_fixture.rs"]
mod fixture;

use backup_help_bot::script::{load_file, Script};
use fake_discord::Options;

use crate::harness::{start_with, still_failing_at, Harness, PERSON};
use fixture::Fixture;

fn english() -> Script {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
    load_file(path.as_ref()).expect("the English script loads")
}

/// A bot reading Apple's status from `url`.
async fn bot_reading(url: String) -> Harness {
    start_with(Options::default(), |config| config.apple_status = Some(url)).await
}

/// Walks `thread` by typing "still failing" (or the failing answer itself, where a bare one is
/// asked again) until the status step is shown; its message.
async fn walk_to_the_status_step(h: &Harness, thread: u64, script: &Script) -> serde_json::Value {
    walk_to_the_status_step_as(h, PERSON, thread, script).await
}

/// [`walk_to_the_status_step`], as `user`.
async fn walk_to_the_status_step_as(
    h: &Harness,
    user: u64,
    thread: u64,
    script: &Script,
) -> serde_json::Value {
    let title = &status_step(script).title;
    h.click(user, thread, "Not sure").await;
    for _ in 0..8 {
        if h.step_title(thread) == *title {
            return h.fake.world(|w| {
                let id = h.step_message_in(w, thread).expect("a live step");
                serde_json::json!({"embeds": w.messages[&id].embeds, "components": w.messages[&id].components})
            });
        }
        let answer = still_failing_at(&h.step_title(thread));
        h.type_text(user, thread, answer).await;
    }
    panic!("never reached the status step: {:?}", h.step_titles(thread));
}

/// The script's status step.
fn status_step(script: &Script) -> &backup_help_bot::script::Step {
    let status = script.apple_status.as_ref().expect("a status step");
    let id = backup_help_bot::script::StepId::new(&status.step);
    script.step(&id).expect("a step")
}

/// The step embed's text.
fn description(message: &serde_json::Value) -> &str {
    message["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
}

fn labels(message: &serde_json::Value) -> Vec<String> {
    crate::harness::buttons(&message["components"])
        .iter()
        .filter_map(|b| b["label"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_at_apple_is_said_in_the_step_and_waiting_ends_it_kindly() {
    let feed = Fixture::start().await;
    let h = bot_reading(feed.url("outage")).await;
    let script = english();
    let thread = h.open(PERSON).await;
    let message = walk_to_the_status_step(&h, thread, &script).await;
    let description = description(&message);
    let since = fixture::OUTAGE_SINCE_MS / 1000;
    let said = format!(
        "⚠️ **Apple reports a problem with iCloud Backup right now** (Outage, since <t:{since}:R>)"
    );
    assert!(description.starts_with(&said), "{description}");
    // Apple's words are quoted: they cannot format or ping.
    assert!(description.contains(r"\*\*unable\*\*"), "{description}");
    assert!(!description.contains("@everyone"), "{description}");
    let wait = "Tell me when Apple has fixed it";
    assert!(
        labels(&message).iter().any(|l| l == wait),
        "{:?}",
        labels(&message)
    );
    h.click(PERSON, thread, wait).await;
    let (_, title, _, _) = h.last_bot_message(thread);
    assert_eq!(title, "It's on Apple's side: I'll let you know");
    h.wait("the thread to be archived", |w| {
        w.channels[&thread].archived
    })
    .await;
    assert!(feed.requests() >= 1);
    // `stats` counts it as its own outcome.
    let report = h.stats_json();
    assert_eq!(report["outcomes"]["waiting_for_apple"], 1, "{report}");
    assert_eq!(report["outcomes"]["fixed"], 0, "{report}");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_problem_is_said_with_when_it_was_checked_and_no_wait_button() {
    let feed = Fixture::start().await;
    let h = bot_reading(feed.url("resolved")).await;
    let script = english();
    let thread = h.open(PERSON).await;
    let message = walk_to_the_status_step(&h, thread, &script).await;
    let description = description(&message);
    assert!(
        description.starts_with("✅ Apple reports no problem with iCloud Backup or iCloud sign-in right now (checked <t:"),
        "{description}"
    );
    assert!(!labels(&message)
        .iter()
        .any(|l| l.contains("Apple has fixed it")));
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_feed_shows_the_step_as_written() {
    let feed = Fixture::start().await;
    let h = bot_reading(feed.url("garbage")).await;
    let script = english();
    let thread = h.open(PERSON).await;
    let message = walk_to_the_status_step(&h, thread, &script).await;
    let step = status_step(&script);
    let description = description(&message);
    assert_eq!(description, backup_help_bot::view::step_description(step));
    assert!(!labels(&message)
        .iter()
        .any(|l| l.contains("Apple has fixed it")));
    // Typed, the wait answer is not understood either: it is not offered.
    h.type_text(PERSON, thread, "wait for apple").await;
    assert_eq!(h.step_title(thread), step.title, "still at the status step");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_hangs_delays_the_status_step_by_its_timeout_at_most() {
    let feed = Fixture::start().await;
    // The harness gives the feed 1 s; the fixture answers after 30 s.
    let h = bot_reading(feed.url("hang")).await;
    let script = english();
    let thread = h.open(PERSON).await;
    let message = walk_to_the_status_step(&h, thread, &script).await;
    let description = description(&message);
    assert!(!description.contains("Apple reports"), "{description}");
    // Every interaction was still answered within Discord's 3 s (finish checks).
    h.finish().await;
}

const WAIT_FOR_APPLE: &str = "Tell me when Apple has fixed it";
const APPLE_FIXED: &str = "Apple reports the problem fixed";

/// A bot reading the fixture's switchable feed at every look.
async fn bot_watching(feed: &Fixture) -> Harness {
    start_with(Options::default(), |config| {
        config.apple_status = Some(feed.url("switch"));
        config.apple_refresh = Some("1ms".into());
    })
    .await
}

/// `user` walks to the status step during the outage and chooses to wait for Apple; the
/// thread is archived.
async fn waiting_for_apple(h: &Harness, user: u64) -> u64 {
    let thread = h.open(user).await;
    walk_to_the_status_step_as(h, user, thread, &english()).await;
    h.click(user, thread, WAIT_FOR_APPLE).await;
    h.wait("the waiting thread archived", |w| {
        w.channels[&thread].archived
    })
    .await;
    thread
}

/// How many times Apple's news was posted in `thread`.
fn news(w: &fake_discord::world::World, thread: u64) -> usize {
    w.messages_in(thread)
        .iter()
        .filter(|m| m.author == fake_discord::world::APP_ID)
        .filter(|m| m.embeds[0]["title"] == APPLE_FIXED)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_apple_gets_the_news_once_when_apple_reports_it_fixed() {
    let feed = Fixture::start().await;
    let h = bot_watching(&feed).await;
    let thread = waiting_for_apple(&h, PERSON).await;
    // Still an outage: nothing is said.
    h.clock.advance(std::time::Duration::from_secs(120));
    assert!(h.clock.settle().await);
    assert_eq!(h.fake.world(|w| news(w, thread)), 0);

    feed.resolve();
    h.clock.advance(std::time::Duration::from_secs(120));
    assert!(h.clock.settle().await);
    h.wait("Apple's news in the thread", |w| news(w, thread) == 1)
        .await;
    let (content, title, pings, _) = h.last_bot_message(thread);
    assert_eq!(title, APPLE_FIXED);
    assert!(content.contains(&format!("<@{PERSON}>")), "{content}");
    assert_eq!(pings, vec![format!("user:{PERSON}")]);
    assert!(
        h.fake.world(|w| !w.channels[&thread].archived),
        "opened again"
    );

    // A new walkthrough after the outage gets no stale notice.
    let later = h.open(crate::harness::STRANGER).await;
    h.clock.advance(std::time::Duration::from_secs(120));
    assert!(h.clock.settle().await);
    h.fake
        .world(|w| assert_eq!((news(w, thread), news(w, later)), (1, 0)));

    // Still failing: the walkthrough goes on with the check after the status step.
    h.click(PERSON, thread, "Still failing: next check").await;
    let next = h.step_title(thread);
    assert_ne!(next, APPLE_FIXED);
    assert_ne!(next, status_step(&english()).title);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_for_apple_lapses_after_a_week_with_a_note() {
    let feed = Fixture::start().await;
    let h = bot_watching(&feed).await;
    let thread = waiting_for_apple(&h, PERSON).await;
    let before = h.bot_messages(thread);
    h.clock
        .advance(std::time::Duration::from_secs(7 * 24 * 3600 + 60));
    assert!(h.clock.settle().await);
    h.wait("the note, and the thread archived again", |w| {
        crate::harness::count_bot(w, thread) == before + 1 && w.channels[&thread].archived
    })
    .await;
    assert_eq!(
        h.last_bot_message(thread).1,
        "Apple still reports a problem"
    );
    feed.resolve();
    h.clock.advance(std::time::Duration::from_secs(120));
    assert!(h.clock.settle().await);
    assert_eq!(
        h.fake.world(|w| news(w, thread)),
        0,
        "no news after the wait lapsed"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_news_decided_before_a_crash_is_posted_once_after_the_restart() {
    let feed = Fixture::start().await;
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let mut config = h.config();
    config.apple_status = Some(feed.url("switch"));
    config.apple_refresh = Some("1s".into());
    let env = [(backup_help_bot::crash::ENV, "after-follow-up")];
    let bot = h.spawn_bot("1", &config, &env);
    h.wait_connected(1).await;
    let thread = waiting_for_apple(&h, PERSON).await;
    // Apple fixes it; within a refresh the news is saved as owed, and the process dies.
    feed.resolve();
    crate::crashes::crashed(bot).await;
    assert_eq!(h.fake.world(|w| news(w, thread)), 0, "saved, not posted");

    let bot = h.spawn_bot("2", &config, &[]);
    h.wait_connected(2).await;
    h.wait("the news, posted at start-up", |w| news(w, thread) == 1)
        .await;
    h.click(PERSON, thread, "It works now").await;
    assert!(h.last_bot_message(thread).1.contains("backing up again"));
    assert_eq!(h.fake.world(|w| news(w, thread)), 1, "posted once");
    drop(bot);
    h.finish().await;
}
