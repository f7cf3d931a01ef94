//! The service on the memory store, with an outlet that fails when told to: the same
//! turns the bot and the terminal run, without Discord.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::*;
use crate::clock::{ManualClock, SystemClock};
use crate::conversation::Phase;
use crate::ids::{GuildId, UserId};
use crate::store::MemoryStore;

/// Posts succeed unless `failing` says how many more must fail; `gone` makes every post
/// find the thread gone.
#[derive(Default)]
struct Flaky {
    failing: AtomicUsize,
    gone: std::sync::atomic::AtomicBool,
    posted: Mutex<Vec<Effect>>,
    next_id: AtomicU64,
}

#[async_trait]
impl Outlet for Flaky {
    async fn open_thread(&self, _script: &Script) -> Result<ThreadId, EffectError> {
        ThreadId::new(77).ok_or(EffectError::Gone)
    }

    async fn carry_out(
        &self,
        _record: &Record,
        _script: &Script,
        effect: &Effect,
    ) -> Result<Option<MessageId>, EffectError> {
        if self.gone.load(Ordering::SeqCst) {
            return Err(EffectError::Gone);
        }
        let failing = self.failing.load(Ordering::SeqCst);
        if failing > 0 {
            self.failing.store(failing - 1, Ordering::SeqCst);
            return Err(EffectError::Failed("502".into()));
        }
        if let Ok(mut posted) = self.posted.lock() {
            posted.push(effect.clone());
        }
        Ok(MessageId::new(
            self.next_id.fetch_add(1, Ordering::SeqCst) + 1,
        ))
    }
}

impl Flaky {
    fn steps(&self) -> Vec<String> {
        let posted = self.posted.lock().map(|p| p.clone()).unwrap_or_default();
        posted
            .iter()
            .filter_map(|e| match e {
                Effect::PostStep { step, .. } => Some(step.to_string()),
                _ => None,
            })
            .collect()
    }
}

fn service() -> Walkthroughs {
    service_on(Arc::new(SystemClock))
}

fn service_on(clock: Arc<dyn Clock>) -> Walkthroughs {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron");
    let script = crate::script::load_file(path.as_ref()).expect("the shipped script");
    Walkthroughs::new(
        Arc::new(MemoryStore::new()),
        vec![script],
        "en".into(),
        IdlePolicy::default(),
        clock,
    )
}

fn warnings(out: &Flaky) -> usize {
    let posted = out.posted.lock().map(|p| p.clone()).unwrap_or_default();
    posted
        .iter()
        .filter(|e| **e == Effect::PostIdleWarning)
        .count()
}

async fn opened(walks: &Walkthroughs, out: &Flaky) -> ThreadId {
    let (guild, owner) = (GuildId::new(5), UserId::new(6));
    let (Some(guild), Some(owner)) = (guild, owner) else {
        unreachable!("not 0");
    };
    match walks.open(guild, owner, "en", None, out).await {
        Ok(Opened::New(thread)) => thread,
        other => panic!("not opened: {other:?}"),
    }
}

#[tokio::test]
async fn typed_text_at_an_unposted_step_posts_it_and_is_not_applied() {
    let (walks, out) = (service(), Flaky::default());
    let thread = opened(&walks, &out).await;
    out.failing.store(1, Ordering::SeqCst);
    let text = |t: &str| Some(Input::Text(t.to_string()));
    let turned = walks
        .turn(thread, text("not sure"), Origin::Typed, &out)
        .await;
    let turned = turned.ok().flatten().expect("a turn");
    assert!(turned.failure.is_some(), "the next step's post failed");
    assert_eq!(out.steps(), ["opening"]);
    // Retyped because nothing appeared: the step is posted, the text not applied to it.
    let again = walks.turn(thread, text("no"), Origin::Typed, &out).await;
    let again = again.ok().flatten().expect("a turn");
    assert!(again.reply.is_none() && again.repaired_step);
    assert_eq!(out.steps(), ["opening", "backup-switch"]);
    assert_eq!(
        again.record.session.current_step().map(|s| s.to_string()),
        Some("backup-switch".to_string())
    );
}

/// A walkthrough on a clock that tests move, whose first step failed four times: passing
/// failures, so the link is given and the step stays owed.
async fn opened_with_its_step_owed() -> (ManualClock, Walkthroughs, Flaky, ThreadId) {
    let clock = ManualClock::new();
    let (walks, out) = (service_on(Arc::new(clock.clone())), Flaky::default());
    out.failing.store(4, Ordering::SeqCst);
    let thread = opened(&walks, &out).await;
    assert!(out.steps().is_empty());
    out.failing.store(0, Ordering::SeqCst);
    (clock, walks, out, thread)
}

