//! Starts a fake Discord and the real bot against it, and drives a person through it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use backup_help_bot::clock::ManualClock;
use backup_help_bot::config::{Config, Token};
use backup_help_bot::script::load_dir;
use fake_discord::world::{World, APP_ID, GUILD_ID, SUPPORT_CHANNEL};
use fake_discord::{FakeDiscord, Options};

pub const PERSON: u64 = 5000;
pub const STAFF: u64 = 5001;
pub const STRANGER: u64 = 5002;
pub const STAFF_ROLE: u64 = 2100;
pub const SUPPORT_ROLE: u64 = 2200;
pub const WAIT: Duration = Duration::from_secs(10);
/// The plain "still failing" answer of the first check (Is iCloud Backup switched on?). A bare
/// "still failing" is asked again there: the step's failing answers also say how old the
/// last backup is.
pub const FIRST_CHECK_FAILING: &str = "Still failing, last backup is recent";

/// What a person whose backup still fails types at the English step titled `title`:
/// "still failing", or the failing answer itself where a bare one is asked again because
/// each failing answer says more (how old the last backup is, how much storage is left, a
/// restart done already).
pub fn still_failing_at(title: &str) -> &'static str {
    match title {
        "Is iCloud Backup switched on?" => FIRST_CHECK_FAILING,
        "Is there room left in iCloud?" => "Plenty, more than the next backup needs",
        "Restart your iPhone" => "Restarted it already, still failing",
        _ => "still failing",
    }
}

/// Every log line of the process (serenity's included), to prove the token is never in one.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        let show = std::env::var_os("TEST_LOG").is_some();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(move || Tee(writer.clone(), show))
            .try_init();
        buffer
    })
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);
struct Tee(Capture, bool);

