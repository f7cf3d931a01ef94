//! The edges of a turn, where Discord I/O meets the store: a double submit, a first step
//! Discord refuses, a deleted thread, an answer typed at a step never shown, and a crash
//! between two effects. Each test fails if a step, a ping or an answer is lost or doubled.

use fake_discord::Options;

use crate::harness::{count_bot, start, Harness, FIRST_CHECK_FAILING, PERSON};

/// The threads `user` is a member of.
fn threads_of(h: &Harness, user: u64) -> Vec<u64> {
    h.fake.world(|w| {
        w.channels
            .values()
            .filter(|c| c.is_thread() && c.members.contains(&user))
            .map(|c| c.id)
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_backup_help_at_the_same_instant_open_one_thread() {
    let h = start("", Options::default()).await;
    let first = h.command(PERSON);
    let second = h.command(PERSON);
    let (a, b) = (
        h.ephemeral_reply(first).await,
        h.ephemeral_reply(second).await,
    );
    let threads = threads_of(&h, PERSON);
    assert_eq!(threads.len(), 1, "one thread: {threads:?}");
    let link = format!("<#{}>", threads[0]);
    assert!(a.contains(&link) && b.contains(&link), "{a} / {b}");
    h.wait("the first step", |w| {
        h.step_message_in(w, threads[0]).is_some()
    })
    .await;
    assert_eq!(h.step_titles(threads[0]).len(), 1, "one first step");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_first_step_is_explained_and_the_person_can_start_again() {
    let h = start("", Options::default()).await;
    h.fake
        .fail_next("POST", "/messages", 403, 50013, "Missing Permissions");
    let command = h.command(PERSON);
    let reply = h.ephemeral_reply(command).await;
    assert!(reply.contains("Send Messages in Threads"), "{reply}");
    let empty = threads_of(&h, PERSON);
    assert_eq!(empty.len(), 1);
    assert!(
        h.fake.world(|w| w.channels[&empty[0]].archived),
        "the empty thread is archived"
    );
    // Once the permission is granted, /backup-help starts afresh.
    let thread = h.open(PERSON).await;
    assert_ne!(thread, empty[0]);
    assert_eq!(h.step_titles(thread).len(), 1);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_thread_is_deleted_backup_help_opens_a_new_one() {
    let h = start("", Options::default()).await;
    let old = h.open(PERSON).await;
    h.click(PERSON, old, "Not sure").await;
    h.fake.delete_thread(old);
    // Whether or not THREAD_DELETE reached the bot first, the next /backup-help finds the
    // thread gone and opens a new one.
    let thread = h.open(PERSON).await;
    assert_ne!(thread, old);
    assert!(h.step_title(thread).contains("backing up"));
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_typed_at_a_step_never_shown_posts_the_step_instead_of_skipping_it() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    for _ in 0..4 {
        // The next step's post fails for good (every retry).
        h.fake.fail_next(
            "POST",
            &format!("/channels/{thread}/messages"),
            502,
            0,
            "Bad Gateway",
        );
    }
    h.fake.type_message(PERSON, thread, "not sure");
    h.wait("the four failed posts", |w| {
        w.requests
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
            .count()
            >= 5
    })
    .await;
    assert_eq!(h.step_titles(thread).len(), 1, "the next step is owed");
    // The person, seeing nothing, types an answer that would answer that step (its plain
    // "still failing"; a bare "no" is asked again there anyway): it must not answer the step
    // they never saw. The step is posted, and it asks its question.
    let before = h.bot_messages(thread);
    h.fake.type_message(PERSON, thread, FIRST_CHECK_FAILING);
    h.wait("the owed step", |w| count_bot(w, thread) > before)
        .await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    assert_eq!(h.step_titles(thread).len(), 2);
    // Now the same answer answers it, once.
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_title(thread), "Check the Wi-Fi connection");
    assert_eq!(h.step_titles(thread).len(), 3);
    h.finish().await;
}
