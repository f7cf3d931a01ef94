//! The erasure half of the contract: the retention purge and forgetting one person.

use std::collections::BTreeSet;
use std::sync::Arc;

use backup_help_bot::conversation::{CloseReason, Input, Timestamp};
use backup_help_bot::ids::{ChannelId, GuildId, MessageId, ThreadId, UserId};
use backup_help_bot::store::{
    Erased, ErasedCard, Event, EventKind, Line, LineKind, Record, SessionStore,
};

use super::{common, record, staffed, thread};

/// A walkthrough made to be erased: what it holds, to look for afterwards.
struct Made {
    record: Record,
    /// The rating's comment.
    comment: String,
    /// When its events happened (`at`, `at + 1`) and its rating (`at + 2`): unique to it.
    at: i64,
}

/// Stores a walkthrough of `owner` in thread `id` of `guild`: two events, a transcript of
/// two lines (one typed, with `words`), a case claimed and closed by `staff` and rated 4
/// with a comment (with `words`); ended at `ended`, or still open.
async fn made(
    store: &Arc<dyn SessionStore>,
    (id, guild, owner): (u64, u64, u64),
    (staff, words): (u64, &str),
    at: i64,
    ended: Option<i64>,
) -> Made {
    let mut r = record(id, guild, owner);
    store.insert(&r).await.expect("insert");
    if let Some(ended) = ended {
        let version = r.session.version;
        let script = common::english();
        let engine = common::engine(&script);
        engine.apply(
            &mut r.session,
            Input::Close(CloseReason::ByStaff),
            common::T0,
        );
        r.note_end(Timestamp(ended));
        r.idle_due = None;
        store.save(&r, version).await.expect("ended");
    }
    let event = |at, kind, step: Option<&str>| Event {
        at: Timestamp(at),
        guild: r.guild,
        thread: r.thread,
        owner: r.session.owner,
        kind,
        step: step.map(str::to_string),
        locale: Some("en".into()),
        version: Some(r.session.script.hash.to_string()),
    };
    let events = [
        event(at, EventKind::Started, None),
        event(at + 1, EventKind::HandedOff, Some("backup-switch")),
    ];
    store.append_all(&events).await.expect("events");
    let line = |kind, text: &str| Line {
        thread: r.thread,
        at: Timestamp(at),
        kind,
        author: Some("Robin".into()),
        text: text.into(),
    };
    let lines = [
        line(LineKind::Typed, &format!("my serial is [serial], {words}")),
        line(LineKind::Staff, "hi"),
    ];
    store.transcribe(&lines).await.expect("lines");
    let case = r.thread;
    store.open_case(case, Timestamp(at)).await.expect("case");
    let by = staffed(staff, "Sam", at);
    store.claim(case, &by).await.expect("claim");
    store.close_case(case, &by).await.expect("close");
    assert!(store.rate(case, 4, Timestamp(at + 2)).await.expect("rate"));
    let comment = format!("thanks {words}");
    assert!(store.comment(case, &comment).await.expect("comment"));
    Made {
        record: r,
        comment,
        at,
    }
}

/// The report over the events and ratings of `made`, found by their times (which erasure
/// keeps), as `stats --format json` prints it.
async fn stats_of(store: &Arc<dyn SessionStore>, made: &[&Made]) -> String {
    let times: BTreeSet<i64> = made.iter().flat_map(|m| [m.at, m.at + 1]).collect();
    let from = Timestamp(made.iter().map(|m| m.at).min().unwrap_or(0));
    let events: Vec<Event> = store
        .events_since(from)
        .await
        .expect("events")
        .into_iter()
        .filter(|e| times.contains(&e.at.0))
        .collect();
    let threads: BTreeSet<ThreadId> = events.iter().map(|e| e.thread).collect();
    let ratings: Vec<(ThreadId, u8)> = store
        .ratings_since(from)
        .await
        .expect("ratings")
        .into_iter()
        .filter(|(t, _)| threads.contains(t))
        .collect();
    assert_eq!(ratings.len(), made.len(), "every rating is found");
    let report = backup_help_bot::stats::report(&events, &ratings, &[], &common::english());
    serde_json::to_string(&report).expect("a report is JSON")
}

