//! Running the bot: the serenity client, the idle ticker, and a clean shutdown.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, Http, HttpBuilder};
use serenity::gateway::GatewayError;
use tracing::{debug, error, info, warn};

use super::effects::{plan, Origin};
use super::handler::Handler;
use super::sessions::{Sessions, LOCK_WAIT};
use crate::config::{Config, Token};
use crate::conversation::{Engine, IdlePolicy, Input, Timestamp};
use crate::script::Script;
use crate::store::{SessionStore, StoreError};

/// What every handler shares: the config, the scripts and the open walkthroughs.
pub struct Bot {
    pub config: Config,
    scripts: Vec<Script>,
    idle: IdlePolicy,
    pub sessions: Sessions,
    /// Threads known to be archived (from our own edits and THREAD_UPDATE events).
    archived: Mutex<HashSet<ChannelId>>,
    /// False once Discord refused the Message Content intent: buttons only.
    pub typed_answers: AtomicBool,
}

impl Bot {
    /// `scripts` must not be empty (`load_dir` never returns an empty list).
    pub fn new(config: Config, scripts: Vec<Script>, store: Arc<dyn SessionStore>) -> Bot {
        let idle = IdlePolicy {
            warn_after: config.idle_warning.0,
            close_after: config.idle_close.0,
        };
        Bot {
            config,
            scripts,
            idle,
            sessions: Sessions::new(store),
            archived: Mutex::new(HashSet::new()),
            typed_answers: AtomicBool::new(true),
        }
    }

    /// The script for a Discord locale ("en-US" → "en"), else the configured default.
    pub fn script(&self, locale: &str) -> &Script {
        let language = locale.split('-').next().unwrap_or(locale);
        let find = |l: &str| self.scripts.iter().find(|s| s.locale == l);
        find(locale)
            .or_else(|| find(language))
            .or_else(|| find(&self.config.default_locale))
            .unwrap_or(&self.scripts[0])
    }

    pub fn engine(&self, locale: &str) -> Engine<'_> {
        Engine::new(self.script(locale), self.idle)
    }

    pub fn is_archived(&self, thread: ChannelId) -> bool {
        self.archived.lock().is_ok_and(|set| set.contains(&thread))
    }

    pub fn set_archived(&self, thread: ChannelId, archived: bool) {
        if let Ok(mut set) = self.archived.lock() {
            if archived {
                set.insert(thread);
            } else {
                set.remove(&thread);
            }
        }
    }
}

/// Milliseconds since the epoch: the one place the bot reads the clock.
pub fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp(millis)
}

fn http(config: &Config, token: &Token) -> Http {
    let mut builder = HttpBuilder::new(token.expose());
    if let Some(url) = &config.discord.api_url {
        // Serenity's rate limiter always talks to discord.com; a proxy needs it off.
        builder = builder
            .proxy(url.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}

/// Runs the bot until `shutdown` completes (or the gateway fails for good).
pub async fn run(
    config: Config,
    token: Token,
    scripts: Vec<Script>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    tokio::select! {
        result = serve(config, token, scripts, stop_rx.clone()) => result,
        () = grace_after(stop_rx) => {
            // Serenity only stops shards that are connected: while Discord is out of reach a
            // shard waiting to reconnect keeps the client running for ever, and connecting
            // (to the store or the gateway) has no deadline of its own.
            warn!(
                "the gateway did not close within {}s of the shutdown request \
                 (is Discord reachable?); exiting anyway",
                SHUTDOWN_GRACE.as_secs()
            );
            Ok(())
        }
    }
}

/// Connects and serves until `stop` turns true, reconnecting once without the Message
/// Content intent if Discord refuses it.
async fn serve(
    config: Config,
    token: Token,
    scripts: Vec<Script>,
    stop_rx: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let store = crate::store::open(&config.storage).await?;
    info!(storage = ?config.storage, "walkthroughs are stored");
    let bot = Arc::new(Bot::new(config, scripts, store));
    let mut intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    let mut first_try = true;
    loop {
        let handler = Handler::new(bot.clone());
        let mut client = ClientBuilder::new_with_http(http(&bot.config, &token), intents)
            .event_handler(handler)
            .await?;
        let ticker = tokio::spawn(idle_ticker(
            bot.clone(),
            client.http.clone(),
            stop_rx.clone(),
        ));
        let shards = client.shard_manager.clone();
        let mut stop = stop_rx.clone();
        let stopper = tokio::spawn(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
            info!("shutting down: closing the gateway");
            shards.shutdown_all().await;
        });
        if first_try {
            info!(intents = ?intents, "connecting to Discord");
            first_try = false;
        }
        let result = match bot.config.discord.shards {
            // Serenity's range end is inclusive: 4..7 starts shards 4, 5, 6 and 7.
            Some(r) => {
                let last = r.first + r.count.max(1) - 1;
                client.start_shard_range(r.first..last, r.total).await
            }
            None => client.start().await,
        };
        ticker.abort();
        stopper.abort();
        match result {
            Err(serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents))
                if intents.contains(GatewayIntents::MESSAGE_CONTENT) =>
            {
                warn!(
                    "Discord refused the Message Content intent. To let people type their \
                     answers, enable it in the Developer Portal: your application → Bot → \
                     Privileged Gateway Intents → Message Content Intent. Carrying on with \
                     buttons only."
                );
                intents.remove(GatewayIntents::MESSAGE_CONTENT);
                bot.typed_answers.store(false, Ordering::Relaxed);
            }
            Err(err) => {
                error!("the gateway stopped: {err}");
                return Err(err.into());
            }
            Ok(()) => {
                info!("gateway closed cleanly; bye");
                return Ok(());
            }
        }
    }
}

