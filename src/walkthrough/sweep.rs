//! The sweep: at start-up and every few seconds, whatever a walkthrough still owes (because
//! the process crashed, or Discord kept refusing) is carried out. A walkthrough whose owed
//! effect keeps failing is tried again later and later: soon after a passing failure (a
//! rate limit, a server error), so the person waits seconds; up to minutes after a refusal,
//! which lasts until someone grants a permission and counts against Discord's
//! invalid-request limit each time.

use std::collections::HashMap;
use std::time::Duration;

use tracing::{info, warn};

use super::{Origin, Outlet, Walkthroughs};
use crate::config::ShardRange;
use crate::conversation::Timestamp;
use crate::ids::ThreadId;

/// How many owing walkthroughs one sweep looks at.
const BATCH: u32 = 100;
/// The first pause after a failure; it doubles up to the longest for its kind.
const FIRST: Duration = Duration::from_secs(2);
/// The longest pause after a passing failure (429, 5xx, the network, the database).
const LONGEST_PASSING: Duration = Duration::from_secs(8);
/// The longest pause after a refusal (403).
const LONGEST: Duration = Duration::from_secs(300);

/// The pause before each failing walkthrough's next try. Holds only walkthroughs that
/// failed, and forgets each once it succeeds; when the next try falls due is stored with
/// the walkthrough, so the sweep asks the store only for those it may try.
#[derive(Debug, Default)]
pub struct Backoff {
    next: HashMap<ThreadId, (Timestamp, Duration)>,
}

impl Backoff {
    /// Whether `thread` may be tried at `now`: it has not failed, or its pause is over.
    fn ready(&self, thread: ThreadId, now: Timestamp) -> bool {
        self.next.get(&thread).is_none_or(|(at, _)| now >= *at)
    }

    /// Notes a failure at `now`; returns when to try again.
    pub(super) fn failed(&mut self, thread: ThreadId, now: Timestamp, refused: bool) -> Timestamp {
        let longest = if refused { LONGEST } else { LONGEST_PASSING };
        let pause = self
            .next
            .get(&thread)
            .map_or(FIRST, |(_, pause)| (*pause * 2).min(longest));
        let at = now.plus(pause);
        self.next.insert(thread, (at, pause));
        at
    }

    /// Forgets `thread`'s failures; `true` if it had any.
    pub(super) fn succeeded(&mut self, thread: ThreadId) -> bool {
        self.next.remove(&thread).is_some()
    }
}

impl Walkthroughs {
    /// Carries out what the owing walkthroughs of the guilds of `shards` still owe; returns
    /// how many were settled.
    pub async fn sweep(&self, shards: Option<ShardRange>, out: &dyn Outlet) -> usize {
        self.flush_transcripts().await;
        let now = self.now();
        let owing = match self.store.owing(now, shards, BATCH).await {
            Ok(owing) => owing,
            Err(err) => {
                warn!("cannot look for walkthroughs that owe a message: {err}");
                return 0;
            }
        };
        let mut settled = 0;
        for record in owing {
            let thread = record.thread;
            // A turn under way settles its walkthrough itself; this one is left to it.
            let Some(_turn) = self.threads.lock(&thread, Duration::ZERO).await else {
                continue;
            };
            // A turn that failed while this sweep read the store has put the next try off
            // since (the store may not show it yet): it waits its pause.
            if self.retry.lock().is_ok_and(|b| !b.ready(thread, now)) {
                continue;
            }
            // The turn tells the backoff how it went.
            match self
                .turn_locked(thread, None, Origin::Timer, None, out)
                .await
            {
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
                    let at = self
                        .retry
                        .lock()
                        .ok()
                        .map(|mut b| b.failed(thread, now, false));
                    if let Some(at) = at {
                        if let Err(err) = self.store.retry_at(thread, at).await {
                            warn!(%thread, "cannot put off the next try: {err}");
                        }
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
        backoff.failed(thread, t0, true);
        assert!(!backoff.ready(thread, t0.plus(Duration::from_secs(1))));
        assert!(backoff.ready(thread, t0.plus(FIRST)));
        backoff.failed(thread, t0, true);
        assert!(!backoff.ready(thread, t0.plus(FIRST)));
        assert!(backoff.ready(thread, t0.plus(FIRST * 2)));
        for _ in 0..20 {
            backoff.failed(thread, t0, true);
        }
        assert!(!backoff.ready(thread, t0.plus(LONGEST_PASSING * 2)));
        assert!(backoff.ready(thread, t0.plus(LONGEST)), "capped");
        // A passing failure is tried again within seconds, however often it came.
        let other = ThreadId::new(2).expect("an id");
        for _ in 0..20 {
            backoff.failed(other, t0, false);
        }
        assert!(backoff.ready(other, t0.plus(LONGEST_PASSING)));
        backoff.succeeded(other);
        backoff.succeeded(thread);
        assert!(backoff.next.is_empty(), "forgotten once they work");
    }
}
