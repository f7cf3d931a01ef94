//! The REST endpoints the bot uses, each with Discord's rules for it.

use serde_json::{json, Value};

use crate::messages::{apply_edit, nonce, store_message};
use crate::payloads;
use crate::rules::{check_limits, check_schema, Answer, Request};
use crate::world::{Channel, World, APP_ID, PRIVATE_THREAD, PUBLIC_THREAD, TEXT_CHANNEL};
use crate::Shared;

pub fn route(shared: &Shared, world: &mut World, r: &Request) -> Option<Answer> {
    let id = |s: &str| s.parse::<u64>().ok();
    let answer = match (r.method, r.segments) {
        ("GET", ["gateway"]) => Answer::json(200, json!({"url": shared.gateway_url()})),
        ("GET", ["gateway", "bot"]) => Answer::json(
            200,
            json!({"url": shared.gateway_url(), "shards": 1, "session_start_limit":
                {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
        ),
        ("PUT", ["applications", app, "commands"]) => commands(shared, world, r, app, None),
        ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
            commands(shared, world, r, app, id(guild))
        }
        ("POST", ["interactions", interaction, token, "callback"]) => {
            crate::callbacks::callback(shared, world, r, id(interaction)?, token)
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            crate::callbacks::edit_original(shared, world, r, token)
        }
        ("POST", ["webhooks", _, token]) => crate::callbacks::follow_up(shared, world, r, token),
        ("POST", ["channels", channel, "threads"]) => create_thread(shared, world, r, id(channel)?),
        ("PUT", ["channels", channel, "thread-members", user]) => {
            add_thread_member(world, r, id(channel)?, id(user)?)
        }
        ("POST", ["channels", channel, "messages"]) => {
            create_message(shared, world, r, id(channel)?)
        }
        ("GET", ["channels", channel, "messages"]) => list_messages(world, r, id(channel)?),
        ("PATCH", ["channels", channel, "messages", message]) => {
            edit_message(shared, world, r, id(channel)?, id(message)?)
        }
        ("PATCH", ["channels", channel]) => edit_channel(shared, world, r, id(channel)?),
        ("GET", ["users", "@me"]) => match world.users.get(&APP_ID) {
            Some(bot) => Answer::json(200, payloads::user(bot)),
            None => Answer::error(401, 0, "401: Unauthorized"),
        },
        ("GET", ["oauth2", "applications", "@me"]) => {
            Answer::json(200, payloads::application(world))
        }
        ("GET", ["guilds", guild]) => match member_guild(world, id(guild)?) {
            Some(g) => Answer::json(200, payloads::partial_guild(world, g)),
            None => Answer::error(403, 50001, "Missing Access"),
        },
        ("GET", ["guilds", guild, "members", user]) => {
            let user = world.users.get(&id(user)?);
            match (member_guild(world, id(guild)?), user) {
                (Some(_), Some(u)) => Answer::json(200, payloads::member(u)),
                (None, _) => Answer::error(403, 50001, "Missing Access"),
                (Some(_), None) => Answer::error(404, 10007, "Unknown Member"),
            }
        }
        ("GET", ["guilds", guild, "threads", "active"]) => match member_guild(world, id(guild)?) {
            Some(guild) => active_threads(world, guild),
            None => Answer::error(403, 50001, "Missing Access"),
        },
        ("GET", ["guilds", guild, "channels"]) => match member_guild(world, id(guild)?) {
            Some(g) => {
                let channels: Vec<Value> = world
                    .channels
                    .values()
                    .filter(|c| c.guild == Some(g) && !c.is_thread())
                    .map(|c| payloads::channel_with_overwrites(world, c))
                    .collect();
                Answer::json(200, Value::Array(channels))
            }
            None => Answer::error(403, 50001, "Missing Access"),
        },
        ("GET", ["applications", app, "guilds", guild, "commands"]) => {
            if *app != APP_ID.to_string() {
                return Some(Answer::error(404, 10002, "Unknown Application"));
            }
            match member_guild(world, id(guild)?) {
                Some(g) => {
                    let list = world.commands.get(&Some(g)).cloned();
                    Answer::json(200, list.unwrap_or_else(|| json!([])))
                }
                None => Answer::error(403, 50001, "Missing Access"),
            }
        }
        ("GET", ["channels", channel]) => match world.channels.get(&id(channel)?) {
            Some(c) => Answer::json(200, payloads::channel(c)),
            None => Answer::error(404, 10003, "Unknown Channel"),
        },
        _ => return None,
    };
    Some(answer)
}

/// `guild`, if it exists and the bot is in it.
fn member_guild(world: &World, guild: u64) -> Option<u64> {
    (world.guilds.contains(&guild) && !world.left.contains(&guild)).then_some(guild)
}

fn body<'a>(world: &mut World, r: &'a Request) -> Option<&'a Value> {
    if r.body.is_none() {
        world.violation(format!("{}: no JSON body", r.what()));
    }
    r.body
}