/// The events of `made` (by their times), wherever they are now.
async fn events_of(store: &Arc<dyn SessionStore>, made: &Made) -> Vec<Event> {
    let events = store
        .events_since(Timestamp(made.at))
        .await
        .expect("events");
    let mine = events.into_iter().filter(|e| e.at.0 <= made.at + 1);
    mine.filter(|e| e.at.0 >= made.at).collect()
}

/// `made` is erased: nothing under its thread, and its events, rating and walkthrough under
/// one anonymous id, with everything `stats` needs.
async fn assert_erased(store: &Arc<dyn SessionStore>, made: &Made) {
    let old = made.record.thread;
    assert_eq!(store.by_thread(old).await.expect("read"), None);
    assert!(store.transcript(old).await.expect("read").is_empty());
    assert_eq!(store.case(old).await.expect("read"), None);
    let events = events_of(store, made).await;
    assert_eq!(events.len(), 2, "{events:?}");
    let anonymous = events[0].thread;
    assert!(
        (anonymous.get() as i64) < 0,
        "an anonymous id is negative as stored"
    );
    for (event, kind) in events
        .iter()
        .zip([EventKind::Started, EventKind::HandedOff])
    {
        assert_eq!(
            (event.thread, event.owner.get()),
            (anonymous, anonymous.get())
        );
        assert_eq!((event.kind, event.guild), (kind, made.record.guild));
    }
    let kept = store
        .by_thread(anonymous)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(kept.session.owner.get(), anonymous.get());
    assert_eq!(kept.session.history, made.record.session.history);
    assert_eq!(
        (kept.guild, &kept.locale),
        (made.record.guild, &made.record.locale)
    );
    assert!(!kept.session.phase.is_open() && kept.idle_due.is_none());
    assert!(store.transcript(anonymous).await.expect("read").is_empty());
    let case = store.case(anonymous).await.expect("read").expect("a case");
    assert_eq!((case.claimed, case.closed, case.card), (None, None, None));
    let rating = case.rating.expect("the rating stays");
    assert_eq!((rating.stars, rating.comment), (4, None));
}

/// `made` is as it was made.
async fn assert_untouched(store: &Arc<dyn SessionStore>, made: &Made, staff: Option<u64>) {
    let t = made.record.thread;
    let stored = store.by_thread(t).await.expect("read").expect("kept");
    assert_eq!(stored.session, made.record.session);
    assert_eq!(store.transcript(t).await.expect("read").len(), 2);
    let case = store.case(t).await.expect("read").expect("a case");
    assert_eq!(case.claimed.map(|s| s.by.get()), staff);
    assert_eq!(
        case.rating.and_then(|r| r.comment),
        Some(made.comment.clone())
    );
    let events = events_of(store, made).await;
    assert!(events.iter().all(|e| e.thread == t), "{events:?}");
}

