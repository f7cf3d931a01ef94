//! The erasure half of the contract: the retention purge and forgetting one person.

use std::collections::BTreeSet;
use std::sync::Arc;

use backup_help_bot::conversation::{CloseReason, Input, Timestamp};
use backup_help_bot::ids::{ChannelId, GuildId, MessageId, ThreadId, UserId};
use backup_help_bot::stats::Report;
use backup_help_bot::store::{
    Erased, ErasedCard, Event, EventKind, Line, LineKind, Record, SessionStore,
};

use super::{common, record, staffed, thread};

/// A walkthrough made to be erased: what it holds, to look for afterwards.
struct Made {
    record: Record,
    /// The rating's comment.
    comment: String,
    /// When its events happened (see [`Made::times`]) and its rating (`at + 2`).
    at: i64,
    /// How long after `at` it ended, if it did.
    ending: Option<(EventKind, i64)>,
}

impl Made {
    /// When its events happened: `at`, `at + 1` and its ending's; unique to it.
    fn times(&self) -> BTreeSet<i64> {
        let ending = self.ending.map(|(_, after)| self.at + after);
        [self.at, self.at + 1].into_iter().chain(ending).collect()
    }
}

/// How a made walkthrough went, for `stats`: its script's locale and version (`None`: from
/// before versions were kept), and its last event with how long after its start.
#[derive(Clone, Copy)]
struct Went<'a> {
    locale: &'a str,
    version: Option<&'a str>,
    ending: Option<(EventKind, i64)>,
}

/// Handed off after a second, in English, on the record's version.
const HANDED_OFF: Went = Went {
    locale: "en",
    version: Some(""),
    ending: Some((EventKind::HandedOff, 1_000)),
};

/// Stores a walkthrough of `owner` in thread `id` of `guild`: its events as it `went`
/// (started, shown `backup-switch`, and its ending there), a transcript of two lines (one
/// typed, with `words`), a case claimed and closed by `staff` and rated 4 with a comment
/// (with `words`); ended at `ended`, or still open.
async fn made(
    store: &Arc<dyn SessionStore>,
    (id, guild, owner): (u64, u64, u64),
    (staff, words): (u64, &str),
    (at, went): (i64, Went<'_>),
    ended: Option<i64>,
) -> Made {
    let mut r = record(id, guild, owner);
    store.insert(&r, &[]).await.expect("insert");
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
        store.save(&r, version, &[]).await.expect("ended");
    }
    let hash = r.session.script.hash.to_string();
    let version = went.version.map(|v| if v.is_empty() { &hash } else { v });
    let event = |at, kind, step: Option<&str>| Event {
        at: Timestamp(at),
        guild: r.guild,
        thread: r.thread,
        owner: r.session.owner,
        kind,
        step: step.map(str::to_string),
        locale: Some(went.locale.into()),
        version: version.map(str::to_string),
    };
    let mut events = vec![
        event(at, EventKind::Started, None),
        event(at + 1, EventKind::StepShown, Some("backup-switch")),
    ];
    if let Some((kind, after)) = went.ending {
        events.push(event(at + after, kind, Some("backup-switch")));
    }
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
        ending: went.ending,
    }
}

/// The report as `stats --format json` prints it over the events and ratings of `made`
/// (found by their times, which are theirs alone) and the counts rolled up for the days
/// from the first of `made` on (which no other walkthrough here ends in).
async fn stats_of(store: &Arc<dyn SessionStore>, made: &[&Made]) -> Report {
    let times: BTreeSet<i64> = made.iter().flat_map(|m| m.times()).collect();
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
    let rolled = store
        .rolled_up_since(backup_help_bot::stats::day_of(from))
        .await
        .expect("rolled up");
    backup_help_bot::stats::report(&events, &ratings, &rolled, &common::english())
}

/// The events of `made` (by their times), wherever they are now.
async fn events_of(store: &Arc<dyn SessionStore>, made: &Made) -> Vec<Event> {
    let events = store
        .events_since(Timestamp(made.at))
        .await
        .expect("events");
    let times = made.times();
    events
        .into_iter()
        .filter(|e| times.contains(&e.at.0))
        .collect()
}

