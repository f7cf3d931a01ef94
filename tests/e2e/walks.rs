//! Whole walks: to "Fixed" and to the hand-off.

use fake_discord::Options;

use crate::harness::{start, PERSON, SUPPORT_ROLE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_walks_the_whole_script_to_fixed_by_buttons_and_typing() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    assert!(
        h.step_title(thread).contains("backing up"),
        "{}",
        h.step_title(thread)
    );
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    // Every check in turn, "carry on" each time: by button and by typing, alternately, up to
    // the last iCloud check, where the backup finishes. (A computer backup that works is
    // not an iCloud fix and does not end here.)
    let mut titles = Vec::new();
    for turn in 0..20 {
        let title = h.step_title(thread);
        if title == "Update your iPhone" {
            break;
        }
        titles.push(title);
        if turn % 2 == 0 {
            h.click_nth(PERSON, thread, 1).await;
        } else {
            h.type_text(PERSON, thread, "2").await;
        }
    }
    assert!(titles.len() >= 9, "{titles:?}");
    h.type_text(PERSON, thread, "works now").await;
    let (_, title, _, _) = h.last_bot_message(thread);
    assert!(title.contains("backing up again"), "{title}");
    h.wait("the thread to be archived", |w| {
        w.channels[&thread].archived
    })
    .await;
    // The answered messages show what was chosen, with every button disabled; only the
    // rating under the ending is live.
    let live: Vec<String> = h.fake.world(|w| {
        w.messages_in(thread)
            .iter()
            .flat_map(|m| crate::harness::buttons(&m.components))
            .filter(|b| b["disabled"] == false && b["style"] != 5)
            .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
            .collect()
    });
    assert_eq!(
        live,
        ["bh1:r:1", "bh1:r:2", "bh1:r:3", "bh1:r:4", "bh1:r:5"],
        "an answered step still has live buttons"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_gateway_drops_the_bot_resumes_and_the_next_click_works() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.fake.close_gateway(4000);
    h.wait("the bot to resume", |w| w.resumes >= 1).await;
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_tries_everything_is_handed_off_with_a_summary() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    // "2" moves on at every step: still failing, or the second branch.
    for _ in 0..20 {
        // Ended once the bot's newest message is not a step (the answered step is marked a
        // moment after the ending is posted).
        let archived_or_ended = h.fake.world(|w| {
            w.messages_in(thread)
                .into_iter()
                .rev()
                .find(|m| m.author == fake_discord::world::APP_ID)
                .is_some_and(|m| !crate::harness::is_step(&m.components))
        });
        if archived_or_ended {
            break;
        }
        h.type_text(PERSON, thread, "2").await;
    }
    let (content, title, pings, embeds) = h.last_bot_message(thread);
    assert!(title.contains("support team"), "{title}");
    assert_eq!(
        pings,
        [format!("role:{SUPPORT_ROLE}")],
        "only the support role is pinged"
    );
    assert!(
        content.contains(&format!("<@&{SUPPORT_ROLE}>")),
        "{content}"
    );
    let summary = embeds[0]["fields"][0]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for check in [
        "switched on",
        "Wi-Fi",
        "charger",
        "iCloud",
        "Apple's end",
        "sign out and in",
        "Restart",
        "Reset",
        "Update",
        "computer",
    ] {
        assert!(
            summary.contains(check),
            "the summary lacks {check:?}:\n{summary}"
        );
    }
    assert!(summary.contains("Still failing"), "{summary}");
    assert!(
        !h.fake.world(|w| w.channels[&thread].archived),
        "the thread stays open for staff"
    );
    h.finish().await;
}
