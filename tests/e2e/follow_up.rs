//! The question the day after a fix, in the running bot: posted in the person's thread
//! (opened again, pinging only them) when due, once; "yes" confirms, "no" reopens at the step
//! for automatic backups, silence leaves the fix unconfirmed and the thread archived again.

use std::time::Duration;

use backup_help_bot::config::Storage;
use backup_help_bot::conversation::Timestamp;
use backup_help_bot::store::{self, EventKind};
use fake_discord::world::{World, APP_ID};
use fake_discord::Options;

use crate::crashes::crashed;
use crate::harness::{start, Harness, PERSON, STRANGER};

const QUESTION: &str = "Checking in: did your iPhone back up overnight?";
const CONFIRMED: &str = "Confirmed: your iPhone backs itself up 🎉";
const OVERNIGHT: &str = "Let it back up by itself";
const HOUR: Duration = Duration::from_secs(3600);

/// `user` opens a walkthrough and fixes it at the first check; its thread is archived.
async fn fixed(h: &Harness, user: u64) -> u64 {
    let thread = h.open(user).await;
    h.type_text(user, thread, "not sure").await;
    h.click(user, thread, "Fixed, it backs up now").await;
    h.wait("the fixed walkthrough's thread archived", |w| {
        w.channels[&thread].archived
    })
    .await;
    thread
}

/// How many times the follow-up question was posted in `thread`.
fn questions(w: &World, thread: u64) -> usize {
    w.messages_in(thread)
        .iter()
        .filter(|m| m.author == APP_ID && m.embeds[0]["title"] == QUESTION)
        .count()
}

