//! The fake's small model of one Discord guild, and everything it recorded.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

/// The application id, which is also the bot's user id.
pub const APP_ID: u64 = 1000;
pub const GUILD_ID: u64 = 2000;
/// A second guild, which Discord routes to shard 1 of 2 (see [`shard_of`]).
pub const SECOND_GUILD_ID: u64 = (1 << 22) | 2000;
/// The support channel of the second guild.
pub const SECOND_SUPPORT_CHANNEL: u64 = 2002;
/// The text channel where people run `/backup-help`.
pub const SUPPORT_CHANNEL: u64 = 2001;
/// The guild owner, a plain member.
pub const OWNER_ID: u64 = 3000;

pub const TEXT_CHANNEL: u8 = 0;
pub const DM_CHANNEL: u8 = 1;
pub const PUBLIC_THREAD: u8 = 11;
pub const PRIVATE_THREAD: u8 = 12;

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub bot: bool,
    pub roles: Vec<u64>,
}

/// A guild role; the @everyone role's id is the guild's.
#[derive(Debug, Clone)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
}

/// A channel's permission overwrite for a role (`kind` 0) or a member (`kind` 1).
#[derive(Debug, Clone)]
pub struct Overwrite {
    pub id: u64,
    pub kind: u8,
    pub allow: u64,
    pub deny: u64,
}

/// Every permission bit Discord defines today.
pub const ALL_PERMISSION_BITS: u64 = 2_251_799_813_685_247;
/// The application flag saying the Message Content intent is enabled.
pub const GATEWAY_MESSAGE_CONTENT: u64 = 1 << 19;

/// The shard Discord sends a guild's events to.
pub fn shard_of(guild: u64, total: u64) -> u64 {
    (guild >> 22) % total.max(1)
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: u64,
    /// None for a DM.
    pub guild: Option<u64>,
    pub kind: u8,
    pub name: String,
    pub parent: Option<u64>,
    pub owner: Option<u64>,
    pub archived: bool,
    /// Only moderators may unarchive it (or post in it).
    pub locked: bool,
    pub invitable: bool,
    /// Thread members.
    pub members: Vec<u64>,
}

impl Channel {
    pub fn is_thread(&self) -> bool {
        matches!(self.kind, PUBLIC_THREAD | PRIVATE_THREAD)
    }
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: u64,
    pub channel: u64,
    pub author: u64,
    pub content: String,
    pub embeds: Value,
    pub components: Value,
    pub flags: u64,
    /// Who this message actually notified: "everyone", "user:<id>", "role:<id>".
    pub pings: Vec<String>,
    /// The nonce the bot sent with it, if any.
    pub nonce: Option<String>,
    /// The interaction whose response created it: (interaction id, interaction type, user,
    /// the clicked message for a component), as Discord's `interaction_metadata` says.
    pub interaction: Option<(u64, u8, u64, Option<u64>)>,
    /// Files attached: (file name, contents).
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// Which response an interaction got, and when.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: u64,
    pub token: String,
    pub kind: u8,
    pub user: u64,
    pub channel: u64,
    /// The clicked message, for component interactions.
    pub message: Option<u64>,
    pub created: Instant,
    /// (callback type, seconds after creation) of every callback, accepted or not.
    pub callbacks: Vec<(u64, f64)>,
    /// The message created by a type-4 callback or the edit of a type-5 one.
    pub original: Option<u64>,
    /// Follow-up messages sent through the interaction's webhook.
    pub followups: Vec<u64>,
    /// The form a type-9 response opened.
    pub modal: Option<Value>,
}

/// One REST request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
    pub status: u16,
    /// When it arrived (before it was checked and applied), to see which requests a person
    /// waits for in sequence.
    pub at: std::time::Instant,
    /// When the fake had checked and applied it (the answer goes out right after).
    pub answered: std::time::Instant,
}

