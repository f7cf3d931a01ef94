//! A loopback Discord for backup-help-bot's tests and benchmarks.
//!
//! [`FakeDiscord::start`] serves Discord's REST API v10 and Gateway v10 on `127.0.0.1:0`,
//! with a small model of one guild (a support channel, members, threads, messages, slash
//! commands and interactions). It speaks to the real serenity client and rejects what Discord
//! would reject: every request body is checked against Discord's own OpenAPI spec (vendored
//! in `spec/` with its MIT license) and its documented limits, every interaction must get
//! exactly one first response within 3 seconds, and every request must carry the bot token.
//! Anything wrong is recorded, and [`FakeDiscord::problems`] lists it for the test to assert.
//!
//! # Layout
//! - `world`: the guild model and the records. `payloads`: the JSON the fake sends.
//! - `rest`: the handler every request goes through; `rules`: what it is checked against;
//!   `routes` and `callbacks`: the endpoints; `messages`: the bot's messages as kept.
//! - `gateway`: the WebSocket side. `spec`: OpenAPI validation.

mod callbacks;
mod gateway;
mod messages;
pub mod multipart;
pub mod payloads;
mod rest;
mod routes;
mod rules;
pub mod spec;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::broadcast;

pub use gateway::{Control, MESSAGE_CONTENT};
pub use rules::DEADLINE_SECS;
use world::{Channel, Fault, Interaction, Message, User, World, APP_ID, DM_CHANNEL};

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The bot token it expects, without the `Bot ` prefix.
    pub token: String,
    /// Short, so serenity's first heartbeat comes quickly in tests.
    pub heartbeat_interval_ms: u64,
    /// Whether the Message Content intent is enabled "in the Developer Portal"; when not,
    /// an IDENTIFY asking for it is closed with 4014.
    pub message_content_allowed: bool,
    /// The bot's permissions in the channel, sent as `app_permissions` with interactions.
    pub app_permissions: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            token: "fake.bot.token".to_string(),
            heartbeat_interval_ms: 1500,
            message_content_allowed: true,
            app_permissions: 0x7_ffff_ffff_ffff,
        }
    }
}

/// An event for the gateway sessions: name, guild (for shard routing), payload.
pub type Dispatch = (String, Option<u64>, Value);

/// State shared by the REST handlers and the gateway sessions.
pub struct Shared {
    world: Mutex<World>,
    spec: spec::Spec,
    options: Options,
    addr: SocketAddr,
    /// Every event with the guild it concerns (None: a DM, which goes to shard 0).
    events: broadcast::Sender<Dispatch>,
    control: broadcast::Sender<Control>,
    /// While true, an IDENTIFY waits for its READY (Discord slow to start a new session).
    hold_identify: tokio::sync::watch::Sender<bool>,
    /// Held while a request is served, when requests are served one at a time.
    serving: tokio::sync::Mutex<()>,
}

impl Shared {
    /// The world, even if a panicking test thread poisoned the lock.
    fn lock(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    fn app_permissions(&self) -> u64 {
        self.options.app_permissions
    }

    /// Sends an event to the gateway session of the shard that owns `guild`.
    fn emit(&self, event: &str, guild: Option<u64>, data: Value) {
        // No receiver yet is fine: nobody is connected.
        let _ = self.events.send((event.to_string(), guild, data));
    }
}

pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: std::sync::Mutex<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.stop_serving();
    }
}

/// Serves REST and the gateway on `listener` until aborted.
fn serve(shared: Arc<Shared>, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
    let app = Router::new()
        .route("/gateway", get(gateway::upgrade))
        .fallback(rest::handle)
        .with_state(shared);
    // Each frame and response leaves at once, as from Discord's edge: with Nagle's algorithm
    // on, a frame written while the one before is unacknowledged waits for the bot's delayed
    // ACK, up to 40 ms.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(target: "fake_discord", "cannot set TCP_NODELAY: {err}");
        }
    });
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(target: "fake_discord", "server stopped: {err}");
        }
    })
}