/// How long a shutdown may wait for the gateway to close before the bot exits anyway; within
/// the 5 s an operator's SIGTERM is promised. Connected shards close in milliseconds, one after
/// another; a process running many shards may reach this and leave the last ones to time out
/// on Discord's side, which loses nothing: walkthroughs are in the store.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Completes `SHUTDOWN_GRACE` after a shutdown is requested.
async fn grace_after(mut stop: tokio::sync::watch::Receiver<bool>) {
    if stop.wait_for(|stopped| *stopped).await.is_err() {
        // The sender is gone without a request: never give up on the gateway.
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(SHUTDOWN_GRACE).await;
}

/// How often the idle ticker forgets rate-limit buckets no longer in use.
const FORGET_BUCKETS_EVERY: Duration = Duration::from_secs(600);

/// Checks the store for walkthroughs due an idle warning or close, a few times per warning
/// span. Due times are stored, so after a restart they are picked up where they were.
async fn idle_ticker(bot: Arc<Bot>, http: Arc<Http>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every =
        (bot.idle.warn_after / 8).clamp(Duration::from_millis(100), Duration::from_secs(30));
    let mut interval = tokio::time::interval(every);
    let mut buckets_checked = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        if buckets_checked.elapsed() >= FORGET_BUCKETS_EVERY {
            buckets_checked = tokio::time::Instant::now();
            if let Some(ratelimiter) = &http.ratelimiter {
                let forgotten =
                    super::ratelimits::forget_idle_buckets(ratelimiter, SystemTime::now()).await;
                debug!(forgotten, "rate-limit buckets of quiet routes forgotten");
            }
        }
        let due = match bot.sessions.store.due(now(), 100).await {
            Ok(due) => due,
            Err(err) => {
                warn!("cannot look for idle walkthroughs: {err}");
                continue;
            }
        };
        let shards = bot.config.discord.shards;
        // Other processes tick the guilds of their own shards.
        for record in due
            .into_iter()
            .filter(|r| shards.is_none_or(|s| s.owns(r.guild)))
        {
            let _turn = bot.sessions.lock(record.thread, LOCK_WAIT).await;
            let applied = bot
                .sessions
                .apply(record.thread, Input::Tick, now(), |l| bot.engine(l))
                .await;
            match applied {
                Ok(Some(applied)) => {
                    let effects = plan(&applied.reply, Origin::Timer, None);
                    info!(thread = record.thread, reply = ?applied.reply, "idle");
                    super::act::carry_out(&bot, &http, &applied.record, effects, None).await;
                    bot.sessions.record(&applied.events).await;
                }
                // Someone answered meanwhile: nothing is idle any more.
                Ok(None) | Err(StoreError::Conflict) => {}
                Err(err) => warn!(thread = record.thread, "idle check failed: {err}"),
            }
        }
    }
}