impl Write for Tee {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0 .0.lock() {
            buffer.extend_from_slice(bytes);
        }
        if self.1 {
            std::io::stderr().write_all(bytes)?;
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct Harness {
    pub fake: FakeDiscord,
    /// The bot's clock: tests move it forward instead of sleeping.
    pub clock: ManualClock,
    /// Holds the SQLite file; removed when the test ends.
    _data: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    bot: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Asks the in-process bot to re-read its scripts, as SIGHUP does for the binary.
    pub reload: tokio::sync::mpsc::Sender<()>,
}

/// The config a test bot runs with, typed; [`TestConfig::ron`] is the one place it becomes
/// a `config.ron`.
#[derive(Debug, Clone)]
pub struct TestConfig {
    pub api_url: String,
    pub responses: PathBuf,
    /// `Sqlite(path: ...)` or `Postgres(url_env: ...)`, as RON.
    pub storage: String,
    pub guilds: Vec<u64>,
    /// The support role to ping and the staff role that may answer for others.
    pub roles: bool,
    /// `(first, count, total)`.
    pub shards: Option<(u32, u32, u32)>,
    /// More top-level keys, e.g. `idle_warning: "1s",`.
    pub extra: String,
    /// Apple's status feed; off unless a test serves one (there is no internet here).
    pub apple_status: Option<String>,
    /// How often the feed is read (the config's default unless set), e.g. `"1ms"`.
    pub apple_refresh: Option<String>,
    /// Where hand-offs are announced to the support team.
    pub staff_channel: Option<u64>,
}

impl TestConfig {
    /// The fake's URL, the shipped scripts, and a SQLite file in `dir`.
    pub fn new(fake: &FakeDiscord, dir: &Path) -> TestConfig {
        TestConfig {
            api_url: fake.url(),
            responses: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/responses")),
            storage: format!("Sqlite(path: \"{}\")", dir.join("backup-help.db").display()),
            guilds: vec![GUILD_ID],
            roles: true,
            shards: None,
            extra: String::new(),
            apple_status: None,
            apple_refresh: None,
            staff_channel: None,
        }
    }

    /// PostgreSQL at the URL in `DATABASE_URL` (the process's environment).
    pub fn postgres(self) -> TestConfig {
        TestConfig {
            storage: "Postgres(url_env: \"DATABASE_URL\")".into(),
            ..self
        }
    }

    pub fn ron(&self) -> String {
        let guilds: Vec<String> = self.guilds.iter().map(u64::to_string).collect();
        let roles = if self.roles {
            format!("support_role: Some({SUPPORT_ROLE}), staff_roles: [{STAFF_ROLE}],")
        } else {
            String::new()
        };
        let shards = self.shards.map_or(String::new(), |(first, count, total)| {
            format!("shards: Some((first: {first}, count: {count}, total: {total})),")
        });
        let staff = self.staff_channel.map_or(String::new(), |channel| {
            format!("staff_channel: Some({channel}),")
        });
        let refresh = self
            .apple_refresh
            .as_ref()
            .map_or(String::new(), |r| format!(", refresh: \"{r}\""));
        let status = match &self.apple_status {
            Some(url) => {
                format!("apple_status: (url: Some(\"{url}\"), timeout: \"1s\"{refresh}),")
            }
            None => "apple_status: (url: None),".to_string(),
        };
        format!(
            "Config(\n    discord: (api_url: Some(\"{}\"), guilds: [{}], {roles} {shards} {staff}\n        thread: Private),\n    responses: \"{}\",\n    storage: {},\n    {status}\n    {}\n)\n",
            self.api_url,
            guilds.join(", "),
            self.responses.display(),
            self.storage,
            self.extra
        )
    }
}

/// Config keys to add, e.g. `idle_warning: "1s"`.
pub async fn start(extra_config: &str, options: Options) -> Harness {
    start_with(options, |config| config.extra = extra_config.to_string()).await
}

/// [`start`], with the bot's config changed by `edit` first.
pub async fn start_with(options: Options, edit: impl FnOnce(&mut TestConfig)) -> Harness {
    logs();
    let fake = FakeDiscord::start(options).await.expect("the fake starts");
    fake.add_member(PERSON, "Ada", &[]);
    fake.add_member(STAFF, "Sam from support", &[STAFF_ROLE]);
    fake.add_member(STRANGER, "Mallory", &[]);
    let data = tempfile::tempdir().expect("a temporary directory");
    let mut config = TestConfig::new(&fake, data.path());
    edit(&mut config);
    let source = config.ron();
    let config = Config::parse(&source, "test-config.ron").expect("the test config is valid");
    let scripts = load_dir(&config.responses, &config.default_locale).expect("the scripts load");
    let token = Token::from_value(Some(fake.token().to_string())).expect("a token");
    let (stop, stopped) = oneshot::channel::<()>();
    let clock = ManualClock::new();
    let (reload, reloads) = tokio::sync::mpsc::channel(4);
    let bot = tokio::spawn(backup_help_bot::discord::run(
        config,
        token,
        scripts,
        Arc::new(clock.clone()),
        async {
            let _ = stopped.await;
        },
        reloads,
    ));
    let harness = Harness {
        fake,
        clock,
        _data: data,
        stop: Some(stop),
        bot,
        reload,
    };
    harness.wait_connected(1).await;
    harness
}

impl Harness {
    /// A fake Discord and a data folder, for a bot run elsewhere (a spawned binary).
    pub async fn for_process(options: Options) -> Harness {
        logs();
        Harness {
            fake: FakeDiscord::start(options).await.expect("the fake starts"),
            clock: ManualClock::new(),
            _data: tempfile::tempdir().expect("a temporary directory"),
            stop: None,
            bot: tokio::spawn(async { Ok(()) }),
            // A process-run bot reloads on SIGHUP instead.
            reload: tokio::sync::mpsc::channel(1).0,
        }
    }

    /// Waits until the bot has identified `readies` times in all and registered
    /// /backup-help on the test guild.
    pub async fn wait_connected(&self, readies: usize) {
        self.wait("the bot to connect and register /backup-help", |w| {
            w.ready_count >= readies && w.commands.contains_key(&Some(GUILD_ID))
        })
        .await;
    }

    /// The folder holding the database.
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// `backup-help-bot stats --format json` on the bot's database (its default: the last 7
    /// days).
    pub fn stats_json(&self) -> Value {
        let config = self.data_dir().join("stats-config.ron");
        std::fs::write(&config, self.config().ron()).expect("config written");
        let out = Command::new(env!("CARGO_BIN_EXE_backup-help-bot"))
            .args(["stats", "--format", "json", "--config"])
            .arg(&config)
            .output()
            .expect("stats runs");
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    /// A config for a bot process against this fake, with its SQLite file in the data folder.
    pub fn config(&self) -> TestConfig {
        TestConfig::new(&self.fake, self.data_dir())
    }

    /// Starts the built bot with `config` and the variables `env`; it logs at debug level to
    /// `bot-<name>.log` in the data folder, where [`Harness::finish`] reads it.
    pub fn spawn_bot(&self, name: &str, config: &TestConfig, env: &[(&str, &str)]) -> BotProcess {
        let path = self.data_dir().join(format!("config-{name}.ron"));
        std::fs::write(&path, config.ron()).expect("config written");
        // A file, not a pipe: nothing reads a pipe until the bot exits, and a full one would
        // block its logging.
        let log = std::fs::File::create(self.data_dir().join(format!("bot-{name}.log")))
            .expect("a log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_backup-help-bot"));
        command
            .args(["run", "--config"])
            .arg(&path)
            .env("DISCORD_TOKEN", self.fake.token())
            .env("RUST_LOG", "debug")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log);
        BotProcess(command.spawn().expect("the bot starts"))
    }

    /// The titles of every step posted in `thread`, in order.
    pub fn step_titles(&self, thread: u64) -> Vec<String> {
        self.fake.world(|w| {
            w.messages_in(thread)
                .iter()
                .filter(|m| m.author == APP_ID)
                .filter(|m| is_step(&m.components))
                .filter_map(|m| m.embeds[0]["title"].as_str().map(str::to_string))
                .collect()
        })
    }

    pub async fn wait(&self, what: &str, done: impl Fn(&World) -> bool) {
        if let Err(err) = self.fake.wait_until(what, WAIT, done).await {
            panic!("{err}\nproblems: {:?}", self.fake.problems());
        }
    }

    /// Waits until a log line of the in-process bot holds every one of `needles`: for what the
    /// bot only notes (a gateway event that changes nothing Discord could show).
    pub async fn wait_for_log(&self, what: &str, needles: &[&str]) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = logs().lock().is_ok_and(|l| {
                String::from_utf8_lossy(&l)
                    .lines()
                    .any(|line| needles.iter().all(|n| line.contains(n)))
            });
            if found {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `user` runs /backup-help in the support channel; returns the interaction id.
    pub fn command(&self, user: u64) -> u64 {
        self.fake
            .slash_command(user, SUPPORT_CHANNEL, "backup-help")
    }

    /// Runs /backup-help and waits for the thread with its first step; returns the thread.
    pub async fn open(&self, user: u64) -> u64 {
        self.open_in(user, SUPPORT_CHANNEL).await
    }

    /// The same, in `channel` (of any guild).
    pub async fn open_in(&self, user: u64, channel: u64) -> u64 {
        let interaction = self.fake.slash_command(user, channel, "backup-help");
        self.wait("the reply to /backup-help to be edited", |w| {
            w.interactions[&interaction].original.is_some()
        })
        .await;
        let thread = self.fake.world(|w| {
            w.channels
                .values()
                .filter(|c| c.is_thread() && c.members.contains(&user))
                .map(|c| c.id)
                .max()
        });
        let thread = thread.expect("a thread with the person in it");
        self.wait("the first step", |w| {
            self.step_message_in(w, thread).is_some()
        })
        .await;
        thread
    }

    /// The latest bot message in `thread` that has live (enabled) buttons.
    pub fn step_message_in(&self, world: &World, thread: u64) -> Option<u64> {
        world
            .messages_in(thread)
            .into_iter()
            .rev()
            .find(|m| m.author == APP_ID && is_step(&m.components))
            .filter(|m| {
                buttons(&m.components)
                    .iter()
                    .any(|b| b["disabled"] == false)
            })
            .map(|m| m.id)
    }

    pub fn step_title(&self, thread: u64) -> String {
        self.fake.world(|w| {
            let id = self.step_message_in(w, thread).expect("a live step");
            w.messages[&id].embeds[0]["title"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
    }

    /// The custom_id of the button labelled `label` on the live step.
    pub fn button(&self, thread: u64, label: &str) -> (u64, String) {
        self.fake.world(|w| {
            let id = self.step_message_in(w, thread).expect("a live step");
            let found = buttons(&w.messages[&id].components)
                .into_iter()
                .find(|b| b["label"] == label)
                .and_then(|b| b["custom_id"].as_str().map(str::to_string));
            (
                id,
                found.unwrap_or_else(|| panic!("no button {label:?} on the live step")),
            )
        })
    }

    /// Clicks `label` on the live step as `user`, and waits for the click to be answered and
    /// the bot to post what follows.
    pub async fn click(&self, user: u64, thread: u64, label: &str) -> u64 {
        let before = self.bot_messages(thread);
        let (message, custom_id) = self.button(thread, label);
        let interaction = self.fake.click(user, message, &custom_id);
        self.wait(&format!("the click on {label:?} to be answered"), |w| {
            !w.interactions[&interaction].callbacks.is_empty()
        })
        .await;
        self.wait("the next bot message", |w| count_bot(w, thread) > before)
            .await;
        interaction
    }

    /// Clicks the `n`-th choice button (0-based) of the live step, whatever its label.
    pub async fn click_nth(&self, user: u64, thread: u64, n: usize) -> u64 {
        let label = self.fake.world(|w| {
            let id = self.step_message_in(w, thread).expect("a live step");
            let choices: Vec<String> = buttons(&w.messages[&id].components)
                .into_iter()
                .filter(|b| {
                    b["custom_id"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("bh1:c:"))
                })
                .filter_map(|b| b["label"].as_str().map(str::to_string))
                .collect();
            choices[n].clone()
        });
        self.click(user, thread, &label).await
    }

    /// Types `text` as `user` and waits for the bot to answer in the thread.
    pub async fn type_text(&self, user: u64, thread: u64, text: &str) {
        let before = self.bot_messages(thread);
        self.fake.type_message(user, thread, text);
        self.wait(&format!("an answer to {text:?}"), |w| {
            count_bot(w, thread) > before
        })
        .await;
    }

    pub fn bot_messages(&self, thread: u64) -> usize {
        self.fake.world(|w| count_bot(w, thread))
    }

    /// The last bot message in `thread`: (content, embed title, pings).
    pub fn last_bot_message(&self, thread: u64) -> (String, String, Vec<String>, Value) {
        self.fake.world(|w| {
            let m = w
                .messages_in(thread)
                .into_iter()
                .rev()
                .find(|m| m.author == APP_ID)
                .expect("a bot message");
            let title = m.embeds[0]["title"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (m.content.clone(), title, m.pings.clone(), m.embeds.clone())
        })
    }

    /// The private reply to an interaction: its original response, when that is private,
    /// or its first follow-up (a click whose response carried the next step, or was a
    /// deferred update, is answered privately by follow-up).
    pub async fn ephemeral_reply(&self, interaction: u64) -> String {
        let reply = |w: &World| {
            let i = &w.interactions[&interaction];
            let private = |m: &u64| w.messages.get(m).is_some_and(|m| m.flags & 64 != 0);
            let original = i.original.filter(|m| i.kind != 3 || private(m));
            original.or(i.followups.first().copied())
        };
        self.wait("a private reply", |w| reply(w).is_some()).await;
        self.fake.world(|w| {
            let message = &w.messages[&reply(w).unwrap_or(0)];
            assert_eq!(message.flags & 64, 64, "the reply is ephemeral");
            message.content.clone()
        })
    }

    /// Stops the bot and asserts what every test must: no request Discord would reject, no
    /// unknown route, every interaction answered once within 3 s, no pings but the support
    /// role's, and the token in no log line.
    pub async fn finish(self) {
        self.finish_killed_during(&[]).await;
    }

    /// [`Harness::finish`], for a test whose bot was killed while answering the
    /// interactions `killed` (Discord shows those clicks as failed; that is what a kill does).
    pub async fn finish_killed_during(mut self, killed: &[u64]) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let stopped = tokio::time::timeout(Duration::from_secs(10), &mut self.bot).await;
        assert!(stopped.is_ok(), "the bot did not stop within 10 s");
        let unanswered: Vec<String> = killed
            .iter()
            .map(|i| format!("interaction {i} was never answered"))
            .collect();
        let problems: Vec<String> = self
            .fake
            .problems()
            .into_iter()
            .filter(|p| !unanswered.contains(p))
            .collect();
        assert!(
            problems.is_empty(),
            "the fake saw problems:\n{}",
            problems.join("\n")
        );
        // A question after the end pings the one person it asks, and nobody else.
        let follow_ups = follow_up_titles();
        let asks_one = |m: &fake_discord::world::Message| {
            let title = m.embeds[0]["title"].as_str().unwrap_or_default();
            follow_ups.iter().any(|t| t == title)
                && m.pings.len() == 1
                && m.pings[0] == m.content.replace("<@", "user:").replace('>', "")
        };
        let pings: Vec<String> = self.fake.world(|w| {
            w.messages
                .values()
                .filter(|m| m.author == APP_ID && !asks_one(m))
                .flat_map(|m| m.pings.clone())
                .filter(|p| *p != format!("role:{SUPPORT_ROLE}"))
                .collect()
        });
        assert!(pings.is_empty(), "the bot pinged {pings:?}");
        let mut logs = logs()
            .lock()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .unwrap_or_default();
        // A bot run as a separate process logs to files in the data folder.
        for entry in std::fs::read_dir(self._data.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "log") {
                logs.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        assert!(!logs.is_empty(), "no logs were captured");
        assert!(
            !logs.contains(self.fake.token()),
            "a log line contains the token"
        );
    }
}

/// The titles of the shipped scripts' questions after a walkthrough ended: the follow-up
/// of a fix, and Apple's news.
fn follow_up_titles() -> Vec<String> {
    let responses = concat!(env!("CARGO_MANIFEST_DIR"), "/responses");
    let scripts = load_dir(Path::new(responses), "en").expect("the scripts load");
    let mut titles = Vec::new();
    for s in &scripts {
        let apple_fixed = s.apple_status.as_ref().and_then(|a| a.fixed_step());
        for id in s.follow_up.iter().chain(apple_fixed.as_ref()) {
            titles.extend(s.step(id).map(|step| step.title.clone()));
        }
    }
    titles
}

/// A bot started as its own process, killed when dropped: a test that fails half-way leaves
/// no bot running behind it.
pub struct BotProcess(pub std::process::Child);

impl std::ops::Deref for BotProcess {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for BotProcess {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn buttons(components: &Value) -> Vec<&Value> {
    components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .collect()
}

/// Whether a message's buttons are a step's: every step has Back (an ending's rating or a
/// hand-off's Close is not a step).
pub fn is_step(components: &Value) -> bool {
    buttons(components).iter().any(|b| {
        b["custom_id"]
            .as_str()
            .is_some_and(|c| c.starts_with("bh1:b:"))
    })
}

/// The bot's messages in `thread` that everyone sees: private replies (flag 64) to a
/// click are not the walk moving on.
pub fn count_bot(world: &World, thread: u64) -> usize {
    world
        .messages_in(thread)
        .iter()
        .filter(|m| m.author == APP_ID && m.flags & 64 == 0)
        .count()
}
