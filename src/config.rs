//! The operator's config file (`config.ron`) and the secrets from the environment.
//!
//! Loaded and checked once at start-up into typed values. Unknown keys and bad values are
//! errors naming the file, line and column, and what was expected. The bot token never
//! comes from a file and never appears in `Debug` output or a log line.

use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ron::extensions::Extensions;
use serde::{Deserialize, Deserializer};

use crate::conversation::IdlePolicy;
use crate::hours::Hours;
pub use crate::hours::{ClockTime, Day, SupportHours};
use crate::ids::{ChannelId, GuildId, RoleId};

/// The environment variable holding the bot token.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename = "Config")]
pub struct Config {
    #[serde(default)]
    pub discord: DiscordConfig,
    /// The folder with the scripts, `<locale>.ron`; relative to the working directory.
    #[serde(default = "defaults::responses")]
    pub responses: PathBuf,
    /// The script used when a person's Discord locale has none of its own.
    #[serde(default = "defaults::locale")]
    pub default_locale: String,
    /// Quiet time before a walkthrough is nudged.
    #[serde(default = "defaults::idle_warning")]
    pub idle_warning: HumanDuration,
    /// Quiet time before a walkthrough is closed and its thread archived.
    #[serde(default = "defaults::idle_close")]
    pub idle_close: HumanDuration,
    /// How long after a fix the bot asks, in the person's thread, whether iCloud Backup has
    /// run by itself since (the script's `follow_up` question); `None` never asks.
    #[serde(default = "defaults::confirm_after")]
    pub confirm_after: Option<HumanDuration>,
    /// Where walkthroughs are kept.
    #[serde(default)]
    pub storage: Storage,
    /// How long an ended walkthrough is kept, with what is personal in it (its transcript,
    /// the rating's comment, the person's and the thread's ids); after it, only what
    /// `stats` counts of it stays, as per-day counts. `None` keeps everything.
    #[serde(default = "defaults::retention")]
    pub retention: Option<HumanDuration>,
    /// The operators' HTTP endpoint (metrics and health checks); off unless `listen` is set.
    #[serde(default)]
    pub http: HttpConfig,
    /// How log lines are written: `Text` for people, `Json` for a log collector.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Threads that run the bot's own work: Discord's events, the turns and the requests to
    /// Discord (the database has threads of its own). One keeps up with thousands of people
    /// and costs the least CPU per answer; more only hand work between threads.
    #[serde(default = "defaults::threads")]
    pub threads: NonZeroUsize,
    /// Apple's System Status feed, shown live in the status step.
    #[serde(default)]
    pub apple_status: AppleStatusConfig,
    /// When the support team is in; outside these hours a hand-off says when they are back.
    /// `None`: always staffed.
    #[serde(default)]
    pub support_hours: Option<SupportHours>,
    /// `support_hours`, checked and with its time zone looked up, once, by [`Config::parse`]:
    /// what a hand-off asks when the team is next in.
    #[serde(skip)]
    pub hours: Option<Hours>,
}

/// Where and how often Apple's System Status is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppleStatusConfig {
    /// The feed; `None` turns the live status off (the step shows Apple's page only).
    #[serde(default = "defaults::apple_status_url")]
    pub url: Option<String>,
    /// A read that takes longer is given up, and the step is shown as written.
    #[serde(default = "defaults::apple_status_timeout")]
    pub timeout: HumanDuration,
    /// How long one read is used for, by every walkthrough.
    #[serde(default = "defaults::apple_status_refresh")]
    pub refresh: HumanDuration,
}

