//! The sweep: at start-up and every few seconds, whatever a walkthrough still owes (because
//! the process crashed, or Discord kept refusing) is carried out. A walkthrough whose owed
//! effect keeps failing is tried again later and later, so a refused permission does not
//! turn into a stream of requests Discord counts as invalid.

use std::collections::HashMap;
use std::time::Duration;

use tracing::{info, warn};

use super::{Origin, Outlet, Walkthroughs};
use crate::conversation::Timestamp;
use crate::ids::{GuildId, ThreadId};

/// How many owing walkthroughs one sweep looks at.
const BATCH: u32 = 100;
/// The first pause after a failure; it doubles up to [`LONGEST`].
const FIRST: Duration = Duration::from_secs(2);
const LONGEST: Duration = Duration::from_secs(300);

/// When each failing walkthrough may be tried again. Holds only walkthroughs that failed,
/// and forgets each once it succeeds.
#[derive(Debug, Default)]
pub struct Backoff {
    next: HashMap<ThreadId, (Timestamp, Duration)>,
}

impl Backoff {
    fn ready(&self, thread: ThreadId, now: Timestamp) -> bool {
        self.next.get(&thread).is_none_or(|(at, _)| now >= *at)
    }

    pub(super) fn failed(&mut self, thread: ThreadId, now: Timestamp) {
        let pause = self
            .next
            .get(&thread)
            .map_or(FIRST, |(_, pause)| (*pause * 2).min(LONGEST));
        self.next.insert(thread, (now.plus(pause), pause));
    }

    pub(super) fn succeeded(&mut self, thread: ThreadId) {
        self.next.remove(&thread);
    }
}

impl Walkthroughs {
    /// Carries out what owing walkthroughs of the guilds `owns` accepts still owe; returns how
    /// many were settled.
    pub async fn sweep(&self, owns: impl Fn(GuildId) -> bool, out: &dyn Outlet) -> usize {
        let owing = match self.store.owing(BATCH).await {
            Ok(owing) => owing,
            Err(err) => {
                warn!("cannot look for walkthroughs that owe a message: {err}");
                return 0;
            }
        };
        let now = self.now();
        let mut settled = 0;
        for record in owing.into_iter().filter(|r| owns(r.guild)) {
            let thread = record.thread;
            // A turn under way settles its walkthrough itself; this one is left to it.
            let Some(_turn) = self.threads.lock(&thread, Duration::ZERO).await else {
                continue;
            };
            // Asked only now: a turn that just ended may have met a failure.
            let ready = self.retry.lock().is_ok_and(|b| b.ready(thread, now));
            if !ready {
                continue;
            }
            // The turn tells the backoff how it went.
            match self.turn_locked(thread, None, Origin::Timer, out).await {
                Ok(Some(turned)) if turned.record.owed().is_empty() => {
                    // Settled, by this turn or an earlier one whose save marked it owing
                    // from a record it had loaded before: clear the mark.
                    if let Err(err) = self.store.save_shown(&turned.record).await {
                        warn!(%thread, "cannot mark a walkthrough settled: {err}");
                    }
                    settled += 1;
                }
                Ok(_) => {}
                Err(err) => {
                    warn!(%thread, "cannot settle a walkthrough: {err}");
                    if let Ok(mut backoff) = self.retry.lock() {
                        backoff.failed(thread, now);
                    }
                }
            }
        }
        if settled > 0 {
            info!(settled, "carried out what walkthroughs still owed");
        }
        settled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_walkthrough_waits_longer_each_time_and_is_forgotten_once_it_works() {
        let thread = ThreadId::new(1).expect("an id");
        let mut backoff = Backoff::default();
        let t0 = Timestamp(1_000_000);
        assert!(backoff.ready(thread, t0));
        backoff.failed(thread, t0);
        assert!(!backoff.ready(thread, t0.plus(Duration::from_secs(1))));
        assert!(backoff.ready(thread, t0.plus(FIRST)));
        backoff.failed(thread, t0);
        assert!(!backoff.ready(thread, t0.plus(FIRST)));
        assert!(backoff.ready(thread, t0.plus(FIRST * 2)));
        for _ in 0..20 {
            backoff.failed(thread, t0);
        }
        assert!(backoff.ready(thread, t0.plus(LONGEST)), "capped");
        backoff.succeeded(thread);
        assert!(backoff.next.is_empty());
    }
}
