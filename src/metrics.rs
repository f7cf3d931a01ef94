//! What an operator graphs and alerts on, in Prometheus' text format.
//!
//! One [`Metrics`] per bot, with its own registry: prometheus-client keeps no global state,
//! so two bots in one process (as in the tests) never count into each other. The turn
//! pipeline feeds it once, from the events a turn records; the Discord outlet counts failed
//! requests, the handler acknowledgements and reconnects, and [`CountingStore`] every store
//! error (and times, for [`crate::timing`], what an answer waited for). Labels are bounded (outcomes, how an answer came, HTTP statuses): never a user,
//! guild or thread id.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use prometheus_client::encoding::{text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::conversation::Timestamp;
use crate::ids::{GuildId, ThreadId, UserId};
use crate::script::ScriptHash;
use crate::store::{Event, EventKind, Record, SessionStore, StoreError, StoredScript};
use crate::timing::{self, Phase};

/// Acknowledgement buckets in seconds: Discord's deadline is 3 s, and a healthy bot answers
/// within tens of milliseconds.
const ACK_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0];

/// How an answer reached the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Button,
    Text,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Button => "button",
            Via::Text => "text",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// The follow-up an event is part of, and what came of it.
fn follow_up_label(kind: EventKind) -> Option<FollowUpLabel> {
    let (kind, outcome) = match kind {
        EventKind::FollowUpAsked => ("confirm", "asked"),
        EventKind::Confirmed => ("confirm", "confirmed"),
        EventKind::Reopened => ("confirm", "reopened"),
        EventKind::Unconfirmed => ("confirm", "unconfirmed"),
        EventKind::AppleWatched => ("outage", "subscribed"),
        EventKind::AppleFixed => ("outage", "notified"),
        EventKind::WatchLapsed => ("outage", "lapsed"),
        _ => return None,
    };
    Some(FollowUpLabel { kind, outcome })
}

/// A follow-up's kind (`confirm`: the question the day after a fix; `outage`: waiting for
/// Apple to fix a problem) and what came of it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FollowUpLabel {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ViaLabel {
    via: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabel {
    version: &'static str,
    script_hash: String,
}