impl Default for AppleStatusConfig {
    fn default() -> Self {
        AppleStatusConfig {
            url: defaults::apple_status_url(),
            timeout: defaults::apple_status_timeout(),
            refresh: defaults::apple_status_refresh(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// The address to serve `/metrics`, `/healthz` and `/readyz` on, e.g.
    /// `Some("127.0.0.1:9477")`; `None` serves nothing.
    #[serde(default)]
    pub listen: Option<ListenAddr>,
}

/// A socket address to listen on, written "host:port" with an IP host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenAddr(pub std::net::SocketAddr);

impl<'de> Deserialize<'de> for ListenAddr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map(ListenAddr).map_err(|_| {
            serde::de::Error::custom(format!(
                "\"{text}\" is not an address to listen on; write an IP and a port, e.g. \
                 \"127.0.0.1:9477\" (this machine only) or \"0.0.0.0:9477\" (every interface)"
            ))
        })
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum LogFormat {
    /// `key=value` lines for people reading a terminal or a journal.
    #[default]
    Text,
    /// One JSON object per line, with the fields of the spans it happened in.
    Json,
}

/// The database behind the walkthroughs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum Storage {
    /// One file, created with its folder if missing; for a single bot process.
    Sqlite { path: PathBuf },
    /// A PostgreSQL server whose URL is in the named environment variable; for several
    /// processes (shards) sharing one database.
    Postgres { url_env: String },
}

impl Default for Storage {
    fn default() -> Self {
        Storage::Sqlite {
            path: PathBuf::from("data/backup-help.db"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Send REST calls and gateway discovery here instead of Discord (a shared REST proxy,
    /// or a test server), as `http://host:port`.
    #[serde(default)]
    pub api_url: Option<String>,
    /// Guilds to register `/backup-help` in instantly; empty = globally.
    #[serde(default)]
    pub guilds: Vec<GuildId>,
    /// The role pinged when a walkthrough is handed to a person.
    #[serde(default)]
    pub support_role: Option<RoleId>,
    /// Members of these roles may answer on someone else's behalf.
    #[serde(default)]
    pub staff_roles: Vec<RoleId>,
    /// Where every hand-off is announced to the support team as a card with Join, Claim and
    /// Close; `None`: only the thread hears of it.
    #[serde(default)]
    pub staff_channel: Option<ChannelId>,
    #[serde(default)]
    pub thread: ThreadKind,
    /// Run only these shards in this process (several processes share one database);
    /// None = one process runs the one shard.
    #[serde(default)]
    pub shards: Option<ShardRange>,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            api_url: None,
            guilds: Vec::new(),
            support_role: None,
            staff_roles: Vec::new(),
            staff_channel: None,
            thread: ThreadKind::Private,
            shards: None,
        }
    }
}

/// Shards `first` to `first + count - 1` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardRange {
    pub first: u32,
    pub count: u32,
    pub total: u32,
}

impl ShardRange {
    /// Whether this range runs the shard that Discord sends `guild`'s events to.
    pub fn owns(&self, guild: u64) -> bool {
        let shard = (guild >> 22) % u64::from(self.total.max(1));
        (u64::from(self.first)..u64::from(self.first) + u64::from(self.count)).contains(&shard)
    }
}

/// The kind of thread a walkthrough runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum ThreadKind {
    /// Only the person, the bot and moderators see it.
    #[default]
    Private,
    Public,
}

mod defaults {
    use super::HumanDuration;
    use std::path::PathBuf;
    use std::time::Duration;

    pub fn responses() -> PathBuf {
        PathBuf::from("responses")
    }
    pub fn locale() -> String {
        "en".to_string()
    }
    pub fn idle_warning() -> HumanDuration {
        HumanDuration(Duration::from_secs(20 * 60))
    }
    pub fn idle_close() -> HumanDuration {
        HumanDuration(Duration::from_secs(30 * 60))
    }
    pub fn confirm_after() -> Option<HumanDuration> {
        Some(HumanDuration(Duration::from_secs(20 * 60 * 60)))
    }
    pub fn threads() -> super::NonZeroUsize {
        super::NonZeroUsize::MIN
    }
    pub fn retention() -> Option<HumanDuration> {
        Some(HumanDuration(Duration::from_secs(90 * 24 * 60 * 60)))
    }
    pub fn apple_status_url() -> Option<String> {
        Some(crate::status::APPLE_STATUS_URL.to_string())
    }
    pub fn apple_status_timeout() -> HumanDuration {
        HumanDuration(Duration::from_secs(2))
    }
    pub fn apple_status_refresh() -> HumanDuration {
        HumanDuration(Duration::from_secs(60))
    }
}

/// A duration written for people: "20m", "1h 30m", "45s".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|err| {
                serde::de::Error::custom(format!(
                    "\"{text}\" is not a duration ({err}); write e.g. \"20m\", \"1h 30m\", \"45s\""
                ))
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error(
        "the bot token is missing: set the environment variable {TOKEN_ENV} to the token from \
         the Discord Developer Portal (Bot → Reset Token)"
    )]
    MissingToken,
}