impl FakeDiscord {
    /// Starts the fake on a free loopback port.
    pub async fn start(options: Options) -> std::io::Result<FakeDiscord> {
        let spec = spec::Spec::load().map_err(std::io::Error::other)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new()),
            spec,
            options,
            addr,
            events: broadcast::channel(1024).0,
            control: broadcast::channel(16).0,
            hold_identify: tokio::sync::watch::Sender::new(false),
            serving: tokio::sync::Mutex::new(()),
        });
        let server = std::sync::Mutex::new(serve(shared.clone(), listener));
        Ok(FakeDiscord { shared, server })
    }

    fn stop_serving(&self) {
        match self.server.lock() {
            Ok(server) => server.abort(),
            Err(poisoned) => poisoned.into_inner().abort(),
        }
    }

    /// The base URL to give the bot (`api_url`), e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn token(&self) -> &str {
        &self.shared.options.token
    }

    /// Reads the world.
    pub fn world<R>(&self, read: impl FnOnce(&World) -> R) -> R {
        read(&self.shared.lock())
    }

    /// Waits, polling every 10 ms, until `done` holds; `Err` names what never happened.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&World) -> bool,
    ) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if done(&self.shared.lock()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Err(format!("timed out after {timeout:?} waiting for {what}"))
    }

    /// Adds a guild member (announced to the bot with GUILD_MEMBER_ADD is not needed: the
    /// bot learns members from interactions and messages).
    pub fn add_member(&self, id: u64, name: &str, roles: &[u64]) {
        let user = User {
            id,
            name: name.to_string(),
            bot: false,
            roles: roles.to_vec(),
        };
        self.shared.lock().users.insert(id, user);
    }

    /// Adds a role to `guild` with the permission bits `permissions`.
    pub fn add_role(&self, guild: u64, role: u64, name: &str, permissions: u64) {
        let mut world = self.shared.lock();
        let role = world::Role {
            id: role,
            name: name.to_string(),
            permissions,
        };
        world.roles.entry(guild).or_default().push(role);
    }

    /// Sets what @everyone may do in `guild` (every permission by default).
    pub fn set_everyone_permissions(&self, guild: u64, permissions: u64) {
        let mut world = self.shared.lock();
        let roles = world.roles.entry(guild).or_default();
        if let Some(everyone) = roles.iter_mut().find(|r| r.id == guild) {
            everyone.permissions = permissions;
        }
    }

    /// Gives the bot's member `role`.
    pub fn give_bot_role(&self, role: u64) {
        let mut world = self.shared.lock();
        if let Some(bot) = world.users.get_mut(&world::APP_ID) {
            bot.roles.push(role);
        }
    }

    /// Adds a permission overwrite to `channel`.
    pub fn add_overwrite(&self, channel: u64, overwrite: world::Overwrite) {
        let mut world = self.shared.lock();
        world.overwrites.entry(channel).or_default().push(overwrite);
    }

    /// Sets the application's flags (e.g. without the Message Content intent: 0).
    pub fn set_app_flags(&self, flags: u64) {
        self.shared.lock().app_flags = flags;
    }

    /// The bot is removed from `guild`: its REST routes answer 403 Missing Access.
    pub fn remove_bot_from(&self, guild: u64) {
        self.shared.lock().left.insert(guild);
    }

    /// Sets `user`'s client language, sent as `locale` with their interactions.
    pub fn set_locale(&self, user: u64, locale: &str) {
        self.shared.lock().locales.insert(user, locale.to_string());
    }

    /// Sets a guild's language, sent as `guild_locale` with interactions there.
    pub fn set_guild_locale(&self, guild: u64, locale: &str) {
        let mut world = self.shared.lock();
        world.guild_locales.insert(guild, locale.to_string());
    }

    /// Adds a guild with a text channel called "support" (announced to shards that identify
    /// after this).
    pub fn add_guild(&self, guild: u64, support_channel: u64) {
        self.shared.lock().add_guild(guild, support_channel);
    }

    /// Adds a DM channel with `user`, for using the command outside a guild.
    pub fn add_dm(&self, user: u64) -> u64 {
        let mut world = self.shared.lock();
        let id = world.id();
        let channel = Channel {
            id,
            guild: None,
            kind: DM_CHANNEL,
            name: String::new(),
            parent: None,
            owner: Some(user),
            archived: false,
            locked: false,
            invitable: false,
            members: vec![user, APP_ID],
        };
        world.channels.insert(id, channel);
        id
    }

    /// Archives a thread as a moderator would (the bot is told by THREAD_UPDATE).
    pub fn archive(&self, thread: u64) {
        let (guild, json) = {
            let mut world = self.shared.lock();
            let Some(channel) = world.channels.get_mut(&thread) else {
                return;
            };
            channel.archived = true;
            (channel.guild, payloads::channel(channel))
        };
        self.shared.emit("THREAD_UPDATE", guild, json);
    }

    /// Deletes a thread as a moderator would (the bot is told by THREAD_DELETE); its
    /// messages stay in the records for the test to read.
    pub fn delete_thread(&self, thread: u64) {
        let (guild, json) = {
            let mut world = self.shared.lock();
            let Some(channel) = world.channels.remove(&thread) else {
                return;
            };
            world.deleted.insert(thread);
            let json = json!({
                "id": thread.to_string(),
                "guild_id": channel.guild.map(|g| g.to_string()),
                "parent_id": channel.parent.map(|p| p.to_string()),
                "type": channel.kind,
            });
            (channel.guild, json)
        };
        self.shared.emit("THREAD_DELETE", guild, json);
    }

    /// `user` runs a slash command in `channel`; returns the interaction id.
    pub fn slash_command(&self, user: u64, channel: u64, name: &str) -> u64 {
        self.slash_command_with(user, channel, name, json!([]))
    }

    /// The same, with the `options` (name, type, value) the person filled in.
    pub fn slash_command_with(&self, user: u64, channel: u64, name: &str, options: Value) -> u64 {
        let data = json!({"id": "900", "name": name, "type": 1, "options": options});
        self.interact(2, user, channel, None, data)
    }

    /// `user` clicks the button `custom_id` on `message`; returns the interaction id.
    pub fn click(&self, user: u64, message: u64, custom_id: &str) -> u64 {
        let channel = self.world(|w| w.messages.get(&message).map_or(0, |m| m.channel));
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.interact(3, user, channel, Some(message), data)
    }

    fn interact(
        &self,
        kind: u8,
        user: u64,
        channel: u64,
        message: Option<u64>,
        data: Value,
    ) -> u64 {
        let mut world = self.shared.lock();
        let id = world.id();
        let token = format!("interaction-token-{id}");
        let channel_kind = world.channels.get(&channel).map_or(0, |c| c.kind);
        let guild = world.guild_of(channel);
        let locale = world.locales.get(&user).map_or("en-US", String::as_str);
        let mut payload = json!({
            "id": id.to_string(),
            "application_id": APP_ID.to_string(),
            "type": kind,
            "data": data,
            "channel_id": channel.to_string(),
            "channel": {"id": channel.to_string(), "type": channel_kind},
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 8_388_608,
            "app_permissions": self.shared.options.app_permissions.to_string(),
            "authorizing_integration_owners": {},
        });
        let person = world.users.get(&user).cloned();
        if let (Some(guild), false) = (guild, channel_kind == DM_CHANNEL) {
            payload["guild_id"] = json!(guild.to_string());
            let guild_locale = world
                .guild_locales
                .get(&guild)
                .map_or("en-US", String::as_str);
            payload["guild_locale"] = json!(guild_locale);
            payload["member"] = person.as_ref().map(payloads::member).unwrap_or(Value::Null);
        } else {
            payload["user"] = person.as_ref().map(payloads::user).unwrap_or(Value::Null);
        }
        if let Some(message) = message.and_then(|m| world.messages.get(&m)) {
            payload["message"] = payloads::message(&world, message);
        }
        world.interaction_by_token.insert(token.clone(), id);
        world.interactions.insert(
            id,
            Interaction {
                id,
                token,
                kind,
                user,
                channel,
                message,
                created: Instant::now(),
                callbacks: Vec::new(),
                original: None,
                followups: Vec::new(),
                modal: None,
            },
        );
        drop(world);
        self.shared.emit("INTERACTION_CREATE", guild, payload);
        id
    }

    /// `user` sends the form (modal) `custom_id`, opened by a click in `channel`, with the
    /// text inputs `values` (custom_id, value); returns the interaction id.
    pub fn submit_modal(
        &self,
        user: u64,
        channel: u64,
        custom_id: &str,
        values: &[(&str, &str)],
    ) -> u64 {
        let inputs: Vec<Value> = values
            .iter()
            .map(|(id, value)| {
                json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
            })
            .collect();
        let data = json!({"custom_id": custom_id, "components": inputs});
        self.interact(5, user, channel, None, data)
    }

    /// Adds a text channel to `guild` (a staff channel, say).
    pub fn add_text_channel(&self, guild: u64, id: u64, name: &str) {
        self.shared.lock().add_text_channel(guild, id, name);
    }

    /// `user` types `content` in `channel`; returns the message id.
    pub fn type_message(&self, user: u64, channel: u64, content: &str) -> u64 {
        let message = {
            let mut world = self.shared.lock();
            let message = Message {
                id: world.id(),
                channel,
                author: user,
                content: content.to_string(),
                embeds: json!([]),
                components: json!([]),
                flags: 0,
                pings: rules::pings(content, None),
                nonce: None,
                interaction: None,
                attachments: Vec::new(),
            };
            let id = message.id;
            world.insert_message(message);
            id
        };
        self.redeliver(message);
        message
    }

    /// Sends MESSAGE_CREATE for a message typed earlier, again, as the gateway may after a
    /// reconnect.
    pub fn redeliver(&self, message: u64) {
        let world = self.shared.lock();
        let Some(message) = world.messages.get(&message) else {
            return;
        };
        let mut payload = payloads::message(&world, message);
        if let Some(person) = world.users.get(&message.author) {
            let mut member = payloads::member(person);
            if let Some(m) = member.as_object_mut() {
                m.remove("user");
            }
            payload["member"] = member;
        }
        let guild = world.guild_of(message.channel);
        drop(world);
        self.shared.emit("MESSAGE_CREATE", guild, payload);
    }

    /// Makes the next matching REST request fail with `status` and a Discord error body
    /// (`retry_after` is added for 429).
    pub fn fail_next(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        code: u64,
        message: &str,
    ) {
        let mut body = json!({"code": code, "message": message});
        if status == 429 {
            body["retry_after"] = json!(0.05);
            body["global"] = json!(false);
        }
        self.shared.lock().faults.push(Fault {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            status,
            body,
        });
    }

    /// A copy of every event sent from now on, as the gateway sessions get them.
    pub fn events(&self) -> broadcast::Receiver<Dispatch> {
        self.shared.events.subscribe()
    }

    /// From now on, answers each message post this much later, after the message is already
    /// visible: the gap between Discord showing a message and the bot hearing back.
    pub fn delay_message_posts(&self, delay: Duration) {
        self.shared.lock().message_post_delay = delay;
    }

    /// From now on, every REST request takes `latency` to come back: held half of it before
    /// it is applied (the way to Discord) and half after (the way back), as a Discord that far
    /// from the bot would.
    pub fn set_rest_latency(&self, latency: Duration) {
        self.shared.lock().rest_latency = latency;
    }

    /// From now on, REST requests are served one at a time, each taking `service` (after
    /// the way there of `set_rest_latency`): a Discord, or a proxy in front of it, whose
    /// answers come later and later as requests pile up. Zero serves them all at once.
    pub fn set_rest_service(&self, service: Duration) {
        self.shared.lock().rest_service = service;
    }

    /// Whether a gateway session is listening for events now (a bot connected and
    /// identified): what happens while none is, no bot hears.
    pub fn listening(&self) -> bool {
        self.shared.events.receiver_count() > 0
    }

    /// From now on, an IDENTIFY waits for [`FakeDiscord::release_identify`] before its READY:
    /// a window in which nobody is listening on the gateway.
    pub fn hold_identify(&self) {
        self.shared.hold_identify.send_replace(true);
    }

    /// Answers the IDENTIFYs held since [`FakeDiscord::hold_identify`], and those to come.
    pub fn release_identify(&self) {
        self.shared.hold_identify.send_replace(false);
    }

    /// Sends op 9 Invalid Session (not resumable) to every gateway session.
    pub fn invalidate_sessions(&self) {
        let _ = self.shared.control.send(Control::InvalidSession);
    }

    /// Sends `text` as one text frame, unchecked, to every identified gateway session.
    pub fn send_raw_frame(&self, text: &str) {
        let _ = self
            .shared
            .control
            .send(Control::RawFrame(text.to_string()));
    }

    /// Closes every gateway session with `code`.
    pub fn close_gateway(&self, code: u16) {
        let _ = self.shared.control.send(Control::Close(code));
    }

    /// Discord goes out of reach: new connections are refused and every gateway session is
    /// closed with 4000, so a bot tries to reconnect and cannot.
    pub fn go_offline(&self) {
        self.stop_serving();
        self.close_gateway(4000);
    }

    /// Discord is back after [`FakeDiscord::go_offline`], on the same address.
    pub async fn go_online(&self) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(self.shared.addr).await?;
        let server = serve(self.shared.clone(), listener);
        match self.server.lock() {
            Ok(mut slot) => *slot = server,
            Err(poisoned) => *poisoned.into_inner() = server,
        }
        Ok(())
    }

    /// Everything Discord would have rejected or a test rule forbids: schema and limit
    /// violations, unknown routes, and interactions not answered exactly once within 3 s.
    pub fn problems(&self) -> Vec<String> {
        let world = self.shared.lock();
        let mut out = world.violations.clone();
        out.extend(
            world
                .unknown_routes
                .iter()
                .map(|r| format!("unknown route: {r}")),
        );
        for i in world.interactions.values() {
            match i.callbacks.as_slice() {
                [] if i.created.elapsed().as_secs_f64() > DEADLINE_SECS => {
                    out.push(format!("interaction {} was never answered", i.id));
                }
                [(_, secs), ..] if *secs > DEADLINE_SECS => {
                    out.push(format!("interaction {} answered after {secs:.2} s", i.id));
                }
                _ => {}
            }
        }
        out
    }
}