/// Ended walkthroughs past a cutoff are erased, a batch at a time, the longest ended first;
/// those ended later and open ones are untouched; `stats` reads the same before and after.
pub async fn ended_walkthroughs_are_purged_in_batches_keeping_what_stats_counts(
    store: &Arc<dyn SessionStore>,
    b: u64,
) {
    let at = b as i64;
    let old = made(store, (b + 60, b + 1, b + 61), (b + 69, ""), at, Some(5)).await;
    let older = made(
        store,
        (b + 62, b + 1, b + 63),
        (b + 69, ""),
        at + 10,
        Some(4),
    )
    .await;
    let recent = made(
        store,
        (b + 64, b + 1, b + 65),
        (b + 69, ""),
        at + 20,
        Some(50),
    )
    .await;
    let open = made(store, (b + 66, b + 1, b + 67), (b + 69, ""), at + 30, None).await;
    let all = [&old, &older, &recent, &open];
    let before = stats_of(store, &all).await;
    // One at a time until none is left (a shared database may hold others' too).
    let mut purged = Erased::default();
    loop {
        let batch = store
            .purge_ended_before(Timestamp(10), 1)
            .await
            .expect("purged");
        assert!(batch.walkthroughs <= 1, "{batch:?}");
        if batch.walkthroughs == 0 {
            break;
        }
        purged.add(batch);
    }
    let (first, second) = (older.record.thread, old.record.thread);
    let at = |t| purged.threads.iter().position(|p| *p == t);
    assert!(at(first) < at(second) && at(second).is_some(), "{purged:?}");
    assert!(purged.lines >= 4 && purged.comments >= 2, "{purged:?}");
    assert_erased(store, &old).await;
    assert_erased(store, &older).await;
    assert_untouched(store, &recent, Some(b + 69)).await;
    assert_untouched(store, &open, Some(b + 69)).await;
    assert_eq!(stats_of(store, &all).await, before, "stats are unchanged");
    let again = store.purge_ended_before(Timestamp(10), 100).await;
    assert!(!again.expect("purged").threads.contains(&first));
}

/// Forgetting a person erases every walkthrough of theirs, ended or open, in every guild,
/// and their name as staff on others' cases; nobody else's data changes.
pub async fn forgetting_a_person_erases_them_and_nobody_else(
    store: &Arc<dyn SessionStore>,
    b: u64,
) {
    let (person, other, at) = (b + 81, b + 82, b as i64 + 100);
    let ended = made(
        store,
        (b + 70, b + 1, person),
        (b + 89, ""),
        at,
        Some(5_000),
    )
    .await;
    let open = made(store, (b + 71, b + 2, person), (b + 89, ""), at + 10, None).await;
    // The person, as staff, claimed and closed someone else's case.
    let theirs = made(
        store,
        (b + 72, b + 1, other),
        (person, ""),
        at + 20,
        Some(5_000),
    )
    .await;
    // The ended one was handed off: its case has a card in the staff channel.
    let card = (
        ChannelId::new(b + 78).expect("ids are not 0"),
        MessageId::new(b + 79).expect("ids are not 0"),
    );
    store
        .set_card(ended.record.thread, card.0, card.1)
        .await
        .expect("card");
    let forgotten = store
        .forget_user(UserId::new(person).expect("ids are not 0"))
        .await
        .expect("forgotten");
    // The card's ids come back once, with the language the team read it in, to be edited.
    let erased_card = ErasedCard {
        channel: card.0,
        message: card.1,
        locale: Some("de".into()),
    };
    assert_eq!(forgotten.erased.cards, [erased_card]);
    assert_eq!(
        (forgotten.erased.walkthroughs, forgotten.erased.lines),
        (2, 4)
    );
    assert_eq!((forgotten.erased.comments, forgotten.as_staff), (2, 2));
    let threads: BTreeSet<ThreadId> = forgotten.erased.threads.iter().copied().collect();
    assert_eq!(threads, [ended.record.thread, open.record.thread].into());
    assert_erased(store, &ended).await;
    assert_erased(store, &open).await;
    let guild = GuildId::new(b + 2).expect("ids are not 0");
    let person = UserId::new(person).expect("ids are not 0");
    assert_eq!(store.open_for(guild, person).await.expect("read"), None);
    // The other person's walkthrough keeps everything but the person's name on it.
    assert_untouched(store, &theirs, None).await;
    let case = store.case(theirs.record.thread).await.expect("read");
    assert_eq!(case.and_then(|c| c.closed), None);
    let again = store.forget_user(person).await.expect("forgotten");
    assert_eq!((again.erased.walkthroughs, again.as_staff), (0, 0));
    assert!(again.erased.cards.is_empty(), "{again:?}");
}