#[tokio::test]
async fn the_sweep_posts_what_a_failure_left_owed_once() {
    let (clock, walks, out, thread) = opened_with_its_step_owed().await;
    // Not yet: the sweep waits before trying again after a failure.
    assert_eq!(walks.sweep(None, &out).await, 0);
    let later = walks.now().plus(std::time::Duration::from_secs(10));
    let owing = walks.store.owing(later, None, 10).await.expect("owing");
    assert_eq!(owing.len(), 1);
    assert_eq!(owing[0].thread, thread);
    clock.advance(std::time::Duration::from_secs(10));
    assert_eq!(walks.sweep(None, &out).await, 1);
    assert_eq!(walks.sweep(None, &out).await, 0, "nothing owed any more");
    assert_eq!(out.steps(), ["opening"]);
}

#[tokio::test]
async fn the_sweep_waits_a_failures_pause_even_where_the_store_does_not_show_it_yet() {
    let (clock, walks, out, thread) = opened_with_its_step_owed().await;
    // As a sweep sees it when it read the store before the failing turn put the next try
    // off, and took the thread once that turn was over.
    walks
        .store
        .retry_at(thread, Timestamp(0))
        .await
        .expect("a store that does not show the pause");
    assert_eq!(walks.sweep(None, &out).await, 0, "the pause is waited");
    clock.advance(std::time::Duration::from_secs(10));
    assert_eq!(walks.sweep(None, &out).await, 1, "and then it is tried");
    assert_eq!(out.steps(), ["opening"]);
}

#[tokio::test]
async fn a_thread_gone_after_the_end_owes_nothing() {
    let (walks, out) = (service(), Flaky::default());
    let thread = opened(&walks, &out).await;
    out.gone.store(true, Ordering::SeqCst);
    let human = Some(Input::TalkToHuman { step: None });
    let turned = walks.turn(thread, human, Origin::Typed, &out).await;
    let record = turned.ok().flatten().expect("a turn").record;
    assert!(matches!(record.session.phase, Phase::HandedOff(_)));
    assert!(record.owed().is_empty(), "{:?}", record.owed());
    let stored = walks.store.by_thread(thread).await.ok().flatten();
    assert!(stored.is_some_and(|r| r.owed().is_empty()));
    let anyone = walks.store.owing(Timestamp(i64::MAX), None, 10).await;
    assert!(
        anyone.is_ok_and(|o| o.is_empty()),
        "the sweep has nothing to do"
    );
}

#[tokio::test]
async fn a_step_posted_late_starts_the_quiet_time_and_is_not_followed_by_a_warning() {
    let clock = ManualClock::new();
    let (walks, out) = (service_on(Arc::new(clock.clone())), Flaky::default());
    out.failing.store(1, Ordering::SeqCst);
    let thread = opened(&walks, &out).await;
    assert!(out.steps().is_empty(), "the first step is owed");
    // It stays owed for 21 minutes (the permission was granted only then).
    clock.advance(std::time::Duration::from_secs(21 * 60));
    let tick = walks
        .turn(thread, Some(Input::Tick), Origin::Timer, &out)
        .await;
    let record = tick.ok().flatten().expect("a turn").record;
    assert_eq!(out.steps(), ["opening"]);
    assert_eq!(
        warnings(&out),
        0,
        "no warning right after the step appeared"
    );
    assert!(!record.session.idle_warned);
    // Quiet from now on: warned after the usual time.
    clock.advance(std::time::Duration::from_secs(21 * 60));
    let _ = walks
        .turn(thread, Some(Input::Tick), Origin::Timer, &out)
        .await;
    assert_eq!(warnings(&out), 1);
}

#[tokio::test]
async fn a_warning_not_yet_posted_is_dropped_when_the_person_answers() {
    let clock = ManualClock::new();
    let (walks, out) = (service_on(Arc::new(clock.clone())), Flaky::default());
    let thread = opened(&walks, &out).await;
    clock.advance(std::time::Duration::from_secs(21 * 60));
    out.failing.store(1, Ordering::SeqCst);
    let _ = walks
        .turn(thread, Some(Input::Tick), Origin::Timer, &out)
        .await;
    assert_eq!(warnings(&out), 0, "the warning's post failed: owed");
    let answer = Some(Input::Text("not sure".into()));
    let turned = walks.turn(thread, answer, Origin::Typed, &out).await;
    let record = turned.ok().flatten().expect("a turn").record;
    assert_eq!(warnings(&out), 0, "not posted after the person came back");
    assert_eq!(out.steps(), ["opening", "backup-switch"]);
    assert!(record.owed().is_empty());
}