pub struct Metrics {
    registry: Registry,
    started: Counter,
    ended: Family<OutcomeLabel, Counter>,
    follow_ups: Family<FollowUpLabel, Counter>,
    open: Gauge,
    answers: Family<ViaLabel, Counter>,
    reasks: Counter,
    courtesies_skipped: Counter,
    ack: Histogram,
    discord_errors: Family<StatusLabel, Counter>,
    reconnects: Counter,
    store_errors: Counter,
    build: Family<BuildLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("backup_help");
        let started = Counter::default();
        let ended = Family::<OutcomeLabel, Counter>::default();
        let follow_ups = Family::<FollowUpLabel, Counter>::default();
        let open = Gauge::default();
        let answers = Family::<ViaLabel, Counter>::default();
        let reasks = Counter::default();
        let courtesies_skipped = Counter::default();
        let ack = Histogram::new(ACK_BUCKETS);
        let discord_errors = Family::<StatusLabel, Counter>::default();
        let reconnects = Counter::default();
        let store_errors = Counter::default();
        let build = Family::<BuildLabel, Gauge>::default();
        // Counters get their `_total` suffix from the registry.
        let r = &mut registry;
        r.register(
            "walkthroughs_started",
            "Walkthroughs opened",
            started.clone(),
        );
        r.register(
            "walkthroughs_ended",
            "Walkthroughs ended, by outcome",
            ended.clone(),
        );
        r.register(
            "follow_ups",
            "Follow-ups after a walkthrough ended, by kind (confirm: asked, confirmed, reopened, unconfirmed; outage: subscribed, notified, lapsed)",
            follow_ups.clone(),
        );
        r.register(
            "walkthroughs_open",
            "Walkthroughs open in the store now (every process sharing it)",
            open.clone(),
        );
        r.register(
            "answers",
            "Answers applied, by how they came (button or text)",
            answers.clone(),
        );
        r.register(
            "reasks",
            "Typed answers not understood, so the step was asked again",
            reasks.clone(),
        );
        r.register(
            "courtesies_skipped",
            "Answered steps left unmarked (their buttons live) because Discord was too busy: \
             every place to it was taken for a second by what people wait for",
            courtesies_skipped.clone(),
        );
        r.register(
            "ack_seconds",
            "From an interaction's arrival to its first callback (Discord allows 3 s)",
            ack.clone(),
        );
        r.register(
            "discord_errors",
            "Discord requests that failed, by HTTP status (network: no answer)",
            discord_errors.clone(),
        );
        r.register(
            "gateway_reconnects",
            "Gateway sessions resumed or identified again after the first",
            reconnects.clone(),
        );
        r.register(
            "store_errors",
            "Store operations that failed (conflicts between answers excluded)",
            store_errors.clone(),
        );
        r.register(
            "build_info",
            "The running version and the hash of its default script",
            build.clone(),
        );
        Metrics {
            registry,
            started,
            ended,
            follow_ups,
            open,
            answers,
            reasks,
            courtesies_skipped,
            ack,
            discord_errors,
            reconnects,
            store_errors,
            build,
        }
    }

    /// Names what is running: the crate version and the default script's hash.
    /// Names what is running (again after a reload: the previous hash is dropped).
    pub fn set_build(&self, script_hash: String) {
        let label = BuildLabel {
            version: env!("CARGO_PKG_VERSION"),
            script_hash,
        };
        self.build.clear();
        self.build.get_or_create(&label).set(1);
    }

    /// Counts what the events of one turn mean; `via` is how its input came, if an answer.
    pub fn record(&self, events: &[Event], via: Option<Via>) {
        for event in events {
            match event.kind {
                EventKind::Started => {
                    self.started.inc();
                }
                EventKind::Answered => {
                    if let Some(via) = via {
                        let label = ViaLabel { via: via.as_str() };
                        self.answers.get_or_create(&label).inc();
                    }
                }
                kind if kind.is_outcome() => {
                    let label = OutcomeLabel {
                        outcome: kind.as_str(),
                    };
                    self.ended.get_or_create(&label).inc();
                }
                kind if follow_up_label(kind).is_some() => {
                    if let Some(label) = follow_up_label(kind) {
                        self.follow_ups.get_or_create(&label).inc();
                    }
                }
                _ => {}
            }
        }
    }

    pub fn reasked(&self) {
        self.reasks.inc();
    }

    /// An answered step left unmarked (see [`Metrics`]'s `courtesies_skipped`).
    pub fn courtesy_skipped(&self) {
        self.courtesies_skipped.inc();
    }

    pub fn acknowledged(&self, after: Duration) {
        self.ack.observe(after.as_secs_f64());
    }

    /// A request Discord refused or did not answer: `status` is its HTTP status, if any.
    pub fn discord_error(&self, status: Option<u16>) {
        let status = status.map_or_else(|| "network".to_string(), |s| s.to_string());
        self.discord_errors
            .get_or_create(&StatusLabel { status })
            .inc();
    }

    pub fn reconnected(&self) {
        self.reconnects.inc();
    }

    fn store_error(&self) {
        self.store_errors.inc();
    }

    /// The text for `GET /metrics`, with the open walkthroughs counted now.
    pub fn encode(&self, open: Option<usize>) -> String {
        if let Some(open) = open {
            self.open.set(i64::try_from(open).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = text::encode(&mut out, &self.registry);
        out
    }
}

/// A store that counts its errors into [`Metrics`]; everything else is passed through.
pub struct CountingStore {
    pub inner: Arc<dyn SessionStore>,
    pub metrics: Arc<Metrics>,
}

impl CountingStore {
    fn count<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(err) = &result {
            if !matches!(err, StoreError::Conflict | StoreError::AlreadyOpen) {
                self.metrics.store_error();
            }
        }
        result
    }
}

