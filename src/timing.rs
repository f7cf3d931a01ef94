//! Where an answer's time goes, for finding what makes the slow ones slow.
//!
//! A click or a typed answer is handled inside [`timed`], which keeps a [`Timeline`] for it
//! (a task-local: nothing is passed around); the layers it goes through add what they waited
//! for to the [`Phase`] it belongs to: the thread's lock, the store (loading, saving the
//! answer, recording the rest), the REST gate and the requests to Discord. Outside [`timed`]
//! (the periodic rounds, the tests) adding is a no-op.
//!
//! When it is done, the timeline is one line on the `backup_help_bot::timing` target at
//! `debug`, off unless asked for (`RUST_LOG=...,backup_help_bot::timing=debug`); so is one
//! line per periodic round ([`round`]), so that a slow answer can be laid beside the rounds
//! that ran while it waited. The load bench reads both to attribute its slowest answers.
//! Times are measured on the monotonic clock, and each line says when it began in
//! microseconds since the Unix epoch, to be matched with what the other side saw.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tracing::{debug, enabled, Level};

/// The target every timing line is logged on.
pub const TARGET: &str = "backup_help_bot::timing";

/// What an answer can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The thread's lock, held by another turn of the same walkthrough.
    Lock,
    /// Reading the walkthrough (and the thread lookup of a click).
    Load,
    /// Saving the answer: what the next step waits for.
    Save,
    /// The other writes: what was carried out, the events, the retry time, the case.
    Record,
    /// A place in the REST gate.
    Gate,
    /// Requests to Discord, from leaving the gate to their answer (serenity's rate limiter
    /// included).
    Request,
}

const PHASES: usize = 6;

impl Phase {
    fn index(self) -> usize {
        self as usize
    }
}

/// What one answer spent, by phase. Phases may overlap (the next step and the marking of
/// the answered one go out together), so they can add up to more than the whole.
#[derive(Debug, Clone)]
pub struct Timeline {
    began: Instant,
    began_unix_us: u64,
    spent: [Duration; PHASES],
    /// When the interaction's response left the gate, after `began`: the click's next step
    /// (or its acknowledgement) was on its way from then.
    responded: Option<Duration>,
}

impl Timeline {
    fn new() -> Timeline {
        let began_unix_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        Timeline {
            began: Instant::now(),
            began_unix_us,
            spent: [Duration::ZERO; PHASES],
            responded: None,
        }
    }

    /// The time spent in `phase`.
    pub fn spent(&self, phase: Phase) -> Duration {
        self.spent[phase.index()]
    }

    /// When the response left, after the answer began.
    pub fn responded(&self) -> Option<Duration> {
        self.responded
    }
}

tokio::task_local! {
    static TIMELINE: RefCell<Timeline>;
}

/// Runs `answer` (the handling of one click or typed answer) with a timeline, and logs it at
/// the end as `kind` `id` (the interaction's or the message's id). Costs a few clock reads
/// when timing lines are off.
///
/// `answer` is boxed before it starts: passed by value into an `async fn`, a future is held
/// twice while it runs, and an answer's future is kilobytes, held for as long as it waits.
pub fn timed<F: Future>(kind: &'static str, id: u64, answer: F) -> impl Future<Output = F::Output> {
    let answer = Box::pin(answer);
    async move {
        let (output, timeline) = TIMELINE
            .scope(RefCell::new(Timeline::new()), async {
                let output = answer.await;
                (output, TIMELINE.with(|t| t.borrow().clone()))
            })
            .await;
        if enabled!(target: TARGET, Level::DEBUG) {
            log(kind, id, &timeline);
        }
        output
    }
}

fn log(kind: &'static str, id: u64, t: &Timeline) {
    let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    debug!(
        target: TARGET,
        kind,
        id,
        began_us = t.began_unix_us,
        total_us = us(t.began.elapsed()),
        responded_us = t.responded.map(us),
        lock_us = us(t.spent(Phase::Lock)),
        load_us = us(t.spent(Phase::Load)),
        save_us = us(t.spent(Phase::Save)),
        record_us = us(t.spent(Phase::Record)),
        gate_us = us(t.spent(Phase::Gate)),
        request_us = us(t.spent(Phase::Request)),
        "where an answer's time went"
    );
}

/// Adds `spent` to `phase` of the answer being handled, if any.
pub fn add(phase: Phase, spent: Duration) {
    let _ = TIMELINE.try_with(|t| {
        if let Ok(mut t) = t.try_borrow_mut() {
            t.spent[phase.index()] += spent;
        }
    });
}

/// Notes that the interaction's response is leaving now (the first time only).
pub fn responding() {
    let _ = TIMELINE.try_with(|t| {
        if let Ok(mut t) = t.try_borrow_mut() {
            if t.responded.is_none() {
                t.responded = Some(t.began.elapsed());
            }
        }
    });
}

/// Awaits `work`, adding the time it took to `phase`.
pub async fn phase<F: Future>(phase: Phase, work: F) -> F::Output {
    let started = Instant::now();
    let output = work.await;
    add(phase, started.elapsed());
    output
}

/// Logs one periodic round (`task`: the sweep, the idle check, the purge) that began at
/// `began` and has just ended.
pub fn round(task: &'static str, began: SystemTime, took: Duration) {
    if !enabled!(target: TARGET, Level::DEBUG) {
        return;
    }
    let began_us = began
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    let took_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    debug!(target: TARGET, task, began_us, took_us, "a periodic round");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phases_add_up_inside_an_answer_and_nowhere_else() {
        add(Phase::Save, Duration::from_millis(5));
        let seen = TIMELINE
            .scope(RefCell::new(Timeline::new()), async {
                add(Phase::Save, Duration::from_millis(3));
                add(Phase::Save, Duration::from_millis(4));
                phase(Phase::Lock, tokio::task::yield_now()).await;
                responding();
                let first = TIMELINE.with(|t| t.borrow().responded);
                responding();
                let t = TIMELINE.with(|t| t.borrow().clone());
                (t, first)
            })
            .await;
        let (t, first) = seen;
        assert_eq!(t.spent(Phase::Save), Duration::from_millis(7));
        assert_eq!(t.spent(Phase::Request), Duration::ZERO);
        assert!(t.responded().is_some());
        assert_eq!(t.responded(), first, "only the first response counts");
    }

    #[tokio::test]
    async fn timed_returns_what_the_answer_returned() {
        let out = timed("click", 7, async {
            add(Phase::Load, Duration::from_millis(1));
            42
        })
        .await;
        assert_eq!(out, 42);
    }
}
