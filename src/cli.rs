//! The command line: one subcommand a front-end, all over the same engine.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};

use crate::chat;
use crate::config::{Config, LogFormat, Token};
use crate::conversation::{self, walk};
use crate::graph;
use crate::script::{causes, length, load_dir, LoadError, Script};

/// Enough for any real script; a cap so a pathological one cannot run forever.
const MAX_WALKED_STATES: usize = 500_000;

#[derive(Debug, Parser)]
#[command(name = "backup-help-bot", version, about)]
/// A Discord support bot that walks a person through fixing an iPhone that won't back up to
/// iCloud, one check at a time.
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk through the script in this terminal, exactly as a person would in Discord.
    /// Type a choice's number or words; works with piped input too.
    Chat(ChatArgs),
    /// Validate every script and print a summary; on problems, list them all and exit 1.
    Check {
        #[command(flatten)]
        dir: Responses,
        /// Print the validated scripts as JSON, keyed by locale, instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Print a script as a Mermaid flowchart.
    Graph(Locale),
    /// Where people get stuck: the funnel per step, outcomes and the median time to a fix,
    /// from the same store as `run`.
    Stats {
        /// The config file (see config.example.ron).
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
        /// How far back to look, e.g. 24h, 7d, 30d.
        #[arg(long, default_value = "7d")]
        since: String,
        #[arg(long, value_enum, default_value = "table")]
        format: StatsFormat,
    },
    /// Print a walkthrough's transcript: every step shown, every answer (pressed or typed),
    /// what the support team wrote in the thread, and how it ended.
    Transcript {
        /// The walkthrough's thread id (right-click the thread → Copy Channel ID).
        thread: u64,
        /// The config file (see config.example.ron).
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
    },
    /// Erase now what is personal about walkthroughs that ended longer ago than the
    /// config's `retention` (or --older-than): transcripts, rating comments, who claimed
    /// and closed them, the person's and the thread's ids. What `stats` counts is kept.
    Purge {
        /// The config file (see config.example.ron).
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
        /// Erase walkthroughs that ended longer ago than this, e.g. 30d (default: the
        /// config's `retention`).
        #[arg(long, value_name = "DURATION")]
        older_than: Option<String>,
    },
    /// Erase everything stored about one person, in every server: their walkthroughs'
    /// transcripts, rating comments and ids (an open one is ended first, its thread left as
    /// it is), and their name on cases they claimed or closed as staff.
    Forget {
        /// The person's Discord user id (Developer Mode → right-click → Copy User ID).
        #[arg(long, value_name = "USER_ID")]
        user: u64,
        /// The config file (see config.example.ron).
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
    },
    /// Print the URL that invites the bot to a server, asking for exactly the permissions it
    /// checks. Without --application-id, asks Discord (with DISCORD_TOKEN) for the id.
    Invite {
        /// The application id (Developer Portal → General Information).
        #[arg(long, value_name = "ID")]
        application_id: Option<u64>,
        /// The config file, for `api_url`; read only without --application-id.
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
    },
    /// Check the deployment: config, scripts, store, token, intents, and in every server of
    /// `guilds` the bot's membership, command, roles and channel permissions. One line per
    /// check; exit 0 when all pass, 1 otherwise.
    Doctor {
        /// The config file (see config.example.ron).
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
    },
    /// Run the Discord bot. The token comes from the environment variable DISCORD_TOKEN.
    Run {
        /// The config file (see config.example.ron).
        #[arg(long, value_name = "FILE", default_value = "config.ron")]
        config: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StatsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct Responses {
    /// The folder holding the scripts, one <locale>.ron file per locale.
    #[arg(long, value_name = "DIR", default_value = "responses")]
    pub responses: PathBuf,
    /// The locale the other scripts translate; each of them must keep parity with it.
    #[arg(long, value_name = "LOCALE", default_value = "en")]
    pub source: String,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    #[command(flatten)]
    pub locale: Locale,
    /// Do not read Apple's System Status: the status step shows Apple's page only.
    #[arg(long)]
    pub offline: bool,
    /// Where to read Apple's System Status from.
    #[arg(long, value_name = "URL", default_value = crate::status::APPLE_STATUS_URL)]
    pub status_url: String,
}

#[derive(Debug, Args)]
pub struct Locale {
    #[command(flatten)]
    pub dir: Responses,
    /// Which script to use, by locale (the file name without .ron).
    #[arg(long, default_value = "en")]
    pub locale: String,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // `run` logs in the format its config asks for, once the config is read.
    if !matches!(cli.command, Command::Run { .. }) {
        crate::logging::init(LogFormat::Text);
    }
    match cli.command {
        Command::Chat(args) => {
            let script = one_script(&args.locale)?;
            let status = match (&script.apple_status, args.offline) {
                (Some(watched), false) => {
                    let feed = crate::status_feed::StatusFeed::new(
                        args.status_url.clone(),
                        std::time::Duration::from_secs(2),
                        std::time::Duration::from_secs(60),
                        watched.services.clone(),
                        std::sync::Arc::new(crate::clock::SystemClock),
                    );
                    Some(std::sync::Arc::new(feed)
                        as std::sync::Arc<dyn crate::walkthrough::LiveStatus>)
                }
                _ => None,
            };
            let stdin = io::stdin().lock();
            chat::run(script, stdin, io::stdout().lock(), status)
                .context("terminal walkthrough")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dir, json } => check(&dir, json),
        Command::Run { config } => run_bot(&config),
        Command::Invite {
            application_id,
            config,
        } => invite(application_id, &config),
        Command::Doctor { config } => doctor(&config),
        Command::Stats {
            config,
            since,
            format,
        } => stats(&config, &since, format),
        Command::Transcript { thread, config } => transcript(&config, thread),
        Command::Purge { config, older_than } => {
            crate::erasure::purge(&config, older_than.as_deref())
        }
        Command::Forget { user, config } => crate::erasure::forget(&config, user),
        Command::Graph(locale) => {
            let script = one_script(&locale)?;
            print!("{}", graph::mermaid(&script));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn one_script(locale: &Locale) -> anyhow::Result<Script> {
    let scripts = load_dir(&locale.dir.responses, &locale.dir.source)?;
    let known: Vec<String> = scripts.iter().map(|s| s.locale.clone()).collect();
    scripts
        .into_iter()
        .find(|s| s.locale == locale.locale)
        .ok_or_else(|| {
            anyhow!(
                "no script for locale \"{}\" in {}; found: {}",
                locale.locale,
                locale.dir.responses.display(),
                known.join(", ")
            )
        })
}

fn check(responses: &Responses, json: bool) -> anyhow::Result<ExitCode> {
    let dir = responses.responses.as_path();
    let scripts = match load_dir(dir, &responses.source) {
        Ok(scripts) => scripts,
        Err(LoadError::Invalid(problems)) => {
            eprintln!("{} problem(s) in {}:", problems.len(), dir.display());
            for problem in &problems {
                eprintln!("  {problem}");
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(other) => {
            eprintln!("error: {other}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut out = io::stdout().lock();
    let mut failed = false;
    let mut by_locale = BTreeMap::new();
    // Each language's walk takes a while (a quarter of a million paths): side by side.
    let walks: Vec<walk::Walk> = std::thread::scope(|scope| {
        let walking: Vec<_> = scripts
            .iter()
            .map(|script| scope.spawn(move || walk::walk_all(script, MAX_WALKED_STATES)))
            .collect();
        walking
            .into_iter()
            .map(|walking| {
                walking
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    for (script, walk) in scripts.iter().zip(walks) {
        if !walk.stuck.is_empty() || walk.truncated {
            failed = true;
            for answers in &walk.stuck {
                let path: Vec<String> = answers
                    .iter()
                    .map(|(step, choice)| format!("{step}#{}", choice + 1))
                    .collect();
                eprintln!(
                    "  {}.ron: the answers {} lead back to a step already on the path; \
                     gotos must not go round in circles",
                    script.locale,
                    path.join(" → ")
                );
            }
            if walk.truncated {
                eprintln!(
                    "  {}.ron: more than {MAX_WALKED_STATES} different states to walk",
                    script.locale
                );
            }
            continue;
        }
        if json {
            by_locale.insert(script.locale.as_str(), script);
            continue;
        }
        writeln!(
            out,
            "{locale}: \"{name}\" ({id}, {hash})\n  {steps} steps, {choices} choices, \
             {endings} endings, {checks} checks\n  {paths} paths from the start to an ending, \
             the longest {longest} answers",
            locale = script.locale,
            name = script.name,
            id = script.id,
            hash = script.hash,
            steps = script.steps.len(),
            choices = script.choice_count(),
            endings = script.endings.len(),
            checks = script.checks.len(),
            paths = walk.paths,
            longest = walk.longest,
        )?;
        // Per ending, so an author sees how many ways lead to "fixed" and how many do not.
        for ending in &script.endings {
            let paths = walk.ending(&ending.id);
            let button = if ending.id == script.handoff {
                ", and the Talk to a human button at every step"
            } else {
                ""
            };
            writeln!(out, "    {}: {paths} paths{button}", ending.id)?;
        }
        print_step_lengths(script, &mut out)?;
    }
    if let Some(source) = scripts.iter().find(|s| s.locale == responses.source) {
        failed |= !check_catalogue(dir, source, json, &mut out)?;
    }
    if failed {
        return Ok(ExitCode::FAILURE);
    }
    if json {
        serde_json::to_writer_pretty(&mut out, &by_locale)?;
        writeln!(out)?;
    } else {
        writeln!(out, "OK: {} script(s) in {}", scripts.len(), dir.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// How long the steps read (title, explanation, instructions and question): the median and
/// the five longest.
fn print_step_lengths(script: &Script, out: &mut impl Write) -> io::Result<()> {
    let longest = length::longest_steps(script);
    let all: Vec<usize> = longest.iter().map(|(_, len)| *len).collect();
    let top: Vec<String> = longest
        .iter()
        .take(5)
        .map(|(id, len)| format!("{id} {len}"))
        .collect();
    writeln!(
        out,
        "  step length in characters: median {} (at most {}), longest: {} (at most {})",
        length::median(&all),
        length::MAX_MEDIAN,
        top.join(", "),
        length::MAX_STEP
    )
}

/// Checks `causes.ron` beside the scripts, when there is one, against the source script, and
/// prints how many answers each cause takes to its fix. `false` when the catalogue is wrong.
fn check_catalogue(
    dir: &Path,
    script: &Script,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let path = dir.join(causes::CAUSES_FILE);
    if !path.exists() {
        return Ok(true);
    }
    let problems = match causes::load_causes(&path) {
        Ok(catalogue) => {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let file = path.display().to_string();
            let problems = causes::check_causes(&catalogue, script, &text, &file);
            if problems.is_empty() && !json {
                let walks = conversation::causes::walk_all(script, &catalogue);
                writeln!(
                    out,
                    "{}: answers before each cause's fix
",
                    path.display()
                )?;
                write!(out, "{}", conversation::causes::table(&walks))?;
                if let Some(median) = conversation::causes::median_answers(&walks) {
                    writeln!(out, "median: {median} answers")?;
                }
            }
            problems
        }
        Err(LoadError::Invalid(problems)) => problems,
        Err(other) => {
            eprintln!("error: {other}");
            return Ok(false);
        }
    };
    if !problems.is_empty() {
        eprintln!("{} problem(s) in {}:", problems.len(), path.display());
        for problem in &problems {
            eprintln!("  {problem}");
        }
    }
    Ok(problems.is_empty())
}

fn invite(application_id: Option<u64>, config_path: &Path) -> anyhow::Result<ExitCode> {
    let id = match application_id {
        Some(id) => id,
        None => {
            let token = Token::from_env().context("without --application-id")?;
            let config = Config::load(config_path)?;
            let http = crate::discord::http(&config, &token);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let app = runtime
                .block_on(http.get_current_application_info())
                .context("asking Discord for the application id (or pass --application-id)")?;
            app.id.get()
        }
    };
    println!("{}", crate::discord::opening::invite_url(id));
    Ok(ExitCode::SUCCESS)
}

fn doctor(config_path: &Path) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let lines = runtime.block_on(crate::doctor::run(config_path));
    let mut out = io::stdout().lock();
    for line in &lines {
        writeln!(out, "{line}")?;
    }
    let failed = lines.iter().filter(|l| !l.ok).count();
    if failed == 0 {
        writeln!(out, "all {} checks passed", lines.len())?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(out, "{failed} of {} checks failed", lines.len())?;
        Ok(ExitCode::FAILURE)
    }
}

/// Exit code for a missing token, distinct from other failures so scripts can tell.
const EXIT_NO_TOKEN: u8 = 2;

fn run_bot(config_path: &Path) -> anyhow::Result<ExitCode> {
    let token = match Token::from_env() {
        Ok(token) => token,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(EXIT_NO_TOKEN));
        }
    };
    let config = Config::load(config_path)?;
    crate::logging::init(config.log_format);
    let scripts = load_dir(&config.responses, &config.default_locale)
        .with_context(|| format!("loading the scripts in {}", config.responses.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads.get())
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (reload, reloads) = tokio::sync::mpsc::channel(4);
    runtime.spawn(reload_on_sighup(reload));
    let served = runtime.block_on(crate::discord::run(
        config,
        token,
        scripts,
        std::sync::Arc::new(crate::clock::SystemClock),
        shutdown_signal(),
        reloads,
    ));
    // Tasks still running (a shard reconnecting, a name lookup on a blocking thread) must
    // not hold the exit up.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    served?;
    Ok(ExitCode::SUCCESS)
}

/// Asks for the scripts to be re-read on every SIGHUP.
async fn reload_on_sighup(reload: tokio::sync::mpsc::Sender<()>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(err) => {
                tracing::error!(
                    "cannot listen for SIGHUP, so scripts reload only at a restart: {err}"
                );
                return;
            }
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP received: reloading the scripts");
            // A reload already waiting covers this one too.
            let _ = reload.try_send(());
        }
    }
    #[cfg(not(unix))]
    drop(reload);
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received"),
        _ = terminate => tracing::info!("SIGTERM received"),
    }
}

fn transcript(config_path: &Path, thread: u64) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let thread = crate::ids::ThreadId::new(thread)
        .ok_or_else(|| anyhow!("a thread id is a number above 0"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (record, lines) = runtime.block_on(async {
        let store = crate::store::open(&config.storage).await?;
        let record = store.by_thread(thread).await?;
        let lines = store.transcript(thread).await?;
        Ok::<_, crate::store::StoreError>((record, lines))
    })?;
    let Some(record) = record else {
        eprintln!("no walkthrough in thread {thread} (is this the thread's id, and the config the bot runs with?)");
        return Ok(ExitCode::from(1));
    };
    print!(
        "{}",
        crate::transcript::render(thread, record.session.owner, &lines)
    );
    Ok(ExitCode::SUCCESS)
}

fn stats(config_path: &Path, since_text: &str, format: StatsFormat) -> anyhow::Result<ExitCode> {
    let since = humantime::parse_duration(since_text).map_err(|err| {
        anyhow!("--since \"{since_text}\" is not a duration ({err}); write e.g. 24h, 7d, 30d")
    })?;
    let config = Config::load(config_path)?;
    let scripts = load_dir(&config.responses, &config.default_locale)?;
    let script = scripts
        .iter()
        .find(|s| s.locale == config.default_locale)
        .or(scripts.first())
        .ok_or_else(|| anyhow!("no script in {}", config.responses.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let from = crate::clock::Clock::now(&crate::clock::SystemClock).minus(since);
    // Erased walkthroughs count on the day they ended, when it starts at or after `from`.
    let (events, ratings, rolled) = runtime.block_on(async {
        let store = crate::store::open(&config.storage).await?;
        let events = store.events_since(from).await?;
        let ratings = store.ratings_since(from).await?;
        let rolled = store.rolled_up_since(from).await?;
        Ok::<_, crate::store::StoreError>((events, ratings, rolled))
    })?;
    let report = crate::stats::report(&events, &ratings, &rolled, script);
    match format {
        StatsFormat::Table => print!("{}", crate::stats::table(&report, since_text)),
        StatsFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(ExitCode::SUCCESS)
}
