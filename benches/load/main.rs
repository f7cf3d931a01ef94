//! Load benchmark: the release bot against the loopback Discord, beside a floor.
//!
//! Run: `cargo bench --bench load` (figures go to BENCHMARKS.md). Tunable with
//! LOAD_PEOPLE (concurrent people, default 100), LOAD_ANSWERS (answers each, default 12)
//! and LOAD_OPEN (open walkthroughs for the memory figure, default 10000). LOAD_WRAP runs
//! the bot under a profiler, e.g. `LOAD_WRAP="valgrind --tool=massif"` (its CPU and memory
//! figures are then the profiler's).
//!
//! What a real deployment would feel: LOAD_LATENCY_MS holds every REST request that long
//! in the fake (Discord's distance, half each way; default 0), LOAD_ARRIVAL_S spreads the
//! people's arrivals over that many seconds (default 0: all at once), LOAD_THINK_MS is how
//! long each waits after seeing a step before answering it (default 0), and LOAD_DB_HOLD_MS
//! makes the database slow by holding SQLite's write lock that long, then letting go as long,
//! again and again (default 0). LOAD_SERVE_US makes the fake a Discord that slows down with
//! load: it serves REST requests one at a time, each taking that many microseconds, after
//! the way there (default 0: all at once). LOAD_BOT runs another bot (a program and its
//! arguments: a previous release, or the discord.py bot beside this file, for a comparison on
//! one machine in one sitting) with this same driver, on the scripts folder in
//! LOAD_RESPONSES (that release's own `responses/`; default this checkout's). LOAD_PURGE=N
//! writes N walkthroughs that ended 30 days ago into the bot's database first and runs it
//! with a one-day retention, so its purge erases them while the people walk.
//!
//! It starts the fake Discord in this process and the bot as a separate process (SQLite in a
//! temporary folder), walks LOAD_PEOPLE people through the script at once, alternating
//! clicks and typed answers, each waiting for their next step as a person would, and reads
//! from the fake when each click was first answered. Then it opens LOAD_OPEN walkthroughs and
//! reads the bot's memory. LOAD_ATTRIBUTE=1 runs the bot with its timing lines on and says
//! what the slowest answers were made of (see `attribute.rs`). Last, this same binary is started again as the floor (a serenity
//! bot that only acknowledges) and gets the same clicks.

mod attribute;
mod chaos;
mod floor;
mod proc;
mod purge;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_discord::world::{APP_ID, SUPPORT_CHANNEL};
use fake_discord::{FakeDiscord, Options};

const WAIT: Duration = Duration::from_secs(30);
const DEADLINE: f64 = 3.0;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--floor-bot") {
        let (url, token) = (
            args.get(2).cloned().unwrap_or_default(),
            args.get(3).cloned().unwrap_or_default(),
        );
        return floor::run(&url, &token);
    }
    let chaos = args.iter().any(|a| a == "--chaos");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if chaos {
        runtime.block_on(run_chaos());
    } else {
        runtime.block_on(run());
    }
}

/// `cargo bench --bench load -- --chaos`: LOAD_PEOPLE people (default 100) walk while the
/// bot is killed and restarted LOAD_KILLS times (default 5), with a gateway resume, an
/// invalid session and bursts of 429 and 502 between the kills.
async fn run_chaos() {
    let chaos = chaos::Chaos {
        people: setting("LOAD_PEOPLE", 100),
        kills: setting("LOAD_KILLS", 5),
        seed: setting("LOAD_SEED", 1) as u64,
        bin: env!("CARGO_BIN_EXE_backup-help-bot").into(),
        responses: concat!(env!("CARGO_MANIFEST_DIR"), "/responses").into(),
        limit: Duration::from_secs(600),
    };
    println!(
        "chaos: {} people, {} kills (seed {})",
        chaos.people, chaos.kills, chaos.seed
    );
    let outcome = chaos::run(&chaos).await;
    println!(
        "chaos: {}/{} people at the ending their answers imply, each step shown once; \
         {} restarts, {} repeated clicks, {} interactions lost to kills, \
         {} answers typed while the bot was away (never retyped), {:.1} s",
        outcome.fine,
        outcome.people,
        outcome.restarts,
        outcome.retries,
        outcome.unanswered_at_kills,
        outcome.typed_while_away,
        outcome.seconds
    );
    for line in outcome.wrong.iter().chain(&outcome.problems) {
        println!("  {line}");
    }
}

