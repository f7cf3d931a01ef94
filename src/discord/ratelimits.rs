//! Serenity's REST rate limiter keeps one bucket per route and channel, and never forgets one.
//! A bot that opens a thread for every walkthrough would hold a few buckets more for every
//! thread it ever opened; this forgets the ones that no longer limit anything.

use std::sync::Arc;
use std::time::SystemTime;

use serenity::http::Ratelimiter;

/// Removes the buckets that no request is using and whose rate-limit window (if Discord set
/// one) has passed; returns how many. A forgotten bucket is made again, empty, by the next
/// request on its route, which is what serenity does for a route it has not seen.
pub async fn forget_idle_buckets(ratelimiter: &Ratelimiter, now: SystemTime) -> usize {
    let routes = ratelimiter.routes();
    // Holding the map's write lock, nobody can take a new handle to a bucket meanwhile.
    let mut routes = routes.write().await;
    let before = routes.len();
    routes.retain(|_, bucket| {
        if Arc::strong_count(bucket) > 1 {
            return true; // a request holds it
        }
        match bucket.try_lock() {
            Ok(limit) => limit.reset().is_some_and(|reset| reset > now),
            Err(_) => true,
        }
    });
    routes.shrink_to_fit();
    before - routes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::{ChannelId, HttpBuilder};
    use serenity::http::Route;

    #[tokio::test]
    async fn idle_buckets_are_forgotten_and_those_in_use_kept() {
        let http = HttpBuilder::new("token").build();
        let Some(ratelimiter) = http.ratelimiter.as_ref() else {
            panic!("Discord's own API is rate limited by serenity");
        };
        let bucket = |channel: u64| {
            Route::ChannelMessages {
                channel_id: ChannelId::new(channel),
            }
            .ratelimiting_bucket()
        };
        let routes = ratelimiter.routes();
        let in_use = {
            let mut map = routes.write().await;
            for channel in 1..=100 {
                map.entry(bucket(channel)).or_default();
            }
            Arc::clone(map.entry(bucket(7)).or_default())
        };

        let forgotten = forget_idle_buckets(ratelimiter, SystemTime::now()).await;

        assert_eq!(forgotten, 99);
        let map = routes.read().await;
        assert_eq!(map.len(), 1);
        assert!(map.contains_key(&bucket(7)), "the bucket in use stays");
        drop(in_use);
    }
}
