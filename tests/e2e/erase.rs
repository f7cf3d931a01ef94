//! A person erases their own data from inside Discord: `/backup-help forget: True`, a
//! confirmation only they can act on, and the staff card of their erased case edited to say
//! so, with no name, summary, transcript or buttons left on it.

use backup_help_bot::conversation::Timestamp;
use backup_help_bot::ids::ThreadId;
use backup_help_bot::script::{load_dir, Messages, Script};
use fake_discord::world::{World, GUILD_ID, SUPPORT_CHANNEL};
use serde_json::{json, Value};

use crate::harness::{buttons, Harness, PERSON, STAFF, STRANGER};
use crate::staff::{cli, hand_off, press, staffed, store_of, wait_card, STAFF_CHANNEL};

/// The shipped scripts, as the bot loads them.
fn shipped() -> Vec<Script> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/responses");
    load_dir(dir.as_ref(), "en").expect("the shipped scripts load")
}

/// The messages of the shipped script for `locale`.
fn messages<'a>(scripts: &'a [Script], locale: &str) -> &'a Messages {
    let script = scripts.iter().find(|s| s.locale == locale);
    &script.expect("a shipped script").messages
}

/// `user` runs `/backup-help forget: True`; the private reply: (its message, its content,
/// its buttons' custom ids).
async fn ask_to_forget(h: &Harness, user: u64) -> (u64, String, Vec<String>) {
    let options = json!([{"name": "forget", "type": 5, "value": true}]);
    let interaction = h
        .fake
        .slash_command_with(user, SUPPORT_CHANNEL, "backup-help", options);
    h.wait("the reply to /backup-help forget", |w| {
        w.interactions[&interaction].original.is_some()
    })
    .await;
    h.fake.world(|w| {
        let id = w.interactions[&interaction].original.unwrap_or(0);
        let message = &w.messages[&id];
        assert_eq!(message.flags & 64, 64, "the reply is private");
        let ids = buttons(&message.components)
            .iter()
            .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
            .collect();
        (id, message.content.clone(), ids)
    })
}

/// A message as the fake holds it now: (content, embeds, components, attachments).
fn message(w: &World, id: u64) -> (String, Value, Value, usize) {
    let m = &w.messages[&id];
    let (embeds, rows) = (m.embeds.clone(), m.components.clone());
    (m.content.clone(), embeds, rows, m.attachments.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_erases_their_own_data_and_only_they_can() {
    let scripts = shipped();
    let en = messages(&scripts, "en");
    let h = staffed("").await;
    // The person's walkthrough that fixed it, then one handed off, closed by the team
    // (whose card then carries the transcript); and someone else's, still open.
    let fixed = h.open(PERSON).await;
    h.click(PERSON, fixed, "Not sure").await;
    h.type_text(PERSON, fixed, "fixed").await;
    h.wait("the fixed thread archived", |w| w.channels[&fixed].archived)
        .await;
    let handed = hand_off(&h, PERSON).await;
    let (card, _, _) = wait_card(&h, handed).await;
    press(&h, STAFF, card, &format!("bh1:x:{handed}")).await;
    h.wait("the transcript on the card", |w| message(w, card).3 == 1)
        .await;
    let theirs = h.open(STRANGER).await;
    let threads_before = h.fake.world(|w| w.channels.len());

    // Asked: a private confirmation, nothing erased, no thread opened.
    let (confirmation, text, ids) = ask_to_forget(&h, PERSON).await;
    assert_eq!(text, en.forget_confirm);
    assert_eq!(ids, [format!("bh1:e:{PERSON}")]);
    assert_eq!(h.fake.world(|w| w.channels.len()), threads_before);
    let store = store_of(&h).await;
    let stored = |thread: u64| {
        let store = store.clone();
        async move {
            let id = ThreadId::new(thread).expect("ids are not 0");
            store.by_thread(id).await.expect("read")
        }
    };
    // Someone else's click: refused politely, nothing erased.
    let refused = press(&h, STRANGER, confirmation, &ids[0]).await;
    assert_eq!(
        h.ephemeral_reply(refused).await,
        format!(
            "This button erases <@{PERSON}>'s data, so only they can use it. To erase yours, \
             type /backup-help and set forget to True."
        )
    );
    assert!(stored(fixed).await.is_some() && stored(handed).await.is_some());

    // Theirs: the confirmation becomes what went, in plain words.
    press(&h, PERSON, confirmation, &ids[0]).await;
    h.wait("the confirmation replaced", |w| {
        message(w, confirmation).0.starts_with("Done:")
    })
    .await;
    let (done, _, rows, _) = h.fake.world(|w| message(w, confirmation));
    assert!(done.contains("• Walkthroughs: 2"), "{done}");
    assert_eq!(rows, json!([]), "no button left to press");
    for thread in [fixed, handed] {
        assert!(stored(thread).await.is_none(), "{thread} is erased");
    }
    let events = store.events_since(Timestamp(0)).await.expect("events");
    assert!(events.iter().all(|e| e.owner.get() != PERSON));
    let other = stored(theirs)
        .await
        .expect("the other person's walkthrough");
    assert_eq!(other.session.owner.get(), STRANGER);

    // The card: the erased text alone, no name, no buttons, no transcript.
    let erased = &en.card_erased;
    h.wait("the card edited", |w| {
        message(w, card).1[0]["description"] == erased.as_str()
    })
    .await;
    let (_, embeds, rows, files) = h.fake.world(|w| message(w, card));
    assert_eq!(embeds.as_array().map(Vec::len), Some(1));
    assert!(embeds[0].get("title").is_none() && embeds[0].get("fields").is_none());
    assert!(!embeds.to_string().contains("Ada"), "{embeds}");
    assert_eq!((rows, files), (json!([]), 0));

    // A second click finds nothing left, and says so.
    press(&h, PERSON, confirmation, &ids[0]).await;
    h.wait("the second answer", |w| {
        message(w, confirmation).0 == en.forget_nothing
    })
    .await;
    assert!(stored(theirs).await.is_some());
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forget_option_is_described_in_each_language() {
    let scripts = shipped();
    let h = staffed("").await;
    let registered = h.fake.world(|w| w.commands[&Some(GUILD_ID)].clone());
    let option = &registered[0]["options"][0];
    assert_eq!(
        (&option["name"], &option["type"]),
        (&json!("forget"), &json!(5))
    );
    let described = |locale| messages(&scripts, locale).forget_option.as_str();
    assert_eq!(option["description"], described("en"));
    let localized = &option["description_localizations"];
    for (discord, script) in [("es-ES", "es"), ("es-419", "es-419"), ("de", "de")] {
        assert_eq!(localized[discord], described(script), "{option}");
    }
    // Asked in German, answered in German.
    h.fake.set_locale(PERSON, "de");
    let (_, text, _) = ask_to_forget(&h, PERSON).await;
    assert_eq!(text, messages(&scripts, "de").forget_confirm);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_on_the_command_line_lists_the_cards_it_cannot_edit() {
    let h = staffed("").await;
    let thread = hand_off(&h, PERSON).await;
    let (card, embed, _) = wait_card(&h, thread).await;
    let (code, out) = cli(&h, &["forget", "--user", &PERSON.to_string()]);
    assert_eq!(code, Some(0), "{out}");
    let listed = format!("message {card} in channel {STAFF_CHANNEL}");
    assert!(out.contains(&listed), "{out}");
    // Left as it was: only the running bot can edit a card.
    assert_eq!(h.fake.world(|w| message(w, card).1[0].clone()), embed);
    h.finish().await;
}