/// What one measured run produced.
struct Figures {
    answers: usize,
    seconds: f64,
    /// Seconds from each answered click to its first callback.
    latencies: Vec<f64>,
    /// Clicks made, answered or not.
    clicks: usize,
    /// Clicks answered after the deadline, or never.
    misses: usize,
    cpu: f64,
    peak_rss_mb: f64,
    /// What the person sees: seconds from an answer (click or typed) to the next step's
    /// message in the thread, and from `/backup-help` to the first step's.
    to_next_step: Vec<f64>,
    to_first_step: Vec<f64>,
    /// REST requests (for the answers, for the openings), when counted.
    requests: (usize, usize),
    /// Each answer made, for the attribution.
    made: Vec<attribute::Made>,
}

async fn run() {
    let people = setting("LOAD_PEOPLE", 100);
    let answers = setting("LOAD_ANSWERS", 12);
    let open = setting("LOAD_OPEN", 10_000);
    let data = tempfile::tempdir().expect("a temporary folder");
    println!("load: {people} people × {answers} answers, then {open} open walkthroughs");
    let old = setting("LOAD_PURGE", 0);
    if old > 0 {
        let started = Instant::now();
        let now = backup_help_bot::clock::Clock::now(&backup_help_bot::clock::SystemClock);
        purge::populate(&data.path().join("load.db"), old, now).await;
        println!(
            "{old} walkthroughs that ended 30 days ago written in {:.1} s, for the purge",
            started.elapsed().as_secs_f64()
        );
    }

    // Our bot.
    let fake = Arc::new(start_fake().await);
    for i in 0..(people.max(open) as u64) {
        fake.add_member(100_000 + i, &format!("person {i}"), &[]);
    }
    let bot = spawn_bot(&fake, data.path());
    let pid = bot.id();
    wait(&fake, "the bot to connect", |w| {
        w.ready_count >= 1 && !w.commands.is_empty()
    })
    .await;
    let rss_idle = proc::memory_mb(pid, "VmRSS");
    let latency = Duration::from_millis(setting("LOAD_LATENCY_MS", 0) as u64);
    fake.set_rest_latency(latency);
    let service = Duration::from_micros(setting("LOAD_SERVE_US", 0) as u64);
    fake.set_rest_service(service);
    let hold = setting("LOAD_DB_HOLD_MS", 0) as u64;
    let slow_db = (hold > 0).then(|| {
        println!("the database is held {hold} ms at a time");
        tokio::spawn(hold_the_database(data.path().join("load.db"), hold))
    });
    let before = fake.world(|w| w.requests.len());
    let ours = walk_load(&fake, pid, people, answers).await;
    // What the fake refused or found against Discord's rules: a bot that breaks them is not
    // measured fairly.
    let problems = fake.problems();
    if !problems.is_empty() {
        println!("the fake found {} problems, the first:", problems.len());
        for problem in problems.iter().take(5) {
            println!("  {problem}");
        }
    }
    if old > 0 {
        let left = purge::left(&data.path().join("load.db")).await;
        println!("when the walk ended, {left} of the {old} old walkthroughs were still to purge");
    }
    if let Some(slow_db) = slow_db {
        slow_db.abort();
    }
    if people == 1 {
        // One person alone: the requests they wait for, in order: when each arrived, how
        // long the fake took over it (checking it against the OpenAPI spec, mostly), and how
        // long the bot took from the answer to the one before to sending it.
        fake.world(|w| {
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let Some(start) = w.requests.get(before).map(|r| r.at) else {
                return;
            };
            let mut previous: Option<Instant> = None;
            println!("  arrived   fake    bot   request");
            for r in w.requests[before..].iter().take(12) {
                let bot = previous.map_or(0.0, |p| ms(r.at.saturating_duration_since(p)));
                println!(
                    "  {:6.1}  {:5.1}  {:5.1}   {} {}",
                    ms(r.at.duration_since(start)),
                    ms(r.answered.duration_since(r.at)),
                    bot,
                    r.method,
                    r.path.split("/interaction-token").next().unwrap_or(&r.path)
                );
                previous = Some(r.answered);
            }
        });
    }
    let rss_open = open_many(&fake, pid, people, open).await;
    stop(bot);

    // The floor, on a fresh fake.
    let floor_fake = Arc::new(start_fake().await);
    for i in 0..people as u64 {
        floor_fake.add_member(100_000 + i, &format!("person {i}"), &[]);
    }
    let floor = spawn_floor(&floor_fake);
    let floor_pid = floor.id();
    wait(&floor_fake, "the floor bot to connect", |w| {
        w.ready_count >= 1
    })
    .await;
    floor_fake.set_rest_latency(latency);
    floor_fake.set_rest_service(service);
    // The same clicks per person as ours (every other answer), at the same pace.
    let clicks_each = answers.div_ceil(2);
    let pace = Duration::from_secs_f64(ours.seconds / clicks_each as f64);
    let base = click_load(&floor_fake, floor_pid, people, clicks_each, pace).await;
    stop(floor);

    report(&ours, &base, rss_idle, rss_open, open, latency);
    if attribute::enabled() {
        attribute::report(&ours.made, &data.path().join("bot.log"));
    }
}