#[tokio::test]
async fn a_typed_message_is_taken_once_and_an_older_one_after_it_not_at_all() {
    let (walks, out) = (service(), Flaky::default());
    let thread = opened(&walks, &out).await;
    let message = |id| MessageId::new(id).expect("an id");
    let typed = |id, text: &str| walks.typed(thread, message(id), text.to_string(), &out);
    let first = typed(1000, "not sure").await.ok().flatten();
    assert!(first.is_some_and(|t| t.reply.is_some()), "taken");
    assert_eq!(out.steps(), ["opening", "backup-switch"]);
    // The same message again (delivered live and read by a catch-up), then an older one
    // arriving late: neither is taken.
    assert!(matches!(typed(1000, "not sure").await, Ok(None)));
    assert!(matches!(typed(999, "not sure").await, Ok(None)));
    assert_eq!(out.steps(), ["opening", "backup-switch"]);
    let stored = walks.store.by_thread(thread).await.ok().flatten();
    assert_eq!(stored.and_then(|r| r.heard), Some(message(1000)));
    // A re-asked message is taken too (saved without moving the walkthrough).
    let reasked = typed(1001, "blue").await.ok().flatten();
    assert!(reasked.is_some_and(|t| matches!(t.reply, Some(Reply::ReAsk { .. }))));
    let stored = walks.store.by_thread(thread).await.ok().flatten();
    assert_eq!(stored.and_then(|r| r.heard), Some(message(1001)));
    assert!(matches!(typed(1001, "blue").await, Ok(None)));
}

const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

#[tokio::test]
async fn an_ended_walkthrough_is_purged_once_past_the_retention() {
    let clock = ManualClock::new();
    let (walks, out) = (service_on(Arc::new(clock.clone())), Flaky::default());
    let thread = opened(&walks, &out).await;
    let human = Some(Input::TalkToHuman { step: None });
    let before = walks.now();
    let turned = walks.turn(thread, human, Origin::Typed, &out).await;
    let record = turned.ok().flatten().expect("a turn").record;
    assert!(
        record.ended_at.is_some_and(|at| at >= before),
        "the end is kept"
    );
    assert!(walks.is_case(thread));
    clock.advance(89 * DAY);
    let erased = walks.purge(90 * DAY).await.expect("purged");
    assert_eq!(erased.walkthroughs, 0, "not yet");
    clock.advance(2 * DAY);
    let erased = walks.purge(90 * DAY).await.expect("purged");
    assert_eq!((erased.walkthroughs, erased.threads), (1, vec![thread]));
    assert!(walks.store.by_thread(thread).await.ok().flatten().is_none());
    assert!(
        !walks.is_case(thread),
        "its thread is not transcribed any more"
    );
}

#[tokio::test]
async fn forgetting_a_person_ends_their_open_walkthrough_first_without_a_word() {
    let (walks, out) = (service(), Flaky::default());
    let thread = opened(&walks, &out).await;
    let posted = out.posted.lock().map(|p| p.len()).unwrap_or_default();
    let owner = UserId::new(6).expect("an id");
    let forgotten = walks.forget(owner).await.expect("forgotten");
    assert_eq!((forgotten.ended, forgotten.erased.walkthroughs), (1, 1));
    assert!(
        !walks.may_hold(thread),
        "typed text there is no answer any more"
    );
    assert!(walks.store.by_thread(thread).await.ok().flatten().is_none());
    let events = walks
        .store
        .events_since(Timestamp(0))
        .await
        .expect("events");
    assert!(events
        .iter()
        .all(|e| e.owner != owner && e.thread != thread));
    // Ended first, it is counted as started and no longer open.
    let rolled = walks.store.rolled_up_since(Timestamp(0)).await;
    let script =
        crate::script::load_file(concat!(env!("CARGO_MANIFEST_DIR"), "/responses/en.ron").as_ref());
    let report = crate::stats::report(&[], &[], &rolled.expect("read"), &script.expect("en"));
    assert_eq!(
        (report.outcomes.started, report.outcomes.still_open),
        (1, 0)
    );
    let now = out.posted.lock().map(|p| p.len()).unwrap_or_default();
    assert_eq!(now, posted, "nothing is posted in the thread");
    let again = walks.forget(owner).await.expect("forgotten");
    assert_eq!((again.ended, again.erased.walkthroughs), (0, 0));
}

#[tokio::test]
async fn a_case_erased_by_another_process_is_not_transcribed_any_more() {
    let (walks, out) = (service(), Flaky::default());
    let thread = opened(&walks, &out).await;
    let human = Some(Input::TalkToHuman { step: None });
    let _ = walks.turn(thread, human, Origin::Typed, &out).await;
    assert!(walks.is_case(thread));
    assert_eq!(walks.drop_erased_cases().await.expect("checked"), 0);
    // `forget` on the command line erases it behind this process's back.
    let owner = UserId::new(6).expect("an id");
    walks.store.forget_user(owner).await.expect("forgotten");
    assert!(walks.is_case(thread), "not known here yet");
    assert_eq!(walks.drop_erased_cases().await.expect("checked"), 1);
    assert!(!walks.is_case(thread));
}
