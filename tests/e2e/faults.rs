//! When Discord hiccups: a dropped or invalidated gateway session, rate limits, server errors,
//! refused permissions. Each test fails if an answer is lost or applied twice.

use fake_discord::Options;

use crate::harness::{start, FIRST_CHECK_FAILING, PERSON};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_invalid_session_the_bot_identifies_again_and_the_next_click_works() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.fake.invalidate_sessions();
    h.wait("a second IDENTIFY", |w| w.ready_count >= 2).await;
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    assert_eq!(h.step_titles(thread).len(), 2, "one step taken");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_on_posting_the_next_step_is_waited_out() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.fake.fail_next(
        "POST",
        &format!("/channels/{thread}/messages"),
        429,
        0,
        "You are being rate limited.",
    );
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    assert_eq!(h.step_titles(thread).len(), 2, "the step arrived once");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_then_success_is_retried() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    for _ in 0..2 {
        h.fake.fail_next(
            "POST",
            &format!("/channels/{thread}/messages"),
            502,
            0,
            "Bad Gateway",
        );
    }
    h.type_text(PERSON, thread, "not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    assert_eq!(h.step_titles(thread).len(), 2, "the step arrived once");
    let tries = h.fake.world(|w| {
        w.requests
            .iter()
            .filter(|r| {
                r.method == "POST" && r.path.ends_with(&format!("/channels/{thread}/messages"))
            })
            .count()
    });
    assert_eq!(
        tries, 4,
        "the first step, two failures, then the second step"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_permissions_while_posting_are_told_privately_and_the_walk_stays_consistent() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    // Refused both ways a step can go: as the click's response, and posted in the thread.
    let (message, not_sure) = h.button(thread, "Not sure");
    h.fake
        .fail_next("POST", "/callback", 403, 50013, "Missing Permissions");
    h.fake.fail_next(
        "POST",
        &format!("/channels/{thread}/messages"),
        403,
        50013,
        "Missing Permissions",
    );
    let click = h.fake.click(PERSON, message, &not_sure);
    h.wait("the private explanation", |w| {
        w.messages
            .values()
            .any(|m| m.flags & 64 != 0 && m.content.contains("Send Messages in Threads"))
    })
    .await;
    assert!(
        h.fake
            .world(|w| w.interactions[&click].callbacks.len() == 1),
        "answered once"
    );
    assert_eq!(
        h.step_titles(thread).len(),
        1,
        "the next step is owed, not posted"
    );
    // The person clicks again because nothing appeared: the step they are owed is posted
    // (not "already answered"), and the walk has still moved exactly one step...
    let again = h.fake.click(PERSON, message, &not_sure);
    h.wait("the owed step", |w| {
        h.step_message_in(w, thread).is_some_and(|m| m != message)
    })
    .await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    let private = h.fake.world(|w| w.interactions[&again].followups.len());
    assert_eq!(private, 0, "no private reply to the second click");
    // ...and a typed answer to the step now shown carries on, leaving the older message
    // (which never showed that step) as it was.
    let before = h.fake.world(|w| w.messages[&message].components.clone());
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_title(thread), "Check the Wi-Fi connection");
    assert_eq!(h.step_titles(thread).len(), 3, "each step posted once");
    let after = h.fake.world(|w| w.messages[&message].components.clone());
    assert_eq!(before, after, "the older step message was redrawn");
    h.finish().await;
}

/// Sets or clears the immutable attribute on the SQLite data files (the database and its
/// write-ahead log): read-only even for root. The `-shm` lock table stays writable: SQLite
/// maps it into memory, and pulling write access from under a live mapping is a SIGBUS,
/// not a read-only database.
fn immutable(dir: &std::path::Path, on: bool) {
    for name in ["backup-help.db", "backup-help.db-wal"] {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        let status = std::process::Command::new("chattr")
            .arg(if on { "+i" } else { "-i" })
            .arg(&path)
            .status()
            .expect("chattr runs");
        assert!(
            status.success(),
            "chattr could not change {}",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_gets_a_clear_try_again_and_the_walk_continues_after() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    immutable(h.data_dir(), true);
    let click = h.fake.click(PERSON, message, &not_sure);
    let reply = h.ephemeral_reply(click).await;
    immutable(h.data_dir(), false); // before any assertion can fail and leave it so
    assert!(reply.contains("try again"), "{reply}");
    assert_eq!(
        h.step_titles(thread).len(),
        1,
        "nothing moved, nothing half-saved"
    );
    // Writable again: the same button now works, exactly once.
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_titles(thread).len(), 3);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_discord_and_a_stalled_database_still_get_the_click_acknowledged_in_time() {
    use std::time::Duration;
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    // Discord now takes 3.2 s to answer (1.6 s each way): a click acknowledged only after
    // the usual 1.5 s wait for its save would reach Discord at 3.1 s, too late.
    h.fake.set_rest_latency(Duration::from_millis(3200));
    // The bot learns Discord's round trip from what it sends anyway: the click's response
    // has come back once the click is logged as handled.
    h.click(PERSON, thread, "Not sure").await;
    let span = format!("thread={thread}}}");
    let handled = ["click{", span.as_str(), "to_step=\"backup-switch\""];
    h.wait_for_log("the first click handled", &handled).await;
    let held = crate::responses::hold_the_database(&h, Duration::from_secs(2)).await;
    let click = h.click(PERSON, thread, FIRST_CHECK_FAILING).await;
    let first = h
        .fake
        .world(|w| w.interactions[&click].callbacks.first().copied());
    let (kind, after) = first.expect("answered");
    assert_eq!(kind, 6, "acknowledged first, the step posted once saved");
    assert!(after < 3.0, "answered {after:.2} s after the click");
    assert_eq!(h.step_title(thread), "Check the Wi-Fi connection");
    held.await.expect("the hold ends");
    // finish() checks every interaction was answered once within 3 s.
    h.finish().await;
}
