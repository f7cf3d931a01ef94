//! What every handler shares, in one place the handlers and the outlet depend on (and that
//! depends on none of them).

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use serenity::all::ChannelId;

use super::gate::Gate;
use super::rest::{Archived, Rest};
use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::{CountingStore, Metrics};
use crate::script::Script;
use crate::status_feed::StatusFeed;
use crate::walkthrough::Walkthroughs;

/// What every handler shares: the config, the walkthroughs, and what the bot knows of
/// Discord's state.
pub struct Bot {
    pub config: Config,
    pub walkthroughs: Walkthroughs,
    /// Threads of open walkthroughs and open cases known to be archived (from our own edits
    /// and THREAD_UPDATE events), to unarchive before posting. Only theirs are kept, so it
    /// stays as small as they are few.
    archived: Mutex<HashSet<ChannelId>>,
    /// False once Discord refused the Message Content intent: buttons only.
    pub typed_answers: AtomicBool,
    /// Shards that have had their first READY: another one is a reconnect.
    ready_shards: Mutex<HashSet<u32>>,
    /// In front of every REST request the handlers make: bounded, most urgent first.
    pub gate: Gate,
    /// The store, handed on to the operators' endpoint only (which asks whether it answers
    /// and how many walkthroughs are open); the handlers go through `walkthroughs`.
    pub ops_store: Arc<dyn crate::store::SessionStore>,
    /// The inputs being handled; a stop refuses new ones and waits for these.
    pub in_flight: super::drain::InFlight,
}

/// Apple's status feed for the services the default script names, unless it is turned off
/// (or no script shows it).
fn status_feed(
    config: &Config,
    scripts: &[Script],
    clock: Arc<dyn Clock>,
) -> Option<Arc<StatusFeed>> {
    let url = config.apple_status.url.clone()?;
    let source = scripts.iter().find(|s| s.locale == config.default_locale)?;
    let services = source.apple_status.as_ref()?.services.clone();
    let status = &config.apple_status;
    let feed = StatusFeed::new(url, status.timeout.0, status.refresh.0, services, clock);
    Some(Arc::new(feed))
}

impl Bot {
    /// `scripts` must not be empty (`load_dir` never returns an empty list).
    pub fn new(
        config: Config,
        scripts: Vec<Script>,
        store: Arc<dyn crate::store::SessionStore>,
        clock: Arc<dyn Clock>,
    ) -> Bot {
        let idle = config.timing();
        let default_locale = config.default_locale.clone();
        let metrics = Arc::new(Metrics::new());
        if let Some(source) = scripts.iter().find(|s| s.locale == default_locale) {
            metrics.set_build(source.hash.to_string());
        }
        // Every store error is counted, whoever meets it.
        let store = Arc::new(CountingStore {
            inner: store,
            metrics: metrics.clone(),
        });
        let feed = status_feed(&config, &scripts, clock.clone());
        let ops_store: Arc<dyn crate::store::SessionStore> = store.clone();
        let mut walkthroughs =
            Walkthroughs::new(store, scripts, default_locale, idle, clock).with_metrics(metrics);
        if let Some(feed) = feed {
            walkthroughs = walkthroughs.with_status(feed);
        }
        if let Some(hours) = config.hours.clone() {
            walkthroughs = walkthroughs.with_hours(hours);
        }
        if let Some(channel) = config.discord.staff_channel {
            walkthroughs = walkthroughs.with_staff_channel(channel);
        }
        Bot {
            config,
            walkthroughs,
            archived: Mutex::new(HashSet::new()),
            typed_answers: AtomicBool::new(true),
            ready_shards: Mutex::new(HashSet::new()),
            gate: Gate::default(),
            ops_store,
            in_flight: super::drain::InFlight::default(),
        }
    }

    /// Notes a READY from `shard`; true if it is the shard's first.
    pub fn first_ready(&self, shard: u32) -> bool {
        self.ready_shards
            .lock()
            .map_or(true, |mut shards| shards.insert(shard))
    }

    pub fn metrics(&self) -> &Metrics {
        &self.walkthroughs.metrics
    }

    /// The way to Discord's REST API: through the gate, failures counted.
    pub fn rest(&self) -> Rest<'_> {
        Rest {
            gate: &self.gate,
            metrics: self.metrics(),
        }
    }

    /// Whether `member` is on the support team: a staff role or the support role.
    pub fn is_staff(&self, member: Option<&serenity::all::Member>) -> bool {
        let discord = &self.config.discord;
        member.is_some_and(|m| {
            m.roles.iter().any(|r| {
                discord.staff_roles.iter().any(|s| s.get() == r.get())
                    || discord.support_role.is_some_and(|s| s.get() == r.get())
            })
        })
    }

    pub fn script(&self, locale: &str) -> Arc<Script> {
        self.walkthroughs.script(locale)
    }

    pub fn is_archived(&self, thread: ChannelId) -> bool {
        self.archived.lock().is_ok_and(|set| set.contains(&thread))
    }

    pub fn set_archived(&self, thread: ChannelId, archived: bool) {
        // Open walkthroughs' threads, and handed-off ones the team still works in.
        let open = crate::ids::ThreadId::new(thread.get())
            .is_some_and(|t| self.walkthroughs.may_hold(t) || self.walkthroughs.is_case(t));
        if let Ok(mut set) = self.archived.lock() {
            if archived && open {
                set.insert(thread);
            } else {
                set.remove(&thread);
            }
        }
    }
}

impl Archived for Bot {
    fn is_archived(&self, thread: ChannelId) -> bool {
        Bot::is_archived(self, thread)
    }

    fn set_archived(&self, thread: ChannelId, archived: bool) {
        Bot::set_archived(self, thread, archived)
    }
}
