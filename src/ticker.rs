//! Periodic work (the sweep, the idle check) on the injected clock: a round every `every`,
//! and at once when a test moves a [`crate::clock::ManualClock`], which can then wait for the
//! round to finish instead of sleeping past the next tick.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;

pub struct Ticker {
    name: &'static str,
    every: Duration,
    clock: Arc<dyn Clock>,
}

impl Ticker {
    /// `name` is what the clock is told when a round is over.
    pub fn new(name: &'static str, every: Duration, clock: Arc<dyn Clock>) -> Ticker {
        Ticker { name, every, clock }
    }

    /// Runs `round` at once, then every `every` or when the clock is moved, until `stop` turns
    /// true (or its sender is gone). A round is never cut short by the stop.
    pub async fn run<F, Fut>(self, mut stop: watch::Receiver<bool>, mut round: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut interval = tokio::time::interval(self.every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut moved = self.clock.moved();
        // Known to whoever waits for rounds from the start, before the first one is over.
        self.clock.round_done(self.name, 0);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                Some(()) = changed(&mut moved) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            let began = moved.as_mut().map_or(0, |m| *m.borrow_and_update());
            let (at, started) = (std::time::SystemTime::now(), std::time::Instant::now());
            round().await;
            crate::timing::round(self.name, at, started.elapsed());
            self.clock.round_done(self.name, began);
            tracing::trace!(task = self.name, "round done");
        }
    }
}

/// Completes when the clock is moved; never for a clock that cannot be.
async fn changed(moved: &mut Option<watch::Receiver<u64>>) -> Option<()> {
    match moved {
        Some(m) => match m.changed().await {
            Ok(()) => Some(()),
            // The clock is gone: only the interval is left.
            Err(_) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn a_moved_clock_runs_a_round_at_once_and_settle_waits_for_it() {
        let clock = ManualClock::new();
        let rounds = Arc::new(AtomicUsize::new(0));
        let (stop_tx, stop) = watch::channel(false);
        let counted = rounds.clone();
        let ticker = Ticker::new("test", Duration::from_secs(3600), Arc::new(clock.clone()));
        let task = tokio::spawn(ticker.run(stop, move || {
            let counted = counted.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }));
        // The first round runs at start.
        for _ in 0..500 {
            if rounds.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let first = rounds.load(Ordering::SeqCst);
        assert_eq!(first, 1);
        // Settling waits for one more, begun after the call, long before the hour is up.
        assert!(clock.settle().await);
        assert_eq!(rounds.load(Ordering::SeqCst), 2);
        // Moving the clock runs one too.
        clock.advance(Duration::from_secs(1));
        assert!(clock.settle().await);
        assert!(rounds.load(Ordering::SeqCst) >= 3);
        let _ = stop_tx.send(true);
        assert!(tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_stopped_ticker_is_reported_by_settle_instead_of_waiting_for_ever() {
        let clock = ManualClock::new();
        let (stop_tx, stop) = watch::channel(false);
        let ticker = Ticker::new("test", Duration::from_secs(3600), Arc::new(clock.clone()));
        let task = tokio::spawn(ticker.run(stop, || async {}));
        assert!(clock.settle().await);
        let _ = stop_tx.send(true);
        let _ = task.await;
        assert!(!clock.settle_within(Duration::from_millis(200)).await);
    }
}
