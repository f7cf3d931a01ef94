//! The retention purge in the running bot: a walkthrough that ended longer ago than
//! `retention` (on the bot's clock, which the test moves) is erased in the background.

use std::time::Duration;

use backup_help_bot::config::Storage;
use backup_help_bot::conversation::Timestamp;
use backup_help_bot::ids::ThreadId;
use backup_help_bot::store;
use backup_help_bot::store::EventKind;
use fake_discord::Options;

use crate::harness::{start, PERSON};
use crate::staff::{hand_off, staffed, store_of, wait_card, wait_card_recorded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_walkthrough_past_the_retention_is_erased_in_the_background() {
    let h = start(
        r#"retention: "1h", confirm_after: None,"#,
        Options::default(),
    )
    .await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Talk to a human").await;
    let path = h.data_dir().join("backup-help.db");
    let store = store::open(&Storage::Sqlite { path })
        .await
        .expect("the bot's store");
    let id = ThreadId::new(thread).expect("ids are not 0");
    let stored = store.by_thread(id).await.expect("read").expect("stored");
    assert!(stored.ended_at.is_some(), "a hand-off ends the walkthrough");
    // The turn's events are recorded after the person is answered: the clock moves once
    // they are, or the purge could come between.
    let mut recorded = false;
    for _ in 0..500 {
        let events = store.events_since(Timestamp(0)).await.expect("events");
        recorded = events
            .iter()
            .any(|e| e.thread == id && e.kind == EventKind::HandedOff);
        if recorded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(recorded, "the hand-off's events are recorded");
    // Not yet past the retention: the purge's round leaves it.
    h.clock.advance(Duration::from_secs(59 * 60));
    assert!(h.clock.settle().await);
    assert!(store.by_thread(id).await.expect("read").is_some());
    // Past it: the next round erases it.
    h.clock.advance(Duration::from_secs(2 * 60));
    assert!(h.clock.settle().await);
    assert!(store.by_thread(id).await.expect("read").is_none());
    let events = store.events_since(Timestamp(0)).await.expect("events");
    assert!(events
        .iter()
        .all(|e| e.owner.get() != PERSON && e.thread != id));
    let rolled = store.rolled_up_since(Timestamp(0)).await.expect("read");
    assert!(
        !rolled.is_empty(),
        "what the report counts of it is rolled up"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purged_case_loses_its_name_and_summary_on_the_staff_card_too() {
    let h = staffed(r#"retention: "1h", confirm_after: None,"#).await;
    let thread = hand_off(&h, PERSON).await;
    let (card, embed, _) = wait_card(&h, thread).await;
    assert!(embed.to_string().contains("Needs a person"), "{embed}");
    // The card is on Discord a moment before the bot records it: the purge erases only what
    // is recorded, so the clock moves once it is.
    let store = store_of(&h).await;
    wait_card_recorded(
        store.as_ref(),
        ThreadId::new(thread).expect("ids are not 0"),
    )
    .await;
    h.clock.advance(Duration::from_secs(61 * 60));
    assert!(h.clock.settle().await);
    let expired = "This case ended longer ago than the server keeps personal data";
    h.wait("the card edited after the purge", |w| {
        w.messages[&card].embeds[0].to_string().contains(expired)
    })
    .await;
    let (text, buttons) = h.fake.world(|w| {
        let m = &w.messages[&card];
        (m.embeds[0].to_string(), m.components.clone())
    });
    assert!(
        !text.contains("Needs a person") && !text.contains(&format!("<#{thread}>")),
        "{text}"
    );
    assert_eq!(
        buttons,
        serde_json::json!([]),
        "no Join, Claim or Close left"
    );
    h.finish().await;
}
