//! Running the bot: the serenity client, the idle ticker, and a clean shutdown.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serenity::all::{
    ClientBuilder, ConnectionStage, GatewayIntents, Http, HttpBuilder, ShardManager,
};
use serenity::gateway::GatewayError;
use tracing::{debug, error, info, warn};

use super::act::DiscordOutlet;
use super::handler::Handler;
use super::state::Bot;
use crate::clock::Clock;
use crate::config::{Config, Token};
use crate::conversation::Input;
use crate::script::Script;
use crate::ticker::Ticker;
use crate::walkthrough::Origin;

/// The REST client for `config`: Discord itself, or the `api_url` proxy.
pub fn http(config: &Config, token: &Token) -> Http {
    let mut builder = HttpBuilder::new(token.expose());
    if let Some(url) = &config.discord.api_url {
        // Serenity's rate limiter always talks to discord.com; a proxy needs it off.
        builder = builder
            .proxy(url.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}

/// Runs the bot until `shutdown` completes (or the gateway fails for good). Each message on
/// `reload` (SIGHUP, from the command line) re-reads the scripts folder.
pub async fn run(
    config: Config,
    token: Token,
    scripts: Vec<Script>,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    reload: tokio::sync::mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    tokio::select! {
        result = serve(config, token, scripts, clock, stop_rx.clone(), reload) => result,
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

/// The bot on its store, with what the store says is open and in service.
async fn start_up(
    config: Config,
    scripts: Vec<Script>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Bot> {
    let store = crate::store::open(&config.storage).await?;
    info!(storage = ?config.storage, "walkthroughs are stored");
    let bot = Bot::new(config, scripts, store, clock);
    let open = bot.walkthroughs.load_open_threads().await?;
    bot.walkthroughs.keep_current_scripts().await?;
    let on_older = bot.walkthroughs.on_older_versions().await?;
    info!(open, on_older_versions = on_older, "open walkthroughs");
    Ok(bot)
}

/// The operators' endpoint, if `http.listen` asks for it; stops when dropped.
async fn serve_ops(bot: &Bot, shards: &Arc<ShardsUp>) -> anyhow::Result<Option<AbortOnDrop>> {
    let Some(listen) = bot.config.http.listen else {
        return Ok(None);
    };
    let ops = crate::ops::Ops {
        metrics: bot.walkthroughs.metrics.clone(),
        store: bot.ops_store.clone(),
        gateway: shards.clone(),
    };
    let (addr, serve) = crate::ops::bind(listen.0, ops).await?;
    info!(%addr, "serving /metrics, /healthz and /readyz");
    Ok(Some(AbortOnDrop(tokio::spawn(serve))))
}

/// Connects and serves until `stop` turns true, reconnecting once without the Message
/// Content intent if Discord refuses it.
async fn serve(
    config: Config,
    token: Token,
    scripts: Vec<Script>,
    clock: Arc<dyn Clock>,
    stop_rx: tokio::sync::watch::Receiver<bool>,
    reload: tokio::sync::mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    let bot = Arc::new(start_up(config, scripts, clock.clone()).await?);
    let _reloader = AbortOnDrop(tokio::spawn(reloader(bot.clone(), reload)));
    let shards = Arc::new(ShardsUp {
        manager: std::sync::Mutex::new(None),
        expected: bot.config.discord.shards.map_or(1, |r| r.count),
    });
    let _ops = serve_ops(&bot, &shards).await?;
    let mut intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    let mut first_try = true;
    loop {
        let handler = Handler::new(bot.clone());
        let mut client = ClientBuilder::new_with_http(http(&bot.config, &token), intents)
            .event_handler(handler)
            .await?;
        let periodic = Periodic::start(&bot, &client.http, &clock, &stop_rx);
        if let Ok(mut manager) = shards.manager.lock() {
            *manager = Some(client.shard_manager.clone());
        }
        let stopper = tokio::spawn(stop_cleanly(
            bot.clone(),
            client.http.clone(),
            client.shard_manager.clone(),
            stop_rx.clone(),
        ));
        if first_try {
            info!(intents = ?intents, "connecting to Discord");
            first_try = false;
        }
        let result = match bot.config.discord.shards {
            // Serenity's range end is inclusive: 4..7 starts shards 4, 5, 6 and 7.
            Some(r) => {
                let last = r.first + r.count.saturating_sub(1);
                client.start_shard_range(r.first..last, r.total).await
            }
            None => client.start().await,
        };
        drop(periodic);
        stopper.abort();
        // What the transcripts gathered since the last sweep.
        bot.walkthroughs.flush_transcripts().await;
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

/// Re-reads the scripts on each message: validated first; on any problem the scripts in
/// service stay, and every problem is logged with its file and line.
async fn reloader(bot: Arc<Bot>, mut reload: tokio::sync::mpsc::Receiver<()>) {
    while reload.recv().await.is_some() {
        let dir = &bot.config.responses;
        let scripts = match crate::script::load_dir(dir, &bot.config.default_locale) {
            Ok(scripts) => scripts,
            Err(crate::script::LoadError::Invalid(problems)) => {
                for problem in &problems {
                    error!("{problem}");
                }
                error!(
                    problems = problems.len(),
                    "the edited scripts in {} were not loaded; the previous ones stay in service",
                    dir.display()
                );
                continue;
            }
            Err(err) => {
                error!("the scripts were not reloaded, the previous ones stay in service: {err}");
                continue;
            }
        };
        match bot.walkthroughs.reload(scripts).await {
            Ok(reloaded) => {
                let changed: Vec<String> = reloaded
                    .changed
                    .iter()
                    .map(|(locale, old, new)| match old {
                        Some(old) => format!("{locale}.ron {old} → {new}"),
                        None => format!("{locale}.ron (new) {new}"),
                    })
                    .collect();
                bot.metrics()
                    .set_build(bot.script(&bot.config.default_locale).hash.to_string());
                info!(
                    changed = %if changed.is_empty() { "nothing".to_string() } else { changed.join(", ") },
                    on_older_versions = reloaded.on_older,
                    "scripts reloaded; open walkthroughs keep the version they started with"
                );
            }
            Err(err) => error!("the scripts were checked but could not be put in service: {err}"),
        }
    }
}

/// A task that ends with its owner (the operators' endpoint ends with the bot).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What `/readyz` asks of the gateway: is every shard of this process connected?
struct ShardsUp {
    manager: std::sync::Mutex<Option<Arc<ShardManager>>>,
    expected: u32,
}

#[async_trait]
impl crate::ops::Gateway for ShardsUp {
    async fn connected(&self) -> Result<(), String> {
        let manager = self.manager.lock().ok().and_then(|m| m.clone());
        let Some(manager) = manager else {
            return Err("the gateway is not started yet".into());
        };
        let runners = manager.runners.lock().await;
        let connected = runners
            .values()
            .filter(|r| r.stage == ConnectionStage::Connected)
            .count();
        if connected < self.expected as usize {
            return Err(format!(
                "{connected} of {} gateway shard(s) connected",
                self.expected
            ));
        }
        Ok(())
    }
}

/// How long a stop waits for the turns in flight, then for what they left owed.
const DRAIN: Duration = Duration::from_secs(2);
const SETTLE: Duration = Duration::from_secs(1);

/// On a stop: refuse new input, let the turns in flight finish and what is owed settle,
/// write the transcripts, then close the gateway. A stop cut short anywhere here leaves
/// nothing the next start does not repair: what is owed is on the rows.
async fn stop_cleanly(
    bot: Arc<Bot>,
    http: Arc<Http>,
    manager: Arc<ShardManager>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stop.wait_for(|stopped| *stopped).await;
    info!("shutting down: finishing the turns in flight");
    let running = bot.in_flight.drain(DRAIN).await;
    let out = DiscordOutlet::new(&bot, &http);
    let settled = tokio::time::timeout(
        SETTLE,
        bot.walkthroughs.sweep(bot.config.discord.shards, &out),
    )
    .await;
    bot.walkthroughs.flush_transcripts().await;
    info!(
        still_running = running,
        settled = settled.is_ok(),
        "closing the gateway"
    );
    manager.shutdown_all().await;
}

/// How long a shutdown may wait, from the request, for the gateway to close before the bot
/// exits anyway; within the 5 s an operator's SIGTERM is promised. Connected shards close in milliseconds, one after
/// another; a process running many shards may reach this and leave the last ones to time out
/// on Discord's side, which loses nothing: walkthroughs are in the store.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

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

/// How often the sweep looks for walkthroughs that still owe the person a message: at
/// start-up at once, then this often. One indexed query when nothing is owed.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

/// The periodic work of one gateway client, stopped when dropped.
struct Periodic {
    _tasks: Vec<AbortOnDrop>,
}

impl Periodic {
    fn start(
        bot: &Arc<Bot>,
        http: &Arc<Http>,
        clock: &Arc<dyn Clock>,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) -> Periodic {
        let (b, h, c, s) = (bot.clone(), http.clone(), clock.clone(), stop.clone());
        let idle = tokio::spawn(idle_ticker(b, h, c, s));
        let (b, h, c, s) = (bot.clone(), http.clone(), clock.clone(), stop.clone());
        let sweep = tokio::spawn(sweeper(b, h, c, s));
        let (b, h, c, s) = (bot.clone(), http.clone(), clock.clone(), stop.clone());
        let purge = tokio::spawn(super::purger::purger(b, h, c, s));
        Periodic {
            _tasks: vec![AbortOnDrop(idle), AbortOnDrop(sweep), AbortOnDrop(purge)],
        }
    }
}

/// Carries out whatever a crash or a refusal left owed (see [`Walkthroughs::sweep`]).
async fn sweeper(
    bot: Arc<Bot>,
    http: Arc<Http>,
    clock: Arc<dyn Clock>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let ticker = Ticker::new("sweep", SWEEP_EVERY, clock);
    ticker
        .run(stop, || async {
            let out = DiscordOutlet::new(&bot, &http);
            bot.walkthroughs
                .sweep(bot.config.discord.shards, &out)
                .await;
        })
        .await;
}

/// Checks the store for walkthroughs due an idle warning or close: a few times per warning
/// span, and at least every 2 s (one indexed query), so a warning is never more than that
/// late whatever the clock does. Due times are stored, so after a restart they are picked up
/// where they were.
async fn idle_ticker(
    bot: Arc<Bot>,
    http: Arc<Http>,
    clock: Arc<dyn Clock>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let idle = bot.config.idle_warning.0;
    let every = (idle / 8).clamp(Duration::from_millis(100), Duration::from_secs(2));
    let buckets_checked = std::sync::Mutex::new(tokio::time::Instant::now());
    let ticker = Ticker::new("idle", every, clock);
    ticker
        .run(stop, || async {
            let forget = buckets_checked.lock().is_ok_and(|mut checked| {
                let due = checked.elapsed() >= FORGET_BUCKETS_EVERY;
                if due {
                    *checked = tokio::time::Instant::now();
                }
                due
            });
            if forget {
                forget_quiet_buckets(&http).await;
            }
            close_idle(&bot, &http).await;
        })
        .await;
}

async fn forget_quiet_buckets(http: &Http) {
    if let Some(ratelimiter) = &http.ratelimiter {
        let forgotten =
            super::ratelimits::forget_idle_buckets(ratelimiter, SystemTime::now()).await;
        debug!(forgotten, "rate-limit buckets of quiet routes forgotten");
    }
}

/// One turn with a tick for each walkthrough due an idle warning or close.
async fn close_idle(bot: &Arc<Bot>, http: &Arc<Http>) {
    let walkthroughs = &bot.walkthroughs;
    // Other processes tick the guilds of their own shards.
    let shards = bot.config.discord.shards;
    let due = match walkthroughs.due(shards).await {
        Ok(due) => due,
        Err(err) => {
            warn!("cannot look for idle walkthroughs: {err}");
            return;
        }
    };
    for thread in due {
        let out = DiscordOutlet::new(bot, http);
        match walkthroughs
            .turn(thread, Some(Input::Tick), Origin::Timer, &out)
            .await
        {
            Ok(Some(turned)) => match &turned.reply {
                Some(reply) => info_reply!(reply, thread = thread.get(), "idle"),
                None => info!(thread = thread.get(), "idle"),
            },
            // Someone answered meanwhile: nothing is idle any more.
            Ok(None) | Err(crate::store::StoreError::Conflict) => {}
            Err(err) => warn!(%thread, "idle check failed: {err}"),
        }
    }
}