#[async_trait]
impl SessionStore for CountingStore {
    async fn insert(&self, record: &Record, events: &[Event]) -> Result<(), StoreError> {
        self.count(self.inner.insert(record, events).await)
    }
    async fn by_thread(&self, thread: ThreadId) -> Result<Option<Record>, StoreError> {
        self.count(timing::phase(Phase::Load, self.inner.by_thread(thread)).await)
    }
    async fn open_for(&self, guild: GuildId, owner: UserId) -> Result<Option<Record>, StoreError> {
        self.count(timing::phase(Phase::Load, self.inner.open_for(guild, owner)).await)
    }
    async fn save(
        &self,
        record: &Record,
        expected_version: u64,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let saved = timing::phase(
            Phase::Save,
            self.inner.save(record, expected_version, events),
        );
        self.count(saved.await)
    }
    async fn save_shown(&self, record: &Record) -> Result<(), StoreError> {
        self.count(timing::phase(Phase::Record, self.inner.save_shown(record)).await)
    }
    async fn due(
        &self,
        now: Timestamp,
        shards: Option<crate::config::ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        self.count(self.inner.due(now, shards, limit).await)
    }
    async fn owing(
        &self,
        now: Timestamp,
        shards: Option<crate::config::ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        self.count(self.inner.owing(now, shards, limit).await)
    }
    async fn open_in(
        &self,
        shards: Option<crate::config::ShardRange>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        self.count(self.inner.open_in(shards, limit).await)
    }
    async fn retry_at(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError> {
        self.count(timing::phase(Phase::Record, self.inner.retry_at(thread, at)).await)
    }
    async fn open_threads(&self) -> Result<Vec<(ThreadId, UserId, String)>, StoreError> {
        self.count(self.inner.open_threads().await)
    }
    async fn count_open(&self) -> Result<usize, StoreError> {
        self.count(self.inner.count_open().await)
    }
    async fn keep_script(&self, script: &StoredScript, now: Timestamp) -> Result<(), StoreError> {
        self.count(self.inner.keep_script(script, now).await)
    }
    async fn script(&self, hash: ScriptHash) -> Result<Option<StoredScript>, StoreError> {
        self.count(self.inner.script(hash).await)
    }
    async fn scripts_in_use(&self) -> Result<Vec<(ScriptHash, usize)>, StoreError> {
        self.count(self.inner.scripts_in_use().await)
    }
    async fn append_all(&self, events: &[Event]) -> Result<(), StoreError> {
        self.count(timing::phase(Phase::Record, self.inner.append_all(events)).await)
    }
    async fn events_since(&self, since: Timestamp) -> Result<Vec<Event>, StoreError> {
        self.count(self.inner.events_since(since).await)
    }
}

#[async_trait]
impl crate::store::Erasure for CountingStore {
    async fn purge_ended_before(
        &self,
        cutoff: Timestamp,
        batch: usize,
    ) -> Result<crate::store::Erased, StoreError> {
        self.count(self.inner.purge_ended_before(cutoff, batch).await)
    }
    async fn forget_user(&self, user: UserId) -> Result<crate::store::Forgotten, StoreError> {
        self.count(self.inner.forget_user(user).await)
    }
    async fn rolled_up_since(
        &self,
        from: Timestamp,
    ) -> Result<Vec<(crate::stats::Counted, usize)>, StoreError> {
        self.count(self.inner.rolled_up_since(from).await)
    }
}

#[async_trait]
impl crate::store::CaseStore for CountingStore {
    async fn open_case(&self, thread: ThreadId, at: Timestamp) -> Result<(), StoreError> {
        self.count(timing::phase(Phase::Record, self.inner.open_case(thread, at)).await)
    }
    async fn case(&self, thread: ThreadId) -> Result<Option<crate::store::Case>, StoreError> {
        self.count(self.inner.case(thread).await)
    }
    async fn open_cases(&self) -> Result<Vec<ThreadId>, StoreError> {
        self.count(self.inner.open_cases().await)
    }
    async fn set_card(
        &self,
        thread: ThreadId,
        channel: crate::ids::ChannelId,
        message: crate::ids::MessageId,
    ) -> Result<(), StoreError> {
        self.count(self.inner.set_card(thread, channel, message).await)
    }
    async fn claim(
        &self,
        thread: ThreadId,
        by: &crate::store::Staffed,
    ) -> Result<crate::store::Claimed, StoreError> {
        self.count(self.inner.claim(thread, by).await)
    }
    async fn unannounced_claims(
        &self,
    ) -> Result<Vec<(ThreadId, crate::store::Staffed)>, StoreError> {
        self.count(self.inner.unannounced_claims().await)
    }
    async fn claim_announced(&self, thread: ThreadId) -> Result<(), StoreError> {
        self.count(self.inner.claim_announced(thread).await)
    }
    async fn close_case(
        &self,
        thread: ThreadId,
        by: &crate::store::Staffed,
    ) -> Result<(), StoreError> {
        self.count(self.inner.close_case(thread, by).await)
    }
    async fn rate(&self, thread: ThreadId, stars: u8, at: Timestamp) -> Result<bool, StoreError> {
        self.count(self.inner.rate(thread, stars, at).await)
    }
    async fn comment(&self, thread: ThreadId, text: &str) -> Result<bool, StoreError> {
        self.count(self.inner.comment(thread, text).await)
    }
    async fn ratings_since(&self, since: Timestamp) -> Result<Vec<(ThreadId, u8)>, StoreError> {
        self.count(self.inner.ratings_since(since).await)
    }
    async fn transcribe(&self, lines: &[crate::store::Line]) -> Result<(), StoreError> {
        self.count(self.inner.transcribe(lines).await)
    }
    async fn transcript(&self, thread: ThreadId) -> Result<Vec<crate::store::Line>, StoreError> {
        self.count(self.inner.transcript(thread).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind) -> Event {
        Event {
            at: Timestamp(0),
            guild: GuildId::new(1).expect("not 0"),
            thread: ThreadId::new(2).expect("not 0"),
            owner: UserId::new(3).expect("not 0"),
            kind,
            step: None,
            locale: None,
            version: None,
        }
    }

    #[test]
    fn events_become_counters_with_bounded_labels() {
        let m = Metrics::new();
        m.set_build("abc123".into());
        m.record(&[event(EventKind::Started)], None);
        m.record(&[event(EventKind::Answered)], Some(Via::Button));
        m.record(&[event(EventKind::Answered)], Some(Via::Text));
        m.record(
            &[event(EventKind::Answered), event(EventKind::Fixed)],
            Some(Via::Text),
        );
        m.record(&[event(EventKind::FollowUpAsked)], None);
        m.record(&[event(EventKind::Reopened)], None);
        m.discord_error(Some(403));
        m.discord_error(None);
        m.acknowledged(Duration::from_millis(30));
        let text = m.encode(Some(4));
        for line in [
            "backup_help_walkthroughs_started_total 1",
            "backup_help_walkthroughs_ended_total{outcome=\"fixed\"} 1",
            "backup_help_answers_total{via=\"button\"} 1",
            "backup_help_answers_total{via=\"text\"} 2",
            "backup_help_walkthroughs_open 4",
            "backup_help_discord_errors_total{status=\"403\"} 1",
            "backup_help_discord_errors_total{status=\"network\"} 1",
            "backup_help_ack_seconds_count 1",
            "backup_help_ack_seconds_bucket{le=\"0.05\"} 1",
            "backup_help_ack_seconds_bucket{le=\"0.025\"} 0",
            "backup_help_reasks_total 0",
            "backup_help_follow_ups_total{kind=\"confirm\",outcome=\"asked\"} 1",
            "backup_help_follow_ups_total{kind=\"confirm\",outcome=\"reopened\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
        let build = text
            .lines()
            .find(|l| l.starts_with("backup_help_build_info"));
        let build = build.unwrap_or_default();
        assert!(
            build.contains("script_hash=\"abc123\"") && build.ends_with(" 1"),
            "{text}"
        );
    }
}
