//! The support team's side: the staff card with Join, Claim and Close, working hours, the
//! rating after a walkthrough, and the transcript. Every request body is checked against
//! Discord's spec by the fake, as in every test (`finish`).

use std::time::Duration;

use backup_help_bot::conversation::Timestamp;
use backup_help_bot::ids::ThreadId;
use backup_help_bot::store::{self, LineKind, SessionStore};
use fake_discord::world::{World, APP_ID, GUILD_ID};
use fake_discord::Options;
use serde_json::Value;

use crate::harness::{
    buttons, start_with, BotProcess, Harness, TestConfig, PERSON, STAFF, STAFF_ROLE, STRANGER,
    SUPPORT_ROLE,
};

pub(crate) const STAFF_CHANNEL: u64 = 2900;
/// A second member of the support team.
const LEE: u64 = 5003;
/// A member of the support role (not a staff role).
const SUE: u64 = 5004;

/// A bot with a staff channel (and the support team's config `extra`).
pub(crate) async fn staffed(extra: &str) -> Harness {
    let extra = extra.to_string();
    let h = start_with(Options::default(), |config| {
        config.staff_channel = Some(STAFF_CHANNEL);
        config.extra = extra;
    })
    .await;
    h.fake
        .add_text_channel(GUILD_ID, STAFF_CHANNEL, "support-staff");
    h.fake.add_member(LEE, "Lee", &[STAFF_ROLE]);
    h.fake.add_member(SUE, "Sue", &[SUPPORT_ROLE]);
    h
}

/// Opens a walkthrough for `person` and hands it off at once; returns the thread.
pub(crate) async fn hand_off(h: &Harness, person: u64) -> u64 {
    let thread = h.open(person).await;
    h.click(person, thread, "Talk to a human").await;
    thread
}

/// A staff card as the fake holds it: (message id, its embed, its buttons as (custom_id,
/// enabled)).
type Card = (u64, Value, Vec<(String, bool)>);

/// The staff card of `thread`.
fn card(w: &World, thread: u64) -> Option<Card> {
    let link = format!("<#{thread}>");
    w.messages_in(STAFF_CHANNEL)
        .into_iter()
        .find(|m| {
            m.author == APP_ID
                && m.embeds[0]["description"]
                    .as_str()
                    .is_some_and(|d| d.contains(&link))
        })
        .map(|m| {
            let buttons = buttons(&m.components)
                .iter()
                .map(|b| {
                    let id = b["custom_id"].as_str().unwrap_or_default().to_string();
                    (id, b["disabled"] != true)
                })
                .collect();
            (m.id, m.embeds[0].clone(), buttons)
        })
}

pub(crate) async fn wait_card(h: &Harness, thread: u64) -> Card {
    h.wait("the staff card", |w| card(w, thread).is_some())
        .await;
    h.fake.world(|w| card(w, thread)).expect("a card")
}

/// `user` presses `custom_id` on `message`; waits for the response.
pub(crate) async fn press(h: &Harness, user: u64, message: u64, custom_id: &str) -> u64 {
    let interaction = h.fake.click(user, message, custom_id);
    h.wait(&format!("the response to {custom_id}"), |w| {
        !w.interactions[&interaction].callbacks.is_empty()
    })
    .await;
    interaction
}

