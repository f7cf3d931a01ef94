//! One contract, run against every backend: SQLite and the memory store always, PostgreSQL
//! when DATABASE_URL is set (CI sets it; locally the PostgreSQL half says why it skips).

mod common;
#[path = "store_contract/erasure.rs"]
mod erasure;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use backup_help_bot::config::{ShardRange, Storage};
use backup_help_bot::conversation::{Input, Phase, Timestamp};
use backup_help_bot::ids::{ChannelId, GuildId, MessageId, ThreadId, UserId};
use backup_help_bot::script::{ScriptHash, StepId};
use backup_help_bot::store::StoredScript;
use backup_help_bot::store::{
    self, Claimed, Done, Event, EventKind, Line, LineKind, Owed, Rating, Record, SessionStore,
    Shown, Staffed, StoreError,
};

/// Ids unique to this run, so tests can share one PostgreSQL database.
fn base() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos % 1_000_000_000_000) * 1000
        + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * 100
}

fn thread(id: u64) -> ThreadId {
    ThreadId::new(id).expect("ids are not 0")
}

fn record(thread_id: u64, guild: u64, owner: u64) -> Record {
    let script = common::english();
    let engine = common::engine(&script);
    let mut session = engine.new_session(UserId::new(owner).expect("ids are not 0"), common::T0);
    engine.apply(&mut session, Input::Start, common::T0);
    let guild = GuildId::new(guild).expect("ids are not 0");
    let idle_due = engine.idle_due(&session);
    Record {
        staff_locale: Some("de".into()),
        ..Record::new(thread(thread_id), guild, "en".into(), idle_due, session)
    }
}

/// The stored walkthrough in `thread`, which must be there.
async fn stored_at(store: &Arc<dyn SessionStore>, thread: ThreadId) -> Record {
    store
        .by_thread(thread)
        .await
        .expect("read")
        .expect("present")
}

/// The kinds of `thread`'s events from `since` on, in order.
async fn kinds_since(
    store: &Arc<dyn SessionStore>,
    thread: ThreadId,
    since: Timestamp,
) -> Vec<EventKind> {
    let events = store.events_since(since).await.expect("events");
    events
        .into_iter()
        .filter(|e| e.thread == thread)
        .map(|e| e.kind)
        .collect()
}

/// The contract, case by case, on one store (each case on walkthroughs of its own, but the
/// first two in sequence: the second picks up the walkthrough the first leaves open).
async fn contract(store: Arc<dyn SessionStore>) {
    let b = base();
    let second = a_walkthrough_is_stored_once_and_changed_by_compare_and_swap(&store, b).await;
    what_is_owed_is_found_by_the_sweep_until_it_is_shown(&store, b, second).await;
    idle_walkthroughs_fall_due_oldest_first(&store, b).await;
    the_message_taken_last_is_kept_and_open_ones_are_listed_oldest_first(&store, b).await;
    events_are_appended_and_read_back_from_a_time_on(&store, b).await;
    script_versions_are_kept_once_and_counted_in_use(&store).await;
    cases(&store, b).await;
    erasure::the_end_of_a_walkthrough_is_kept(&store, b).await;
    erasure::ended_walkthroughs_are_purged_in_batches_keeping_what_stats_counts(&store, b).await;
    erasure::forgetting_a_person_erases_them_and_nobody_else(&store, b).await;
}