/// A walkthrough saved as ended keeps when it ended, and a later save cannot move it.
pub async fn the_end_of_a_walkthrough_is_kept(store: &Arc<dyn SessionStore>, b: u64) {
    let r = made(
        store,
        (b + 90, b + 1, b + 91),
        (b + 92, ""),
        b as i64 + 200,
        Some(7),
    )
    .await;
    let stored = store.by_thread(thread(b + 90)).await.expect("read");
    assert_eq!(stored.and_then(|s| s.ended_at), Some(Timestamp(7)));
    let mut later = r.record.clone();
    later.ended_at = Some(Timestamp(9));
    later.session.version += 1;
    store
        .save(&later, r.record.session.version)
        .await
        .expect("saved");
    let stored = store.by_thread(thread(b + 90)).await.expect("read");
    assert_eq!(stored.and_then(|s| s.ended_at), Some(Timestamp(7)));
}

/// After a purge and a forget, the SQLite file and its write-ahead log hold no byte of what
/// was erased: not the typed words, not the comment, not the ids (as decimal text in the
/// session, or as the 8-byte integers SQLite stores). Read while the store is open: what is
/// on disk right after an erasure, without the checkpoint a clean close would add.
#[tokio::test]
async fn erased_data_leaves_no_trace_in_the_sqlite_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("backup-help.db");
    let storage = backup_help_bot::config::Storage::Sqlite { path: path.clone() };
    let store = backup_help_bot::store::open(&storage)
        .await
        .expect("opened");
    let id = |n: u64| 1_234_567_890_123_456_000 + n;
    let guild = 1_100_000_000_000_000_000;
    let purged = made(
        &store,
        (id(1), guild, id(2)),
        (id(3), "Qx7-purged-words"),
        10,
        Some(5),
    )
    .await;
    let forgotten = made(
        &store,
        (id(11), guild, id(12)),
        (id(13), "Qx7-forgotten-words"),
        20,
        None,
    )
    .await;
    let kept = made(
        &store,
        (id(21), guild, id(22)),
        (id(23), "Qx7-kept-words"),
        30,
        Some(50),
    )
    .await;
    let file = || {
        let mut bytes = std::fs::read(&path).expect("the database file");
        let wal = std::fs::read(path.with_extension("db-wal")).unwrap_or_default();
        bytes.extend(wal);
        bytes
    };
    let holds = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let before = file();
    for words in ["Qx7-purged-words", "Qx7-forgotten-words", "Qx7-kept-words"] {
        assert!(
            holds(&before, words.as_bytes()),
            "{words} is written before"
        );
    }
    assert!(
        holds(&before, &(id(2) as i64).to_be_bytes()),
        "ids are written before"
    );
    store
        .purge_ended_before(Timestamp(10), 10)
        .await
        .expect("purged");
    let person = UserId::new(id(12)).expect("ids are not 0");
    store.forget_user(person).await.expect("forgotten");
    let after = file();
    assert!(
        holds(&after, kept.comment.as_bytes()),
        "what is kept is still found"
    );
    for (made, words) in [
        (&purged, "Qx7-purged-words"),
        (&forgotten, "Qx7-forgotten-words"),
    ] {
        assert!(!holds(&after, words.as_bytes()), "{words} is gone");
        assert!(
            !holds(&after, made.comment.as_bytes()),
            "{} is gone",
            made.comment
        );
    }
    for n in [1, 2, 3, 11, 12, 13] {
        let n = id(n);
        assert!(
            !holds(&after, n.to_string().as_bytes()),
            "{n} as text is gone"
        );
        assert!(
            !holds(&after, &(n as i64).to_be_bytes()),
            "{n} as an integer is gone"
        );
        assert!(
            !holds(&after, &(n as i64).to_le_bytes()),
            "{n} little-endian is gone"
        );
    }
}
