//! A clean stop: new input is refused while the turns in flight finish.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// The inputs being handled, and whether new ones are still taken.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    draining: AtomicBool,
    idle: Notify,
}

/// One input being handled; it is over when this is dropped.
pub struct Entered<'a>(&'a InFlight);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl InFlight {
    /// An input starts, unless the bot is stopping: then `None`, and it is left alone (a
    /// click shows as failed and is clicked again; typed text is read by the catch-up at the
    /// next start).
    pub fn enter(&self) -> Option<Entered<'_>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        let entered = Entered(self);
        (!self.draining.load(Ordering::SeqCst)).then_some(entered)
    }

    /// Refuses new input from now on and waits, at most `limit`, for the inputs in flight to
    /// finish; how many are still running then.
    pub async fn drain(&self, limit: Duration) -> usize {
        self.draining.store(true, Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let idle = self.idle.notified();
            let running = self.count.load(Ordering::SeqCst);
            if running == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.count.load(Ordering::SeqCst);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn a_drain_waits_for_the_input_in_flight_and_refuses_new_input() {
        let in_flight = Arc::new(InFlight::default());
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let (finish_tx, finish) = tokio::sync::oneshot::channel::<()>();
        let running = in_flight.clone();
        let turn = tokio::spawn(async move {
            let _entered = running.enter();
            let _ = started_tx.send(());
            let _ = finish.await;
        });
        let _ = started.await;
        let draining = in_flight.clone();
        let drain = tokio::spawn(async move { draining.drain(Duration::from_secs(10)).await });
        tokio::task::yield_now().await;
        assert!(!drain.is_finished(), "waits for the turn");
        let _ = finish_tx.send(());
        let _ = turn.await;
        assert_eq!(drain.await.ok(), Some(0));
        assert!(in_flight.enter().is_none(), "nothing new once stopping");
    }

    #[tokio::test]
    async fn a_drain_gives_up_after_its_limit() {
        let in_flight = InFlight::default();
        let _stuck = in_flight.enter();
        assert_eq!(in_flight.drain(Duration::from_millis(50)).await, 1);
    }
}