/// Insert and read back; one open walkthrough per person per guild; compare-and-swap;
/// the click a response may carry; a new one once the last ended (which it returns).
async fn a_walkthrough_is_stored_once_and_changed_by_compare_and_swap(
    store: &Arc<dyn SessionStore>,
    b: u64,
) -> Record {
    let (guild_id, owner_id) = (b + 1, b + 2);
    let guild = GuildId::new(guild_id).expect("ids are not 0");
    let owner = UserId::new(owner_id).expect("ids are not 0");
    // A write's events go with it, or not at all.
    let at = Timestamp(1_800_000_000_000 + (b as i64 % 1_000_000) * 10);
    let event_in = |thread_id, kind| Event {
        // Before the events of `events_are_appended_and_read_back_from_a_time_on`, which are
        // on the same thread.
        at,
        guild,
        thread: thread(thread_id),
        owner,
        kind,
        step: Some("backup-switch".into()),
        locale: Some("en".into()),
        version: None,
    };
    let opening = |thread_id| Event {
        at: Timestamp(at.0 - 1),
        ..event_in(thread_id, EventKind::Started)
    };

    // Insert and read back, by thread and by owner.
    let first = record(b + 10, guild_id, owner_id);
    store
        .insert(&first, &[opening(b + 10)])
        .await
        .expect("insert");
    assert_eq!(
        store.by_thread(thread(b + 10)).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        store.open_for(guild, owner).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(store.by_thread(thread(b + 99)).await.expect("read"), None);

    // One open walkthrough per person per guild, enforced by the database.
    let second = record(b + 11, guild_id, owner_id);
    assert!(matches!(
        store.insert(&second, &[opening(b + 11)]).await,
        Err(StoreError::AlreadyOpen)
    ));
    assert_eq!(
        kinds_since(store, thread(b + 11), opening(b + 11).at).await,
        []
    );
    assert_eq!(
        kinds_since(store, thread(b + 10), opening(b + 10).at).await,
        [EventKind::Started]
    );
    let elsewhere = record(b + 12, guild_id + 1, owner_id);
    store
        .insert(&elsewhere, &[])
        .await
        .expect("another guild is fine");

    // Compare-and-swap: of two changes from the same version, only the first lands.
    let script = common::english();
    let engine = common::engine(&script);
    let (mut a, mut c) = (first.clone(), first.clone());
    engine.apply(&mut a.session, Input::Text("not sure".into()), common::T0);
    engine.apply(&mut c.session, Input::Text("storage".into()), common::T0);
    let event = |kind| event_in(b + 10, kind);
    let answered_events = [event(EventKind::Answered), event(EventKind::StepShown)];
    store
        .save(&a, first.session.version, &answered_events)
        .await
        .expect("the first save wins");
    assert!(matches!(
        store
            .save(&c, first.session.version, &[event(EventKind::Fixed)])
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store
            .by_thread(thread(b + 10))
            .await
            .expect("read")
            .map(|r| r.session),
        Some(a.session.clone())
    );

    // The click whose response may carry the next step is saved with the answer, and
    // cleared with what was shown.
    let via = backup_help_bot::ids::InteractionId::new(b + 77);
    let mut answered = a.clone();
    engine.apply(&mut answered.session, Input::Text("2".into()), common::T0);
    answered.responding = via;
    store
        .save(&answered, a.session.version, &[])
        .await
        .expect("saved with its click");
    let read = stored_at(store, thread(b + 10)).await;
    assert_eq!(read.responding, via);
    let mut shown = read.clone();
    shown.responding = None;
    store.save_shown(&shown).await.expect("shown");
    assert_eq!(stored_at(store, thread(b + 10)).await.responding, None);
    let a = shown;

    // Once ended, the person may open a new one.
    let mut ended = a.clone();
    engine.apply(
        &mut ended.session,
        Input::TalkToHuman { step: None },
        common::T0,
    );
    ended.idle_due = None;
    store
        .save(&ended, a.session.version, &[])
        .await
        .expect("ended");
    assert_eq!(store.open_for(guild, owner).await.expect("read"), None);
    store
        .insert(&second, &[opening(b + 11)])
        .await
        .expect("a new walkthrough after the last ended");
    assert_eq!(
        kinds_since(store, thread(b + 11), opening(b + 11).at).await,
        [EventKind::Started],
        "the refused insert wrote nothing, the one that landed its event"
    );

    // Open again (its follow-up's question) while the person has another open: refused
    // like a second insert, and nothing is written.
    let mut asked = stored_at(store, thread(b + 10)).await;
    let version = asked.session.version;
    asked.session.phase = Phase::At(StepId::new("backup-check"));
    asked.session.version += 1;
    assert!(matches!(
        store
            .save(&asked, version, &[event(EventKind::Fixed)])
            .await,
        Err(StoreError::AlreadyOpen)
    ));
    let kept = stored_at(store, thread(b + 10)).await;
    assert_eq!(kept.session.version, version);
    assert_eq!(
        kinds_since(store, thread(b + 10), event(EventKind::Answered).at).await,
        [EventKind::Answered, EventKind::StepShown],
        "only the saves that landed wrote their events"
    );
    // Refused, the write left nothing half done: the next one lands and is read back.
    let mut later = kept.clone();
    later.heard = MessageId::new(b + 700);
    store
        .save(&later, version, &[event(EventKind::Reopened)])
        .await
        .expect("a save after a refused one");
    assert_eq!(stored_at(store, thread(b + 10)).await.heard, later.heard);

    second
}

/// A new walkthrough owes its first step to the sweep (of its shard), until what was shown
/// is recorded; a failure puts it off.
async fn what_is_owed_is_found_by_the_sweep_until_it_is_shown(
    store: &Arc<dyn SessionStore>,
    b: u64,
    second: Record,
) {
    let (guild_id, owner_id) = (b + 1, b + 2);
    let owner = UserId::new(owner_id).expect("ids are not 0");
    // A new walkthrough owes its first step, and says so to the sweep.
    let owing = |records: Vec<Record>| -> Vec<ThreadId> {
        records
            .into_iter()
            .map(|r| r.thread)
            .filter(|t| *t == thread(b + 11))
            .collect()
    };
    let now = Timestamp(1_000_000);
    let all = |store: Arc<dyn SessionStore>, now| async move {
        store.owing(now, None, 1000).await.expect("owing")
    };
    assert_eq!(second.owed().len(), 1);
    assert_eq!(owing(all(store.clone(), now).await), [thread(b + 11)]);
    // Only the shard that serves its guild sees it: the store agrees with ShardRange::owns.
    let shard = |first: u32| ShardRange {
        first,
        count: 1,
        total: 2,
    };
    let served_by = if shard(0).owns(guild_id) { 0 } else { 1 };
    let mine = store.owing(now, Some(shard(served_by)), 1000).await;
    let other = store.owing(now, Some(shard(1 - served_by)), 1000).await;
    assert_eq!(owing(mine.expect("owing")), [thread(b + 11)]);
    assert!(owing(other.expect("owing")).is_empty());
    // Put off after a failure: not before its time.
    store
        .retry_at(thread(b + 11), Timestamp(2_000_000))
        .await
        .expect("retry_at");
    assert!(owing(all(store.clone(), now).await).is_empty());
    let later = Timestamp(2_000_000);
    assert_eq!(owing(all(store.clone(), later).await), [thread(b + 11)]);
    assert!(store
        .open_threads()
        .await
        .expect("open threads")
        .iter()
        .any(|(t, o, locale)| *t == thread(b + 11) && *o == owner && locale == "en"));

    // What was shown is recorded without touching the version or the session, and then
    // nothing is owed.
    let mut shown = second.clone();
    shown.shown = Some(Shown {
        step: shown.session.current_step().cloned().expect("at a step"),
        serial: shown.session.step_serial,
        message: MessageId::new(777).expect("ids are not 0"),
    });
    shown.done = Done {
        ending_posted: true,
        archived: false,
        warned_for: Some(Timestamp(123_456)),
        card_posted: true,
        transcript_attached: false,
        close_posted: true,
        ..Done::default()
    };
    // Recorded against a version the store has moved past: refused, nothing written.
    let mut stale = shown.clone();
    stale.session.version -= 1;
    assert!(matches!(
        store.save_shown(&stale).await,
        Err(StoreError::Conflict)
    ));
    store.save_shown(&shown).await.expect("shown");
    let stored = stored_at(store, thread(b + 11)).await;
    assert_eq!(
        (stored.shown.clone(), stored.done, stored.session.version),
        (shown.shown.clone(), shown.done, second.session.version)
    );
    assert_eq!(stored.owed(), Vec::<Owed>::new());
    assert!(owing(all(store.clone(), later).await).is_empty());
    // A save leaves what was shown alone.
    store
        .save(&second, second.session.version, &[])
        .await
        .expect("a save at the stored version");
    let stored = stored_at(store, thread(b + 11)).await;
    assert_eq!(
        stored.shown, shown.shown,
        "save does not forget the step message"
    );
}

/// Due for an idle warning or close: only those whose time has come, oldest first.
async fn idle_walkthroughs_fall_due_oldest_first(store: &Arc<dyn SessionStore>, b: u64) {
    let (guild_id, owner_id) = (b + 1, b + 2);
    // Due for an idle warning or close: only those whose time has come, oldest first.
    let mut late = record(b + 20, guild_id + 2, owner_id);
    late.idle_due = Some(Timestamp(1_000));
    let mut later = record(b + 21, guild_id + 3, owner_id);
    later.idle_due = Some(Timestamp(2_000));
    let mut future = record(b + 22, guild_id + 4, owner_id);
    future.idle_due = Some(Timestamp(i64::MAX / 2));
    for r in [&later, &future, &late] {
        store.insert(r, &[]).await.expect("insert");
    }
    let due: Vec<u64> = store
        .due(Timestamp(5_000), None, 100)
        .await
        .expect("due")
        .iter()
        .map(|r| r.thread.get())
        .collect();
    let ours: Vec<u64> = due
        .into_iter()
        .filter(|t| (b + 20..b + 23).contains(t))
        .collect();
    assert_eq!(ours, [b + 20, b + 21]);
}

/// The person's message taken last is saved with a turn, and with what was shown; open
/// walkthroughs are listed for a catch-up, oldest first.
async fn the_message_taken_last_is_kept_and_open_ones_are_listed_oldest_first(
    store: &Arc<dyn SessionStore>,
    b: u64,
) {
    let owner_id = b + 2;
    let newer = record(b + 31, b + 6, owner_id);
    let older = record(b + 30, b + 7, owner_id);
    for r in [&newer, &older] {
        store.insert(r, &[]).await.expect("insert");
    }
    let heard = |id| backup_help_bot::ids::MessageId::new(id);
    let mut taken = older.clone();
    taken.heard = heard(b + 500);
    taken.session.version += 1;
    store
        .save(&taken, older.session.version, &[])
        .await
        .expect("saved with the message");
    assert_eq!(stored_at(store, thread(b + 30)).await.heard, heard(b + 500));
    taken.heard = heard(b + 501);
    store.save_shown(&taken).await.expect("shown");
    assert_eq!(stored_at(store, thread(b + 30)).await.heard, heard(b + 501));
    let open: Vec<u64> = store
        .open_in(None, 10_000)
        .await
        .expect("open ones")
        .iter()
        .map(|r| r.thread.get())
        .filter(|t| [b + 30, b + 31].contains(t))
        .collect();
    assert_eq!(open, [b + 30, b + 31]);
}

/// Events: appended in one transaction, read back from a time on, as written.
async fn events_are_appended_and_read_back_from_a_time_on(store: &Arc<dyn SessionStore>, b: u64) {
    let guild = GuildId::new(b + 1).expect("ids are not 0");
    let owner = UserId::new(b + 2).expect("ids are not 0");
    // Events: appended, and read back from a time on.
    let at = |ms| Timestamp(1_900_000_000_000 + (b as i64 % 1_000_000) * 10 + ms);
    let events: Vec<Event> = [
        (1, EventKind::Started, None),
        (2, EventKind::StepShown, Some("opening")),
        (3, EventKind::Fixed, Some("wifi")),
    ]
    .into_iter()
    .map(|(ms, kind, step)| Event {
        at: at(ms),
        guild,
        thread: thread(b + 10),
        owner,
        kind,
        step: step.map(str::to_string),
        locale: (ms != 2).then(|| "de".to_string()),
        version: Some("00000000000000ab".to_string()),
    })
    .collect();
    store
        .append_all(&events)
        .await
        .expect("append, in one transaction");
    store
        .append_all(&[])
        .await
        .expect("nothing to append is fine");
    assert_eq!(
        kinds_since(store, thread(b + 10), at(2)).await,
        [EventKind::StepShown, EventKind::Fixed]
    );
    let kept: Vec<(Option<String>, Option<String>)> = store
        .events_since(at(1))
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.thread == thread(b + 10))
        .map(|e| (e.locale, e.version))
        .collect();
    let version = || Some("00000000000000ab".to_string());
    let de = || Some("de".to_string());
    assert_eq!(
        kept,
        [(de(), version()), (None, version()), (de(), version())],
        "each event's locale (none for the second) and version, as written"
    );
}

/// Script versions: kept once, read back by hash; those open walkthroughs run, counted.
async fn script_versions_are_kept_once_and_counted_in_use(store: &Arc<dyn SessionStore>) {
    // Script versions: kept once, read back by hash; those open walkthroughs run, counted.
    let english = common::english();
    let kept = StoredScript {
        hash: english.hash,
        locale: "en".into(),
        source: english.source.to_string(),
    };
    store.keep_script(&kept, common::T0).await.expect("kept");
    let again = StoredScript {
        source: "something else".into(),
        ..kept.clone()
    };
    store
        .keep_script(&again, common::T0)
        .await
        .expect("kept again: a no-op");
    assert_eq!(store.script(english.hash).await.expect("read"), Some(kept));
    assert_eq!(store.script(ScriptHash(7)).await.expect("read"), None);
    let in_use = store.scripts_in_use().await.expect("in use");
    let open_on_english = in_use
        .iter()
        .find(|(hash, _)| *hash == english.hash)
        .map(|(_, n)| *n);
    assert!(open_on_english.is_some_and(|n| n >= 1), "{in_use:?}");
}

fn staffed(by: u64, name: &str, at: i64) -> Staffed {
    Staffed {
        by: UserId::new(by).expect("ids are not 0"),
        name: name.into(),
        at: Timestamp(at),
    }
}

/// The support team's side: first claim and first rating win, the card is found again,
/// the transcript comes back in order.
async fn cases(store: &Arc<dyn SessionStore>, b: u64) {
    let case_thread = thread(b + 50);
    assert_eq!(store.case(case_thread).await.expect("read"), None);
    store
        .open_case(case_thread, Timestamp(1_000))
        .await
        .expect("opened");
    store
        .open_case(case_thread, Timestamp(9_000))
        .await
        .expect("opened again: a no-op");
    assert!(store
        .open_cases()
        .await
        .expect("read")
        .contains(&case_thread));
    let card = (
        ChannelId::new(77).expect("ids are not 0"),
        MessageId::new(78).expect("ids are not 0"),
    );
    store
        .set_card(case_thread, card.0, card.1)
        .await
        .expect("card");
    let sam = staffed(5001, "Sam", 2_000);
    assert_eq!(
        store.claim(case_thread, &sam).await.expect("claim"),
        Claimed::Now
    );
    let late = staffed(5003, "Lee", 2_500);
    assert_eq!(
        store.claim(case_thread, &late).await.expect("claim"),
        Claimed::Already(sam.clone()),
        "a second claim names the first"
    );
    // Claimed, not yet said in the thread: found again until it is.
    let unannounced = store.unannounced_claims().await.expect("read");
    assert!(
        unannounced.contains(&(case_thread, sam.clone())),
        "{unannounced:?}"
    );
    store.claim_announced(case_thread).await.expect("announced");
    let unannounced = store.unannounced_claims().await.expect("read");
    assert!(!unannounced.iter().any(|(t, _)| *t == case_thread));
    store.close_case(case_thread, &late).await.expect("closed");
    store
        .close_case(case_thread, &sam)
        .await
        .expect("closed again: the first close stays");
    assert!(!store
        .open_cases()
        .await
        .expect("read")
        .contains(&case_thread));
    assert!(
        !store.comment(case_thread, "early").await.expect("comment"),
        "no rating yet"
    );
    assert!(store
        .rate(case_thread, 4, Timestamp(3_000))
        .await
        .expect("rated"));
    assert!(
        !store
            .rate(case_thread, 1, Timestamp(3_100))
            .await
            .expect("rated"),
        "once"
    );
    assert!(store
        .comment(case_thread, "thanks <b>Sam</b>")
        .await
        .expect("comment"));
    assert!(
        !store.comment(case_thread, "again").await.expect("comment"),
        "once"
    );
    let case = store
        .case(case_thread)
        .await
        .expect("read")
        .expect("a case");
    assert_eq!(case.card, Some(card));
    assert_eq!(case.opened_at, Some(Timestamp(1_000)));
    assert_eq!(case.claimed, Some(sam));
    assert!(case.claim_announced);
    assert_eq!(case.closed, Some(late));
    assert_eq!(
        case.rating,
        Some(Rating {
            stars: 4,
            comment: Some("thanks <b>Sam</b>".into()),
            at: Timestamp(3_000)
        })
    );
    // A fixed walkthrough is rated without a case.
    let fixed = thread(b + 51);
    assert!(store.rate(fixed, 5, Timestamp(4_000)).await.expect("rated"));
    let rated = store
        .ratings_since(Timestamp(2_999))
        .await
        .expect("ratings");
    assert!(
        rated.contains(&(case_thread, 4)) && rated.contains(&(fixed, 5)),
        "{rated:?}"
    );
    assert!(!store
        .ratings_since(Timestamp(4_001))
        .await
        .expect("ratings")
        .iter()
        .any(|(t, _)| *t == fixed));
    // The transcript, in order, with what was typed kept as typed.
    let line = |at, kind, author: Option<&str>, text: &str| Line {
        thread: case_thread,
        at: Timestamp(at),
        kind,
        author: author.map(str::to_string),
        text: text.into(),
    };
    let lines = vec![
        line(1, LineKind::Shown, None, "Is iCloud Backup on?"),
        line(
            2,
            LineKind::Typed,
            None,
            "it's off\n'; DROP TABLE cases; --",
        ),
        line(3, LineKind::Staff, Some("Sam"), "hello"),
    ];
    store.transcribe(&lines[..2]).await.expect("transcribed");
    store.transcribe(&lines[2..]).await.expect("transcribed");
    assert_eq!(store.transcript(case_thread).await.expect("read"), lines);
    assert!(store.transcript(fixed).await.expect("read").is_empty());
}

#[tokio::test]
async fn sqlite_keeps_the_contract_and_migrates_idempotently() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let storage = Storage::Sqlite {
        path: dir.path().join("nested/folder/backup-help.db"),
    };
    contract_and_reopen(&storage).await;
}

