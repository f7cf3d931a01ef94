//! The JSON the fake sends: gateway events and REST responses, shaped as Discord's.
//!
//! Serenity silently drops an event whose payload does not deserialize, so the crate's tests
//! deserialize each of these into serenity's own model types.

use serde_json::{json, Value};

use crate::world::{shard_of, Channel, Message, User, World, APP_ID, OWNER_ID};

const TIMESTAMP: &str = "2026-11-25T10:00:00.000000+00:00";
/// Every permission, as Discord writes permission sets: a decimal string.
pub const ALL_PERMISSIONS: &str = "2251799813685247";

pub fn user(u: &User) -> Value {
    json!({
        "id": u.id.to_string(),
        "username": u.name,
        "global_name": u.name,
        "discriminator": "0",
        "avatar": null,
        "bot": u.bot,
    })
}

pub fn member(u: &User) -> Value {
    json!({
        "user": user(u),
        "roles": u.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": TIMESTAMP,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "permissions": ALL_PERMISSIONS,
    })
}

/// A guild's roles, as Discord lists them.
pub fn roles(world: &World, guild: u64) -> Vec<Value> {
    let roles = world
        .roles
        .get(&guild)
        .map(Vec::as_slice)
        .unwrap_or_default();
    roles
        .iter()
        .enumerate()
        .map(|(position, r)| {
            json!({
                "id": r.id.to_string(),
                "name": r.name,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
                "hoist": false,
                "position": position,
                "permissions": r.permissions.to_string(),
                "managed": false,
                "mentionable": false,
                "flags": 0,
            })
        })
        .collect()
}

/// GET /guilds/{id}: the guild without its members, channels and other gateway-only parts.
pub fn partial_guild(world: &World, guild: u64) -> Value {
    let mut value = guild_create(world, guild, 0, 250);
    if let Some(object) = value.as_object_mut() {
        for key in [
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "voice_states",
            "members",
            "channels",
            "threads",
            "presences",
            "stage_instances",
            "guild_scheduled_events",
        ] {
            object.remove(key);
        }
    }
    value
}

