//! The one clock. The core takes `now` as an argument; the adapters ask a [`Clock`], which
//! the bot is given at start-up, so tests can move time instead of sleeping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::conversation::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Changes each time the clock is moved by hand, so periodic work runs at once instead of
    /// at its next tick ([`crate::ticker::Ticker`]). The machine's clock is never moved.
    fn moved(&self) -> Option<watch::Receiver<u64>> {
        None
    }

    /// Told by periodic work when a round that began at move `generation` is over, so
    /// whoever moved the clock can wait for its effects ([`ManualClock::settle`]).
    fn round_done(&self, _task: &'static str, _generation: u64) {}
}

/// The machine's clock: milliseconds since the Unix epoch.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Timestamp(millis)
    }
}

/// The machine's clock plus an offset that tests move forward: time passes as usual, and
/// [`ManualClock::advance`] jumps it ahead (for idle warnings and closes). Each move wakes the
/// periodic work, and [`ManualClock::settle`] waits until every periodic task has done a
/// whole round since, so no test sleeps to outlast a timer.
#[derive(Debug, Clone)]
pub struct ManualClock {
    offset_ms: Arc<AtomicI64>,
    moves: Arc<watch::Sender<u64>>,
    /// Per periodic task that has started, the move its last finished round began at.
    rounds: Arc<watch::Sender<HashMap<&'static str, u64>>>,
}

impl Default for ManualClock {
    fn default() -> ManualClock {
        ManualClock {
            offset_ms: Arc::default(),
            moves: Arc::new(watch::Sender::new(0)),
            rounds: Arc::new(watch::Sender::new(HashMap::new())),
        }
    }
}

impl ManualClock {
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// Sets the clock to `at`, from where it goes on as usual (a test's fixed moment).
    pub fn jump_to(&self, at: Timestamp) {
        let offset = at.0.saturating_sub(SystemClock.now().0);
        self.offset_ms.store(offset, Ordering::SeqCst);
        self.moves.send_modify(|m| *m += 1);
    }

    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(millis, Ordering::SeqCst);
        self.moves.send_modify(|m| *m += 1);
    }

    /// Wakes every periodic task that has started and returns once each has finished a round
    /// that began after this call: whatever was owed and due is then carried out (or tried and
    /// failed). False if some task did not finish a round within 10 s (it stopped, or hangs).
    pub async fn settle(&self) -> bool {
        self.settle_within(Duration::from_secs(10)).await
    }

    /// [`ManualClock::settle`], giving up after `limit`.
    pub async fn settle_within(&self, limit: Duration) -> bool {
        self.moves.send_modify(|m| *m += 1);
        let moved = *self.moves.borrow();
        let mut rounds = self.rounds.subscribe();
        let settled = rounds.wait_for(|done| done.values().all(|began| *began >= moved));
        let result = tokio::time::timeout(limit, settled).await;
        matches!(result, Ok(Ok(_)))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let now = SystemClock.now();
        Timestamp(now.0.saturating_add(self.offset_ms.load(Ordering::SeqCst)))
    }

    fn moved(&self) -> Option<watch::Receiver<u64>> {
        Some(self.moves.subscribe())
    }

    fn round_done(&self, task: &'static str, generation: u64) {
        self.rounds.send_modify(|done| {
            let last = done.entry(task).or_default();
            *last = (*last).max(generation);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_jumps_ahead_by_what_it_is_told() {
        let clock = ManualClock::new();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        let after = clock.now();
        assert!(after.since(before) >= Duration::from_secs(3600));
        assert!(after.since(before) < Duration::from_secs(3660));
    }
}
