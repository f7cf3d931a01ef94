//! Exactly once: racing inputs move a walkthrough one step, and every click is answered.

use fake_discord::Options;

use crate::harness::{start, PERSON};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clicks_of_one_button_advance_once_and_are_all_answered() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    let clicks: Vec<u64> = (0..50)
        .map(|_| h.fake.click(PERSON, message, &not_sure))
        .collect();
    h.wait("all 50 clicks to be answered", |w| {
        clicks
            .iter()
            .all(|c| !w.interactions[c].callbacks.is_empty())
    })
    .await;
    // Every click is answered once; one moves the walk, 49 hear "already answered", each
    // privately: by their own response, or by a follow-up if they waited their turn past
    // the save budget.
    let private = |w: &fake_discord::world::World, c: &u64| {
        let i = &w.interactions[c];
        let original = i.original.filter(|m| w.messages[m].flags & 64 != 0);
        original.or(i.followups.first().copied())
    };
    h.wait("49 private replies", |w| {
        clicks.iter().filter(|c| private(w, c).is_some()).count() == 49
    })
    .await;
    let (once, told) = h.fake.world(|w| {
        let once = clicks
            .iter()
            .filter(|c| w.interactions[c].callbacks.len() == 1)
            .count();
        let told = clicks
            .iter()
            .filter_map(|c| private(w, c))
            .filter(|m| w.messages[m].content.contains("already been answered"))
            .count();
        (once, told)
    });
    assert_eq!((once, told), (50, 49));
    h.wait("the next step", |w| {
        h.step_message_in(w, thread).is_some_and(|m| m != message)
    })
    .await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    // Exactly one new step was posted: the opening and the first check.
    assert_eq!(h.step_titles(thread).len(), 2);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_racing_a_typed_answer_moves_one_step() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    let click = h.fake.click(PERSON, message, &not_sure);
    h.fake.type_message(PERSON, thread, "not sure");
    h.wait("the click to be answered", |w| {
        !w.interactions[&click].callbacks.is_empty()
    })
    .await;
    h.wait("the next step", |w| {
        h.step_message_in(w, thread).is_some_and(|m| m != message)
    })
    .await;
    // The loser is answered too: a click privately ("already answered"), typed text with a
    // re-ask, since "not sure" is no answer to the step now shown. Only then count steps.
    h.wait("the loser to be answered", |w| {
        let i = &w.interactions[&click];
        let private = i.original.is_some_and(|m| w.messages[&m].flags & 64 != 0);
        private
            || !i.followups.is_empty()
            || w.messages_in(thread)
                .iter()
                .any(|m| m.content.starts_with("Sorry, I didn't catch that"))
    })
    .await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    assert_eq!(h.step_titles(thread).len(), 2, "one step taken, not two");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_typed_while_the_step_is_still_being_posted_disables_that_step() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    // Discord shows each step 300 ms before the bot hears it was posted.
    h.fake
        .delay_message_posts(std::time::Duration::from_millis(300));
    h.click(PERSON, thread, "Not sure").await; // returns as soon as the step is visible
    h.type_text(PERSON, thread, "2").await;
    h.wait("the Wi-Fi step", |w| {
        w.messages_in(thread)
            .iter()
            .any(|m| m.embeds[0]["title"] == "Check the Wi-Fi connection")
    })
    .await;
    // The next step is posted first, then the answered one marked: soon only the latest
    // step has live buttons (the older ones are disabled, none redrawn live).
    let live = |w: &fake_discord::world::World| -> Vec<String> {
        w.messages_in(thread)
            .iter()
            .filter(|m| {
                crate::harness::buttons(&m.components)
                    .iter()
                    .any(|b| b["disabled"] == false && b["style"] != 5)
            })
            .map(|m| {
                m.embeds[0]["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    h.wait("the answered steps to be disabled", |w| live(w).len() == 1)
        .await;
    assert_eq!(h.fake.world(live), ["Check the Wi-Fi connection"]);
    h.finish().await;
}
