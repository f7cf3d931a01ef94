//! The retention purge in the running bot: on the injected clock, beside the sweep.

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::state::Bot;
use crate::clock::Clock;
use crate::ticker::Ticker;

/// How often, at most, the purge looks for ended walkthroughs past `retention`: at start-up,
/// then this often (an eighth of the retention when that is shorter). One indexed query when
/// none is.
const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Erases what is personal about walkthroughs that ended more than `retention` ago, in
/// short batches (see [`crate::walkthrough::PURGE_BATCH`]). Processes sharing one database
/// leave it to the one serving shard 0.
pub(super) async fn purger(
    bot: Arc<Bot>,
    clock: Arc<dyn Clock>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(retention) = bot.config.retention.map(|r| r.0) else {
        return;
    };
    if bot.config.discord.shards.is_some_and(|r| r.first != 0) {
        return;
    }
    let every = (retention / 8).clamp(Duration::from_millis(100), PURGE_EVERY);
    let ticker = Ticker::new("purge", every, clock);
    ticker
        .run(stop, || async {
            match bot.walkthroughs.purge(retention).await {
                Ok(erased) if !erased.is_empty() => info!(
                    walkthroughs = erased.walkthroughs,
                    lines = erased.lines,
                    comments = erased.comments,
                    "ended walkthroughs past the retention period were erased"
                ),
                Ok(_) => {}
                Err(err) => warn!("the retention purge failed, and is tried again later: {err}"),
            }
        })
        .await;
}
