//! The one way to Discord's REST API: a bounded number of requests in flight, and a queue
//! in front of it ordered by how soon each request's answer is due.
//!
//! When Discord is slow, requests pile up. Without a bound each waits in flight, holding a
//! connection and its buffers, and memory grows with the burst; a click's acknowledgement then
//! waits behind hundreds of posts and misses Discord's 3 seconds. Here at most [`IN_FLIGHT`]
//! requests are out at once, and whatever waits goes in the order of its deadline:
//!
//! 1. [`Priority::Acknowledge`]: a first response to an interaction (3 s, or it fails);
//! 2. [`Priority::Waiting`]: what a person in a walkthrough is looking at the screen for
//!    (their next step, a notice, the link to their thread);
//! 3. [`Priority::Opening`]: a new walkthrough's thread, its person and first step;
//! 4. [`Priority::Later`]: the rest (marking an answered step, archiving).
//!
//! [`ACK_RESERVE`] of the places (an eighth, once there are more) are kept for
//! acknowledgements, so a flood of posts can never hold every place while a click waits.
//!
//! How many places there are follows Discord's distance (Little's law: what is in flight is
//! the rate times the round trip). The distance is the round trip of requests sent while
//! few others were out ([`CROWD`]), so a Discord that is merely far gets places for
//! [`RATE`] requests a second, and one that is slow because it is busy (its own queue
//! lengthens every round trip) does not: more places there would only lengthen the queue
//! the acknowledgements wait in.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::round_trip::RoundTrip;
use crate::timing::{self, Phase};

/// Requests to Discord in flight at once. What a bot can have in flight is its rate times
/// Discord's round trip (Little's law): 256 sustains 2,500 requests a second at 100 ms, far
/// past what Discord lets a bot send (interaction responses aside, 50 a second), so the bound
/// never slows a bot Discord would not slow; it caps memory when Discord stalls (a few
/// kilobytes a request instead of a pile that grows with the burst). 32 was measured to
/// halve the throughput of 400 people against a Discord 50 ms away that set no limit.
pub const IN_FLIGHT: usize = 256;

/// The most places, however far Discord is: a few kilobytes each (a connection, a request).
pub const IN_FLIGHT_MAX: usize = 2048;

/// What the places are sized to sustain when Discord is far: requests a second.
pub const RATE: f64 = 1000.0;

/// A round trip measures Discord's distance only if fewer requests than this were in flight
/// when it was sent: then it queued behind none of this bot's own.
pub const CROWD: usize = 32;

/// Of [`IN_FLIGHT`], the places only acknowledgements may take (an eighth of a larger limit).
pub const ACK_RESERVE: usize = 32;

/// The places for a Discord `distance` away, at least `floor`.
pub fn places_for(distance: Duration, floor: usize) -> usize {
    let sized = (distance.as_secs_f64() * RATE).min(IN_FLIGHT_MAX as f64) as usize;
    sized.max(floor)
}

/// Of `limit` places, those kept for acknowledgements.
fn reserve(limit: usize) -> usize {
    (limit / 8).max(ACK_RESERVE)
}

/// How soon a request's answer is due; the most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Acknowledge,
    Waiting,
    Opening,
    Later,
}

impl Priority {
    /// Whether a request of this priority may take a place now.
    fn fits(self, state: &State) -> bool {
        let limit = state.limit;
        match self {
            Priority::Acknowledge => state.in_flight < limit,
            Priority::Waiting | Priority::Opening | Priority::Later => {
                state.in_flight + reserve(limit) < limit
            }
        }
    }
}

struct Waiter {
    priority: Priority,
    /// Arrival order, so equal priorities go first come, first served.
    seq: u64,
    /// Told the requests in flight besides it, once it holds a place.
    wake: oneshot::Sender<usize>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        (self.priority, self.seq) == (other.priority, other.seq)
    }
}
impl Eq for Waiter {}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiter {
    /// The max-heap's top is the most urgent, earliest waiter.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.priority, other.seq).cmp(&(self.priority, self.seq))
    }
}

struct State {
    /// Requests holding a place.
    in_flight: usize,
    /// The places for Discord's distance now ([`places_for`]), never fewer than `floor`.
    limit: usize,
    floor: usize,
    seq: u64,
    waiting: BinaryHeap<Waiter>,
}

/// The gate in front of Discord's REST API; clones share it.
#[derive(Clone)]
pub struct Gate {
    state: Arc<Mutex<State>>,
    /// How long the requests it let through took.
    round_trip: Arc<RoundTrip>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::new(IN_FLIGHT)
    }
}