impl Config {
    /// When walkthroughs are nudged, closed and followed up.
    pub fn timing(&self) -> IdlePolicy {
        IdlePolicy {
            warn_after: self.idle_warning.0,
            close_after: self.idle_close.0,
            confirm_after: self.confirm_after.map(|d| d.0),
            watch_every: self.apple_status.refresh.0,
        }
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&source, &path.display().to_string())
    }

    /// Parses config text; `file` names it in errors. A leading UTF-8 byte-order mark (as
    /// Windows editors write) is skipped; lines and columns count as if it were not there.
    pub fn parse(source: &str, file: &str) -> Result<Config, ConfigError> {
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let options = ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME);
        let mut config: Config = options
            .from_str(source)
            .map_err(|err| ConfigError::Syntax {
                file: file.to_string(),
                line: err.span.start.line,
                column: err.span.start.col,
                message: err.code.to_string(),
            })?;
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            file: file.to_string(),
            line: line_of_key(source, key),
            message,
        };
        if config.idle_warning.0 >= config.idle_close.0 {
            let msg = "`idle_warning` must be shorter than `idle_close`".to_string();
            return Err(invalid("idle_warning", msg));
        }
        if config.idle_warning.0.is_zero() {
            return Err(invalid(
                "idle_warning",
                "`idle_warning` must be above zero".into(),
            ));
        }
        if config.confirm_after.is_some_and(|r| r.0.is_zero()) {
            let msg = "`confirm_after` must be above zero; None never asks".to_string();
            return Err(invalid("confirm_after", msg));
        }
        if config.retention.is_some_and(|r| r.0.is_zero()) {
            let msg = "`retention` must be above zero; None keeps everything".to_string();
            return Err(invalid("retention", msg));
        }
        if let (Some(retention), Some(confirm)) = (config.retention, config.confirm_after) {
            // A fix's walkthrough is kept whole until its question is asked and settled.
            if retention.0 <= confirm.0 + config.idle_close.0 {
                let msg = "`retention` must be longer than `confirm_after` plus `idle_close`, \
                           or a fix would be erased before its follow-up question is settled"
                    .to_string();
                return Err(invalid("retention", msg));
            }
        }
        if let Some(r) = config.discord.shards {
            if r.count == 0
                || r.total == 0
                || u64::from(r.first) + u64::from(r.count) > u64::from(r.total)
            {
                let msg = format!(
                    "`shards` asks for {} shard(s) from {} of {}; need count ≥ 1 and first + count ≤ total",
                    r.count, r.first, r.total
                );
                return Err(invalid("shards", msg));
            }
        }
        if let Some(url) = &config.apple_status.url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                let msg = format!("`apple_status.url` \"{url}\" must be an https:// address");
                return Err(invalid("url", msg));
            }
        }
        if config.apple_status.timeout.0.is_zero() {
            let msg = "`apple_status.timeout` must be above zero".to_string();
            return Err(invalid("timeout", msg));
        }
        if let Some(hours) = &config.support_hours {
            match Hours::new(hours) {
                Ok(hours) => config.hours = Some(hours),
                Err(message) => {
                    let key = ["timezone", "days", "from", "to"]
                        .into_iter()
                        .find(|key| message.starts_with(&format!("`{key}`")))
                        .filter(|key| line_of_key(source, key) > 1)
                        .unwrap_or("support_hours");
                    return Err(invalid(key, message));
                }
            }
        }
        if let Some(url) = &config.discord.api_url {
            let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
            if !scheme_ok || url.trim_end_matches('/').contains(char::is_whitespace) {
                let msg = format!("`api_url` \"{url}\" must be an http:// or https:// address");
                return Err(invalid("api_url", msg));
            }
        }
        Ok(config)
    }
}

/// The line where `key:` is written, or 1 when the key was left to its default.
fn line_of_key(source: &str, key: &str) -> usize {
    let needle = format!("{key}:");
    source
        .lines()
        .position(|line| line.trim_start().starts_with(&needle))
        .map_or(1, |i| i + 1)
}

/// The bot token. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Reads the token from `DISCORD_TOKEN`; missing or blank is an error.
    pub fn from_env() -> Result<Token, ConfigError> {
        Token::from_value(std::env::var(TOKEN_ENV).ok())
    }

    pub fn from_value(value: Option<String>) -> Result<Token, ConfigError> {
        match value {
            Some(token) if !token.trim().is_empty() => Ok(Token(token.trim().to_string())),
            _ => Err(ConfigError::MissingToken),
        }
    }

    /// The secret itself, for the one place that sends it to Discord.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_prints() {
        let token = Token::from_value(Some("  secret.token.value ".into())).unwrap();
        assert_eq!(token.expose(), "secret.token.value");
        assert!(!format!("{token:?}").contains("secret"));
        assert!(matches!(
            Token::from_value(Some("  ".into())),
            Err(ConfigError::MissingToken)
        ));
        assert!(matches!(
            Token::from_value(None),
            Err(ConfigError::MissingToken)
        ));
    }

    #[test]
    fn key_lines_are_found_or_default_to_the_first() {
        assert_eq!(line_of_key("(\n  idle_close: \"1m\",\n)", "idle_close"), 2);
        assert_eq!(line_of_key("()", "idle_close"), 1);
    }
}