fn commands(
    shared: &Shared,
    world: &mut World,
    r: &Request,
    app: &str,
    guild: Option<u64>,
) -> Answer {
    if app != APP_ID.to_string() {
        world.violation(format!("{}: unknown application {app}", r.what()));
        return Answer::error(404, 10002, "Unknown Application");
    }
    let Some(list) = body(world, r).and_then(Value::as_array) else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let mut out = Vec::new();
    for command in list {
        check_schema(
            shared,
            world,
            &r.what(),
            "ApplicationCommandUpdateRequest",
            command,
        );
        let mut registered = json!({
            "id": world.id().to_string(),
            "type": command.get("type").cloned().unwrap_or(json!(1)),
            "application_id": APP_ID.to_string(),
            "name": command["name"],
            "description": command.get("description").cloned().unwrap_or(json!("")),
            "version": "1",
        });
        if let Some(guild) = guild {
            registered["guild_id"] = json!(guild.to_string());
        }
        // Discord echoes where the command may be used, its descriptions by locale and its
        // options.
        for key in [
            "contexts",
            "integration_types",
            "description_localizations",
            "options",
        ] {
            if let Some(value) = command.get(key) {
                registered[key] = value.clone();
            }
        }
        out.push(registered);
    }
    world.commands.insert(guild, Value::Array(out.clone()));
    Answer::json(200, Value::Array(out))
}

fn create_thread(shared: &Shared, world: &mut World, r: &Request, parent: u64) -> Answer {
    let Some(b) = body(world, r) else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    if !check_schema(
        shared,
        world,
        &r.what(),
        "CreateTextThreadWithoutMessageRequest",
        b,
    ) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    if world.channels.get(&parent).map(|c| c.kind) != Some(TEXT_CHANNEL) {
        world.violation(format!(
            "{}: threads can only be made in a text channel",
            r.what()
        ));
        return Answer::error(400, 50024, "Cannot execute action on this channel type");
    }
    const ADMINISTRATOR: u64 = 1 << 3;
    let needed = if b["type"].as_u64() == Some(u64::from(PRIVATE_THREAD)) {
        1 << 36
    } else {
        1 << 35
    };
    let have = shared.app_permissions();
    if have & ADMINISTRATOR == 0 && have & needed == 0 {
        world.violation(format!(
            "{}: the bot lacks the permission to create this thread",
            r.what()
        ));
        return Answer::error(403, 50013, "Missing Permissions");
    }
    let kind = match b["type"].as_u64() {
        Some(k) if k == u64::from(PRIVATE_THREAD) || k == u64::from(PUBLIC_THREAD) => k as u8,
        _ => {
            world.violation(format!("{}: thread `type` not set to 11 or 12", r.what()));
            PUBLIC_THREAD
        }
    };
    let thread = Channel {
        id: world.id(),
        guild: world.guild_of(parent),
        kind,
        name: b["name"].as_str().unwrap_or_default().to_string(),
        parent: Some(parent),
        owner: Some(APP_ID),
        archived: false,
        locked: false,
        invitable: b["invitable"].as_bool().unwrap_or(true),
        members: vec![APP_ID],
    };
    let json = payloads::channel(&thread);
    let guild = thread.guild;
    world.channels.insert(thread.id, thread);
    shared.emit("THREAD_CREATE", guild, json.clone());
    Answer::json(201, json)
}

fn add_thread_member(world: &mut World, r: &Request, thread: u64, user: u64) -> Answer {
    if !world.users.contains_key(&user) {
        world.violation(format!("{}: unknown user", r.what()));
        return Answer::error(404, 10013, "Unknown User");
    }
    match world.channels.get_mut(&thread) {
        Some(c) if c.is_thread() => {
            if !c.members.contains(&user) {
                c.members.push(user);
                world.threads_joined.entry(user).or_default().push(thread);
            }
            Answer::empty()
        }
        _ => {
            world.violation(format!("{}: not a thread", r.what()));
            Answer::error(404, 10003, "Unknown Channel")
        }
    }
}

fn create_message(shared: &Shared, world: &mut World, r: &Request, channel: u64) -> Answer {
    let Some(b) = body(world, r) else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let valid = check_schema(shared, world, &r.what(), "MessageCreateRequest", b);
    if !(check_limits(world, &r.what(), b, true) && valid) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    match world.channels.get(&channel) {
        None => return Answer::error(404, 10003, "Unknown Channel"),
        Some(c) if c.archived => {
            world.violation(format!("{}: posting in an archived thread", r.what()));
            return Answer::error(400, 50083, "Thread is archived");
        }
        Some(_) => {}
    }
    // With enforce_nonce, Discord returns the message already created with the same nonce
    // (by the same author, within minutes) instead of creating a second.
    if let (Some(nonce), Some(true)) = (&nonce(b), b["enforce_nonce"].as_bool()) {
        let earlier = world
            .nonces
            .get(nonce)
            .and_then(|id| world.messages.get(id))
            .filter(|m| m.author == APP_ID);
        if let Some(earlier) = earlier {
            return Answer::json(200, payloads::message(world, earlier));
        }
    }
    let message = store_message(shared, world, channel, b);
    Answer::json(200, payloads::message(world, &message))
}