/// A place in flight; given to the next waiter when dropped.
pub struct Pass {
    gate: Gate,
    /// Requests in flight besides this one when it got its place.
    crowd: usize,
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.in_flight -= 1;
        hand_over(&mut state);
    }
}

/// Wakes the most urgent waiters the free places allow (skipping any that gave up). A
/// waiter woken holds its place already.
fn hand_over(state: &mut State) {
    while let Some(top) = state.waiting.peek() {
        if !top.priority.fits(state) {
            return;
        }
        let Some(waiter) = state.waiting.pop() else {
            return;
        };
        state.in_flight += 1;
        if waiter.wake.send(state.in_flight - 1).is_err() {
            // It stopped waiting: the place is free again.
            state.in_flight -= 1;
        }
    }
}

/// How a request came to the gate: straight in (with the requests in flight besides it), or
/// into the queue.
enum Entry {
    In(usize),
    Queued(oneshot::Receiver<usize>),
}

/// A request waiting in the queue. Dropped before it passed (the request was given up), a
/// place it was handed meanwhile goes to the next.
struct Queued<'a> {
    woken: oneshot::Receiver<usize>,
    gate: &'a Gate,
    passed: bool,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if !self.passed && self.woken.try_recv().is_ok() {
            let mut state = self.gate.lock();
            state.in_flight -= 1;
            hand_over(&mut state);
        }
    }
}

impl Gate {
    /// A gate with at least `places` places (more when Discord is far).
    pub fn new(places: usize) -> Gate {
        let floor = places.max(ACK_RESERVE + 1);
        Gate {
            state: Arc::new(Mutex::new(State {
                in_flight: 0,
                limit: floor,
                floor,
                seq: 0,
                waiting: BinaryHeap::new(),
            })),
            round_trip: Arc::new(RoundTrip::default()),
        }
    }

    /// Discord's recent round trip, as the requests through this gate saw it.
    pub fn round_trip(&self) -> &RoundTrip {
        &self.round_trip
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Waits for a place for a request of `priority`.
    pub async fn pass(&self, priority: Priority) -> Pass {
        let wait = {
            let mut state = self.lock();
            // Straight in if nobody more urgent (or earlier) waits and there is room.
            let ahead = state
                .waiting
                .peek()
                .is_some_and(|top| top.priority <= priority);
            if !ahead && priority.fits(&state) {
                state.in_flight += 1;
                Entry::In(state.in_flight - 1)
            } else {
                let (wake, woken) = oneshot::channel();
                state.seq += 1;
                let seq = state.seq;
                state.waiting.push(Waiter {
                    priority,
                    seq,
                    wake,
                });
                Entry::Queued(woken)
            }
        };
        let crowd = match wait {
            Entry::In(crowd) => crowd,
            Entry::Queued(woken) => {
                let mut queued = Queued {
                    woken,
                    gate: self,
                    passed: false,
                };
                // The sender is dropped only with the gate, which outlives every request.
                let crowd = (&mut queued.woken).await.unwrap_or(usize::MAX);
                queued.passed = true;
                crowd
            }
        };
        Pass {
            gate: self.clone(),
            crowd,
        }
    }

    /// Runs `request` once it has a place, and times it.
    ///
    /// The request is boxed at once, before anything waits. A future passed by value into
    /// an `async fn` is held twice (its argument, then the awaited copy), and a serenity
    /// request future is kilobytes, so thousands of requests waiting for a place would hold
    /// several copies each.
    pub fn run<'g, T, F>(
        &'g self,
        priority: Priority,
        request: F,
    ) -> impl Future<Output = T> + use<'g, T, F>
    where
        F: Future<Output = T>,
    {
        let request = Box::pin(request);
        async move {
            let pass = timing::phase(Phase::Gate, self.pass(priority)).await;
            self.send(pass, priority, request).await
        }
    }

