//! The retention purge in the running bot: on the injected clock, beside the sweep.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::Http;
use tracing::{info, warn};

use super::forget::Why;
use super::state::Bot;
use crate::clock::Clock;
use crate::ticker::Ticker;

/// How often, at most, the purge looks for ended walkthroughs past `retention`: at start-up,
/// then this often (an eighth of the retention when that is shorter). One indexed query when
/// none is.
const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Erases what is personal about walkthroughs that ended more than `retention` ago, in
/// short batches (see [`crate::walkthrough::PURGE_BATCH`]); processes sharing one database
/// leave that to the one serving shard 0. Every process also stops transcribing case
/// threads whose walkthrough another process erased (`forget` on the command line).
pub(super) async fn purger(
    bot: Arc<Bot>,
    http: Arc<Http>,
    clock: Arc<dyn Clock>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let first = bot.config.discord.shards.is_none_or(|r| r.first == 0);
    let retention = bot.config.retention.filter(|_| first).map(|r| r.0);
    let every = retention.map_or(PURGE_EVERY, |r| {
        (r / 8).clamp(Duration::from_millis(100), PURGE_EVERY)
    });
    let ticker = Ticker::new("purge", every, clock);
    ticker
        .run(stop, || async {
            let walkthroughs = &bot.walkthroughs;
            if let Some(retention) = retention {
                match walkthroughs.purge(retention).await {
                    Ok(erased) if !erased.is_empty() => {
                        info!(
                            walkthroughs = erased.walkthroughs,
                            lines = erased.lines,
                            comments = erased.comments,
                            cards = erased.cards.len(),
                            "ended walkthroughs past the retention period were erased"
                        );
                        // Their staff cards show the name and the answers: they go too.
                        let cards = &erased.cards;
                        super::forget::edit_cards(&bot, &http, cards, Why::Expired).await;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        warn!("the retention purge failed, and is tried again later: {err}")
                    }
                }
            }
            if let Err(err) = walkthroughs.drop_erased_cases().await {
                warn!("cannot check the case threads for erased walkthroughs: {err}");
            }
        })
        .await;
}
