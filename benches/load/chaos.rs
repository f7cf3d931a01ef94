//! Chaos: people walk through the script while the bot is killed with SIGKILL and started
//! again, the gateway drops (resume), the session is invalidated, and Discord answers bursts
//! of 429 and 502. Every person must end where their answers imply, each step shown once.
//!
//! Each person answers by a plan fixed in advance (a choice per step, from a hash of who they
//! are and how far they got), clicking and typing in turn, and, when nothing happens for a
//! while after a click, clicking the same button again, as people do. A typed answer is never
//! typed again: the bot must read what was typed while it was away. The pure engine walks the same plan
//! beforehand, which gives the steps and the ending each person must see. Used by the load
//! bench (`--chaos`, 100 people and 5 kills) and, small, by the end-to-end tests.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backup_help_bot::conversation::{Engine, IdlePolicy, Input, Phase, Reply};
use backup_help_bot::script::{Script, StepId};
use fake_discord::world::{World, APP_ID, GUILD_ID, SUPPORT_CHANNEL};
use fake_discord::{FakeDiscord, Options};

/// How a chaos run goes.
pub struct Chaos {
    pub people: usize,
    /// SIGKILLs, each followed by a restart; the gateway and REST faults come between them.
    pub kills: usize,
    pub seed: u64,
    /// The bot binary and the scripts folder.
    pub bin: PathBuf,
    pub responses: PathBuf,
    /// The whole run stops by then, finished or not.
    pub limit: Duration,
}

/// What a chaos run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub people: usize,
    /// People who reached their ending with every step shown once.
    pub fine: usize,
    /// What went wrong for the others, one line a person.
    pub wrong: Vec<String>,
    pub restarts: usize,
    /// Clicks (or /backup-help) repeated because nothing happened for a while.
    pub retries: usize,
    /// Answers typed while no gateway session was listening: only a catch-up can take them.
    pub typed_while_away: usize,
    /// Interactions that reached a bot being killed (Discord shows "This interaction failed").
    pub unanswered_at_kills: usize,
    /// Everything else the fake would have rejected.
    pub problems: Vec<String>,
    pub seconds: f64,
    /// The bots' logs, kept when something went wrong.
    pub logs: Option<PathBuf>,
}

/// How long a person waits for the next step before clicking again.
///
/// Longer than a restart (about 1 s) plus the sweep's first retry after a failure (2 s).
const PATIENCE: Duration = Duration::from_secs(6);

