//! A click's own response carries the next step when the answer is saved in time: one
//! request between the click and the step. A slow database or a failed response goes the
//! long way, with nothing lost or doubled.

use std::time::{Duration, Instant};

use fake_discord::world::World;
use fake_discord::Options;
use sqlx::Connection;

use crate::harness::{buttons, start, Harness, FIRST_CHECK_FAILING, PERSON};

/// The requests made since the `from`-th one, as "METHOD path" with ids left in.
fn requests_since(w: &World, from: usize) -> Vec<String> {
    w.requests[from..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Whether the message's buttons (links aside) are all disabled, with one marked as chosen
/// (green).
fn answered(w: &World, message: u64) -> bool {
    let all: Vec<_> = buttons(&w.messages[&message].components)
        .into_iter()
        .filter(|b| b.get("custom_id").is_some())
        .collect();
    !all.is_empty()
        && all.iter().all(|b| b["disabled"] == true)
        && all.iter().any(|b| b["style"] == 3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_is_answered_by_its_next_step_in_one_request_then_the_clicked_step_is_marked() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let from = h.fake.world(|w| w.requests.len());
    let (message, not_sure) = h.button(thread, "Not sure");
    let click = h.fake.click(PERSON, message, &not_sure);
    // The response and the edit go out side by side: wait for both before counting.
    h.wait(
        "the clicked step to be marked and the click answered",
        |w| answered(w, message) && w.interactions[&click].original.is_some(),
    )
    .await;
    let (callbacks, original, requests) = h.fake.world(|w| {
        let i = &w.interactions[&click];
        (i.callbacks.clone(), i.original, requests_since(w, from))
    });
    assert_eq!(
        callbacks.iter().map(|c| c.0).collect::<Vec<_>>(),
        [4],
        "one response, a message"
    );
    let step = original.expect("the response made a message");
    let live = h.fake.world(|w| h.step_message_in(w, thread));
    assert_eq!(live, Some(step), "the next step is that message");
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    // Two requests for the answer, side by side: the response with the step, and the edit
    // of the clicked message (in the channel: the webhook's @original is the new step).
    let mut requests = requests;
    requests.sort();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[0],
        format!("PATCH /api/v10/channels/{thread}/messages/{message}")
    );
    assert!(requests[1].ends_with("/callback"), "{requests:?}");
    // The step the response made is an ordinary step: typed answers edit it, clicks on it
    // move on, and the conversation reads in order.
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    h.wait("the response's step to be marked", |w| answered(w, step))
        .await;
    h.click(PERSON, thread, "Still failing").await;
    let titles = h.step_titles(thread);
    assert_eq!(
        titles[1..],
        [
            "Is iCloud Backup switched on?",
            "Check the Wi-Fi connection",
            "Check the charger and cable"
        ],
        "{titles:?}"
    );
    h.finish().await;
}

/// Holds SQLite's write lock on the bot's database for `hold`, as a slow database would.
pub(crate) async fn hold_the_database(h: &Harness, hold: Duration) -> tokio::task::JoinHandle<()> {
    let url = format!("sqlite://{}", h.data_dir().join("backup-help.db").display());
    let mut conn = sqlx::sqlite::SqliteConnection::connect(&url)
        .await
        .expect("the test opens the database");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .expect("the test takes the write lock");
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        let _ = sqlx::query("COMMIT").execute(&mut conn).await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_waiting_on_a_slow_database_is_acknowledged_in_time_and_its_step_follows() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    // Every write waits 2.5 s: past the save budget, inside SQLite's busy timeout.
    let held = hold_the_database(&h, Duration::from_millis(2500)).await;
    let clicked = Instant::now();
    let click = h.fake.click(PERSON, message, &not_sure);
    h.wait("the click to be acknowledged", |w| {
        !w.interactions[&click].callbacks.is_empty()
    })
    .await;
    let acknowledged = clicked.elapsed();
    let callbacks = h.fake.world(|w| w.interactions[&click].callbacks.clone());
    assert_eq!(callbacks.len(), 1, "{callbacks:?}");
    assert_eq!(
        callbacks[0].0, 6,
        "acknowledged without the step: {callbacks:?}"
    );
    assert!(
        callbacks[0].1 < 3.0,
        "within Discord's 3 s: {callbacks:?} ({acknowledged:?})"
    );
    let _ = held.await;
    // Saved once the database answers; the step is posted in the thread, and the clicked
    // message marked through the webhook.
    h.wait("the next step, posted", |w| {
        h.step_message_in(w, thread).is_some_and(|m| m != message)
    })
    .await;
    h.wait("the clicked step to be marked", |w| answered(w, message))
        .await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.click(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_eq!(h.step_titles(thread).len(), 3, "each step once");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_that_fails_on_the_way_is_looked_for_then_posted_once() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    // Discord's edge fails the response (it did not reach Discord): the bot cannot know
    // whether the step was made, so it looks before posting it in the thread.
    h.fake.fail_next("POST", "/callback", 502, 0, "Bad Gateway");
    let click = h.fake.click(PERSON, message, &not_sure);
    h.wait("the next step", |w| {
        h.step_message_in(w, thread).is_some_and(|m| m != message)
    })
    .await;
    h.wait("the clicked step to be marked", |w| answered(w, message))
        .await;
    h.wait("the click to be acknowledged", |w| {
        !w.interactions[&click].callbacks.is_empty()
    })
    .await;
    let (callbacks, looked) = h.fake.world(|w| {
        let looked = w
            .requests
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with(&format!("{thread}/messages")));
        (w.interactions[&click].callbacks.clone(), looked)
    });
    assert!(looked, "the thread was searched for the step");
    // The click is still acknowledged (the failed response never reached the fake's
    // interaction), once.
    assert_eq!(callbacks.len(), 1, "{callbacks:?}");
    assert_eq!(h.step_titles(thread).len(), 2, "the step once");
    h.finish().await;
}