/// How many events of `kind` the bot recorded.
pub(crate) async fn events(h: &Harness, kind: EventKind) -> usize {
    let path = h.data_dir().join("backup-help.db");
    let store = store::open(&Storage::Sqlite { path })
        .await
        .expect("the store");
    let all = store.events_since(Timestamp(0)).await.expect("events");
    all.iter().filter(|e| e.kind == kind).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_is_asked_about_the_next_day_yes_confirms_and_no_reopens() {
    let h = start(r#"confirm_after: "20h","#, Options::default()).await;
    let yes = fixed(&h, PERSON).await;
    let no = fixed(&h, STRANGER).await;
    h.clock.advance(19 * HOUR);
    assert!(h.clock.settle().await);
    assert_eq!(h.fake.world(|w| questions(w, yes)), 0, "not due yet");

    h.clock.advance(HOUR);
    assert!(h.clock.settle().await);
    h.wait("the question in both threads", |w| {
        questions(w, yes) == 1 && questions(w, no) == 1
    })
    .await;
    let (content, title, pings, _) = h.last_bot_message(yes);
    assert_eq!(title, QUESTION);
    assert!(content.contains(&format!("<@{PERSON}>")), "{content}");
    assert_eq!(pings, vec![format!("user:{PERSON}")], "only the person");
    assert!(h.fake.world(|w| !w.channels[&yes].archived), "opened again");

    h.click(PERSON, yes, "Yes, it backed up").await;
    h.wait("the confirmation, and the thread archived again", |w| {
        w.channels[&yes].archived
    })
    .await;
    assert_eq!(h.last_bot_message(yes).1, CONFIRMED);

    h.click(STRANGER, no, "No, it didn't").await;
    assert_eq!(h.step_title(no), OVERNIGHT);
    assert!(h.fake.world(|w| !w.channels[&no].archived), "it goes on");

    // A day later nobody is asked again.
    h.clock.advance(25 * HOUR);
    assert!(h.clock.settle().await);
    h.fake
        .world(|w| assert_eq!((questions(w, yes), questions(w, no)), (1, 1)));
    assert_eq!(events(&h, EventKind::FollowUpAsked).await, 2);
    assert_eq!(events(&h, EventKind::Confirmed).await, 1);
    assert_eq!(events(&h, EventKind::Reopened).await, 1);
    // `stats` reports both, at the step that fixed them.
    let report = h.stats_json();
    assert_eq!(report["outcomes"]["fixed"], 2, "{report}");
    assert_eq!(report["outcomes"]["confirmed"], 1, "{report}");
    assert_eq!(report["outcomes"]["reopened"], 1, "{report}");
    let steps = report["steps"].as_array().cloned().unwrap_or_default();
    let switch = steps.iter().find(|r| r["step"] == "backup-switch");
    let switch = switch.unwrap_or_else(|| panic!("no backup-switch row in {report}"));
    assert_eq!(
        (&switch["confirmed_here"], &switch["reopened_here"]),
        (&serde_json::json!(1), &serde_json::json!(1)),
        "{switch}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_question_leaves_the_fix_unconfirmed_and_the_thread_archived() {
    let h = start(r#"confirm_after: "20h","#, Options::default()).await;
    let thread = fixed(&h, PERSON).await;
    h.clock.advance(20 * HOUR);
    assert!(h.clock.settle().await);
    h.wait("the question", |w| questions(w, thread) == 1).await;
    let posted = h.bot_messages(thread);
    h.clock.advance(Duration::from_secs(31 * 60));
    assert!(h.clock.settle().await);
    h.wait("the thread archived again", |w| {
        w.channels[&thread].archived
    })
    .await;
    assert_eq!(h.bot_messages(thread), posted, "nothing more is said");
    assert_eq!(events(&h, EventKind::Unconfirmed).await, 1);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_with_another_walkthrough_open_is_not_asked() {
    // Due before the new walkthrough's own idle warning (20 minutes).
    let h = start(r#"confirm_after: "10m","#, Options::default()).await;
    let thread = fixed(&h, PERSON).await;
    let other = h.open(PERSON).await;
    h.clock.advance(Duration::from_secs(11 * 60));
    assert!(h.clock.settle().await);
    assert_eq!(h.fake.world(|w| questions(w, thread)), 0);
    assert_eq!(events(&h, EventKind::Unconfirmed).await, 1);
    assert_ne!(h.step_title(other), QUESTION, "the new walkthrough goes on");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_saving_the_question_and_posting_it_posts_it_once_after_the_restart() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let mut config = h.config();
    config.extra = r#"confirm_after: "2s","#.into();
    let env = [(backup_help_bot::crash::ENV, "after-follow-up")];
    let bot = h.spawn_bot("1", &config, &env);
    h.wait_connected(1).await;
    let thread = fixed(&h, PERSON).await;
    // Two seconds later the question is saved as asked, and the process dies.
    crashed(bot).await;
    assert_eq!(
        h.fake.world(|w| questions(w, thread)),
        0,
        "saved, not posted"
    );

    let bot = h.spawn_bot("2", &config, &[]);
    h.wait_connected(2).await;
    h.wait("the owed question, posted at start-up", |w| {
        questions(w, thread) == 1
    })
    .await;
    h.click(PERSON, thread, "Yes, it backed up").await;
    assert_eq!(h.last_bot_message(thread).1, CONFIRMED);
    assert_eq!(h.fake.world(|w| questions(w, thread)), 1, "posted once");
    drop(bot);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_whose_thread_was_deleted_is_not_asked_about() {
    let h = start(r#"confirm_after: "20h","#, Options::default()).await;
    let thread = fixed(&h, PERSON).await;
    h.fake.delete_thread(thread);
    let closed = [format!("thread={thread}"), "walkthrough closed".to_string()];
    let closed: Vec<&str> = closed.iter().map(String::as_str).collect();
    h.wait_for_log("the follow-up dropped", &closed).await;
    let tried = |w: &World| {
        let path = format!("/channels/{thread}/messages");
        w.requests
            .iter()
            .filter(|r| r.path.ends_with(&path))
            .count()
    };
    let before = h.fake.world(tried);
    h.clock.advance(21 * HOUR);
    assert!(h.clock.settle().await);
    assert_eq!(
        h.fake.world(tried),
        before,
        "no question tried in a gone thread"
    );
    assert_eq!(events(&h, EventKind::Unconfirmed).await, 1);
    assert_eq!(events(&h, EventKind::FollowUpAsked).await, 0);
    h.finish().await;
}