/// Holds SQLite's write lock on `db` for `hold_ms` at a time, then lets go as long, until
/// aborted: a write waits up to `hold_ms`. (Let go for only milliseconds, the lock starves
/// the bot's writers: SQLite's busy handler sleeps up to 100 ms between tries, and a writer
/// that never gets in fails after its busy timeout, which is an unavailable database, not a
/// slow one.)
async fn hold_the_database(db: std::path::PathBuf, hold_ms: u64) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", db.display());
    let Ok(mut conn) = sqlx::sqlite::SqliteConnection::connect(&url).await else {
        eprintln!("cannot open {} to hold it", db.display());
        return;
    };
    loop {
        if sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .is_ok()
        {
            tokio::time::sleep(Duration::from_millis(hold_ms)).await;
            let _ = sqlx::query("COMMIT").execute(&mut conn).await;
        }
        tokio::time::sleep(Duration::from_millis(hold_ms)).await;
    }
}

async fn start_fake() -> FakeDiscord {
    let options = Options {
        heartbeat_interval_ms: 30_000,
        ..Options::default()
    };
    FakeDiscord::start(options).await.expect("the fake starts")
}

fn spawn_bot(fake: &FakeDiscord, dir: &std::path::Path) -> Child {
    let config = dir.join("config.ron");
    // Another build reads the scripts of its own release.
    let responses = std::env::var("LOAD_RESPONSES")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/responses").to_string());
    let mut source = chaos::config_ron(&fake.url(), responses.as_ref(), &dir.join("load.db"));
    if setting("LOAD_PURGE", 0) > 0 {
        source = source.replacen("Config(", "Config(retention: Some(\"1d\"), ", 1);
    }
    let attributing = attribute::enabled();
    if attributing {
        source = source.replacen("Config(", "Config(log_format: Json, ", 1);
    }
    std::fs::write(&config, source).expect("config written");
    // A program and its arguments: another build, or `python3 .../discord_py_bot.py`.
    let bot: Vec<String> = std::env::var("LOAD_BOT")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_backup-help-bot").to_string())
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut wrap: Vec<String> = std::env::var("LOAD_WRAP")
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    wrap.extend(bot);
    let (program, args) = wrap.split_first().expect("LOAD_BOT names a program");
    let mut command = Command::new(program);
    command
        .args(args)
        .args(["run", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", fake.token())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if attributing {
        let log = std::fs::File::create(dir.join("bot.log")).expect("the bot's log");
        command.env("RUST_LOG", attribute::FILTER).stderr(log);
    }
    command.spawn().expect("the bot starts")
}

fn spawn_floor(fake: &FakeDiscord) -> Child {
    Command::new(std::env::current_exe().expect("this binary"))
        .args(["--floor-bot", &fake.url(), fake.token()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the floor bot starts")
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

async fn wait(fake: &FakeDiscord, what: &str, done: impl Fn(&fake_discord::world::World) -> bool) {
    if let Err(err) = fake.wait_until(what, WAIT, done).await {
        panic!("{err}");
    }
}

/// Bot messages in a thread, and whether the newest has live buttons.
fn progress(fake: &FakeDiscord, thread: u64) -> (usize, Option<u64>) {
    fake.world(|w| {
        let ours: Vec<_> = w
            .messages_in(thread)
            .into_iter()
            .filter(|m| m.author == APP_ID)
            .collect();
        let live = ours
            .iter()
            .rev()
            .find(|m| !m.embeds[0].is_null())
            .and_then(|m| {
                let live = m
                    .components
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|r| r["components"].as_array().into_iter().flatten())
                    // A button without `disabled` is live.
                    .any(|b| b["disabled"] != true);
                live.then_some(m.id)
            });
        (ours.len(), live)
    })
}

/// The custom_id of the second choice on a step message.
fn second_choice(fake: &FakeDiscord, message: u64) -> Option<String> {
    fake.world(|w| {
        let m = w.messages.get(&message)?;
        let buttons = m
            .components
            .as_array()?
            .iter()
            .flat_map(|r| r["components"].as_array().into_iter().flatten());
        let choices: Vec<String> = buttons
            .filter_map(|b| {
                b["custom_id"]
                    .as_str()
                    .filter(|c| c.starts_with("bh1:c:"))
                    .map(str::to_string)
            })
            .collect();
        choices.get(1).cloned()
    })
}

/// Each person opens a walkthrough, then answers "2" (the second choice) by click and by
/// typing in turn, waiting for each next step.
async fn walk_load(fake: &Arc<FakeDiscord>, pid: u32, people: usize, answers: usize) -> Figures {
    let cpu_before = proc::cpu_seconds(pid);
    let driver_before = proc::cpu_seconds(std::process::id());
    let started = Instant::now();
    let arrival = Duration::from_secs(setting("LOAD_ARRIVAL_S", 0) as u64);
    let think = Duration::from_millis(setting("LOAD_THINK_MS", 0) as u64);
    let poll = poll_interval(people);
    let mut tasks = Vec::new();
    for i in 0..people {
        let fake = fake.clone();
        let arrives = arrival.mul_f64(i as f64 / people.max(1) as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(arrives).await;
            let user = 100_000 + i as u64;
            let mut seen = Seen::default();
            let asked = Instant::now();
            let command = fake.slash_command(user, SUPPORT_CHANNEL, "backup-help");
            // The thread shows in the person's list once they are in it, link or not.
            let opened = fake
                .wait_until("a thread", WAIT, |w| w.threads_joined.contains_key(&user))
                .await;
            if opened.is_err() {
                return (0, Vec::new(), seen);
            }
            seen.command = Some(command);
            let thread = fake.world(|w| {
                w.threads_joined
                    .get(&user)
                    .and_then(|joined| joined.iter().max().copied())
            });
            let Some(thread) = thread else {
                return (0, Vec::new(), seen);
            };
            seen.thread = Some(thread);
            let mut done = 0;
            let mut clicks = Vec::new();
            for k in 0..answers {
                let mut step = None;
                let looking = Instant::now();
                while looking.elapsed() < WAIT {
                    let (_, live) = progress(&fake, thread);
                    if live.is_some() {
                        step = live;
                        break;
                    }
                    tokio::time::sleep(poll).await;
                }
                let Some(step) = step else { break };
                if k == 0 {
                    seen.first_step = Some(asked.elapsed().as_secs_f64());
                }
                tokio::time::sleep(think).await;
                let (before, _) = progress(&fake, thread);
                let answered = Instant::now();
                let sent_us = attribute::now_us();
                let (kind, id) = if k % 2 == 0 {
                    let Some(choice) = second_choice(&fake, step) else {
                        break;
                    };
                    let click = fake.click(user, step, &choice);
                    clicks.push(click);
                    ("click", click)
                } else {
                    ("typed", fake.type_message(user, thread, "2"))
                };
                done += 1;
                // Polled as the live step is: what the person would see.
                let mut moved = false;
                while answered.elapsed() < WAIT {
                    if progress(&fake, thread).0 > before {
                        moved = true;
                        break;
                    }
                    tokio::time::sleep(poll).await;
                }
                if !moved {
                    break;
                }
                let took = answered.elapsed().as_secs_f64();
                seen.next_step.push(took);
                seen.made.push(attribute::Made {
                    kind,
                    id,
                    sent_us,
                    seen: took,
                });
            }
            (done, clicks, seen)
        }));
    }
    let mut total = 0;
    let mut clicks = Vec::new();
    let mut seen = Seen::default();
    let mut walks = Vec::new();
    for task in tasks {
        if let Ok((done, mine, theirs)) = task.await {
            total += done;
            if let (Some(thread), Some(command)) = (theirs.thread, theirs.command) {
                walks.push((thread, command, mine.clone()));
            }
            clicks.extend(mine);
            seen.next_step.extend(theirs.next_step);
            seen.made.extend(theirs.made);
            seen.first_steps.extend(theirs.first_step);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = proc::cpu_seconds(pid) - cpu_before;
    let driver = proc::cpu_seconds(std::process::id()) - driver_before;
    println!(
        "the driver (the fake Discord and the people) used {:.0}% of a core over the walk",
        100.0 * driver / seconds
    );
    // Settle: the last answers' courtesies (marking the answered step) come after the step.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = fake.world(|w| count_requests(w, &walks));
    let mut figures = figures(fake, pid, &clicks, total, seconds, cpu);
    figures.requests = requests;
    seen.next_step.sort_by(f64::total_cmp);
    seen.first_steps.sort_by(f64::total_cmp);
    figures.to_next_step = seen.next_step;
    figures.to_first_step = seen.first_steps;
    figures.made = seen.made;
    figures
}

/// How often each person looks at their thread: every 2 ms up to 200 people, then less
/// often in step, so that the people together look 100,000 times a second at most. (At
/// 2,000 people looking every 2 ms, the looking alone took the fake's lock a million
/// times a second and slowed the Discord being measured.)
fn poll_interval(people: usize) -> Duration {
    Duration::from_millis(2 * people.div_ceil(200).max(1) as u64)
}

/// The REST requests each person's walk cost: (for the answers, for the opening), from the
/// fake's record. An answer's are those on its thread (but the first step and adding the
/// person) and those of its click's interaction; the opening's are the thread's creation,
/// adding the person, the first step, and the command's interaction.
fn count_requests(
    w: &fake_discord::world::World,
    walks: &[(u64, u64, Vec<u64>)],
) -> (usize, usize) {
    use std::collections::{HashMap, HashSet};
    let threads: HashSet<u64> = walks.iter().map(|(t, _, _)| *t).collect();
    let commands: HashSet<u64> = walks.iter().map(|(_, c, _)| *c).collect();
    let clicks: HashSet<u64> = walks
        .iter()
        .flat_map(|(_, _, c)| c.iter().copied())
        .collect();
    let by_token: HashMap<&str, u64> = w
        .interactions
        .values()
        .map(|i| (i.token.as_str(), i.id))
        .collect();
    // The thread's creation is in the support channel: one request per opening.
    let (mut answers, mut opening) = (0, walks.len());
    let mut first_posted = HashSet::new();
    for r in &w.requests {
        let segments: Vec<&str> = r.path.trim_start_matches("/api/v10/").split('/').collect();
        let of_interaction = match segments.as_slice() {
            ["interactions", id, ..] => id.parse::<u64>().ok(),
            ["webhooks", _, token, ..] => by_token.get(token).copied(),
            _ => None,
        };
        let thread = match segments.as_slice() {
            ["channels", id, ..] => id.parse::<u64>().ok().filter(|t| threads.contains(t)),
            _ => None,
        };
        if let Some(id) = of_interaction {
            if commands.contains(&id) {
                opening += 1;
            } else if clicks.contains(&id) {
                answers += 1;
            }
        } else if let Some(thread) = thread {
            let adding = segments.get(2) == Some(&"thread-members");
            let first = r.method == "POST" && first_posted.insert(thread);
            if adding || first {
                opening += 1;
            } else {
                answers += 1;
            }
        }
    }
    (answers, opening)
}

/// What one person saw, in seconds.
#[derive(Default)]
struct Seen {
    thread: Option<u64>,
    command: Option<u64>,
    first_step: Option<f64>,
    first_steps: Vec<f64>,
    next_step: Vec<f64>,
    made: Vec<attribute::Made>,
}

/// The floor's load: each person clicks a message `clicks` times, one every `pace`, waiting
/// for each acknowledgement.
async fn click_load(
    fake: &Arc<FakeDiscord>,
    pid: u32,
    people: usize,
    clicks: usize,
    pace: Duration,
) -> Figures {
    let cpu_before = proc::cpu_seconds(pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..people {
        let fake = fake.clone();
        tasks.push(tokio::spawn(async move {
            let user = 100_000 + i as u64;
            let message = fake.type_message(user, SUPPORT_CHANNEL, "a message to click on");
            let mut mine = Vec::new();
            for _ in 0..clicks {
                let next = Instant::now() + pace;
                let click = fake.click(user, message, "bh1:s");
                let _ = fake
                    .wait_until("the ack", WAIT, |w| {
                        !w.interactions[&click].callbacks.is_empty()
                    })
                    .await;
                mine.push(click);
                tokio::time::sleep_until(next.into()).await;
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        if let Ok(mine) = task.await {
            all.extend(mine);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = proc::cpu_seconds(pid) - cpu_before;
    figures(fake, pid, &all, all.len(), seconds, cpu)
}

fn figures(
    fake: &FakeDiscord,
    pid: u32,
    clicks: &[u64],
    answers: usize,
    seconds: f64,
    cpu: f64,
) -> Figures {
    let (mut latencies, misses) = fake.world(|w| {
        let mut latencies = Vec::new();
        let mut misses = 0;
        for click in clicks {
            match w.interactions[click].callbacks.first() {
                Some((_, secs)) => {
                    latencies.push(*secs);
                    if *secs > DEADLINE {
                        misses += 1;
                    }
                }
                None => misses += 1,
            }
        }
        (latencies, misses)
    });
    latencies.sort_by(f64::total_cmp);
    Figures {
        answers,
        seconds,
        latencies,
        clicks: clicks.len(),
        misses,
        cpu,
        peak_rss_mb: proc::memory_mb(pid, "VmHWM"),
        to_next_step: Vec::new(),
        to_first_step: Vec::new(),
        requests: (0, 0),
        made: Vec::new(),
    }
}

/// Opens `open` walkthroughs (`people` at a time) and returns the bot's resident memory.
async fn open_many(fake: &Arc<FakeDiscord>, pid: u32, people: usize, open: usize) -> f64 {
    let started = Instant::now();
    let base = 100_000 + people as u64; // people already walked keep their threads
    let mut next = 0u64;
    while (next as usize) < open.saturating_sub(people) {
        let batch: Vec<u64> = (0..people as u64)
            .map(|i| next + i)
            .filter(|i| (*i as usize) < open - people)
            .collect();
        let commands: Vec<u64> = batch
            .iter()
            .map(|i| fake.slash_command(base + i, SUPPORT_CHANNEL, "backup-help"))
            .collect();
        next += batch.len() as u64;
        let _ = fake
            .wait_until("a batch of threads", Duration::from_secs(120), |w| {
                commands
                    .iter()
                    .all(|c| w.interactions[c].original.is_some())
            })
            .await;
    }
    let open_now = fake.world(|w| w.channels.values().filter(|c| c.is_thread()).count());
    let rss = proc::memory_mb(pid, "VmRSS");
    let anonymous = proc::anonymous_mb(pid);
    println!(
        "opened {open_now} walkthroughs in {:.1} s; RSS {rss:.1} MB, of which anonymous {anonymous:.1} MB",
        started.elapsed().as_secs_f64()
    );
    rss
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(
    ours: &Figures,
    floor: &Figures,
    rss_idle: f64,
    rss_open: f64,
    open: usize,
    latency: Duration,
) {
    let ms = |s: f64| s * 1000.0;
    let rate = |f: &Figures| f.answers as f64 / f.seconds;
    let cpu_ms = |f: &Figures| ms(f.cpu / f.answers.max(1) as f64);
    println!("\n| measure | backup-help-bot | floor (ack only) | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| answers | {} in {:.1} s | {} in {:.1} s | |",
        ours.answers, ours.seconds, floor.answers, floor.seconds
    );
    println!(
        "| answers/s | {:.0} | {:.0} | {:.2} |",
        rate(ours),
        rate(floor),
        rate(ours) / rate(floor)
    );
    for (name, p) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
        let (a, b) = (
            percentile(&ours.latencies, p),
            percentile(&floor.latencies, p),
        );
        println!(
            "| {name} dispatch → first callback | {:.1} ms | {:.1} ms | {:.2} |",
            ms(a),
            ms(b),
            a / b
        );
    }
    if !latency.is_zero() {
        println!(
            "| added REST latency (one round trip) | {} ms | {} ms | |",
            latency.as_millis(),
            latency.as_millis()
        );
    }
    let trips = |s: f64| {
        if latency.is_zero() {
            String::new()
        } else {
            format!(" ({:.2} round trips)", s / latency.as_secs_f64())
        }
    };
    for (name, seen) in [
        ("answer → next step visible", &ours.to_next_step),
        ("/backup-help → first step visible", &ours.to_first_step),
    ] {
        let (p50, p95, p99) = (
            percentile(seen, 0.5),
            percentile(seen, 0.95),
            percentile(seen, 0.99),
        );
        println!(
            "| {name}, p50 / p95 / p99 | {:.1}{} / {:.1} / {:.1} ms | | |",
            ms(p50),
            trips(p50),
            ms(p95),
            ms(p99)
        );
    }
    let (for_answers, for_openings) = ours.requests;
    println!(
        "| REST requests per answer / per opening | {:.2} / {:.2} | 1 / 1 | |",
        for_answers as f64 / ours.answers.max(1) as f64,
        for_openings as f64 / ours.to_first_step.len().max(1) as f64
    );
    println!(
        "| deadline misses (> 3 s or none) | {} of {} clicks | {} of {} clicks | |",
        ours.misses, ours.clicks, floor.misses, floor.clicks
    );
    println!(
        "| CPU per answer | {:.2} ms | {:.2} ms | {:.2} |",
        cpu_ms(ours),
        cpu_ms(floor),
        cpu_ms(ours) / cpu_ms(floor)
    );
    println!(
        "| peak RSS during the walk | {:.1} MB | {:.1} MB | |",
        ours.peak_rss_mb, floor.peak_rss_mb
    );
    println!("| RSS connected, idle | {rss_idle:.1} MB | | |");
    println!("| RSS with {open} open walkthroughs | {rss_open:.1} MB | | |");
}