/// A channel with its permission overwrites, as GET /guilds/{id}/channels lists it.
pub fn channel_with_overwrites(world: &World, c: &Channel) -> Value {
    let mut value = channel(c);
    let overwrites = world
        .overwrites
        .get(&c.id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    value["permission_overwrites"] = overwrites
        .iter()
        .map(|o| {
            json!({"id": o.id.to_string(), "type": o.kind,
                   "allow": o.allow.to_string(), "deny": o.deny.to_string()})
        })
        .collect();
    value
}

/// GET /oauth2/applications/@me.
pub fn application(world: &World) -> Value {
    json!({
        "id": APP_ID.to_string(),
        "name": "backup-help-bot",
        "icon": null,
        "description": "",
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "0".repeat(64),
        // Who made the application (discord.py reads it at login).
        "owner": {"id": "1", "username": "owner", "discriminator": "0", "global_name": null,
                  "avatar": null},
        "team": null,
        "flags": world.app_flags,
    })
}

pub fn channel(c: &Channel) -> Value {
    let mut value = json!({
        "id": c.id.to_string(),
        "type": c.kind,
        "name": c.name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
    });
    if let Some(guild) = c.guild {
        value["guild_id"] = json!(guild.to_string());
    }
    if let Some(parent) = c.parent {
        value["parent_id"] = json!(parent.to_string());
    }
    if let Some(owner) = c.owner {
        value["owner_id"] = json!(owner.to_string());
    }
    if c.is_thread() {
        value["thread_metadata"] = json!({
            "archived": c.archived,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": false,
            "invitable": c.invitable,
        });
        value["member_count"] = json!(c.members.len());
        value["message_count"] = json!(0);
    }
    value
}

pub fn message(world: &World, m: &Message) -> Value {
    let author = world.users.get(&m.author).map(user).unwrap_or(Value::Null);
    let mut value = json!({
        "id": m.id.to_string(),
        "channel_id": m.channel.to_string(),
        "author": author,
        "content": m.content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": m.pings.iter().any(|p| p == "everyone"),
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments(m),
        "embeds": m.embeds,
        "components": m.components,
        "pinned": false,
        "type": 0,
        "flags": m.flags,
    });
    if let Some(guild) = world.guild_of(m.channel) {
        value["guild_id"] = json!(guild.to_string());
    }
    if let Some((id, kind, by, clicked)) = m.interaction {
        let by = world.users.get(&by).map(user).unwrap_or(Value::Null);
        let mut metadata = json!({
            "id": id.to_string(),
            "type": kind,
            "user": by,
            "authorizing_integration_owners": {"0": world.guild_of(m.channel).unwrap_or(0).to_string()},
        });
        if let Some(clicked) = clicked {
            metadata["interacted_message_id"] = json!(clicked.to_string());
        }
        value["interaction_metadata"] = metadata;
    }
    value
}

pub fn hello(heartbeat_interval_ms: u64) -> Value {
    json!({"op": 10, "d": {"heartbeat_interval": heartbeat_interval_ms}, "s": null, "t": null})
}

pub fn dispatch(event: &str, seq: u64, data: Value) -> Value {
    json!({"op": 0, "t": event, "s": seq, "d": data})
}

/// The guilds a shard `[id, total]` receives.
pub fn guilds_of_shard(world: &World, shard: [u64; 2]) -> Vec<u64> {
    let [id, total] = shard;
    world
        .guilds
        .iter()
        .copied()
        .filter(|g| shard_of(*g, total) == id)
        .collect()
}

pub fn ready(world: &World, session_id: &str, gateway_url: &str, shard: [u64; 2]) -> Value {
    let bot = world.users.get(&APP_ID).map(user).unwrap_or(Value::Null);
    let guilds: Vec<Value> = guilds_of_shard(world, shard)
        .iter()
        .map(|g| json!({"id": g.to_string(), "unavailable": true}))
        .collect();
    json!({
        "v": 10,
        "user": bot,
        "shard": shard,
        "guilds": guilds,
        "session_id": session_id,
        "resume_gateway_url": gateway_url,
        "application": {"id": APP_ID.to_string(), "flags": 0},
        "private_channels": [],
    })
}

/// The privileged intent without which GUILD_CREATE lists no members but the bot.
pub const GUILD_PRESENCES: u64 = 1 << 8;

/// GUILD_CREATE for a session that identified with `intents` and `large_threshold`. As on
/// Discord, the member list is only the bot itself (and voice users, of which the fake has
/// none) unless the session asked for GUILD_PRESENCES; `member_count` is always the whole
/// guild, and `large` says whether it is over the threshold.
pub fn guild_create(world: &World, guild: u64, intents: u64, large_threshold: u64) -> Value {
    let ours = |c: &&Channel| c.guild == Some(guild);
    let channels: Vec<Value> = world
        .channels
        .values()
        .filter(ours)
        .filter(|c| c.kind == crate::world::TEXT_CHANNEL)
        .map(channel)
        .collect();
    let threads: Vec<Value> = world
        .channels
        .values()
        .filter(ours)
        .filter(|c| c.is_thread())
        .map(channel)
        .collect();
    let member_count = world.users.len();
    let members: Vec<Value> = world
        .users
        .values()
        .filter(|u| intents & GUILD_PRESENCES != 0 || u.id == APP_ID)
        .map(member)
        .collect();
    json!({
        "id": guild.to_string(),
        "name": "Support server",
        "icon": null,
        "owner_id": OWNER_ID.to_string(),
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "system_channel_flags": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": false,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": roles(world, guild),
        "joined_at": TIMESTAMP,
        "large": member_count as u64 > large_threshold,
        "unavailable": false,
        "member_count": member_count,
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    })
}

/// A message's files, as Discord lists them.
fn attachments(m: &Message) -> Vec<Value> {
    let url = |host: &str, name: &str| {
        format!("https://{host}/attachments/{}/{}/{name}", m.channel, m.id)
    };
    m.attachments
        .iter()
        .enumerate()
        .map(|(i, (name, data))| {
            json!({
                "id": (m.id * 10 + i as u64).to_string(),
                "filename": name,
                "size": data.len(),
                "url": url("cdn.discordapp.com", name),
                "proxy_url": url("media.discordapp.net", name),
            })
        })
        .collect()
}
