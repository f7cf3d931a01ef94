//! Nothing typed is lost to a restart: what the person types while the bot is away (killed,
//! or between an invalidated gateway session and the next) is read when it is back and
//! answered once, without the person typing it again.

use fake_discord::world::World;
use fake_discord::Options;

use crate::crashes::assert_each_step_once;
use crate::harness::{start, Harness, FIRST_CHECK_FAILING, PERSON, STRANGER};

/// The title of the live step in `thread`, if there is one.
fn live_title(h: &Harness, w: &World, thread: u64) -> Option<String> {
    let id = h.step_message_in(w, thread)?;
    w.messages[&id].embeds[0]["title"]
        .as_str()
        .map(str::to_string)
}

/// Reads of `thread`'s messages after a given one: a catch-up's.
fn catch_up_reads(w: &World, thread: u64) -> usize {
    let path = format!("/channels/{thread}/messages");
    w.requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(&path))
        .count()
}

/// Waits for "not sure", typed while nobody listened, to be taken: the first check shows.
async fn wait_first_check(h: &Harness, thread: u64) {
    h.wait("the answer typed while away, taken by the catch-up", |w| {
        live_title(h, w, thread).as_deref() == Some("Is iCloud Backup switched on?")
    })
    .await;
}

/// A walkthrough opened, then Discord ends the session (op 9, not resumable) and is slow
/// to start the next one: nobody listens until `release_identify`.
async fn opened_then_invalidated() -> (Harness, u64) {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.fake.hold_identify();
    h.fake.invalidate_sessions();
    h.wait("the session ended and a new one asked for", |w| {
        w.invalidated >= 1 && w.identifies_waiting >= 1
    })
    .await;
    (h, thread)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_typed_while_the_bot_is_down_is_answered_once_when_it_is_back() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    h.fake.add_member(STRANGER, "Bea", &[]);
    let bot = h.spawn_bot("1", &h.config(), &[]);
    h.wait_connected(1).await;
    let thread = h.open(PERSON).await;
    drop(bot); // killed
               // While it is away, someone else chats in the thread (never an answer), then the
               // person answers the step they see.
    h.fake.type_message(STRANGER, thread, "not sure");
    h.fake.type_message(PERSON, thread, "not sure");
    let bot = h.spawn_bot("2", &h.config(), &[]);
    h.wait_connected(2).await;
    wait_first_check(&h, thread).await;
    assert!(h.fake.world(|w| catch_up_reads(w, thread)) >= 1);
    // Taken once: the next answer moves one step on.
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_each_step_once(&h, thread);
    drop(bot);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_typed_between_an_invalidated_session_and_the_next_is_answered() {
    let (h, thread) = opened_then_invalidated().await;
    h.fake.type_message(PERSON, thread, "not sure");
    h.fake.release_identify();
    wait_first_check(&h, thread).await;
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_each_step_once(&h, thread);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_read_by_the_catch_up_and_delivered_by_the_gateway_advances_once() {
    let (h, thread) = opened_then_invalidated().await;
    let typed = h.fake.type_message(PERSON, thread, "not sure");
    let reads = h.fake.world(|w| catch_up_reads(w, thread));
    h.fake.release_identify();
    // Once the catch-up has read it, the new session hears it too (as a gateway may deliver
    // it again), while the catch-up is taking it or just after.
    h.wait("the catch-up's read", |w| catch_up_reads(w, thread) > reads)
        .await;
    h.fake.redeliver(typed);
    wait_first_check(&h, thread).await;
    assert!(h.clock.settle().await);
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_each_step_once(&h, thread);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_of_answers_leaves_every_acknowledged_answer_posted_once() {
    let h = Harness::for_process(Options::default()).await;
    let people: Vec<u64> = (0..6).map(|i| PERSON + 100 + i).collect();
    for (i, person) in people.iter().enumerate() {
        h.fake.add_member(*person, &format!("Person {i}"), &[]);
    }
    let bot = h.spawn_bot("1", &h.config(), &[]);
    h.wait_connected(1).await;
    let mut threads = Vec::new();
    for person in &people {
        threads.push(h.open(*person).await);
    }
    // Everyone clicks "Not sure" at once, and the bot is told to stop right then.
    let clicks: Vec<u64> = people
        .iter()
        .zip(&threads)
        .map(|(person, thread)| {
            let (message, not_sure) = h.button(*thread, "Not sure");
            h.fake.click(*person, message, &not_sure)
        })
        .collect();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let mut bot = bot;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let status = loop {
        if let Some(status) = bot.0.try_wait().expect("the bot can be waited for") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 5 s after SIGTERM"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");
    let acknowledged: Vec<bool> = h.fake.world(|w| {
        clicks
            .iter()
            .map(|c| !w.interactions[c].callbacks.is_empty())
            .collect()
    });
    // Whatever an acknowledged answer still owed, the next start posts.
    let _again = h.spawn_bot("2", &h.config(), &[]);
    h.wait_connected(2).await;
    for (thread, acknowledged) in threads.iter().zip(&acknowledged) {
        if *acknowledged {
            h.wait("the acknowledged answer's next step", |w| {
                live_title(&h, w, *thread).as_deref() == Some("Is iCloud Backup switched on?")
            })
            .await;
        }
    }
    for (thread, acknowledged) in threads.iter().zip(&acknowledged) {
        let titles = h.step_titles(*thread);
        let expected = if *acknowledged { 2 } else { 1 };
        assert_eq!(titles.len(), expected, "{titles:?}");
    }
    let refused: Vec<u64> = clicks
        .iter()
        .zip(&acknowledged)
        .filter(|(_, a)| !**a)
        .map(|(c, _)| *c)
        .collect();
    h.finish_killed_during(&refused).await;
}
