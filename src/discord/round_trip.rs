//! How long Discord takes to answer, as this bot sees it, and what that leaves a click for
//! saving its answer before it must be acknowledged.
//!
//! A click's response must reach Discord within 3 s. The response that carries the next
//! step waits for the answer to be saved, then takes one round trip itself; so the wait for
//! the save may only be what the round trip leaves. Every request through the gate is timed
//! ([`RoundTrip::record`]) and the estimate is a recent high one: it rises at once with a
//! slow answer and sinks by an eighth with each quicker one, so a Discord that slows down
//! shrinks the budget within one request, and a short spike is forgotten within a few dozen.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Discord's deadline for a click's first response.
pub const DEADLINE: Duration = Duration::from_secs(3);

/// Kept back from the deadline besides the round trip: the time between Discord sending
/// the click and the bot starting on it, and the gate's queue in front of the response.
pub const MARGIN: Duration = Duration::from_millis(500);

/// The longest a click waits for its save, however quick Discord is: a database answering
/// within 1.5 s is already unwell, and waiting longer only delays the acknowledgement.
pub const SAVE_BUDGET: Duration = Duration::from_millis(1500);

/// How long a click may wait for its answer to be saved when Discord's round trip is
/// `round_trip`: what is left of the deadline after the round trip and the margin, at most
/// [`SAVE_BUDGET`]; zero (acknowledge first, post the step after) when nothing is left.
pub fn save_budget(round_trip: Duration) -> Duration {
    DEADLINE
        .saturating_sub(MARGIN + round_trip)
        .min(SAVE_BUDGET)
}

/// A recent high estimate of Discord's round trip (see the module's doc), and of its
/// distance: the round trip of requests that queued behind none of the bot's own (see
/// [`super::gate`]).
#[derive(Debug, Default)]
pub struct RoundTrip {
    micros: AtomicU64,
    distance_micros: AtomicU64,
}

/// Rises at once with a slower `took`, and sinks by an eighth with each quicker one.
fn recent_high(estimate: &AtomicU64, took: Duration) {
    let took = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    let _ = estimate.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
        Some(took.max(old - old / 8))
    });
}

impl RoundTrip {
    /// Notes that a request took `took`, from being sent to its answer.
    pub fn record(&self, took: Duration) {
        recent_high(&self.micros, took);
    }

    /// Notes that a request sent while few others were out took `took`.
    pub fn record_distance(&self, took: Duration) {
        recent_high(&self.distance_micros, took);
    }

    /// The estimate.
    pub fn recent(&self) -> Duration {
        Duration::from_micros(self.micros.load(Ordering::Relaxed))
    }

    /// The distance estimate.
    pub fn distance(&self) -> Duration {
        Duration::from_micros(self.distance_micros.load(Ordering::Relaxed))
    }

    /// [`save_budget`] for the estimate.
    pub fn save_budget(&self) -> Duration {
        save_budget(self.recent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_budget_leaves_the_round_trip_and_a_margin_inside_the_deadline() {
        assert_eq!(save_budget(Duration::ZERO), SAVE_BUDGET);
        assert_eq!(save_budget(50 * MS), SAVE_BUDGET, "a usual Discord");
        assert_eq!(save_budget(1500 * MS), 1000 * MS);
        assert_eq!(save_budget(2000 * MS), 500 * MS);
        assert_eq!(save_budget(2500 * MS), Duration::ZERO, "acknowledge first");
        assert_eq!(save_budget(10_000 * MS), Duration::ZERO);
        for rtt in [0, 50, 900, 1500, 2400, 2600, 5000] {
            let rtt = rtt * MS;
            // Waiting out the budget, then one round trip: inside the deadline whenever
            // anything could be.
            let worst = save_budget(rtt) + rtt;
            assert!(
                worst + MARGIN <= DEADLINE || save_budget(rtt).is_zero(),
                "{rtt:?}"
            );
        }
    }

    #[test]
    fn the_estimate_rises_at_once_and_sinks_slowly() {
        let trip = RoundTrip::default();
        assert_eq!(trip.recent(), Duration::ZERO);
        trip.record(50 * MS);
        assert_eq!(trip.recent(), 50 * MS);
        trip.record(1600 * MS);
        assert_eq!(trip.recent(), 1600 * MS, "one slow answer is enough");
        assert_eq!(trip.save_budget(), 900 * MS);
        trip.record(50 * MS);
        assert_eq!(
            trip.recent(),
            1400 * MS,
            "an eighth less per quicker answer"
        );
        for _ in 0..40 {
            trip.record(50 * MS);
        }
        assert!(trip.recent() < 60 * MS, "{:?}", trip.recent());
        assert_eq!(trip.save_budget(), SAVE_BUDGET);
    }
}