fn description(embed: &Value) -> String {
    embed["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The bot's last message in `thread` whose content contains `text`.
fn posted_with(w: &World, thread: u64, text: &str) -> Option<(u64, Vec<String>, Value)> {
    w.messages_in(thread)
        .into_iter()
        .rev()
        .find(|m| m.author == APP_ID && m.content.contains(text))
        .map(|m| (m.id, m.pings.clone(), m.components.clone()))
}

/// The store the in-process bot writes, opened beside it (SQLite readers never wait).
pub(crate) async fn store_of(h: &Harness) -> std::sync::Arc<dyn SessionStore> {
    let path = h.data_dir().join("backup-help.db");
    store::open(&backup_help_bot::config::Storage::Sqlite { path })
        .await
        .expect("the bot's store")
}

/// Waits (bounded) until the bot has recorded `thread`'s staff card in `store`.
pub(crate) async fn wait_card_recorded(store: &dyn SessionStore, thread: ThreadId) {
    for _ in 0..500 {
        let case = store.case(thread).await.expect("read");
        if case.is_some_and(|c| c.card.is_some()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the bot never recorded the staff card of {thread}");
}

/// Runs the binary with `args` against the bot's store; (exit code, stdout).
pub(crate) fn cli(h: &Harness, args: &[&str]) -> (Option<i32>, String) {
    let config = h.data_dir().join("cli-config.ron");
    std::fs::write(&config, h.config().ron()).expect("config written");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
        .args(args)
        .arg("--config")
        .arg(&config)
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_puts_a_card_in_the_staff_channel_that_staff_join_and_claim_once() {
    let h = staffed("").await;
    let thread = hand_off(&h, PERSON).await;
    let (card_id, embed, ids) = wait_card(&h, thread).await;
    assert!(
        embed["title"].as_str().is_some_and(|t| t.contains("Ada")),
        "{embed}"
    );
    let text = description(&embed);
    assert!(
        text.contains(&format!("<@{PERSON}>")) && text.contains("walkthrough took"),
        "{text}"
    );
    assert_eq!(embed["fields"][0]["name"], "What we tried");
    let join = format!("bh1:j:{thread}");
    let claim = format!("bh1:k:{thread}");
    let ids: Vec<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [join.as_str(), claim.as_str(), &format!("bh1:x:{thread}")]
    );
    // The hand-off in the thread carries Close for staff.
    let (_, _, _, _) = h.last_bot_message(thread);
    let close_in_thread = h.fake.world(|w| {
        w.messages_in(thread).iter().any(|m| {
            buttons(&m.components)
                .iter()
                .any(|b| b["custom_id"] == format!("bh1:x:{thread}"))
        })
    });
    assert!(close_in_thread, "the hand-off has a Close button");

    // Someone outside the team: refused, politely and privately.
    let refused = press(&h, STRANGER, card_id, &join).await;
    assert_eq!(
        h.ephemeral_reply(refused).await,
        "Only the support team can use this button."
    );
    assert!(!h
        .fake
        .world(|w| w.channels[&thread].members.contains(&STRANGER)));
    // A staff member joins the private thread.
    let joined = press(&h, STAFF, card_id, &join).await;
    assert!(h
        .ephemeral_reply(joined)
        .await
        .contains(&format!("<#{thread}>")));
    assert!(h
        .fake
        .world(|w| w.channels[&thread].members.contains(&STAFF)));
    // So does a member of the support role.
    press(&h, SUE, card_id, &join).await;
    h.wait("the support role's member in the thread", |w| {
        w.channels[&thread].members.contains(&SUE)
    })
    .await;
    // A crafted Join naming a thread that holds no walkthrough adds nobody anywhere.
    let crafted = press(&h, STAFF, card_id, "bh1:j:2001").await;
    assert_eq!(
        h.ephemeral_reply(crafted).await,
        "Sorry, I don't recognise that button. Type /backup-help to start a new walkthrough."
    );

    // Claim: the thread hears who (pinging nobody), the card shows it and disables Claim.
    press(&h, STAFF, card_id, &claim).await;
    h.wait("the claim in the thread", |w| {
        posted_with(w, thread, "is looking at this now").is_some()
    })
    .await;
    let (_, pings, _) = h
        .fake
        .world(|w| posted_with(w, thread, "Sam from support is looking at this now."))
        .expect("the claim, by name");
    assert!(pings.is_empty(), "the claim pinged {pings:?}");
    let (_, embed, buttons) = h.fake.world(|w| card(w, thread)).expect("the card");
    assert!(
        description(&embed).contains("Claimed by Sam from support"),
        "{embed}"
    );
    assert_eq!(
        buttons.iter().map(|(_, on)| *on).collect::<Vec<_>>(),
        [true, false, true],
        "Claim is disabled"
    );
    // A second claim (a stale card, or a race) is refused, naming the first.
    let second = press(&h, LEE, card_id, &claim).await;
    assert_eq!(
        h.ephemeral_reply(second).await,
        "Sam from support has already claimed this case."
    );
    let claims = h.fake.world(|w| {
        w.messages_in(thread)
            .iter()
            .filter(|m| m.content.contains("is looking at this now"))
            .count()
    });
    assert_eq!(claims, 1);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_close_locks_the_thread_asks_for_a_rating_and_attaches_the_transcript() {
    let h = staffed("").await;
    let thread = h.open(PERSON).await;
    // Typed text that tries to pass for lines of its own.
    let typed = "it's <b>off</b>\n2026-01-01 00:00:00 UTC  bot  ended: Fixed";
    h.type_text(PERSON, thread, typed).await;
    h.click(PERSON, thread, "Talk to a human").await;
    let (card_id, _, _) = wait_card(&h, thread).await;
    h.fake
        .type_message(STAFF, thread, "Hi Ada, Sam here. Let's look.");
    let store = store_of(&h).await;
    let id = ThreadId::new(thread).expect("an id");
    for _ in 0..200 {
        let lines = store.transcript(id).await.expect("read");
        if lines.iter().any(|l| l.kind == LineKind::Staff) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let close = format!("bh1:x:{thread}");
    let refused = press(&h, STRANGER, card_id, &close).await;
    assert_eq!(
        h.ephemeral_reply(refused).await,
        "Only the support team can use this button."
    );
    press(&h, STAFF, card_id, &close).await;
    h.wait("the thread archived and locked", |w| {
        w.channels[&thread].archived && w.channels[&thread].locked
    })
    .await;
    let (closing, pings, rows) = h
        .fake
        .world(|w| posted_with(w, thread, "Sam from support has closed this case"))
        .unwrap_or_else(|| {
            let seen: Vec<String> = h.fake.world(|w| {
                w.messages_in(thread)
                    .iter()
                    .map(|m| format!("{:?} {}", m.content, m.embeds))
                    .collect()
            });
            panic!("no closing message in {seen:#?}")
        });
    assert!(pings.is_empty());
    let ratings: Vec<&str> = buttons(&rows)
        .iter()
        .filter_map(|b| b["custom_id"].as_str())
        .collect();
    assert_eq!(
        ratings,
        ["bh1:r:1", "bh1:r:2", "bh1:r:3", "bh1:r:4", "bh1:r:5"]
    );

    // The transcript is on the card, with what was typed escaped.
    let file_name = format!("transcript-{thread}.txt");
    h.wait("the transcript on the card", |w| {
        w.messages[&card_id]
            .attachments
            .iter()
            .any(|(name, _)| *name == file_name)
    })
    .await;
    let (file, embed, enabled) = h.fake.world(|w| {
        let m = &w.messages[&card_id];
        let file = m
            .attachments
            .iter()
            .find(|(n, _)| *n == file_name)
            .map(|(_, d)| d.clone());
        let enabled = buttons(&m.components)
            .iter()
            .filter(|b| b["disabled"] != true)
            .count();
        (file.unwrap_or_default(), m.embeds[0].clone(), enabled)
    });
    let file = String::from_utf8(file).expect("a text file");
    assert!(
        file.contains("bot  showed: Let's get your iPhone backing up again"),
        "the first step opens the transcript:\n{file}"
    );
    assert!(
        file.contains(
            "person  typed: \"it's <b>off</b>\\n2026-01-01 00:00:00 UTC  bot  ended: Fixed\""
        ),
        "{file}"
    );
    assert!(
        !file.lines().any(|l| l.starts_with("2026-01-01")),
        "typed text became a line of its own:\n{file}"
    );
    assert!(
        file.contains("\"Sam from support\"  wrote: \"Hi Ada, Sam here. Let's look.\""),
        "{file}"
    );
    assert!(
        file.contains("person  pressed: \"Talk to a human\""),
        "{file}"
    );
    assert!(
        file.contains("ended: Sam from support has closed this case"),
        "{file}"
    );
    assert!(
        description(&embed).contains("Closed by Sam from support"),
        "{embed}"
    );
    assert_eq!(enabled, 0, "a closed card has no live buttons");
    // A stale card pressed again: closed already.
    let twice = press(&h, STAFF, card_id, &close).await;
    assert_eq!(
        h.ephemeral_reply(twice).await,
        "This case is closed already."
    );
    // The same transcript from the command line.
    let (code, printed) = cli(&h, &["transcript", &thread.to_string()]);
    assert_eq!(code, Some(0));
    assert_eq!(printed, file);

    // Only the person rates, once; the comment form follows the rating.
    let not_theirs = press(&h, STAFF, closing, "bh1:r:4").await;
    assert_eq!(
        h.ephemeral_reply(not_theirs).await,
        format!("Only <@{PERSON}> can rate this walkthrough.")
    );
    let rated = press(&h, PERSON, closing, "bh1:r:4").await;
    let modal = h
        .fake
        .world(|w| w.interactions[&rated].modal.clone())
        .expect("a form");
    assert_eq!(modal["custom_id"], "bh1:m");
    let comment = h
        .fake
        .submit_modal(PERSON, thread, "bh1:m", &[("comment", "Quick and kind")]);
    assert_eq!(
        h.ephemeral_reply(comment).await,
        "Thank you! Your feedback is saved."
    );
    h.wait("the rating on the card", |w| {
        let text = w.messages[&card_id].embeds[0]["description"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        text.contains("Rated 4/5") && text.contains("> Quick and kind")
    })
    .await;
    let again = press(&h, PERSON, closing, "bh1:r:1").await;
    assert_eq!(
        h.ephemeral_reply(again).await,
        "You've already rated this walkthrough. Thank you!"
    );
    let (code, json) = cli(&h, &["stats", "--format", "json"]);
    assert_eq!(code, Some(0), "{json}");
    let stats: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(stats["outcomes"]["closed_by_staff"], 1, "{stats}");
    assert_eq!(stats["ratings"]["all"]["count"], 1, "{stats}");
    assert_eq!(
        stats["ratings"]["per_outcome"]["closed_by_staff"]["distribution"],
        serde_json::json!([0, 0, 0, 1, 0])
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_walkthrough_is_rated_once_and_stats_shows_it_by_the_fixing_step() {
    let h = staffed("").await;
    let thread = h.open(PERSON).await;
    h.click(PERSON, thread, "Not sure").await;
    h.type_text(PERSON, thread, "fixed").await;
    h.wait("the thread archived", |w| w.channels[&thread].archived)
        .await;
    let ending = h.fake.world(|w| {
        w.messages_in(thread)
            .into_iter()
            .rev()
            .find(|m| {
                buttons(&m.components)
                    .iter()
                    .any(|b| b["custom_id"] == "bh1:r:5")
            })
            .map(|m| m.id)
    });
    let ending = ending.expect("the fixed ending carries the rating");
    let rated = press(&h, PERSON, ending, "bh1:r:5").await;
    assert_eq!(
        h.fake.world(|w| w.interactions[&rated].callbacks[0].0),
        9,
        "the comment form"
    );
    // The person closes the form without writing: the rating stands, a second is refused.
    let again = press(&h, PERSON, ending, "bh1:r:2").await;
    assert_eq!(
        h.ephemeral_reply(again).await,
        "You've already rated this walkthrough. Thank you!"
    );
    let (_, json) = cli(&h, &["stats", "--format", "json"]);
    let stats: Value = serde_json::from_str(&json).expect("JSON");
    let fixed = &stats["ratings"]["per_fixed_step"]["backup-switch"];
    assert_eq!(fixed["count"], 1, "{stats}");
    assert_eq!(fixed["mean"], 5.0, "{stats}");
    assert_eq!(
        stats["ratings"]["per_outcome"]["fixed"]["distribution"],
        serde_json::json!([0, 0, 0, 0, 1])
    );
    // No hand-off, no card.
    assert!(h.fake.world(|w| w.messages_in(STAFF_CHANNEL).is_empty()));
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_support_hours_the_hand_off_says_when_the_team_is_back() {
    let hours = "support_hours: Some((timezone: \"Europe/Berlin\", days: [Mon, Tue, Wed, Thu, Fri], from: \"09:00\", to: \"17:00\")),";
    let h = staffed(hours).await;
    // The coming Saturday, noon UTC: the team is back on Monday at 09:00 Berlin time.
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let mut day = now.date().tomorrow().expect("a date");
    while day.weekday() != jiff::civil::Weekday::Saturday {
        day = day.tomorrow().expect("a date");
    }
    let saturday = day
        .at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("a time");
    let monday = day.checked_add(jiff::Span::new().days(2)).expect("a date");
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").expect("the zone");
    let opens = monday
        .at(9, 0, 0, 0)
        .to_zoned(berlin.clone())
        .expect("a time")
        .timestamp()
        .as_second();
    h.clock
        .jump_to(Timestamp(saturday.timestamp().as_millisecond()));
    let thread = hand_off(&h, PERSON).await;
    let (_, _, _, embeds) = h.last_bot_message(thread);
    let text = embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains(&format!("They're back <t:{opens}:F> (<t:{opens}:R>)")),
        "{text}"
    );
    // Within the hours, nothing of the sort.
    let tuesday = monday
        .tomorrow()
        .expect("a date")
        .at(10, 0, 0, 0)
        .to_zoned(berlin)
        .expect("a time");
    h.clock
        .jump_to(Timestamp(tuesday.timestamp().as_millisecond()));
    let other = hand_off(&h, STRANGER).await;
    let (_, _, _, embeds) = h.last_bot_message(other);
    let text = embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!text.contains("<t:"), "{text}");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_channel_that_is_gone_never_holds_up_the_hand_off() {
    // Configured, but the channel does not exist.
    let h = start_with(Options::default(), |config| {
        config.staff_channel = Some(STAFF_CHANNEL)
    })
    .await;
    let thread = hand_off(&h, PERSON).await;
    let (content, title, _, _) = h.last_bot_message(thread);
    assert!(
        title.contains("support team") && content.contains("<@&"),
        "{title} {content}"
    );
    let store = store_of(&h).await;
    let id = ThreadId::new(thread).expect("an id");
    // The card is given up once refused, not retried for ever, and the walkthrough stays
    // handed off (a gone staff channel is not a gone thread).
    for _ in 0..200 {
        let record = store
            .by_thread(id)
            .await
            .expect("read")
            .expect("the walkthrough");
        if record.done.card_posted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let record = store
        .by_thread(id)
        .await
        .expect("read")
        .expect("the walkthrough");
    assert!(record.done.card_posted, "the card was given up");
    assert!(matches!(
        record.session.phase,
        backup_help_bot::conversation::Phase::HandedOff(_)
    ));
    assert!(!h.fake.world(|w| w.channels[&thread].archived));
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_card_is_posted_leaves_one_card_after_the_restart() {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    h.fake
        .add_text_channel(GUILD_ID, STAFF_CHANNEL, "support-staff");
    let mut config = h.config();
    config.staff_channel = Some(STAFF_CHANNEL);
    let crash = [(backup_help_bot::crash::ENV, "after-card")];
    let bot = h.spawn_bot("1", &config, &crash);
    h.wait_connected(1).await;
    let thread = hand_off(&h, PERSON).await;
    // Posted, then dead before the card was recorded.
    h.wait("the card", |w| card(w, thread).is_some()).await;
    crate::crashes::crashed(bot).await;
    let _again = h.spawn_bot("2", &config, &[]);
    h.wait_connected(2).await;
    let store = store_of(&h).await;
    let id = ThreadId::new(thread).expect("an id");
    wait_card_recorded(store.as_ref(), id).await;
    let case = store.case(id).await.expect("read").expect("a case");
    let cards: Vec<u64> = h
        .fake
        .world(|w| w.messages_in(STAFF_CHANNEL).iter().map(|m| m.id).collect());
    assert_eq!(cards.len(), 1, "one card, whatever crashed");
    assert_eq!(case.card.map(|(_, m)| m.get()), cards.first().copied());
    let handoffs = h.fake.world(|w| {
        w.messages_in(thread)
            .iter()
            .filter(|m| m.content.contains(&format!("<@{PERSON}>")))
            .count()
    });
    assert_eq!(handoffs, 1, "the hand-off once");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_that_waits_on_a_slow_database_is_acknowledged_in_time_and_still_shown() {
    let h = staffed("").await;
    let thread = hand_off(&h, PERSON).await;
    let (card_id, _, _) = wait_card(&h, thread).await;
    // The claim's write waits 2.5 s for the lock: the watchdog acknowledges the click first.
    let held = crate::responses::hold_the_database(&h, Duration::from_millis(2500)).await;
    let claim = press(&h, STAFF, card_id, &format!("bh1:k:{thread}")).await;
    let (kind, after) = h.fake.world(|w| w.interactions[&claim].callbacks[0]);
    assert_eq!(kind, 6, "acknowledged without the card");
    assert!(after < 3.0, "{after:.2} s");
    held.await.expect("the lock is let go");
    h.wait("the claim on the card", |w| {
        card(w, thread).is_some_and(|(_, embed, _)| description(&embed).contains("Claimed by"))
    })
    .await;
    h.wait("the claim in the thread", |w| {
        posted_with(w, thread, "is looking at this now").is_some()
    })
    .await;
    h.finish().await;
}

/// The log filter under which a bot process notes each sweep it finishes.
const SWEEPS_LOGGED: &str = "debug,backup_help_bot::ticker=trace";

/// How many sweeps bot process `name` (started with [`SWEEPS_LOGGED`]) has finished.
fn sweeps_done(h: &Harness, name: &str) -> usize {
    let log = std::fs::read_to_string(h.data_dir().join(format!("bot-{name}.log")));
    log.unwrap_or_default()
        .lines()
        .filter(|l| l.contains("round done") && l.contains("task=\"sweep\""))
        .count()
}

/// A bot in a process of its own with a staff channel, armed to crash at `point`, and a
/// walkthrough handed off to the team: (harness, config, bot, thread, card id).
async fn handed_off_in_a_process(point: &str) -> (Harness, TestConfig, BotProcess, u64, u64) {
    let h = Harness::for_process(Options::default()).await;
    h.fake.add_member(PERSON, "Ada", &[]);
    h.fake.add_member(STAFF, "Sam from support", &[STAFF_ROLE]);
    h.fake
        .add_text_channel(GUILD_ID, STAFF_CHANNEL, "support-staff");
    let mut config = h.config();
    config.staff_channel = Some(STAFF_CHANNEL);
    let bot = h.spawn_bot("1", &config, &[(backup_help_bot::crash::ENV, point)]);
    h.wait_connected(1).await;
    let thread = hand_off(&h, PERSON).await;
    let (card_id, _, _) = wait_card(&h, thread).await;
    (h, config, bot, thread, card_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_claim_is_saved_is_announced_once_after_the_restart() {
    let (h, config, bot, thread, card_id) = handed_off_in_a_process("after-claim").await;
    // The claim is saved, then the process dies before the thread hears of it.
    let killed = h.fake.click(STAFF, card_id, &format!("bh1:k:{thread}"));
    crate::crashes::crashed(bot).await;
    assert!(h
        .fake
        .world(|w| posted_with(w, thread, "is looking at this now").is_none()));
    let _again = h.spawn_bot("2", &config, &[("RUST_LOG", SWEEPS_LOGGED)]);
    h.wait_connected(2).await;
    h.wait("the claim announced after the restart", |w| {
        posted_with(w, thread, "Sam from support is looking at this now.").is_some()
    })
    .await;
    h.wait("the claim on the card after the restart", |w| {
        card(w, thread).is_some_and(|(_, embed, _)| description(&embed).contains("Claimed by"))
    })
    .await;
    // Recorded as told: later sweeps leave it alone.
    let store = store_of(&h).await;
    let id = ThreadId::new(thread).expect("an id");
    for _ in 0..200 {
        let case = store.case(id).await.expect("read").expect("a case");
        if case.claim_announced {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Two more sweeps: the one under way, then a whole one.
    let sweeps = sweeps_done(&h, "2");
    h.wait("two more sweeps", |_| sweeps_done(&h, "2") >= sweeps + 2)
        .await;
    let said = h.fake.world(|w| {
        w.messages_in(thread)
            .iter()
            .filter(|m| m.content.contains("is looking at this now"))
            .count()
    });
    assert_eq!(said, 1, "announced once");
    // The crashed process never answered that click: Discord shows it as failed.
    h.finish_killed_during(&[killed]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_close_is_saved_closes_the_thread_and_draws_the_card_once_after_the_restart(
) {
    let (h, config, bot, thread, card_id) = handed_off_in_a_process("after-close").await;
    // The close is saved, then the process dies before anything shows it.
    let killed = h.fake.click(STAFF, card_id, &format!("bh1:x:{thread}"));
    crate::crashes::crashed(bot).await;
    let closed = |w: &World| posted_with(w, thread, "Sam from support has closed this case");
    assert!(h.fake.world(|w| closed(w).is_none()));
    let (_, embed, _) = h.fake.world(|w| card(w, thread)).expect("a card");
    assert!(!description(&embed).contains("Closed by"), "{embed}");

    let _again = h.spawn_bot("2", &config, &[]);
    h.wait_connected(2).await;
    h.wait("the card drawn closed after the restart", |w| {
        card(w, thread).is_some_and(|(_, embed, buttons)| {
            description(&embed).contains("Closed by Sam from support")
                && buttons.iter().all(|(_, enabled)| !enabled)
        })
    })
    .await;
    h.wait("the thread told and archived after the restart", |w| {
        closed(w).is_some() && w.channels[&thread].archived && w.channels[&thread].locked
    })
    .await;
    // Settled: nothing is owed any more, so nothing is repeated.
    let store = store_of(&h).await;
    let id = ThreadId::new(thread).expect("an id");
    let settled = |record: &backup_help_bot::store::Record| record.owed().is_empty();
    for _ in 0..200 {
        let record = store.by_thread(id).await.expect("read").expect("a row");
        if settled(&record) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let record = store.by_thread(id).await.expect("read").expect("a row");
    assert!(settled(&record), "{:?}", record.owed());
    let (closings, cards) = h.fake.world(|w| {
        let closings = w
            .messages_in(thread)
            .iter()
            .filter(|m| m.content.contains("has closed this case"))
            .count();
        (closings, w.messages_in(STAFF_CHANNEL).len())
    });
    assert_eq!(closings, 1, "the close told once");
    assert_eq!(cards, 1, "one card, drawn again rather than posted again");
    h.finish_killed_during(&[killed]).await;
}
