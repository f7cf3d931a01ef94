//! One test per case of the issue: where the command is used, who clicks, what is typed,
//! idle time, archived threads, and a refused Message Content intent.

use std::time::Duration;

use fake_discord::world::GUILD_ID;
use fake_discord::{Options, MESSAGE_CONTENT};

use crate::harness::{start, PERSON, STAFF, STRANGER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_dm_the_command_explains_where_to_use_it() {
    let h = start("", Options::default()).await;
    // Registered for servers only (context 0 = Guild, integration type 0 = GuildInstall),
    // so Discord does not offer it in DMs; should one arrive anyway, it is answered.
    let registered = h.fake.world(|w| w.commands[&Some(GUILD_ID)].clone());
    assert_eq!(registered[0]["name"], "backup-help");
    assert_eq!(
        registered[0]["contexts"],
        serde_json::json!([0]),
        "{registered}"
    );
    assert_eq!(
        registered[0]["integration_types"],
        serde_json::json!([0]),
        "{registered}"
    );
    let dm = h.fake.add_dm(PERSON);
    let interaction = h.fake.slash_command(PERSON, dm, "backup-help");
    let reply = h.ephemeral_reply(interaction).await;
    assert!(reply.contains("text channels"), "{reply}");
    assert_eq!(
        h.fake
            .world(|w| w.channels.values().filter(|c| c.is_thread()).count()),
        0
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_thread_the_command_explains_where_to_use_it() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let interaction = h.fake.slash_command(PERSON, thread, "backup-help");
    let reply = h.ephemeral_reply(interaction).await;
    assert!(reply.contains("not in a DM or inside a thread"), "{reply}");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_permission_is_named_and_nothing_is_created() {
    use backup_help_bot::discord::opening::INVITE_PERMISSIONS;
    use serenity::all::Permissions;
    let without = INVITE_PERMISSIONS - Permissions::CREATE_PRIVATE_THREADS;
    let options = Options {
        app_permissions: without.bits(),
        ..Options::default()
    };
    let h = start("", options).await;
    let interaction = h.command(PERSON);
    let reply = h.ephemeral_reply(interaction).await;
    assert!(reply.contains("Create Private Threads"), "{reply}");
    let threads = h
        .fake
        .world(|w| w.channels.values().filter(|c| c.is_thread()).count());
    assert_eq!(threads, 0);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_command_links_the_open_thread_and_offers_start_over() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    let second = h.command(PERSON);
    let reply = h.ephemeral_reply(second).await;
    assert!(reply.contains(&format!("<#{thread}>")), "{reply}");
    let threads = h
        .fake
        .world(|w| w.channels.values().filter(|c| c.is_thread()).count());
    assert_eq!(threads, 1, "never a second thread");
    // Its Start over button takes the walkthrough back to the first question.
    let (message, start_over) = h.fake.world(|w| {
        let id = w.interactions[&second].original.unwrap_or(0);
        let button = crate::harness::buttons(&w.messages[&id].components)[0]["custom_id"].clone();
        (id, button.as_str().unwrap_or_default().to_string())
    });
    let before = h.bot_messages(thread);
    let click = h.fake.click(PERSON, message, &start_over);
    h.wait("the start over", |w| {
        crate::harness::count_bot(w, thread) > before
    })
    .await;
    // Acknowledged by removing the button under the private reply (type 7), once the step
    // is posted in the thread.
    h.wait("the click to be answered", |w| {
        w.interactions[&click].callbacks.iter().map(|c| c.0).eq([7])
    })
    .await;
    assert!(
        h.step_title(thread).contains("backing up"),
        "{}",
        h.step_title(thread)
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_is_told_whose_walkthrough_it_is_and_staff_may_answer() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, not_sure) = h.button(thread, "Not sure");
    let stranger = h.fake.click(STRANGER, message, &not_sure);
    let reply = h.ephemeral_reply(stranger).await;
    assert!(reply.contains(&format!("<@{PERSON}>")), "{reply}");
    assert!(
        h.step_title(thread).contains("backing up"),
        "a stranger's click moved nothing"
    );
    h.click(STAFF, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_an_older_message_is_already_answered() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (first, not_sure) = h.button(thread, "Not sure");
    h.click(PERSON, thread, "Not sure").await;
    let title = h.step_title(thread);
    let stale = h.fake.click(PERSON, first, &not_sure);
    let reply = h.ephemeral_reply(stale).await;
    assert!(reply.contains("already been answered"), "{reply}");
    assert_eq!(h.step_title(thread), title, "nothing moved");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_custom_id_gets_a_polite_reply() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    let (message, _) = h.button(thread, "Not sure");
    for forged in ["bh1:c:opening:9", "bh1:c:Opening:1", "bh9:s", "nonsense"] {
        let click = h.fake.click(PERSON, message, forged);
        let reply = h.ephemeral_reply(click).await;
        let polite = reply.contains("don't recognise") || reply.contains("already been answered");
        assert!(polite, "{forged}: {reply}");
    }
    assert!(h.step_title(thread).contains("backing up"), "nothing moved");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gibberish_and_everyone_are_re_asked_and_ping_nobody() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.type_text(PERSON, thread, "purple monkey dishwasher")
        .await;
    let (content, _, pings, _) = h.last_bot_message(thread);
    assert!(
        content.contains("didn't catch that") && content.contains("Not sure"),
        "{content}"
    );
    assert!(pings.is_empty());
    h.type_text(PERSON, thread, "@everyone <@&2200> help!!")
        .await;
    let (_, _, pings, _) = h.last_bot_message(thread);
    assert!(pings.is_empty(), "{pings:?}");
    assert!(h.step_title(thread).contains("backing up"), "nothing moved");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_walkthrough_is_warned_then_closed_and_archived() {
    // The default 20 and 30 minutes, on the bot's clock moved forward.
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.clock.advance(Duration::from_secs(21 * 60));
    h.wait("the idle warning", |w| {
        w.messages_in(thread)
            .iter()
            .any(|m| m.content.contains("still there"))
    })
    .await;
    assert!(!h.fake.world(|w| w.channels[&thread].archived));
    h.clock.advance(Duration::from_secs(10 * 60));
    h.wait("the idle close", |w| w.channels[&thread].archived)
        .await;
    let closed = h.fake.world(|w| {
        w.messages_in(thread)
            .iter()
            .any(|m| m.content.contains("quiet"))
    });
    assert!(closed, "the closing note was posted");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_warning_discord_failed_to_take_is_posted_later_once() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    for _ in 0..4 {
        let path = format!("/channels/{thread}/messages");
        h.fake.fail_next("POST", &path, 502, 0, "Bad Gateway");
    }
    h.clock.advance(Duration::from_secs(21 * 60));
    let warnings = |w: &fake_discord::world::World| {
        w.messages_in(thread)
            .iter()
            .filter(|m| m.content.contains("still there"))
            .count()
    };
    // Every try of the first post fails; the sweep posts it seconds later.
    h.wait("the owed idle warning", |w| warnings(w) == 1).await;
    assert!(
        h.clock.settle().await,
        "the sweep and the idle check went round"
    );
    assert_eq!(h.fake.world(warnings), 1, "posted once");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_archived_by_a_moderator_is_unarchived_before_posting() {
    let h = start("", Options::default()).await;
    let thread = h.open(PERSON).await;
    h.fake.archive(thread);
    // Wait for THREAD_UPDATE to reach the bot (it only notes it in its log). Were the post to
    // come first, the bot would still recover (unarchive and retry on 50083), but the fake
    // records the refused post, and this test is about the clean path.
    let noted = format!("thread={thread}");
    h.wait_for_log(
        "the archive noted",
        &[&noted, "archived=true", "thread updated"],
    )
    .await;
    h.type_text(PERSON, thread, "not sure").await;
    assert!(!h.fake.world(|w| w.channels[&thread].archived));
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_message_content_intent_it_carries_on_with_buttons() {
    let options = Options {
        message_content_allowed: false,
        ..Options::default()
    };
    let h = start("", options).await;
    let intents: Vec<u64> = h.fake.world(|w| {
        w.identifies
            .iter()
            .map(|i| i["intents"].as_u64().unwrap_or(0))
            .collect()
    });
    assert_eq!(
        intents.len(),
        2,
        "refused once, then identified without it: {intents:?}"
    );
    assert_ne!(intents[0] & MESSAGE_CONTENT, 0);
    assert_eq!(intents[1] & MESSAGE_CONTENT, 0);
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    assert_eq!(h.step_title(thread), "Is iCloud Backup switched on?");
    h.finish().await;
}