/// The newest messages of a channel first, `limit` of them (50 unless asked, at most 100).
fn list_messages(world: &mut World, r: &Request, channel: u64) -> Answer {
    if world.deleted.contains(&channel) || !world.channels.contains_key(&channel) {
        return Answer::error(404, 10003, "Unknown Channel");
    }
    let limit = match r.param("limit").map(str::parse::<usize>) {
        None => 50,
        Some(Ok(limit @ 1..=100)) => limit,
        Some(_) => {
            world.violation(format!("{}: limit must be 1 to 100", r.what()));
            return Answer::error(400, 50035, "Invalid Form Body");
        }
    };
    let in_channel =
        |m: &&crate::world::Message| m.channel == channel && m.flags & crate::rules::EPHEMERAL == 0;
    // As Discord does: `after` lists the `limit` oldest messages after that one, newest first;
    // without it, the newest `limit`.
    let mut listed: Vec<&crate::world::Message> = match r.param("after").map(str::parse::<u64>) {
        Some(Ok(after)) => world
            .messages
            .range(after + 1..)
            .map(|(_, m)| m)
            .filter(in_channel)
            .take(limit)
            .collect(),
        Some(Err(_)) => {
            world.violation(format!("{}: after must be a snowflake", r.what()));
            return Answer::error(400, 50035, "Invalid Form Body");
        }
        None => world
            .messages
            .values()
            .rev()
            .filter(in_channel)
            .take(limit)
            .collect(),
    };
    listed.sort_by_key(|m| std::cmp::Reverse(m.id));
    let listed: Vec<Value> = listed.iter().map(|m| payloads::message(world, m)).collect();
    Answer::json(200, Value::Array(listed))
}

fn edit_message(shared: &Shared, world: &mut World, r: &Request, channel: u64, id: u64) -> Answer {
    let Some(b) = body(world, r) else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let valid = check_schema(shared, world, &r.what(), "MessageEditRequestPartial", b);
    if !(check_limits(world, &r.what(), b, true) && valid) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    let Some(message) = world.messages.get_mut(&id).filter(|m| m.channel == channel) else {
        return Answer::error(404, 10008, "Unknown Message");
    };
    if message.author != APP_ID {
        return Answer::error(403, 50005, "Cannot edit a message authored by another user");
    }
    apply_edit(message, b);
    // As Discord does: `attachments` lists the files the message keeps (the fake keeps none
    // of the old ones, which the bot never lists) and names the new ones.
    if b.get("attachments").is_some() {
        message.attachments.clear();
    }
    message
        .attachments
        .extend(r.files.iter().map(|f| (f.filename.clone(), f.data.clone())));
    let message = message.clone();
    Answer::json(200, payloads::message(world, &message))
}

fn edit_channel(shared: &Shared, world: &mut World, r: &Request, id: u64) -> Answer {
    let Some(b) = body(world, r) else {
        return Answer::error(400, 50035, "Invalid Form Body");
    };
    let is_thread = world.channels.get(&id).is_some_and(Channel::is_thread);
    if world.deleted.contains(&id) {
        return Answer::error(404, 10003, "Unknown Channel");
    }
    if !is_thread {
        world.violation(format!("{}: the bot only edits threads", r.what()));
        return Answer::error(404, 10003, "Unknown Channel");
    }
    if !check_schema(shared, world, &r.what(), "UpdateThreadRequestPartial", b) {
        return Answer::error(400, 50035, "Invalid Form Body");
    }
    let locked = world.channels.get(&id).is_some_and(|c| c.locked);
    if locked && b["archived"].as_bool() == Some(false) {
        world.violation(format!("{}: unarchiving a locked thread", r.what()));
    }
    let Some(thread) = world.channels.get_mut(&id) else {
        return Answer::error(404, 10003, "Unknown Channel");
    };
    if let Some(archived) = b["archived"].as_bool() {
        thread.archived = archived;
    }
    if let Some(locked) = b["locked"].as_bool() {
        thread.locked = locked;
    }
    let json = payloads::channel(thread);
    shared.emit("THREAD_UPDATE", thread.guild, json.clone());
    Answer::json(200, json)
}

/// GET /guilds/{guild}/threads/active: every thread of the guild that is not archived, with
/// the id of its newest message.
fn active_threads(world: &World, guild: u64) -> Answer {
    let threads: Vec<Value> = world
        .channels
        .values()
        .filter(|c| c.guild == Some(guild) && c.is_thread() && !c.archived)
        .filter(|c| !world.deleted.contains(&c.id))
        .map(|c| {
            let mut thread = payloads::channel(c);
            let last = world.last_message_in(c.id);
            thread["last_message_id"] = last.map_or(Value::Null, |m| json!(m.id.to_string()));
            thread
        })
        .collect();
    Answer::json(200, json!({"threads": threads, "members": []}))
}