fn mix(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

/// Person `i`'s answer at the `k`-th step they answer, `step`.
fn plan(seed: u64, i: usize, k: usize, step: &StepId, choices: usize) -> usize {
    (mix((seed, i, k, step.as_str())) % choices.max(1) as u64) as usize
}

/// The steps person `i` must see, in order, and the title of their ending.
fn expected(script: &Script, seed: u64, i: usize) -> (Vec<StepId>, String) {
    let engine = Engine::new(script, IdlePolicy::default());
    let now = backup_help_bot::conversation::Timestamp(0);
    let owner = backup_help_bot::conversation::LOCAL_OWNER;
    let mut session = engine.new_session(owner, now);
    let mut reply = engine.apply(&mut session, Input::Start, now);
    let mut steps = Vec::new();
    while let Reply::Show { step, .. } = &reply {
        let step = step.clone();
        // The choices the bot shows: with the status feed off, none offered on a condition.
        let live = backup_help_bot::script::Live::default();
        let choices = script
            .step(&step)
            .map_or(1, |s| s.choices.iter().filter(|c| c.offered(live)).count());
        let choice = plan(seed, i, steps.len(), &step, choices);
        steps.push(step.clone());
        reply = engine.apply(&mut session, Input::Choose { step, choice }, now);
    }
    let ending = match &session.phase {
        Phase::Resolved(e) | Phase::HandedOff(e) => script.ending(e).map(|e| e.title.clone()),
        _ => None,
    };
    (steps, ending.unwrap_or_default())
}

/// The latest bot message in `thread` with live buttons: (message, its step, its choices).
fn live_step(w: &World, thread: u64) -> Option<(u64, StepId, Vec<String>)> {
    let m = w
        .messages_in(thread)
        .into_iter()
        .rev()
        .find(|m| m.author == APP_ID && is_step(&m.components))?;
    let ids: Vec<String> = buttons(&m.components)
        .into_iter()
        .filter(|b| b["disabled"] == false)
        .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
        .filter(|c| c.starts_with("bh1:c:"))
        .collect();
    let step = ids.first()?.split(':').nth(2)?;
    Some((m.id, StepId::new(step), ids))
}

fn buttons(components: &serde_json::Value) -> Vec<&serde_json::Value> {
    components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .collect()
}

/// Whether a message's buttons are a step's (every step has Back; an ending's rating or
/// a hand-off's Close is not one).
fn is_step(components: &serde_json::Value) -> bool {
    buttons(components).iter().any(|b| {
        b["custom_id"]
            .as_str()
            .is_some_and(|c| c.starts_with("bh1:b:"))
    })
}

/// The steps posted in `thread` (by their buttons), and how many messages carry `title`
/// without buttons (the ending).
fn shown(w: &World, thread: u64, title: &str) -> (Vec<StepId>, usize) {
    let mut steps = Vec::new();
    let mut endings = 0;
    for m in w
        .messages_in(thread)
        .into_iter()
        .filter(|m| m.author == APP_ID)
    {
        let ids = buttons(&m.components);
        match ids
            .iter()
            .filter_map(|b| b["custom_id"].as_str())
            .find(|c| c.starts_with("bh1:c:"))
            .and_then(|c| c.split(':').nth(2))
        {
            Some(step) => steps.push(StepId::new(step)),
            None if m.embeds[0]["title"] == title => endings += 1,
            None => {}
        }
    }
    (steps, endings)
}

/// Bot processes, one at a time, started with the same config.
struct Bots {
    bin: PathBuf,
    config: PathBuf,
    dir: PathBuf,
    token: String,
    child: Option<Child>,
    runs: usize,
}

impl Bots {
    fn start(&mut self) {
        self.runs += 1;
        let log = std::fs::File::create(self.dir.join(format!("bot-{}.log", self.runs)));
        let stderr = log.map_or(Stdio::null(), Stdio::from);
        let child = Command::new(&self.bin)
            .args(["run", "--config"])
            .arg(&self.config)
            .env("DISCORD_TOKEN", &self.token)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the bot starts");
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Bots {
    fn drop(&mut self) {
        self.kill();
    }
}

pub async fn run(chaos: &Chaos) -> Outcome {
    let started = Instant::now();
    let deadline = started + chaos.limit;
    let scripts =
        backup_help_bot::script::load_dir(&chaos.responses, "en").expect("the scripts load");
    // The fake's people use en-US, so the bot walks them through the English script.
    let english = scripts.into_iter().find(|s| s.locale == "en");
    let script = Arc::new(english.expect("an English script"));
    let options = Options {
        heartbeat_interval_ms: 5_000,
        ..Options::default()
    };
    let fake = Arc::new(FakeDiscord::start(options).await.expect("the fake starts"));
    for i in 0..chaos.people {
        fake.add_member(person(i), &format!("person {i}"), &[]);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("config.ron");
    let source = config_ron(&fake.url(), &chaos.responses, &dir.path().join("chaos.db"));
    std::fs::write(&config, source).expect("config written");
    let mut bots = Bots {
        bin: chaos.bin.clone(),
        config,
        dir: dir.path().to_path_buf(),
        token: fake.token().to_string(),
        child: None,
        runs: 0,
    };
    bots.start();
    let connected = |n: usize| move |w: &World| w.ready_count >= n && !w.commands.is_empty();
    if fake
        .wait_until("the bot to connect", Duration::from_secs(30), connected(1))
        .await
        .is_err()
    {
        panic!("the bot did not connect; see {}", dir.path().display());
    }

    let tally = Arc::new(Tally::default());
    let mut walkers = Vec::new();
    for i in 0..chaos.people {
        let (fake, script, tally) = (fake.clone(), script.clone(), tally.clone());
        let seed = chaos.seed;
        walkers.push(tokio::spawn(async move {
            walk(&fake, &script, seed, i, deadline, &tally).await
        }));
    }

    // The chaos itself: a kill, a restart, and a fault, in turn.
    let mut downtimes: Vec<(Instant, Instant)> = Vec::new();
    for k in 0..chaos.kills {
        let pause = 1_500 + mix((chaos.seed, "pause", k)) % 2_500;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        if Instant::now() > deadline {
            break;
        }
        let down = Instant::now();
        bots.kill();
        bots.start();
        let readies = fake.world(|w| w.ready_count) + 1;
        let _ = fake
            .wait_until("the restart", Duration::from_secs(30), connected(readies))
            .await;
        downtimes.push((down, Instant::now()));
        tokio::time::sleep(Duration::from_millis(500)).await;
        match k % 4 {
            0 => fake.close_gateway(4000),
            1 => fake.invalidate_sessions(),
            2 => (0..10).for_each(|_| fake.fail_next("POST", "/messages", 429, 0, "Slow down")),
            _ => (0..10).for_each(|_| fake.fail_next("POST", "/messages", 502, 0, "Bad Gateway")),
        }
    }

    let mut outcome = Outcome {
        people: chaos.people,
        restarts: bots.runs - 1,
        ..Outcome::default()
    };
    for (i, walker) in walkers.into_iter().enumerate() {
        let thread = walker.await.ok().flatten();
        let (steps, ending) = expected(&script, chaos.seed, i);
        let Some(thread) = thread else {
            outcome
                .wrong
                .push(format!("person {i}: never got a thread"));
            continue;
        };
        let (posted, endings) = fake.world(|w| shown(w, thread, &ending));
        if posted == steps && endings == 1 {
            outcome.fine += 1;
        } else {
            outcome.wrong.push(format!(
                "person {i}: expected {steps:?} then {ending:?}, saw {posted:?} and {endings} ending(s)"
            ));
        }
    }
    outcome.retries = tally.retries.load(Ordering::Relaxed);
    outcome.typed_while_away = tally.typed_while_away.load(Ordering::Relaxed);
    let at_kill = |created: Instant| {
        downtimes
            .iter()
            .any(|(down, up)| created + Duration::from_secs(3) >= *down && created <= *up)
    };
    let unanswered: Vec<u64> = fake.world(|w| {
        w.interactions
            .values()
            .filter(|i| i.callbacks.is_empty() && at_kill(i.created))
            .map(|i| i.id)
            .collect()
    });
    outcome.unanswered_at_kills = unanswered.len();
    outcome.problems = fake
        .problems()
        .into_iter()
        .filter(|p| {
            !unanswered
                .iter()
                .any(|id| p.contains(&format!("interaction {id} ")))
        })
        .collect();
    outcome.seconds = started.elapsed().as_secs_f64();
    if !outcome.wrong.is_empty() || !outcome.problems.is_empty() {
        drop(bots);
        outcome.logs = Some(dir.keep());
    }
    outcome
}

/// The config of a benchmarked bot: the fake at `api_url`, the scripts, a SQLite file.
pub fn config_ron(api_url: &str, responses: &Path, db: &Path) -> String {
    format!(
        "Config(discord: (api_url: Some(\"{api_url}\"), guilds: [{GUILD_ID}]), responses: \"{}\", \
         storage: Sqlite(path: \"{}\"), apple_status: (url: None))",
        responses.display(),
        db.display()
    )
}

/// What the people did, counted across them.
#[derive(Default)]
struct Tally {
    retries: AtomicUsize,
    typed_while_away: AtomicUsize,
}

fn count(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn person(i: usize) -> u64 {
    200_000 + i as u64
}

/// Walks person `i` to their ending; returns their thread.
async fn walk(
    fake: &FakeDiscord,
    script: &Script,
    seed: u64,
    i: usize,
    deadline: Instant,
    tally: &Tally,
) -> Option<u64> {
    let user = person(i);
    let (steps, ending) = expected(script, seed, i);
    let newest_thread = |w: &World| {
        w.channels
            .values()
            .filter(|c| c.is_thread() && c.members.contains(&user))
            .map(|c| c.id)
            .max()
    };
    // Open: /backup-help until a thread shows a step.
    let mut thread = None;
    while thread.is_none() && Instant::now() < deadline {
        fake.slash_command(user, SUPPORT_CHANNEL, "backup-help");
        let _ = fake
            .wait_until("a first step", PATIENCE, |w| {
                newest_thread(w).is_some_and(|t| live_step(w, t).is_some())
            })
            .await;
        thread = fake.world(|w| newest_thread(w).filter(|t| live_step(w, *t).is_some()));
    }
    let thread = thread?;
    let mut k = 0;
    let mut stuck_since = Instant::now();
    while k < steps.len() && Instant::now() < deadline {
        let Some((message, step, choices)) = fake.world(|w| live_step(w, thread)) else {
            if stuck_since.elapsed() > PATIENCE {
                // The answered step is greyed out and nothing came after: try /backup-help
                // again, which links to the walkthrough (posting what it owes).
                count(&tally.retries);
                fake.slash_command(user, SUPPORT_CHANNEL, "backup-help");
                stuck_since = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        stuck_since = Instant::now();
        // A step further than planned means an answer counted twice: stop and let the check
        // report it.
        let Some(at) = steps[k..].iter().position(|s| *s == step).map(|p| p + k) else {
            return Some(thread);
        };
        k = at;
        let choice = plan(seed, i, k, &step, choices.len());
        let Some(custom_id) = choices.get(choice).cloned() else {
            return Some(thread);
        };
        // Reading the step and trying what it says, so the walks span the kills.
        let think = 300 + mix((seed, i, k, "think")) % 900;
        tokio::time::sleep(Duration::from_millis(think)).await;
        let typed = (i + k) % 2 == 1;
        if typed {
            if !fake.listening() {
                count(&tally.typed_while_away);
            }
            fake.type_message(user, thread, &(choice + 1).to_string());
        } else {
            fake.click(user, message, &custom_id);
        }
        loop {
            let last = k + 1 == steps.len();
            let moved = fake
                .wait_until("the next step", PATIENCE, |w| {
                    live_step(w, thread).is_none_or(|(m, _, _)| m != message)
                        || (last && shown(w, thread, &ending).1 > 0)
                })
                .await;
            if moved.is_ok() || Instant::now() > deadline {
                break;
            }
            if typed {
                // Typed once: they wait for the bot to read it.
                continue;
            }
            // Nothing happened: click the same button again.
            count(&tally.retries);
            fake.click(user, message, &custom_id);
        }
        k += 1;
    }
    // The ending may still be owed (a burst of 429 met it): the sweep posts it within
    // seconds, and the person waits for it.
    let left = deadline.saturating_duration_since(Instant::now());
    let _ = fake
        .wait_until("the ending", left, |w| shown(w, thread, &ending).1 > 0)
        .await;
    Some(thread)
}