/// `made` is erased: its walkthrough, transcript, case and events are gone, under its
/// thread and under any other.
async fn assert_erased(store: &Arc<dyn SessionStore>, made: &Made) {
    let old = made.record.thread;
    assert_eq!(store.by_thread(old).await.expect("read"), None);
    assert!(store.transcript(old).await.expect("read").is_empty());
    assert_eq!(store.case(old).await.expect("read"), None);
    let events = events_of(store, made).await;
    assert_eq!(events, [], "its events are deleted");
    let rated = store.ratings_since(Timestamp(made.at)).await.expect("read");
    assert!(rated.iter().all(|(t, _)| *t != old), "{rated:?}");
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
    assert_eq!(events.len(), made.times().len(), "{events:?}");
    assert!(events.iter().all(|e| e.thread == t), "{events:?}");
}

/// Ended walkthroughs past a cutoff are erased, a batch at a time, the longest ended first;
/// those ended later and open ones are untouched; `stats` reads the same before and after,
/// in every part: outcomes per locale and version, steps, the median time to a fix and the
/// ratings.
pub async fn ended_walkthroughs_are_purged_in_batches_keeping_what_stats_counts(
    store: &Arc<dyn SessionStore>,
    b: u64,
) {
    let at = b as i64;
    let went = |locale, version, ending| Went {
        locale,
        version,
        ending,
    };
    let fixed = |secs: i64| Some((EventKind::Fixed, secs * 1_000));
    let hash = Some("");
    let (staff, ids) = ((b + 69, ""), |n| (b + n, b + 1, b + n + 1));
    let old_went = went("es", hash, fixed(125));
    let old = made(store, ids(60), staff, (at, old_went), Some(at + 5)).await;
    let older = (at + 10, HANDED_OFF);
    let older = made(store, ids(62), staff, older, Some(at + 4)).await;
    let recent = (at + 20, went("de", hash, fixed(700)));
    let recent = made(store, ids(64), staff, recent, Some(at + 50_000)).await;
    let open = (at + 30, went("en", None, None));
    let open = made(store, ids(66), staff, open, None).await;
    let all = [&old, &older, &recent, &open];
    let before = stats_of(store, &all).await;
    assert_covers_every_part(&before);
    // One at a time until none is left (a shared database may hold others' too).
    let cutoff = Timestamp(at + 10_000);
    let mut purged = Erased::default();
    loop {
        let batch = store.purge_ended_before(cutoff, 1).await.expect("purged");
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
    let after = stats_of(store, &all).await;
    assert_eq!(after, before, "stats are unchanged");
    let json = |r: &Report| serde_json::to_string(r).expect("a report is JSON");
    assert_eq!(
        json(&after),
        json(&before),
        "stats --format json is unchanged"
    );
    let again = store.purge_ended_before(cutoff, 100).await;
    assert!(!again.expect("purged").threads.contains(&first));
}

/// The report of the walkthroughs the purge test makes has something in every part, so
/// that its "unchanged" means something.
fn assert_covers_every_part(report: &Report) {
    let o = &report.outcomes;
    assert!(o.started >= 4 && o.fixed >= 2 && o.handed_off >= 1, "{o:?}");
    assert!(o.still_open >= 1, "{o:?}");
    for locale in ["de", "en", "es"] {
        assert!(report.per_locale.contains_key(locale), "{report:?}");
    }
    assert!(report.per_version.contains_key("unknown"), "{report:?}");
    assert!(report.per_version.len() >= 2, "{report:?}");
    assert!(report.median_seconds_to_fix.is_some(), "{report:?}");
    let switch = report.steps.iter().find(|r| r.step == "backup-switch");
    let switch = switch.expect("the step is in the script");
    assert!(switch.reached >= 4 && switch.fixed_here >= 2, "{switch:?}");
    assert!(switch.handed_off_here >= 1, "{switch:?}");
    let ratings = &report.ratings;
    assert!(ratings.all.count >= 4, "{ratings:?}");
    assert!(ratings.per_outcome["fixed"].count >= 2, "{ratings:?}");
    assert!(
        ratings.per_fixed_step["backup-switch"].count >= 2,
        "{ratings:?}"
    );
}

/// Two processes purging one database at once erase each walkthrough once: none is counted
/// twice in the roll-up, nor listed by both.
pub async fn two_purges_at_once_erase_each_walkthrough_once(
    (one, other): (&Arc<dyn SessionStore>, &Arc<dyn SessionStore>),
    b: u64,
) {
    let at = b as i64;
    let mut ours = BTreeSet::new();
    for n in 0..20 {
        let ids = (b + 10 + 2 * n, b + 1, b + 11 + 2 * n);
        let walk = (at + 10 * n as i64, HANDED_OFF);
        let m = made(one, ids, (b + 9, ""), walk, Some(at + 5)).await;
        ours.insert(m.record.thread);
    }
    let started = |store: Arc<dyn SessionStore>| async move {
        let rolled = store.rolled_up_since(Timestamp(i64::MIN)).await;
        let report =
            backup_help_bot::stats::report(&[], &[], &rolled.expect("read"), &common::english());
        report.outcomes.started
    };
    let before = started(one.clone()).await;
    let purge = |store: Arc<dyn SessionStore>| async move {
        let mut erased = Vec::new();
        loop {
            let batch = store.purge_ended_before(Timestamp(at + 10_000), 5).await;
            let batch = batch.expect("purged");
            if batch.walkthroughs == 0 {
                return erased;
            }
            assert_eq!(batch.walkthroughs, batch.threads.len(), "{batch:?}");
            erased.extend(batch.threads);
        }
    };
    let (mut erased, by_other) = tokio::join!(purge(one.clone()), purge(other.clone()));
    erased.extend(by_other);
    let distinct: BTreeSet<ThreadId> = erased.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        erased.len(),
        "none erased twice: {erased:?}"
    );
    assert!(ours.is_subset(&distinct), "{ours:?} {distinct:?}");
    let after = started(one.clone()).await;
    assert_eq!(after - before, erased.len(), "each counted once");
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
        (at, HANDED_OFF),
        Some(5_000),
    )
    .await;
    let open = (at + 10, HANDED_OFF);
    let open = made(store, (b + 71, b + 2, person), (b + 89, ""), open, None).await;
    // The person, as staff, claimed and closed someone else's case.
    let theirs = made(
        store,
        (b + 72, b + 1, other),
        (person, ""),
        (at + 20, HANDED_OFF),
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
        (b as i64 + 200, HANDED_OFF),
        Some(7),
    )
    .await;
    let stored = store.by_thread(thread(b + 90)).await.expect("read");
    assert_eq!(stored.and_then(|s| s.ended_at), Some(Timestamp(7)));
    let mut later = r.record.clone();
    later.ended_at = Some(Timestamp(9));
    later.session.version += 1;
    store
        .save(&later, r.record.session.version, &[])
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
        (10, HANDED_OFF),
        Some(5),
    )
    .await;
    let forgotten = made(
        &store,
        (id(11), guild, id(12)),
        (id(13), "Qx7-forgotten-words"),
        (20, HANDED_OFF),
        None,
    )
    .await;
    let kept = made(
        &store,
        (id(21), guild, id(22)),
        (id(23), "Qx7-kept-words"),
        (30, HANDED_OFF),
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
    // No row of the erased walkthroughs is left, under any id: the kept one's alone.
    use sqlx::Connection;
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("a connection");
    let kept_id = kept.record.thread.get();
    for (table, kept_rows) in [
        ("sessions", 1),
        ("events", 3),
        ("cases", 1),
        ("transcript_lines", 2),
    ] {
        let all = format!("SELECT COUNT(*) FROM {table}");
        let of_kept = format!("{all} WHERE thread_id = {kept_id}");
        for sql in [all, of_kept] {
            let n: i64 = sqlx::query_scalar(&sql)
                .fetch_one(&mut conn)
                .await
                .expect("counted");
            assert_eq!(n, kept_rows, "{sql}");
        }
    }
    let rolled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stats_days")
        .fetch_one(&mut conn)
        .await
        .expect("counted");
    assert!(rolled > 0, "what stats counts of them is rolled up");
}
