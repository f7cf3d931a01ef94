//! The messages the bot creates and edits, as the fake keeps them.

use serde_json::{json, Value};

use crate::payloads;
use crate::rules::{pings, EPHEMERAL};
use crate::world::{Message, World, APP_ID};
use crate::Shared;

/// The nonce a message create carries, as text (Discord takes an integer or a string).
pub fn nonce(b: &Value) -> Option<String> {
    b.get("nonce").filter(|n| !n.is_null()).map(|n| match n {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

/// Stores a message the bot sends (into a channel, or as an interaction response).
pub fn store_message(shared: &Shared, world: &mut World, channel: u64, b: &Value) -> Message {
    store_response(shared, world, channel, b, None)
}

/// Stores a message the bot sends, created by the response to `interaction` (see
/// [`Message::interaction`]) if that is given.
pub fn store_response(
    shared: &Shared,
    world: &mut World,
    channel: u64,
    b: &Value,
    interaction: Option<(u64, u8, u64, Option<u64>)>,
) -> Message {
    let content = b["content"].as_str().unwrap_or_default().to_string();
    let message = Message {
        id: world.id(),
        channel,
        author: APP_ID,
        pings: pings(&content, b.get("allowed_mentions")),
        content,
        embeds: b.get("embeds").cloned().unwrap_or(json!([])),
        components: b.get("components").cloned().unwrap_or(json!([])),
        flags: b["flags"].as_u64().unwrap_or(0),
        nonce: nonce(b),
        interaction,
        attachments: Vec::new(),
    };
    world.insert_message(message.clone());
    if let Some(nonce) = &message.nonce {
        world.nonces.insert(nonce.clone(), message.id);
    }
    if message.flags & EPHEMERAL == 0 {
        let guild = world.guild_of(channel);
        shared.emit("MESSAGE_CREATE", guild, payloads::message(world, &message));
    }
    message
}

/// Applies the fields an edit sets.
pub fn apply_edit(message: &mut Message, b: &Value) {
    if let Some(content) = b.get("content").and_then(Value::as_str) {
        message.content = content.to_string();
        message.pings = pings(content, b.get("allowed_mentions"));
    }
    if let Some(embeds) = b.get("embeds") {
        message.embeds = embeds.clone();
    }
    if let Some(components) = b.get("components") {
        message.components = components.clone();
    }
}