    /// Runs `request` if it gets a place within `patience`; `None` (not sent) if it did not:
    /// for what may be left undone when every place has been busy that long with what
    /// people wait for.
    pub fn run_within<'g, T, F>(
        &'g self,
        priority: Priority,
        patience: Duration,
        request: F,
    ) -> impl Future<Output = Option<T>> + use<'g, T, F>
    where
        F: Future<Output = T>,
    {
        let request = Box::pin(request);
        async move {
            let waited = tokio::time::timeout(patience, self.pass(priority));
            let pass = timing::phase(Phase::Gate, waited).await.ok()?;
            Some(self.send(pass, priority, request).await)
        }
    }

    async fn send<T>(&self, pass: Pass, priority: Priority, request: impl Future<Output = T>) -> T {
        if priority == Priority::Acknowledge {
            timing::responding();
        }
        let sent = Instant::now();
        let answer = request.await;
        let took = sent.elapsed();
        self.round_trip.record(took);
        if pass.crowd < CROWD {
            self.round_trip.record_distance(took);
            let mut state = self.lock();
            let limit = places_for(self.round_trip.distance(), state.floor);
            if state.limit != limit {
                state.limit = limit;
                hand_over(&mut state);
            }
        }
        timing::add(Phase::Request, took);
        answer
    }

    /// The places there are now.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Requests waiting for a place.
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_most_the_places_are_in_flight_and_the_most_urgent_goes_first() {
        let gate = Gate::new(ACK_RESERVE + 2);
        // Two ordinary requests take the two ordinary places.
        let held: Vec<Pass> = vec![
            gate.pass(Priority::Later).await,
            gate.pass(Priority::Waiting).await,
        ];
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [
            ("later", Priority::Later),
            ("waiting", Priority::Waiting),
            ("later 2", Priority::Later),
        ] {
            let (gate, order) = (gate.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _pass = gate.pass(priority).await;
                if let Ok(mut order) = order.lock() {
                    order.push(name);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(gate.waiting(), 3, "no ordinary place is left");
        // An acknowledgement still gets in at once, on the reserve.
        let ack = tokio::time::timeout(Duration::from_secs(1), gate.pass(Priority::Acknowledge));
        assert!(
            ack.await.is_ok(),
            "an acknowledgement never waits for posts"
        );
        drop(held);
        for task in tasks {
            let _ = task.await;
        }
        let order = order.lock().map(|o| o.clone()).unwrap_or_default();
        assert_eq!(order, ["waiting", "later", "later 2"]);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_keep_its_place() {
        let gate = Gate::new(ACK_RESERVE + 1);
        let held = gate.pass(Priority::Later).await;
        let gave_up =
            tokio::time::timeout(Duration::from_millis(20), gate.pass(Priority::Later)).await;
        assert!(gave_up.is_err(), "it had to wait");
        drop(held);
        let next = tokio::time::timeout(Duration::from_secs(1), gate.pass(Priority::Later));
        assert!(
            next.await.is_ok(),
            "the place went to the next, not the one that left"
        );
    }

    #[tokio::test]
    async fn a_request_that_gets_no_place_within_its_patience_is_not_sent() {
        let gate = Gate::new(ACK_RESERVE + 1);
        let sent = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let request = |sent: Arc<std::sync::atomic::AtomicBool>| async move {
            sent.store(true, std::sync::atomic::Ordering::SeqCst);
        };
        let held = gate.pass(Priority::Waiting).await;
        let patience = Duration::from_millis(20);
        let given_up = gate.run_within(Priority::Later, patience, request(sent.clone()));
        assert!(given_up.await.is_none(), "every ordinary place was taken");
        assert!(!sent.load(std::sync::atomic::Ordering::SeqCst));
        drop(held);
        let done = gate.run_within(Priority::Later, patience, request(sent.clone()));
        assert!(done.await.is_some(), "a free place is taken at once");
        assert!(sent.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_far_discord_gets_places_for_its_distance_a_busy_one_does_not() {
        let gate = Gate::new(100);
        let slow = || tokio::time::sleep(Duration::from_millis(150));
        // Forty requests out: a slow answer now may be the bot's own queue at Discord.
        let mut held = Vec::new();
        for _ in 0..40 {
            held.push(gate.pass(Priority::Later).await);
        }
        gate.run(Priority::Acknowledge, slow()).await;
        assert_eq!(gate.limit(), 100, "a crowded round trip is no distance");
        drop(held);
        // Alone, it is Discord's distance: 150 ms holds 150 requests at RATE a second.
        gate.run(Priority::Waiting, slow()).await;
        assert!(gate.limit() >= 150, "{} places", gate.limit());
        assert!(gate.limit() <= IN_FLIGHT_MAX);
    }

    #[test]
    fn the_places_follow_the_distance_between_the_floor_and_the_most() {
        let ms = Duration::from_millis;
        assert_eq!(places_for(ms(50), IN_FLIGHT), IN_FLIGHT, "near: the floor");
        assert_eq!(places_for(ms(1500), IN_FLIGHT), 1500);
        assert_eq!(
            places_for(Duration::from_secs(60), IN_FLIGHT),
            IN_FLIGHT_MAX
        );
        assert_eq!(reserve(1500), 187, "an eighth kept for acknowledgements");
        assert_eq!(reserve(IN_FLIGHT), ACK_RESERVE);
    }
}
