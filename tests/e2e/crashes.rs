//! A bot process that dies between two effects of a turn (at a crash point, as `kill -9`
//! would leave it) and is started again: the restart carries out what was owed, once.

use backup_help_bot::store::EventKind;
use fake_discord::world::World;
use fake_discord::Options;

use crate::harness::{BotProcess, Harness, FIRST_CHECK_FAILING, PERSON, WAIT};

/// Starts bot number `run`, crashing at `point` if one is given.
async fn run_bot(h: &Harness, run: usize, point: Option<&str>) -> BotProcess {
    let env: Vec<(&str, &str)> = point
        .map(|p| vec![(backup_help_bot::crash::ENV, p)])
        .unwrap_or_default();
    let bot = h.spawn_bot(&run.to_string(), &h.config(), &env);
    h.wait_connected(run).await;
    bot
}

/// A fake, a person, and a bot (run 1, stopped again) that opened their walkthrough;
/// returns the harness and the thread.
async fn walkthrough_opened() -> (Harness, u64) {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let bot = run_bot(&h, 1, None).await;
    let thread = h.open(PERSON).await;
    drop(bot); // killed
    (h, thread)
}

/// The walk went opening → first check → Wi-Fi, each step shown once.
pub(crate) fn assert_each_step_once(h: &Harness, thread: u64) {
    let titles = h.step_titles(thread);
    assert_eq!(
        titles[1..],
        [
            "Is iCloud Backup switched on?",
            "Check the Wi-Fi connection"
        ],
        "{titles:?}"
    );
}

/// Waits for `bot` to die at its crash point.
pub(crate) async fn crashed(mut bot: BotProcess) {
    let deadline = std::time::Instant::now() + WAIT;
    while bot.try_wait().ok().flatten().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the bot did not crash at its crash point"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_saving_an_answer_is_repaired_at_start_up_and_nothing_advances_twice() {
    let (h, thread) = walkthrough_opened().await;
    let bot = run_bot(&h, 2, Some("after-save")).await;
    // Saved (opening → backup switch), then the process dies before posting anything.
    h.fake.type_message(PERSON, thread, "not sure");
    crashed(bot).await;
    assert_eq!(h.step_titles(thread).len(), 1, "nothing was posted");
    // The answer's events were written with the save: the report counts it.
    let answered = crate::follow_up::events(&h, EventKind::Answered).await;
    assert_eq!(
        answered, 1,
        "the answer saved before the crash is on record"
    );
    let bot = run_bot(&h, 3, None).await;
    h.wait("the owed step, posted at start-up", |w| {
        h.step_message_in(w, thread)
            .is_some_and(|m| w.messages[&m].embeds[0]["title"] == "Is iCloud Backup switched on?")
    })
    .await;
    // The person answers the step they now see: one step further, not two.
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_each_step_once(&h, thread);
    drop(bot);
    h.finish().await;
}

/// POSTs to `thread`'s messages, and GETs of them, so far.
fn posts_and_reads(w: &World, thread: u64) -> (usize, usize) {
    let path = format!("{thread}/messages");
    let to = |method: &str| {
        w.requests
            .iter()
            .filter(|r| r.method == method && r.path.ends_with(&path))
            .count()
    };
    (to("POST"), to("GET"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_click_response_carried_the_step_does_not_post_it_twice() {
    let (h, thread) = walkthrough_opened().await;
    let bot = run_bot(&h, 2, Some("after-post")).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    let click = h.fake.click(PERSON, message, &not_sure);
    crashed(bot).await;
    assert_eq!(h.step_titles(thread).len(), 2, "posted, not recorded");
    let carried = h
        .fake
        .world(|w| w.interactions[&click].callbacks.first().map(|c| c.0));
    assert_eq!(carried, Some(4), "the click's response carried the step");
    let (posts, reads) = h.fake.world(|w| posts_and_reads(w, thread));
    // The restart finds the step owed, and asks Discord whether the click's response made
    // it before posting: it did, so it is recorded and not posted again.
    let bot = run_bot(&h, 3, None).await;
    h.wait("the restart to look for the step", |w| {
        posts_and_reads(w, thread).1 > reads
    })
    .await;
    h.click(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_each_step_once(&h, thread);
    assert_eq!(
        h.fake.world(|w| posts_and_reads(w, thread)).0,
        posts,
        "the next step came as the click's response too; nothing was posted in the thread"
    );
    drop(bot);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_posting_a_typed_answers_step_does_not_post_it_twice() {
    let (h, thread) = walkthrough_opened().await;
    let bot = run_bot(&h, 2, Some("after-post")).await;
    h.fake.type_message(PERSON, thread, "not sure");
    crashed(bot).await;
    assert_eq!(h.step_titles(thread).len(), 2, "posted, not recorded");
    let (posts, _) = h.fake.world(|w| posts_and_reads(w, thread));
    // The restart posts the owed step again with the same nonce: Discord hands back the
    // message it has, and the person sees the step once.
    let bot = run_bot(&h, 3, None).await;
    h.wait("the restart to settle the walkthrough", |w| {
        posts_and_reads(w, thread).0 > posts
    })
    .await;
    h.type_text(PERSON, thread, FIRST_CHECK_FAILING).await;
    assert_each_step_once(&h, thread);
    drop(bot);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_first_step_is_posted_leaves_it_owed_until_the_restart() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    let bot = run_bot(&h, 1, Some("after-insert")).await;
    h.command(PERSON);
    crashed(bot).await;
    let thread = h.fake.world(|w| {
        w.channels
            .values()
            .find(|c| c.is_thread() && c.members.contains(&PERSON))
            .map(|c| c.id)
    });
    let thread = thread.expect("the thread was opened before the crash");
    assert!(h.step_titles(thread).is_empty());
    // The opening's events were written with it: the report counts it.
    let started = crate::follow_up::events(&h, EventKind::Started).await;
    assert_eq!(
        started, 1,
        "the opening saved before the crash is on record"
    );
    let bot = run_bot(&h, 2, None).await;
    h.wait("the first step, posted at start-up", |w| {
        h.step_message_in(w, thread).is_some()
    })
    .await;
    assert_eq!(h.step_titles(thread).len(), 1);
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    drop(bot);
    h.finish().await;
}