/// A fault to inject into the next REST request that matches.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: String,
    /// Matches when the request path contains this.
    pub path_contains: String,
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Default)]
pub struct World {
    pub guilds: Vec<u64>,
    pub users: BTreeMap<u64, User>,
    pub channels: BTreeMap<u64, Channel>,
    pub messages: BTreeMap<u64, Message>,
    /// The last bulk overwrite, per guild (None = global).
    pub commands: BTreeMap<Option<u64>, Value>,
    pub interactions: BTreeMap<u64, Interaction>,
    pub requests: Vec<Recorded>,
    /// Anything Discord would have rejected, or that breaks a rule of the tests.
    pub violations: Vec<String>,
    pub unknown_routes: Vec<String>,
    pub faults: Vec<Fault>,
    /// IDENTIFY payloads received, in order.
    pub identifies: Vec<Value>,
    pub resumes: usize,
    /// Each gateway session's shard `[id, total]` and intents, by session id, for RESUME.
    pub gateway_sessions: BTreeMap<String, ([u64; 2], u64)>,
    /// Gateway sessions that got READY.
    pub ready_count: usize,
    /// Sessions told op 9 (they hear no more events).
    pub invalidated: usize,
    /// IDENTIFYs held by `hold_identify`, not answered yet.
    pub identifies_waiting: usize,
    /// Threads deleted (by a moderator): requests to them get 10003 Unknown Channel, which
    /// is no fault of the bot's.
    pub deleted: std::collections::BTreeSet<u64>,
    /// The bot's messages by the nonce they were created with, for `enforce_nonce`.
    pub nonces: std::collections::HashMap<String, u64>,
    /// How late to answer message posts (see `FakeDiscord::delay_message_posts`).
    pub message_post_delay: std::time::Duration,
    /// Discord's distance: every REST request is held half of this before it is applied and
    /// half after, so a request takes one round trip of this (see
    /// `FakeDiscord::set_rest_latency`).
    pub rest_latency: std::time::Duration,
    /// A Discord that slows down with load: every REST request is served one at a time,
    /// taking this long, after the way there (see `FakeDiscord::set_rest_service`).
    pub rest_service: std::time::Duration,
    /// Each person's client language (`locale` in their interactions); "en-US" if unset.
    pub locales: BTreeMap<u64, String>,
    /// Each guild's language (`guild_locale`); "en-US" if unset.
    pub guild_locales: BTreeMap<u64, String>,
    /// Each guild's roles, @everyone first (every permission, unless a test changes it).
    pub roles: BTreeMap<u64, Vec<Role>>,
    /// Channels' permission overwrites.
    pub overwrites: BTreeMap<u64, Vec<Overwrite>>,
    /// The application's flags (the Message Content intent is on unless a test says not).
    pub app_flags: u64,
    /// Guilds the bot was removed from: their REST routes answer as to a stranger.
    pub left: std::collections::BTreeSet<u64>,
    /// Each channel's message ids, oldest first (see [`World::insert_message`]): a load of
    /// thousands of people looks up their own thread without scanning every message.
    by_channel: std::collections::HashMap<u64, Vec<u64>>,
    /// The threads each user was added to, in the order they were added.
    pub threads_joined: std::collections::HashMap<u64, Vec<u64>>,
    /// Each interaction's id by its token, for the webhook routes.
    pub interaction_by_token: std::collections::HashMap<String, u64>,
    next_id: u64,
}

impl World {
    pub fn new() -> World {
        // Each world hands out ids of its own, so that two fakes in one test process never
        // name the same thread (log lines of parallel tests stay apart).
        static WORLDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WORLDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut world = World {
            next_id: 10_000 + n * 1_000_000,
            app_flags: GATEWAY_MESSAGE_CONTENT,
            ..World::default()
        };
        for (id, name, bot) in [
            (APP_ID, "backup-help-bot", true),
            (OWNER_ID, "owner", false),
        ] {
            let user = User {
                id,
                name: name.into(),
                bot,
                roles: Vec::new(),
            };
            world.users.insert(id, user);
        }
        world.add_guild(GUILD_ID, SUPPORT_CHANNEL);
        world
    }

    /// Adds a guild with a text channel called "support".
    pub fn add_guild(&mut self, guild: u64, support_channel: u64) {
        self.guilds.push(guild);
        let everyone = Role {
            id: guild,
            name: "@everyone".into(),
            permissions: ALL_PERMISSION_BITS,
        };
        self.roles.insert(guild, vec![everyone]);
        self.add_text_channel(guild, support_channel, "support");
    }

    /// Adds a text channel to `guild`.
    pub fn add_text_channel(&mut self, guild: u64, id: u64, name: &str) {
        let channel = Channel {
            id,
            guild: Some(guild),
            kind: TEXT_CHANNEL,
            name: name.to_string(),
            parent: None,
            owner: None,
            archived: false,
            locked: false,
            invitable: true,
            members: Vec::new(),
        };
        self.channels.insert(id, channel);
    }

    /// The guild a channel belongs to (None for DMs and unknown channels).
    pub fn guild_of(&self, channel: u64) -> Option<u64> {
        self.channels.get(&channel).and_then(|c| c.guild)
    }

    /// A fresh snowflake.
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn violation(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!(target: "fake_discord", "violation: {text}");
        self.violations.push(text);
    }

    /// The first queued fault matching this request, removed from the queue.
    pub fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let at = self
            .faults
            .iter()
            .position(|f| f.method == method && path.contains(&f.path_contains))?;
        Some(self.faults.remove(at))
    }

    /// Records `message` (its id fresh from [`World::id`], so the newest in its channel).
    pub fn insert_message(&mut self, message: Message) {
        self.by_channel
            .entry(message.channel)
            .or_default()
            .push(message.id);
        self.messages.insert(message.id, message);
    }

    /// Messages in a channel, oldest first.
    pub fn messages_in(&self, channel: u64) -> Vec<&Message> {
        self.by_channel
            .get(&channel)
            .into_iter()
            .flatten()
            .filter_map(|id| self.messages.get(id))
            .collect()
    }

    /// The newest message in a channel.
    pub fn last_message_in(&self, channel: u64) -> Option<&Message> {
        let id = self.by_channel.get(&channel)?.last()?;
        self.messages.get(id)
    }
}