/// Opens (creating and migrating) the store, runs the contract, then opens it again: the
/// migrations run on an already-migrated database.
async fn contract_and_reopen(storage: &Storage) {
    let store = store::open(storage)
        .await
        .expect("an empty database is created and migrated");
    contract(store.clone()).await;
    let again = store::open(storage)
        .await
        .expect("an already-migrated database opens");
    assert!(again.by_thread(thread(1)).await.is_ok());
    erasure::two_purges_at_once_erase_each_walkthrough_once((&store, &again), base()).await;
}

#[tokio::test]
async fn the_memory_store_keeps_the_contract() {
    contract(Arc::new(store::MemoryStore::new())).await;
}

#[tokio::test]
async fn postgres_keeps_the_contract_and_migrates_idempotently() {
    if std::env::var("DATABASE_URL").map_or(true, |u| u.is_empty()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set DATABASE_URL for PostgreSQL"
        );
        eprintln!("skipped: DATABASE_URL is not set, so the PostgreSQL contract cannot run here");
        return;
    }
    let storage = Storage::Postgres {
        url_env: "DATABASE_URL".into(),
    };
    contract_and_reopen(&storage).await;
}

#[tokio::test]
async fn a_missing_database_url_is_named() {
    let storage = Storage::Postgres {
        url_env: "NO_SUCH_DATABASE_URL_VARIABLE".into(),
    };
    let err = store::open(&storage).await.err().expect("an error");
    assert!(
        err.to_string().contains("NO_SUCH_DATABASE_URL_VARIABLE"),
        "{err}"
    );
}
